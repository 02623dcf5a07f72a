"""The referral: start, the form that narrows the search, and the results."""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import directory, insight
from actions.common import SAFETY_INTENTS, in_crisis, latest_entity, latest_intent, latest_text
from actions.crisis import send
from channels import contract
from tsunagari.clock import now
from tsunagari.directory.lookup import WARD, format_card_text
from tsunagari.messages import message_for
from tsunagari.preferences import (
    CHANNELS,
    TIMES,
    clear_preference,
    explicit_preference,
    is_explicit_answer,
    parse_channel,
    parse_time,
    request_preference,
    stated_answer,
    turned_down,
)
from tsunagari.safety.crisis_dialogue import pinned_lines
from tsunagari.text import inside_quotes

logger = logging.getLogger(__name__)

CATEGORY_BY_INTENT = {
    "seek_counseling": "counseling",
    "seek_free_space": "free_space",
    "seek_career": "career",
}
# Messages that are never an answer to the form, whatever words they hold:
# a feeling, a question, a change of route or a way out of the form.
# For the first six, the classifier's reading gives way when the whole
# message is an answer (「会って話せるとこ」 read as a feeling, "right now" as
# a way out; tsunagari.preferences.stated_answer). Safety intents never do.
MISREAD_ANSWER_INTENTS = frozenset(
    {"express_loneliness", "feeling", "stop_search", "prickly", "short_reaction", "chitchat"}
)
NOT_AN_ANSWER = (
    SAFETY_INTENTS
    | MISREAD_ANSWER_INTENTS
    | {
        "vent",
        "request_human",
        "faq_about",
        "faq_operator",
        "faq_anonymous_free",
        "faq_data",
        "greet",
        "goodbye",
        "thank",
    }
)
FORM_SLOTS = {"contact_channel": (CHANNELS, parse_channel), "contact_time": (TIMES, parse_time)}


def say(tracker: Tracker, key: str) -> str:
    """A messages_ja.yml text in the conversation's language (English, やさしい日本語 or Japanese)."""
    return message_for(key, tracker.get_slot("language") or "ja", bool(tracker.get_slot("easy_japanese")))


def current_category(tracker: Tracker) -> str:
    """The route asked for now; the latest intent wins over an older slot."""
    return CATEGORY_BY_INTENT.get(latest_intent(tracker) or "") or tracker.get_slot("support_category") or "counseling"


class ActionStartReferral(Action):
    """Read any preference already stated in the message that asked for help.

    「今すぐ電話で相談したい」 answers both questions at once; the form then
    finds nothing left to ask and goes straight to the results.
    """

    def name(self) -> str:
        return "action_start_referral"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        category = current_category(tracker)
        events: list[dict[str, Any]] = [SlotSet("support_category", category)]
        text = latest_text(tracker)
        # Mid-form (a change of route) the answers given still apply; a new
        # search after the results starts from what this message says.
        in_form = (tracker.active_loop or {}).get("name") == "referral_form"
        if in_form:
            # The same route asked again mid-form (「やっぱり話を聞いてほしい」 while
            # already looking for someone to talk to) is not a new start.
            same = route_before_latest_message(tracker) == category
            dispatcher.utter_message(response="utter_same_route" if same else f"utter_start_{category}")
        for slot, (_, parser) in FORM_SLOTS.items():
            stated = request_preference(text, parser)
            value = (tracker.get_slot(slot) if in_form else None) or stated
            if value:
                events.append(SlotSet(slot, value))
            elif tracker.get_slot(slot) is not None:
                events.append(SlotSet(slot, None))
        return events


