"""Loads messages_ja.yml once; wording lives in YAML so it can be reviewed without code."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

MESSAGES_PATH = Path(__file__).resolve().parent / "messages_ja.yml"


@lru_cache(maxsize=1)
def _messages() -> dict[str, Any]:
    with MESSAGES_PATH.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def msg(path: str, **values: Any) -> str:
    """msg('reasons.open_until_today', time='22時') -> '今日は22時まで'."""
    node: Any = _messages()
    for part in path.split("."):
        node = node[part]
    return node.format(**values) if values else node


def weekday_ja(index: int) -> str:
    return _messages()["weekdays"][index]
