"""The service on PostgreSQL: a restart keeps the conversation in crisis mode, and a
database outage gives a normal reply (never HTTP 500) and loses no message."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from service_stack import ServiceStack, is_crisis_reply

from tests.pg_databases import PgDatabase

pytestmark = pytest.mark.e2e

PHONE = "080-9876-5432"


@pytest.fixture(scope="module")
def pg():
    db = PgDatabase()
    yield db
    db.drop()


@pytest.fixture(scope="module")
def service(pg):
    stack = ServiceStack(pg.url)
    try:
        stack.start()
    except FileNotFoundError as exc:
        stack.stop()
        pytest.fail(str(exc))
    except BaseException:
        stack.stop()
        raise
    yield stack
    stack.stop()


def user_rows(pg, sender):
    engine = sa.create_engine(pg.url, future=True)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT data FROM events WHERE sender_id = :s AND type_name = 'user' ORDER BY id"), {"s": sender}
        ).all()
    engine.dispose()
    return [json.loads(r.data) for r in rows]


def test_restart_keeps_the_conversation_in_crisis_mode(service, pg):
    sender = "pg-resident"
    status, replies = service.say(sender, f"もう消えたい。携帯は{PHONE}です")
    assert status == 200 and any(is_crisis_reply(r) for r in replies)
    stored = user_rows(pg, sender)
    assert len(stored) == 1 and PHONE not in json.dumps(stored, ensure_ascii=False)

    service.stop_rasa()
    service.start()
    assert service.tracker(sender)["slots"]["crisis"] is True
    status, replies = service.say(sender, "ずっとひとりで誰もわかってくれない")
    assert status == 200 and replies and all(is_crisis_reply(r) for r in replies)


def test_database_outage_gives_a_normal_reply_and_loses_nothing(service, pg):
    sender = "pg-outage"
    assert service.say(sender, "こんにちは")[0] == 200
    pg.outage()
    try:
        status, replies = service.say(sender, "最近ずっとひとりで寂しい")
        assert status == 200 and replies  # the dialogue goes on from memory
        status, replies = service.say("pg-crisis-during-outage", "もう消えたい")
        assert status == 200 and any(is_crisis_reply(r) for r in replies)
        assert "Conversation store unavailable" in service.log()
    finally:
        pg.back()
    status, replies = service.say(sender, "ありがとう")
    assert status == 200 and replies
    texts = [u["text"] for u in user_rows(pg, sender)]
    assert texts == ["こんにちは", "最近ずっとひとりで寂しい", "ありがとう"]
    assert [u["text"] for u in user_rows(pg, "pg-crisis-during-outage")] == ["もう消えたい"]
    assert "Conversation store answers again" in service.log()


def test_no_connection_beyond_loopback(service):
    service.hold_connection()
    bad, local = service.outbound()
    assert any("rasa_server.py" in c for c in service.watched_commands()), "audit hook not loaded in the server"
    assert local > 0, "the network watchers saw no loopback traffic either: they are not working"
    assert bad == [], bad
