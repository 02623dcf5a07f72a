"""`make loadtest`: Locust against one Rasa instance and against a 2-instance cluster, in one run.

Runs in the project's .venv (it starts the clusters with scripts/cluster.py's
``Cluster``); Locust itself runs in .venv-loadtest (benchmarks/loadtest/locustfile.py).

1. Two clusters start side by side, each with its own throw-away PostgreSQL
   database (``h_loadtest_*``) and its own redis-server on a free port: (a)
   one Rasa instance behind nginx, (b) two. Both LINE channels point at one
   fake LINE Messaging API on loopback (tests/channels/line_fakes.py), which
   records every reply and push.
2. Phase "single", then phase "cluster": LOADTEST_USERS residents (default
   200) for LOADTEST_SECONDS (default 60), REST and signed LINE webhooks with
   redeliveries. Halfway through the cluster phase one Rasa instance gets
   SIGKILL.
3. After each phase the events table is read and every conversation checked
   (tsunagari.loadcheck); throughput and p50/p95/p99 per endpoint are printed.

The last line is the summary of the cluster phase:
``loadtest: instances=2 conversations=N turns=N lost=N duplicated=N reordered=N
errors_5xx=N killed=1 lost_after_kill=N p95_ms=N``. Exit status 1 when
anything was lost, doubled, reordered or answered with a 5xx.

Environment: LOADTEST_USERS, LOADTEST_SECONDS, LOADTEST_SPAWN_RATE (users/s,
default 20), LOADTEST_REDELIVERY (default 0.25), LOADTEST_LOCUST (the locust binary),
LOADTEST_PG_OUTAGE_SECONDS (default 0: none; else the cluster's database refuses connections for that
long from a quarter of the cluster phase on, before the kill).
"""

from __future__ import annotations

import asyncio
import csv
import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402

import cluster as cluster_script  # noqa: E402
from tests.channels.line_fakes import FakeLineApi  # noqa: E402
from tests.own_redis import OwnRedis  # noqa: E402
from tests.pg_databases import PgDatabase, stored_user_texts  # noqa: E402
from tsunagari.line_ids import hash_line_user_id  # noqa: E402
from tsunagari.loadcheck import SentTurn, attribute_line_answers, check, percentile, total  # noqa: E402

WORKDIR = ROOT / "var" / "loadtest"
LINE_SECRET = "loadtest-channel-secret"
LINE_TOKEN = "loadtest-access-token"
LINE_USER_ID_SECRET = "loadtest-user-id-secret"
SETTLE_SECONDS = 5.0  # replies still on their way to the fake LINE API when Locust stops


