"""End-to-end: signed LINE webhooks → real Rasa server + action server
(trained model) → fake LINE Messaging API."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest
from line_fakes import follow_event, postback_event, sign, text_event, webhook_body

pytestmark = pytest.mark.e2e


def new_user() -> str:
    return "U" + uuid.uuid4().hex


def post(stack, *events, secret=None):
    import rasa_stack

    body = webhook_body(*events)
    request = urllib.request.Request(
        f"{stack.base_url}/webhooks/line/callback",
        data=body,
        headers={"Content-Type": "application/json", "X-Line-Signature": sign(secret or rasa_stack.LINE_SECRET, body)},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def messages_for(stack, reply_token, user, timeout=90.0):
    """Messages delivered for one event: its reply (by token) plus pushes to the user."""

    def done(calls):
        replies = [c for c in calls if c["kind"] == "reply" and c["body"].get("replyToken") == reply_token]
        return replies if any(c["status"] == 200 for c in replies) else None

    stack.line.wait_for(done, timeout)
    # Pushes (if more than five messages) follow the reply right away.
    import time

    time.sleep(0.5)
    out = []
    for call in stack.line.calls:
        ok = call["status"] == 200
        if ok and call["kind"] == "reply" and call["body"].get("replyToken") == reply_token:
            out.extend(call["body"]["messages"])
    for call in stack.line.calls:
        if call["status"] == 200 and call["kind"] == "push" and call["body"].get("to") == user:
            out.extend(call["body"]["messages"])
    return out


def quick_reply_data(messages):
    items = messages[-1].get("quickReply", {}).get("items", [])
    return {i["action"]["label"]: i["action"]["data"] for i in items}


def texts(messages):
    return "\n".join(m.get("text") or m.get("altText", "") for m in messages)


def test_forged_webhook_rejected_by_real_server(stack):
    before = len(stack.line.calls)
    assert post(stack, text_event("こんにちは", new_user()), secret="forged") == 403
    assert len(stack.line.calls) == before


def test_follow_gets_greeting_with_menu(stack):
    user = new_user()
    token = "rt-" + uuid.uuid4().hex
    assert post(stack, follow_event(user, reply_token=token)) == 200
    messages = messages_for(stack, token, user)
    assert "つながりナビ" in texts(messages)
    assert "/seek_counseling" in quick_reply_data(messages).values()
    assert all(len(m.get("text", "")) <= 5000 for m in messages)


def test_full_referral_ends_with_directory_flex(stack):
    user = new_user()
    steps = [
        ("text", "こんにちは"),
        ("postback", "/seek_counseling"),
        ("postback", '/inform{"contact_channel":"phone"}'),
        ("postback", '/inform{"contact_time":"any"}'),
    ]
    last = []
    for kind, value in steps:
        token = "rt-" + uuid.uuid4().hex
        event = (
            text_event(value, user, reply_token=token)
            if kind == "text"
            else postback_event(value, user, reply_token=token)
        )
        assert post(stack, event) == 200
        last = messages_for(stack, token, user)
        assert last, f"no answer to {value}"
    flex = [m for m in last if m["type"] == "flex" and m["contents"]["type"] == "carousel"]
    assert flex, json.dumps(last, ensure_ascii=False)[:2000]
    carousel = flex[0]
    assert carousel["altText"] and len(carousel["altText"]) <= 400
    assert len(json.dumps(carousel["contents"], ensure_ascii=False).encode("utf-8")) < 50_000
    bubble = carousel["contents"]["contents"][0]
    assert bubble["body"]["contents"][0]["text"]  # the service name
    uris = [b["action"]["uri"] for b in bubble.get("footer", {}).get("contents", [])]
    assert all(u.startswith(("tel:", "https://", "http://")) for u in uris)


def test_crisis_message_gets_24h_lines(stack):
    user = new_user()
    token = "rt-" + uuid.uuid4().hex
    assert post(stack, text_event("本当に死にたいと思っています", user, reply_token=token)) == 200
    messages = messages_for(stack, token, user)
    assert "24時間" in texts(messages)
    tel_uris = [
        b["action"]["uri"]
        for m in messages
        if m["type"] == "flex" and m["contents"]["type"] == "bubble"
        for b in m["contents"].get("footer", {}).get("contents", [])
    ]
    assert "tel:0332644343" in tel_uris


def test_raw_line_user_id_never_reaches_tracker(stack):
    user = new_user()
    token = "rt-" + uuid.uuid4().hex
    assert post(stack, text_event("こんにちは", user, reply_token=token)) == 200
    messages_for(stack, token, user)
    import rasa_stack

    from tsunagari.line_ids import hash_line_user_id

    hashed = hash_line_user_id(user, rasa_stack.LINE_USER_ID_SECRET)
    with urllib.request.urlopen(f"{stack.base_url}/conversations/{hashed}/tracker", timeout=10) as resp:
        tracker = json.loads(resp.read())
    assert any(e.get("event") == "user" for e in tracker["events"]), "no conversation under the hashed sender id"
    dumped = json.dumps(tracker, ensure_ascii=False)
    assert user not in dumped
    metadata = [e.get("metadata") for e in tracker["events"] if e.get("event") == "user"]
    assert metadata and all(m.get("channel") == "line" for m in metadata)
