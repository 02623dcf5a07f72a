"""Adapter between the actions and the partner directory.

SQLAlchemy calls are synchronous, so they run in a worker thread and never
block the action server's event loop. The embedded SQLite directory is
created and seeded on first use (tsunagari.directory.bootstrap.ensure_directory,
idempotent), not at import time.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from datetime import datetime

logger = logging.getLogger(__name__)


def _lookup_sync(category: str, channel: str | None, when: str | None, at: datetime, limit: int, area: str | None):
    from tsunagari.db import session_scope
    from tsunagari.directory.bootstrap import ensure_directory
    from tsunagari.directory.lookup import LookupRequest, find_services

    request = LookupRequest(category=category, channel=channel, when=when, at=at, limit=limit, area=area)
    ensure_directory()
    with session_scope() as session:
        return find_services(session, request)


def _record_crisis_sync(at: datetime, channel: str) -> None:
    from tsunagari.db import session_scope
    from tsunagari.directory.bootstrap import ensure_directory
    from tsunagari.directory.repository import record_crisis_event

    ensure_directory()
    with session_scope() as session:
        record_crisis_event(session, at, channel)


async def _in_thread(func, *args):
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, functools.partial(func, *args))


async def lookup(
    category: str, channel: str | None, when: str | None, at: datetime, limit: int = 3, area: str | None = None
):
    """Find up to `limit` services (only `area`'s when given); raises on a directory failure."""
    return await _in_thread(_lookup_sync, category, channel, when, at, limit, area)


async def record_crisis_event(at: datetime, channel: str) -> None:
    """Count a crisis event for the ward's aggregate report (no text, no id).

    Counting must never stand between a person and the crisis reply, so a
    failure is logged and swallowed.
    """
    try:
        await _in_thread(_record_crisis_sync, at, channel)
    except Exception:  # broad on purpose: see docstring
        logger.exception("could not record a crisis event")
