"""Tracker store benchmark: what persistent, redacted conversations cost per turn.

1. REST round trips on three servers started side by side in the same run
   (in-memory store, the redacting SQL store on SQLite, the same on
   PostgreSQL), messages sent round-robin so machine noise hits all three
   alike. Target: SQL p95 within 1.2x of in-memory.
2. The store alone, in process: one turn's retrieve + save (what Rasa 3.6
   does per message of an open conversation, counted), in-memory vs SQLite
   vs PostgreSQL.
3. Retention at a million events (SQLite and PostgreSQL).

PostgreSQL runs on a throw-away database (tsunagari_bench_tracker_<random>)
that is dropped at the end. Run with `make bench`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
os.environ["RASA_TELEMETRY_ENABLED"] = "false"

from bench_server import CONVERSATIONS, MIN_MESSAGES, free_port, percentile, wait_for  # noqa: E402

BIN = Path(sys.executable).parent
MODEL = os.environ.get("TSUNAGARI_MODEL", str(ROOT / "models" / "tsunagari.tar.gz"))
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
TOKEN = "bench-token"
MILLION = 1_000_000


def _admin():
    return sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", future=True)


def create_pg_database() -> str:
    name = f"tsunagari_bench_tracker_{uuid.uuid4().hex[:8]}"
    with _admin().connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return name


def drop_pg_database(name: str) -> None:
    with _admin().connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))


def pg_url(name: str) -> str:
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


# --- 1. REST round trips -------------------------------------------------------------


def start_server(label: str, tmp: Path, action_port: int, tracker_url: str | None):
    port = free_port()
    endpoints = tmp / f"endpoints-{label}.yml"
    text = f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
    if tracker_url:
        text += "tracker_store:\n  type: tracker_store.PrivateSQLTrackerStore\n"
    endpoints.write_text(text, encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TSUNAGARI_API_TOKEN": TOKEN,
        "TSUNAGARI_TRACKER_URL": tracker_url or "",
    }
    process = subprocess.Popen(
        [
            str(BIN / "python"),
            "scripts/rasa_server.py",
            str(port),
            "-m",
            MODEL,
            "--interface",
            "127.0.0.1",
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(ROOT / "credentials.yml"),
        ],
        cwd=ROOT,
        env=env,
        stdout=open(tmp / f"rasa-{label}.log", "w"),
        stderr=subprocess.STDOUT,
    )
    return port, process


def round_trips(tmp: Path, pg_name: str) -> dict:
    action_port = free_port()
    actions = subprocess.Popen(
        [str(BIN / "rasa"), "run", "actions", "--port", str(action_port)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=open(tmp / "actions.log", "w"),
        stderr=subprocess.STDOUT,
    )
    stores = {
        "in-memory": None,
        "SQL/SQLite": f"sqlite:///{tmp / 'tracker.sqlite3'}",
        "SQL/PostgreSQL": pg_url(pg_name),
    }
    servers = {label: start_server(f"s{i}", tmp, action_port, url) for i, (label, url) in enumerate(stores.items())}
    try:
        wait_for(f"http://127.0.0.1:{action_port}/health", actions, timeout=120)
        for port, process in servers.values():
            wait_for(f"http://127.0.0.1:{port}/", process, timeout=400)
            wait_for(f"http://127.0.0.1:{port}/status?token={TOKEN}", process, timeout=400)
        session = requests.Session()
        latencies = {label: [] for label in servers}
        for port, _ in servers.values():  # warm-up
            for text in CONVERSATIONS[0]:
                session.post(
                    f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                    json={"sender": "warmup", "message": text},
                    timeout=30,
                ).raise_for_status()
        order = list(servers)
        turn = 0
        while min(len(v) for v in latencies.values()) < MIN_MESSAGES:
            for conversation in CONVERSATIONS:
                sender = uuid.uuid4().hex
                for text in conversation:
                    turn += 1
                    for label in order[turn % 3 :] + order[: turn % 3]:  # rotate who goes first
                        port = servers[label][0]
                        start = time.perf_counter()
                        response = session.post(
                            f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                            json={"sender": sender, "message": text},
                            timeout=30,
                        )
                        latencies[label].append((time.perf_counter() - start) * 1000)
                        response.raise_for_status()
        return latencies
    finally:
        for _, process in servers.values():
            process.send_signal(signal.SIGINT)
        actions.send_signal(signal.SIGINT)
        for process in [p for _, p in servers.values()] + [actions]:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


# --- 2. the store alone ----------------------------------------------------------------


def store_cost(tmp: Path, pg_name: str, turns: int = 300) -> dict:
    from rasa.core.tracker_store import InMemoryTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered

    from tracker_store import PrivateSQLTrackerStore

    domain = Domain.load(str(ROOT / "domain.yml"))
    os.environ.pop("TSUNAGARI_TRACKER_URL", None)  # it would win over the URLs below
    stores = {
        "in-memory": InMemoryTrackerStore(domain),
        "SQL/SQLite": PrivateSQLTrackerStore(domain, host=f"sqlite:///{tmp / 'store.sqlite3'}", start_retention=False),
        "SQL/PostgreSQL": PrivateSQLTrackerStore(domain, host=pg_url(pg_name), start_retention=False),
    }

    async def one_turn(store, sender: str, text: str) -> float:
        start = time.perf_counter()
        tracker = await store.retrieve(sender)
        if tracker is None:
            tracker = store.init_tracker(sender)
            started = SessionStarted()
            tracker.update(ActionExecuted("action_session_start"))
            tracker.update(started)
            tracker.update(ActionExecuted("action_listen"))
        tracker.update(
            UserUttered(
                text,
                {"name": "greet", "confidence": 1.0},
                parse_data={"intent": {"name": "greet", "confidence": 1.0}, "entities": [], "text": text},
            )
        )
        tracker.update(ActionExecuted("utter_greet"))
        tracker.update(BotUttered("こんにちは。つながりナビです🌱"))
        tracker.update(ActionExecuted("action_listen"))
        await store.save(tracker)
        return (time.perf_counter() - start) * 1000

    async def run() -> dict:
        results = {label: [] for label in stores}
        senders = [uuid.uuid4().hex for _ in range(30)]
        for i in range(turns):
            for label, store in stores.items():
                results[label].append(await one_turn(store, senders[i % len(senders)], f"電話は090-1234-{i:04d}です"))
        return results

    return asyncio.run(run())


# --- 3. retention at a million events -------------------------------------------------------


def retention_at_scale(tmp: Path, pg_name: str) -> dict:
    from tsunagari.db import make_engine
    from tsunagari.privacy.retention import delete_old_conversations, ensure_retention_index

    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    per_conversation = 20
    conversations = MILLION // per_conversation
    old_ts, new_ts = (now - timedelta(days=60)).timestamp(), (now - timedelta(days=1)).timestamp()
    ddl = (
        "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) "
        "NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"
    )
    results = {}
    for label, url in (("SQLite", f"sqlite:///{tmp / 'million.sqlite3'}"), ("PostgreSQL", pg_url(pg_name))):
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS events"))
            conn.execute(sa.text(ddl))
            conn.execute(sa.text("CREATE INDEX ix_events_sender_id ON events (sender_id)"))  # as Rasa creates it
            rows = [
                {"id": c * per_conversation + e + 1, "s": f"c{c:06d}", "t": (old_ts if c % 2 == 0 else new_ts) + e}
                for c in range(conversations)
                for e in range(per_conversation)
            ]
            for chunk in range(0, len(rows), 50_000):
                conn.execute(
                    sa.text(
                        "INSERT INTO events (id, sender_id, type_name, timestamp, data) "
                        "VALUES (:id, :s, 'user', :t, '{}')"
                    ),
                    rows[chunk : chunk + 50_000],
                )
        start = time.perf_counter()
        ensure_retention_index(engine)
        index_s = time.perf_counter() - start
        start = time.perf_counter()
        result = delete_old_conversations(engine, days=30, now=now)
        results[label] = (index_s, time.perf_counter() - start, result.conversations, result.events)
        engine.dispose()
    return results


def summary(values) -> str:
    return f"p50 {statistics.median(values):.1f} ms, p95 {percentile(values, 0.95):.1f} ms"


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="tsunagari-bench-store-"))
    pg_name = create_pg_database()
    try:
        latencies = round_trips(tmp, pg_name)
        store = store_cost(tmp, pg_name)
        retention = retention_at_scale(tmp, pg_name)
    finally:
        drop_pg_database(pg_name)
    base = percentile(latencies["in-memory"], 0.95)
    print("== tracker store benchmark (target: SQL p95 within 1.2x of in-memory, same run)")
    for label, values in latencies.items():
        print(
            f"REST round trip, {label:<15} over {len(values)} messages: {summary(values)} "
            f"(p95 x{percentile(values, 0.95) / base:.2f} of in-memory)"
        )
    for label, values in store.items():
        print(f"store per turn (retrieve + save, redaction included), {label:<15}: {summary(values)}")
    for label, (index_s, delete_s, convs, events) in retention.items():
        print(
            f"retention at {MILLION:,} events, {label:<10}: index {index_s:.1f} s, delete {delete_s:.1f} s "
            f"({convs:,} conversations / {events:,} events older than 30 days)"
        )


if __name__ == "__main__":
    main()
