"""LINE events in flight: handed to exactly one other instance when their instance dies, never while it lives."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from redis_keys import REDIS_URL, RedisPrefix  # noqa: E402

from tsunagari.config import ENV_NAMES  # noqa: E402
from tsunagari.inflight import NoInflight, RedisInflight, inflight_store_from_settings  # noqa: E402

EVENT = {"type": "message", "webhookEventId": "E1", "source": {"type": "user", "userId": "U1"}}


@pytest.fixture
def redis_prefix():
    prefix = RedisPrefix()
    yield prefix
    prefix.cleanup()


def test_one_process_has_nothing_to_hand_over():
    assert isinstance(inflight_store_from_settings({}), NoInflight)
    store = inflight_store_from_settings({ENV_NAMES["redis_url"]: REDIS_URL, ENV_NAMES["redis_prefix"]: "p:"})
    assert isinstance(store, RedisInflight) and store.prefix == "p:"


async def test_events_of_a_dead_instance_go_to_exactly_one_survivor(redis_prefix):
    dead = RedisInflight(REDIS_URL, redis_prefix.prefix, heartbeat_ttl=0.3)
    survivors = [RedisInflight(REDIS_URL, redis_prefix.prefix) for _ in range(3)]
    await dead.begin("E1", EVENT)
    await dead.begin("E2", {**EVENT, "webhookEventId": "E2"})
    await dead.begin("E3", {**EVENT, "webhookEventId": "E3"})
    await dead.done("E3")  # answered before the kill: not handed over
    assert [await s.orphans() for s in survivors] == [[], [], []]  # alive: nothing to take
    dead.stop_heartbeat()  # SIGKILL: the heartbeat stops, the hash stays
    await asyncio.sleep(0.6)
    taken = await asyncio.gather(*(s.orphans() for s in survivors))
    ids = sorted(e["webhookEventId"] for events in taken for e in events)
    assert ids == ["E1", "E2"]
    assert sum(1 for events in taken if events) == 1  # one survivor took the whole hash
    assert [await s.orphans() for s in survivors] == [[], [], []]  # and nothing is left
    for store in [dead, *survivors]:
        await store.close()


async def test_a_live_instance_keeps_its_events(redis_prefix):
    alive = RedisInflight(REDIS_URL, redis_prefix.prefix, heartbeat_ttl=0.3)
    other = RedisInflight(REDIS_URL, redis_prefix.prefix)
    await alive.begin("E1", EVENT)
    await asyncio.sleep(1.0)  # several heartbeat TTLs
    assert await other.orphans() == []
    await alive.done("E1")
    await alive.close()
    await other.close()


async def test_redis_down_never_holds_up_a_turn():
    from tests.net_ports import closed_port

    store = RedisInflight(f"redis://127.0.0.1:{closed_port()}/0", "p:")
    await store.begin("E1", EVENT)
    await store.done("E1")
    assert await store.orphans() == []
    await store.close()
