"""Measure the Redis lock store race between instances (RasaHQ/rasa PR #11256).

Two processes (= two Rasa instances) each take the lock of the same
conversations at the same moment, many times, and count how often both were
inside the locked section of one conversation at once. Run for Rasa's
RedisLockStore and for lock_store.AtomicRedisLockStore in the same run.

    .venv/bin/python benchmarks/bench_lock_race.py [rounds]

Uses the machine's Redis (127.0.0.1:6379, db 1) with a random key prefix and
deletes its keys afterwards.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REDIS = {"host": "127.0.0.1", "port": 6379, "db": 1}
CONVERSATIONS = 20
HOLD_SECONDS = 0.005
LIFETIME_SECONDS = 2  # short, so tickets orphaned by the race expire within the run


def _store(kind: str, prefix: str):
    if kind == "rasa":
        from rasa.core.lock_store import RedisLockStore

        return RedisLockStore(key_prefix=prefix, **REDIS)
    from lock_store import AtomicRedisLockStore

    return AtomicRedisLockStore(key_prefix=prefix, **REDIS)


def _worker(kind: str, prefix: str, rounds: int, start_at: float, out) -> None:
    import redis

    store = _store(kind, prefix)
    red = redis.Redis(**REDIS)
    overlaps = 0
    errors = 0
    stalls = 0

    async def one(conversation: str) -> None:
        nonlocal overlaps, errors, stalls
        began = time.monotonic()
        try:
            async with store.lock(conversation, lock_lifetime=LIFETIME_SECONDS, wait_time_in_seconds=0.002):
                if time.monotonic() - began > 1.0:
                    stalls += 1  # waited for a ticket nobody held (orphaned by the race)
                inside = red.incr(f"{prefix}:inside:{conversation}")
                if inside > 1:
                    overlaps += 1
                await asyncio.sleep(HOLD_SECONDS)
                red.decr(f"{prefix}:inside:{conversation}")
        except Exception:
            errors += 1

    async def main() -> None:
        for r in range(rounds):
            # both processes start each round at the same wall-clock moment
            await asyncio.sleep(max(0.0, start_at + r * 0.05 - time.time()))
            await asyncio.gather(*(one(f"{prefix}-c{c}") for c in range(CONVERSATIONS)))

    asyncio.run(main())
    out.put((overlaps, errors, stalls))


def _delete_keys(prefix: str) -> None:
    import redis

    red = redis.Redis(**REDIS)
    keys = list(red.scan_iter(match=f"{prefix}*"))
    if keys:
        red.delete(*keys)


def measure(kind: str, rounds: int) -> tuple[int, int, int, int, float]:
    import redis

    prefix = "bench" + uuid.uuid4().hex[:10]
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    start_at = time.time() + 3.0
    began = time.time()
    procs = [ctx.Process(target=_worker, args=(kind, prefix, rounds, start_at, out)) for _ in range(2)]
    for p in procs:
        p.start()
    try:
        results = [out.get(timeout=600) for _ in procs]
        for p in procs:
            p.join()
    finally:
        _delete_keys(prefix)
    red = redis.Redis(**REDIS)
    keys = list(red.scan_iter(match=f"{prefix}*")) + list(red.scan_iter(match=f"*{prefix}-c*"))
    if keys:
        red.delete(*keys)
    sections = 2 * rounds * CONVERSATIONS
    elapsed = time.time() - began - 3.0
    return sections, *(sum(r[i] for r in results) for i in range(3)), elapsed


def orphan_wait(lifetime: float = 3.0) -> float:
    """Seconds another instance waits for a conversation whose lock holder was SIGKILLed."""
    import redis

    prefix = "bench" + uuid.uuid4().hex[:10]
    killed, survivor = _store("atomic", prefix), _store("atomic", prefix)
    killed.issue_ticket("orphan", lifetime)  # taken, then the process dies: no cleanup

    async def take() -> float:
        began = time.monotonic()
        async with survivor.lock("orphan", lock_lifetime=lifetime, wait_time_in_seconds=0.1):
            return time.monotonic() - began

    try:
        return asyncio.run(asyncio.wait_for(take(), timeout=lifetime + 30))
    finally:
        red = redis.Redis(**REDIS)
        keys = list(red.scan_iter(match=f"{prefix}*"))
        if keys:
            red.delete(*keys)


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    for kind, label in (("rasa", "rasa RedisLockStore"), ("atomic", "AtomicRedisLockStore")):
        sections, overlaps, errors, stalls, elapsed = measure(kind, rounds)
        print(
            f"lock race: store={label} locked_sections={sections} overlapping={overlaps} "
            f"lock_errors={errors} stalled_over_1s={stalls} seconds={elapsed:.1f}"
        )
    print(f"lock orphaned by a killed instance: lock_lifetime_s=3 next_turn_waited_s={orphan_wait(3.0):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
