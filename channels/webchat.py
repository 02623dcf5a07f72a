"""Web chat channel: Rasa socket.io input plus the self-hosted widget.

Enable it in ``credentials.yml`` (instead of ``socketio:``)::

    channels.webchat.WebChatInput:
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      session_persistence: true

The same Sanic server then serves

- the socket.io endpoint at ``/socket.io`` (python-socketio 5.x, Socket.IO
  protocol v5; the vendored client is socket.io-client 4.8.x);
- the widget at ``/webchat/`` (``index.html`` full page) and
  ``/webchat/widget.js`` for embedding on another site with one tag::

      <script src="https://HOST/webchat/widget.js" data-server="https://HOST"></script>

  (the widget tries WebSocket first; if it falls back to HTTP long-polling
  from another origin, start Rasa with ``--cors "https://that-site"``);
- a health route at ``/webhooks/webchat/``.

Differences from Rasa's ``SocketIOInput``:

- each bot message is emitted as ONE ``bot_uttered`` event holding ``text``,
  ``buttons`` (``[{title, payload}]``), ``custom`` (e.g. ``directory_cards``,
  ``crisis_contacts``) and ``image`` together, so the widget can render a
  card message with its lead text (Rasa's ``send_custom_json`` would pass
  the custom dict as keyword arguments to ``emit`` and fail);
- session IDs from the browser must look like an ID (8–64 of ``[A-Za-z0-9_-]``);
  anything else is replaced by a fresh one;
- user texts are capped at ``MAX_TEXT_IN`` characters, and every message
  carries ``metadata={"channel": "webchat"}``;
- nothing logs message texts.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from channels import contract

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static" / "webchat"
WEBCHAT_URL = "/webchat"
MAX_TEXT_IN = 1000
CHANNEL_METADATA = {"channel": "webchat"}
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

# The page loads only its own files; socket.io may use ws(s) to this host.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)


def valid_session_id(value: Any) -> str | None:
    if isinstance(value, str) and _SESSION_ID.match(value):
        return value
    return None


def to_widget_message(message: dict[str, Any]) -> dict[str, Any] | None:
    """Rasa bot message dict → the single event payload the widget renders."""
    out: dict[str, Any] = {}
    text = message.get("text")
    if text:
        out["text"] = str(text)
    buttons = message.get("buttons") or message.get("quick_replies") or []
    clean: list[dict[str, Any]] = []
    for button in buttons:
        title = str(button.get("title") or "").strip()
        if not title:
            continue
        entry: dict[str, Any] = {"title": title, "payload": str(button.get("payload") or title)}
        if button.get("url"):
            entry["url"] = str(button["url"])
        clean.append(entry)
    if clean:
        out["buttons"] = clean
    custom = message.get("custom")
    if isinstance(custom, dict):
        if contract.custom_type(custom):
            out["custom"] = custom
        else:
            logger.info("webchat: ignored a custom message of type %r", custom.get("type"))
    image = message.get("image")
    if isinstance(image, str) and image.startswith("https://"):
        out["image"] = image
    return out or None


class WebChatOutput(OutputChannel):
    """Emits one ``bot_message_evt`` per Rasa bot message to one socket."""

    @classmethod
    def name(cls) -> str:
        return "webchat"

    def __init__(self, sio: AsyncServer, sid: str, bot_message_evt: str, namespace: str | None = None) -> None:
        self.sio = sio
        self.sid = sid
        self.bot_message_evt = bot_message_evt
        self.namespace = namespace

    async def _emit(self, payload: dict[str, Any]) -> None:
        await self.sio.emit(self.bot_message_evt, payload, room=self.sid, namespace=self.namespace)

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        payload = to_widget_message(message)
        if payload:
            await self._emit(payload)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._emit({"text": text})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_response(recipient_id, {"text": text, "buttons": buttons})

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"custom": json_message})

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"image": image})

    async def send_elements(self, recipient_id: str, elements: Iterable[dict[str, Any]], **kwargs: Any) -> None:
        for element in elements:
            await self.send_response(
                recipient_id, {"text": element.get("title", ""), "buttons": element.get("buttons", [])}
            )


class WebChatBlueprint(SocketBlueprint):
    """Socket blueprint that also serves the widget files under ``/webchat/``."""

    def register(self, app: Any, options: Any) -> None:
        super().register(app, options)
        if getattr(app.ctx, "tsunagari_webchat_static", False):
            return
        app.ctx.tsunagari_webchat_static = True

        async def index(_: Request) -> HTTPResponse:
            resp = await response.file(STATIC_DIR / "index.html", mime_type="text/html; charset=utf-8")
            resp.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
            resp.headers["X-Content-Type-Options"] = "nosniff"
            resp.headers["Referrer-Policy"] = "no-referrer"
            resp.headers["Cache-Control"] = "no-cache"
            return resp

        async def to_index(_: Request) -> HTTPResponse:
            return response.redirect(WEBCHAT_URL + "/")

        app.add_route(to_index, WEBCHAT_URL, methods=["GET"], name="tsunagari_webchat_redirect", strict_slashes=True)
        app.add_route(index, WEBCHAT_URL + "/", methods=["GET"], name="tsunagari_webchat_index", strict_slashes=True)
        app.static(WEBCHAT_URL, str(STATIC_DIR), name="tsunagari_webchat_static")


class WebChatInput(SocketIOInput):
    """socket.io input channel for the つながりナビ web widget."""

    @classmethod
    def name(cls) -> str:
        return "webchat"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # cors_allowed_origins=[]: engine.io adds no CORS headers and checks no
        # origin; Rasa's --cors option (sanic-cors) answers CORS for polling.
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        bp = WebChatBlueprint(sio, self.socketio_path, f"webchat_{id(self)}", __name__)
        namespace = self.namespace

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, _: Any, auth: Any = None) -> None:
            logger.debug("webchat: socket connected")

        @sio.on("disconnect", namespace=namespace)
        async def disconnect(sid: str, *args: Any) -> None:
            logger.debug("webchat: socket disconnected")

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: dict | None = None) -> None:
            session_id = valid_session_id((data or {}).get("session_id")) if isinstance(data, dict) else None
            session_id = session_id or uuid.uuid4().hex
            await sio.save_session(sid, {"session_id": session_id}, namespace=namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: Any) -> None:
            if not isinstance(data, dict) or not isinstance(data.get("message"), str):
                return
            text = data["message"].strip()[:MAX_TEXT_IN]
            if not text:
                return
            if self.session_persistence:
                session = await sio.get_session(sid, namespace=namespace)
                sender_id = valid_session_id(data.get("session_id")) or (session or {}).get("session_id")
                if not sender_id:
                    logger.warning("webchat: message without a session id ignored")
                    return
            else:
                sender_id = sid
            output = WebChatOutput(sio, sid, self.bot_message_evt, namespace)
            message = UserMessage(text, output, sender_id, input_channel=self.name(), metadata=dict(CHANNEL_METADATA))
            try:
                await on_new_message(message)
            except Exception as exc:  # no message text in logs
                logger.error("webchat: message handling failed (%s)", type(exc).__name__)

        return bp


__all__ = ["WebChatInput", "WebChatOutput", "to_widget_message", "valid_session_id", "InputChannel"]
