"""Unit tests for every custom action: trackers built in the test, events
and messages asserted exactly."""

from __future__ import annotations

from datetime import date

import pytest
from rasa_sdk.events import SlotSet

from actions.crisis import ActionCrisisResponse
from actions.referral import ActionShowServices, ActionStartReferral, ValidateReferralForm
from tests.actions.conftest import make_tracker


@pytest.fixture
def lookup_areas(monkeypatch) -> list:
    """The `area` of every directory lookup the action makes (the lookups themselves run)."""
    from actions import directory

    calls = []
    real_lookup = directory.lookup

    async def spy(*args, **kwargs):
        calls.append(kwargs.get("area"))
        return await real_lookup(*args, **kwargs)

    monkeypatch.setattr(directory, "lookup", spy)
    return calls


# --- action_crisis_response -------------------------------------------------


async def test_crisis_sets_the_slot_and_counts_the_event(seeded_directory, dispatcher, domain):
    from tsunagari.db import session_scope
    from tsunagari.directory.repository import crisis_event_counts

    tracker = make_tracker(intent="crisis", text="もう消えたい", input_channel="line")
    events = await ActionCrisisResponse().run(dispatcher, tracker, domain)

    assert events == [SlotSet("crisis_stage", "asked"), SlotSet("crisis", True)]
    text = "\n".join(m["text"] for m in dispatcher.messages)
    assert text.index("119") < text.index("03-3264-4343")
    assert "安全な場所" in dispatcher.messages[-1]["text"]
    with session_scope() as session:
        counts = crisis_event_counts(session, date(2026, 11, 1))
    assert [(c.hour, c.channel, c.count) for c in counts] == [(23, "line", 1)]


@pytest.mark.parametrize("intent", ["cannot_phone", "inform"])
async def test_phone_turned_down_in_crisis_mode_gets_the_chat_lines(seeded_directory, dispatcher, domain, intent):
    # Whichever intent the classifier chose for 「電話はちょっと無理」, the
    # person in crisis is told they can write instead of calling.
    tracker = make_tracker(slots={"crisis": True, "crisis_stage": "safe"}, intent=intent, text="電話はちょっと無理")
    await ActionCrisisResponse().run(dispatcher, tracker, domain)
    assert "文字" in dispatcher.messages[0]["text"], dispatcher.messages[0]["text"]


async def test_crisis_counts_once_per_session(seeded_directory, dispatcher, domain):
    from tsunagari.db import session_scope
    from tsunagari.directory.bootstrap import ensure_directory
    from tsunagari.directory.repository import crisis_event_counts

    ensure_directory()
    tracker = make_tracker(slots={"crisis": True}, intent="crisis", text="やっぱり消えたい")
    assert await ActionCrisisResponse().run(dispatcher, tracker, domain) == [SlotSet("crisis_stage", "asked")]
    assert "119" in dispatcher.messages[0]["text"]  # the urgent reply again
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
    assert SlotSet("crisis", True) in events
    assert any("03-3264-4343" in m["text"] for m in dispatcher.messages)


async def test_dont_know_to_the_safety_question_is_asked_again_then_heard(dispatcher, domain):
    tracker = make_tracker(slots={"crisis": True, "crisis_stage": "asked"}, intent="dont_know", text="わからない")
    assert await ActionCrisisResponse().run(dispatcher, tracker, domain) == [SlotSet("crisis_stage", "reasked")]
    assert "安全" in dispatcher.messages[-1]["text"] and "ほっと" not in dispatcher.messages[0]["text"]
    dispatcher.messages.clear()
    tracker = make_tracker(slots={"crisis": True, "crisis_stage": "reasked"}, intent="dont_know", text="わかんない")
    await ActionCrisisResponse().run(dispatcher, tracker, domain)
    assert len(dispatcher.messages) == 1 and "119" in dispatcher.messages[0]["text"]


async def test_crisis_mode_never_sends_the_same_opening_twice_in_a_row(dispatcher, domain):
    events = []
    previous = None
    for _ in range(4):
        dispatcher.messages.clear()
        tracker = make_tracker(slots={"crisis": True}, intent="express_loneliness", text="つらい", events=list(events))
        await ActionCrisisResponse().run(dispatcher, tracker, domain)
        text = dispatcher.messages[0]["text"]
        assert text != previous
        previous = text
        events.append({"event": "bot", "text": text})


