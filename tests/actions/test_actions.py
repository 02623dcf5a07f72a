"""Unit tests for every custom action: trackers built in the test, events
and messages asserted exactly."""

from __future__ import annotations

from datetime import date

import pytest
from rasa_sdk.events import SlotSet

from actions.crisis import ActionCrisisResponse
from actions.referral import ActionShowServices, ActionStartReferral, ValidateReferralForm
from tests.actions.conftest import make_tracker

# --- action_crisis_response -------------------------------------------------


async def test_crisis_sets_the_slot_and_counts_the_event(seeded_directory, dispatcher, domain):
    from tsunagari.db import session_scope
    from tsunagari.directory.repository import crisis_event_counts

    tracker = make_tracker(intent="crisis", text="もう消えたい", input_channel="line")
    events = await ActionCrisisResponse().run(dispatcher, tracker, domain)

    assert events == [SlotSet("crisis", True)]
    assert dispatcher.messages == []  # the replies are domain responses chained by rules
    with session_scope() as session:
        counts = crisis_event_counts(session, date(2026, 11, 1))
    assert [(c.hour, c.channel, c.count) for c in counts] == [(23, "line", 1)]


async def test_crisis_counts_once_per_session(seeded_directory, dispatcher, domain):
    from tsunagari.db import session_scope
    from tsunagari.directory.bootstrap import ensure_directory
    from tsunagari.directory.repository import crisis_event_counts

    ensure_directory()
    tracker = make_tracker(slots={"crisis": True}, intent="crisis", text="やっぱり消えたい")
    assert await ActionCrisisResponse().run(dispatcher, tracker, domain) == [SlotSet("crisis", True)]
    with session_scope() as session:
        assert crisis_event_counts(session, date(2026, 11, 1)) == []


async def test_crisis_reply_survives_a_broken_directory(monkeypatch, dispatcher, domain):
    monkeypatch.setenv("TSUNAGARI_DATABASE_URL", "postgresql+psycopg2://nobody@127.0.0.1:1/none")
    from tsunagari import db

    db.reset()
    try:
        events = await ActionCrisisResponse().run(dispatcher, make_tracker(intent="crisis"), domain)
    finally:
        db.reset()
    assert events == [SlotSet("crisis", True)]


# --- action_start_referral ---------------------------------------------------


async def test_start_referral_reads_nothing_from_a_plain_request(dispatcher, domain):
    tracker = make_tracker(
        slots={"support_category": "counseling"}, intent="seek_counseling", text="誰かに話を聞いてほしい"
    )
    events = await ActionStartReferral().run(dispatcher, tracker, domain)
    assert events == [SlotSet("support_category", "counseling")]
    assert dispatcher.messages == []


async def test_start_referral_keeps_a_time_stated_in_the_request(dispatcher, domain):
    tracker = make_tracker(intent="seek_free_space", text="土日にやってる居場所ってありますか")
    events = await ActionStartReferral().run(dispatcher, tracker, domain)
    assert events == [SlotSet("support_category", "free_space"), SlotSet("contact_time", "weekend")]


async def test_start_referral_reads_both_answers_from_the_request(dispatcher, domain):
    tracker = make_tracker(intent="seek_counseling", text="今すぐ電話で相談したい")
    events = await ActionStartReferral().run(dispatcher, tracker, domain)
    assert events == [
        SlotSet("support_category", "counseling"),
        SlotSet("contact_channel", "phone"),
        SlotSet("contact_time", "now"),
    ]


async def test_start_referral_inside_the_form_keeps_earlier_answers(dispatcher, domain):
    tracker = make_tracker(
        slots={"contact_channel": "chat", "support_category": "counseling"},
        intent="seek_career",
        text="やっぱり仕事探しの相談がしたい",
        active_loop="referral_form",
    )
    events = await ActionStartReferral().run(dispatcher, tracker, domain)
    assert events == [SlotSet("support_category", "career"), SlotSet("contact_channel", "chat")]


# --- validate_referral_form ----------------------------------------------------


def _form_tracker(requested, text, intent="inform", entities=None, slots=None):
    return make_tracker(
        slots={"requested_slot": requested, **(slots or {})},
        intent=intent,
        text=text,
        entities=entities,
        active_loop="referral_form",
    )


