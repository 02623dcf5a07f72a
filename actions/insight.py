"""Adapter: count anonymous aggregate events for the ward's report (tsunagari.insight).

Only coded values leave the tracker: the route, the form's answers, the input
channel name and the keys of the services shown. Never the text or the
sender. Counting must never stand between a person and a reply, so a failure
is logged and swallowed.
"""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker

from actions.common import input_channel
from actions.directory import _in_thread
from tsunagari.clock import now

logger = logging.getLogger(__name__)


def _record_sync(kind: str, channel: str, fields: dict[str, Any]) -> None:
    from tsunagari.db import ensure_database, session_scope
    from tsunagari.insight.events import record_event

    ensure_database()
    with session_scope() as session:
        record_event(session, kind, now(), channel, **fields)


async def record(kind: str, tracker: Tracker, **fields: Any) -> None:
    """Count one event: kind search / listening / faq / gentle_check (see record_event)."""
    try:
        await _in_thread(_record_sync, kind, input_channel(tracker), fields)
    except Exception:  # noqa: BLE001 - see module docstring
        logger.exception("could not record an insight event")
