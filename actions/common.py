"""Small helpers shared by the actions."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

# Intents that must never be read as an answer to the referral form.
SAFETY_INTENTS = frozenset(
    {
        "crisis",
        "crisis_check",
        "crisis_unsafe",
        "crisis_safe",
        "hyperbole",
        "ask_someone_come",
        "ask_is_human",
        "cannot_phone",
        "dont_know",
        "minimise",
    }
)


def in_crisis(tracker: Tracker) -> bool:
    """True once a crisis was detected in this session."""
    return bool(tracker.get_slot("crisis"))


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def latest_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def latest_entity(tracker: Tracker, entity: str) -> Any | None:
    """The value of `entity` in the latest message (buttons send these)."""
    for item in tracker.latest_message.get("entities") or []:
        if item.get("entity") == entity:
            return item.get("value")
    return None


def input_channel(tracker: Tracker) -> str:
    """Name of the channel the latest message came from, for aggregate counts."""
    return tracker.get_latest_input_channel() or "unknown"
