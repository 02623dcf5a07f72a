"""Fixtures: a seeded in-memory directory per test and a hand-written month of events."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.orm import sessionmaker

from tsunagari import db
from tsunagari.clock import TOKYO
from tsunagari.directory.bootstrap import ensure_directory


def tokyo(iso: str) -> datetime:
    return datetime.fromisoformat(iso).replace(tzinfo=TOKYO)


@pytest.fixture(autouse=True)
def _isolate_env(monkeypatch, tmp_path):
    monkeypatch.setenv(db.ENV_DATABASE_URL, f"sqlite:///{tmp_path / 'default.sqlite3'}")
    monkeypatch.delenv("TSUNAGARI_NOW", raising=False)
    db.reset()
    yield
    db.reset()


@pytest.fixture
def dburl(tmp_path):
    url = f"sqlite:///{tmp_path / 'directory.sqlite3'}"
    ensure_directory(db.make_engine(url))
    return url


@pytest.fixture
def session(dburl):
    engine = db.make_engine(dburl)
    with sessionmaker(bind=engine, future=True, expire_on_commit=False).begin() as s:
        yield s
    engine.dispose()


from tests.directory.conftest import pg_engine  # noqa: E402,F401 - the shared throwaway PostgreSQL schema


@pytest.fixture(params=["sqlite", "postgresql"])
def any_session(request, dburl):
    """The same report test on SQLite and on PostgreSQL (seeded, migrated to head)."""
    engine = db.make_engine(dburl) if request.param == "sqlite" else request.getfixturevalue("pg_engine")
    if request.param == "postgresql":
        ensure_directory(engine)
    with sessionmaker(bind=engine, future=True, expire_on_commit=False).begin() as s:
        yield s
    if request.param == "sqlite":
        engine.dispose()
