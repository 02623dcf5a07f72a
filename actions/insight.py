"""Adapter: count anonymous aggregate events for the ward's report (tsunagari.insight).

Only coded values leave the tracker: the route, the form's answers, the input
channel name and the keys of the services shown. Never the text or the
sender. Counting must never stand between a person and a reply, so a failure
is logged and swallowed.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import input_channel, latest_intent
from actions.directory import _in_thread
from tsunagari.clock import now

logger = logging.getLogger(__name__)


def _record_sync(kind: str, channel: str, fields: dict[str, Any]) -> None:
    from tsunagari.db import session_scope
    from tsunagari.directory.bootstrap import ensure_directory
    from tsunagari.insight.events import record_event

    ensure_directory()
    with session_scope() as session:
        record_event(session, kind, now(), channel, **fields)


async def record(kind: str, tracker: Tracker, **fields: Any) -> None:
    """Count one event: kind search / listening / faq / gentle_check (see record_event)."""
    try:
        await _in_thread(_record_sync, kind, input_channel(tracker), fields)
    except Exception:  # noqa: BLE001 - see module docstring
        logger.exception("could not record an insight event")


# --- counting actions, ready to be chained after a response by a rule -------------------
# Wired in domain.yml `actions:` and chained by the rules after each answer, e.g.
#   - intent: faq_data / - action: utter_faq_data / - action: action_count_faq
#   - intent: express_loneliness / - action: utter_empathize / - action: action_count_listening
# Gentle checks are counted by action_crisis_response itself (actions/crisis.py).


def _this_session(tracker: Tracker) -> list[dict]:
    events = list(tracker.events or [])
    starts = [i for i, e in enumerate(events) if e.get("event") == "session_started"]
    return events[starts[-1] + 1 :] if starts else events


def _ran_before(tracker: Tracker, *names: str) -> bool:
    return any(e.get("event") == "action" and e.get("name") in names for e in _this_session(tracker))


class ActionCountFaq(Action):
    """Count the FAQ topic just answered (the intent name, e.g. faq_data)."""

    def name(self) -> str:
        return "action_count_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        topic = latest_intent(tracker) or ""
        await record("faq", tracker, topic=topic if topic.startswith("faq_") else "other")
        return []


class ActionCountListening(Action):
    """Count a conversation that was listened to, once per session, while it has not searched."""

    def name(self) -> str:
        return "action_count_listening"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if not _ran_before(tracker, "action_count_listening", "action_show_services"):
            await record("listening", tracker)
        return []
