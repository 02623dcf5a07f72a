"""The greeting by the time of day in Tokyo (wording in tsunagari/messages_ja.yml)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_text
from tsunagari.clock import now
from tsunagari.messages import message
from tsunagari.safety.crisis_dialogue import language_of
from tsunagari.small_talk import greeting


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text=greeting(now(), language_of(latest_text(tracker), tracker.get_slot("language"))))
        return []


class ActionEasyJapanese(Action):
    """「日本語がむずかしい」: switch to やさしい日本語 and offer English.

    Written in English ("Japanese is hard for me"), the language slot is
    already en and the replies are English; the slot is set either way.
    """

    def name(self) -> str:
        return "action_easy_japanese"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        english = language_of(latest_text(tracker), tracker.get_slot("language")) == "en"
        dispatcher.utter_message(text=message("easy_japanese_en" if english else "easy_japanese_ack"))
        return [SlotSet("easy_japanese", True)]
