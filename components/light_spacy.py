"""A SpacyNLP that loads only GiNZA's tokenizer and word vectors.

Rasa's SpacyNLP runs almost the whole ja_ginza pipeline (parser, NER,
morphologizer, bunsetu recognizer) on every message, about 14 ms each on a
2-core machine. SpacyTokenizer and SpacyFeaturizer need only the Sudachi
tokenizer and the static vectors, so the other pipes are excluded at load
time (about 0.4 ms a message).
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP

# SudachiPy rejects inputs over ~49 KB; residents may paste very long texts.
# Intent classification needs far less than this, and the crisis matcher
# reads the untruncated message text on its own.
MAX_CHARS_FOR_SPACY = 2000


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.MODEL_LOADER,
        DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER,
    ],
    is_trainable=False,
    model_from="LightSpacyNLP",
)
class LightSpacyNLP(SpacyNLP):
    """SpacyNLP variant that keeps only the tokenizer and vectors."""

    @staticmethod
    def load_model(spacy_model_name: str) -> SpacyModel:
        """Load the model with every pipeline component excluded."""
        import spacy

        if not spacy_model_name:
            return SpacyNLP.load_model(spacy_model_name)  # raises the usual error
        pipe_names = spacy.util.get_model_meta(spacy.util.get_package_path(spacy_model_name)).get("pipeline", [])
        language = spacy.load(spacy_model_name, exclude=list(pipe_names))
        return SpacyModel(model=language, model_name=spacy_model_name)

    def _preprocess_text(self, text: str | None) -> str:
        return super()._preprocess_text(text)[:MAX_CHARS_FOR_SPACY]
