"""runtime.event_types: every event type resolves as Rasa's own walk resolves it, from a table."""

from __future__ import annotations

import pytest
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

from runtime import event_types


def _rasa_walk(type_name, default=None):
    for cls in all_subclasses(Event):
        if cls.type_name == type_name:
            return cls
    if type_name == "topic":
        return None
    if default is not None:
        return default
    raise ValueError(f"Unknown event name '{type_name}'.")


def test_every_known_event_type_resolves_to_the_same_class():
    lookup = event_types.table_lookup(_rasa_walk)
    names = {cls.type_name for cls in all_subclasses(Event)}
    assert len(names) > 20  # user, bot, action, slot, active_loop, session_started, ...
    for name in names:
        assert lookup(name) is _rasa_walk(name), name


def test_unknown_names_and_defaults_behave_as_in_rasa():
    lookup = event_types.table_lookup(_rasa_walk)
    assert lookup("topic") is None
    assert lookup("no_such_event", default=Event) is Event
    with pytest.raises(ValueError):
        lookup("no_such_event")


def test_install_is_idempotent_and_events_still_round_trip():
    event_types.install()
    once = Event.resolve_by_type
    event_types.install()
    assert Event.resolve_by_type is once
    event = Event.from_parameters({"event": "slot", "name": "contact_time", "value": "evening"})
    assert event.as_dict()["value"] == "evening" and type(event).__name__ == "SlotSet"