async def test_english_crisis_gets_an_english_reply(dispatcher, domain):
    tracker = make_tracker(intent="crisis", text="I want to end my life")
    await ActionCrisisResponse().run(dispatcher, tracker, domain)
    text = "\n".join(m["text"] for m in dispatcher.messages)
    assert "119" in text and "in Japanese" in text and "03-3264-4343" in text


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
    assert [m["response"] for m in dispatcher.messages] == ["utter_start_career"]


def _slot(name, value):
    return {"event": "slot", "name": name, "value": value}


@pytest.mark.parametrize(
    ("before", "intent", "expected"),
    [
        ("counseling", "seek_counseling", "utter_same_route"),
        ("free_space", "seek_free_space", "utter_same_route"),
        ("counseling", "seek_free_space", "utter_start_free_space"),
        ("career", "seek_counseling", "utter_start_counseling"),
    ],
)
async def test_the_same_route_asked_again_inside_the_form_is_not_a_new_start(
    dispatcher, domain, before, intent, expected
):
    """「やっぱり話を聞いてほしい」 while already looking for someone to talk to: no second introduction."""
    history = [_user(f"seek_{before}", "相談したい"), _slot("support_category", before)]
    tracker = make_tracker(
        slots={"support_category": before, "requested_slot": "contact_time"},
        intent=intent,
        text="やっぱり誰かに話を聞いてほしい",
        active_loop="referral_form",
        events=history,
    )
    # Rasa's from_intent mapping has set the slot to the new route by the time the action runs.
    tracker.events.append(_slot("support_category", intent.removeprefix("seek_")))
    await ActionStartReferral().run(dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == [expected]


async def test_a_new_search_after_the_results_leaves_the_introduction_to_the_rules(dispatcher, domain):
    history = [_user("seek_counseling", "相談したい"), _slot("support_category", "counseling")]
    tracker = make_tracker(slots={"support_category": "counseling"}, intent="seek_counseling", events=history)
    await ActionStartReferral().run(dispatcher, tracker, domain)
    assert dispatcher.messages == []


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

    # The answers stay as the context of follow-ups; the first result is remembered.
    assert [e["name"] for e in events] == ["last_top"]
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


async def test_results_during_a_crisis_answer_the_request_with_the_lines_pinned(seeded_directory, dispatcher, domain):
    tracker = make_tracker(slots={"crisis": True, "support_category": "free_space"})
    await ActionShowServices().run(dispatcher, tracker, domain)
    customs = [m["custom"] for m in dispatcher.messages if m.get("custom")]
    assert [c["type"] for c in customs] == ["directory_cards", "crisis_contacts"]
    assert customs[0]["cards"] and all(card["category"] != "crisis_line" for card in customs[0]["cards"])
    last = dispatcher.messages[-1]["text"]
    assert "119" in last and "03-3264-4343" in last


async def test_a_broken_directory_gets_an_honest_answer(monkeypatch, dispatcher, domain):
    monkeypatch.setenv("TSUNAGARI_DATABASE_URL", "postgresql+psycopg2://nobody@127.0.0.1:1/none")
    from tsunagari import db

    db.reset()
    try:
        events = await ActionShowServices().run(dispatcher, make_tracker(slots={"support_category": "career"}), domain)
    finally:
        db.reset()
    assert events == []  # the search context stays; nothing was shown
    assert len(dispatcher.messages) == 1
    assert "24時間" in dispatcher.messages[0]["text"]


async def test_a_button_payload_keeps_the_language_of_what_was_typed(dispatcher, domain):
    earlier = [{"event": "user", "text": "もう消えたい"}]
    tracker = make_tracker(slots={"crisis": True}, intent="crisis_safe", text="/crisis_safe", events=earlier)
    await ActionCrisisResponse().run(dispatcher, tracker, domain)
    assert "ほっと" in dispatcher.messages[0]["text"] or "安心" in dispatcher.messages[0]["text"]


# --- action_greet and the form's explicit answers (issue 10) --------------------


async def test_greet_at_4_45_in_tokyo_is_not_good_afternoon(monkeypatch, dispatcher, domain):
    from actions.small_talk import ActionGreet

    monkeypatch.setenv("TSUNAGARI_NOW", "2026-12-02T04:45")
    assert await ActionGreet().run(dispatcher, make_tracker(intent="greet", text="こんにちは"), domain) == []
    text = dispatcher.messages[0]["text"]
    assert "こんにちは" not in text and "つながりナビ" in text


@pytest.mark.parametrize(
    "requested, text, intent",
    [
        ("contact_time", "今日上司にめっちゃ怒られた", "nlu_fallback"),
        ("contact_channel", "会社には行ってるけど、ただこなしてるだけ", "express_loneliness"),
        ("contact_time", "でも平日は仕事なんです", "inform"),
        ("contact_time", "もういい、いらない", "stop_search"),
    ],
)
async def test_form_never_reads_a_story_as_an_answer(dispatcher, domain, requested, text, intent):
    tracker = _form_tracker(requested, text, intent=intent)
    assert await ValidateReferralForm().run(dispatcher, tracker, domain) == []


async def test_start_referral_ignores_the_day_in_a_story(dispatcher, domain):
    tracker = make_tracker(intent="seek_counseling", text="今日上司に怒られて、誰かに相談したい")
    events = await ActionStartReferral().run(dispatcher, tracker, domain)
    assert events == [SlotSet("support_category", "counseling")]


@pytest.mark.parametrize("category", ["counseling", "free_space", "career"])
@pytest.mark.parametrize("channel", ["in_person", "phone", "chat", "online"])
async def test_results_never_say_none_found_and_here_they_are_in_one_turn(
    seeded_directory, monkeypatch, dispatcher, domain, category, channel
):
    monkeypatch.setenv("TSUNAGARI_NOW", "2026-11-29T03:30")  # Sunday, 3:30 a.m.: little is open
    tracker = make_tracker(slots={"support_category": category, "contact_channel": channel, "contact_time": "now"})
    await ActionShowServices().run(dispatcher, tracker, domain)
    text = "\n".join(m.get("text") or "" for m in dispatcher.messages)
    assert not ("見つかりませんでした" in text and "こちらが合いそうなところです" in text), text


# --- context after the results (issue 10 item 4) ---------------------------------


async def test_then_evenings_reruns_the_search_keeping_the_channel(seeded_directory, monkeypatch, dispatcher, domain):
    from actions.referral import ActionRefineSearch

    monkeypatch.setenv("TSUNAGARI_NOW", "2026-11-25T14:00")
    slots = {"support_category": "counseling", "contact_channel": "phone", "contact_time": "weekday_day"}
    tracker = make_tracker(slots=slots, intent="inform", text="じゃあ夜は？")
    events = await ActionRefineSearch().run(dispatcher, tracker, domain)
    assert SlotSet("contact_time", "evening") in events
    assert not any(e.get("name") == "contact_channel" for e in events)  # phone is kept
    assert _cards(dispatcher)


async def test_in_shinagawa_narrows_to_the_ward(seeded_directory, monkeypatch, dispatcher, domain):
    from actions.referral import ActionRefineSearch
    from tsunagari.db import session_scope
    from tsunagari.directory.snapshot import get_snapshot

    monkeypatch.setenv("TSUNAGARI_NOW", "2026-11-24T14:00")
    tracker = make_tracker(slots={"support_category": "free_space"}, intent="ask_in_shinagawa", text="品川にはないの？")
    await ActionRefineSearch().run(dispatcher, tracker, domain)
    with session_scope() as session:
        area = {e.key: e.eligibility_area for e in get_snapshot(session).entries}
    cards = _cards(dispatcher)
    assert cards and all(area[c["service_id"]] == "品川区" for c in cards)


async def test_refining_before_any_search_asks_what_to_look_for(dispatcher, domain):
    from actions.referral import ActionRefineSearch

    events = await ActionRefineSearch().run(dispatcher, make_tracker(intent="inform", text="夜がいい"), domain)
    assert events == [] and dispatcher.messages[0]["response"] == "utter_ask_category"


async def test_which_do_you_recommend_explains_the_first_result(dispatcher, domain):
    import json

    from actions.referral import ActionRecommend

    top = json.dumps({"name": "テスト相談室", "reasons": ["24時間対応", "無料"]}, ensure_ascii=False)
    await ActionRecommend().run(dispatcher, make_tracker(slots={"last_top": top}, intent="ask_recommendation"), domain)
    text = dispatcher.messages[0]["text"]
    assert "テスト相談室" in text and "24時間対応" in text


async def test_a_recommended_name_with_its_own_quotes_does_not_nest_them(dispatcher, domain):
    import json

    from actions.referral import ActionRecommend

    top = json.dumps({"name": "ほっとステーション「よりみち」", "reasons": []}, ensure_ascii=False)
    await ActionRecommend().run(dispatcher, make_tracker(slots={"last_top": top}, intent="ask_recommendation"), domain)
    assert "「ほっとステーション『よりみち』」" in dispatcher.messages[0]["text"]


async def test_which_do_you_recommend_before_any_result(dispatcher, domain):
    from actions.referral import ActionRecommend

    await ActionRecommend().run(dispatcher, make_tracker(slots={"last_top": "{broken"}), domain)
    assert "まだ候補" in dispatcher.messages[0]["text"]


async def test_a_new_search_after_the_results_does_not_carry_old_answers(dispatcher, domain):
    tracker = make_tracker(
        slots={"support_category": "counseling", "contact_channel": "phone", "contact_time": "evening"},
        intent="seek_free_space",
        text="居場所も探したい",
    )
    events = await ActionStartReferral().run(dispatcher, tracker, domain)
    assert events == [
        SlotSet("support_category", "free_space"),
        SlotSet("contact_channel", None),
        SlotSet("contact_time", None),
    ]


async def test_an_english_greeting_gets_an_english_reply(monkeypatch, dispatcher, domain):
    from actions.small_talk import ActionGreet

    monkeypatch.setenv("TSUNAGARI_NOW", "2026-12-02T21:00")
    await ActionGreet().run(dispatcher, make_tracker(intent="greet", text="hello there"), domain)
    assert dispatcher.messages[0]["text"].startswith("Good evening")


async def test_a_short_hi_gets_an_english_greeting_and_an_emoji_keeps_the_conversation_language(
    monkeypatch, dispatcher, domain
):
    from actions.small_talk import ActionGreet

    monkeypatch.setenv("TSUNAGARI_NOW", "2026-12-02T21:00")
    await ActionGreet().run(dispatcher, make_tracker(intent="greet", text="hi"), domain)
    await ActionGreet().run(dispatcher, make_tracker(intent="greet", text="👋", slots={"language": "en"}), domain)
    await ActionGreet().run(dispatcher, make_tracker(intent="greet", text="👋"), domain)
    first, second, third = (m["text"] for m in dispatcher.messages)
    assert first.startswith("Good evening") and second.startswith("Good evening")
    assert third.startswith("こんばんは")


async def test_english_results_intro(seeded_directory, dispatcher, domain):
    tracker = make_tracker(slots={"support_category": "counseling", "language": "en"})
    await ActionShowServices().run(dispatcher, tracker, domain)
    assert any("may fit" in (m.get("text") or "") or "Instead" in (m.get("text") or "") for m in dispatcher.messages)


async def test_english_results_note_is_in_english(seeded_directory, dispatcher, domain):
    # free_space on weekends in person: the directory adds a (Japanese) note about unchecked hours.
    slots = {"support_category": "free_space", "contact_channel": "in_person", "contact_time": "weekend"}
    await ActionShowServices().run(dispatcher, make_tracker(slots={**slots, "language": "en"}), domain)
    note = dispatcher.messages[0]["text"]  # the note comes before the cards (their details stay Japanese)
    assert "hours are still being checked" in note and "確認中" not in note


async def test_japanese_is_hard_switches_to_easy_japanese(dispatcher, domain):
    from actions.small_talk import ActionEasyJapanese

    events = await ActionEasyJapanese().run(
        dispatcher, make_tracker(intent="ask_easy_japanese", text="日本語がむずかしい"), domain
    )
    assert events == [SlotSet("easy_japanese", True)]
    assert "やさしい" in dispatcher.messages[0]["text"]


async def test_japanese_is_hard_in_english_gets_english(dispatcher, domain):
    from actions.small_talk import ActionEasyJapanese

    await ActionEasyJapanese().run(dispatcher, make_tracker(text="Japanese is hard for me"), domain)
    assert dispatcher.messages[0]["text"].startswith("No problem")


async def test_which_do_you_recommend_in_english_and_in_easy_japanese(dispatcher, domain):
    import json

    from actions.referral import ActionRecommend

    top = json.dumps({"name": "テスト相談室", "reasons": ["無料"]}, ensure_ascii=False)
    await ActionRecommend().run(dispatcher, make_tracker(slots={"last_top": top, "language": "en"}), domain)
    await ActionRecommend().run(
        dispatcher, make_tracker(slots={"last_top": top, "language": "ja", "easy_japanese": True}), domain
    )
    english, easy = (m["text"] for m in dispatcher.messages)
    assert english.startswith("If you're not sure") and "テスト相談室" in english and "無料" in english
    assert easy.startswith("まよったら") and "テスト相談室" in easy


async def test_easy_japanese_results_intro(seeded_directory, dispatcher, domain):
    tracker = make_tracker(slots={"support_category": "counseling", "language": "ja", "easy_japanese": True})
    await ActionShowServices().run(dispatcher, tracker, domain)
    texts = [m.get("text") or "" for m in dispatcher.messages]
    assert any(t.startswith(("こちらが あいそうな", "かわりに、ここなら")) for t in texts), texts


def _user(intent, text):
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}, "text": text}}


