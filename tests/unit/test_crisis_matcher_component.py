"""components.crisis_matcher.CrisisMatcher: the Rasa adapter over assess()."""

from __future__ import annotations

import logging

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.crisis_matcher import CrisisMatcher


@pytest.fixture
def matcher(tmp_path) -> CrisisMatcher:
    return CrisisMatcher.create(
        CrisisMatcher.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("crisis_matcher"),
        ExecutionContext(graph_schema=None, model_id="test"),
    )


def _message(text, intent="greet", confidence=0.91) -> Message:
    ranking = [
        {"name": intent, "confidence": confidence},
        {"name": "express_loneliness", "confidence": 0.05},
    ]
    return Message(
        data={
            TEXT: text,
            INTENT: {"name": intent, "confidence": confidence},
            INTENT_RANKING_KEY: ranking,
        }
    )


def test_default_config():
    config = CrisisMatcher.get_default_config()
    assert config["crisis_intent"] == "crisis"
    assert config["hyperbole_intent"] == "hyperbole"


@pytest.mark.parametrize("classifier_intent", ["greet", "nlu_fallback", "express_loneliness", "crisis_safe"])
def test_crisis_overrides_whatever_the_classifier_said(matcher, classifier_intent):
    message = _message("もう消えたい", intent=classifier_intent, confidence=0.45)
    matcher.process([message])
    assert message.get(INTENT) == {"name": "crisis", "confidence": 1.0}
    ranking = message.get(INTENT_RANKING_KEY)
    assert ranking[0] == {"name": "crisis", "confidence": 1.0}
    assert [r["name"] for r in ranking].count("crisis") == 1
    assert classifier_intent in [r["name"] for r in ranking[1:]]


def test_crisis_already_in_ranking_is_not_duplicated(matcher):
    message = _message("ｼﾆﾀｲ", intent="crisis", confidence=0.6)
    matcher.process([message])
    ranking = message.get(INTENT_RANKING_KEY)
    assert ranking[0] == {"name": "crisis", "confidence": 1.0}
    assert [r["name"] for r in ranking].count("crisis") == 1


def test_hyperbole_sets_hyperbole(matcher):
    message = _message("恥ずかしすぎて死ねる", intent="express_loneliness", confidence=0.7)
    matcher.process([message])
    assert message.get(INTENT) == {"name": "hyperbole", "confidence": 1.0}
    assert message.get(INTENT_RANKING_KEY)[0]["name"] == "hyperbole"


@pytest.mark.parametrize("classifier_intent", ["crisis", "nlu_fallback", "chitchat"])
def test_hyperbole_replaces_the_classifier_guess(matcher, classifier_intent):
    message = _message("恥ずかしすぎて死ねる", intent=classifier_intent, confidence=0.8)
    matcher.process([message])
    assert message.get(INTENT) == {"name": "hyperbole", "confidence": 1.0}
    assert [r["name"] for r in message.get(INTENT_RANKING_KEY)].count("hyperbole") == 1


def test_crisis_wins_over_hyperbole_in_the_same_message(matcher):
    message = _message("死ぬほど眠いけど、本当はもう消えたい", intent="hyperbole", confidence=0.9)
    matcher.process([message])
    assert message.get(INTENT) == {"name": "crisis", "confidence": 1.0}


def test_non_crisis_message_is_untouched(matcher):
    message = _message("こんにちは、居場所のイベントを探してます", intent="seek_free_space", confidence=0.88)
    before = {key: value for key, value in message.data.items()}
    matcher.process([message])
    assert message.data == before


def test_message_without_prediction_or_text(matcher):
    no_intent = Message(data={TEXT: "死にたい"})
    empty = Message(data={TEXT: ""})
    no_text = Message(data={})
    matcher.process([no_intent, empty, no_text])
    assert no_intent.get(INTENT) == {"name": "crisis", "confidence": 1.0}
    assert no_intent.get(INTENT_RANKING_KEY) == [{"name": "crisis", "confidence": 1.0}]
    assert empty.get(INTENT) is None
    assert no_text.get(INTENT) is None


def test_long_text_is_read_untruncated(matcher):
    text = "今日の出来事を書きます。" * 500 + "本当はもういなくなりたい"
    assert len(text) > 5000
    message = _message(text, intent="express_loneliness")
    matcher.process([message])
    assert message.get(INTENT)["name"] == "crisis"


def test_processes_every_message_of_a_batch(matcher):
    messages = [_message("おはよう"), _message("リスカしちゃった"), _message("死ぬほど眠い")]
    matcher.process(messages)
    assert [m.get(INTENT)["name"] for m in messages] == ["greet", "crisis", "hyperbole"]


def test_never_logs_message_text(matcher, caplog):
    secret = "薬をためこんでいる秘密の文"
    with caplog.at_level(logging.DEBUG):
        matcher.process([_message(secret)])
    assert secret not in caplog.text
    assert "ためこ" not in caplog.text


def test_classifier_only_crisis_becomes_a_gentle_check(matcher):
    # The lexicon finds nothing: the statistical guess alone must not alarm.
    message = _message("パソコンのデータが全部消えた", intent="crisis", confidence=0.99)
    matcher.process([message])
    assert message.get(INTENT)["name"] == "crisis_check"
    assert message.get(INTENT_RANKING_KEY)[0]["name"] == "crisis_check"


def test_default_check_intent():
    assert CrisisMatcher.get_default_config()["check_intent"] == "crisis_check"
