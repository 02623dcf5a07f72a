"""Rasa adapter for the safety decision (tsunagari.safety.decision).

Placed last in the pipeline, after the RiskScorer. It reads the lexicon
(``assess``) and the risk scores on the message and sets the intent:
``crisis`` (the full crisis reply) on a lexicon crisis or a high risk score,
for this message or the last few turns together; ``hyperbole`` on everyday
exaggeration; ``crisis_check`` (a gentle check offering the 24-hour lines)
on a middling score. Whatever the classifier said, a high score wins. A
classifier-only ``crisis`` that neither the lexicon nor the model supports
gives way to the classifier's next guess (the DIET crisis intent alone was
far too eager on everyday words: ファイルが消えた, 髪を切った).

The message text is read untruncated (other components may cut long
texts for tokenisation; a crisis sentence can be buried at the end).
Nothing here logs message text: only the decision and its reason.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from components.intent_override import IntentOverrideComponent, demote_intent, intent_name, override_intent
from components.risk_scorer import RISK_KEY
from tsunagari.preferences import bare_answer
from tsunagari.safety import assess, load_lexicon
from tsunagari.safety.decision import RiskScores, decide
from tsunagari.safety.risk_model import Thresholds

logger = logging.getLogger(__name__)

CRISIS_INTENT_KEY = "crisis_intent"
HYPERBOLE_INTENT_KEY = "hyperbole_intent"
CHECK_INTENT_KEY = "check_intent"
FALLBACK_THRESHOLD_KEY = "fallback_threshold"

# Used only when a model has no risk scorer (trained before it existed): the
# decision then falls back to the lexicon and the classifier.
_NO_MODEL = Thresholds(alarm=2.0, check=2.0)


def _risk_inputs(message: Message):
    risk = message.get(RISK_KEY)
    if not isinstance(risk, dict):
        return None, _NO_MODEL
    scores = RiskScores(message=float(risk["message"]), context=risk.get("context"))
    return scores, Thresholds(alarm=float(risk["alarm"]), check=float(risk["check"]))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CrisisMatcher(IntentOverrideComponent):
    """Sets the safety intent chosen by tsunagari.safety.decide."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config."""
        return {
            CRISIS_INTENT_KEY: "crisis",
            HYPERBOLE_INTENT_KEY: "hyperbole",
            CHECK_INTENT_KEY: "crisis_check",
            # FallbackClassifier's threshold (config.yml passes the same value), for a demoted guess.
            FALLBACK_THRESHOLD_KEY: 0.4,
        }

    @classmethod
    def warm_up(cls) -> None:
        """Compile the lexicon (once per process, cached) before the first message."""
        load_lexicon()

    @property
    def _crisis(self) -> str:
        return self.component_config[CRISIS_INTENT_KEY]

    @property
    def _hyperbole(self) -> str:
        return self.component_config[HYPERBOLE_INTENT_KEY]

    def process(self, messages: list[Message]) -> list[Message]:
        """Set the safety intent that tsunagari.safety.decide chooses for each message."""
        for message in messages:
            try:
                lexicon = assess(message.get(TEXT))
                scores, thresholds = _risk_inputs(message)
                decision = decide(
                    lexicon,
                    scores,
                    thresholds,
                    intent_name(message) == self._crisis,
                    bare_answer=bare_answer(message.get(TEXT)),
                )
            except Exception:  # pragma: no cover - defensive, never seen
                # Keep the classifier's decision rather than failing the
                # whole parse; the message text is deliberately not logged.
                logger.exception("Crisis matcher failed; classifier decision kept.")
                continue
            if decision.level == "crisis":
                override_intent(message, self._crisis)
            elif decision.level == "hyperbole":
                override_intent(message, self._hyperbole)
            elif decision.level == "check":
                override_intent(message, self.component_config[CHECK_INTENT_KEY])
            elif intent_name(message) in (self._crisis, self._hyperbole):
                # The classifier alone said crisis (or hyperbole) and neither
                # the lexicon nor the risk model agrees: take its next guess.
                # (DIET's own hyperbole guess gave a suicide question to 6 %
                # of everyday messages: 死ぬ気で勉強する, 推し尊すぎてしんどみ.)
                demote_intent(message, {self._crisis, self._hyperbole}, self.component_config[FALLBACK_THRESHOLD_KEY])
            if decision.level != "none":
                logger.debug("Safety decision %s (%s).", decision.level, decision.reason)
        return messages