async def test_a_new_time_after_in_shinagawa_keeps_the_ward(seeded_directory, dispatcher, domain, lookup_areas):
    from actions.referral import ActionRefineSearch

    calls = lookup_areas
    history = [_user("seek_free_space", "居場所がほしい"), _user("ask_in_shinagawa", "品川にはないの？")]
    tracker = make_tracker(
        slots={"support_category": "free_space", "contact_channel": "any", "contact_time": "weekday_day"},
        intent="inform",
        text="じゃあ夜は？",
        events=history,
    )
    events = await ActionRefineSearch().run(dispatcher, tracker, domain)
    assert calls == ["品川区"]
    assert SlotSet("contact_time", "evening") in events


async def test_in_shinagawa_asked_inside_the_form_narrows_the_results(
    seeded_directory, monkeypatch, dispatcher, domain
):
    from tsunagari.db import session_scope
    from tsunagari.directory.snapshot import get_snapshot

    monkeypatch.setenv("TSUNAGARI_NOW", "2026-11-24T14:00")
    history = [_user("seek_free_space", "居場所がほしい"), _user("ask_in_shinagawa", "品川にある？")]
    tracker = make_tracker(
        slots={"support_category": "free_space", "contact_channel": "in_person", "contact_time": "any"},
        intent="inform",
        text="/inform",
        events=history,
    )
    await ActionShowServices().run(dispatcher, tracker, domain)
    with session_scope() as session:
        area = {e.key: e.eligibility_area for e in get_snapshot(session).entries}
    cards = _cards(dispatcher)
    assert cards and all(area[c["service_id"]] == "品川区" for c in cards)


