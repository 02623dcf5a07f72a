"""Repository behaviour on SQLite and on PostgreSQL (PostgreSQL must be reachable)."""

from datetime import date, datetime, timezone

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import sessionmaker

from tsunagari import db
from tsunagari.directory.bootstrap import ensure_directory
from tsunagari.directory.lookup import LookupRequest, find_services
from tsunagari.directory.models import Contact, CrisisEvent, Organisation, Service
from tsunagari.directory.repository import (
    crisis_event_counts,
    directory_revision,
    record_crisis_event,
    refresh_visibility,
)

from .conftest import tokyo


def sessions(engine):
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)


def test_ensure_directory_migrates_seeds_once(any_engine):
    assert ensure_directory(any_engine) is True
    assert ensure_directory(any_engine) is False  # memoised in-process
    db.reset()  # forgets the engines it prepared
    assert ensure_directory(any_engine) is False  # not empty any more: no second seed
    with sessions(any_engine).begin() as s:
        assert s.execute(select(func.count(Service.id))).scalar() == 43
        assert s.execute(select(func.count(Organisation.id))).scalar() == 25
        assert directory_revision(s) == 1
    assert db.current_revision(any_engine) == db.head_revision()


def test_hidden_until_staff_add_a_verified_contact(any_engine):
    ensure_directory(any_engine)
    factory = sessions(any_engine)
    with factory.begin() as s:
        sherpa = s.execute(select(Service).where(Service.key == "my-sherpa-online")).scalar_one()
        assert sherpa.public is False
        sherpa.contacts.append(
            Contact(
                kind="url",
                value="https://example.org/sherpa",
                source="staff",
                verified_on=date(2026, 11, 27),
                confidence="verified",
            )
        )
        refresh_visibility(s)
        assert sherpa.public is True
    with factory.begin() as s:
        result = find_services(
            s, LookupRequest(category="counseling", channel="online", limit=10, at=tokyo("2026-11-24T10:00"))
        )
        assert "my-sherpa-online" in [c.service_id for c in result.cards]


def test_lookup_same_answer_on_both_backends(any_engine):
    ensure_directory(any_engine)
    with sessions(any_engine).begin() as s:
        result = find_services(s, LookupRequest(category="counseling", when="now", at=tokyo("2026-11-29T23:30")))
    # Fully verified line first; あなたのいばしょ's only contact is a partly (dated) fact.
    assert [c.service_id for c in result.cards] == ["yorisoi-hotline", "anata-no-ibasho-chat"]


def test_crisis_events_are_aggregate_counts_only(any_engine):
    ensure_directory(any_engine)
    columns = {c["name"] for c in inspect(any_engine).get_columns("crisis_events")}
    assert columns == {"id", "event_date", "hour", "channel", "count"}
    factory = sessions(any_engine)
    with factory.begin() as s:
        record_crisis_event(s, tokyo("2026-11-29T23:10"), "line")
        record_crisis_event(s, tokyo("2026-11-29T23:50"), "line")
        record_crisis_event(s, tokyo("2026-11-29T23:59"), "socketio")
        # 15:30 UTC is 00:30 the next day in Tokyo.
        record_crisis_event(s, datetime(2026, 11, 29, 15, 30, tzinfo=timezone.utc), "LINE")
        record_crisis_event(s, tokyo("2026-10-01T10:00"), "weird channel/name!")
    with factory.begin() as s:
        rows = crisis_event_counts(s, date(2026, 11, 1))
        assert [(r.event_date, r.hour, r.channel, r.count) for r in rows] == [
            (date(2026, 11, 29), 23, "line", 2),
            (date(2026, 11, 29), 23, "socketio", 1),
            (date(2026, 11, 30), 0, "line", 1),
        ]
        older = crisis_event_counts(s, date(2026, 1, 1))
        assert older[0].channel == "weird_channel_name" and older[0].count == 1
        assert s.execute(select(func.sum(CrisisEvent.count))).scalar() == 5
