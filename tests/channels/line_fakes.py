"""Test doubles for the LINE channel: a fake LINE Messaging API server (real
HTTP on 127.0.0.1, random port), webhook signing, and a Sanic app runner."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import socket
import time
import uuid
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web

_counter = itertools.count()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def webhook_body(*events: dict[str, Any]) -> bytes:
    return json.dumps({"destination": "Ubotdestination", "events": list(events)}, ensure_ascii=False).encode("utf-8")


def _base_event(event_type: str, user_id: str, event_id: str | None, reply_token: str | None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": event_type,
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": event_id or uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": False},
    }
    if reply_token is not None:
        event["replyToken"] = reply_token
    return event


def text_event(text: str, user_id: str, event_id: str | None = None, reply_token: str | None = None) -> dict[str, Any]:
    event = _base_event("message", user_id, event_id, reply_token or uuid.uuid4().hex)
    event["message"] = {"id": str(next(_counter)), "type": "text", "text": text, "quoteToken": "q"}
    return event


def postback_event(data: str, user_id: str, reply_token: str | None = None) -> dict[str, Any]:
    event = _base_event("postback", user_id, None, reply_token or uuid.uuid4().hex)
    event["postback"] = {"data": data}
    return event


def follow_event(user_id: str, reply_token: str | None = None) -> dict[str, Any]:
    event = _base_event("follow", user_id, None, reply_token or uuid.uuid4().hex)
    event["follow"] = {"isUnblocked": False}
    return event


def unfollow_event(user_id: str) -> dict[str, Any]:
    return _base_event("unfollow", user_id, None, None)


def sticker_event(user_id: str, reply_token: str | None = None) -> dict[str, Any]:
    event = _base_event("message", user_id, None, reply_token or uuid.uuid4().hex)
    event["message"] = {"id": str(next(_counter)), "type": "sticker", "packageId": "446", "stickerId": "1988"}
    return event


def image_event(user_id: str) -> dict[str, Any]:
    event = _base_event("message", user_id, None, uuid.uuid4().hex)
    event["message"] = {"id": str(next(_counter)), "type": "image", "contentProvider": {"type": "line"}}
    return event


class FakeLineApi:
    """Records reply / push / rich-menu calls. Reply tokens listed in
    ``invalid_reply_tokens`` (or all, with ``expire_all_reply_tokens``) get the
    LINE answer for an expired token: 400 ``{"message": "Invalid reply token"}``."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[dict[str, Any]] = []
        self.invalid_reply_tokens: set = set()
        self.expire_all_reply_tokens = False
        self.push_failures = 0  # the next N pushes answer 500
        self._accepted_retry_keys: set = set()
        self._used_reply_tokens: set = set()
        self.rich_menu_images: list[bytes] = []
        self.base_url = ""
        self._runner: web.AppRunner | None = None

    # -- inspection --------------------------------------------------------
    def replies(self) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["kind"] == "reply"]

    def pushes(self) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["kind"] == "push"]

    def ok_calls(self) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["status"] == 200 and c["kind"] in ("reply", "push")]

    def delivered_messages(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for call in self.ok_calls():
            out.extend(call["body"]["messages"])
        return out

    async def wait_for(self, predicate: Callable[[FakeLineApi], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self):
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"timed out; calls so far: {json.dumps(self.calls, ensure_ascii=False)[:3000]}")

    # -- handlers ------------------------------------------------------------
    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.token}"

    def _record(self, kind: str, request: web.Request, body: Any, status: int) -> None:
        self.calls.append(
            {"kind": kind, "path": request.path, "headers": dict(request.headers), "body": body, "status": status}
        )

    async def _reply(self, request: web.Request) -> web.Response:
        body = await request.json()
        if not self._authorised(request):
            self._record("reply", request, body, 401)
            return web.json_response({"message": "Authentication failed"}, status=401)
        token = body.get("replyToken")
        messages = body.get("messages") or []
        if self.expire_all_reply_tokens or token in self.invalid_reply_tokens or token in self._used_reply_tokens:
            self._record("reply", request, body, 400)
            return web.json_response({"message": "Invalid reply token"}, status=400)
        if not 1 <= len(messages) <= 5 or "X-Line-Retry-Key" in request.headers:
            self._record("reply", request, body, 400)
            return web.json_response({"message": "The request body has 1 error(s)"}, status=400)
        self._used_reply_tokens.add(token)
        self._record("reply", request, body, 200)
        return web.json_response({"sentMessages": [{"id": str(i), "quoteToken": "q"} for i, _ in enumerate(messages)]})

    async def _push(self, request: web.Request) -> web.Response:
        body = await request.json()
        key = request.headers.get("X-Line-Retry-Key")
        if not self._authorised(request):
            self._record("push", request, body, 401)
            return web.json_response({"message": "Authentication failed"}, status=401)
        if key in self._accepted_retry_keys:
            self._record("push", request, body, 409)
            return web.json_response({"message": "The retry key is already accepted"}, status=409)
        if not 1 <= len(body.get("messages") or []) <= 5:
            self._record("push", request, body, 400)
            return web.json_response({"message": "The request body has 1 error(s)"}, status=400)
        if self.push_failures > 0:
            self.push_failures -= 1
            self._record("push", request, body, 500)
            return web.json_response({"message": "Internal error"}, status=500)
        if key:
            self._accepted_retry_keys.add(key)
        self._record("push", request, body, 200)
        return web.json_response({"sentMessages": [{"id": "1", "quoteToken": "q"}]})

    async def _create_rich_menu(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._record("richmenu_create", request, body, 200)
        return web.json_response({"richMenuId": "richmenu-0123456789abcdef"})

    async def _upload_rich_menu_image(self, request: web.Request) -> web.Response:
        data = await request.read()
        self.rich_menu_images.append(data)
        self._record("richmenu_content", request, {"content_type": request.content_type, "size": len(data)}, 200)
        return web.json_response({})

    async def _set_default_rich_menu(self, request: web.Request) -> web.Response:
        self._record("richmenu_default", request, {}, 200)
        return web.json_response({})

    # -- lifecycle -----------------------------------------------------------
    async def start(self) -> FakeLineApi:
        app = web.Application()
        app.router.add_post("/v2/bot/message/reply", self._reply)
        app.router.add_post("/v2/bot/message/push", self._push)
        app.router.add_post("/v2/bot/richmenu", self._create_rich_menu)
        app.router.add_post("/v2/bot/richmenu/{rich_menu_id}/content", self._upload_rich_menu_image)
        app.router.add_post("/v2/bot/user/all/richmenu/{rich_menu_id}", self._set_default_rich_menu)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        port = free_port()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


class SanicRunner:
    """Runs a Sanic 21.12 app inside the current event loop on a random port."""

    def __init__(self, app: Any) -> None:
        # Several apps in one process: keep Sanic from rewriting its request
        # handler twice (what sanic-testing does too).
        type(app).test_mode = True
        self.app = app
        self.server: Any = None
        self.base_url = ""

    async def start(self) -> SanicRunner:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        self.server = await self.app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
        await self.server.startup()
        await self.server.before_start()
        await self.server.after_start()
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self.server is None:
            return
        await self.server.before_stop()
        self.server.close()
        await self.server.wait_closed()
        await self.server.after_stop()


async def post_webhook(base_url: str, body: bytes, signature: str | None) -> aiohttp.ClientResponse:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Line-Signature"] = signature
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{base_url}/webhooks/line/callback", data=body, headers=headers) as resp:
            await resp.read()
            return resp