async def test_in_shinagawa_inside_the_form_with_nothing_in_the_ward_says_so_then_widens(
    seeded_directory, monkeypatch, dispatcher, domain
):
    from actions import directory
    from tsunagari.directory.lookup import LookupResult

    calls = []
    real_lookup = directory.lookup

    async def spy(*args, **kwargs):
        # Every category has a ward entry in the seed; staff may hide them all.
        calls.append(kwargs.get("area"))
        if kwargs.get("area"):
            return LookupResult([], exact=False, note=None)
        return await real_lookup(*args, **kwargs)

    monkeypatch.setattr(directory, "lookup", spy)
    monkeypatch.setenv("TSUNAGARI_NOW", "2026-11-24T14:00")
    history = [_user("seek_counseling", "話を聞いてほしい"), _user("ask_in_shinagawa", "品川の窓口がいい")]
    tracker = make_tracker(
        slots={"support_category": "counseling", "contact_channel": "chat", "contact_time": "now"},
        intent="inform",
        text="/inform",
        events=history,
    )
    await ActionShowServices().run(dispatcher, tracker, domain)
    texts = [m.get("text") or "" for m in dispatcher.messages]
    assert calls == ["品川区", None]
    assert texts[0].startswith("品川区の中には") and "東京都や全国" in texts[0]
    assert _cards(dispatcher), "widened beyond the ward, the resident still gets somewhere to go"
    assert not any("さきほど" in t for t in texts), "no earlier results to point back to"


