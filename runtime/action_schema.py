"""Check action server replies against a schema checked once, not on every call.

Rasa 3.6 validates each custom action's reply with ``jsonschema.validate``,
which first checks the (constant) response schema against the JSON Schema
meta-schema and builds a new validator, on every call. Profiled in
``make bench``, that meta-schema check was about nine tenths of the cost of
validating a reply, paid one to three times on every form turn. Here the
validator is built and the schema checked once per process; replies are
validated exactly as before and a bad reply raises the same
``ValidationError`` with Rasa's message.

``install()`` is called by scripts/rasa_server.py before Rasa handles any
message; it is idempotent.
"""

from __future__ import annotations

from runtime import patch_once


def cached_validator(schema: dict):
    """A validator for ``schema`` of the draft ``jsonschema.validate`` would pick, schema checked once."""
    from jsonschema.validators import validator_for

    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_once_checked(remote_action_class):
    """``RemoteAction._validate_action_result`` with one validator per process."""
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    validator = cached_validator(remote_action_class.action_response_format_spec())

    def _validate_action_result(self, result: dict) -> bool:
        try:
            error = best_match(validator.iter_errors(result))  # the error jsonschema.validate would raise
            if error is not None:
                raise error
            return True
        except ValidationError as e:
            e.message += (
                ". Failed to validate Action server response from API, "
                "make sure your response from the Action endpoint is valid. "
                "For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise e

    return _validate_action_result


def install() -> None:
    """Use the once-checked validator for every remote action of this process."""
    from rasa.core.actions.action import RemoteAction

    patch_once(RemoteAction, "_validate_action_result", lambda _original: validate_once_checked(RemoteAction))
