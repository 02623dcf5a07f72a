"""The greeting by the time of day in Tokyo (wording in tsunagari/messages_ja.yml)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_text
from tsunagari.clock import now
from tsunagari.safety.crisis_dialogue import language_of
from tsunagari.small_talk import greeting


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text=greeting(now(), language_of(latest_text(tracker))))
        return []
