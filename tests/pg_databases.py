"""Throw-away PostgreSQL databases for tests (the machine's server itself is never stopped)."""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def _admin():
    return sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)


class PgDatabase:
    """A throw-away database on the machine's PostgreSQL (the server itself is never stopped)."""

    def __init__(self, prefix: str = "tsunagari_test_tracker_") -> None:
        self.name = f"{prefix}{uuid.uuid4().hex[:10]}"
        self.url = f"postgresql://postgres@127.0.0.1:5432/{self.name}"
        try:
            with _admin().connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{self.name}"'))
        except sa.exc.OperationalError as exc:
            pytest.fail(
                f"PostgreSQL is not reachable at 127.0.0.1:5432 ({exc.orig}); start it "
                "(pg_ctlcluster <version> main start) or run .ci/run"
            )

    def outage(self) -> None:
        """Refuse new connections to this database and cut the open ones."""
        with _admin().connect() as conn:
            conn.execute(sa.text(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false'))
            conn.execute(
                sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": self.name}
            )

    def back(self) -> None:
        with _admin().connect() as conn:
            conn.execute(sa.text(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true'))

    def drop(self) -> None:
        self.back()
        with _admin().connect() as conn:
            conn.execute(
                sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": self.name}
            )
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}"'))


def stored_user_texts(url: str) -> dict[str, list[str]]:
    """Per sender, the stored user texts in the order the tracker store reads them back.

    The order of tracker_store.PrivateSQLTrackerStore._read (row order); used by
    the cluster fault tests and by make loadtest's checker.
    """
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT sender_id, data FROM events WHERE type_name = 'user' ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    stored: dict[str, list[str]] = {}
    for sender, data in rows:
        stored.setdefault(sender, []).append(json.loads(data).get("text"))
    return stored


@pytest.fixture
def pg_database():
    db = PgDatabase()
    try:
        yield db
    finally:
        db.drop()
