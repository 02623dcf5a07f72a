"""The redacting SQL tracker store with real Rasa events (no server)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from tracker_store import PrivateSQLTrackerStore
from tsunagari.privacy.redact import NOT_STORED

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.load(str(ROOT / "domain.yml"))
PHONE = "090-1234-5678"
SENDER = "conversation-1"


def turn(tracker: DialogueStateTracker, text: str, intent: str = "greet", crisis: bool = False) -> None:
    tracker.update(
        UserUttered(
            text,
            {"name": intent, "confidence": 1.0},
            parse_data={"intent": {"name": intent, "confidence": 1.0}, "entities": [], "text": text},
            input_channel="rest",
        )
    )
    if crisis:
        tracker.update(SlotSet("crisis", True))
    tracker.update(ActionExecuted("utter_greet"))
    tracker.update(BotUttered("命の危険があるときは、すぐに119（救急）に電話してください。"))
    tracker.update(ActionExecuted("action_listen"))


def new_tracker(store) -> DialogueStateTracker:
    tracker = store.init_tracker(SENDER)
    # As in Rasa's processor: the action's SessionStarted is created first and
    # logged after ActionExecuted, so the latter has the later timestamp.
    started = SessionStarted()
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(started)
    tracker.update(ActionExecuted("action_listen"))
    return tracker


def stored_rows(url: str):
    engine = sa.create_engine(url, future=True)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT sender_id, type_name, data FROM events ORDER BY id")).all()
    engine.dispose()
    return rows


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'tracker.sqlite3'}"


def make_store(url, **kwargs):
    return PrivateSQLTrackerStore(domain=DOMAIN, host=url, start_retention=False, **kwargs)


async def test_text_is_redacted_in_the_database_and_slots_survive(sqlite_url, monkeypatch):
    monkeypatch.delenv("TSUNAGARI_TRACKER_URL", raising=False)
    store = make_store(sqlite_url)
    tracker = new_tracker(store)
    turn(tracker, f"もう消えたい。電話は{PHONE}、田中と申します", intent="crisis", crisis=True)
    await store.save(tracker)
    # Rasa's in-memory tracker still holds the full text (NLU and actions saw it).
    assert PHONE in tracker.latest_message.text

    rows = stored_rows(sqlite_url)
    assert rows and all(PHONE not in r.data and "田中" not in r.data for r in rows)
    user = [json.loads(r.data) for r in rows if r.type_name == "user"][0]
    assert user["text"] == user["parse_data"]["text"] == "もう消えたい。電話は[電話番号]、[名前]と申します"
    assert user["parse_data"]["intent"]["name"] == "crisis"
    bot = [json.loads(r.data) for r in rows if r.type_name == "bot"][0]
    assert "119" in bot["text"]

    restarted = make_store(sqlite_url)  # a new process would do exactly this
    again = await restarted.retrieve(SENDER)
    assert again.get_slot("crisis") is True
    assert [e.as_dict()["event"] for e in again.events] == [e.as_dict()["event"] for e in tracker.events]


async def test_store_text_none_keeps_no_text(sqlite_url):
    store = make_store(sqlite_url, store_text="none")
    tracker = new_tracker(store)
    turn(tracker, "ひとりで寂しい")
    await store.save(tracker)
    user = [json.loads(r.data) for r in stored_rows(sqlite_url) if r.type_name == "user"][0]
    assert user["text"] == user["parse_data"]["text"] == NOT_STORED
    assert user["parse_data"]["intent"]["name"] == "greet"


def test_wrong_store_text_setting_is_a_clear_error(sqlite_url, monkeypatch):
    monkeypatch.setenv("TSUNAGARI_STORE_TEXT", "all")
    with pytest.raises(ValueError, match="redacted, none"):
        make_store(sqlite_url)


async def test_second_save_writes_only_new_events(sqlite_url):
    store = make_store(sqlite_url)
    tracker = new_tracker(store)
    turn(tracker, "こんにちは")
    await store.save(tracker)
    await store.save(tracker)
    turn(tracker, "ありがとう")
    await store.save(tracker)
    assert len(stored_rows(sqlite_url)) == len(tracker.events)


async def test_database_outage_keeps_the_conversation_and_loses_nothing(pg_database, caplog):
    store = make_store(pg_database.url)
    tracker = new_tracker(store)
    turn(tracker, "消えたい", intent="crisis", crisis=True)
    await store.save(tracker)

    pg_database.outage()
    caplog.set_level(logging.INFO)
    during = await store.retrieve(SENDER)  # served from memory
    assert during is not None and during.get_slot("crisis") is True
    turn(during, f"電話は{PHONE}です")
    await store.save(during)  # must not raise
    assert "Conversation store unavailable" in caplog.text
    assert PHONE not in caplog.text and SENDER not in caplog.text

    stranger = await store.retrieve("someone-new")
    assert stranger is None  # unknown during the outage: Rasa starts a fresh tracker
    fresh = new_tracker(store)
    fresh.sender_id = "someone-new"
    turn(fresh, "はじめまして")
    fresh_tracker = DialogueStateTracker.from_events("someone-new", fresh.events, DOMAIN.slots)
    await store.save(fresh_tracker)

    pg_database.back()
    after = await store.retrieve(SENDER)
    await store.save(after)  # any successful operation writes what waited in memory
    rows = stored_rows(pg_database.url)
    mine = [r for r in rows if r.sender_id == SENDER]
    assert len(mine) == len(during.events)
    assert any("[電話番号]" in r.data for r in mine) and not any(PHONE in r.data for r in rows)
    assert len([r for r in rows if r.sender_id == "someone-new"]) == len(fresh_tracker.events)
    restarted = make_store(pg_database.url)
    assert (await restarted.retrieve(SENDER)).get_slot("crisis") is True
    assert "Conversation store answers again" in caplog.text


async def test_start_up_while_the_database_is_down_does_not_block(caplog):
    caplog.set_level(logging.ERROR)
    store = make_store("postgresql://postgres@127.0.0.1:1/nothing")
    tracker = new_tracker(store)
    turn(tracker, "こんにちは")
    await store.save(tracker)
    assert (await store.retrieve(SENDER)) is not None
    assert "Conversation store unavailable" in caplog.text


async def test_in_service_retention_deletes_only_old_conversations(sqlite_url, monkeypatch):
    store = make_store(sqlite_url)
    old = new_tracker(store)
    turn(old, "むかしの会話")
    await store.save(old)
    monkeypatch.setenv("TSUNAGARI_RETENTION_DAYS", "30")
    monkeypatch.setenv("TSUNAGARI_NOW", "2099-01-01T00:00")
    assert store.run_retention_once() == 1
    assert stored_rows(sqlite_url) == []
    monkeypatch.setenv("TSUNAGARI_RETENTION_DAYS", "zero")
    assert store.run_retention_once() is None  # logged, never raised


async def test_a_crashing_redaction_pattern_never_breaks_the_turn(sqlite_url, monkeypatch, caplog):
    from tsunagari.privacy import events as privacy_events

    def broken(_text, keep=()):
        raise RecursionError("pattern blew up")

    monkeypatch.setattr(privacy_events, "redact", broken)
    store = make_store(sqlite_url)
    tracker = new_tracker(store)
    turn(tracker, f"電話は{PHONE}です", intent="request_human")
    await store.save(tracker)  # must not raise
    user = [json.loads(r.data) for r in stored_rows(sqlite_url) if r.type_name == "user"][0]
    assert user["text"] == user["parse_data"]["text"] == NOT_STORED
    assert user["parse_data"]["intent"]["name"] == "request_human"
    assert "Redaction failed (RecursionError)" in caplog.text and PHONE not in caplog.text
    assert (await make_store(sqlite_url).retrieve(SENDER)) is not None


def test_postgres_pool_is_sized_from_the_settings(pg_database, monkeypatch):
    # Several instances x (size + overflow) must fit PostgreSQL's max_connections (make cluster checks).
    monkeypatch.setenv("TSUNAGARI_TRACKER_POOL_SIZE", "2")
    monkeypatch.setenv("TSUNAGARI_TRACKER_MAX_OVERFLOW", "1")
    store = make_store(pg_database.url)
    assert store.engine.pool.size() == 2 and store.engine.pool._max_overflow == 1
    store.engine.dispose()


# -- several instances: waiting conversations shared in Redis ------------------------


@pytest.fixture
def own_redis():
    from tests.own_redis import OwnRedis

    redis = OwnRedis().start()
    yield redis
    redis.stop()


def user_texts(url: str, sender: str) -> list[str]:
    return [json.loads(r.data).get("text") for r in stored_rows(url) if r.sender_id == sender and r.type_name == "user"]


def instances(url, redis_url, monkeypatch, count=2):
    monkeypatch.setenv("TSUNAGARI_REDIS_URL", redis_url)
    return [make_store(url, start_write_back=False) for _ in range(count)]


async def test_during_an_outage_the_other_instance_continues_the_conversation_in_order(
    pg_database, own_redis, monkeypatch, caplog
):
    caplog.set_level(logging.INFO)
    a, b = instances(pg_database.url, own_redis.url, monkeypatch)
    tracker = new_tracker(a)
    turn(tracker, "こんにちは")
    await a.save(tracker)

    pg_database.outage()
    on_a = await a.retrieve(SENDER)
    turn(on_a, "ひとつめ", crisis=True)
    await a.save(on_a)
    on_b = await b.retrieve(SENDER)  # round-robin: the next turn lands on the other instance
    assert len(on_b.events) == len(on_a.events) and on_b.get_slot("crisis") is True
    turn(on_b, f"ふたつめ {PHONE}")
    await b.save(on_b)
    on_a = await a.retrieve(SENDER)
    assert len(on_a.events) == len(on_b.events)
    turn(on_a, "みっつめ")
    await a.save(on_a)

    pg_database.back()
    again = await b.retrieve(SENDER)  # the first read after the outage writes what waited
    assert len(again.events) == len(on_a.events)
    turn(again, "よっつめ")
    await b.save(again)
    await a.save(on_a)  # a late write-back of an older version adds nothing
    assert user_texts(pg_database.url, SENDER) == [
        "こんにちは",
        "ひとつめ",
        "ふたつめ [電話番号]",
        "みっつめ",
        "よっつめ",
    ]
    assert not any(PHONE in r.data for r in stored_rows(pg_database.url))
    assert own_redis_keys(own_redis) == []
    assert PHONE not in caplog.text and SENDER not in caplog.text


async def test_turns_of_an_instance_killed_during_an_outage_are_written_by_a_survivor(
    pg_database, own_redis, monkeypatch
):
    a, b = instances(pg_database.url, own_redis.url, monkeypatch)
    pg_database.outage()
    assert await a.retrieve(SENDER) is None  # a new conversation, started during the outage
    tracker = new_tracker(a)
    turn(tracker, "はじめまして")
    await a.save(tracker)
    turn(tracker, "ねむれない")
    await a.save(tracker)
    del a  # SIGKILL: its memory is gone

    assert b.write_back_shared_once() == 0  # still down: nothing written, nothing lost
    pg_database.back()
    assert b.write_back_shared_once() == 1
    assert b.write_back_shared_once() == 0
    assert user_texts(pg_database.url, SENDER) == ["はじめまして", "ねむれない"]
    assert own_redis_keys(own_redis) == []


async def test_two_instances_writing_back_the_same_conversation_store_it_once(pg_database, own_redis, monkeypatch):
    a, b = instances(pg_database.url, own_redis.url, monkeypatch)
    pg_database.outage()
    await a.retrieve(SENDER)
    tracker = new_tracker(a)
    turn(tracker, "いちど")
    await a.save(tracker)
    pg_database.back()
    for store in (a, b):
        store.engine.dispose()  # their pooled connections were cut by the outage (each fails once)
    entry = b._shared.get(SENDER)
    b._write_back(entry)
    a._write_back(entry)  # raced: the second finds everything stored
    await a.save(tracker)  # and the instance's own waiting copy adds nothing either
    assert user_texts(pg_database.url, SENDER) == ["いちど"]
    assert len([r for r in stored_rows(pg_database.url) if r.sender_id == SENDER]) == len(tracker.events)


async def test_redis_down_during_a_database_outage_falls_back_to_memory(pg_database, own_redis, monkeypatch, caplog):
    a, _b = instances(pg_database.url, own_redis.url, monkeypatch)
    tracker = new_tracker(a)
    turn(tracker, "こんにちは")
    await a.save(tracker)
    own_redis.kill()
    pg_database.outage()
    during = await a.retrieve(SENDER)
    turn(during, "つづき")
    await a.save(during)  # must not raise
    assert "Redis unreachable" in caplog.text
    pg_database.back()
    await a.save(await a.retrieve(SENDER))
    assert user_texts(pg_database.url, SENDER) == ["こんにちは", "つづき"]


def own_redis_keys(own_redis) -> list:
    import redis

    client = redis.Redis.from_url(own_redis.url)
    try:
        return list(client.scan_iter(match="*pending:*"))
    finally:
        client.close()


async def test_an_old_waiting_copy_never_hides_turns_taken_on_the_other_instance(pg_database, own_redis, monkeypatch):
    a, b = instances(pg_database.url, own_redis.url, monkeypatch)
    tracker = new_tracker(a)
    turn(tracker, "まえ")
    await a.save(tracker)
    pg_database.outage()
    on_a = await a.retrieve(SENDER)
    turn(on_a, "停止中")
    await a.save(on_a)  # waits in a's memory and in Redis
    pg_database.back()
    b.engine.dispose()
    on_b = await b.retrieve(SENDER)  # b writes the waiting turns and continues
    turn(on_b, "復旧後")
    await b.save(on_b)
    a.engine.dispose()
    again = await a.retrieve(SENDER)  # a's own copy is older than the database now
    assert len(again.events) == len(on_b.events)
    turn(again, "つぎ")
    await a.save(again)
    assert user_texts(pg_database.url, SENDER) == ["まえ", "停止中", "復旧後", "つぎ"]


async def test_a_turn_on_an_instance_that_never_saw_the_conversation_during_an_outage_is_kept(
    pg_database, own_redis, monkeypatch
):
    # The load test's lost turns: the first turn was stored by one instance
    # just before the outage, the second landed on the other, which could not
    # read the database and had no copy of its own.
    a, b = instances(pg_database.url, own_redis.url, monkeypatch)
    tracker = new_tracker(b)
    turn(tracker, "ひとつめ")
    await b.save(tracker)

    pg_database.outage()
    assert await a.retrieve(SENDER) is None
    on_a = new_tracker(a)  # Rasa starts a tracker for an unknown conversation
    turn(on_a, "ふたつめ")
    await a.save(on_a)

    pg_database.back()
    again = await b.retrieve(SENDER)
    turn(again, "みっつめ")
    await b.save(again)
    assert user_texts(pg_database.url, SENDER) == ["ひとつめ", "ふたつめ", "みっつめ"]
    assert own_redis_keys(own_redis) == []


async def test_a_waiting_turn_the_other_instance_could_not_see_is_still_written(pg_database, own_redis, monkeypatch):
    # Redis did not take the waiting copy (a timeout, its backoff): the other
    # instance continued from the database without it. Written back later,
    # the turn is stored (after the newer one), never silently dropped.
    a, b = instances(pg_database.url, own_redis.url, monkeypatch)
    tracker = new_tracker(a)
    turn(tracker, "ひとつめ")
    await a.save(tracker)

    pg_database.outage()
    on_a = await a.retrieve(SENDER)  # from a's memory
    turn(on_a, "ふたつめ")
    monkeypatch.setattr(a._shared, "put", lambda *args, **kwargs: False)
    await a.save(on_a)

    pg_database.back()
    on_b = await b.retrieve(SENDER)
    turn(on_b, "みっつめ")
    await b.save(on_b)
    await a.retrieve("someone-else")  # a's first database answer writes what waited in its memory
    assert sorted(user_texts(pg_database.url, SENDER)) == sorted(["ひとつめ", "ふたつめ", "みっつめ"])