async def test_form_takes_the_button_payload(dispatcher, domain):
    tracker = _form_tracker(
        "contact_channel",
        '/inform{"contact_channel":"phone"}',
        entities=[{"entity": "contact_channel", "value": "phone"}],
    )
    events = await ValidateReferralForm().run(dispatcher, tracker, domain)
    assert SlotSet("contact_channel", "phone") in events


async def test_form_reads_a_typed_answer(dispatcher, domain):
    tracker = _form_tracker("contact_time", "夜なら大丈夫です", slots={"contact_channel": "chat"})
    events = await ValidateReferralForm().run(dispatcher, tracker, domain)
    assert SlotSet("contact_time", "evening") in events


async def test_form_reads_both_answers_from_one_message(dispatcher, domain):
    tracker = _form_tracker("contact_channel", "LINEで、夜がいいです")
    events = await ValidateReferralForm().run(dispatcher, tracker, domain)
    assert SlotSet("contact_channel", "chat") in events
    assert SlotSet("contact_time", "evening") in events


async def test_form_ignores_what_it_cannot_read(dispatcher, domain):
    tracker = _form_tracker("contact_channel", "うーん、どうしよう", intent="nlu_fallback")
    assert await ValidateReferralForm().run(dispatcher, tracker, domain) == []


@pytest.mark.parametrize("intent", ["crisis", "crisis_check", "crisis_unsafe", "hyperbole"])
async def test_form_never_reads_a_safety_message_as_an_answer(dispatcher, domain, intent):
    tracker = _form_tracker("contact_time", "今すぐ死にたい", intent=intent)
    assert await ValidateReferralForm().run(dispatcher, tracker, domain) == []


async def test_form_refuses_an_unknown_value(dispatcher, domain):
    tracker = _form_tracker(
        "contact_channel", '/inform{"contact_channel":"fax"}', entities=[{"entity": "contact_channel", "value": "fax"}]
    )
    assert await ValidateReferralForm().run(dispatcher, tracker, domain) == []


# --- action_show_services ---------------------------------------------------------


def _cards(dispatcher):
    customs = [m["custom"] for m in dispatcher.messages if m.get("custom")]
    assert len(customs) <= 1
    return customs[0]["cards"] if customs else []


async def test_results_show_up_to_three_verified_cards(seeded_directory, dispatcher, domain):
    tracker = make_tracker(slots={"support_category": "counseling", "contact_channel": "phone", "contact_time": "any"})
    events = await ActionShowServices().run(dispatcher, tracker, domain)

    assert events == [SlotSet("contact_channel", None), SlotSet("contact_time", None)]
    cards = _cards(dispatcher)
    assert 1 <= len(cards) <= 3
    for card in cards:
        assert card["name"] and card["today_hours"] and card["last_verified"]
        assert any(c["kind"] == "phone" for c in card["contacts"])
    message = next(m for m in dispatcher.messages if m.get("custom"))
    assert cards[0]["name"] in message["text"]  # the same results as plain text for text-only clients
    assert message["custom"]["intro"] == "こちらが合いそうなところです。"


async def test_sunday_night_now_leads_with_what_is_open(seeded_directory, dispatcher, domain):
    tracker = make_tracker(slots={"support_category": "counseling", "contact_channel": "any", "contact_time": "now"})
    await ActionShowServices().run(dispatcher, tracker, domain)
    cards = _cards(dispatcher)
    assert cards, dispatcher.messages
    assert cards[0]["open_now"] is True


async def test_results_during_a_crisis_are_lines_open_now(seeded_directory, dispatcher, domain):
    tracker = make_tracker(slots={"crisis": True, "support_category": "free_space"})
    await ActionShowServices().run(dispatcher, tracker, domain)
    cards = _cards(dispatcher)
    assert cards and all(card["open_now"] for card in cards)
    assert any("24時間" in card["today_hours"] for card in cards)


async def test_a_broken_directory_gets_an_honest_answer(monkeypatch, dispatcher, domain):
    monkeypatch.setenv("TSUNAGARI_DATABASE_URL", "postgresql+psycopg2://nobody@127.0.0.1:1/none")
    from tsunagari import db

    db.reset()
    try:
        events = await ActionShowServices().run(dispatcher, make_tracker(slots={"support_category": "career"}), domain)
    finally:
        db.reset()
    assert events == [SlotSet("contact_channel", None), SlotSet("contact_time", None)]
    assert len(dispatcher.messages) == 1
    assert "24時間" in dispatcher.messages[0]["text"]
