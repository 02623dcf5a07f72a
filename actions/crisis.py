"""Crisis state: the replies themselves are domain responses chained by the
rules in data/rules/crisis.yml; this action only changes state.

It sets the `crisis` slot for the rest of the session, deactivates any form
(so that it never resumes on its own) and counts the event for the ward's
aggregate report, without the message text or the sender.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import directory
from actions.common import in_crisis, input_channel
from tsunagari.clock import now


class ActionCrisisResponse(Action):
    """Enter (or stay in) crisis mode."""

    def name(self) -> Text:
        return "action_crisis_response"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        events: List[Dict[Text, Any]] = []
        if tracker.active_loop_name:
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        if not in_crisis(tracker):
            await directory.record_crisis_event(now(), input_channel(tracker))
        events.append(SlotSet("crisis", True))
        return events
