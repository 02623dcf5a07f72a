"""Keep message text, sender ids and secrets out of log lines.

Two layers, both using ``scrub_log_line``:
- ``install_log_scrubber()`` replaces the logging record factory, so every
  record at INFO or above is cleaned whatever handler writes it (Rasa adds
  its own handlers after any logging configuration we could pass it);
- ``python -m tsunagari.privacy.logs FILE`` reads a process's output on
  stdin (tracebacks and prints included), cleans each line and writes it to
  FILE with size-based rotation (10 MB x 5 files, standard library
  ``RotatingFileHandler``), so no external logrotate is needed.

What is removed: values of ``text=`` / ``sender_id=`` / ``sender=`` /
``conversation_id=`` / ``token=`` (structlog key-value pairs and URL
queries), ``/conversations/<id>/`` paths, and anything ``redact`` finds.
DEBUG records are left alone: Rasa's --debug logs whole messages, which is
why ``make run`` refuses it unless TSUNAGARI_ALLOW_DEBUG_LOGS=1.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
from pathlib import Path

from .redact import redact

MAX_BYTES = 10 * 1024 * 1024
BACKUP_COUNT = 5
REMOVED = "[removed]"

# Free text runs to the next "key=" or the end of the line; ids and tokens end at a delimiter.
_TEXT_VALUE = re.compile(
    r"(?P<key>\b(?:text|message|user_message))(?P<sep>\s*[=:]\s*)(?P<value>.*?)(?=\s+\w+=|$)",
    re.IGNORECASE,
)
_ID_VALUE = re.compile(
    r"(?P<key>\b(?:sender_id|sender|conversation_id|user_id|auth_token|token|authorization))"
    r"(?P<sep>\s*[=:]\s*)(?P<value>'[^']*'|\"[^\"]*\"|[^&\s,)}\]]+)",
    re.IGNORECASE,
)
_CONVERSATION_PATH = re.compile(r"(/conversations/)[^/\s?]+")
_BEARER = re.compile(r"(Bearer\s+)\S+", re.IGNORECASE)


def scrub_log_line(line: str) -> str:
    """``line`` without message text, sender ids, tokens or personal data."""
    try:
        line = _BEARER.sub(rf"\1{REMOVED}", line)
        for pattern in (_TEXT_VALUE, _ID_VALUE):
            line = pattern.sub(lambda m: f"{m.group('key')}{m.group('sep')}{REMOVED}", line)
        line = _CONVERSATION_PATH.sub(rf"\1{REMOVED}", line)
        return redact(line, keep=("url",))  # server addresses stay readable
    except Exception:  # noqa: BLE001 - never lose the fact that something was logged
        return "[log line removed: it could not be cleaned]"


_installed = False


def install_log_scrubber() -> None:
    """Clean every log record at INFO or above, from now on, in this process (idempotent)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if record.levelno >= logging.INFO:
            try:
                message = record.getMessage()
            except Exception:  # noqa: BLE001 - bad format arguments: keep the template only
                message = str(record.msg)
            record.msg, record.args = scrub_log_line(message), ()
            if record.exc_info and record.exc_info[0] is not None:
                record.exc_text = scrub_log_line(logging.Formatter().formatException(record.exc_info))
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


def rotating_sink(path: Path, stream=None) -> None:
    """Copy ``stream`` (default stdin) line by line, cleaned, into a rotating file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(message)s"))
    source = stream or sys.stdin
    for raw in source:
        line = raw.rstrip("\n")
        record = logging.LogRecord("sink", logging.INFO, "", 0, scrub_log_line(line), (), None)
        handler.emit(record)
    handler.close()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m tsunagari.privacy.logs LOGFILE  (reads the log on stdin)")
    sys.stdin.reconfigure(encoding="utf-8", errors="replace")
    rotating_sink(Path(sys.argv[1]))
