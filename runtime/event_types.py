"""Event types are looked up in a table instead of a walk over every subclass.

Rasa 3.6 turns each stored event back into an object with
``Event.resolve_by_type(name)``, which walks all subclasses of ``Event``
(``rasa.shared.utils.common.all_subclasses``, recursive) for every single
event. A tracker of a few turns holds dozens of events and is read back on
every message, so this walk was about 5% of the Rasa server's time (py-spy,
make bench). Here the same answer comes from a table built from the same
walk; a name missing from the table (a subclass defined later) asks Rasa's
own function, so nothing changes but the cost (tests/unit/test_runtime_patch.py).

``install()`` is called by scripts/rasa_server.py; it is idempotent.
"""

from __future__ import annotations

from runtime import _PATCHED


def table_lookup(original):
    """A resolve_by_type with the same answers as `original`, from a table of the known types."""
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    table: dict[str, type] = {}
    for cls in all_subclasses(Event):
        table.setdefault(cls.type_name, cls)  # the first in Rasa's walk wins, as in its loop

    def resolve_by_type(type_name, default=None):
        found = table.get(type_name)
        return found if found is not None else original(type_name, default)

    return resolve_by_type


def install() -> None:
    from rasa.shared.core.events import Event

    # patch_once would mark the staticmethod object, which the class attribute
    # does not return; the function inside carries the mark instead.
    if getattr(Event.resolve_by_type, _PATCHED, False):
        return
    replacement = table_lookup(Event.resolve_by_type)
    setattr(replacement, _PATCHED, True)
    Event.resolve_by_type = staticmethod(replacement)
