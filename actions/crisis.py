"""Crisis state: the replies themselves are domain responses chained by the
rules in data/rules/crisis.yml; this action only changes state.

It sets the `crisis` slot for the rest of the session and counts the event
for the ward's aggregate report, without the message text or the sender.
Inside a form the rules run action_deactivate_loop first, so the form never
resumes on its own.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import directory
from actions.common import in_crisis, input_channel
from tsunagari.clock import now


class ActionCrisisResponse(Action):
    """Enter (or stay in) crisis mode."""

    def name(self) -> str:
        return "action_crisis_response"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if not in_crisis(tracker):
            await directory.record_crisis_event(now(), input_channel(tracker))
        return [SlotSet("crisis", True)]
