"""Recording anonymous aggregate events for the ward's monthly report.

Callers pass coded answers only; everything is checked against a closed list
and anything else is folded to "other", so free text can never be stored by
mistake. Time is kept as the Tokyo date and the hour of the week; there is no
sender, conversation id or finer timestamp, so two events cannot be linked to
one person. Crisis replies keep their own counts (`crisis_events`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from ..clock import to_tokyo
from ..directory.models import CATEGORIES, InsightEvent, InsightServiceShown
from ..directory.repository import normalise_channel
from ..preferences import CHANNELS as CHANNEL_ANSWERS
from ..preferences import TIMES as TIME_ANSWERS

KINDS = ("search", "listening", "faq", "gentle_check")
# Rasa input channel names this project uses; anything else is counted as "other".
INPUT_CHANNELS = ("line", "webchat", "socketio", "rest", "cmdline", "callback")
FITTED_CAP = 20  # "20 or more": the exact size of a long list says nothing useful
_TOPIC_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


def hour_of_week(at: datetime) -> int:
    """Monday 0時 = 0 ... Sunday 23時 = 167, in Asia/Tokyo."""
    local = to_tokyo(at)
    return local.weekday() * 24 + local.hour


def _coded(value: Any, allowed: Iterable[str]) -> str:
    if value in (None, ""):
        return ""
    return value if value in tuple(allowed) else "other"


def _increment(session: Session, model, key: dict) -> None:
    """Add one to the bucket `key`, creating it; one statement on SQLite/PostgreSQL."""
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        stmt = (
            insert(model)
            .values(**key, count=1)
            .on_conflict_do_update(index_elements=list(key), set_={"count": model.count + 1})
        )
        session.execute(stmt)
        return
    updated = session.execute(
        update(model).where(*(getattr(model, k) == v for k, v in key.items())).values(count=model.count + 1)
    ).rowcount
    if not updated:
        session.add(model(**key, count=1))
        session.flush()


def record_event(
    session: Session,
    kind: str,
    at: datetime,
    input_channel: str | None,
    *,
    route: str | None = None,
    channel_answer: str | None = None,
    time_answer: str | None = None,
    fitted: int = 0,
    none_open: bool = False,
    topic: str | None = None,
    shown: Iterable[str] = (),
) -> None:
    """Count one event in its hour-of-week bucket (and each shown service in its day bucket).

    kind: search / listening / faq / gentle_check. For a search: the route (a
    directory category), the channel and time answers of the form, how many
    services fitted, whether some fitted the need but none was open at the
    time asked, and the keys of the services shown. For an FAQ: the topic
    (intent name).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown insight event kind {kind!r}")
    local = to_tokyo(at)
    channel = _coded(normalise_channel(input_channel), INPUT_CHANNELS) or "unknown"
    route_code = _coded(route, CATEGORIES)
    topic_code = topic if topic and _TOPIC_RE.match(topic) else ("other" if topic else "")
    _increment(
        session,
        InsightEvent,
        {
            "event_date": local.date(),
            "hour_of_week": hour_of_week(local),
            "kind": kind,
            "input_channel": channel,
            "route": route_code,
            "channel_answer": _coded(channel_answer, CHANNEL_ANSWERS),
            "time_answer": _coded(time_answer, TIME_ANSWERS),
            "fitted": max(0, min(int(fitted or 0), FITTED_CAP)),
            "none_open": bool(none_open),
            "topic": topic_code,
        },
    )
    for key in dict.fromkeys(shown):  # each service once per event
        if isinstance(key, str) and _KEY_RE.match(key):
            _increment(
                session,
                InsightServiceShown,
                {
                    "event_date": local.date(),
                    "route": route_code or "other",
                    "input_channel": channel,
                    "service_key": key,
                },
            )
