"""Set a message's intent from a deterministic rule, keeping the ranking."""
from __future__ import annotations

from typing import Text

from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message


def override_intent(message: Message, name: Text, confidence: float = 1.0) -> None:
    """Make `name` the intent and put it first in `intent_ranking`."""
    intent = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
    message.data[INTENT] = dict(intent)
    ranking = [entry for entry in (message.data.get(INTENT_RANKING_KEY) or []) if entry.get(INTENT_NAME_KEY) != name]
    message.data[INTENT_RANKING_KEY] = [dict(intent)] + ranking


def demote_intent(message: Message, name: Text) -> None:
    """Drop `name` from the ranking and make the next-ranked intent the intent."""
    ranking = [entry for entry in (message.data.get(INTENT_RANKING_KEY) or []) if entry.get(INTENT_NAME_KEY) != name]
    if not ranking:
        ranking = [{INTENT_NAME_KEY: "nlu_fallback", PREDICTED_CONFIDENCE_KEY: 1.0}]
    message.data[INTENT] = dict(ranking[0])
    message.data[INTENT_RANKING_KEY] = ranking
