"""The network watchers of the service tests can fail: they flag non-loopback addresses."""

from __future__ import annotations

from service_stack import ServiceStack, _decode_address, _is_loopback


def test_proc_addresses_decode():
    assert _decode_address("0100007F:1F90") == "127.0.0.1"
    assert _decode_address("00000000000000000000000001000000:0050") == "::1"
    assert _decode_address("0000000000000000FFFF00000100007F:0050") == "127.0.0.1"
    assert _decode_address("0A01A8C0:01BB") == "192.168.1.10"


def test_classification(tmp_path):
    stack = ServiceStack("sqlite:///" + str(tmp_path / "t.sqlite3"))
    try:
        stack.netlog.write_text(
            "1\twatching\t'scripts/rasa_server.py'\n"
            "1\tlookup\t'localhost'\n"
            "1\tsocket.connect\t('127.0.0.1', 5055)\n"
            "1\tsocket.connect\t'/var/run/postgresql/.s.PGSQL.5432'\n"
            "1\tlookup\t'o251570.ingest.sentry.io'\n"
            "1\tsocket.connect\t('35.186.247.156', 443)\n",
            encoding="utf-8",
        )
        stack.watcher.remote.update({"tcp 127.0.0.1": 3, "tcp6 2600:1f18::1": 1})
        bad, local = stack.outbound()
        assert local == 4
        assert len(bad) == 3 and any("sentry" in b for b in bad) and any("2600:1f18::1" in b for b in bad)
        assert _is_loopback("::1") and _is_loopback("127.0.0.53") and not _is_loopback("10.0.0.1")
    finally:
        stack.stop()