def route_before_latest_message(tracker: Tracker) -> str | None:
    """The route chosen before the latest message (its from_intent mapping has already set the slot)."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                continue
            seen_user = True
        elif seen_user and event.get("event") == "slot" and event.get("name") == "support_category":
            return event.get("value")
    return None


class ActionRephraseInForm(Action):
    """A typed reply inside the form that filled nothing.

    A way or a time turned down (「電話はちょっと無理」) was understood: it is
    acknowledged and the question asked again. A story read as an answer
    (「平日は仕事だから」) is listened to. Anything else gets the rephrase line
    with the way out.
    """

    def name(self) -> str:
        return "action_rephrase_in_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        requested = tracker.get_slot("requested_slot")
        text = latest_text(tracker)
        if requested in FORM_SLOTS and turned_down(text, FORM_SLOTS[requested][1]):
            dispatcher.utter_message(text=say(tracker, f"turned_down_{requested}"))
        elif text and not text.startswith("/") and not is_explicit_answer(text):
            dispatcher.utter_message(response="utter_listen_in_form")
        else:
            dispatcher.utter_message(response="utter_rephrase_in_form")
        return []


class ValidateReferralForm(FormValidationAction):
    """Reads button payloads and typed answers for the referral form.

    Only an explicit answer fills a slot: a button, or a short typed reply
    without story markers (tsunagari.preferences.is_explicit_answer). A story
    told mid-form is listened to by the rules and the question is asked again.
    """

    def name(self) -> str:
        return "validate_referral_form"

    def _extract(self, slot: str, tracker: Tracker) -> dict[str, Any]:
        intent = latest_intent(tracker)
        if intent in NOT_AN_ANSWER and not (intent in MISREAD_ANSWER_INTENTS and stated_answer(latest_text(tracker))):
            return {}
        allowed, parser = FORM_SLOTS[slot]
        value = latest_entity(tracker, slot)
        if value is None:
            text = latest_text(tracker)
            requested = tracker.get_slot("requested_slot")
            if requested == slot:
                value = explicit_preference(text, parser)
            elif tracker.get_slot(slot) is None or self._answers_only_the_other(text, requested):
                # Asked how, told when (「土日」 "weekends"), or asked when,
                # told another way (「オンラインがいい」 over a channel read
                # from the first message): take it, the form asks what is left.
                value = explicit_preference(text, lambda t: clear_preference(t, parser))
        if value in allowed:
            return {slot: value}
        return {}

    @staticmethod
    def _answers_only_the_other(text: str, requested: str | None) -> bool:
        """True when the message does not answer the question asked (so it may change the other answer)."""
        if requested not in FORM_SLOTS:
            return False
        return explicit_preference(text, FORM_SLOTS[requested][1]) is None

    async def extract_contact_channel(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._extract("contact_channel", tracker)

    async def extract_contact_time(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._extract("contact_time", tracker)

    def validate_contact_channel(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"contact_channel": value if value in CHANNELS else None}

    def validate_contact_time(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"contact_time": value if value in TIMES else None}


def _preference(value: str | None) -> str | None:
    return None if value in (None, "any") else value


def _note_for(tracker: Tracker, result: Any) -> str:
    """The directory's note (Japanese, with names and times), or its gist in English / やさしい日本語."""
    if (tracker.get_slot("language") or "ja") == "ja" and not tracker.get_slot("easy_japanese"):
        return result.note
    return say(tracker, "results_note_unchecked_hours" if result.exact else "results_note_no_exact_match")


async def show_results(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    category: str,
    channel: str | None,
    when: str | None,
    area: str | None = None,
    widen_if_none_in_ward: bool = False,
) -> list[dict[str, Any]]:
    """Look the directory up, show up to three services; the first is remembered.

    While a crisis is live, the search still runs (connection protects),
    without the form's filters, and the 24-hour lines are pinned under the
    results. The form's answers stay in their slots after the results: they
    are the context a follow-up ("then evenings?") refines.
    """
    crisis = in_crisis(tracker)
    if crisis:
        channel = when = area = None
    widened = False
    try:
        result = await directory.lookup(category, _preference(channel), _preference(when), now(), area=area)
        if area is not None and widen_if_none_in_ward and (not result.cards or result.other_ways):
            # The ward was asked for earlier (「品川にある？」), and nothing in it fits
            # what is asked now (none at all, or none reached by chat): the nearest
            # beyond the ward is the answer, said so first.
            wider = await directory.lookup(category, _preference(channel), _preference(when), now())
            if wider.cards and not (result.cards and wider.other_ways):
                result, widened = wider, True
    except Exception:  # broad on purpose: a resident gets an answer, staff get the log
        logger.exception("directory lookup failed")
        dispatcher.utter_message(text=say(tracker, "directory_unavailable"))
        if crisis:
            send(dispatcher, [pinned_lines()])
        return []

    await insight.record(  # never raises; counts only coded values
        "search",
        tracker,
        route=category,
        channel_answer=channel,
        time_answer="now" if crisis else when,
        fitted=result.fitted,
        none_open=result.none_open,
        shown=[card.service_id for card in result.cards],
    )
    if widened:
        dispatcher.utter_message(text=say(tracker, "no_results_ward_widened"))
        area = None
    elif area is not None and not result.cards:
        dispatcher.utter_message(text=say(tracker, "no_results_ward"))
        return []
    if result.note:
        dispatcher.utter_message(text=_note_for(tracker, result))
    elif not result.cards:
        dispatcher.utter_message(text=say(tracker, "no_results"))
    events: list[dict[str, Any]] = []
    if result.cards:
        # Never 「見つかりませんでした」 and 「こちらが合いそうなところです」 in one turn.
        if crisis:
            intro_key = "results_intro_crisis"
        elif area:
            intro_key = "results_intro_ward"
        elif not result.exact:
            intro_key = "results_intro_nearest"
        else:
            intro_key = "results_intro"
        intro = say(tracker, intro_key)
        dispatcher.utter_message(
            text="\n\n".join([intro] + [format_card_text(card) for card in result.cards]),
            json_message=contract.directory_cards(intro, [card.to_dict() for card in result.cards]),
        )
        top = result.cards[0]
        events.append(SlotSet("last_top", json.dumps({"name": top.name, "reasons": top.reasons}, ensure_ascii=False)))
    if crisis:
        send(dispatcher, [pinned_lines()])
    return events