async def test_chat_after_in_shinagawa_looks_beyond_the_ward_when_no_place_there_chats(
    seeded_directory, monkeypatch, dispatcher, domain, lookup_areas
):
    # No counseling in the ward is reached by chat: the ward's desk again (by
    # phone or in person) would not answer 「チャットは？」; chat services beyond it do.
    from actions.referral import ActionRefineSearch

    calls = lookup_areas
    monkeypatch.setenv("TSUNAGARI_NOW", "2026-11-24T14:00")
    history = [_user("seek_counseling", "話を聞いてほしい"), _user("ask_in_shinagawa", "品川にある？")]
    tracker = make_tracker(
        slots={"support_category": "counseling", "contact_channel": "phone", "contact_time": "any"},
        intent="inform",
        text="チャットは？",
        events=history,
    )
    events = await ActionRefineSearch().run(dispatcher, tracker, domain)
    texts = [m.get("text") or "" for m in dispatcher.messages]
    assert SlotSet("contact_channel", "chat") in events
    assert calls == ["品川区", None]
    assert texts[0].startswith("品川区の中には"), texts
    assert _cards(dispatcher)


async def test_a_way_nobody_offers_keeps_the_ward_places(
    seeded_directory, monkeypatch, dispatcher, domain, lookup_areas
):
    # No 居場所 anywhere is reached by chat: beyond the ward is no better, so
    # the ward's places stay, with the note that they are reached another way.
    from actions.referral import ActionRefineSearch

    calls = lookup_areas
    monkeypatch.setenv("TSUNAGARI_NOW", "2026-11-24T14:00")
    history = [_user("seek_free_space", "居場所がほしい"), _user("ask_in_shinagawa", "品川にある？")]
    tracker = make_tracker(
        slots={"support_category": "free_space", "contact_channel": "in_person", "contact_time": "weekend"},
        intent="inform",
        text="チャットは？",
        events=history,
    )
    await ActionRefineSearch().run(dispatcher, tracker, domain)
    texts = [m.get("text") or "" for m in dispatcher.messages]
    assert calls == ["品川区", None]
    assert texts[0].startswith("チャットでつながれるところは"), texts
    assert any(t.startswith("品川区の中で") for t in texts), texts


