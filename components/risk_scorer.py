"""Rasa adapter for the risk model (tsunagari.safety.risk_model).

Trained during ``rasa train`` on the NLU examples (intent ``crisis`` against
every other intent) plus the labelled safety sets named in config.yml
(``tests/safety/…``, holdout slices excluded). At run time it puts
``{"message": p, "context": q, "alarm": a, "check": c}`` under ``risk``
(the scores and the model's own thresholds) on each message; the crisis
matcher after it makes the decision (tsunagari.safety.decision).

The context score reads the last few user turns of the conversation with
the current one. Rasa hands the conversation's tracker to NLU components
that ask for it (a ``tracker`` parameter on ``process``); it is None when
a message is parsed on its own (``rasa shell nlu``, model tests).
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.events import SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from tsunagari.safety.corpus import matching_files, training_texts
from tsunagari.safety.risk_model import CONTEXT_TURNS, RiskModel

logger = logging.getLogger(__name__)

RISK_KEY = "risk"
_MODEL_FILE = "risk_model.pkl"
_ROOT = Path(__file__).resolve().parents[1]


def earlier_user_texts(tracker: DialogueStateTracker | None, limit: int = CONTEXT_TURNS - 1) -> list[str]:
    """The last ``limit`` typed user messages of the current session (button payloads skipped)."""
    if tracker is None:
        return []
    texts: list[str] = []
    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted):
            break
        if isinstance(event, UserUttered):
            text = event.text or ""
            if text.strip() and not text.startswith("/"):
                texts.append(text)
                if len(texts) >= limit:
                    break
    return list(reversed(texts))


def _in_crisis(tracker: DialogueStateTracker | None) -> bool:
    if tracker is None:
        return False
    try:
        return bool(tracker.get_slot("crisis"))
    except Exception:  # a tracker without the slot (e.g. built in a test)
        return False


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class RiskScorer(GraphComponent):
    """Scores suicide/self-harm risk of each message (and of the last few turns)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "positive_intents": ["crisis"],
            # Answers to the safety question mean risk only in context.
            "ignored_intents": ["crisis_unsafe", "crisis_check"],
            "risk_sets": [],
            "safe_sets": [],
            "sequence_sets": [],
        }

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Retrain when a labelled set changes (Rasa fingerprints only data/ by itself)."""
        digest = hashlib.sha256()
        for key in ("risk_sets", "safe_sets", "sequence_sets"):
            for path in matching_files(_ROOT, config.get(key) or []):
                digest.update(str(path).encode())
                digest.update(path.read_bytes())
        digest.update(Path(__file__).read_bytes())
        digest.update((_ROOT / "tsunagari" / "safety" / "risk_model.py").read_bytes())
        return digest.hexdigest()

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: RiskModel | None = None,
    ) -> None:
        self.component_config = {**self.get_default_config(), **(config or {})}
        self._model_storage = model_storage
        self._resource = resource
        self.model = model

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RiskScorer:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        positive = set(self.component_config["positive_intents"])
        ignored = set(self.component_config["ignored_intents"])
        texts: list[str] = []
        labels: list[int] = []
        for example in training_data.intent_examples:
            intent = example.get(INTENT)
            if intent in ignored or not example.get(TEXT):
                continue
            texts.append(example.get(TEXT))
            labels.append(1 if intent in positive else 0)
        for item in training_texts(
            _ROOT,
            self.component_config["risk_sets"],
            self.component_config["safe_sets"],
            self.component_config["sequence_sets"],
        ):
            texts.append(item.text)
            labels.append(1 if item.risk else 0)
        self.model = RiskModel.fit(texts, labels)
        logger.info(
            "Risk model trained on %d texts (%d risk); thresholds alarm=%.3f check=%.3f.",
            len(texts),
            sum(labels),
            self.model.thresholds.alarm,
            self.model.thresholds.check,
        )
        with self._model_storage.write_to(self._resource) as directory:
            (directory / _MODEL_FILE).write_bytes(self.model.dumps())
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> RiskScorer:
        try:
            with model_storage.read_from(resource) as directory:
                model = RiskModel.loads((directory / _MODEL_FILE).read_bytes())
        except (ValueError, FileNotFoundError):
            logger.error("Risk model not found in the trained model; the lexicon alone decides. Retrain.")
            model = None
        return cls(config, model_storage, resource, model)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message], tracker: DialogueStateTracker | None = None) -> list[Message]:
        if self.model is None:
            return messages
        # Once the crisis reply has been given, the earlier turns have done
        # their work: reading them again would turn 「安全だと思う」 into an
        # alarm. In crisis mode each message is scored on its own.
        earlier = [] if _in_crisis(tracker) else earlier_user_texts(tracker)
        for message in messages:
            text = message.get(TEXT) or ""
            try:
                score, context = self.model.score_turn(earlier, text)
            except Exception:  # never fail a parse; the lexicon still decides
                logger.exception("Risk model failed on a message; lexicon only.")
                continue
            thresholds = self.model.thresholds
            message.set(
                RISK_KEY,
                {"message": score, "context": context, "alarm": thresholds.alarm, "check": thresholds.check},
                add_to_output=True,
            )
        return messages
