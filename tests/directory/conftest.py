"""Fixtures: fresh in-memory SQLite per test, and an isolated schema on the local PostgreSQL."""

from __future__ import annotations

import os
import uuid
from datetime import datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

from tsunagari import db
from tsunagari.clock import TOKYO
from tsunagari.directory.bootstrap import ensure_directory

PG_URL = os.environ.get("TSUNAGARI_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


def tokyo(iso: str) -> datetime:
    return datetime.fromisoformat(iso).replace(tzinfo=TOKYO)


@pytest.fixture(autouse=True)
def _isolate_env(monkeypatch, tmp_path):
    """No test touches the real var/directory.sqlite3 or inherits a pinned clock."""
    monkeypatch.setenv(db.ENV_DATABASE_URL, f"sqlite:///{tmp_path / 'default.sqlite3'}")
    monkeypatch.delenv("TSUNAGARI_NOW", raising=False)
    db.reset()
    yield
    db.reset()


@pytest.fixture
def sqlite_engine():
    engine = db.make_engine("sqlite://")
    yield engine
    engine.dispose()


@pytest.fixture
def pg_engine():
    """A throwaway schema on the local PostgreSQL; unreachable PostgreSQL fails the test."""
    schema = f"tsunagari_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, future=True)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # any driver error: the test fails with the reason
        admin.dispose()
        from sqlalchemy.engine import make_url

        shown = make_url(PG_URL).render_as_string(hide_password=True)
        pytest.fail(
            f"PostgreSQL is required for these tests but is unreachable at {shown} "
            f"(set TSUNAGARI_TEST_POSTGRES_URL): {exc.__class__.__name__}: {exc}",
            pytrace=False,
        )
    engine = db.make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_engine(request):
    """The same repository test on SQLite and on PostgreSQL."""
    return request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory):
    """Migrate and seed once per run; tests get a private in-memory copy."""
    path = tmp_path_factory.mktemp("template") / "seeded.sqlite3"
    engine = db.make_engine(f"sqlite:///{path}")
    ensure_directory(engine)
    engine.dispose()
    return path


@pytest.fixture
def seeded_engine(sqlite_engine, seeded_template):
    import sqlite3

    source = sqlite3.connect(seeded_template)
    raw = sqlite_engine.raw_connection()
    try:
        source.backup(raw.driver_connection)
    finally:
        raw.close()
        source.close()
    return sqlite_engine


@pytest.fixture
def session(seeded_engine):
    factory = sessionmaker(bind=seeded_engine, future=True, expire_on_commit=False)
    with factory.begin() as s:
        yield s