async def test_shinagawa_asked_just_now_keeps_the_ward_even_if_reached_another_way(
    seeded_directory, monkeypatch, dispatcher, domain, lookup_areas
):
    from actions.referral import ActionRefineSearch

    calls = lookup_areas
    monkeypatch.setenv("TSUNAGARI_NOW", "2026-11-24T14:00")
    tracker = make_tracker(
        slots={"support_category": "free_space", "contact_channel": "chat", "contact_time": "weekend"},
        intent="ask_in_shinagawa",
        text="品川にある？",
        events=[_user("seek_free_space", "居場所がほしい")],
    )
    await ActionRefineSearch().run(dispatcher, tracker, domain)
    assert calls == ["品川区"], "the ward is the question: its places are the answer"
    assert _cards(dispatcher)


async def test_a_new_route_after_in_shinagawa_searches_everywhere_again(dispatcher):
    from actions.referral import ward_asked

    history = [_user("ask_in_shinagawa", "品川にはないの？"), _user("seek_career", "仕事も探したい")]
    assert not ward_asked(make_tracker(intent="inform", text="夜は？", events=history))
    assert ward_asked(make_tracker(intent="inform", text="夜は？", events=history[:1]))


# --- short answers, in English too; the other question (issue 10) ---------------


@pytest.mark.parametrize(
    "requested, text, intent, slot, value",
    [
        ("contact_channel", "texting please", "nlu_fallback", "contact_channel", "chat"),
        ("contact_channel", "a phone call is fine", "inform", "contact_channel", "phone"),
        ("contact_time", "asap please", "stop_search", "contact_time", "now"),  # misread as a way out
        ("contact_time", "I don't mind", "feeling", "contact_time", "any"),  # misread as a feeling
        ("contact_channel", "会えるところがいい", "express_loneliness", "contact_channel", "in_person"),
        ("contact_time", "何時でも", "inform", "contact_time", "any"),
    ],
)
async def test_form_reads_a_short_answer_whatever_the_classifier_said(
    dispatcher, domain, requested, text, intent, slot, value
):
    tracker = _form_tracker(requested, text, intent=intent, slots={"contact_channel": "chat"})
    events = await ValidateReferralForm().run(dispatcher, tracker, domain)
    assert SlotSet(slot, value) in events


async def test_asked_how_and_told_when_fills_the_time_and_asks_how_again(dispatcher, domain):
    tracker = _form_tracker("contact_channel", "saturdays are best", intent="inform")
    events = await ValidateReferralForm().run(dispatcher, tracker, domain)
    assert SlotSet("contact_time", "weekend") in events
    assert not any(e.get("name") == "contact_channel" and e.get("value") for e in events)


