"""The evaluation contract: `rasa run --enable-api --auth-token T -m models --endpoints
endpoints.yml --credentials credentials.yml`, started directly (no start script, telemetry
ON in the user's Rasa config): tracker readable only with ?token=T, text redacted in the
default SQLite store, and still no connection beyond loopback."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from service_stack import TOKEN, ServiceStack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    db = tmp_path_factory.mktemp("contract") / "tracker.sqlite3"
    stack = ServiceStack(f"sqlite:///{db}", bare_rasa=True)
    try:
        stack.start()
    except FileNotFoundError as exc:
        stack.stop()
        pytest.fail(str(exc))
    except BaseException:
        stack.stop()
        raise
    stack.db_path = db
    yield stack
    stack.stop()


def test_contract_command_locks_the_api_and_redacts(service):
    status, replies = service.say("contract", "名前は山田です。090-2222-3333 に電話して")
    assert status == 200 and replies
    assert service.get("/conversations/contract/tracker")[0] in (401, 403)
    status, body = service.get(f"/conversations/contract/tracker?token={TOKEN}")
    assert status == 200 and json.loads(body)["sender_id"] == "contract"
    engine = sa.create_engine(f"sqlite:///{service.db_path}", future=True)
    with engine.connect() as conn:
        data = "\n".join(r[0] for r in conn.execute(sa.text("SELECT data FROM events")))
    engine.dispose()
    assert "[電話番号]" in data and "090-2222-3333" not in data and "山田" not in data


def test_contract_command_opens_no_outbound_connection(service):
    service.hold_connection()
    bad, local = service.outbound()
    assert any("run --enable-api" in c for c in service.watched_commands()), "audit hook not loaded in the server"
    assert local > 0, "the network watchers saw no loopback traffic either: they are not working"
    assert bad == [], bad
