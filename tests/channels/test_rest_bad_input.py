"""Bad input over the HTTP contract: a sensible reply, never a crash or a 500.

Runs against the real stack (trained model, action server) started once per
pytest process by rasa_stack.
"""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest

pytestmark = pytest.mark.e2e


def post(stack, sender: str, message: str):
    body = json.dumps({"sender": sender, "message": message}).encode("utf-8")
    request = urllib.request.Request(
        f"{stack.base_url}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
        return json.loads(response.read().decode("utf-8"))


def tracker(stack, sender: str):
    with urllib.request.urlopen(f"{stack.base_url}/conversations/{sender}/tracker", timeout=30) as response:
        return json.loads(response.read().decode("utf-8"))


@pytest.mark.parametrize(
    "message",
    [
        "",
        "   \u3000  ",
        "さみしい。" * 1200,  # 6,000 characters
        "😢😢😢🙏",
        "ｻﾐｼｲ ﾀﾞﾚｶﾄ ﾊﾅｼﾀｲ",
        "I feel lonely, is there someone I can talk to?",
        "<script>alert(1)</script>",
        '/inform{"contact_channel": 5}',
    ],
)
def test_bad_input_gets_a_reply(stack, message):
    replies = post(stack, f"bad-{uuid.uuid4().hex}", message)
    assert replies, "every message deserves an answer"
    assert any(r.get("text") for r in replies)


def test_a_crisis_buried_at_the_end_of_a_very_long_message_is_found(stack):
    sender = f"long-{uuid.uuid4().hex}"
    replies = post(stack, sender, "今日は仕事で色々あって。" * 500 + "もう死にたい")
    assert tracker(stack, sender)["slots"]["crisis"] is True
    assert any("24時間" in (r.get("text") or "") for r in replies)


def test_an_explicit_need_sets_the_route_slot(stack):
    sender = f"route-{uuid.uuid4().hex}"
    post(stack, sender, "仕事を探していて、ハローワークみたいな相談先を知りたいです")
    slots = tracker(stack, sender)["slots"]
    assert slots["support_category"] == "career"
    assert slots["crisis"] is False
