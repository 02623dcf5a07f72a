"""The cluster's lock store: unique tickets across instances, and a Redis outage ridden out."""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid

import pytest
import redis

from lock_store import AtomicRedisLockStore
from tests.own_redis import OwnRedis
from tests.redis_keys import client


@pytest.fixture
def prefix():
    name = "locktest" + uuid.uuid4().hex[:10]
    yield name
    conn = client()
    keys = list(conn.scan_iter(match=f"{name}:*"))
    if keys:
        conn.delete(*keys)


def test_tickets_issued_at_once_by_two_instances_are_unique(prefix):
    # Two store objects in two threads = two Rasa instances racing on one conversation.
    stores = [AtomicRedisLockStore(host="127.0.0.1", port=6379, db=0, key_prefix=prefix) for _ in range(2)]
    tickets: list[int] = []
    start = threading.Barrier(2)

    def issue(store):
        start.wait()
        for _ in range(150):
            tickets.append(store.issue_ticket("conversation-1", 30))

    threads = [threading.Thread(target=issue, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(tickets) == 300 and len(set(tickets)) == 300
    assert len(stores[0].get_lock("conversation-1").tickets) == 300


async def test_lock_is_released_and_deleted(prefix):
    store = AtomicRedisLockStore(host="127.0.0.1", port=6379, db=0, key_prefix=prefix)
    async with store.lock("c", lock_lifetime=10):
        assert client().exists(f"{prefix}:lock:c")
    assert not client().exists(f"{prefix}:lock:c")


async def test_redis_outage_locks_locally_and_recovers(caplog, monkeypatch):
    own = OwnRedis().start()
    try:
        monkeypatch.setenv("TSUNAGARI_REDIS_URL", own.url)
        from rasa.utils.endpoints import EndpointConfig

        store = AtomicRedisLockStore(endpoint_config=EndpointConfig(type="lock_store.AtomicRedisLockStore"))
        shared = redis.Redis.from_url(own.url)
        async with store.lock("c1", lock_lifetime=10):
            assert shared.keys("*lock:c1")  # in Redis while it is up
        caplog.set_level(logging.INFO, logger="lock_store.atomic_redis")
        own.kill()
        for _ in range(3):  # turns go on during the outage, one log line for all of them
            async with store.lock("c1", lock_lifetime=10):
                await asyncio.sleep(0)
        down = [r for r in caplog.records if "Redis unreachable" in r.getMessage()]
        assert len(down) == 1 and down[0].levelno == logging.ERROR
        own.start()
        async with store.lock("c1", lock_lifetime=10):
            assert redis.Redis.from_url(own.url).keys("*lock:c1")
        assert any("answers again" in r.getMessage() for r in caplog.records)
    finally:
        own.stop()


async def test_a_turn_waiting_behind_a_killed_instance_is_served_after_the_lifetime(prefix):
    # The killed instance took a ticket and never released it. With Rasa's own loop the
    # waiting ticket can expire in the same poll and is then never served.
    killed = AtomicRedisLockStore(host="127.0.0.1", port=6379, db=0, key_prefix=prefix)
    survivor = AtomicRedisLockStore(host="127.0.0.1", port=6379, db=0, key_prefix=prefix)
    killed.issue_ticket("orphan", 2)

    async def take() -> None:
        async with survivor.lock("orphan", lock_lifetime=2, wait_time_in_seconds=0.1):
            pass

    await asyncio.wait_for(take(), timeout=8)
    assert not client().exists(f"{prefix}:lock:orphan")


async def test_a_turn_behind_an_instance_without_heartbeat_takes_over_before_the_lifetime(prefix):
    # The killed instance holds the lock with Rasa's 60 s lifetime; its heartbeat stops.
    killed = AtomicRedisLockStore(host="127.0.0.1", port=6379, db=0, key_prefix=prefix, heartbeat_ttl=0.5)
    survivor = AtomicRedisLockStore(host="127.0.0.1", port=6379, db=0, key_prefix=prefix)
    held = killed.issue_ticket("orphan", 60)
    killed.stop_heartbeat()
    served: list[int] = []

    async def take() -> None:
        async with survivor.lock("orphan", lock_lifetime=60, wait_time_in_seconds=0.1) as lock:
            served.append(lock.now_serving)

    await asyncio.wait_for(take(), timeout=10)  # far below the 60 s lifetime
    assert served and served[0] != held
    assert not client().exists(f"{prefix}:lock:orphan")
    assert not client().exists(f"{prefix}:lock_owner:orphan")


async def test_a_live_instance_keeps_its_lock(prefix):
    # Same short heartbeat TTL, but the holder is alive: the waiter must not jump the queue.
    holder = AtomicRedisLockStore(host="127.0.0.1", port=6379, db=0, key_prefix=prefix, heartbeat_ttl=0.5)
    waiter = AtomicRedisLockStore(host="127.0.0.1", port=6379, db=0, key_prefix=prefix)
    order: list[str] = []

    async def hold() -> None:
        async with holder.lock("busy", lock_lifetime=60, wait_time_in_seconds=0.05):
            order.append("holder in")
            await asyncio.sleep(2.5)  # five heartbeat TTLs
            order.append("holder out")

    async def wait() -> None:
        await asyncio.sleep(0.2)
        async with waiter.lock("busy", lock_lifetime=60, wait_time_in_seconds=0.1):
            order.append("waiter in")

    await asyncio.wait_for(asyncio.gather(hold(), wait()), timeout=15)
    assert order == ["holder in", "holder out", "waiter in"]
    holder.stop_heartbeat()
    waiter.stop_heartbeat()
