"""Log lines never carry message text, sender ids, tokens or personal data (tsunagari.privacy.logs)."""

from __future__ import annotations

import io
import logging

from tsunagari.privacy import logs
from tsunagari.privacy.logs import REMOVED, install_log_scrubber, rotating_sink, scrub_log_line


def test_structlog_key_values_are_removed():
    line = "2026-12-01 21:00:00 ERROR rasa.core.channels.rest - rest.message.received.failure text=もう 消えたい 090-1111-2222"
    cleaned = scrub_log_line(line)
    assert "消えたい" not in cleaned and "090-1111-2222" not in cleaned
    assert cleaned.endswith(f"text={REMOVED}")


def test_ids_tokens_and_conversation_paths_are_removed():
    line = 'sender_id="U4af49806" GET /conversations/abc-123/tracker?token=s3cret&x=1 Authorization: Bearer abc.def'
    cleaned = scrub_log_line(line)
    for secret in ("U4af49806", "abc-123", "s3cret", "abc.def"):
        assert secret not in cleaned
    assert "/conversations/[removed]/tracker" in cleaned


def test_ordinary_lines_are_untouched():
    line = "2026-12-01 21:00:00 INFO     root  - Rasa server is up and running on http://127.0.0.1:5005"
    assert scrub_log_line(line) == line


def test_record_factory_cleans_info_records_whatever_the_handler(caplog):
    install_log_scrubber()
    install_log_scrubber()  # idempotent
    caplog.set_level(logging.DEBUG)
    log = logging.getLogger("some.library")
    log.info("user said text=%s", "田中と申します 090-1234-5678")
    log.debug("debug keeps text=%s", "そのまま")
    try:
        raise RuntimeError("failed on 'tanaka@example.com'")
    except RuntimeError:
        log.exception("failure")
    assert "090-1234-5678" not in caplog.text and "田中" not in caplog.text
    assert "tanaka@example.com" not in caplog.text
    assert "そのまま" in caplog.text  # DEBUG is refused by `make run`, not rewritten


def test_sink_rotates_and_cleans(tmp_path, monkeypatch):
    monkeypatch.setattr(logs, "MAX_BYTES", 2000)
    stream = io.StringIO("".join(f"line {i} token=abc{i}\n" for i in range(400)))
    rotating_sink(tmp_path / "rasa.log", stream)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert "rasa.log" in files and "rasa.log.1" in files
    assert len(files) <= logs.BACKUP_COUNT + 1
    text = "".join(p.read_text(encoding="utf-8") for p in tmp_path.iterdir())
    assert "abc399" not in text and f"token={REMOVED}" in text
