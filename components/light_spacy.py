"""A SpacyNLP that loads only GiNZA's tokenizer and word vectors.

Rasa's SpacyNLP runs almost the whole ja_ginza pipeline (parser, NER,
morphologizer, bunsetu recognizer) on every message, about 14 ms each on a
2-core machine. SpacyTokenizer and SpacyFeaturizer need only the Sudachi
tokenizer and the static vectors, so the other pipes are excluded at load
time (about 0.4 ms a message).

The vocabulary's string table (about 600,000 strings, some 150 MB of memory
in every Rasa process) is not loaded either: the word vectors are found by
hash, so the features are the same (tests/unit/test_light_spacy.py), and the
words of each message are added to the table as they are seen.

Rasa builds this component twice, as the model loader and as the message
processor, and stock SpacyNLP loads the spaCy model for each (two copies,
about 175 MB each). Here both share one load per model name.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP

# SudachiPy rejects inputs over ~49 KB; residents may paste very long texts.
# Intent classification needs far less than this, and the crisis matcher
# reads the untruncated message text on its own.
MAX_CHARS_FOR_SPACY = 2000

_LOADED: dict[str, SpacyModel] = {}  # one spaCy load per model name and process


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
        """Load the model with every pipeline component and the vocabulary's strings excluded."""
        import spacy

        if not spacy_model_name:
            return SpacyNLP.load_model(spacy_model_name)  # raises the usual error
        if spacy_model_name not in _LOADED:
            meta = spacy.util.get_model_meta(spacy.util.get_package_path(spacy_model_name))
            language = spacy.load(spacy_model_name, exclude=[*meta.get("pipeline", []), "strings"])
            _LOADED[spacy_model_name] = SpacyModel(model=language, model_name=spacy_model_name)
        return _LOADED[spacy_model_name]

    def _preprocess_text(self, text: str | None) -> str:
        return super()._preprocess_text(text)[:MAX_CHARS_FOR_SPACY]
