"""Everything the assistant says around risk, as one thin action.

``tsunagari.safety.crisis_dialogue`` picks the situation (the crisis reply,
a crisis-mode answer, a gentle check) from the latest intent and the
conversation state, and composes the messages; this action only reads the
tracker, sends them and keeps the state:

- ``crisis`` (bool) is set for the rest of the session on the first crisis
  reply, and the event is counted for the ward's aggregate report without
  the message text or the sender;
- ``crisis_stage`` remembers whether the safety question is open, so that
  「わからない」 is asked about once more instead of being read as safe.

Inside a form the rules run action_deactivate_loop first, so the form never
resumes on its own.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import directory, insight
from actions.common import in_crisis, input_channel, latest_intent, latest_text
from channels import contract
from tsunagari.clock import now
from tsunagari.preferences import way_asked_for
from tsunagari.safety.crisis_dialogue import ASKED, REASKED, compose, language_of, situation_for

logger = logging.getLogger(__name__)

# How many of the assistant's last messages an opening must differ from.
_RECENT_BOT_MESSAGES = 6


def recent_bot_texts(tracker: Tracker, limit: int = _RECENT_BOT_MESSAGES) -> list[str]:
    texts = [e.get("text") or "" for e in tracker.events if e.get("event") == "bot"]
    return texts[-limit:]


def latest_typed_text(tracker: Tracker) -> str:
    """The person's last typed message; a button payload (/crisis_safe) says nothing of their language."""
    text = latest_text(tracker)
    if text and not text.startswith("/"):
        return text
    for event in reversed(tracker.events):
        if event.get("event") == "user" and (event.get("text") or "") and not event["text"].startswith("/"):
            return event["text"]
    return ""


def send(dispatcher: CollectingDispatcher, messages: list[dict]) -> None:
    """Send composed messages; contacts become the crisis_contacts payload."""
    for message in messages:
        contacts = message.get("contacts")
        dispatcher.utter_message(
            text=message.get("text"),
            buttons=message.get("buttons") or [],
            json_message=contract.crisis_contacts(contacts) if contacts else None,
        )


class ActionCrisisResponse(Action):
    """The crisis reply, every answer in crisis mode, and the gentle checks."""

    def name(self) -> str:
        return "action_crisis_response"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        crisis = in_crisis(tracker)
        stage = tracker.get_slot("crisis_stage")
        text = latest_typed_text(tracker)
        situation = situation_for(
            latest_intent(tracker), crisis, stage, after_ask=stage in (ASKED, REASKED), channel=way_asked_for(text)
        )
        reply = compose(situation, language_of(text, tracker.get_slot("language")), recent_bot_texts(tracker))
        send(dispatcher, reply.messages)
        logger.info("Safety reply: %s.", situation)
        events: list[dict[str, Any]] = [SlotSet("crisis_stage", reply.stage)]
        if situation in ("check", "hyperbole"):
            await insight.record("gentle_check", tracker)  # never raises
        if situation == "enter":
            events.append(SlotSet("crisis", True))
            try:
                await directory.record_crisis_event(now(), input_channel(tracker))
            except Exception:  # the reply has gone out; a count must never block it
                logger.exception("Could not count the crisis event.")
        return events
