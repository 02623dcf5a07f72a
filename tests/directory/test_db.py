import subprocess
import sys
from pathlib import Path

from tsunagari import db

REPO = Path(__file__).resolve().parents[2]


def test_default_url_is_var_sqlite_under_repo(monkeypatch):
    monkeypatch.delenv(db.ENV_DATABASE_URL, raising=False)
    assert db.database_url() == f"sqlite:///{REPO / 'var' / 'directory.sqlite3'}"


def test_env_url_wins(monkeypatch):
    monkeypatch.setenv(db.ENV_DATABASE_URL, "postgresql+psycopg2://u:p@h/x")
    assert db.database_url() == "postgresql+psycopg2://u:p@h/x"


def test_engine_is_created_once_and_lazily(monkeypatch, tmp_path):
    target = tmp_path / "sub" / "lazy.sqlite3"
    monkeypatch.setenv(db.ENV_DATABASE_URL, f"sqlite:///{target}")
    assert db.get_engine() is db.get_engine()
    assert db.get_sessionmaker() is db.get_sessionmaker()
    assert target.parent.is_dir()  # folder created with the engine
    assert not target.exists()  # but nothing connected yet


def test_pool_options_only_for_postgresql():
    pg = db.make_engine("postgresql+psycopg2://u:p@127.0.0.1:1/x")
    assert pg.pool.size() == 5 and pg.pool._pre_ping
    lite = db.make_engine("sqlite://")
    assert lite.pool.__class__.__name__ == "StaticPool"
    pg.dispose()
    lite.dispose()


def test_session_scope_commits_and_rolls_back(monkeypatch, tmp_path):
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'scope.sqlite3'}"
    with db.session_scope(url) as s:
        s.execute(text("CREATE TABLE t (x INTEGER)"))
        s.execute(text("INSERT INTO t VALUES (1)"))
    try:
        with db.session_scope(url) as s:
            s.execute(text("INSERT INTO t VALUES (2)"))
            raise RuntimeError
    except RuntimeError:
        pass
    with db.session_scope(url) as s:
        assert s.execute(text("SELECT count(*) FROM t")).scalar() == 1


def test_nothing_happens_at_import_time(tmp_path):
    target = tmp_path / "never.sqlite3"
    code = (
        "import tsunagari.db, tsunagari.directory.lookup, tsunagari.directory.importer, tsunagari.cli; "
        "import tsunagari.db as d; assert not d._created_engines"
    )
    env = {"TSUNAGARI_DATABASE_URL": f"sqlite:///{target}", "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, check=True)
    assert not target.exists() and not target.parent.joinpath("never.sqlite3").exists()


def test_file_sqlite_commits_to_a_write_ahead_log_without_fsync_per_commit(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'wal.sqlite3'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_a_committed_row_is_seen_by_another_engine_on_the_same_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    writer, reader = db.make_engine(url), db.make_engine(url)
    with writer.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        connection.exec_driver_sql("INSERT INTO t VALUES (1)")
    with reader.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1
    writer.dispose()
    reader.dispose()
