"""The referral: start, the form that narrows the search, and the results."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import directory, insight
from actions.common import SAFETY_INTENTS, in_crisis, latest_entity, latest_intent, latest_text
from tsunagari.clock import now
from tsunagari.messages import message
from tsunagari.preferences import CHANNELS, TIMES, clear_preference, parse_channel, parse_time

logger = logging.getLogger(__name__)

CATEGORY_BY_INTENT = {
    "seek_counseling": "counseling",
    "seek_free_space": "free_space",
    "seek_career": "career",
}
FORM_SLOTS = {"contact_channel": (CHANNELS, parse_channel), "contact_time": (TIMES, parse_time)}


def current_category(tracker: Tracker) -> str:
    """The route asked for now; the latest intent wins over an older slot."""
    return CATEGORY_BY_INTENT.get(latest_intent(tracker) or "") or tracker.get_slot("support_category") or "counseling"


class ActionStartReferral(Action):
    """Read any preference already stated in the message that asked for help.

    「今すぐ電話で相談したい」 answers both questions at once; the form then
    finds nothing left to ask and goes straight to the results.
    """

    def name(self) -> Text:
        return "action_start_referral"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        events: List[Dict[Text, Any]] = [SlotSet("support_category", current_category(tracker))]
        text = latest_text(tracker)
        for slot, (_, parser) in FORM_SLOTS.items():
            value = tracker.get_slot(slot) or clear_preference(text, parser)
            if value:
                events.append(SlotSet(slot, value))
        return events


class ValidateReferralForm(FormValidationAction):
    """Reads button payloads and typed answers for the referral form."""

    def name(self) -> Text:
        return "validate_referral_form"

    def _extract(self, slot: Text, tracker: Tracker) -> Dict[Text, Any]:
        if latest_intent(tracker) in SAFETY_INTENTS:
            return {}
        allowed, parser = FORM_SLOTS[slot]
        value = latest_entity(tracker, slot)
        if value is None:
            text = latest_text(tracker)
            if tracker.get_slot("requested_slot") == slot:
                value = parser(text)
            elif tracker.get_slot(slot) is None:
                value = clear_preference(text, parser)
        if value in allowed:
            return {slot: value}
        return {}

    async def extract_contact_channel(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return self._extract("contact_channel", tracker)

    async def extract_contact_time(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return self._extract("contact_time", tracker)

    def validate_contact_channel(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return {"contact_channel": value if value in CHANNELS else None}

    def validate_contact_time(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return {"contact_time": value if value in TIMES else None}


def _preference(value: Optional[Text]) -> Optional[Text]:
    return None if value in (None, "any") else value


class ActionShowServices(Action):
    """Look the directory up and show up to three services.

    While a crisis is live, what is open right now (crisis lines included)
    comes first, whatever the form said.
    """

    def name(self) -> Text:
        return "action_show_services"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        crisis = in_crisis(tracker)
        category = "crisis_line" if crisis else (tracker.get_slot("support_category") or "counseling")
        channel = None if crisis else _preference(tracker.get_slot("contact_channel"))
        when = "now" if crisis else _preference(tracker.get_slot("contact_time"))
        reset = [SlotSet("contact_channel", None), SlotSet("contact_time", None)]
        try:
            result = await directory.lookup(category, channel, when, now())
        except Exception:  # noqa: BLE001 - a resident gets an answer, staff get the log
            logger.exception("directory lookup failed")
            dispatcher.utter_message(text=message("directory_unavailable"))
            return reset

        await insight.record(
            "search", tracker, route=category, channel_answer=tracker.get_slot("contact_channel"),
            time_answer="now" if crisis else tracker.get_slot("contact_time"), fitted=result.fitted,
            none_open=result.none_open, shown=[card.service_id for card in result.cards],
        )
        from tsunagari.directory.lookup import format_card_text

        if result.note:
            dispatcher.utter_message(text=result.note)
        elif not result.cards:
            dispatcher.utter_message(text=message("no_results"))
        if result.cards:
            intro = message("results_intro_crisis" if crisis else "results_intro")
            dispatcher.utter_message(
                text="\n\n".join([intro] + [format_card_text(card) for card in result.cards]),
                json_message={"type": "directory_cards", "intro": intro, "cards": [card.to_dict() for card in result.cards]},
            )
        return reset
