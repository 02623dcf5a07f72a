"""Fixtures that load the trained model once and parse messages with it.

These tests need `make train` first (`make test` does it). The model path
can be overridden with TSUNAGARI_MODEL.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MODEL = Path(os.environ.get("TSUNAGARI_MODEL", ROOT / "models" / "tsunagari.tar.gz"))


def load_yaml(relative: str):
    with (ROOT / relative).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


_FIGURES: list[str] = []


@pytest.fixture(scope="session")
def figures() -> list[str]:
    """Measured figures, printed at the end of the run (see below)."""
    return _FIGURES


def pytest_terminal_summary(terminalreporter):
    if _FIGURES:
        terminalreporter.section("measured figures (trained model, held-out sets)")
        for line in _FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def parse() -> Callable[[list[str]], list[dict]]:
    """Parse a batch of texts with the trained NLU pipeline."""
    assert MODEL.exists(), f"trained model not found at {MODEL}: run `make train`"
    from rasa.core.agent import Agent

    loop = asyncio.new_event_loop()
    agent = Agent.load(str(MODEL))

    def _parse(texts: list[str]) -> list[dict]:
        async def _all():
            return [await agent.parse_message(text) for text in texts]

        return loop.run_until_complete(_all())

    yield _parse
    loop.close()


@pytest.fixture(scope="session")
def parse_sequence(parse) -> Callable[[list[str]], dict]:
    """Parse the last turn of a conversation, with the earlier user turns in the tracker.

    The risk scorer reads the tracker (risk that builds over several turns),
    so this goes through the processor the way the server does.
    """
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    loop = asyncio.new_event_loop()
    agent = Agent.load(str(MODEL))

    def _parse(turns: list[str], in_crisis: bool = False) -> dict:
        from rasa.shared.core.events import SlotSet
        from rasa.shared.core.slots import BooleanSlot

        tracker = DialogueStateTracker("model-test", slots=[BooleanSlot("crisis", mappings=[{}])])
        for text in turns[:-1]:
            tracker.update(UserUttered(text, {"name": "express_loneliness", "confidence": 1.0}))
        if in_crisis:
            tracker.update(SlotSet("crisis", True))
        return loop.run_until_complete(agent.processor.parse_message(UserMessage(turns[-1]), tracker))

    yield _parse
    loop.close()
