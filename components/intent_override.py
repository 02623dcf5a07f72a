"""Deterministic intent overrides: the shared base class and the override itself.

CrisisMatcher and NeedRouter both run after the classifier and replace its
intent by a rule; this module holds what they share, so each component file
contains only its own rule.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message


def override_intent(message: Message, name: str, confidence: float = 1.0) -> None:
    """Make `name` the intent and put it first in `intent_ranking`."""
    intent = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
    message.data[INTENT] = dict(intent)
    ranking = [entry for entry in (message.data.get(INTENT_RANKING_KEY) or []) if entry.get(INTENT_NAME_KEY) != name]
    message.data[INTENT_RANKING_KEY] = [dict(intent)] + ranking


def intent_name(message: Message) -> str | None:
    """The name of the message's current intent (None before any classifier)."""
    return (message.get(INTENT) or {}).get(INTENT_NAME_KEY)


class IntentOverrideComponent(GraphComponent, IntentClassifier):
    """A non-trainable component that runs after an intent classifier.

    Subclasses define ``get_default_config`` and ``process``; ``warm_up``
    runs once when Rasa creates the component (e.g. compile a lexicon so the
    first message does not pay for it).
    """

    @classmethod
    def required_components(cls) -> list[type]:
        """Components that should be included in the pipeline before this one."""
        return [IntentClassifier]

    def __init__(self, config: dict[str, Any]) -> None:
        self.component_config = {**self.get_default_config(), **(config or {})}

    @classmethod
    def warm_up(cls) -> None:
        """Prepare shared state once per process (default: nothing)."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> IntentOverrideComponent:
        """Creates a new component (see parent class for full docstring)."""
        cls.warm_up()
        return cls(config)


def demote_intent(message: Message, names: frozenset[str] | set[str], fallback_threshold: float) -> None:
    """Drop `names` from the ranking and take the classifier's next guess.

    A next guess below `fallback_threshold` (FallbackClassifier's) becomes
    ``nlu_fallback``, as it would have without the dropped intents.
    """
    ranking = [
        entry for entry in (message.data.get(INTENT_RANKING_KEY) or []) if entry.get(INTENT_NAME_KEY) not in names
    ]
    if not ranking or (ranking[0].get(PREDICTED_CONFIDENCE_KEY) or 0.0) < fallback_threshold:
        ranking = [{INTENT_NAME_KEY: "nlu_fallback", PREDICTED_CONFIDENCE_KEY: fallback_threshold}] + [
            entry for entry in ranking if entry.get(INTENT_NAME_KEY) != "nlu_fallback"
        ]
    message.data[INTENT] = dict(ranking[0])
    message.data[INTENT_RANKING_KEY] = ranking
