"""runtime.patch_once: a Rasa method is wrapped once per process, however often install() runs."""

from __future__ import annotations

from runtime import patch_once


class Target:
    def greet(self) -> str:
        return "hello"


def test_the_method_is_wrapped_once_and_keeps_the_original_underneath():
    calls = []

    def wrap(original):
        calls.append(original)

        def greet(self):
            return original(self) + "!"

        return greet

    for _ in range(3):
        patch_once(Target, "greet", wrap)
    assert Target().greet() == "hello!"
    assert len(calls) == 1
