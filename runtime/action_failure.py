"""A resident always gets an answer, even when a custom action fails.

Rasa 3.6 logs a failed custom action (action server down, a timeout under
load, an error in the action) and goes on with the turn without its events:
the resident sees nothing, and a crisis reply built by an action would never
go out. Here a failed remote action is replaced by one short apology that
carries 119/110 and the 24-hour lines (tsunagari.safety.crisis_dialogue,
situation ``unavailable``), in the conversation's language. A form's
validation rejection (ActionExecutionRejection) is Rasa's normal control flow
and passes through untouched.

``install()`` is called by scripts/rasa_server.py before Rasa handles any
message; it is idempotent.
"""

from __future__ import annotations

import logging

from runtime import patch_once
from tsunagari.safety.crisis_dialogue import compose

logger = logging.getLogger(__name__)


def apology_events(language: str | None) -> list:
    """The events that stand in for a failed action: one bot message."""
    from rasa.shared.core.events import BotUttered

    reply = compose("unavailable", "en" if language == "en" else "ja")
    return [BotUttered(text=reply.text)]


def guarded(original):
    """``RemoteAction.run`` that answers with an apology instead of failing silently."""
    from rasa.core.actions.action import ActionExecutionRejection

    async def run(self, output_channel, nlg, tracker, domain):
        try:
            return await original(self, output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise
        except Exception as exc:  # broad on purpose: whatever failed, the resident gets an answer
            logger.warning(
                "Custom action %s failed (%s); the resident gets an apology with the 24-hour lines.",
                self.name(),
                type(exc).__name__,
            )
            return apology_events(tracker.get_slot("language"))

    return run


def install() -> None:
    """Guard every remote action of this process (before Rasa handles any message)."""
    from rasa.core.actions.action import RemoteAction

    patch_once(RemoteAction, "run", guarded)
