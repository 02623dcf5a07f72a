"""One place that decides how the assistant treats a message's risk.

Inputs are the lexicon's verdict, the risk model's scores (this message, and
the last few turns read together) and what the intent classifier said. The
output is one of four levels:

- ``crisis``: the full crisis reply (119/110, 24-hour lines, a safety question);
- ``check``: a gentle check that offers the 24-hour lines;
- ``hyperbole``: everyday exaggeration (「恥ずかしくて死ねる」): a lighter check;
- ``none``: the classifier's intent stands.

The lexicon is the floor: a lexicon crisis is always ``crisis``, a lexicon
check at least ``check``. The model can
raise any message to ``crisis`` or ``check``; it never lowers a lexicon match.
Whatever the classifier said (``chitchat``, ``inform``, ``seek_*``, fallback),
it cannot hide a high risk score.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tsunagari.safety.matcher import Assessment
from tsunagari.safety.risk_model import Thresholds

Level = Literal["crisis", "check", "hyperbole", "none"]

# The current message must itself carry a little risk before the context can
# turn it into an alarm, so that "thanks" after two sad messages is not one.
# Low on purpose: the last turn of a build-up is often harmless alone
# (「やっと終われる」 scored 0.07, 「明日は見送らないかも」 0.20).
CONTEXT_FLOOR = 0.05


@dataclass(frozen=True)
class RiskScores:
    """The risk model's output for one message (``context`` is None without history)."""

    message: float
    context: float | None = None

    def reach(self, threshold: float) -> str | None:
        """Why ``threshold`` is reached: "model" (this message), "context" (the
        last turns, with a little risk in this message), or None."""
        if self.message >= threshold:
            return "model"
        if self.context is not None and self.context >= threshold and self.message >= CONTEXT_FLOOR:
            return "context"
        return None


@dataclass(frozen=True)
class Decision:
    level: Level
    # Why, for logs and counts: a lexicon group name or "model"/"context".
    # Never any part of the text.
    reason: str


def decide(
    lexicon: Assessment,
    scores: RiskScores | None,
    thresholds: Thresholds,
    classifier_says_crisis: bool = False,
    bare_answer: bool = False,
) -> Decision:
    """Combine the lexicon, the risk scores and the classifier (see module doc).

    ``bare_answer``: the whole message is a form answer ("tonight", "by phone",
    tsunagari.preferences.stated_answer). Such a message carries no distress
    of its own, so a gentle check raised on it by the model or the classifier
    alone is lifted (it ended the form: "tonight" scored like risk wording).
    An alarm, a lexicon match and a check from the last turns are never lifted.
    """
    decision = _decide(lexicon, scores, thresholds, classifier_says_crisis)
    if bare_answer and decision.level == "check" and decision.reason in ("model", "classifier"):
        return Decision("none", "bare_answer")
    return decision


def _decide(
    lexicon: Assessment,
    scores: RiskScores | None,
    thresholds: Thresholds,
    classifier_says_crisis: bool,
) -> Decision:
    if lexicon.level == "crisis":
        return Decision("crisis", lexicon.group or "lexicon")
    if scores is not None and (reason := scores.reach(thresholds.alarm)):
        return Decision("crisis", reason)
    if lexicon.level == "check":
        return Decision("check", lexicon.group or "lexicon")
    if lexicon.level == "hyperbole":
        return Decision("hyperbole", lexicon.group or "hyperbole")
    if scores is not None:
        if reason := scores.reach(thresholds.check):
            return Decision("check", reason)
        if classifier_says_crisis and scores.message >= thresholds.check * 0.5:
            return Decision("check", "classifier")
        return Decision("none", "model")
    # No model (should not happen in a trained pipeline): the old behaviour.
    if classifier_says_crisis:
        return Decision("check", "classifier")
    return Decision("none", "none")
