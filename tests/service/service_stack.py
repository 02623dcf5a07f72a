"""The real service for end-to-end tests, started the way `make run` starts it.

``ServiceStack`` runs ``rasa run actions`` and ``scripts/rasa_server.py`` (the
launcher behind scripts/run.sh) on random loopback ports, with a known API
token, a tracker database of the test's choosing and a temporary directory
database. RASA_TELEMETRY_ENABLED is removed from the children's environment
on purpose: the launcher must switch telemetry off by itself. Every child
runs with tests/service/netwatch/sitecustomize.py, which records each name
lookup and outgoing address (see ``outbound()``).
"""

from __future__ import annotations

import ast
import base64
import hashlib
import hmac
import ipaddress
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
TOKEN = "e2e-service-token-7f3a"
LINE_SECRET = "e2e-service-line-secret"
STARTUP_TIMEOUT = float(os.environ.get("TSUNAGARI_E2E_STARTUP_TIMEOUT", "420"))
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "", None}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def model_path() -> Path:
    model = ROOT / "models" / "tsunagari.tar.gz"
    if not model.exists():
        raise FileNotFoundError("no trained model in models/ (run `make train`)")
    return model


def _decode_address(hex_address: str) -> str:
    host, _port = hex_address.split(":")
    raw = bytes.fromhex(host)
    if len(raw) == 4:
        return str(ipaddress.IPv4Address(raw[::-1]))
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    address = ipaddress.IPv6Address(words)
    return str(address.ipv4_mapped or address)


class ProcNetWatcher:
    """Polls /proc for the remote addresses of every socket the watched processes hold.

    Complements the audit hook: uvloop (used by Sanic) and libpq open their
    sockets in C, out of reach of Python audit hooks, but not of /proc.
    """

    def __init__(self, interval: float = 0.1) -> None:
        self.pids: list[int] = []
        self.remote: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="proc-net-watcher", daemon=True)
        self._interval = interval

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            for pid in list(self.pids):
                try:
                    self._scan(pid)
                except OSError:
                    pass  # the process has just exited

    def _scan(self, pid: int) -> None:
        inodes = set()
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        if not inodes:
            return
        for table in ("tcp", "tcp6", "udp", "udp6"):
            with open(f"/proc/{pid}/net/{table}", encoding="ascii") as handle:
                next(handle)
                for line in handle:
                    parts = line.split()
                    if len(parts) < 10 or parts[9] not in inodes:
                        continue
                    remote = _decode_address(parts[2])
                    if parts[2].split(":")[1] != "0000":  # connected, not listening
                        self.remote[f"{table} {remote}"] = self.remote.get(f"{table} {remote}", 0) + 1


