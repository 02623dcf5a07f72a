"""Conversation quality on round 2 of fresh first messages (issue 10).

tests/conversation/first_messages_round2.yml was written by an outsider before
reading the training data, the test stories or the responses, in voices that
typical sets miss (rambling, one word, slang, typos, kana, romaji, English,
emoji, 4 a.m., older polite Japanese, sarcasm, indirect risk, hyperbole).
Every item is held out: nothing here may guide tuning.

Messages are classified exactly as test_conversation_quality.py does (the
`parse` fixture of tests/model/conftest.py, then its KIND_BY_INTENT table).
A missed crisis always fails. The issue's targets are asserted where reached;
elsewhere FLOORS stop regressions (they are floors, not targets).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.model.conftest import ROOT, load_yaml
from tests.model.test_conversation_quality import (
    ROUTES,
    TARGET_FALLBACK_RATE,
    TARGET_KIND_SHARE,
    TARGET_ROUTE_ACCURACY,
    judge,
    measure,
)

SET = "tests/conversation/first_messages_round2.yml"

# Regression floors: the first measurement (main's model, see NOTES/README)
# moved by about two messages (2/261 = 0.008 overall, 2/82 = 0.024 on routes).
# They are floors against regressions, NOT the targets (<= 3 %,
# >= 95 %, >= 90 %), which are asserted instead as soon as they are reached.
# First measurement (main 9461b1a's model, before any tuning on this set):
#   n=261: fallback 0.073 (19), route accuracy 0.939 (77/82), expected kind 0.816 (213),
#   crisis recall 1.000 (33/33), hyperbole answered as crisis 1/10.
# Two messages exactly (the rounded 0.915 sat 0.0004 above 75/82 and failed at two).
FLOORS = {"fallback_rate": 0.081, "route_accuracy": (77 - 2) / 82, "kind_share": 0.808}
# Hyperbole answered with the crisis reply: the target is 0; this ceiling is
# the first measurement, against regressions.
HYPERBOLE_ALARM_CEILING = 1


@pytest.fixture(scope="module")
def items() -> list[dict]:
    return load_yaml(SET)["messages"]


@pytest.fixture(scope="module")
def judged(parse, items):
    return judge(parse, items)


def _miss_lines(rows: list[dict]) -> str:
    return "\n".join(
        f"  {r['expect']:>16} got {r['kind']:<16} ({r['intent']:<20}) [{r['voice']}] {r['text'][:70]}" for r in rows
    )


def test_round2_first_messages(judged, figures):
    got = measure(judged)
    misses = [row for row in judged if row["kind"] != row["expect"]]
    pattern = Counter(f"{r['expect']}->{r['kind']}" for r in misses)
    by_voice = Counter(r["voice"] for r in misses)
    voices = Counter(r["voice"] for r in judged)
    figures.append(
        f"round 2 first messages [n={len(judged)}, all held out]: fallback rate {got['fallback_rate']:.3f}, "
        f"route accuracy {got['route_accuracy']:.3f} (n={sum(r['expect'] in ROUTES for r in judged)}), "
        f"expected kind {got['kind_share']:.3f}"
    )
    figures.append(f"round 2 misses by pattern (expected->got): {dict(pattern.most_common())}")
    figures.append(
        "round 2 misses by voice (misses/items): "
        + ", ".join(f"{v} {by_voice[v]}/{voices[v]}" for v, _ in by_voice.most_common())
    )
    print("\nround 2 misses:\n" + _miss_lines(misses))
    fallback_bound = TARGET_FALLBACK_RATE if got["fallback_rate"] <= TARGET_FALLBACK_RATE else FLOORS["fallback_rate"]
    route_bound = TARGET_ROUTE_ACCURACY if got["route_accuracy"] >= TARGET_ROUTE_ACCURACY else FLOORS["route_accuracy"]
    kind_bound = TARGET_KIND_SHARE if got["kind_share"] >= TARGET_KIND_SHARE else FLOORS["kind_share"]
    detail = _miss_lines(misses)
    assert got["fallback_rate"] <= fallback_bound, f"fallback rate {got['fallback_rate']:.3f}\n{detail}"
    assert got["route_accuracy"] >= route_bound, f"route accuracy {got['route_accuracy']:.3f}\n{detail}"
    assert got["kind_share"] >= kind_bound, f"expected kind {got['kind_share']:.3f}\n{detail}"


def test_round2_every_crisis_is_answered_as_crisis(judged, figures):
    """Crisis recall must be 1.0: a missed crisis is a failure, never a floor."""
    crises = [row for row in judged if row["expect"] == "crisis"]
    missed = [row for row in crises if row["kind"] != "crisis"]
    recall = 1 - len(missed) / len(crises)
    figures.append(f"round 2 crisis recall {recall:.3f} ({len(crises) - len(missed)}/{len(crises)})")
    assert not missed, f"missed crises ({len(missed)}/{len(crises)}):\n{_miss_lines(missed)}"


def test_round2_hyperbole_is_not_a_crisis(judged, figures):
    """Everyday exaggeration («死ぬほど眠い», «店長マジ殺したい笑») should not get the crisis reply.

    The target is none; HYPERBOLE_ALARM_CEILING is the first measurement, a
    ceiling against regressions (false alarms, unlike missed crises, are not a
    hard failure in this set).

    Figures also say how many got the team's hyperbole check (KIND_BY_INTENT
    counts it as `check`): this set labels hyperbole with the reply a
    counselor would give (small talk or listening), so those count as misses
    above, and this line shows how many of the misses that explains.
    """
    rows = [row for row in judged if row["voice"] == "hyperbole"]
    alarmed = [row for row in rows if row["kind"] == "crisis"]
    checked = [row for row in rows if row["intent"] == "hyperbole"]
    figures.append(
        f"round 2 hyperbole: {len(alarmed)}/{len(rows)} got the crisis reply, "
        f"{len(checked)}/{len(rows)} the hyperbole check"
    )
    assert len(alarmed) <= HYPERBOLE_ALARM_CEILING, f"hyperbole answered as crisis:\n{_miss_lines(alarmed)}"


def test_round2_set_is_well_formed_and_never_training_data(items):
    kinds = {"route_counseling", "route_free_space", "route_career", "listen", "faq", "smalltalk", "crisis", "check"}
    assert len(items) >= 220
    assert {item["expect"] for item in items} <= kinds
    texts = [item["text"] for item in items]
    assert len(set(texts)) == len(texts), "duplicate messages"
    training = "\n".join(p.read_text(encoding="utf-8") for p in Path(ROOT, "data").rglob("*.yml"))
    leaked = [text for text in texts if len(text) >= 8 and f"- {text}\n" in training]
    assert not leaked, f"round 2 messages found in data/: {leaked}"
