"""Labelled safety sets (``tests/safety/**.yml``) as training text for the risk model.

Each set file is YAML with ``messages: [{text, kind, slice?}]`` or
``sequences: [{turns: [...], risk: bool, slice?}]``. Items marked
``slice: holdout`` are never returned: they measure generalisation and are
never trained or tuned on.
"""

from __future__ import annotations

import glob
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

HOLDOUT = "holdout"


@dataclass(frozen=True)
class LabelledText:
    text: str
    risk: bool


def _items(path: Path):
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return data.get("messages") or [], data.get("sequences") or []


def load_messages(path: Path, include_holdout: bool = False) -> list[str]:
    """The texts of one ``messages`` set (holdout items left out unless asked)."""
    messages, _ = _items(path)
    return [
        m["text"]
        for m in messages
        if isinstance(m, dict) and isinstance(m.get("text"), str) and (include_holdout or m.get("slice") != HOLDOUT)
    ]


def load_sequences(path: Path, include_holdout: bool = False) -> list[dict]:
    _, sequences = _items(path)
    return [s for s in sequences if isinstance(s, dict) and (include_holdout or s.get("slice") != HOLDOUT)]


def matching_files(root: Path, patterns: Iterable[str]) -> list[Path]:
    """The files under ``root`` that the glob ``patterns`` name, in a stable order."""
    return [Path(name) for pattern in patterns for name in sorted(glob.glob(str(root / pattern), recursive=True))]


def training_texts(
    root: Path, risk_globs: Iterable[str], safe_globs: Iterable[str], sequence_globs: Iterable[str] | None = None
) -> list[LabelledText]:
    """Every non-holdout text of the matching files, labelled by which globs found it.

    A sequence contributes its turns joined by newlines (how the context score
    reads them), labelled by its ``risk`` flag.
    """
    out: list[LabelledText] = []
    for globs, risk in ((risk_globs, True), (safe_globs, False)):
        for path in matching_files(root, globs):
            out.extend(LabelledText(t, risk) for t in load_messages(path))
    for path in matching_files(root, sequence_globs or ()):
        for seq in load_sequences(path):
            turns = [t for t in seq.get("turns") or [] if isinstance(t, str)]
            if turns:
                out.append(LabelledText("\n".join(turns), bool(seq.get("risk"))))
    return out
