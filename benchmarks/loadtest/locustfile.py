"""Locust residents for `make loadtest` (runs in .venv-loadtest: Locust and the standard library only).

Started by benchmarks/loadtest/run.py, which sets:

- ``LOADTEST_LOG``        JSON-lines file: one line per user turn (what was sent, how it ended);
- ``LOADTEST_STOP_AT``    epoch seconds: no new turn starts after it (the run ends by itself);
- ``LOADTEST_LINE_SECRET`` channel secret that signs the LINE webhooks (X-Line-Signature);
- ``LOADTEST_FAKE_LINE``  the fake LINE API's control URL (``/wait`` returns when a reply arrived);
- ``LOADTEST_INSTANCES``  comma-separated direct URLs of the Rasa instances (redeliveries
  sometimes go straight to one of them, as if the load balancer had chosen another);
- ``LOADTEST_REDELIVERY`` chance that a LINE webhook is delivered twice (default 0.25);
- ``LOADTEST_THINK``      seconds a resident takes between an answer and the next turn, ``min-max``
  (default 5-15). 3 of 10 residents are on LINE (the classes' weights).

Each resident runs whole conversations, one turn at a time, waiting for the
answer before the next: an opening text (through NLU), a service button, the
referral form's two questions (the payloads of domain.yml's buttons), then
thanks and goodbye, which ends at the directory results. A turn that failed
at the connection level (or got 502/503/504 from nginx) is sent again, at most
``MAX_ATTEMPTS`` times; for LINE that is a redelivery of the same
webhookEventId.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import random
import threading
import time
import uuid

import gevent
from locust import HttpUser, between, events, task

OPENERS = ["こんばんは", "こんにちは", "はじめまして", "少し相談したいです"]
GOALS = ["/seek_counseling", "/seek_free_space", "/seek_career"]
CONTACT_CHANNELS = ["in_person", "phone", "chat", "online", "any"]
CONTACT_TIMES = ["any", "evening", "now", "weekday_day", "weekend"]
CLOSINGS = ["/thank", "ありがとうございました"]
MAX_ATTEMPTS = 4
RETRY_PAUSE_SECONDS = 0.5
REQUEST_TIMEOUT_SECONDS = 120
LINE_REPLY_WAIT_SECONDS = 100  # past the 60 s lock lifetime, so a stuck lock shows as latency, not loss
RETRY_STATUSES = (0, 502, 503, 504)

_log_lock = threading.Lock()
_log_file = None


def conversation_script() -> list[str]:
    return [
        random.choice(OPENERS),
        random.choice(GOALS),
        "/inform" + json.dumps({"contact_channel": random.choice(CONTACT_CHANNELS)}, separators=(",", ":")),
        "/inform" + json.dumps({"contact_time": random.choice(CONTACT_TIMES)}, separators=(",", ":")),
        random.choice(CLOSINGS),
        "/goodbye",
    ]


def log_turn(record: dict) -> None:
    global _log_file
    with _log_lock:
        if _log_file is None:
            _log_file = open(os.environ["LOADTEST_LOG"], "a", encoding="utf-8")  # noqa: SIM115
        _log_file.write(json.dumps(record, ensure_ascii=False) + "\n")
        _log_file.flush()


def stop_at() -> float:
    return float(os.environ.get("LOADTEST_STOP_AT") or "inf")


@events.test_start.add_listener
def _quit_at_stop_time(environment, **_kwargs) -> None:
    """Quit at LOADTEST_STOP_AT; users finish the turn they are in (``--stop-timeout``)."""

    def quit_later() -> None:
        gevent.sleep(max(0.0, stop_at() - time.time()))
        environment.runner.quit()

    if stop_at() != float("inf"):
        gevent.spawn(quit_later)


class Resident(HttpUser):
    """Shared conversation bookkeeping; subclasses send one turn per task."""

    abstract = True
    # Reading the answer (often several lines of Japanese) and tapping the next button.
    wait_time = between(*(float(v) for v in (os.environ.get("LOADTEST_THINK") or "5-15").split("-")))

    def on_start(self) -> None:
        self._new_conversation()

    def _new_conversation(self) -> None:
        self.script = conversation_script()
        self.position = 0
        self.conversation = self.new_conversation_id()

    def new_conversation_id(self) -> str:
        raise NotImplementedError

    @task
    def turn(self) -> None:
        if time.time() >= stop_at():
            return  # the run is ending: no new turn
        text = self.script[self.position]
        record = {"conversation": self.conversation, "seq": self.position, "text": text, "started": time.time()}
        record.update(self.send(text))
        record["finished"] = time.time()
        log_turn(record)
        self.position += 1
        if self.position == len(self.script):
            self._new_conversation()

    def send(self, text: str) -> dict:
        raise NotImplementedError


class RestResident(Resident):
    weight = 7

    def new_conversation_id(self) -> str:
        return f"lt-{uuid.uuid4().hex}"

    def send(self, text: str) -> dict:
        statuses: list[int] = []
        answers = 0
        for _attempt in range(MAX_ATTEMPTS):
            with self.client.post(
                "/webhooks/rest/webhook",
                json={"sender": self.conversation, "message": text},
                name="REST turn",
                catch_response=True,
                timeout=REQUEST_TIMEOUT_SECONDS,
            ) as response:
                statuses.append(response.status_code or 0)
                if response.status_code == 200:
                    try:
                        replies = response.json()
                    except ValueError:
                        replies = []
                    if any(isinstance(r, dict) and (r.get("text") or r.get("custom")) for r in replies):
                        answers = 1
                        response.success()
                    else:
                        response.failure("HTTP 200 without a reply")
                    break
                response.failure(f"HTTP {response.status_code}")
                if (response.status_code or 0) not in RETRY_STATUSES:
                    break
            time.sleep(RETRY_PAUSE_SECONDS)
        return {"channel": "rest", "answers": answers, "statuses": statuses}


class LineResident(Resident):
    weight = 3

    def on_start(self) -> None:
        self.secret = os.environ["LOADTEST_LINE_SECRET"]
        self.control = os.environ["LOADTEST_FAKE_LINE"].rstrip("/")
        self.instances = [u for u in os.environ.get("LOADTEST_INSTANCES", "").split(",") if u]
        self.redelivery = float(os.environ.get("LOADTEST_REDELIVERY") or 0.25)
        super().on_start()

    def new_conversation_id(self) -> str:
        return "U" + uuid.uuid4().hex  # a LINE user id; the tracker holds its keyed hash

    def _body(self, event: dict, redelivery: bool) -> bytes:
        event = dict(event, deliveryContext={"isRedelivery": redelivery})
        return json.dumps({"destination": "Uloadtest", "events": [event]}, ensure_ascii=False).encode("utf-8")

    def _post(self, body: bytes, url: str | None = None):
        digest = hmac.new(self.secret.encode(), body, hashlib.sha256).digest()
        headers = {"Content-Type": "application/json", "X-Line-Signature": base64.b64encode(digest).decode()}
        target = (url or "") + "/webhooks/line/callback"
        name = "LINE webhook (redelivery to one instance)" if url else "LINE webhook"
        with self.client.post(
            target, data=body, headers=headers, name=name, catch_response=True, timeout=REQUEST_TIMEOUT_SECONDS
        ) as response:
            status = response.status_code or 0
            if status == 200:
                response.success()
            elif url:
                response.success()  # an extra delivery to an instance that is down: LINE's own retry covers it
            else:
                response.failure(f"HTTP {status}")
            return status

    def send(self, text: str) -> dict:
        event_id = uuid.uuid4().hex.upper()[:26]
        reply_token = uuid.uuid4().hex
        event = {
            "type": "message",
            "mode": "active",
            "timestamp": int(time.time() * 1000),
            "source": {"type": "user", "userId": self.conversation},
            "webhookEventId": event_id,
            "replyToken": reply_token,
            "message": {"id": uuid.uuid4().hex[:18], "type": "text", "text": text, "quoteToken": "q"},
        }
        if text.startswith("/"):  # a button: LINE sends a postback with the payload
            event["type"] = "postback"
            event["postback"] = {"data": text}
            del event["message"]
        sent_at = time.time()
        statuses: list[int] = []
        redelivered = 0
        for attempt in range(MAX_ATTEMPTS):
            status = self._post(self._body(event, redelivery=attempt > 0))
            statuses.append(status)
            if status not in RETRY_STATUSES:
                break
            redelivered += 1
            time.sleep(RETRY_PAUSE_SECONDS)
        if statuses[-1] == 200 and random.random() < self.redelivery:
            # LINE redelivers when it did not see the 200 in time: the same event again,
            # sometimes straight to one instance (the balancer's other choice).
            target = random.choice(self.instances) if self.instances and random.random() < 0.5 else None
            self._post(self._body(event, redelivery=True), target)
            redelivered += 1
        answered_at = None
        if statuses[-1] == 200:
            with self.client.get(
                f"{self.control}/wait",
                params={
                    "token": reply_token,
                    "user": self.conversation,
                    "since": sent_at,
                    "timeout": LINE_REPLY_WAIT_SECONDS,
                },
                name="LINE reply (fake API)",
                catch_response=True,
                timeout=LINE_REPLY_WAIT_SECONDS + 10,
            ) as response:
                answered = response.status_code == 200 and response.json().get("answered")
                if answered:
                    answered_at = float(response.json()["at"])
                    response.success()
                else:
                    response.failure(f"no reply within {LINE_REPLY_WAIT_SECONDS} s")
        return {
            "channel": "line",
            "event_id": event_id,
            "reply_token": reply_token,
            "sent_at": sent_at,
            "answered_at": answered_at,
            "statuses": statuses,
            "redelivered": redelivered,
        }