class ServiceStack:
    def __init__(self, tracker_url: str, store_text: str = "redacted", bare_rasa: bool = False) -> None:
        """``bare_rasa``: start the evaluation contract command itself (``rasa run --enable-api
        --auth-token T ...``) instead of the launcher, with a HOME whose Rasa config has
        telemetry switched ON, as on a machine where someone once ran Rasa without our scripts."""
        self.bare_rasa = bare_rasa
        self.tracker_url = tracker_url
        self.store_text = store_text
        self.tmp = Path(tempfile.mkdtemp(prefix="tsunagari-service-"))
        self.netlog = self.tmp / "net.log"
        self.actions_port = free_port()
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.procs: dict[str, subprocess.Popen] = {}
        self.watcher = ProcNetWatcher()
        self.watcher.start()
        self._write_config()

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
        (self.tmp / "credentials.yml").write_text(yaml.safe_dump(credentials), encoding="utf-8")
        endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
        endpoints["action_endpoint"] = {
            **endpoints.get("action_endpoint", {}),
            "url": f"http://127.0.0.1:{self.actions_port}/webhook",
        }
        (self.tmp / "endpoints.yml").write_text(yaml.safe_dump(endpoints), encoding="utf-8")

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RASA_TELEMETRY")}
        env.update(
            {
                "PYTHONPATH": os.pathsep.join([str(HERE / "netwatch"), str(ROOT)]),
                "PYTHONIOENCODING": "utf-8",
                "LANG": "C.UTF-8",
                "TF_CPP_MIN_LOG_LEVEL": "2",
                "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
                "TSUNAGARI_NETWATCH_LOG": str(self.netlog),
                "TSUNAGARI_API_TOKEN": TOKEN,
                "TSUNAGARI_TRACKER_URL": self.tracker_url,
                "TSUNAGARI_STORE_TEXT": self.store_text,
                "TSUNAGARI_DATABASE_URL": f"sqlite:///{self.tmp / 'directory.sqlite3'}",
                "LINE_CHANNEL_SECRET": LINE_SECRET,
                "LINE_CHANNEL_ACCESS_TOKEN": "e2e-service-line-token",
                "LINE_USER_ID_SECRET": "e2e-service-user-id-secret",
                "LINE_API_BASE": f"http://127.0.0.1:{free_port()}",
            }
        )
        if self.bare_rasa:
            home = self.tmp / "home"
            (home / ".config" / "rasa").mkdir(parents=True, exist_ok=True)
            (home / ".config" / "rasa" / "global.yml").write_text(
                "metrics:\n  enabled: true\n  rasa_user_id: 0123456789abcdef\n  date: 2026-12-01 00:00:00\n",
                encoding="utf-8",
            )
            env["HOME"] = str(home)
            env.pop("TSUNAGARI_API_TOKEN")
        return env

    def _spawn(self, name: str, args: list[str]) -> None:
        log = open(self.tmp / f"{name}.log", "ab")
        self.procs[name] = subprocess.Popen(
            args,
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.watcher.pids.append(self.procs[name].pid)

    def log(self, name: str = "rasa") -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def start(self) -> ServiceStack:
        if "actions" not in self.procs:
            subprocess.run(
                [str(BIN / "tsunagari"), "directory", "init"],
                cwd=ROOT,
                env=self.env(),
                check=False,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=300,
            )
            self._spawn(
                "actions",
                [str(BIN / "rasa"), "run", "actions", "--port", str(self.actions_port), "--actions", "actions"],
            )
        common = [
            "-m",
            str(model_path()),
            "--interface",
            "127.0.0.1",
            "--endpoints",
            str(self.tmp / "endpoints.yml"),
            "--credentials",
            str(self.tmp / "credentials.yml"),
        ]
        if self.bare_rasa:
            self._spawn(
                "rasa",
                [str(BIN / "rasa"), "run", "--enable-api", "--auth-token", TOKEN, "--port", str(self.port), *common],
            )
        else:
            self._spawn("rasa", [str(BIN / "python"), "scripts/rasa_server.py", str(self.port), *common])
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.log(name)[-4000:]}")
            status, body = self.get(f"/status?token={TOKEN}")
            if status == 200 and json.loads(body or b"{}").get("model_file"):
                return self
            time.sleep(1)
        raise RuntimeError(f"rasa not ready after {STARTUP_TIMEOUT:.0f}s:\n{self.log()[-4000:]}")

    def stop_rasa(self) -> None:
        self._stop("rasa")

    def _stop(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)

    def stop(self) -> None:
        for name in list(self.procs):
            self._stop(name)
        self.watcher.stop()
        if not os.environ.get("TSUNAGARI_E2E_KEEP"):
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- HTTP ---------------------------------------------------------------------
    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes, dict[str, str]]:
        req = urllib.request.Request(self.base_url + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, resp.read(), dict(resp.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), dict(exc.headers)
        except OSError:
            return 0, b"", {}

    def get(self, path: str) -> tuple[int, bytes]:
        status, body, _ = self.request("GET", path)
        return status, body

    def say(self, sender: str, text: str) -> tuple[int, list[dict]]:
        status, body, _ = self.request(
            "POST",
            "/webhooks/rest/webhook",
            json.dumps({"sender": sender, "message": text}).encode("utf-8"),
            {"Content-Type": "application/json"},
        )
        return status, (json.loads(body) if status == 200 else [])

    def tracker(self, sender: str) -> dict:
        status, body = self.get(f"/conversations/{sender}/tracker?token={TOKEN}")
        assert status == 200, (status, body[:300])
        return json.loads(body)

    def line_webhook(self, payload: dict) -> int:
        body = json.dumps(payload).encode("utf-8")
        signature = base64.b64encode(hmac.new(LINE_SECRET.encode(), body, hashlib.sha256).digest()).decode()
        status, _, _ = self.request(
            "POST", "/webhooks/line/callback", body, {"Content-Type": "application/json", "X-Line-Signature": signature}
        )
        return status

    # -- outbound traffic -------------------------------------------------------------
    def hold_connection(self, seconds: float = 1.0) -> None:
        """Keep one loopback HTTP connection open to the server: the /proc watcher's positive control."""
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", "/")
            connection.getresponse().read()
            time.sleep(seconds)
            connection.request("GET", "/")
            connection.getresponse().read()
        finally:
            connection.close()

    def watched_commands(self) -> list[str]:
        text = self.netlog.read_text(encoding="utf-8") if self.netlog.exists() else ""
        return [line.split("\t", 2)[2] for line in text.splitlines() if "\twatching\t" in line]

    def outbound(self) -> tuple[list[str], int]:
        """(non-loopback lookups/addresses, number of loopback ones seen), from both watchers."""
        bad, local = [], 0
        for key in self.watcher.remote:
            if _is_loopback(key.split(" ", 1)[1]):
                local += 1
            else:
                bad.append(f"/proc: {key}")
        text = self.netlog.read_text(encoding="utf-8") if self.netlog.exists() else ""
        for line in text.splitlines():
            _pid, kind, raw = line.split("\t", 2)
            if kind == "watching":
                continue
            try:
                value = ast.literal_eval(raw)  # repr() of a str / tuple / None written by the hook
            except (ValueError, SyntaxError):
                bad.append(line)
                continue
            host = value[0] if isinstance(value, tuple) else value
            if kind == "socket.connect" and isinstance(value, str):
                local += 1  # a unix socket path
                continue
            if _is_loopback(host):
                local += 1
            else:
                bad.append(line)
        return bad, local


def _is_loopback(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if host in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def is_crisis_reply(reply: dict) -> bool:
    """A message of the crisis reply or of crisis mode (actions/crisis.py composes them)."""
    text = reply.get("text") or ""
    custom = reply.get("custom") or {}
    return custom.get("type") == "crisis_contacts" or "119" in text or "03-3264-4343" in text or "安全" in text
