"""Two LINE channel instances (= two Rasa processes) sharing Redis claims.

A redelivery that lands on the other instance is not answered twice, and a
reply token used by one instance is not sent again by the other."""

from __future__ import annotations

import asyncio
import itertools
import sys
from pathlib import Path

import pytest
import pytest_asyncio
from line_fakes import FakeLineApi, SanicRunner, post_webhook, sign, text_event, webhook_body
from sanic import Sanic

from channels.line import LineInput
from tsunagari.claims import MemoryClaims, RedisClaims

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from redis_keys import REDIS_URL, RedisPrefix  # noqa: E402

Sanic.test_mode = True
SECRET = "test-channel-secret"
TOKEN = "test-access-token"
USER_SECRET = "test-user-id-secret"
USER = "U" + "b" * 32
_app_ids = itertools.count()


class CountingRasa:
    def __init__(self) -> None:
        self.received: list[str] = []

    async def __call__(self, message) -> None:
        self.received.append(message.text)
        await message.output_channel.send_response(message.sender_id, {"text": f"echo:{message.text}"})


async def _instance(api: FakeLineApi, claims, rasa: CountingRasa):
    channel = LineInput(SECRET, TOKEN, USER_SECRET, api_base=api.base_url, claims=claims)
    app = Sanic(f"line_shared_{next(_app_ids)}")
    app.blueprint(channel.blueprint(rasa), url_prefix="/webhooks/line")
    return channel, await SanicRunner(app).start()


@pytest_asyncio.fixture
async def cluster(request):
    """Two instances; ``shared`` (param) says whether they share Redis claims."""
    prefix = RedisPrefix()
    api = await FakeLineApi(TOKEN).start()
    rasa = CountingRasa()
    if request.param == "redis":
        stores = [RedisClaims(REDIS_URL, prefix.prefix), RedisClaims(REDIS_URL, prefix.prefix)]
    else:
        stores = [MemoryClaims(), MemoryClaims()]
    instances = [await _instance(api, store, rasa) for store in stores]
    yield instances, rasa, api
    for channel, runner in instances:
        await channel.wait_idle(5)
        await runner.stop()
    await api.stop()
    prefix.cleanup()


async def _send(runner, event):
    body = webhook_body(event)
    resp = await post_webhook(runner.base_url, body, sign(SECRET, body))
    assert resp.status == 200


@pytest.mark.parametrize("cluster", ["redis", "memory"], indirect=True)
async def test_redelivery_on_the_other_instance(cluster, request):
    [(a, runner_a), (b, runner_b)], rasa, api = cluster
    event = text_event("一度だけ", USER)
    await _send(runner_a, event)
    await api.wait_for(lambda x: x.ok_calls())
    await _send(runner_b, dict(event, deliveryContext={"isRedelivery": True}, replyToken="another-token"))
    await b.wait_idle(5)
    await asyncio.sleep(0.2)
    if request.node.callspec.params["cluster"] == "redis":
        assert rasa.received == ["一度だけ"] and len(api.ok_calls()) == 1
    else:  # the documented limit of the embedded default: one process only
        assert rasa.received == ["一度だけ", "一度だけ"]


@pytest.mark.parametrize("cluster", ["redis"], indirect=True)
async def test_reply_token_is_used_once_across_instances(cluster):
    [(a, runner_a), (b, runner_b)], rasa, api = cluster
    await _send(runner_a, text_event("一つ目", USER, reply_token="rt-shared"))
    await api.wait_for(lambda x: x.replies())
    await _send(runner_b, text_event("二つ目", USER, reply_token="rt-shared"))
    await api.wait_for(lambda x: x.pushes())
    assert [c["status"] for c in api.replies()] == [200]  # the token was never sent a second time
    assert len(api.pushes()) == 1 and api.pushes()[0]["status"] == 200


async def test_an_event_left_by_a_killed_instance_is_answered_by_the_other():
    from tsunagari.inflight import RedisInflight

    prefix = RedisPrefix()
    api = await FakeLineApi(TOKEN).start()
    answered = CountingRasa()

    async def never_answers(message) -> None:
        await asyncio.Event().wait()  # the instance dies inside the turn

    dead_inflight = RedisInflight(REDIS_URL, prefix.prefix, heartbeat_ttl=0.3)
    dead = LineInput(
        SECRET,
        TOKEN,
        USER_SECRET,
        api_base=api.base_url,
        claims=RedisClaims(REDIS_URL, prefix.prefix),
        inflight=dead_inflight,
    )
    survivor = LineInput(
        SECRET,
        TOKEN,
        USER_SECRET,
        api_base=api.base_url,
        claims=RedisClaims(REDIS_URL, prefix.prefix),
        inflight=RedisInflight(REDIS_URL, prefix.prefix),
    )
    event = text_event("こんばんは", USER, event_id="EVKILLED")
    task = asyncio.ensure_future(dead.process_events([event], never_answers))
    await asyncio.sleep(0.2)
    # LINE's redelivery of the same event is dropped: the dead instance holds the claim.
    await survivor.process_events([event], answered)
    assert answered.received == []
    task.cancel()
    dead_inflight.stop_heartbeat()  # SIGKILL: no more heartbeat
    await asyncio.sleep(0.6)
    assert await survivor.recover_orphans(answered) == 1
    await survivor.wait_idle(5)
    assert answered.received == ["こんばんは"]
    assert len(api.ok_calls()) == 1 and api.replies()[0]["body"]["replyToken"] == event["replyToken"]
    assert await survivor.recover_orphans(answered) == 0
    for channel in (dead, survivor):
        await channel.claims.close()
        await channel.inflight.close()
        if channel.client is not None:
            await channel.client.close()
    await api.stop()
    prefix.cleanup()


async def test_an_event_whose_reply_was_sent_before_the_kill_is_not_answered_again():
    from channels.line import REPLY_TOKEN_NAMESPACE
    from tsunagari.inflight import RedisInflight

    prefix = RedisPrefix()
    api = await FakeLineApi(TOKEN).start()
    answered = CountingRasa()
    dead_inflight = RedisInflight(REDIS_URL, prefix.prefix, heartbeat_ttl=0.3)
    claims = RedisClaims(REDIS_URL, prefix.prefix)
    survivor = LineInput(
        SECRET,
        TOKEN,
        USER_SECRET,
        api_base=api.base_url,
        claims=claims,
        inflight=RedisInflight(REDIS_URL, prefix.prefix),
    )
    event = text_event("こんばんは", USER, event_id="EVREPLIED")
    await dead_inflight.begin("EVREPLIED", event)
    # The dead instance had claimed the reply token: it got as far as its reply.
    assert await claims.claim(REPLY_TOKEN_NAMESPACE, event["replyToken"], 120)
    dead_inflight.stop_heartbeat()
    await asyncio.sleep(0.6)
    assert await survivor.recover_orphans(answered) == 0
    await survivor.wait_idle(5)
    assert answered.received == [] and api.ok_calls() == []
    await claims.close()
    await survivor.inflight.close()
    await dead_inflight.close()
    await api.stop()
    prefix.cleanup()
