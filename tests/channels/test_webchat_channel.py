"""Web chat channel: static widget routes and socket.io round trips (real HTTP
and WebSocket on loopback) with a fake Rasa handler."""

from __future__ import annotations

import asyncio
import itertools
import json

import aiohttp
import pytest
import pytest_asyncio
import websockets
from line_fakes import SanicRunner
from sanic import Sanic

from channels import contract
from channels.webchat import WebChatInput, to_widget_message, valid_session_id

Sanic.test_mode = True
_ids = itertools.count()

CARD = {
    "service_id": "s1",
    "name": "東京いのちの電話",
    "contacts": [{"kind": "phone", "label": "電話", "value": "03-3264-4343"}],
    "today_hours": "24時間",
}


class FakeRasa:
    def __init__(self):
        self.received = []

    async def __call__(self, message):
        self.received.append(message)
        out = message.output_channel
        if message.text == "cards":
            await out.send_response(
                message.sender_id, {"text": "こちらです", "custom": contract.directory_cards("", [CARD])}
            )
        else:
            await out.send_response(
                message.sender_id,
                {
                    "text": f"echo:{message.text}",
                    "buttons": [{"title": "はい", "payload": "/affirm"}],
                },
            )


@pytest_asyncio.fixture
async def server():
    rasa = FakeRasa()
    channel = WebChatInput.from_credentials({"session_persistence": True})
    app = Sanic(f"webchat_test_{next(_ids)}")
    app.blueprint(channel.blueprint(rasa), url_prefix="/webhooks/webchat")
    runner = await SanicRunner(app).start()
    yield runner, rasa
    await runner.stop()


async def _get(url):
    async with aiohttp.ClientSession() as session:
        async with session.get(url, allow_redirects=False) as resp:
            return resp.status, dict(resp.headers), await resp.read()


@pytest.mark.asyncio
async def test_static_widget_is_served(server):
    runner, _ = server
    status, headers, body = await _get(runner.base_url + "/webchat/")
    assert status == 200
    assert 'lang="ja"' in body.decode()
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    status, headers, _ = await _get(runner.base_url + "/webchat")
    assert status in (301, 302) and headers["Location"].endswith("/webchat/")
    for path, kind in (("widget.js", "javascript"), ("widget.css", "css"), ("vendor/socket.io.min.js", "javascript")):
        status, headers, body = await _get(f"{runner.base_url}/webchat/{path}")
        assert status == 200 and kind in headers["Content-Type"], path
        assert body
    status, _, _ = await _get(runner.base_url + "/webchat/../webchat.py")
    assert status == 404
    status, _, body = await _get(runner.base_url + "/webhooks/webchat/")
    assert status == 200


class EngineIoWebSocket:
    """Raw Engine.IO v4 / Socket.IO v5 client over WebSocket (the protocol
    socket.io-client 4.x speaks), so the test checks the server's wire format."""

    def __init__(self, base_url):
        self.url = base_url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.ws = None

    async def __aenter__(self):
        self.ws = await websockets.connect(self.url)
        opening = await self.ws.recv()
        assert opening.startswith("0{") and '"sid"' in opening
        await self.ws.send("40")
        assert (await self.recv()).startswith("40")
        return self

    async def __aexit__(self, *exc):
        await self.ws.close()

    async def emit(self, event, data):
        await self.ws.send("42" + json.dumps([event, data], ensure_ascii=False))

    async def recv(self):
        while True:
            packet = await asyncio.wait_for(self.ws.recv(), 5)
            if packet == "2":  # ping
                await self.ws.send("3")
                continue
            return packet

    async def event(self):
        packet = await self.recv()
        assert packet.startswith("42"), packet
        return json.loads(packet[2:])


class EngineIoPolling:
    """Raw Engine.IO v4 long-polling client (what browsers fall back to)."""

    def __init__(self, base_url):
        self.base = base_url + "/socket.io/?EIO=4&transport=polling"
        self.session = None
        self.sid = None
        self.pending = []

    async def __aenter__(self):
        self.session = aiohttp.ClientSession()
        async with self.session.get(self.base) as resp:
            opening = await resp.text()
        assert opening.startswith("0{")
        self.sid = json.loads(opening[1:])["sid"]
        await self._post("40")
        assert (await self._next()).startswith("40")
        return self

    async def __aexit__(self, *exc):
        await self._post("1")
        await self.session.close()

    async def _post(self, payload):
        async with self.session.post(f"{self.base}&sid={self.sid}", data=payload.encode("utf-8")) as resp:
            assert resp.status == 200, await resp.text()

    async def _next(self):
        while not self.pending:
            async with self.session.get(f"{self.base}&sid={self.sid}", timeout=aiohttp.ClientTimeout(total=10)) as resp:
                self.pending.extend(p for p in (await resp.text()).split("\x1e") if p)
        return self.pending.pop(0)

    async def emit(self, event, data):
        await self._post("42" + json.dumps([event, data], ensure_ascii=False))

    async def event(self):
        while True:
            packet = await self._next()
            if packet == "2":
                await self._post("3")
                continue
            assert packet.startswith("42"), packet
            return json.loads(packet[2:])


@pytest.mark.asyncio
@pytest.mark.parametrize("transport", [EngineIoWebSocket, EngineIoPolling], ids=["websocket", "polling"])
async def test_socketio_round_trip(server, transport):
    runner, rasa = server
    async with transport(runner.base_url) as client:
        await client.emit("session_request", {"session_id": "abcdef0123456789"})
        assert await client.event() == ["session_confirm", "abcdef0123456789"]
        await client.emit("user_uttered", {"message": "こんにちは", "session_id": "abcdef0123456789"})
        assert await client.event() == [
            "bot_uttered",
            {"text": "echo:こんにちは", "buttons": [{"title": "はい", "payload": "/affirm"}]},
        ]
        await client.emit("user_uttered", {"message": "cards", "session_id": "abcdef0123456789"})
        event, reply = await client.event()
        assert event == "bot_uttered"
        assert reply["text"] == "こちらです" and reply["custom"]["cards"][0]["name"] == "東京いのちの電話"
        message = rasa.received[0]
        assert message.sender_id == "abcdef0123456789"
        assert message.metadata == {"channel": "webchat"} and message.input_channel == "webchat"
        # A bogus session id is replaced by a fresh one.
        await client.emit("session_request", {"session_id": "<script>"})
        event, fresh = await client.event()
        assert event == "session_confirm" and valid_session_id(fresh)


def test_to_widget_message_filters():
    assert to_widget_message({"text": None, "custom": {"type": "other"}}) is None
    msg = to_widget_message(
        {
            "text": "x",
            "buttons": [{"title": "", "payload": "/a"}, {"title": "t", "payload": "/b"}],
            "image": "http://insecure",
        }
    )
    assert msg == {"text": "x", "buttons": [{"title": "t", "payload": "/b"}]}
