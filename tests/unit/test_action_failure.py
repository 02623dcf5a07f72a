"""runtime.action_failure: a failed custom action still gives the resident an answer."""

from __future__ import annotations

import asyncio

import pytest
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered
from rasa.shared.core.slots import TextSlot
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from runtime.action_failure import guarded
from tests.net_ports import closed_port


def _tracker(language: str | None) -> DialogueStateTracker:
    tracker = DialogueStateTracker("t", slots=[TextSlot("language", mappings=[{}])])
    tracker._set_slot("language", language)
    return tracker


def _run(run, language=None):
    # An action server that is not there: Rasa raises RasaException (connection refused).
    action = RemoteAction("action_crisis_response", EndpointConfig(f"http://127.0.0.1:{closed_port()}/webhook"))
    return asyncio.run(
        run(
            action, CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}), _tracker(language), Domain.empty()
        )
    )


@pytest.mark.parametrize(
    "language, words", [(None, ["うまくお返事できません", "119", "110"]), ("en", ["Sorry", "119", "110"])]
)
def test_an_unreachable_action_server_gives_an_apology_with_the_emergency_numbers(language, words):
    with pytest.raises(RasaException):  # Rasa's own behaviour: the turn loses the action's events
        _run(RemoteAction.run, language)
    events = _run(guarded(RemoteAction.run), language)
    assert len(events) == 1 and isinstance(events[0], BotUttered)
    for word in words:
        assert word in events[0].text
    assert "いのちの電話" in events[0].text or "Inochi" in events[0].text  # a 24-hour line


def test_a_form_validation_rejection_is_not_replaced():
    async def rejecting(self, *args):
        raise ActionExecutionRejection(self.name())

    with pytest.raises(ActionExecutionRejection):
        _run(guarded(rejecting))
