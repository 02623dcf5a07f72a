"""LINE channel tests: signed webhooks over real HTTP to a Sanic app holding
the channel blueprint, a fake Rasa message handler, and a fake LINE API."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import uuid
from typing import Any

import pytest
import pytest_asyncio
from line_fakes import (
    FakeLineApi,
    SanicRunner,
    follow_event,
    image_event,
    post_webhook,
    postback_event,
    sign,
    sticker_event,
    text_event,
    unfollow_event,
    webhook_body,
)
from sanic import Sanic

from channels import contract
from channels import line_messages as lm
from channels.line import LineInput
from tests.payload_samples import CARDS, CRISIS_CONTACTS
from tsunagari.line_ids import hash_line_user_id, is_hashed_sender_id

Sanic.test_mode = True  # several apps per process (see line_fakes.SanicRunner)

pytestmark = pytest.mark.asyncio

SECRET = "test-channel-secret"
TOKEN = "test-access-token"
USER_SECRET = "test-user-id-secret"
USER = "U" + "0123456789abcdef" * 2

_app_ids = itertools.count()


class FakeRasa:
    """Stands in for ``agent.handle_message``: records what it receives."""

    def __init__(self) -> None:
        self.received: list[Any] = []

    async def __call__(self, message) -> None:
        self.received.append(message)
        out = message.output_channel
        sid = message.sender_id
        text = message.text
        if text == "/greet":
            await out.send_response(
                sid,
                {
                    "text": "こんにちは。つながりナビです。",
                    "buttons": [
                        {"title": "話を聞いてほしい", "payload": "/seek_counseling"},
                        {"title": "居場所をさがしたい", "payload": "/seek_free_space"},
                    ],
                },
            )
        elif text == "many buttons":
            buttons = [
                {"title": f"とても長いボタンの名前その{i}です。ほんとうに長い", "payload": f'/inform{{"n":{i}}}'}
                for i in range(16)
            ]
            await out.send_response(sid, {"text": "えらんでください", "buttons": buttons})
        elif text == "cards":
            await out.send_response(
                sid, {"text": "こちらの窓口はいかがですか。", "custom": contract.directory_cards("", CARDS)}
            )
        elif text == "crisis":
            await out.send_response(
                sid,
                {
                    "text": "いまとてもつらいのですね。24時間つながる電話があります。",
                    "custom": contract.crisis_contacts(CRISIS_CONTACTS),
                },
            )
        elif text == "seven":
            for i in range(7):
                await out.send_response(sid, {"text": f"メッセージ{i + 1}"})
        elif text == "boom":
            raise RuntimeError("handler failure")
        else:
            await out.send_response(sid, {"text": f"echo:{text}"})


@pytest_asyncio.fixture
async def line_api():
    api = await FakeLineApi(TOKEN).start()
    yield api
    await api.stop()


@pytest_asyncio.fixture
async def stack(line_api):
    rasa = FakeRasa()
    channel = LineInput(SECRET, TOKEN, USER_SECRET, api_base=line_api.base_url)
    app = Sanic(f"line_test_{next(_app_ids)}")
    app.blueprint(channel.blueprint(rasa), url_prefix="/webhooks/line")
    runner = await SanicRunner(app).start()
    yield runner, channel, rasa, line_api
    await channel.wait_idle(5)
    await runner.stop()


async def send(runner, *events, secret=SECRET):
    body = webhook_body(*events)
    return await post_webhook(runner.base_url, body, sign(secret, body))


# --- signature ------------------------------------------------------------------


async def test_unsigned_request_is_rejected_and_nothing_sent(stack):
    runner, channel, rasa, api = stack
    resp = await post_webhook(runner.base_url, webhook_body(text_event("こんにちは", USER)), None)
    assert resp.status == 401
    await asyncio.sleep(0.3)
    assert rasa.received == [] and api.calls == []


async def test_forged_signature_is_rejected_and_nothing_sent(stack):
    runner, channel, rasa, api = stack
    body = webhook_body(text_event("こんにちは", USER))
    for bad in (sign("wrong-secret", body), "bm90LWEtc2lnbmF0dXJl", ""):
        resp = await post_webhook(runner.base_url, body, bad)
        assert resp.status in (401, 403)
    # A valid signature of another body does not validate this one.
    other = webhook_body(text_event("別の本文", USER))
    resp = await post_webhook(runner.base_url, body, sign(SECRET, other))
    assert resp.status == 403
    await asyncio.sleep(0.3)
    assert rasa.received == [] and api.calls == []


async def test_verification_request_with_no_events_gets_200(stack):
    runner, channel, rasa, api = stack
    resp = await send(runner)
    assert resp.status == 200
    await asyncio.sleep(0.2)
    assert api.calls == []


# --- events -----------------------------------------------------------------------


async def test_text_gets_reply_with_quick_replies(stack):
    runner, channel, rasa, api = stack
    resp = await send(runner, text_event("/greet", USER, reply_token="rt-greet"))
    assert resp.status == 200
    await api.wait_for(lambda a: a.ok_calls())
    [call] = api.replies()
    assert call["body"]["replyToken"] == "rt-greet"
    assert call["headers"]["Authorization"] == f"Bearer {TOKEN}"
    [msg] = call["body"]["messages"]
    assert msg["type"] == "text" and msg["text"].startswith("こんにちは")
    items = msg["quickReply"]["items"]
    assert [i["action"]["data"] for i in items] == ["/seek_counseling", "/seek_free_space"]
    assert all(i["action"]["type"] == "postback" and i["action"]["displayText"] for i in items)
    assert api.pushes() == []


async def test_quick_replies_capped_at_13_and_labels_at_20(stack):
    runner, channel, rasa, api = stack
    await send(runner, text_event("many buttons", USER))
    await api.wait_for(lambda a: a.ok_calls())
    items = api.replies()[0]["body"]["messages"][0]["quickReply"]["items"]
    assert len(items) == 13
    assert all(len(i["action"]["label"]) <= 20 for i in items)
    assert items[0]["action"]["data"] == '/inform{"n":0}'


async def test_postback_payload_goes_to_rasa_verbatim(stack):
    runner, channel, rasa, api = stack
    await send(runner, postback_event('/inform{"contact_channel":"phone"}', USER))
    await api.wait_for(lambda a: a.ok_calls())
    assert rasa.received[0].text == '/inform{"contact_channel":"phone"}'
    assert api.delivered_messages()[0]["text"] == 'echo:/inform{"contact_channel":"phone"}'


async def test_follow_sends_greeting(stack):
    runner, channel, rasa, api = stack
    await send(runner, follow_event(USER, reply_token="rt-follow"))
    await api.wait_for(lambda a: a.ok_calls())
    assert rasa.received[0].text == "/greet"
    assert api.replies()[0]["body"]["replyToken"] == "rt-follow"
    assert api.delivered_messages()[0]["text"].startswith("こんにちは")


async def test_unfollow_sends_nothing(stack):
    runner, channel, rasa, api = stack
    resp = await send(runner, unfollow_event(USER))
    assert resp.status == 200
    await channel.wait_idle(5)
    await asyncio.sleep(0.2)
    assert rasa.received == [] and api.calls == []


@pytest.mark.parametrize("make_event", [sticker_event, image_event])
async def test_sticker_or_image_gets_polite_text(stack, make_event):
    runner, channel, rasa, api = stack
    await send(runner, make_event(USER))
    await api.wait_for(lambda a: a.ok_calls())
    assert rasa.received == []
    [msg] = api.delivered_messages()
    assert msg == {"type": "text", "text": lm.UNSUPPORTED_MESSAGE_TEXT}
    assert "スタンプや画像" in msg["text"]


async def test_redelivered_event_is_processed_once(stack):
    runner, channel, rasa, api = stack
    event = text_event("一度だけ", USER, event_id="01HEVENTDEDUP0000000000000")
    await send(runner, event)
    await api.wait_for(lambda a: a.ok_calls())
    redelivered = dict(event, deliveryContext={"isRedelivery": True}, replyToken="another-token")
    resp = await send(runner, redelivered)
    assert resp.status == 200
    await channel.wait_idle(5)
    await asyncio.sleep(0.2)
    assert len(rasa.received) == 1
    assert len(api.calls) == 1


async def test_expired_reply_token_falls_back_to_push_with_retry_key(stack):
    runner, channel, rasa, api = stack
    api.invalid_reply_tokens.add("rt-expired")
    await send(runner, text_event("/greet", USER, reply_token="rt-expired"))
    await api.wait_for(lambda a: a.pushes())
    assert [c["status"] for c in api.replies()] == [400]
    [push] = api.pushes()
    assert push["status"] == 200
    assert push["body"]["to"] == USER  # push needs the raw id; Rasa never sees it
    uuid.UUID(push["headers"]["X-Line-Retry-Key"])
    assert push["body"]["messages"][0]["quickReply"]["items"]


async def test_push_retry_reuses_retry_key(stack):
    runner, channel, rasa, api = stack
    api.expire_all_reply_tokens = True
    api.push_failures = 1
    await send(runner, text_event("こんにちは", USER))
    await api.wait_for(lambda a: any(c["status"] == 200 for c in a.pushes()), timeout=15)
    pushes = api.pushes()
    assert [c["status"] for c in pushes] == [500, 200]
    assert pushes[0]["headers"]["X-Line-Retry-Key"] == pushes[1]["headers"]["X-Line-Retry-Key"]


async def test_more_than_five_messages_reply_five_push_rest(stack):
    runner, channel, rasa, api = stack
    await send(runner, text_event("seven", USER))
    await api.wait_for(lambda a: len(a.ok_calls()) == 2)
    [reply] = api.replies()
    [push] = api.pushes()
    assert [m["text"] for m in reply["body"]["messages"]] == [f"メッセージ{i}" for i in range(1, 6)]
    assert [m["text"] for m in push["body"]["messages"]] == ["メッセージ6", "メッセージ7"]


async def test_directory_cards_become_flex_carousel_with_alt_text(stack):
    runner, channel, rasa, api = stack
    await send(runner, text_event("cards", USER))
    await api.wait_for(lambda a: a.ok_calls())
    messages = api.delivered_messages()
    assert len(messages) == 1, "text + cards → only the Flex message"
    [flex] = messages
    assert flex["type"] == "flex"
    assert flex["altText"].startswith("こちらの窓口はいかがですか。")
    assert "東京いのちの電話" in flex["altText"] and len(flex["altText"]) <= 400
    carousel = flex["contents"]
    assert carousel["type"] == "carousel" and len(carousel["contents"]) == 3
    dumped = json.dumps(carousel, ensure_ascii=False)
    for snippet in ("時間: 24時間", "いますぐ話せます", "情報の確認: 2026年11月", "いま受付中です", "場所: 東京都"):
        assert snippet in dumped
    assert "2026-11-27" not in dumped, "the ISO date is data, never shown"
    first_actions = [b["action"] for b in carousel["contents"][0]["footer"]["contents"]]
    assert first_actions[0] == {"type": "uri", "label": "電話する", "uri": "tel:0332644343"}
    assert first_actions[1]["uri"] == "https://example.org/inochi"
    second_actions = [b["action"] for b in carousel["contents"][1]["footer"]["contents"]]
    assert second_actions[0]["uri"] == "https://line.me/R/ti/p/%40373suajs"
    # the card's own verified text, whatever its other fields say
    assert "最終確認: 2025年4月（変わっている場合があります）" in json.dumps(
        carousel["contents"][1], ensure_ascii=False
    )


async def test_crisis_reply_keeps_text_and_adds_call_buttons(stack):
    runner, channel, rasa, api = stack
    await send(runner, text_event("crisis", USER))
    await api.wait_for(lambda a: a.ok_calls())
    text_msg, flex = api.delivered_messages()
    assert "24時間" in text_msg["text"]
    assert flex["type"] == "flex" and "03-3264-4343" in flex["altText"]
    uris = [b["action"]["uri"] for b in flex["contents"]["footer"]["contents"]]
    assert uris == ["tel:110", "tel:119", "tel:0332644343"]


async def test_user_id_is_hashed_and_metadata_set(stack, caplog):
    caplog.set_level(logging.DEBUG)
    runner, channel, rasa, api = stack
    await send(runner, text_event("秘密のひとりごと", USER))
    await api.wait_for(lambda a: a.ok_calls())
    [message] = rasa.received
    assert message.sender_id == hash_line_user_id(USER, USER_SECRET)
    assert is_hashed_sender_id(message.sender_id)
    assert message.metadata == {"channel": "line"}
    assert message.input_channel == "line"
    received = json.dumps({"sender": message.sender_id, "text": message.text, "meta": message.metadata})
    assert USER not in received
    # Neither the raw id, the message text, nor secrets appear in the logs.
    assert USER not in caplog.text
    assert "秘密のひとりごと" not in caplog.text
    for secret in (SECRET, TOKEN, USER_SECRET):
        assert secret not in caplog.text


async def test_handler_failure_does_not_crash(stack):
    runner, channel, rasa, api = stack
    await send(runner, text_event("boom", USER))
    await channel.wait_idle(5)
    await send(runner, text_event("まだ動いていますか", USER))
    await api.wait_for(lambda a: a.ok_calls())
    assert api.delivered_messages()[0]["text"] == "echo:まだ動いていますか"


async def test_group_sources_are_ignored(stack):
    runner, channel, rasa, api = stack
    event = text_event("グループ", USER)
    event["source"] = {"type": "group", "groupId": "C" + "1" * 32, "userId": USER}
    await send(runner, event)
    await channel.wait_idle(5)
    assert rasa.received == [] and api.calls == []


# --- enable / disable -----------------------------------------------------------------


async def test_disabled_without_secrets_has_no_webhook_route(line_api, caplog):
    caplog.set_level(logging.INFO)
    channel = LineInput.from_env({"LINE_API_BASE": line_api.base_url})
    assert not channel.enabled
    app = Sanic(f"line_test_{next(_app_ids)}")
    app.blueprint(channel.blueprint(FakeRasa()), url_prefix="/webhooks/line")
    runner = await SanicRunner(app).start()
    try:
        body = webhook_body(text_event("hi", USER))
        resp = await post_webhook(runner.base_url, body, sign(SECRET, body))
        assert resp.status == 404
    finally:
        await runner.stop()
    assert "LINE is disabled" in caplog.text
