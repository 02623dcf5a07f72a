"""Fixtures for action tests: trackers built directly, a seeded directory.

The directory is a fresh SQLite file per test session, seeded from the
real seed data; the clock is fixed through TSUNAGARI_NOW.
"""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


def make_tracker(
    slots: dict[str, Any] | None = None,
    intent: str | None = None,
    text: str = "",
    entities: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
    events: list[dict[str, Any]] | None = None,
    input_channel: str = "rest",
) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0} if intent else {},
        "entities": entities or [],
    }
    user_event = {"event": "user", "text": text, "parse_data": latest, "input_channel": input_channel}
    return Tracker(
        sender_id="test-user",
        slots={"crisis": False, "requested_slot": None, **(slots or {})},
        latest_message=latest,
        events=(events or []) + [user_event],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    from pathlib import Path

    import yaml

    return yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture
def seeded_directory(tmp_path, monkeypatch):
    """A seeded SQLite directory and a fixed clock: Sunday 2026-11-29 23:30."""
    from tsunagari import db

    monkeypatch.setenv("TSUNAGARI_DATABASE_URL", f"sqlite:///{tmp_path / 'directory.sqlite3'}")
    monkeypatch.setenv("TSUNAGARI_NOW", "2026-11-29T23:30:00+09:00")
    db.reset()
    yield
    db.reset()
