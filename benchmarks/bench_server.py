"""Server benchmark: start-up time, resident memory, REST round trips, against a plain baseline.

Starts つながりナビ (action server + Rasa server) and, in the same run, the
plain baseline bot of benchmarks/baseline (stock SpacyNLP with ja_ginza,
5 intents, rules, no custom actions; model built by `make bench`). Both are
loaded at once and the scripted conversations alternate between them, so
the noise of this shared machine falls on both alike. Ours gets greetings,
feelings, each referral route through the form to directory results, FAQ
and crisis; the baseline gets the same number of messages as plain text.
Prints p50/p95/max for both, the p95 ratio, the resident memory of both and
one summary line. Also compares GiNZA's full pipeline with the
tokenizer-and-vectors load used by LightSpacyNLP.

Run with `make bench`. Figures depend on the machine: compare ratios within
one run rather than across machines.
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # components/ for the spaCy comparison
BIN = Path(sys.executable).parent
MODEL = os.environ.get("TSUNAGARI_MODEL", str(ROOT / "models" / "tsunagari.tar.gz"))
BASELINE_MODEL = os.environ.get(
    "TSUNAGARI_BASELINE_MODEL", str(ROOT / "benchmarks" / "baseline" / "models" / "baseline.tar.gz")
)
# Targets of issue 11 item 6 (ratio to the baseline in the same run) and of make bench.
P95_TARGET_MS = 100
P95_RATIO_TARGET = 1.15
RSS_TARGET_MB = 1200
MIN_MESSAGES = 200

CONVERSATIONS = [
    [
        "こんにちは",
        "最近ずっとひとりで寂しい",
        "/seek_counseling",
        '/inform{"contact_channel":"phone"}',
        '/inform{"contact_time":"evening"}',
        "ありがとう",
    ],
    ["/seek_free_space", '/inform{"contact_channel":"in_person"}', '/inform{"contact_time":"weekend"}', "またね"],
    [
        "転職の相談をしたいです",
        "匿名で使えますか？",
        '/inform{"contact_channel":"any"}',
        '/inform{"contact_time":"weekday_day"}',
    ],
    ["今すぐ電話で誰かに話を聞いてほしい", "メニュー"],
    ["もう消えたい", "/crisis_safe", "ずっとひとりで誰もわかってくれない"],
]


# The baseline's messages, as plain text (it has no form, no payloads, no actions).
BASELINE_CONVERSATIONS = [
    ["こんにちは", "最近ずっとひとりで寂しい", "相談したいです", "電話がいいです", "夜がいいです", "ありがとう"],
    ["居場所を探しています", "近くに行ける場所はありますか", "週末に行きたいです", "またね"],
    ["転職の相談をしたいです", "匿名で使えますか？", "どれでもいいです", "平日の昼がいいです"],
    ["今すぐ電話で誰かに話を聞いてほしい", "メニュー"],
    ["もう消えたい", "大丈夫です", "ずっとひとりで誰もわかってくれない"],
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def wait_for(url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited early (code {process.returncode}); see its log")
        try:
            if requests.get(url, timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {url}")


def spacy_comparison(texts) -> str:
    import spacy

    from components.light_spacy import LightSpacyNLP

    full = spacy.load("ja_ginza")
    light = LightSpacyNLP.load_model("ja_ginza").model
    timings = {}
    for name, nlp in (("full ja_ginza pipeline", full), ("tokenizer + vectors", light)):
        for text in texts[:20]:
            nlp(text)  # warm-up
        start = time.perf_counter()
        for text in texts:
            nlp(text)
        timings[name] = (time.perf_counter() - start) / len(texts) * 1000
    full_ms, light_ms = timings.values()
    return (
        f"spaCy per message: full pipeline {full_ms:.2f} ms, tokenizer+vectors {light_ms:.2f} ms "
        f"(x{full_ms / light_ms:.1f} faster)"
    )


class Server:
    """One bot under test: its Rasa server and, if it has custom actions, its action server.

    つながりナビ is started as the service starts it (scripts/rasa_server.py: API token,
    action guards and bounds), the baseline with a plain ``rasa run``. Both keep
    their conversations in memory, so the tracker store is not part of the
    comparison (benchmarks/bench_tracker_store.py measures it).
    """

    def __init__(self, name: str, model: str, logs: Path, with_actions: bool) -> None:
        self.name = name
        self.port = free_port()
        self.token = uuid.uuid4().hex
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "RASA_TELEMETRY_ENABLED": "false",
            "TSUNAGARI_API_TOKEN": self.token,
        }
        self.actions = None
        endpoints_args = []
        if with_actions:
            action_port = free_port()
            # The service's endpoints.yml with this run's action server and in-memory stores.
            config = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
            config["action_endpoint"] = {**config["action_endpoint"], "url": f"http://127.0.0.1:{action_port}/webhook"}
            for key in ("tracker_store", "lock_store", "event_broker"):
                config.pop(key, None)
            with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as endpoints:
                yaml.safe_dump(config, endpoints)
            endpoints_args = ["--endpoints", endpoints.name]
            self.action_health = f"http://127.0.0.1:{action_port}/health"
            self.actions = subprocess.Popen(
                [str(BIN / "rasa"), "run", "actions", "--port", str(action_port)],
                cwd=ROOT,
                env=env,
                stdout=open(logs / f"{name}-actions.log", "w"),
                stderr=subprocess.STDOUT,
            )
        if with_actions:
            # The service's entry point; later arguments override its defaults.
            command = [str(BIN / "python"), str(ROOT / "scripts" / "rasa_server.py"), str(self.port), "-m", model]
        else:
            command = [str(BIN / "rasa"), "run", "--enable-api", "--auth-token", self.token, "-m", model]
            command += ["--port", str(self.port), "--credentials", str(ROOT / "credentials.yml")]
        self.started = time.monotonic()
        self.rasa = subprocess.Popen(
            command + endpoints_args,
            cwd=ROOT,
            env=env,
            stdout=open(logs / f"{name}-rasa.log", "w"),
            stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{self.port}/webhooks/rest/webhook"
        self.session = requests.Session()
        self.latencies: list = []
        self.sent: list = []

    def wait_ready(self) -> None:
        wait_for(f"http://127.0.0.1:{self.port}/status?token={self.token}", self.rasa, timeout=240)
        self.startup = time.monotonic() - self.started
        if self.actions is not None:
            wait_for(self.action_health, self.actions, timeout=60)

    def converse(self, conversation, record: bool = True) -> None:
        sender = uuid.uuid4().hex
        for text in conversation:
            start = time.perf_counter()
            response = self.session.post(self.url, json={"sender": sender, "message": text}, timeout=30)
            elapsed = (time.perf_counter() - start) * 1000
            response.raise_for_status()
            if record:
                self.latencies.append(elapsed)
                self.sent.append(text)

    def rss(self) -> tuple:
        return rss_mb(self.rasa.pid), (rss_mb(self.actions.pid) if self.actions is not None else 0.0)

    def stop(self) -> None:
        processes = [p for p in (self.rasa, self.actions) if p is not None]
        for process in processes:
            process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def summary(server: Server) -> tuple:
    return statistics.median(server.latencies), percentile(server.latencies, 0.95), max(server.latencies)


def slowest(server: Server, count: int = 5) -> str:
    """The messages with the highest median round trip: the turns that set the p95."""
    by_text: dict = {}
    for text, latency in zip(server.sent, server.latencies, strict=True):
        by_text.setdefault(text, []).append(latency)
    ranked = sorted(by_text.items(), key=lambda item: statistics.median(item[1]), reverse=True)[:count]
    return ", ".join(f"{text[:24]} {statistics.median(values):.1f} ms" for text, values in ranked)


def main() -> None:
    if not Path(BASELINE_MODEL).exists():
        raise SystemExit(f"no baseline model at {BASELINE_MODEL}: run `make bench` (it trains it)")
    logs = Path(tempfile.mkdtemp(prefix="tsunagari-bench-"))
    ours = Server("tsunagari", MODEL, logs, with_actions=True)
    baseline = Server("baseline", BASELINE_MODEL, logs, with_actions=False)
    try:
        ours.wait_ready()
        baseline.wait_ready()
        # One warm-up conversation each (first calls load lazily: directory, graph).
        ours.converse(CONVERSATIONS[0], record=False)
        baseline.converse(BASELINE_CONVERSATIONS[0], record=False)
        while len(ours.latencies) < MIN_MESSAGES:
            for conversation, plain in zip(CONVERSATIONS, BASELINE_CONVERSATIONS, strict=True):
                ours.converse(conversation)
                baseline.converse(plain)
        ours_rss, actions_rss = ours.rss()
        baseline_rss, _ = baseline.rss()
    finally:
        ours.stop()
        baseline.stop()

    p50, p95, worst = summary(ours)
    base_p50, base_p95, base_worst = summary(baseline)
    ratio = p95 / base_p95
    print(
        f"== つながりナビ server benchmark (targets: p95 <= {P95_TARGET_MS} ms and <= {P95_RATIO_TARGET}x the "
        f"baseline's, Rasa server memory <= {RSS_TARGET_MB} MB, start-up <= 45 s)"
    )
    print(
        f"start-up (launch to model loaded, both loading at once): ours {ours.startup:.1f} s, baseline {baseline.startup:.1f} s"
    )
    print(
        f"resident memory: rasa server {ours_rss:.0f} MB (baseline {baseline_rss:.0f} MB), "
        f"action server {actions_rss:.0f} MB"
    )
    print(
        f"REST round trip over {len(ours.latencies)} messages ({len(CONVERSATIONS)} scripted conversations, "
        f"with action and directory calls): p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {worst:.1f} ms"
    )
    print(
        f"baseline (stock SpacyNLP ja_ginza, 5 intents, rules, no custom actions) over {len(baseline.latencies)} "
        f"messages: p50 {base_p50:.1f} ms, p95 {base_p95:.1f} ms, max {base_worst:.1f} ms"
    )
    print(f"slowest messages (median round trip): {slowest(ours)}")
    print(spacy_comparison(ours.sent))
    print(
        f"bench: p50_ms={p50:.1f} p95_ms={p95:.1f} baseline_p50_ms={base_p50:.1f} baseline_p95_ms={base_p95:.1f} "
        f"p95_ratio={ratio:.2f} rss_mb={ours_rss:.0f} baseline_rss_mb={baseline_rss:.0f}"
    )


if __name__ == "__main__":
    main()
