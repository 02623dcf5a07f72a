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


def message_for(key: str, lang: str = "ja", easy: bool = False) -> str:
    """The text for `key` in the conversation's register, like the domain's conditional responses.

    English (``lang == "en"``) reads ``<key>_en``, やさしい日本語 reads
    ``<key>_easy``; a key without that variant falls back to the Japanese
    text, so a missing translation never breaks a reply.
    """
    data = _messages()
    if lang == "en" and f"{key}_en" in data:
        return data[f"{key}_en"]
    if easy and lang != "en" and f"{key}_easy" in data:
        return data[f"{key}_easy"]
    return data[key]
