"""English variations (issue 10 item 6): the greeting, routes, form, results and FAQ answer in English."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ENGLISH = [
    "utter_privacy_notice",
    "utter_menu",
    "utter_offer_routes",
    "utter_start_counseling",
    "utter_start_free_space",
    "utter_start_career",
    "utter_ask_contact_channel",
    "utter_ask_contact_time",
    "utter_after_results",
    "utter_faq_about",
    "utter_faq_operator",
    "utter_faq_anonymous_free",
    "utter_faq_data",
    "utter_is_human",
    "utter_rephrase",
    "utter_stop_search",
    "utter_vent",
    "utter_human_options",
    "utter_ask_category",
    "utter_listen_in_form",
    "utter_rephrase_in_form",
    "utter_deny",
    "utter_dont_know",
    "utter_prickly",
    "utter_cannot_phone",
    "utter_someone_come",
]
EN_CONDITION = [{"type": "slot", "name": "language", "value": "en"}]


@pytest.fixture(scope="module")
def responses():
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]


@pytest.mark.parametrize("key", ENGLISH)
def test_english_variation_exists_and_keeps_the_buttons(responses, key):
    variants = responses[key]
    english = [v for v in variants if v.get("condition") == EN_CONDITION]
    japanese = [v for v in variants if not v.get("condition")]
    assert len(english) == 1 and japanese, key
    assert english[0]["text"].isascii() or "つながりナビ" in english[0]["text"], key
    if japanese[0].get("buttons"):
        # Same payloads (a button must do the same thing in both languages).
        ja_payloads = {b["payload"] for b in japanese[0]["buttons"]}
        en_payloads = {b["payload"] for b in english[0].get("buttons", [])}
        assert ja_payloads <= en_payloads | {"/other"}, key


EASY = [
    "utter_privacy_notice",
    "utter_menu",
    "utter_start_counseling",
    "utter_ask_contact_channel",
    "utter_ask_contact_time",
    "utter_stop_search",
    "utter_empathize",
    "utter_vent",
    "utter_faq_about",
    "utter_faq_operator",
    "utter_faq_anonymous_free",
    "utter_faq_data",
    "utter_is_human",
    "utter_ask_category",
    "utter_short_reaction",
    "utter_listen_in_form",
    "utter_deny",
    "utter_dont_know",
]


def _feeling_themes() -> list[str]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return sorted(key for key in domain["responses"] if key.startswith("utter_feeling/"))


@pytest.mark.parametrize("key", _feeling_themes())
def test_every_listening_theme_answers_in_english(responses, key):
    english = [v for v in responses[key] if v.get("condition") == EN_CONDITION]
    assert english and all(v["text"].isascii() and "?" in v["text"] for v in english), key


@pytest.mark.parametrize("key", EASY + _feeling_themes())
def test_easy_japanese_variation_is_short_and_kana(responses, key):
    easy = [
        v for v in responses[key] if {"name": "easy_japanese", "type": "slot", "value": True} in v.get("condition", [])
    ]
    assert len(easy) == 1, key
    text = easy[0]["text"]
    kanji = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    assert kanji <= 2, (key, text)  # common words in kana
    sentences = text.replace("？", "。").replace("\n", "。").split("。")
    assert all(len(sentence) <= 45 for sentence in sentences), (key, text)  # short sentences (kana spacing counts)
