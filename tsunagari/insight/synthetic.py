"""A deterministic synthetic month of events, for tests, the benchmark and demos.

Written through `record_event`, the same path as the actions, with a seeded
random generator: the same arguments always give the same counts.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from ..clock import TOKYO
from ..directory.repository import record_crisis_event
from .events import record_event

ROUTES = ("counseling", "free_space", "career")
CHANNEL_ANSWERS = ("in_person", "phone", "chat", "online", "any")
TIME_ANSWERS = ("now", "weekday_day", "evening", "weekend", "any")
INPUTS = ("line", "line", "line", "socketio")


def fill_month(
    session: Session,
    month: date,
    searches: int,
    service_keys: list[str],
    seed: int = 12,
    listening: int = 0,
    faq: int = 0,
    gentle: int = 0,
    crisis: int = 0,
) -> None:
    rng = random.Random(seed)
    days = ((month.replace(day=28) + timedelta(days=4)).replace(day=1) - month).days

    def moment() -> datetime:
        # Evenings and nights weigh more, as in the pilot.
        hour = rng.choices(range(24), weights=[3, 3, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 4, 5, 6, 6, 5])[
            0
        ]
        return datetime(month.year, month.month, rng.randint(1, days), hour, rng.randint(0, 59), tzinfo=TOKYO)

    for _ in range(searches):
        at = moment()
        fitted = rng.choice((0, 1, 2, 3, 5, 8))
        none_open = fitted == 0 and rng.random() < 0.6
        shown = rng.sample(service_keys, k=min(len(service_keys), 3 if fitted else 1))
        record_event(
            session,
            "search",
            at,
            rng.choice(INPUTS),
            route=rng.choice(ROUTES),
            channel_answer=rng.choice(CHANNEL_ANSWERS),
            time_answer=rng.choice(TIME_ANSWERS),
            fitted=fitted,
            none_open=none_open,
            shown=shown,
        )
    for _ in range(listening):
        record_event(session, "listening", moment(), rng.choice(INPUTS))
    for _ in range(faq):
        record_event(
            session,
            "faq",
            moment(),
            rng.choice(INPUTS),
            topic=rng.choice(("faq_about", "faq_anonymous_free", "faq_data")),
        )
    for _ in range(gentle):
        record_event(session, "gentle_check", moment(), rng.choice(INPUTS))
    for _ in range(crisis):
        record_crisis_event(session, moment(), rng.choice(INPUTS))
