"""The service on its default SQLite store: locked API, open channels, redacted storage,
restart in crisis mode, retention, and no connection beyond loopback."""

from __future__ import annotations

import json
import subprocess

import pytest
import sqlalchemy as sa
from service_stack import BIN, ROOT, TOKEN, ServiceStack, is_crisis_reply

pytestmark = pytest.mark.e2e

PHONE = "090-1234-5678"
MAIL = "tanaka.taro@example.com"


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    db = tmp_path_factory.mktemp("tracker") / "tracker.sqlite3"
    stack = ServiceStack(f"sqlite:///{db}")
    try:
        stack.start()
    except FileNotFoundError as exc:
        stack.stop()
        pytest.fail(str(exc))
    except BaseException:
        stack.stop()
        raise
    stack.db_path = db
    yield stack
    stack.stop()


def rows(stack, sender=None):
    engine = sa.create_engine(f"sqlite:///{stack.db_path}", future=True)
    with engine.connect() as conn:
        query = "SELECT sender_id, type_name, timestamp, data FROM events"
        result = conn.execute(
            sa.text(query + (" WHERE sender_id = :s" if sender else "") + " ORDER BY id"),
            {"s": sender} if sender else {},
        ).all()
    engine.dispose()
    return result


def test_api_needs_the_token_and_channels_stay_open(service):
    service.say("api-check", "こんにちは")
    for method, path in (
        ("GET", "/conversations/api-check/tracker"),
        ("GET", "/status"),
        ("POST", "/conversations/api-check/tracker/events"),
        ("PUT", "/model"),
        ("GET", "/conversations/api-check/story"),
    ):
        status, _, _ = service.request(
            method, path, b"{}" if method != "GET" else None, {"Content-Type": "application/json"}
        )
        assert status in (401, 403), (method, path, status)
        status, _, _ = service.request(
            method, path + "?token=wrong", b"{}" if method != "GET" else None, {"Content-Type": "application/json"}
        )
        assert status in (401, 403), (method, path, status)
    assert service.get(f"/conversations/api-check/tracker?token={TOKEN}")[0] == 200
    # Channels answer without a token, as they must.
    status, replies = service.say("channel-check", "こんにちは")
    assert status == 200 and replies
    assert service.get("/webchat/")[0] == 200
    assert service.get("/socket.io/?EIO=4&transport=polling")[0] == 200
    assert service.line_webhook({"destination": "x", "events": []}) == 200


def test_cors_allows_only_the_servers_own_origin(service):
    own = f"http://localhost:{service.port}"
    _, _, headers = service.request("GET", "/", headers={"Origin": own})
    assert headers.get("Access-Control-Allow-Origin") == own
    _, _, headers = service.request("GET", "/", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in headers


def test_pii_is_not_stored_while_the_dialogue_works_and_a_restart_keeps_crisis_mode(service):
    sender = "resident-pii"
    status, replies = service.say(sender, f"もう消えたい。電話は{PHONE}、メールは{MAIL}、田中と申します")
    assert status == 200
    texts = [r.get("text", "") for r in replies]
    assert any(is_crisis_reply(r) for r in replies), texts  # the full text reached NLU and the safety layer
    assert service.tracker(sender)["slots"]["crisis"] is True

    stored = rows(service, sender)
    assert stored
    everything = "\n".join(r.data for r in stored)
    for secret in (PHONE, "1234-5678", MAIL, "田中"):
        assert secret not in everything
    user = [json.loads(r.data) for r in stored if r.type_name == "user"][0]
    assert user["text"] == user["parse_data"]["text"]
    assert "[電話番号]" in user["text"] and "[メール]" in user["text"] and "[名前]" in user["text"]
    assert user["parse_data"]["intent"]["name"] == "crisis"
    assert PHONE not in service.log() and "田中" not in service.log()

    service.stop_rasa()
    service.start()
    after = service.tracker(sender)
    assert after["slots"]["crisis"] is True
    status, replies = service.say(sender, "ずっとひとりで誰もわかってくれない")
    assert status == 200
    texts = [r.get("text", "") for r in replies]
    assert texts and all(is_crisis_reply(r) for r in replies), texts  # still in crisis mode
    users = [json.loads(r.data) for r in rows(service, sender) if r.type_name == "user"]
    assert len(users) == 2


def test_retention_deletes_old_conversations_and_keeps_new_ones(service):
    assert service.say("old-conversation", "こんにちは")[0] == 200
    assert service.say("new-conversation", "こんにちは")[0] == 200
    engine = sa.create_engine(f"sqlite:///{service.db_path}", future=True)
    with engine.begin() as conn:  # as if it had last been written 40 days ago
        conn.execute(
            sa.text("UPDATE events SET timestamp = timestamp - 40 * 86400 WHERE sender_id = 'old-conversation'")
        )
    engine.dispose()
    env = {**service.env(), "TSUNAGARI_TRACKER_URL": f"sqlite:///{service.db_path}"}
    done = subprocess.run(
        [str(BIN / "tsunagari"), "retention", "--days", "30"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    senders = {r.sender_id for r in rows(service)}
    assert "old-conversation" not in senders and "new-conversation" in senders and "resident-pii" in senders
    assert service.tracker("old-conversation")["events"] in ([], None) or not any(
        e.get("event") == "user" for e in service.tracker("old-conversation")["events"]
    )


def test_no_connection_beyond_loopback(service):
    """Start-up, two server starts and the conversations above: nothing but loopback."""
    service.say("net-check", "こんにちは")
    service.hold_connection()
    bad, local = service.outbound()
    assert any("rasa_server.py" in c for c in service.watched_commands()), "audit hook not loaded in the server"
    assert local > 0, "the network watchers saw no loopback traffic either: they are not working"
    assert bad == [], bad
