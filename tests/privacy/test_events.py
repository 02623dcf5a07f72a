"""Which parts of a stored event are redacted (tsunagari.privacy.events)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from tsunagari.privacy import events as ev
from tsunagari.privacy.events import storable_event
from tsunagari.privacy.redact import NOT_STORED

ROOT = Path(__file__).resolve().parents[2]
PHONE = "090-1234-5678"


def user_event(text: str) -> dict:
    """The shape of Rasa 3.6 ``UserUttered.as_dict()``."""
    return {
        "event": "user",
        "timestamp": 1.0,
        "metadata": {"channel": "line", "note": f"call {PHONE}"},
        "text": f"電話は{PHONE}です",
        "parse_data": {
            "intent": {"name": "request_human", "confidence": 0.9},
            "entities": [{"entity": "contact_channel", "value": "phone", "start": 0, "end": 2}],
            "text": f"電話は{PHONE}です",
            "message_id": "m1",
            "metadata": {"channel": "line"},
            "intent_ranking": [{"name": "request_human", "confidence": 0.9}],
        },
        "input_channel": "line",
        "message_id": "m1",
    }


def test_user_text_is_redacted_everywhere_and_structure_kept():
    original = user_event("x")
    stored = storable_event(original)
    assert PHONE not in repr(stored)
    assert stored["text"] == "電話は[電話番号]です"
    assert stored["parse_data"]["text"] == "電話は[電話番号]です"
    assert stored["parse_data"]["intent"] == original["parse_data"]["intent"]
    assert stored["parse_data"]["entities"][0]["value"] == "phone"
    assert stored["metadata"]["channel"] == "line"
    assert stored["input_channel"] == "line"


def test_the_callers_event_is_not_modified():
    original = user_event("x")
    before = copy.deepcopy(original)
    storable_event(original)
    storable_event(original, "none")
    assert original == before


def test_mode_none_keeps_no_text():
    stored = storable_event(user_event("x"), "none")
    assert stored["text"] == NOT_STORED
    assert stored["parse_data"]["text"] == NOT_STORED
    assert stored["parse_data"]["intent"]["name"] == "request_human"


def test_unknown_mode_is_a_clear_error():
    with pytest.raises(ValueError, match="redacted, none"):
        storable_event(user_event("x"), "everything")


def test_a_failing_pattern_stores_the_event_without_text(monkeypatch, caplog):
    def broken(_text):
        raise RuntimeError("boom 090-1234-5678")

    monkeypatch.setattr(ev, "redact", broken)
    stored = storable_event(user_event("x"))
    assert stored["text"] == NOT_STORED and stored["parse_data"]["text"] == NOT_STORED
    assert "metadata" not in stored
    assert stored["parse_data"]["intent"]["name"] == "request_human"
    assert PHONE not in caplog.text and "RuntimeError" in caplog.text


def test_odd_events_do_not_crash():
    for odd in (
        {},
        {"event": "user"},
        {"event": "user", "text": None, "parse_data": None},
        {"event": "user", "parse_data": {"entities": ["x", None]}},
        {"event": "slot", "value": PHONE},
    ):
        stored = storable_event(odd)
        assert PHONE not in repr(stored)


def test_bot_texts_are_kept_as_written():
    """The bot's own texts (110, 119, hotline numbers) are not redacted."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    texts = [variant["text"] for variants in domain["responses"].values() for variant in variants if "text" in variant]
    assert any("119" in t for t in texts)
    for text in texts:
        bot = {"event": "bot", "timestamp": 2.0, "text": text, "data": {}, "metadata": {"utter_action": "utter_x"}}
        assert storable_event(bot)["text"] == text
