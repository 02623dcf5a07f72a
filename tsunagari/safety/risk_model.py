"""A calibrated suicide-risk classifier that generalises beyond the lexicon.

The lexicon (``matcher.py``) only knows wording that someone has written down.
This model scores any message from 0 to 1 on character n-grams, so wording that
nobody on the team has seen (「ホームで電車が来るたびに引き寄せられる」) still lands
near the crisis examples it resembles. It never replaces the lexicon: a lexicon
match is always an alarm; the model can only add alarms and gentle checks.

Features: character 1–4-grams (TF-IDF) of the matching form of
:func:`tsunagari.text.normalize` (kana folded, no spaces or punctuation), so
script, width, elongation and spacing do not matter; a logistic regression
with balanced class weights. (Measured on round 2 with a model trained on
round 1: adding a word-boundary view or GiNZA's mean word vectors did not
raise recall, and cost time.)

Probabilities are calibrated (Platt scaling on out-of-fold margins), and the two
decision thresholds are chosen on out-of-fold scores of the training corpus
(a validation split), never on the sets the tests report.

scikit-learn is already pinned by Rasa; nothing here imports Rasa.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from tsunagari.text import normalize

# How many earlier user turns are read with the current one for the context
# score (risk that builds over several short messages).
CONTEXT_TURNS = 3
# Out-of-fold false-positive budgets on the negative examples used to place the
# thresholds: the model's own alarms and its gentle checks. The lexicon's own
# alarms and hyperbole checks come on top, so these stay below the product
# targets (alarms <= 5 %, gentle checks <= 5 % on look-alikes). Chosen on a
# round-1 -> round-2 experiment (train on one round, test on the other):
# budget 2 % gave recall 0.63 with no false alarm on round 2's look-alikes,
# 3 % gave 0.69 with 1.7 %, 5 % gave 0.77 with 5.8 %.
ALARM_FP_BUDGET = 0.03
CHECK_FP_BUDGET = 0.05


def _matching_view(texts: Iterable[str]) -> list[str]:
    return [normalize(t) for t in texts]


@dataclass(frozen=True)
class Thresholds:
    """Score cut-offs: ``alarm`` gives the full crisis reply, ``check`` a gentle check."""

    alarm: float
    check: float


def _build_pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    return make_pipeline(
        FunctionTransformer(_matching_view),
        TfidfVectorizer(analyzer="char", ngram_range=(1, 4), sublinear_tf=True),
        LogisticRegression(C=16.0, class_weight="balanced", max_iter=3000),
    )


def _fit_platt(raw: np.ndarray, y: np.ndarray):
    """Platt scaling: a sigmoid from raw margins to probabilities, fitted on out-of-fold margins."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=1e6, max_iter=1000).fit(raw.reshape(-1, 1), y)


def _threshold_for_budget(negative_scores: np.ndarray, budget: float) -> float:
    """The lowest cut-off that keeps the share of negatives at or above it within ``budget``."""
    if negative_scores.size == 0:
        return 0.5
    ordered = np.sort(negative_scores)[::-1]
    allowed = int(np.floor(budget * ordered.size))
    # Scores strictly above the (allowed+1)-th highest negative pass.
    cut = ordered[min(allowed, ordered.size - 1)]
    return float(min(max(cut + 1e-6, 0.05), 0.99))


class RiskModel:
    """Fit on labelled texts, then ``score`` one message or a run of turns."""

    def __init__(self, pipeline=None, calibrator=None, thresholds: Thresholds | None = None) -> None:
        self._pipeline = pipeline
        self._calibrator = calibrator
        self.thresholds = thresholds or Thresholds(alarm=0.9, check=0.7)

    @classmethod
    def fit(cls, texts: Sequence[str], labels: Sequence[int], seed: int = 42) -> RiskModel:
        """Train on ``texts`` (1 = risk, 0 = not), calibrate, and place the thresholds.

        Calibration and thresholds both come from 5-fold out-of-fold margins, so
        they reflect how the model scores wording it was not trained on. (The
        usual averaged-folds calibration lowered recall on an unseen round from
        0.73 to 0.48 in our measurements, so the sigmoid is fitted here.)
        """
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        x = list(texts)
        y = np.asarray(labels, dtype=int)
        if len(set(y.tolist())) < 2:
            raise ValueError("the risk corpus needs both risk and non-risk examples")
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
        raw = cross_val_predict(_build_pipeline(), x, y, cv=folds, method="decision_function")
        calibrator = _fit_platt(raw, y)
        oof = calibrator.predict_proba(raw.reshape(-1, 1))[:, 1]
        negatives = oof[y == 0]
        alarm = _threshold_for_budget(negatives, ALARM_FP_BUDGET)
        check = min(_threshold_for_budget(negatives, CHECK_FP_BUDGET), alarm)
        pipeline = _build_pipeline().fit(x, y)
        return cls(pipeline, calibrator, Thresholds(alarm=alarm, check=check))

    def score(self, text: str) -> float:
        """Calibrated probability that ``text`` expresses suicide or self-harm risk."""
        return self.score_many([text])[0]

    def score_many(self, texts: Sequence[str]) -> list[float]:
        if self._pipeline is None:
            raise RuntimeError("the risk model has not been trained")
        cleaned = [t if isinstance(t, str) else "" for t in texts]
        raw = self._pipeline.decision_function(cleaned)
        return [float(p) for p in self._calibrator.predict_proba(np.asarray(raw).reshape(-1, 1))[:, 1]]

    def score_turn(self, earlier: Sequence[str], current: str) -> tuple[float, float | None]:
        """(this message's score, the score of the last few turns read together).

        One call to the vectoriser for both, to keep the cost of a turn low.
        The context score is None when there are no earlier turns.
        """
        turns = [t for t in earlier if isinstance(t, str) and t.strip()][-(CONTEXT_TURNS - 1) :]
        if not turns:
            return self.score(current), None
        message, context = self.score_many([current, "\n".join([*turns, current])])
        return message, context

    # -- persistence -----------------------------------------------------------

    def dumps(self) -> bytes:
        return pickle.dumps({"pipeline": self._pipeline, "calibrator": self._calibrator, "thresholds": self.thresholds})

    @classmethod
    def loads(cls, blob: bytes) -> RiskModel:
        data = pickle.loads(blob)  # our own artifact, written by dumps()
        return cls(data["pipeline"], data["calibrator"], data["thresholds"])


def corpus_from_sets(
    risk_sets: Iterable[Sequence[str]], safe_sets: Iterable[Sequence[str]]
) -> tuple[list[str], list[int]]:
    """Flatten labelled sets into (texts, labels), dropping duplicates (risk wins)."""
    labels: dict = {}
    for texts in safe_sets:
        for text in texts:
            labels.setdefault(text, 0)
    for texts in risk_sets:
        for text in texts:
            labels[text] = 1
    items = sorted(labels.items())
    return [t for t, _ in items], [y for _, y in items]
