"""Start the real つながりナビ stack for end-to-end tests, once per pytest process.

- a fake LINE Messaging API (``line_fakes.FakeLineApi``) in a background
  thread on 127.0.0.1 (random port);
- ``rasa run actions`` on a random loopback port;
- ``rasa run --enable-api -m <model> --credentials <temp> --endpoints <temp>``
  on a random loopback port, with a temporary credentials file enabling
  ``channels.line.LineInput`` and ``channels.webchat.WebChatInput`` and the
  LINE variables pointing at the fake API;
- the directory database is a temporary SQLite file.

Used by ``tests/channels/test_line_e2e.py`` and ``tests/browser/test_webchat.py``.
If no trained model exists the tests fail with a reason (``make test-e2e``
trains first, so there it always exists).
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import yaml
from line_fakes import FakeLineApi, free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LINE_SECRET = "e2e-channel-secret"
LINE_TOKEN = "e2e-access-token"
LINE_USER_ID_SECRET = "e2e-user-id-secret"
STARTUP_TIMEOUT = float(os.environ.get("TSUNAGARI_E2E_STARTUP_TIMEOUT", "420"))


def find_model() -> Path | None:
    override = os.environ.get("TSUNAGARI_E2E_MODEL")
    if override:
        return Path(override)
    preferred = ROOT / "models" / "tsunagari.tar.gz"
    if preferred.exists():
        return preferred
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


class ThreadedFakeLineApi:
    """FakeLineApi served from its own event loop in a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fake-line-api", daemon=True)
        self.thread.start()
        self.api = FakeLineApi(LINE_TOKEN)
        asyncio.run_coroutine_threadsafe(self.api.start(), self.loop).result(10)
        self.base_url = self.api.base_url

    @property
    def calls(self) -> list[dict]:
        return list(self.api.calls)

    def wait_for(self, predicate: Callable[[list[dict]], object], timeout: float = 60.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate(self.calls)
            if result:
                return result
            time.sleep(0.1)
        raise AssertionError("fake LINE API: timed out; calls: " + json.dumps(self.calls, ensure_ascii=False)[:4000])

    def stop(self) -> None:
        try:
            asyncio.run_coroutine_threadsafe(self.api.stop(), self.loop).result(10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)


class RasaStack:
    def __init__(self, model: Path) -> None:
        self.model = model
        self.tmp = Path(tempfile.mkdtemp(prefix="tsunagari-e2e-"))
        self.line = ThreadedFakeLineApi()
        self.actions_port = free_port()
        self.rasa_port = free_port()
        self.base_url = f"http://127.0.0.1:{self.rasa_port}"
        self.procs: list[subprocess.Popen] = []

    # -- files ----------------------------------------------------------------
    def _write_config(self) -> None:
        credentials = {
            "rest": None,
            "channels.line.LineInput": {},
            "channels.webchat.WebChatInput": {
                "user_message_evt": "user_uttered",
                "bot_message_evt": "bot_uttered",
                "session_persistence": True,
            },
        }
        (self.tmp / "credentials.yml").write_text(yaml.safe_dump(credentials, allow_unicode=True), encoding="utf-8")
        endpoints_path = ROOT / "endpoints.yml"
        endpoints = yaml.safe_load(endpoints_path.read_text(encoding="utf-8")) if endpoints_path.exists() else {}
        endpoints = endpoints or {}
        endpoints["action_endpoint"] = {
            **endpoints.get("action_endpoint", {}),
            "url": f"http://127.0.0.1:{self.actions_port}/webhook",
        }
        for key in ("tracker_store", "lock_store", "event_broker"):
            endpoints.pop(key, None)  # in-memory for tests
        (self.tmp / "endpoints.yml").write_text(yaml.safe_dump(endpoints, allow_unicode=True), encoding="utf-8")

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "PYTHONPATH": str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
                "PYTHONIOENCODING": "utf-8",
                "LANG": "C.UTF-8",
                "TF_CPP_MIN_LOG_LEVEL": "2",
                "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
                "RASA_TELEMETRY_ENABLED": "false",
                "TSUNAGARI_DATABASE_URL": f"sqlite:///{self.tmp / 'directory.sqlite3'}",
                "LINE_CHANNEL_SECRET": LINE_SECRET,
                "LINE_CHANNEL_ACCESS_TOKEN": LINE_TOKEN,
                "LINE_USER_ID_SECRET": LINE_USER_ID_SECRET,
                "LINE_API_BASE": self.line.base_url,
            }
        )
        return env

    # -- processes --------------------------------------------------------------
    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "wb")
        proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.tmp / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    def _wait_http(self, url: str, proc: subprocess.Popen, name: str, deadline: float, check=None) -> None:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.log_tail(name)}")
            try:
                with urllib.request.urlopen(url, timeout=5) as resp:
                    body = resp.read()
                    if resp.status == 200 and (check is None or check(body)):
                        return
            except OSError:
                pass
            time.sleep(1)
        raise RuntimeError(f"{name} not ready at {url} after {STARTUP_TIMEOUT:.0f}s:\n{self.log_tail(name)}")

    def start(self) -> RasaStack:
        self._write_config()
        tsunagari_cli = BIN / "tsunagari"
        if tsunagari_cli.exists():
            subprocess.run(
                [str(tsunagari_cli), "directory", "init"],
                cwd=ROOT,
                env=self.env(),
                check=False,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=300,
            )
        rasa = str(BIN / "rasa")
        actions = self._spawn(
            "actions", [rasa, "run", "actions", "--port", str(self.actions_port), "--actions", "actions"]
        )
        server = self._spawn(
            "rasa",
            [
                rasa,
                "run",
                "--enable-api",
                "-m",
                str(self.model),
                "--interface",
                "127.0.0.1",
                "--port",
                str(self.rasa_port),
                "--credentials",
                str(self.tmp / "credentials.yml"),
                "--endpoints",
                str(self.tmp / "endpoints.yml"),
            ],
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        self._wait_http(f"http://127.0.0.1:{self.actions_port}/health", actions, "actions", deadline)
        self._wait_http(
            f"{self.base_url}/status",
            server,
            "rasa",
            deadline,
            check=lambda body: bool(json.loads(body or b"{}").get("model_file")),
        )
        return self

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in self.procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.procs = []
        self.line.stop()
        if not os.environ.get("TSUNAGARI_E2E_KEEP"):
            shutil.rmtree(self.tmp, ignore_errors=True)


_stack: RasaStack | None = None
_error: BaseException | None = None


def shared_stack() -> RasaStack:
    """Start the stack on first use (per process); stopped at exit."""
    global _stack, _error
    if _error is not None:
        raise _error
    if _stack is None:
        model = find_model()
        if model is None:
            raise FileNotFoundError("no trained model in models/ (run `make train`)")
        stack = RasaStack(model)
        try:
            stack.start()
        except BaseException as exc:
            _error = exc
            stack.stop()
            raise
        atexit.register(stack.stop)
        _stack = stack
    return _stack
