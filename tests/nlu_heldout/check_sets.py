"""Sanity checks for the NLU training data and the held-out sets.

Run from the repository root:  .venv/bin/python tests/nlu_heldout/check_sets.py

- every data/nlu/*.yml and tests/nlu_heldout/heldout.yml loads as Rasa NLU data;
- example counts per intent;
- no text is labelled with two different intents in data/nlu/;
- no held-out or routing text appears in data/nlu/ (after NFKC, lower case,
  punctuation/emoji removal), and no routing text appears in heldout.yml;
- routing.yml has at least 40 messages per support_category.
Exit status 1 on any violation. (Not named test_*: pytest does not collect it.)
"""

from __future__ import annotations

import collections
import glob
import logging
import re
import sys
import unicodedata
from pathlib import Path

import yaml

logging.disable(logging.WARNING)
from rasa.shared.nlu.training_data.loading import load_data  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
_STRIP = re.compile(r"[\s、。，．,.!！?？…〜~ー\-・「」『』()（）]+|[\U0001F000-\U0001FFFF\u2600-\u27BF]")


def norm(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).lower()
    return _STRIP.sub("", folded) or folded


def examples(path: Path):
    return [(m.get("text"), m.get("intent")) for m in load_data(str(path)).intent_examples]


def main() -> int:
    errors = []
    train = {}
    counts = collections.Counter()
    for f in sorted(glob.glob(str(ROOT / "data/nlu/*.yml"))):
        for text, intent in examples(Path(f)):
            counts[intent] += 1
            train.setdefault(norm(text), {})[intent] = text
    for intents in train.values():
        if len(intents) > 1:
            errors.append(f"training text in several intents: {intents}")
    print("training:", dict(sorted(counts.items())), "total", sum(counts.values()))

    held = examples(ROOT / "tests/nlu_heldout/heldout.yml")
    hcounts = collections.Counter(i for _, i in held)
    print("heldout:", dict(sorted(hcounts.items())), "total", len(held))
    held_norm = {norm(t) for t, _ in held}
    for text, intent in held:
        if norm(text) in train:
            errors.append(f"heldout text also in training: {text!r} ({intent})")

    routing = yaml.safe_load((ROOT / "tests/nlu_heldout/routing.yml").read_text(encoding="utf-8"))
    rows = routing["routing"]
    rcounts = collections.Counter(r["expect"] for r in rows)
    print("routing:", dict(rcounts), "total", len(rows))
    for cat in ("counseling", "free_space", "career"):
        if rcounts[cat] < 40:
            errors.append(f"routing: only {rcounts[cat]} for {cat}")
    for r in rows:
        if r["expect"] not in ("counseling", "free_space", "career"):
            errors.append(f"routing: bad category {r}")
        n = norm(r["text"])
        if n in train or n in held_norm:
            errors.append(f"routing text also in training/heldout: {r['text']!r}")

    for e in errors:
        print("ERROR:", e)
    print("OK" if not errors else f"{len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
