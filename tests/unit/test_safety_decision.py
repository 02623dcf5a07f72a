"""tsunagari.safety.decide: the lexicon is the floor, a high risk score always wins."""

from __future__ import annotations

import pytest

from tsunagari.safety.decision import RiskScores, decide
from tsunagari.safety.matcher import Assessment
from tsunagari.safety.risk_model import RiskModel, Thresholds, corpus_from_sets

T = Thresholds(alarm=0.8, check=0.6)
NONE = Assessment("none")
CRISIS = Assessment("crisis", "ideation_direct")
HYPERBOLE = Assessment("hyperbole", "hyperbole")
CHECK = Assessment("check", "distress_check")


@pytest.mark.parametrize(
    "lexicon, scores, classifier_crisis, level",
    [
        (CRISIS, RiskScores(0.0), False, "crisis"),  # the lexicon is the floor
        (CRISIS, None, False, "crisis"),
        (NONE, RiskScores(0.95), False, "crisis"),  # whatever the intent was
        (HYPERBOLE, RiskScores(0.95), False, "crisis"),  # a method question is never hyperbole
        (HYPERBOLE, RiskScores(0.1), False, "hyperbole"),
        (NONE, RiskScores(0.7), False, "check"),
        (NONE, RiskScores(0.1), True, "none"),  # a classifier-only crisis with a low score
        (NONE, RiskScores(0.35), True, "check"),
        (NONE, RiskScores(0.1), False, "none"),
        (NONE, RiskScores(0.3, context=0.9), False, "crisis"),  # risk built over turns
        (NONE, RiskScores(0.01, context=0.9), False, "none"),  # an everyday reply after sad turns
        (NONE, RiskScores(0.07, context=0.9), False, "crisis"),  # 「やっと終われる」 after a build-up
        (NONE, RiskScores(0.3, context=0.7), False, "check"),
        (NONE, None, True, "check"),  # no model: old behaviour
        (CHECK, RiskScores(0.0), False, "check"),  # hopelessness: at least the gentle check
        (CHECK, None, False, "check"),
        (CHECK, RiskScores(0.95), False, "crisis"),  # the model can still raise it
    ],
)
def test_decide(lexicon, scores, classifier_crisis, level):
    assert decide(lexicon, scores, T, classifier_crisis).level == level


@pytest.mark.parametrize(
    "lexicon, scores, classifier_crisis, level",
    [
        (NONE, RiskScores(0.7), False, "none"),  # "tonight" as a form answer: the model-only check is lifted
        (NONE, RiskScores(0.35), True, "none"),  # a classifier-only check too
        (NONE, RiskScores(0.95), False, "crisis"),  # an alarm never is
        (NONE, RiskScores(0.3, context=0.7), False, "check"),  # nor a check from the last turns
        (CHECK, RiskScores(0.0), False, "check"),  # nor a lexicon check
        (CRISIS, RiskScores(0.0), False, "crisis"),
    ],
)
def test_a_bare_form_answer_gets_no_model_only_check(lexicon, scores, classifier_crisis, level):
    assert decide(lexicon, scores, T, classifier_crisis, bare_answer=True).level == level


def test_decision_reason_never_contains_text():
    decision = decide(NONE, RiskScores(0.95), T)
    assert decision.reason == "model"


def test_risk_model_learns_places_thresholds_and_round_trips():
    risk = [f"もう{w}たい" for w in ("消え", "終わりにし", "いなくなり", "楽になり", "眠ったまま起きたくない")] * 8
    safe = [f"{w}に行きたい" for w in ("海", "山", "映画", "カフェ", "温泉")] * 8
    texts, labels = corpus_from_sets([risk], [safe])
    model = RiskModel.fit(texts, labels)
    assert 0.0 < model.thresholds.check <= model.thresholds.alarm < 1.0
    assert model.score("もう消えたい") > model.score("海に行きたい")
    again = RiskModel.loads(model.dumps())
    assert again.score("もう消えたい") == pytest.approx(model.score("もう消えたい"))
    message, context = again.score_turn(["疲れた"], "消えたい")
    assert context is not None and 0.0 <= message <= 1.0
    assert again.score_turn([], "消えたい")[1] is None


def test_risk_model_needs_both_classes():
    with pytest.raises(ValueError):
        RiskModel.fit(["a", "b"], [1, 1])


def test_corpus_risk_wins_on_duplicates():
    texts, labels = corpus_from_sets([["x"]], [["x", "y"]])
    assert dict(zip(texts, labels, strict=True)) == {"x": 1, "y": 0}
