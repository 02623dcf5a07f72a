"""Engine and sessions for the directory database, created lazily once per process.

Nothing connects at import time: the Rasa action server imports this module
long before the first lookup, and the CLI may point at another database.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool, StaticPool

from .config import ENV_NAMES, settings

ENV_DATABASE_URL = ENV_NAMES["database_url"]
REPO_ROOT = Path(__file__).resolve().parents[1]
_REPO_MIGRATIONS = REPO_ROOT / "migrations"
# Arbitrary constant for pg_advisory_lock, so two processes never migrate/seed at once.
_PG_LOCK_ID = 0x7453554E  # "tSUN"

_created_engines: list[Engine] = []  # lru_cache cannot be iterated; reset() disposes these


def database_url() -> str:
    """TSUNAGARI_DATABASE_URL, or the SQLite file var/directory.sqlite3 under the repo root."""
    url = settings().database_url
    if url:
        return url
    return f"sqlite:///{default_sqlite_path()}"


def default_sqlite_path() -> Path:
    """var/directory.sqlite3 under the repo root (or the working directory when installed)."""
    root = REPO_ROOT if (_REPO_MIGRATIONS / "env.py").exists() else Path.cwd()
    return root / "var" / "directory.sqlite3"


def _is_memory_sqlite(url: str) -> bool:
    u = make_url(url)
    return u.get_backend_name() == "sqlite" and u.database in (None, "", ":memory:")


def make_engine(url: str, **overrides) -> Engine:
    """A new engine with the right options for the backend (uncached; see get_engine)."""
    u = make_url(url)
    backend = u.get_backend_name()
    kwargs: dict = {"future": True}
    if backend == "postgresql":
        kwargs.update(pool_size=5, max_overflow=10, pool_pre_ping=True, pool_recycle=1800)
    elif backend == "sqlite":
        if _is_memory_sqlite(url):
            # One shared connection, otherwise every checkout sees an empty database.
            kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
        else:
            Path(u.database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
            # SQLAlchemy 1.4 opens and closes a file connection per session (NullPool);
            # keep a few open, as SQLAlchemy 2.0 does by default.
            kwargs.update(poolclass=QueuePool, pool_size=5, max_overflow=10, connect_args={"check_same_thread": False})
    kwargs.update(overrides)
    engine = create_engine(url, **kwargs)
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


@cache
def _engine_for(url: str) -> Engine:
    engine = make_engine(url)
    _created_engines.append(engine)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Foreign keys on; write-ahead log with fsync at checkpoints, not at every commit.

    Every search and every listening turn counts one row for the report while
    the resident waits: with SQLite's default rollback journal each commit
    waited for two fsyncs (about 3 ms here, make bench). In WAL mode with
    synchronous=NORMAL a commit survives a crash of the process; only a power
    cut can lose the last commits, and the database stays consistent. Staff
    reports also read while the assistant writes. (In-memory databases keep
    their own journal; the pragma is a no-op there.)
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for `url` (default: database_url())."""
    return _engine_for(url or database_url())


@cache
def _sessionmaker_for(url: str) -> sessionmaker:
    return sessionmaker(bind=_engine_for(url), future=True, expire_on_commit=False)


def get_sessionmaker(url: str | None = None) -> sessionmaker:
    return _sessionmaker_for(url or database_url())


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """One short transaction: commit on success, roll back on any error."""
    factory = get_sessionmaker(url)
    with factory.begin() as session:
        yield session


def reset() -> None:
    """Dispose cached engines (tests, or after changing TSUNAGARI_DATABASE_URL)."""
    while _created_engines:
        _created_engines.pop().dispose()
    _engine_for.cache_clear()
    _sessionmaker_for.cache_clear()
    for hook in _reset_hooks:
        hook()


_reset_hooks: list = []  # e.g. tsunagari.directory.bootstrap forgets which engines it prepared


def migrations_path() -> Path:
    """The Alembic script folder: the repo checkout, else the copy installed as data files."""
    if (_REPO_MIGRATIONS / "env.py").exists():
        return _REPO_MIGRATIONS
    return Path(sys.prefix) / "share" / "tsunagari" / "migrations"


def alembic_config(engine: Engine | None = None):
    """Alembic Config built in code, so it works from any working directory."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_path()))
    if engine is not None:
        url = engine.url.render_as_string(hide_password=False)
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_schema(engine: Engine | None = None, revision: str = "head") -> None:
    """Run Alembic migrations up to `revision` on `engine` (default engine if None)."""
    from alembic import command

    engine = engine or get_engine()
    cfg = alembic_config(engine)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_ID})")
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def current_revision(engine: Engine | None = None) -> str | None:
    from alembic.runtime.migration import MigrationContext

    engine = engine or get_engine()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    cfg = alembic_config()
    return ScriptDirectory.from_config(cfg).get_current_head()


def advisory_lock(session: Session) -> None:
    """On PostgreSQL, hold a transaction lock so two processes never migrate or seed at once."""
    if session.bind.dialect.name == "postgresql":
        from sqlalchemy import text

        session.execute(text(f"SELECT pg_advisory_xact_lock({_PG_LOCK_ID})"))
