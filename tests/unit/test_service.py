"""How the server is started as a service (tsunagari.service, scripts/rasa_server.py)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tsunagari.service import NO_OUTBOUND_ENV, ServiceConfigError, api_token, cors_origins, rasa_run_argv

ROOT = Path(__file__).resolve().parents[2]


def test_token_from_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("TSUNAGARI_API_TOKEN", "from-env")
    assert api_token(tmp_path / "api_token") == ("from-env", "env")
    assert not (tmp_path / "api_token").exists()


def test_token_file_is_created_once_with_mode_600(tmp_path, monkeypatch):
    monkeypatch.delenv("TSUNAGARI_API_TOKEN", raising=False)
    path = tmp_path / "var" / "api_token"
    token, source = api_token(path)
    assert len(token) >= 40 and source == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert api_token(path)[0] == token  # stable across restarts
    os.chmod(path, 0o644)
    api_token(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_cors_defaults_to_the_servers_own_origin(monkeypatch):
    monkeypatch.delenv("TSUNAGARI_ALLOWED_ORIGINS", raising=False)
    assert cors_origins(5005) == ["http://localhost:5005", "http://127.0.0.1:5005"]
    monkeypatch.setenv("TSUNAGARI_ALLOWED_ORIGINS", " https://a.example , https://b.example ")
    assert cors_origins(5005) == ["https://a.example", "https://b.example"]
    monkeypatch.setenv("TSUNAGARI_ALLOWED_ORIGINS", "*")
    with pytest.raises(ServiceConfigError):
        cors_origins(5005)


def test_argv_keeps_the_evaluation_contract(monkeypatch):
    monkeypatch.delenv("TSUNAGARI_ALLOWED_ORIGINS", raising=False)
    argv = rasa_run_argv(5006, "T")
    assert argv[:2] == ["rasa", "run"]
    for pair in (
        ["--auth-token", "T"],
        ["--port", "5006"],
        ["-m", "models"],
        ["--endpoints", "endpoints.yml"],
        ["--credentials", "credentials.yml"],
    ):
        index = argv.index(pair[0])
        assert argv[index : index + 2] == pair
    assert "--enable-api" in argv and "*" not in argv


def test_debug_is_refused_unless_explicitly_allowed(monkeypatch):
    monkeypatch.delenv("TSUNAGARI_ALLOW_DEBUG_LOGS", raising=False)
    for flag in ("--debug", "-vv", "--verbose"):
        with pytest.raises(ServiceConfigError, match="TSUNAGARI_ALLOW_DEBUG_LOGS"):
            rasa_run_argv(5005, "T", [flag])
    monkeypatch.setenv("TSUNAGARI_ALLOW_DEBUG_LOGS", "1")
    assert "--debug" in rasa_run_argv(5005, "T", ["--debug"])


def test_launcher_refuses_debug_before_starting_rasa():
    env = {k: v for k, v in os.environ.items() if k != "TSUNAGARI_ALLOW_DEBUG_LOGS"}
    env["TSUNAGARI_API_TOKEN"] = "T"
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "rasa_server.py"), "5999", "--debug"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "TSUNAGARI_ALLOW_DEBUG_LOGS" in done.stderr


def test_outbound_reporting_is_switched_off():
    assert NO_OUTBOUND_ENV["RASA_TELEMETRY_ENABLED"] == "false"
    for start_script in ("scripts/run.sh", "scripts/shell.sh"):
        assert "RASA_TELEMETRY_ENABLED=false" in (ROOT / start_script).read_text(encoding="utf-8")
    assert "export RASA_TELEMETRY_ENABLED := false" in (ROOT / "Makefile").read_text(encoding="utf-8")
