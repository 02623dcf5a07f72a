"""An existing directory upgrades in place: rows written at revision 0001 survive 0002."""

from datetime import date

from sqlalchemy import inspect, text

from tsunagari import db
from tsunagari.directory.bootstrap import ensure_directory


def _fill_at_revision_1(engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO organisations (id, key, name, kind, description, source, verified_on, "
                "verified_precision, confidence, hidden, public, created_at, updated_at) VALUES "
                "(1, 'old-org', '旧団体', 'NPO', '', 'old source', :d, 'day', 'verified', false, true, :ts, :ts)"
            ),
            {"d": date(2026, 1, 1), "ts": "2026-01-01 00:00:00+00:00"},
        )
        conn.execute(
            text(
                "INSERT INTO services (id, key, organisation_id, name, category, description, eligibility, "
                "languages, priority, emergency, hours_type, holiday_rule, hours_source, hours_precision, "
                "hours_confidence, source, verified_on, verified_precision, confidence, hidden, public, "
                "created_at, updated_at) VALUES (1, 'old-service', 1, '旧窓口', 'counseling', '説明', 'anyone', "
                "'ja', 0, false, 'weekly', 'as_usual', '', 'day', 'verified', 'src', :d, 'day', 'verified', "
                "false, true, :ts, :ts)"
            ),
            {"d": date(2026, 1, 1), "ts": "2026-01-01 00:00:00+00:00"},
        )
        conn.execute(text("INSERT INTO service_categories (service_id, category) VALUES (1, 'counseling')"))
        conn.execute(text("INSERT INTO service_channels (service_id, channel) VALUES (1, 'phone')"))
        conn.execute(
            text(
                "INSERT INTO opening_hours (service_id, day_kind, day, opens_min, closes_min) "
                "VALUES (1, 'weekday', 0, 1020, 1770)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO contacts (service_id, position, kind, value, source, verified_precision, confidence) "
                "VALUES (1, 0, 'phone', '03-1234-5678', 'src', 'day', 'verified')"
            )
        )
        conn.execute(
            text("INSERT INTO crisis_events (event_date, hour, channel, count) VALUES (:d, 23, 'line', 4)"),
            {"d": date(2026, 1, 1)},
        )


def _check_upgrade(engine) -> None:
    db.upgrade_schema(engine, "0001")
    assert db.current_revision(engine) == "0001"
    assert "ix_opening_hours_service_id" not in {i["name"] for i in inspect(engine).get_indexes("opening_hours")}
    _fill_at_revision_1(engine)

    db.upgrade_schema(engine)  # to head
    assert db.current_revision(engine) == db.head_revision() == "0003"
    inspector = inspect(engine)
    assert "ix_opening_hours_service_id" in {i["name"] for i in inspector.get_indexes("opening_hours")}
    assert "ix_services_public_category" in {i["name"] for i in inspector.get_indexes("services")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM services WHERE key = 'old-service'")).scalar() == "旧窓口"
        assert conn.execute(text("SELECT closes_min FROM opening_hours")).scalar() == 1770
        assert conn.execute(text("SELECT value FROM contacts")).scalar() == "03-1234-5678"
        assert conn.execute(text("SELECT count FROM crisis_events")).scalar() == 4

    # ensure_directory keeps staff data: the directory is not empty, so no seed on top.
    assert ensure_directory(engine) is False
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM services")).scalar() == 1


def test_upgrade_keeps_data_sqlite_file(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    try:
        _check_upgrade(engine)
    finally:
        engine.dispose()


def test_upgrade_keeps_data_postgresql(pg_engine):
    _check_upgrade(pg_engine)


def test_downgrade_and_upgrade_again(tmp_path):
    from alembic import command

    engine = db.make_engine(f"sqlite:///{tmp_path / 'down.sqlite3'}")
    ensure_directory(engine)
    with engine.begin() as conn:
        cfg = db.alembic_config(engine)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    assert db.current_revision(engine) == "0001"
    db.upgrade_schema(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM services")).scalar() == 43
    engine.dispose()


def test_0003_adds_the_insight_tables_and_keeps_crisis_counts(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'insight.sqlite3'}")
    try:
        db.upgrade_schema(engine, "0002")
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO crisis_events (event_date, hour, channel, count) VALUES (:d, 2, 'line', 3)"),
                {"d": date(2026, 11, 1)},
            )
        assert "insight_events" not in inspect(engine).get_table_names()
        db.upgrade_schema(engine)
        tables = set(inspect(engine).get_table_names())
        assert {"insight_events", "insight_services_shown"} <= tables
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count FROM crisis_events")).scalar() == 3
    finally:
        engine.dispose()
