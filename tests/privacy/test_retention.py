"""Retention of conversations in the tracker database (tsunagari.privacy.retention, `tsunagari retention`)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.pg_databases import PgDatabase
from tsunagari import cli
from tsunagari.clock import TOKYO
from tsunagari.privacy.retention import RETENTION_INDEX, delete_old_conversations

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=TOKYO)

# The table as Rasa 3.6's SQLTrackerStore creates it.
EVENTS_DDL = """CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL,
 type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"""


def _insert(engine, sender: str, days_ago: float, count: int = 3) -> None:
    ts = (NOW - timedelta(days=days_ago)).timestamp()
    with engine.begin() as conn:
        start = conn.execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM events")).scalar()
        for i in range(count):
            conn.execute(
                sa.text(
                    "INSERT INTO events (id, sender_id, type_name, timestamp, data) VALUES (:id, :s, 'user', :t, '{}')"
                ),
                {"id": start + i + 1, "s": sender, "t": ts + i},
            )


def _senders(engine):
    with engine.connect() as conn:
        return sorted(r[0] for r in conn.execute(sa.text("SELECT DISTINCT sender_id FROM events")))


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        eng = sa.create_engine(f"sqlite:///{tmp_path / 'tracker.sqlite3'}", future=True)
        with eng.begin() as conn:
            conn.execute(sa.text(EVENTS_DDL))
        yield eng
        eng.dispose()
        return
    db = PgDatabase()
    eng = sa.create_engine(db.url, future=True)
    with eng.begin() as conn:
        conn.execute(sa.text(EVENTS_DDL))
    try:
        yield eng
    finally:
        eng.dispose()
        db.drop()


def test_old_conversations_go_new_and_ongoing_ones_stay(engine):
    for n in range(5):
        _insert(engine, f"old-{n}", days_ago=40 + n)
    _insert(engine, "recent", days_ago=2)
    _insert(engine, "ongoing", days_ago=45)
    _insert(engine, "ongoing", days_ago=1, count=1)  # wrote again yesterday: kept whole

    result = delete_old_conversations(engine, days=30, now=NOW, batch_size=2)

    assert result.conversations == 5 and result.events == 15
    assert _senders(engine) == ["ongoing", "recent"]
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM events WHERE sender_id = 'ongoing'")).scalar() == 4
    assert RETENTION_INDEX in [ix["name"] for ix in sa.inspect(engine).get_indexes("events")]


def test_nothing_to_delete_and_missing_table(engine, tmp_path):
    _insert(engine, "recent", days_ago=1)
    assert delete_old_conversations(engine, days=30, now=NOW).conversations == 0
    empty = sa.create_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}", future=True)
    assert delete_old_conversations(empty, days=30, now=NOW).conversations == 0


def test_days_must_be_positive(engine):
    with pytest.raises(ValueError):
        delete_old_conversations(engine, days=0, now=NOW)


def test_cli_deletes_and_keeps_crisis_counts(tmp_path, monkeypatch, capsys):
    """The same SQLite file holds the directory (crisis_events) and the tracker: counts stay."""
    from tsunagari import db
    from tsunagari.directory.bootstrap import ensure_directory
    from tsunagari.directory.repository import crisis_event_counts, record_crisis_event

    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    monkeypatch.setenv("TSUNAGARI_DATABASE_URL", url)
    monkeypatch.setenv("TSUNAGARI_TRACKER_URL", url)
    monkeypatch.setenv("TSUNAGARI_NOW", NOW.isoformat())
    db.reset()
    engine = db.get_engine(url)
    ensure_directory(engine)
    with db.session_scope(url) as session:
        record_crisis_event(session, NOW - timedelta(days=60), "line")
    with engine.begin() as conn:
        conn.execute(sa.text(EVENTS_DDL))
    _insert(engine, "old", days_ago=60)
    _insert(engine, "new", days_ago=3)

    assert cli.main(["retention", "--days", "30"]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "会話 1件" in out and "危機対応の件数は残しています" in out
    assert _senders(engine) == ["new"]
    with db.session_scope(url) as session:
        assert sum(r.count for r in crisis_event_counts(session, (NOW - timedelta(days=90)).date())) == 1
    db.reset()


def test_cli_rejects_bad_days(monkeypatch, capsys):
    assert cli.main(["retention", "--days", "0"]) == cli.EXIT_ERROR
    monkeypatch.setenv("TSUNAGARI_RETENTION_DAYS", "a month")
    assert cli.main(["retention"]) == cli.EXIT_ERROR
    assert "TSUNAGARI_RETENTION_DAYS" in capsys.readouterr().err
