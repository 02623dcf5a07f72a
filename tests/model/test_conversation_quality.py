"""Conversation quality on the fresh held-out first messages (issue 10).

tests/conversation/first_messages.yml was written outside the team before any
tuning and is never used for training. Each message carries the kind of reply
it should get. The kind of reply is read from the intent the trained NLU
pipeline returns (after NeedRouter and CrisisMatcher), through KIND_BY_INTENT:
the rules answer each intent with one kind of reply, so the intent decides it.

Figures are printed per slice. The `tune` slice may guide tuning; the
`holdout` slice never does. Targets from the issue are asserted only where
they are reached; elsewhere a regression floor a little under the measured
figure (see FLOORS, and the README section 「会話の質の測り方」).
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.model.conftest import load_yaml

# One table: the intent the pipeline returns -> the kind of reply it gets.
KIND_BY_INTENT = {
    "seek_counseling": "route_counseling",
    "seek_free_space": "route_free_space",
    "seek_career": "route_career",
    "express_loneliness": "listen",
    "feeling": "listen",
    "vent": "listen",
    "faq_about": "faq",
    "faq_operator": "faq",
    "faq_anonymous_free": "faq",
    "faq_data": "faq",
    "ask_is_human": "faq",
    "greet": "smalltalk",
    "goodbye": "smalltalk",
    "thank": "smalltalk",
    "chitchat": "smalltalk",
    "affirm": "smalltalk",
    "deny": "smalltalk",
    "dont_know": "smalltalk",
    "minimise": "smalltalk",
    "short_reaction": "smalltalk",
    "prickly": "smalltalk",
    "stop_search": "smalltalk",
    "crisis": "crisis",
    "crisis_check": "check",
    "hyperbole": "check",
    "nlu_fallback": "fallback",
}
ROUTES = ("route_counseling", "route_free_space", "route_career")

# Issue 10 targets.
TARGET_FALLBACK_RATE = 0.03
TARGET_ROUTE_ACCURACY = 0.95
TARGET_KIND_SHARE = 0.90

# Regression floors (measured figure minus a margin of about two messages of
# the slice), used where a target is not reached. Update them with the
# figures, never above the measured value. See the README.
# First measurement, before any tuning (model of main at 09ef45b):
#   all     n=232: fallback 0.134, route accuracy 0.750, expected kind 0.655
#   tune    n=155: fallback 0.148, route accuracy 0.736, expected kind 0.639
#   holdout n=77:  fallback 0.104, route accuracy 0.778, expected kind 0.688
# After issue 10 (this branch's model):
#   all     n=232: fallback 0.039, route accuracy 0.926, expected kind 0.793
#   tune    n=155: fallback 0.019, route accuracy 0.958, expected kind 0.845  (fallback and route targets met)
#   holdout n=77:  fallback 0.078, route accuracy 0.861, expected kind 0.688
# After merging with the safety work of issue 8 on main (its risk model and
# demotion of classifier-only crisis guesses; FallbackClassifier at 0.40):
#   all     n=232: fallback 0.065, route accuracy 0.926, expected kind 0.789
#   tune    n=155: fallback 0.065, route accuracy 0.944, expected kind 0.819
#   holdout n=77:  fallback 0.065, route accuracy 0.889, expected kind 0.727
# Tuned on the tune slice only (patterns of its misses: romaji and English
# needs, stories read as routes, short work/money/health feelings, questions
# about who may use the service; FallbackClassifier 0.30):
#   all     n=232: fallback 0.013, route accuracy 0.944, expected kind 0.875
#   tune    n=155: fallback 0.006, route accuracy 0.972, expected kind 0.923  (all three targets met)
#   holdout n=77:  fallback 0.026, route accuracy 0.889, expected kind 0.779  (fallback target met)
# After merging main (its round-4 safety sets in the risk model; one tune
# feeling became a gentle check): all kind 0.871, tune kind 0.916, the rest unchanged.
# Floors: those figures moved by about two messages of the slice (targets are
# asserted where met, so the tune floors and the fallback floors only matter
# after a regression below the target).
FLOORS = {
    "all": {"fallback_rate": 0.025, "route_accuracy": 0.92, "kind_share": 0.86},
    "tune": {"fallback_rate": 0.02, "route_accuracy": 0.94, "kind_share": 0.90},
    "holdout": {"fallback_rate": 0.055, "route_accuracy": 0.83, "kind_share": 0.75},
}


KNOWN_OVERLAP = frozenset({"なんでもないです"})


def kind_of(intent: str) -> str:
    return KIND_BY_INTENT.get(intent, f"other:{intent}")


def judge(parse, items: list[dict]) -> list[dict]:
    """Each item with the intent the pipeline returns for its text and the kind of reply that intent gets."""
    results = parse([item["text"] for item in items])
    return [
        {**item, "intent": result["intent"]["name"], "kind": kind_of(result["intent"]["name"])}
        for item, result in zip(items, results, strict=True)
    ]


@pytest.fixture(scope="module")
def judged(parse):
    return judge(parse, load_yaml("tests/conversation/first_messages.yml")["messages"])


def measure(rows: list[dict]) -> dict[str, float]:
    routes = [row for row in rows if row["expect"] in ROUTES]
    return {
        "fallback_rate": sum(row["kind"] == "fallback" for row in rows) / len(rows),
        "route_accuracy": sum(row["kind"] == row["expect"] for row in routes) / len(routes),
        "kind_share": sum(row["kind"] == row["expect"] for row in rows) / len(rows),
    }


@pytest.mark.parametrize("slice_name", ["all", "tune", "holdout"])
def test_first_messages(judged, figures, slice_name):
    rows = [row for row in judged if slice_name == "all" or row["slice"] == slice_name]
    got = measure(rows)
    misses = [row for row in rows if row["kind"] != row["expect"]]
    figures.append(
        f"first messages [{slice_name}, n={len(rows)}]: fallback rate {got['fallback_rate']:.3f}, "
        f"route accuracy {got['route_accuracy']:.3f}, expected kind {got['kind_share']:.3f}; "
        f"misses by expected kind {dict(Counter(row['expect'] for row in misses))}"
    )
    detail = "\n".join(f"  {r['expect']:>16} got {r['intent']:<20} {r['text'][:60]}" for r in misses)
    floor = FLOORS[slice_name]
    fallback_bound = TARGET_FALLBACK_RATE if got["fallback_rate"] <= TARGET_FALLBACK_RATE else floor["fallback_rate"]
    route_bound = TARGET_ROUTE_ACCURACY if got["route_accuracy"] >= TARGET_ROUTE_ACCURACY else floor["route_accuracy"]
    kind_bound = TARGET_KIND_SHARE if got["kind_share"] >= TARGET_KIND_SHARE else floor["kind_share"]
    assert got["fallback_rate"] <= fallback_bound, f"fallback rate {got['fallback_rate']:.3f}\n{detail}"
    assert got["route_accuracy"] >= route_bound, f"route accuracy {got['route_accuracy']:.3f}\n{detail}"
    assert got["kind_share"] >= kind_bound, f"expected kind {got['kind_share']:.3f}\n{detail}"


def test_holdout_is_never_training_data():
    """The held-out messages must not appear in the NLU training data.

    Very short everyday words (「こんにちは」「さみしい」) were training
    examples long before this set existed; only messages of 8 characters or
    more are checked, and 「なんでもないです」, a training example before
    the set was written, is listed as a known overlap.
    """
    from pathlib import Path

    from tests.model.conftest import ROOT

    training = "\n".join(p.read_text(encoding="utf-8") for p in Path(ROOT, "data").rglob("*.yml"))
    items = load_yaml("tests/conversation/first_messages.yml")["messages"]
    leaked = [
        item["text"]
        for item in items
        if len(item["text"]) >= 8 and item["text"] not in KNOWN_OVERLAP and f"- {item['text']}\n" in training
    ]
    assert not leaked, f"held-out messages found in data/: {leaked}"
