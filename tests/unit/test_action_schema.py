"""runtime.action_schema: action replies are validated as strictly as Rasa does, with one validator."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from runtime.action_schema import validate_once_checked

GOOD_REPLIES = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "crisis", "value": True}], "responses": [{"text": "はい"}]},
    {"events": [{"event": "active_loop", "name": None}]},
    {},
]
BAD_REPLIES = [
    {"events": [{"event": "no_such_event"}]},
    {"events": "not a list"},
    {"responses": ["not an object"]},
    {"events": [{"event": "slot"}]},  # a slot event without its name
]


def _action() -> RemoteAction:
    return RemoteAction("action_show_services", EndpointConfig("http://127.0.0.1:9/webhook"))


@pytest.mark.parametrize("reply", GOOD_REPLIES + BAD_REPLIES)
def test_the_cached_validator_agrees_with_rasas_own(reply):
    action = _action()
    cached = validate_once_checked(RemoteAction)

    def verdict(validate):
        try:
            return validate(action, reply)
        except ValidationError as error:
            return ("rejected", error.message)

    assert verdict(cached) == verdict(RemoteAction._validate_action_result)


@pytest.mark.parametrize("reply", BAD_REPLIES)
def test_a_bad_reply_is_rejected_with_rasas_pointer_to_the_docs(reply):
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        validate_once_checked(RemoteAction)(_action(), reply)


def test_the_schema_is_checked_once_not_per_reply(monkeypatch):
    from jsonschema.validators import validator_for

    cls = validator_for(RemoteAction.action_response_format_spec())
    calls = []
    original = cls.check_schema
    monkeypatch.setattr(cls, "check_schema", classmethod(lambda c, s: calls.append(1) or original(s)))
    validate = validate_once_checked(RemoteAction)
    for reply in GOOD_REPLIES * 5:
        validate(_action(), reply)
    assert len(calls) == 1
