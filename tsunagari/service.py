"""How the Rasa server is started as a service: token, CORS, log level, no outbound traffic.

Plain functions (no Rasa import) used by scripts/rasa_server.py, so they can
be tested without a server. The HTTP API is locked with Rasa's own
``--auth-token``; channels (REST, socket.io, web chat, LINE) stay open.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from pathlib import Path

from .config import export, settings

REPO_ROOT = Path(__file__).resolve().parents[1]
TOKEN_FILE = REPO_ROOT / "var" / "api_token"
DEBUG_FLAGS = ("--debug", "-vv", "--verbose", "-v")

# Environment for every Rasa process: nothing may leave the machine.
# RASA_TELEMETRY_ENABLED=false stops both the Segment events and Sentry
# error reporting (rasa/telemetry.py: initialize_error_reporting is wrapped
# in ensure_telemetry_enabled); the empty keys make sure no key from the
# environment re-enables a destination.
NO_OUTBOUND_ENV: dict[str, str] = {
    "RASA_TELEMETRY_ENABLED": "false",
    "RASA_TELEMETRY_WRITE_KEY": "",
    "RASA_EXCEPTION_WRITE_KEY": "",
    "SENTRY_DSN": "",
}


def switch_off_outbound_reporting() -> None:
    """For a bare ``rasa run`` without the start scripts: no telemetry, no Sentry.

    Called when Rasa imports our channels (before it sends its "server
    started" event, which reads RASA_TELEMETRY_ENABLED at that moment) and
    the tracker store; it also unbinds the Sentry client Rasa may already
    have set up, so no error report can be sent.
    """
    export(NO_OUTBOUND_ENV)
    try:
        import sentry_sdk

        sentry_sdk.Hub.current.bind_client(None)
    except Exception:  # noqa: BLE001 - sentry_sdk missing or changed: nothing to unbind
        pass


class ServiceConfigError(ValueError):
    """A setting that stops the server from starting, with a message for staff."""


def api_token(token_file: Path = TOKEN_FILE) -> tuple[str, str]:
    """The API token and where it came from ("env" or the file path).

    TSUNAGARI_API_TOKEN wins; otherwise the token in ``token_file`` is used,
    created (32 random bytes, mode 600) when missing.
    """
    token = settings().api_token
    if token:
        return token, "env"
    if token_file.exists():
        token = token_file.read_text(encoding="ascii").strip()
        if token:
            if token_file.stat().st_mode & 0o077:
                os.chmod(token_file, 0o600)
            return token, str(token_file)
    token_file.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(token + "\n")
    os.chmod(token_file, 0o600)
    return token, str(token_file)


def cors_origins(port: int) -> list[str]:
    """TSUNAGARI_ALLOWED_ORIGINS (comma-separated), else the server's own origins."""
    configured = [o.strip() for o in settings().allowed_origins.split(",") if o.strip()]
    if "*" in configured:
        raise ServiceConfigError("TSUNAGARI_ALLOWED_ORIGINS に * は使えません。許可するオリジンを列挙してください。")
    return configured or [f"http://localhost:{port}", f"http://127.0.0.1:{port}"]


def check_log_level(extra_args: Sequence[str]) -> None:
    """Refuse Rasa's debug logging (it logs whole messages) unless explicitly allowed."""
    if any(arg in DEBUG_FLAGS for arg in extra_args) and settings().allow_debug_logs != "1":
        raise ServiceConfigError(
            "--debug / --verbose はメッセージ本文をログに書くため使えません。"
            "検証用の環境でどうしても必要なときだけ TSUNAGARI_ALLOW_DEBUG_LOGS=1 を設定してください。"
        )


def rasa_run_argv(port: int, token: str, extra_args: Sequence[str] = ()) -> list[str]:
    """``rasa run`` arguments for the service (the evaluation contract plus token and CORS)."""
    check_log_level(extra_args)
    return [
        "rasa",
        "run",
        "--enable-api",
        "--auth-token",
        token,
        "--cors",
        *cors_origins(port),
        "--port",
        str(port),
        "-m",
        "models",
        "--endpoints",
        "endpoints.yml",
        "--credentials",
        "credentials.yml",
        *extra_args,
    ]
