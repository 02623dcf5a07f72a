"""Crisis-mode answers (tsunagari.safety.crisis_dialogue): what is said, in which order."""

from __future__ import annotations

import re

import pytest
import yaml

from tsunagari.safety import crisis_dialogue as cd

ALL_SITUATIONS = sorted(cd._replies()["situations"])
CRISIS_MODE = [s for s in ALL_SITUATIONS if s not in ("check", "hyperbole")]


def _seed_contacts():
    seed = yaml.safe_load(cd.SEED_PATH.read_text(encoding="utf-8"))
    return {s["key"]: s for s in seed["services"]}


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("situation", CRISIS_MODE)
def test_every_crisis_mode_reply_names_119_110_and_a_24_hour_line(situation, lang):
    text = cd.compose(situation, lang).text
    assert "119" in text and "110" in text, situation
    assert "24" in text, situation
    # at least one real 24-hour line number or the chat address is in the text
    assert "03-3264-4343" in text or "0120-279-338" in text or "talkme.jp" in text, situation


@pytest.mark.parametrize("situation", ["enter", "urgent"])
def test_the_crisis_reply_puts_119_110_before_the_lines_and_asks_about_safety_last(situation):
    reply = cd.compose(situation, "ja")
    text = reply.text
    assert text.index("119") < text.index("03-3264-4343")
    last = reply.messages[-1]
    assert "安全" in last["text"]
    payloads = [b["payload"] for b in last["buttons"]]
    assert payloads == ["/crisis_safe", "/crisis_unsafe", "/dont_know"]
    lines = [m for m in reply.messages if m.get("contacts")]
    assert lines and [c["value"] for c in lines[0]["contacts"]][:2] == ["119", "110"]


def test_contacts_come_from_the_seed_and_are_24_hour_services():
    services = _seed_contacts()
    for group in ("emergency", "lines", "chat"):
        for contact in cd.contacts(group, "ja"):
            service = services[contact.key]
            assert service["hours"]["spec"] == "24h", contact.key
            assert contact.value in [str(c["value"]) for c in service["contacts"]]
            assert service["confidence"] == "verified", contact.key
            shown = next(c for c in service["contacts"] if str(c["value"]) == contact.value)
            # a "partly" fact is shown with its source date beside it
            assert (shown["confidence"] == "verified") or contact.note, contact.key


def test_english_reply_says_the_lines_answer_in_japanese():
    text = cd.compose("enter", "en").text
    assert "Japanese" in text and "119" in text
    assert not re.search(r"[\u3040-\u30ff]", text.replace("・", ""))


@pytest.mark.parametrize(
    "text, lang",
    [
        ("i want to die", "en"),
        ("I can't do this anymore", "en"),
        ("しにたい", "ja"),
        ("ok", "ja"),
        ("", "ja"),
        ("もう無理 lol", "ja"),
    ],
)
def test_language_of(text, lang):
    assert cd.language_of(text) == lang


@pytest.mark.parametrize(
    "text, conversation, lang",
    [
        ("hi", None, "en"),
        ("yo!!", "ja", "en"),
        ("ok", "en", "en"),
        ("no", "en", "en"),
        ("😢", "en", "en"),
        ("うん", "en", "ja"),
        ("ok", None, "ja"),
    ],
)
def test_a_short_message_keeps_the_conversation_language(text, conversation, lang):
    assert cd.language_of(text, conversation) == lang


@pytest.mark.parametrize(
    "intent, in_crisis, stage, after_ask, expected",
    [
        ("crisis", False, None, False, "enter"),
        ("crisis_check", False, None, False, "check"),
        ("crisis_unsafe", False, None, False, "check"),
        ("hyperbole", False, None, False, "hyperbole"),
        ("crisis", True, None, False, "urgent"),
        ("hyperbole", True, None, False, "urgent"),
        ("crisis_check", True, cd.SAFE, False, "urgent"),
        ("dont_know", True, cd.ASKED, True, "dont_know"),
        ("dont_know", True, cd.REASKED, True, "dont_know_again"),
        ("affirm", True, cd.ASKED, True, "safe"),
        ("affirm", True, None, False, "listen"),
        ("deny", True, cd.ASKED, True, "unsafe"),
        ("deny", True, None, False, "listen"),
        ("crisis_safe", True, None, False, "safe"),
        ("crisis_unsafe", True, None, False, "unsafe"),
        ("minimise", True, cd.ASKED, True, "minimise"),
        ("ask_someone_come", True, None, False, "someone_come"),
        ("ask_is_human", True, None, False, "is_human"),
        ("cannot_phone", True, None, False, "cannot_phone"),
        ("goodbye", True, None, False, "stay"),
        ("greet", True, None, False, "still_here"),
        ("chitchat", True, None, False, "listen"),
        ("nlu_fallback", True, None, False, "listen"),
    ],
)
def test_situation_for(intent, in_crisis, stage, after_ask, expected):
    assert cd.situation_for(intent, in_crisis, stage, after_ask) == expected


@pytest.mark.parametrize(
    "intent, channel, expected",
    [
        ("inform", "chat", "cannot_phone"),  # 「チャットがいい」 in crisis mode: the chat line
        ("inform", "online", "cannot_phone"),
        ("inform", "phone", "want_person"),
        ("inform", None, "listen"),
        ("request_human", None, "want_person"),  # 「話せる人いたらいいのにな」
        ("thank", None, "stay"),
        ("crisis", "chat", "urgent"),  # new risk wins over the way of talking
    ],
)
def test_crisis_mode_follows_the_way_of_talking_asked_for(intent, channel, expected):
    assert cd.situation_for(intent, True, cd.ASKED, False, channel=channel) == expected


def test_dont_know_is_never_read_as_safe():
    reply = cd.compose("dont_know", "ja")
    assert "ほっと" not in reply.text and "安心" not in reply.text
    assert reply.stage == cd.REASKED
    assert "安全" in reply.messages[-1]["text"]


def test_minimising_gets_listening_not_orders():
    text = cd.compose("minimise", "ja").text
    assert "してください。" not in text.split("\n")[0]
    assert "電話して" not in text.split("\n")[0]


def test_openings_never_repeat_twice_in_a_row():
    recent: list = []
    for _ in range(6):
        reply = cd.compose("listen", "ja", recent)
        first = reply.messages[0]["text"]
        assert not recent or recent[-1] != first
        recent.append(first)


def test_pinned_lines_carry_119_110_and_the_24_hour_lines():
    pinned = cd.pinned_lines()
    assert "119" in pinned["text"] and "03-3264-4343" in pinned["text"]
    assert [c["value"] for c in pinned["contacts"]][:2] == ["119", "110"]


def test_check_and_hyperbole_do_not_enter_crisis_mode_and_offer_buttons():
    for situation in ("check", "hyperbole"):
        reply = cd.compose(situation, "ja")
        assert reply.stage is None
        payloads = [b["payload"] for b in reply.messages[0]["buttons"]]
        assert "/crisis" in payloads


def test_the_block_of_lines_is_not_repeated_on_the_next_turn_but_the_numbers_stay():
    first = cd.compose("enter", "ja")
    recent = [m["text"] for m in first.messages]
    second = cd.compose("urgent", "ja", recent)
    texts = [m["text"] for m in second.messages]
    assert not set(texts) & set(recent)
    assert "119" in second.text and "03-3264-4343" in second.text
    assert second.messages[0]["contacts"][0]["value"] == "119"
