"""Minimal async client for the LINE Messaging API (reply / push) over aiohttp.

line-bot-sdk v3 needs pydantic 2 and cannot be installed next to rasa 3.6, so
the two endpoints used by the channel are called directly:

- ``POST {api_base}/v2/bot/message/reply``  body ``{"replyToken", "messages"}``
  (up to 5 messages; a reply token is single-use and expires shortly after the
  webhook; reply requests do not accept ``X-Line-Retry-Key``);
- ``POST {api_base}/v2/bot/message/push``   body ``{"to", "messages"}``
  with ``X-Line-Retry-Key: <uuid>`` so a retried push is executed only once
  (LINE answers 409 when a request with that key was already accepted).

Nothing here logs the access token, message contents or user IDs.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp

from tsunagari.config import DEFAULT_LINE_API_BASE

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = DEFAULT_LINE_API_BASE
REPLY_PATH = "/v2/bot/message/reply"
PUSH_PATH = "/v2/bot/message/push"


@dataclass
class ApiResult:
    status: int  # 0 when no HTTP answer was received (network error / timeout)
    message: str = ""  # LINE's error "message" field, if any (never user content)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def reply_token_unusable(self) -> bool:
        """The reply token was invalid, expired or already used."""
        return self.status == 400 and "reply token" in self.message.lower()

    @property
    def retryable(self) -> bool:
        return self.status == 0 or self.status == 429 or self.status >= 500


class LineApiClient:
    def __init__(
        self,
        access_token: str,
        api_base: str = DEFAULT_API_BASE,
        timeout: float = 10.0,
        push_attempts: int = 3,
        retry_delay: float = 0.5,
    ) -> None:
        self._token = access_token
        self.api_base = api_base.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._push_attempts = max(1, push_attempts)
        self._retry_delay = retry_delay
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:  # never show the token
        return f"LineApiClient(api_base={self.api_base!r})"

    async def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def _post(self, path: str, body: dict[str, Any], extra_headers: dict[str, str] | None = None) -> ApiResult:
        headers = {
            "Authorization": f"Bearer {self._token}",
            "Content-Type": "application/json",
        }
        if extra_headers:
            headers.update(extra_headers)
        session = await self._get_session()
        try:
            async with session.post(
                self.api_base + path,
                data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                headers=headers,
            ) as resp:
                message = ""
                if resp.status >= 300:
                    try:
                        payload = await resp.json(content_type=None)
                        message = str(payload.get("message", ""))[:200] if isinstance(payload, dict) else ""
                    except (ValueError, aiohttp.ContentTypeError):
                        message = ""
                return ApiResult(resp.status, message)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            logger.warning("LINE API %s: no answer (%s)", path, type(exc).__name__)
            return ApiResult(0, type(exc).__name__)

    async def reply(self, reply_token: str, messages: list[dict[str, Any]]) -> ApiResult:
        """Send up to five messages with a reply token (never retried)."""
        if not 1 <= len(messages) <= 5:
            raise ValueError("a reply carries 1 to 5 messages")
        result = await self._post(REPLY_PATH, {"replyToken": reply_token, "messages": messages})
        if not result.ok:
            logger.info("LINE reply answered %s (%s)", result.status, result.message)
        return result

    async def push(self, to: str, messages: list[dict[str, Any]]) -> ApiResult:
        """Push up to five messages; retries keep the same ``X-Line-Retry-Key``."""
        if not 1 <= len(messages) <= 5:
            raise ValueError("a push carries 1 to 5 messages")
        retry_key = str(uuid.uuid4())
        body = {"to": to, "messages": messages}
        result = ApiResult(0)
        for attempt in range(1, self._push_attempts + 1):
            result = await self._post(PUSH_PATH, body, {"X-Line-Retry-Key": retry_key})
            if result.ok:
                return result
            if result.status == 409:
                # Already accepted under this retry key: treat as delivered.
                return ApiResult(200, "accepted earlier (409)")
            if not result.retryable or attempt == self._push_attempts:
                break
            await asyncio.sleep(self._retry_delay * attempt)
        logger.warning("LINE push failed with %s (%s)", result.status, result.message)
        return result
