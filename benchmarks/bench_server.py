"""Server benchmark: start-up time, resident memory, REST round trips.

Starts the action server and the Rasa server on loopback ports, waits until
the model is loaded, then sends scripted conversations (greeting, feelings,
each referral route through the form to directory results, FAQ, crisis)
and reports p50/p95/max round-trip times. Also compares GiNZA's full
pipeline with the tokenizer-and-vectors load used by LightSpacyNLP.

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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # components/ for the spaCy comparison
BIN = Path(sys.executable).parent
MODEL = os.environ.get("TSUNAGARI_MODEL", str(ROOT / "models" / "tsunagari.tar.gz"))
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


def main() -> None:
    rasa_port, action_port = free_port(), free_port()
    logs = Path(tempfile.mkdtemp(prefix="tsunagari-bench-"))
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as endpoints:
        endpoints.write(f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n')
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"}
    actions = subprocess.Popen(
        [str(BIN / "rasa"), "run", "actions", "--port", str(action_port)],
        cwd=ROOT,
        env=env,
        stdout=open(logs / "actions.log", "w"),
        stderr=subprocess.STDOUT,
    )
    started = time.monotonic()
    rasa = subprocess.Popen(
        [
            str(BIN / "rasa"),
            "run",
            "--enable-api",
            "-m",
            MODEL,
            "--port",
            str(rasa_port),
            "--endpoints",
            endpoints.name,
            "--credentials",
            str(ROOT / "credentials.yml"),
        ],
        cwd=ROOT,
        env=env,
        stdout=open(logs / "rasa.log", "w"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(f"http://127.0.0.1:{rasa_port}/status", rasa, timeout=180)
        startup = time.monotonic() - started
        wait_for(f"http://127.0.0.1:{action_port}/health", actions, timeout=60)

        url = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
        session = requests.Session()
        # One warm-up conversation (first calls load lazily: directory, graph).
        for text in CONVERSATIONS[0]:
            session.post(url, json={"sender": "warmup", "message": text}, timeout=30).raise_for_status()
        latencies, sent = [], []
        while len(latencies) < MIN_MESSAGES:
            for conversation in CONVERSATIONS:
                sender = uuid.uuid4().hex
                for text in conversation:
                    start = time.perf_counter()
                    response = session.post(url, json={"sender": sender, "message": text}, timeout=30)
                    latencies.append((time.perf_counter() - start) * 1000)
                    response.raise_for_status()
                    sent.append(text)
        rasa_rss, actions_rss = rss_mb(rasa.pid), rss_mb(actions.pid)
    finally:
        for process in (rasa, actions):
            process.send_signal(signal.SIGINT)
        for process in (rasa, actions):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()

    print("== つながりナビ server benchmark (targets: p95 <= 100 ms, start-up <= 45 s, memory <= 1.5 GB)")
    print(f"start-up (launch to model loaded): {startup:.1f} s")
    print(f"resident memory: rasa server {rasa_rss:.0f} MB, action server {actions_rss:.0f} MB")
    print(
        f"REST round trip over {len(latencies)} messages ({len(CONVERSATIONS)} scripted conversations, "
        f"with action and directory calls): p50 {statistics.median(latencies):.1f} ms, "
        f"p95 {percentile(latencies, 0.95):.1f} ms, max {max(latencies):.1f} ms"
    )
    print(spacy_comparison(sent))


if __name__ == "__main__":
    main()
