"""Resident-facing texts that code sends outside domain.yml (see messages_ja.yml)."""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

_PATH = Path(__file__).with_name("messages_ja.yml")


@functools.lru_cache(maxsize=1)
def _messages() -> dict[str, str]:
    with _PATH.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def message(key: str) -> str:
    """The Japanese text for `key`; a missing key is a programming error."""
    return _messages()[key]
