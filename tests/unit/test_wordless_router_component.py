"""The WordlessRouter component: emoji-only messages get short_reaction, safety stays."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.wordless_router import WordlessRouter


def _message(text, intent, confidence=0.45):
    ranking = [{"name": intent, "confidence": confidence}, {"name": "greet", "confidence": 0.1}]
    return Message(data={TEXT: text, INTENT: dict(ranking[0]), INTENT_RANKING_KEY: ranking})


@pytest.mark.parametrize("intent", ["nlu_fallback", "goodbye", "affirm"])
def test_an_emoji_only_message_becomes_short_reaction(intent):
    message = _message("🙃", intent)
    WordlessRouter({}).process([message])
    assert message.get(INTENT) == {"name": "short_reaction", "confidence": 1.0}
    assert message.get(INTENT_RANKING_KEY)[0]["name"] == "short_reaction"


@pytest.mark.parametrize("intent", ["crisis", "crisis_check", "hyperbole", "seek_counseling", "faq_about"])
def test_safety_and_other_decisions_are_kept(intent):
    message = _message("😢😢", intent)
    WordlessRouter({}).process([message])
    assert message.get(INTENT)["name"] == intent


def test_a_message_with_words_is_kept():
    message = _message("ぴえん", "nlu_fallback")
    WordlessRouter({}).process([message])
    assert message.get(INTENT)["name"] == "nlu_fallback"
