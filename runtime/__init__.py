"""Adapters that change how Rasa runs in our processes, never what it does."""

from __future__ import annotations

_PATCHED = "_tsunagari_patched"


def patch_once(owner, attribute: str, wrap) -> None:
    """Replace ``owner.attribute`` by ``wrap(original)``, once per process (later calls do nothing)."""
    if getattr(getattr(owner, attribute), _PATCHED, False):
        return
    replacement = wrap(getattr(owner, attribute))
    setattr(replacement, _PATCHED, True)
    setattr(owner, attribute, replacement)