class ActionShowServices(Action):
    """The results of the referral form (see show_results)."""

    def name(self) -> str:
        return "action_show_services"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return await show_results(
            dispatcher,
            tracker,
            tracker.get_slot("support_category") or "counseling",
            tracker.get_slot("contact_channel"),
            tracker.get_slot("contact_time"),
            area=WARD if ward_asked(tracker) else None,
            widen_if_none_in_ward=True,
        )


class ActionRefineSearch(Action):
    """After the results: a new time or channel, or "in Shinagawa?", re-runs the search.

    The rest of the last search is kept (its slots stay set after the
    results). With no search yet, asks what to look for.
    """

    def name(self) -> str:
        return "action_refine_search"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        category = tracker.get_slot("support_category")
        if not category:
            dispatcher.utter_message(response="utter_ask_category")
            return []
        text = latest_text(tracker)
        events: list[dict[str, Any]] = []
        values = {}
        for slot, (allowed, parser) in FORM_SLOTS.items():
            stated = latest_entity(tracker, slot) or explicit_preference(text, parser)
            if stated in allowed and stated != tracker.get_slot(slot):
                events.append(SlotSet(slot, stated))
            values[slot] = stated if stated in allowed else tracker.get_slot(slot)
        asked_now = latest_intent(tracker) == "ask_in_shinagawa"
        area = WARD if asked_now or ward_asked(tracker) else None
        return events + await show_results(
            dispatcher,
            tracker,
            category,
            values["contact_channel"],
            values["contact_time"],
            area=area,
            # Asked just now, the ward is the question; asked before, it gives way
            # when the new condition (chat) finds nothing there.
            widen_if_none_in_ward=not asked_now,
        )


def ward_asked(tracker: Tracker) -> bool:
    """True when 「品川にはないの？」 was asked since the last route was chosen.

    A later 「じゃあ夜は？」 keeps the ward: the person narrowed the search
    once and did not ask to widen it again. A new route starts afresh.
    """
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if name == "ask_in_shinagawa":
            return True
        if name in CATEGORY_BY_INTENT:
            return False
    return False


class ActionRecommend(Action):
    """ "Which do you recommend?": the first result and the reasons it was ranked first."""

    def name(self) -> str:
        return "action_recommend"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        try:
            top = json.loads(tracker.get_slot("last_top") or "null")
        except ValueError:
            top = None
        if not isinstance(top, dict) or not top.get("name"):
            dispatcher.utter_message(text=say(tracker, "recommend_nothing_yet"))
            return []
        reasons = [str(r) for r in top.get("reasons") or []]
        because = say(tracker, "recommend_reasons").format(reasons="・".join(reasons)) if reasons else ""
        dispatcher.utter_message(
            text=say(tracker, "recommend_first").format(name=inside_quotes(top["name"]), reasons=because)
        )
        return []
