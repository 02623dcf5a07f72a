"""LINE Messaging API input channel for Rasa 3.6.

Enable it in ``credentials.yml`` with::

    channels.line.LineInput: {}

Configuration comes from the environment only (secrets never go into files):

- ``LINE_CHANNEL_SECRET``       verifies ``X-Line-Signature``;
- ``LINE_CHANNEL_ACCESS_TOKEN`` authorises reply / push calls;
- ``LINE_USER_ID_SECRET``       keys the HMAC that replaces LINE user IDs
  (required when the channel is enabled);
- ``LINE_API_BASE``             default ``https://api.line.me`` (tests point it
  at a fake server).

The channel is enabled exactly when the channel secret and the access token
are both set. Otherwise the blueprint only has the health route, the webhook
answers 404, and one log line says LINE is disabled.

Webhook: ``POST /webhooks/line/callback``. The signature is checked on the raw
body (HMAC-SHA256 with the channel secret, base64, constant-time compare);
missing → 401, wrong → 403, and nothing is processed. Valid requests get 200
once their events are claimed (and, with Redis, kept in flight); events are
processed in background tasks:

- ``message`` / text → the text goes to Rasa;
- ``postback`` → ``postback.data`` (e.g. ``/seek_counseling``) goes to Rasa;
- ``follow`` → ``/greet`` goes to Rasa;
- ``unfollow`` → nothing is sent;
- other message types (stickers, images, …) → a short polite text, no Rasa.

Bot messages of one turn are converted (see ``channels.line_messages``) and
sent with the reply token, five at most; any further messages are pushed. If
the reply token cannot be used (400 invalid/expired, or no answer), every
message is pushed instead (push carries ``X-Line-Retry-Key``).

Redelivered events are dropped by ``webhookEventId``, and each reply token is
used at most once, through a claim store (``tsunagari.claims``): in memory by
default (one process), in Redis with an atomic ``SET NX EX`` when
``TSUNAGARI_REDIS_URL`` is set, so a redelivery that lands on another Rasa
instance behind the load balancer is not answered twice. With Redis, the
events an instance is handling are also kept in Redis (``tsunagari.inflight``):
when that instance dies before its reply, another instance takes them over
(checked every ``ORPHAN_SCAN_SECONDS``) and answers them.

Raw LINE user IDs never reach Rasa: the sender ID is
``tsunagari.line_ids.hash_line_user_id``; the raw ID is kept only in memory for
the duration of the turn, to address push messages.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import line_messages as lm
from channels.line_api import DEFAULT_API_BASE, LineApiClient
from tsunagari import line_ids
from tsunagari.claims import ClaimStore, MemoryClaims, claim_store_from_settings
from tsunagari.config import settings
from tsunagari.inflight import InflightStore, NoInflight, inflight_store_from_settings

logger = logging.getLogger(__name__)

GREET_PAYLOAD = "/greet"
CHANNEL_METADATA = {"channel": "line"}
MAX_TEXT_IN = 2000  # longer user texts are cut before they reach Rasa


def verify_signature(channel_secret: str, body: bytes, signature: str | None) -> bool:
    """Check ``X-Line-Signature``: base64(HMAC-SHA256(channel secret, raw body))."""
    if not signature:
        return False
    digest = hmac.new(channel_secret.encode("utf-8"), body, hashlib.sha256).digest()
    expected = base64.b64encode(digest)
    return hmac.compare_digest(expected, signature.strip().encode("utf-8", "replace"))


EVENT_NAMESPACE = "line-event"
REPLY_TOKEN_NAMESPACE = "line-reply-token"
EVENT_TTL_SECONDS = 24 * 3600  # LINE redelivers within a day at most
REPLY_TOKEN_TTL_SECONDS = 120  # a reply token is valid for about a minute
ORPHAN_SCAN_SECONDS = 2.0  # how often an instance looks for events left by a dead one


class LineOutput(OutputChannel):
    """Collects the bot messages of one turn; ``flush`` sends them to LINE."""

    @classmethod
    def name(cls) -> str:
        return "line"

    def __init__(
        self,
        client: LineApiClient,
        reply_token: str | None,
        line_user_id: str,
        claims: ClaimStore | None = None,
    ) -> None:
        self.client = client
        self.reply_token = reply_token
        self.claims = claims
        self._to = line_user_id  # raw id: memory only, used as push target
        self.messages: list[dict[str, Any]] = []

    def __repr__(self) -> str:
        return "LineOutput()"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.messages.append(dict(message))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self.messages.append({"text": text})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        self.messages.append({"text": text, "buttons": buttons})

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        self.messages.append({"custom": json_message})

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        self.messages.append({"image": image})

    async def flush(self) -> None:
        line_messages = lm.bot_messages_to_line(self.messages)
        self.messages = []
        await send_line_messages(self.client, self.reply_token, self._to, line_messages, self.claims)
        self.reply_token = None


async def send_line_messages(
    client: LineApiClient,
    reply_token: str | None,
    to: str | None,
    messages: list[dict[str, Any]],
    claims: ClaimStore | None = None,
) -> None:
    """Reply with the first five messages, push the rest; push all if the reply fails.

    With ``claims`` the reply token is claimed first: a token some instance
    already used is not sent again (the messages are pushed instead).
    """
    if not messages:
        return
    batches = lm.chunks(messages, 5)
    if reply_token and claims is not None:
        if not await claims.claim(REPLY_TOKEN_NAMESPACE, reply_token, REPLY_TOKEN_TTL_SECONDS):
            logger.info("LINE: reply token already used; pushing instead")
            reply_token = None
    if reply_token:
        result = await client.reply(reply_token, batches[0])
        if result.ok:
            batches = batches[1:]
        elif result.reply_token_unusable or result.status == 0 or result.status >= 500:
            logger.info("LINE: reply token unusable (status %s); falling back to push", result.status)
        else:
            logger.error("LINE: reply rejected with %s (%s); not retried", result.status, result.message)
            return
    if batches and not to:
        logger.warning("LINE: %d message batch(es) not pushed: no push target", len(batches))
        return
    for batch in batches:
        result = await client.push(to, batch)
        if not result.ok:
            break


class LineInput(InputChannel):
    """Rasa input channel for the LINE Messaging API (webhook ``/webhooks/line/callback``)."""

    @classmethod
    def name(cls) -> str:
        return "line"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        for key in ("channel_secret", "secret", "access_token", "channel_access_token"):
            if key in credentials:
                logger.warning("LINE: '%s' in credentials.yml is ignored; use environment variables", key)
        return cls.from_env()

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> LineInput:
        """The channel configured from ``tsunagari.config.settings(environ)``."""
        config = settings(environ)
        enabled = bool(config.line_channel_secret and config.line_channel_access_token)
        return cls(
            channel_secret=config.line_channel_secret or None,
            access_token=config.line_channel_access_token or None,
            user_id_secret=config.line_user_id_secret or None,
            api_base=config.line_api_base,
            claims=claim_store_from_settings(environ) if enabled else None,
            inflight=inflight_store_from_settings(environ) if enabled else None,
        )

    def __init__(
        self,
        channel_secret: str | None = None,
        access_token: str | None = None,
        user_id_secret: str | None = None,
        api_base: str = DEFAULT_API_BASE,
        dedup_ttl_seconds: float = EVENT_TTL_SECONDS,
        dedup_max_entries: int = 10000,
        claims: ClaimStore | None = None,
        inflight: InflightStore | None = None,
    ) -> None:
        self.enabled = bool(channel_secret and access_token)
        self._channel_secret = channel_secret or ""
        self._user_id_secret = user_id_secret or ""
        if self.enabled and not self._user_id_secret:
            raise line_ids.MissingSecretError(
                "LINE is enabled (LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN are set) "
                f"but {line_ids.ENV_VAR} is not; refusing to start without user-id hashing."
            )
        self.client = LineApiClient(access_token or "", api_base) if self.enabled else None
        self.dedup_ttl = dedup_ttl_seconds
        self.claims: ClaimStore = claims if claims is not None else MemoryClaims(dedup_max_entries)
        self.inflight: InflightStore = inflight if inflight is not None else NoInflight()
        self._tasks: set[asyncio.Task] = set()

    def __repr__(self) -> str:
        return f"LineInput(enabled={self.enabled}, claims={self.claims!r})"

    # -- helpers ---------------------------------------------------------------

    def sender_id(self, line_user_id: str) -> str:
        return line_ids.hash_line_user_id(line_user_id, self._user_id_secret)

    async def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait for background event tasks (used by tests and on shutdown)."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- event handling ----------------------------------------------------------

    async def handle_event(
        self, event: dict[str, Any], on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        event_type = event.get("type")
        source = event.get("source") or {}
        line_user_id = source.get("userId")
        if source.get("type") != "user" or not line_user_id:
            logger.info("LINE: ignored a %s event from a non-user source", event_type)
            return
        if event.get("mode", "active") != "active":
            logger.info("LINE: ignored a %s event in %s mode", event_type, event.get("mode"))
            return

        reply_token = event.get("replyToken")
        text: str | None = None
        if event_type == "message":
            message = event.get("message") or {}
            if message.get("type") == "text":
                text = str(message.get("text") or "")[:MAX_TEXT_IN]
            else:
                await send_line_messages(
                    self.client,
                    reply_token,
                    line_user_id,
                    [lm.text_message(lm.UNSUPPORTED_MESSAGE_TEXT)],
                    self.claims,
                )
                return
        elif event_type == "postback":
            text = str((event.get("postback") or {}).get("data") or "")[:MAX_TEXT_IN]
        elif event_type == "follow":
            text = GREET_PAYLOAD
        elif event_type == "unfollow":
            return
        else:
            logger.debug("LINE: ignored event type %s", event_type)
            return
        if not text or not text.strip():
            return

        sender_id = self.sender_id(line_user_id)
        output = LineOutput(self.client, reply_token, line_user_id, self.claims)
        user_message = UserMessage(
            text,
            output,
            sender_id,
            input_channel=self.name(),
            metadata=dict(CHANNEL_METADATA),
        )
        try:
            await on_new_message(user_message)
        except Exception as exc:  # never let one event crash the worker; no text in logs
            logger.error("LINE: message handling failed (%s)", type(exc).__name__)
        await output.flush()

    async def process_events(
        self, events: list[dict[str, Any]], on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        await self.handle_accepted(await self.accept_events(events), on_new_message)

    async def accept_events(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Claim each event and keep it in flight; the webhook answers 200 only after this.

        So an instance killed after its 200 leaves every event it accepted in the
        in-flight store, for another instance to answer (a redelivery would be dropped).
        """
        accepted = []
        for event in events:
            if not isinstance(event, dict):
                continue
            event_id = event.get("webhookEventId")
            if event_id and not await self.claims.claim(EVENT_NAMESPACE, str(event_id), self.dedup_ttl):
                logger.info("LINE: dropped redelivered event")
                continue
            if event_id:
                await self.inflight.begin(str(event_id), event)
            accepted.append(event)
        return accepted

    async def handle_accepted(
        self, events: list[dict[str, Any]], on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        for event in events:
            await self._handle_in_flight(event, on_new_message, register=False)

    async def _handle_in_flight(
        self,
        event: dict[str, Any],
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        register: bool = True,
    ) -> None:
        """Handle one claimed event, kept in the in-flight store until it is answered."""
        event_id = str(event.get("webhookEventId") or "")
        if event_id and register:
            await self.inflight.begin(event_id, event)
        try:
            await self.handle_event(event, on_new_message)
        except asyncio.CancelledError:
            raise  # stopped mid-turn: the event stays in flight for another instance
        except Exception as exc:
            logger.error("LINE: event processing failed (%s)", type(exc).__name__)
        if event_id:
            await self.inflight.done(event_id)

    async def recover_orphans(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> int:
        """Handle the events a dead instance had claimed but not answered; how many were found."""
        orphans = []
        for event in await self.inflight.orphans():
            token = event.get("replyToken")
            if token and await self.claims.is_claimed(REPLY_TOKEN_NAMESPACE, str(token)):
                # The dead instance got as far as its reply: the turn was stored and answered.
                continue
            orphans.append(event)
        if orphans:
            # Worded so the log scrubber keeps it ("LINE: <word>" and "LINE event" read as a LINE ID).
            logger.warning("Taking over %d webhook event(s) of an instance that stopped (LINE)", len(orphans))
        for event in orphans:
            self._spawn(self._handle_in_flight(event, on_new_message))
        return len(orphans)

    async def _recover_forever(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        while True:
            await asyncio.sleep(ORPHAN_SCAN_SECONDS)
            try:
                await self.recover_orphans(on_new_message)
            except Exception as exc:  # the scan must never stop
                logger.error("LINE: in-flight recovery failed (%s)", type(exc).__name__)

    # -- blueprint -----------------------------------------------------------------

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        line_webhook = Blueprint(f"line_webhook_{id(self)}", __name__)

        @line_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "enabled": self.enabled})

        if not self.enabled:
            logger.info(
                "LINE is disabled: LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN are not both set; "
                "no webhook route is registered."
            )
            return line_webhook

        logger.info("LINE is enabled; webhook at /webhooks/line/callback (API base %s)", self.client.api_base)

        @line_webhook.route("/callback", methods=["POST"])
        async def callback(request: Request) -> HTTPResponse:
            signature = request.headers.get("X-Line-Signature")
            body = request.body or b""
            if not signature:
                logger.warning("LINE: webhook without signature rejected")
                return response.json({"error": "missing signature"}, status=401)
            if not verify_signature(self._channel_secret, body, signature):
                logger.warning("LINE: webhook with invalid signature rejected")
                return response.json({"error": "invalid signature"}, status=403)
            try:
                payload = json.loads(body.decode("utf-8"))
                events = payload.get("events") or []
                if not isinstance(events, list):
                    raise ValueError
            except (ValueError, UnicodeDecodeError, AttributeError):
                return response.json({"error": "bad request"}, status=400)
            accepted = await self.accept_events(events) if events else []
            if accepted:
                self._spawn(self.handle_accepted(accepted, on_new_message))
            return response.text("OK")

        @line_webhook.listener("after_server_start")
        async def start_recovery(*_: Any) -> None:
            if not isinstance(self.inflight, NoInflight):
                self._recovery = asyncio.ensure_future(self._recover_forever(on_new_message))

        @line_webhook.listener("after_server_stop")
        async def close_client(*_: Any) -> None:
            recovery = getattr(self, "_recovery", None)
            if recovery is not None:
                recovery.cancel()
            await self.wait_idle(timeout=5.0)
            if self.client is not None:
                await self.client.close()
            await self.claims.close()
            await self.inflight.close()

        return line_webhook