class RecordingLineApi(FakeLineApi):
    """The fake LINE API, plus when each reply token / push target was answered, and a /wait to block on it."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        # (reply token | None, push target | None, time, first message as JSON)
        self.answers: list[tuple[str | None, str | None, float, str]] = []
        self._replied: dict[str, float] = {}
        self._pushed: dict[str, list[float]] = {}
        self.control_url = ""

    def _record(self, kind, request, body, status) -> None:
        super()._record(kind, request, body, status)
        if status != 200 or kind not in ("reply", "push"):
            return
        at = time.time()
        first = json.dumps((body.get("messages") or [{}])[0], ensure_ascii=False, sort_keys=True)
        if kind == "reply":
            token = body.get("replyToken")
            self.answers.append((token, None, at, first))
            self._replied.setdefault(token, at)
        else:
            self.answers.append((None, body.get("to"), at, first))
            self._pushed.setdefault(body.get("to"), []).append(at)

    def _answered_at(self, token: str, user: str, since: float) -> float | None:
        if token in self._replied:
            return self._replied[token]
        later = [t for t in self._pushed.get(user, []) if t >= since]
        return later[0] if later else None

    async def _wait(self, request: web.Request) -> web.Response:
        token, user = request.query.get("token", ""), request.query.get("user", "")
        since, timeout = float(request.query.get("since", "0")), float(request.query.get("timeout", "60"))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            at = self._answered_at(token, user, since)
            if at is not None:
                return web.json_response({"answered": True, "at": at})
            await asyncio.sleep(0.02)
        return web.json_response({"answered": False})

    async def start_control(self) -> None:
        app = web.Application()
        app.router.add_get("/wait", self._wait)
        self._control_runner = web.AppRunner(app, access_log=None)
        await self._control_runner.setup()
        port = cluster_script.free_port()
        await web.TCPSite(self._control_runner, "127.0.0.1", port).start()
        self.control_url = f"http://127.0.0.1:{port}"


class FakeLineThread:
    """The fake LINE API on its own event loop in a daemon thread."""

    def __init__(self) -> None:
        # A killed instance cuts its reply requests off mid-body: expected here, not worth a traceback.
        logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
        self.api = RecordingLineApi(LINE_TOKEN)
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(self.api.start())
            self.loop.run_until_complete(self.api.start_control())
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, name="fake-line", daemon=True)
        self.thread.start()
        if not ready.wait(20):
            raise RuntimeError("the fake LINE API did not start")

    def stop(self) -> None:
        async def close() -> None:
            await self.api.stop()
            await self.api._control_runner.cleanup()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)


@dataclass
class Stack:
    name: str
    instances: int
    database: PgDatabase
    redis: OwnRedis
    cluster: cluster_script.Cluster
    error: BaseException | None = None
    phase: dict = field(default_factory=dict)


def start_stack(name: str, instances: int, fake: RecordingLineApi) -> Stack:
    database = PgDatabase(prefix=f"h_loadtest_{name}_")
    redis = OwnRedis().start()
    cluster = cluster_script.Cluster(
        instances=instances,
        port=0,
        tracker_url=database.url,
        redis_url=redis.url,
        workdir=WORKDIR / name,
        extra_env={
            "LINE_CHANNEL_SECRET": LINE_SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": LINE_TOKEN,
            "LINE_USER_ID_SECRET": LINE_USER_ID_SECRET,
            "LINE_API_BASE": fake.base_url,
        },
    )
    return Stack(name, instances, database, redis, cluster)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (and its waited-for children), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(v) for v in fields[11:15]) / ticks


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    ticks = os.sysconf("SC_CLK_TCK")
    idle = values[3] + values[4]
    return (sum(values) - idle) / ticks, sum(values) / ticks


def process_groups(stack: Stack) -> dict[str, list[int]]:
    c = stack.cluster
    return {
        "rasa": [p.pid for p in c.rasa if p is not None],
        "actions": [p.pid for p in c.actions],
        "nginx": [c.nginx.pid] if c.nginx else [],
    }


def run_phase(stack: Stack, fake: FakeLineThread, users: int, seconds: int, kill: bool, locust: str) -> dict:
    out = WORKDIR / stack.name
    log = out / "turns.jsonl"
    log.unlink(missing_ok=True)
    env = dict(os.environ)
    began = time.time()
    env.update(
        {
            "LOADTEST_LOG": str(log),
            "LOADTEST_STOP_AT": str(began + seconds),
            "LOADTEST_LINE_SECRET": LINE_SECRET,
            "LOADTEST_FAKE_LINE": fake.api.control_url,
            "LOADTEST_INSTANCES": ",".join(f"http://127.0.0.1:{p}" for p in stack.cluster.rasa_ports),
        }
    )
    argv = [
        locust,
        "-f",
        str(ROOT / "benchmarks" / "loadtest" / "locustfile.py"),
        "--headless",
        "--only-summary",
        "--loglevel",
        "WARNING",
        "-u",
        str(users),
        "-r",
        os.environ.get("LOADTEST_SPAWN_RATE", "20"),
        "-t",
        f"{seconds + 150}s",  # users stop by themselves at LOADTEST_STOP_AT; this is only a bound
        "--stop-timeout",
        "120",
        "--host",
        stack.cluster.url,
        "--csv",
        str(out / "locust"),
        "--exit-code-on-error",
        "0",
    ]
    groups = process_groups(stack)
    cpu_before = {g: sum(cpu_seconds(p) for p in pids) for g, pids in groups.items()}
    machine_before = machine_cpu()
    killed_at = None
    print(f"[{stack.name}] {users} residents for {seconds} s against {stack.instances} instance(s)", flush=True)
    process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    outage = float(os.environ.get("LOADTEST_PG_OUTAGE_SECONDS") or 0) if kill else 0.0
    if outage:
        # A PostgreSQL outage in the first half (before the kill): every instance keeps its turns in memory
        # and writes them back when the database answers again.
        time.sleep(seconds / 4)
        stack.database.outage()
        print(f"[{stack.name}] PostgreSQL outage at t={time.time() - began:.1f} s for {outage:.0f} s", flush=True)
        time.sleep(outage)
        stack.database.back()
    if kill:
        time.sleep(max(0.0, began + seconds / 2 - time.time()))
        cpu_before["rasa"] -= cpu_seconds(stack.cluster.rasa[0].pid)  # its CPU until now is not counted
        killed_at = time.time()
        stack.cluster.kill_instance(0)
        print(f"[{stack.name}] SIGKILL to Rasa instance 1 at t={killed_at - began:.1f} s", flush=True)
    output, _ = process.communicate(timeout=seconds + 400)
    ended = time.time()
    time.sleep(SETTLE_SECONDS)
    cpu_after = {g: sum(cpu_seconds(p) for p in pids) for g, pids in process_groups(stack).items()}
    machine_after = machine_cpu()
    (out / "locust.out").write_text(output, encoding="utf-8")
    if process.returncode not in (0, None):
        print(output[-3000:])
        raise RuntimeError(f"locust exited with {process.returncode}")
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {
        "records": records,
        "began": began,
        "ended": ended,
        "killed_at": killed_at,
        "seconds": seconds,
        "cpu": {g: cpu_after.get(g, 0.0) - cpu_before.get(g, 0.0) for g in cpu_before},
        "machine_busy": machine_after[0] - machine_before[0],
        "machine_total": machine_after[1] - machine_before[1],
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
        "locust_csv": out / "locust_stats.csv",
    }


def evaluate(stack: Stack, phase: dict, fake: RecordingLineApi) -> dict:
    records = phase["records"]
    line_records = [r for r in records if r["channel"] == "line"]
    line_answers = attribute_line_answers(
        [(r["event_id"], r["reply_token"], r["conversation"], r["sent_at"]) for r in line_records],
        list(fake.answers),
    )
    sent = []
    for r in records:
        if r["channel"] == "line":
            conversation = hash_line_user_id(r["conversation"], LINE_USER_ID_SECRET)
            answers = line_answers.get(r["event_id"], 0)
        else:
            conversation, answers = r["conversation"], r["answers"]
        sent.append(SentTurn(conversation, r["seq"], r["text"], answers, r["started"], r["finished"], r["channel"]))
    counts = check(sent, stored_user_texts(stack.database.url), phase["killed_at"])
    latencies = {"rest": [], "line": []}
    for r in records:
        if r["channel"] == "rest" and r["answers"]:
            latencies["rest"].append((r["finished"] - r["started"]) * 1000)
        elif r["channel"] == "line" and r.get("answered_at"):
            latencies["line"].append((r["answered_at"] - r["sent_at"]) * 1000)
    errors_5xx = sum(1 for r in records for s in r["statuses"] if s >= 500)
    after_kill = {"rest": [], "line": []}  # answered turns in flight at the SIGKILL or sent within 5 s after
    for r in records:
        if not phase["killed_at"] or r["finished"] < phase["killed_at"] or r["started"] > phase["killed_at"] + 5:
            continue
        if r["channel"] == "rest" and r["answers"]:
            after_kill["rest"].append(r["finished"] - r["started"])
        elif r["channel"] == "line" and r.get("answered_at"):
            after_kill["line"].append(r["answered_at"] - r["sent_at"])
    window_end = phase["began"] + phase["seconds"]
    in_window = {
        "rest": sum(1 for r in records if r["channel"] == "rest" and r["answers"] and r["finished"] <= window_end),
        "line": sum(
            1 for r in records if r["channel"] == "line" and r.get("answered_at") and r["answered_at"] <= window_end
        ),
    }
    return {
        "counts": counts,
        "latencies": latencies,
        "errors_5xx": errors_5xx,
        "redelivered": sum(r.get("redelivered", 0) for r in line_records),
        "slowest_around_kill_s": {k: max(v, default=0.0) for k, v in after_kill.items()},
        "throughput": {k: n / phase["seconds"] for k, n in in_window.items()},
    }


def print_phase(stack: Stack, phase: dict, result: dict) -> None:
    duration = phase["ended"] - phase["began"]
    print(
        f"== {stack.name}: {stack.instances} Rasa instance(s), load for {phase['seconds']} s "
        f"(last turn ended at {duration:.0f} s); throughput = turns answered within the load window =="
    )
    for channel, label in (("rest", "REST (turn, client to reply)"), ("line", "LINE (webhook to reply at the API)")):
        values = result["latencies"][channel]
        c = result["counts"].get(channel)
        print(
            f"  {label:<38} turns={len(values):>5}  {result['throughput'][channel]:6.1f}/s  "
            f"p50={percentile(values, 50):7.0f} ms  p95={percentile(values, 95):7.0f} ms  "
            f"p99={percentile(values, 99):7.0f} ms"
            + (
                f"  conversations={c.conversations} lost={c.lost} duplicated={c.duplicated} reordered={c.reordered}"
                if c
                else ""
            )
        )
    with open(phase["locust_csv"], encoding="utf-8") as f:
        for row in csv.DictReader(f):
            print(
                f"  locust {row['Name']:<42} requests={row['Request Count']:>6} failures={row['Failure Count']:>4} "
                f"{float(row['Requests/s']):6.1f}/s p50={row['50%']} p95={row['95%']} p99={row['99%']} ms"
            )
    cpu = ", ".join(f"{g} {s:.0f} s" for g, s in phase["cpu"].items())
    print(
        f"  CPU during the phase: {cpu}; whole machine busy {phase['machine_busy']:.0f} of "
        f"{phase['machine_total']:.0f} core-s (load average {' '.join(phase['loadavg'])}; other work shares the cores)"
    )
    print(f"  LINE redeliveries sent: {result['redelivered']}   HTTP 5xx seen by clients: {result['errors_5xx']}")
    if phase["killed_at"]:
        slowest = result["slowest_around_kill_s"]
        print(
            "  slowest answered turn in flight at the SIGKILL or sent within 5 s after: "
            f"REST {slowest['rest']:.1f} s, LINE {slowest['line']:.1f} s"
        )
    examples = total(result["counts"]).examples
    kinds = Counter(e.split(": ", 1)[1] for e in examples)
    if kinds:
        print("  problems by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    for example in examples[:10]:
        print(f"  ! {example}")


def main() -> int:
    users = int(os.environ.get("LOADTEST_USERS") or 200)
    seconds = int(os.environ.get("LOADTEST_SECONDS") or 60)
    locust = os.environ.get("LOADTEST_LOCUST") or str(ROOT / ".venv-loadtest" / "bin" / "locust")
    WORKDIR.mkdir(parents=True, exist_ok=True)
    fake = FakeLineThread()
    stacks: list[Stack] = []
    try:
        stacks = [start_stack("single", 1, fake.api), start_stack("cluster", 2, fake.api)]
        began = time.monotonic()

        def start(stack: Stack) -> None:
            try:
                stack.cluster.start()
            except BaseException as exc:  # reported below, after both threads ended
                stack.error = exc

        threads = [threading.Thread(target=start, args=(s,)) for s in stacks]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for s in stacks:
            if s.error is not None:
                raise RuntimeError(f"{s.name} did not start: {s.error} (logs: {s.cluster.workdir / 'log'})")
        print(f"both clusters up in {time.monotonic() - began:.0f} s", flush=True)
        results = {}
        for stack in stacks:
            phase = run_phase(stack, fake, users, seconds, kill=stack.instances > 1, locust=locust)
            result = evaluate(stack, phase, fake.api)
            print_phase(stack, phase, result)
            results[stack.name] = result
        final = results["cluster"]
        t = total(final["counts"])
        p95 = percentile(final["latencies"]["rest"] + final["latencies"]["line"], 95)
        print(
            f"loadtest: instances=2 conversations={t.conversations} turns={t.turns} lost={t.lost} "
            f"duplicated={t.duplicated} reordered={t.reordered} errors_5xx={final['errors_5xx']} killed=1 "
            f"lost_after_kill={t.lost_after_kill} p95_ms={p95:.0f}",
            flush=True,
        )
        bad = any(
            total(r["counts"]).lost or total(r["counts"]).duplicated or total(r["counts"]).reordered or r["errors_5xx"]
            for r in results.values()
        )
        return 1 if bad else 0
    finally:
        for s in stacks:
            s.cluster.stop()
            s.redis.stop()
            s.database.drop()
        fake.stop()


if __name__ == "__main__":
    sys.exit(main())
