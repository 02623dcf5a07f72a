"""Small talk that does not need the classifier: the greeting and wordless messages."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from tsunagari.clock import part_of_day
from tsunagari.messages import message


def greeting(moment: datetime, lang: str = "ja") -> str:
    """The opening line for the time of day in Tokyo (texts in messages_ja.yml; lang ja or en)."""
    suffix = "_en" if lang == "en" else ""
    return message(f"greet_{part_of_day(moment)}{suffix}")


def is_wordless(text: str | None) -> bool:
    """True for a message with no letters or digits: emoji, 「…」, 「!?」, stamps.

    The classifier has nothing to read in such a message (its features are
    empty), so it would fall back; it deserves a short kind reply instead.
    An empty message is not wordless (it is no message). Button payloads
    (``/intent``) are never wordless.
    """
    stripped = (text or "").strip()
    if not stripped or stripped.startswith("/"):
        return False
    return not any(unicodedata.category(char)[0] in "LN" for char in stripped)
