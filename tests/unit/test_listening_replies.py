"""Listening replies (issue 10): every theme has several replies that reflect and ask back."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
# Lines the pilot found minimising or like a form letter.
STIFF = ("誰にでも", "ちゃんと受け取りました", "ここに置いていって")


def _domain_responses() -> dict:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]


def _themes_in_nlu() -> set[str]:
    data = yaml.safe_load((ROOT / "data/nlu/feelings_themes.yml").read_text(encoding="utf-8"))
    return {item["intent"].split("/", 1)[1] for item in data["nlu"] if item["intent"].startswith("feeling/")}


def test_every_theme_has_replies_and_every_reply_a_theme():
    responses = {key.split("/", 1)[1] for key in _domain_responses() if key.startswith("utter_feeling/")}
    assert responses == _themes_in_nlu()
    assert {"night_weekend", "coworkers_age", "moved_to_tokyo", "hikikomori", "used_to_it", "events_alone"} <= responses


def test_listening_replies_are_several_and_ask_an_open_question():
    responses = _domain_responses()
    keys = [k for k in responses if k.startswith("utter_feeling/")] + ["utter_empathize", "utter_vent"]
    for key in keys:
        # The Japanese replies (the English and やさしい日本語 variations are conditional).
        texts = [variant["text"] for variant in responses[key] if not variant.get("condition")]
        assert len(texts) >= 3, key
        for text in texts:
            assert not any(stiff in text for stiff in STIFF), (key, text)
            if key != "utter_vent":  # venting replies invite, they ask nothing back
                assert "？" in text or "聞かせて" in text, (key, text)