async def test_asked_when_and_told_another_way_changes_the_channel(dispatcher, domain):
    tracker = _form_tracker("contact_time", "Zoomがいいかな", slots={"contact_channel": "in_person"})
    events = await ValidateReferralForm().run(dispatcher, tracker, domain)
    assert SlotSet("contact_channel", "online") in events
    assert not any(e.get("name") == "contact_time" and e.get("value") for e in events)


async def test_an_answer_to_the_question_asked_keeps_the_other_answer(dispatcher, domain):
    # 「行ける」 also reads as in person; the time was asked, the phone stays.
    tracker = _form_tracker("contact_time", "土日なら行けるかも", slots={"contact_channel": "phone"})
    events = await ValidateReferralForm().run(dispatcher, tracker, domain)
    assert SlotSet("contact_time", "weekend") in events
    assert not any(e.get("name") == "contact_channel" for e in events)


@pytest.mark.parametrize(
    "requested, text, intent",
    [
        ("contact_time", "nights are the worst", "feeling"),
        ("contact_channel", "my manager shouted at me on the phone", "express_loneliness"),
        ("contact_time", "夜ねむれない", "express_loneliness"),
        ("contact_time", "never mind", "stop_search"),
        ("contact_time", "tonight", "crisis_check"),  # the safety layer's reading always stands
    ],
)
async def test_form_still_refuses_a_story_a_way_out_or_a_safety_message(dispatcher, domain, requested, text, intent):
    tracker = _form_tracker(requested, text, intent=intent)
    assert await ValidateReferralForm().run(dispatcher, tracker, domain) == []


@pytest.mark.parametrize(
    "text, slot, value",
    [
        ("じゃあ週末だったら？", "contact_time", "weekend"),
        ("what about evenings then?", "contact_time", "evening"),
        ("やっぱりLINEがいいな", "contact_channel", "chat"),
    ],
)
async def test_a_new_time_or_channel_after_the_results_refines(
    seeded_directory, monkeypatch, dispatcher, domain, text, slot, value
):
    from actions.referral import ActionRefineSearch

    monkeypatch.setenv("TSUNAGARI_NOW", "2026-11-25T14:00")
    slots = {"support_category": "counseling", "contact_channel": "phone", "contact_time": "now"}
    events = await ActionRefineSearch().run(dispatcher, make_tracker(slots=slots, intent="inform", text=text), domain)
    assert SlotSet(slot, value) in events
    assert (
        len([e for e in events if e.get("event") == "slot" and e.get("name") in ("contact_channel", "contact_time")])
        == 1
    )


@pytest.mark.parametrize(
    "requested, text, language, expected",
    [
        ("contact_channel", "電話はちょっと無理", "ja", "その方法は使わずに"),
        ("contact_time", "夜はむり", "ja", "その時間ははずします"),
        ("contact_channel", "not by phone", "en", "leave that one out"),
    ],
)
async def test_a_way_turned_down_inside_the_form_is_understood(dispatcher, domain, requested, text, language, expected):
    from actions.referral import ActionRephraseInForm

    tracker = make_tracker(
        slots={"requested_slot": requested, "support_category": "counseling", "language": language},
        intent="inform",
        text=text,
        active_loop="referral_form",
    )
    assert await ActionRephraseInForm().run(dispatcher, tracker, domain) == []
    assert [m.get("text") for m in dispatcher.messages] and expected in dispatcher.messages[0]["text"]
    assert not any(m.get("response") == "utter_rephrase_in_form" for m in dispatcher.messages)


@pytest.mark.parametrize(
    ("category", "text", "response"),
    [
        # A reply inside the form that says nothing readable is rephrased.
        ("counseling", "うーん、どうだろ", "utter_rephrase_in_form"),
        # A story read as an answer inside the form is listened to.
        ("free_space", "平日は仕事だから", "utter_listen_in_form"),
    ],
)
async def test_an_unreadable_reply_inside_the_form_is_rephrased_and_a_story_listened_to(
    dispatcher, domain, category, text, response
):
    from actions.referral import ActionRephraseInForm

    tracker = make_tracker(
        slots={"requested_slot": "contact_channel", "support_category": category},
        intent="inform",
        text=text,
        active_loop="referral_form",
    )
    await ActionRephraseInForm().run(dispatcher, tracker, domain)
    assert [m.get("response") for m in dispatcher.messages] == [response]
