"""Make one conversation event (a Rasa event as a plain dict) safe to store.

Where a resident's words appear in Rasa 3.6 events:
- ``user`` events: ``text``, ``parse_data.text``, entity values and
  ``metadata`` (channels may put anything there);
- ``slot`` events: a slot filled from text would hold it (ours are
  categorical, but a string value is checked anyway);
- any event's ``metadata``.
Bot utterances are kept as they are: they come from domain.yml,
tsunagari/messages_ja.yml and the partner directory, never from what the
resident typed (actions/ does not echo user text), and they hold the public
hotline numbers (110, 119, 0120-...) that staff must be able to read back.

Intents, entity names, slots and timestamps are kept, so a conversation
read back from the store continues exactly as before.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from typing import Any

from .redact import NOT_STORED, redact

logger = logging.getLogger(__name__)

STORE_REDACTED = "redacted"
STORE_NONE = "none"
STORE_TEXT_MODES = (STORE_REDACTED, STORE_NONE)


def text_scrubber(mode: str) -> Callable[[str], str]:
    """The function applied to every stored piece of resident text."""
    if mode == STORE_NONE:
        return lambda text: NOT_STORED if text else text
    if mode == STORE_REDACTED:
        return redact
    raise ValueError(f"unknown store_text mode {mode!r}; use one of {', '.join(STORE_TEXT_MODES)}")


def _scrub_values(value: Any, scrub: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {key: _scrub_values(item, scrub) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub_values(item, scrub) for item in value]
    return value


def _scrub_event(data: dict[str, Any], scrub: Callable[[str], str]) -> dict[str, Any]:
    kind = data.get("event")
    if kind == "user":
        if isinstance(data.get("text"), str):
            data["text"] = scrub(data["text"])
        parse_data = data.get("parse_data")
        if isinstance(parse_data, dict):
            if isinstance(parse_data.get("text"), str):
                parse_data["text"] = scrub(parse_data["text"])
            for entity in parse_data.get("entities") or []:
                if isinstance(entity, dict):
                    for key in ("value", "text"):
                        if isinstance(entity.get(key), str):
                            entity[key] = redact(entity[key])
            if "metadata" in parse_data:
                parse_data["metadata"] = _scrub_values(parse_data["metadata"], redact)
    elif kind == "slot" and isinstance(data.get("value"), str):
        data["value"] = redact(data["value"])
    if "metadata" in data:
        data["metadata"] = _scrub_values(data["metadata"], redact)
    return data


def _fully_redacted(data: dict[str, Any]) -> dict[str, Any]:
    """Last resort: no resident text at all, only the event's structure."""
    if data.get("event") == "user":
        data["text"] = NOT_STORED
        parse_data = data.get("parse_data")
        if isinstance(parse_data, dict):
            parse_data["text"] = NOT_STORED
            parse_data["entities"] = [
                {"entity": e.get("entity")} for e in parse_data.get("entities") or [] if isinstance(e, dict)
            ]
            parse_data.pop("metadata", None)
    elif data.get("event") == "slot" and isinstance(data.get("value"), str):
        data["value"] = NOT_STORED
    data.pop("metadata", None)
    return data


def storable_event(data: dict[str, Any], mode: str = STORE_REDACTED) -> dict[str, Any]:
    """A deep copy of ``data`` with the resident's text redacted (or removed).

    Never raises on odd input: if redaction itself fails, the event is stored
    with no text at all, and a warning without any text is logged. The
    caller's dict is never modified (Rasa's in-memory tracker shares it).
    """
    scrub = text_scrubber(mode)
    stored = copy.deepcopy(data)
    try:
        return _scrub_event(stored, scrub)
    except Exception as exc:  # noqa: BLE001 - a pattern must never break a turn
        logger.warning("Redaction failed (%s); the event is stored without any text.", type(exc).__name__)
        try:
            return _fully_redacted(copy.deepcopy(data))
        except Exception:  # noqa: BLE001
            return {key: data[key] for key in ("event", "timestamp", "name") if key in data}
