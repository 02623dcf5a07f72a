"""components.light_spacy: the lean GiNZA load gives the same features as the full vocabulary."""

from __future__ import annotations

import numpy
import pytest
import spacy

from components.light_spacy import LightSpacyNLP

TEXTS = [
    "こんにちは",
    "最近ずっとひとりで寂しい",
    "転職の相談をしたいです、でも何から始めればいいかわからなくて",
    "３年くらい家から出てなくて",
    "もう消えたい",
    "ぴえん🥺",
    "I just moved to Tokyo and feel lonely",
    "ｷﾂｲ…ﾑﾘ",
    "品川区の居場所ってどこにありますか？土日に行けるところ",
    "",
]


@pytest.fixture(scope="module")
def loads():
    pipes = spacy.util.get_model_meta(spacy.util.get_package_path("ja_ginza")).get("pipeline", [])
    full_vocabulary = spacy.load("ja_ginza", exclude=list(pipes))
    return LightSpacyNLP.load_model("ja_ginza").model, full_vocabulary


def test_the_string_table_is_not_loaded(loads):
    lean, full = loads
    assert len(full.vocab.strings) > 100_000
    assert len(lean.vocab.strings) < 1_000


@pytest.mark.parametrize("text", TEXTS)
def test_tokens_and_vectors_are_the_same_as_with_the_full_vocabulary(loads, text):
    lean, full = loads
    lean_doc, full_doc = lean(text), full(text)
    assert [t.text for t in lean_doc] == [t.text for t in full_doc]
    assert [t.has_vector for t in lean_doc] == [t.has_vector for t in full_doc]
    for lean_token, full_token in zip(lean_doc, full_doc, strict=True):
        assert numpy.array_equal(lean_token.vector, full_token.vector)
    assert numpy.array_equal(lean_doc.vector, full_doc.vector)


def test_common_words_still_have_vectors(loads):
    lean, _ = loads
    assert sum(token.has_vector for token in lean("最近ずっとひとりで寂しい")) >= 3


def test_the_loader_and_the_processor_share_one_load():
    # Rasa creates the component twice (model loader and message processor).
    first = LightSpacyNLP.load_model("ja_ginza")
    second = LightSpacyNLP.load_model("ja_ginza")
    assert first.model is second.model
