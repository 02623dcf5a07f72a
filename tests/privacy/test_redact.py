"""Redaction of residents' messages before storage (tsunagari.privacy.redact)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tsunagari.privacy.redact import LABELS, NOT_STORED, find_pii, redact

HERE = Path(__file__).resolve().parent
PII = yaml.safe_load((HERE / "pii_examples.yml").read_text(encoding="utf-8"))["pii"]
KEEP = yaml.safe_load((HERE / "lookalikes.yml").read_text(encoding="utf-8"))["keep"]
_DIGITS = re.compile(r"[0-9０-９]")


def test_corpus_sizes():
    assert len(PII) >= 100
    assert len(KEEP) >= 100


@pytest.mark.parametrize("case", PII, ids=[c["text"][:30] for c in PII])
def test_personal_data_is_removed(case):
    stored = redact(case["text"])
    for secret in case["pii"]:
        assert secret not in stored, stored
        digits = "".join(_DIGITS.findall(secret))
        if len(digits) >= 6:  # no phone or postal number survives in another spacing
            assert digits not in "".join(_DIGITS.findall(stored)), stored
    assert any(label in stored for label in LABELS.values()), stored


@pytest.mark.parametrize("text", KEEP)
def test_look_alikes_stay(text):
    assert redact(text) == text, find_pii(text)


def test_context_around_a_finding_is_kept():
    assert redact("電話番号は090-1234-5678です。夜は寂しい") == "電話番号は[電話番号]です。夜は寂しい"
    assert redact("私は高橋と申します。仕事がつらい") == "私は[名前]と申します。仕事がつらい"


def test_several_findings_in_one_message():
    stored = redact("田中と申します。090-1111-2222かtanaka@example.com、〒140-0011 品川区東大井5-1-1です")
    for secret in ("田中", "090-1111-2222", "tanaka@example.com", "140-0011", "東大井5-1-1"):
        assert secret not in stored
    assert stored.endswith("です")


def test_empty_and_odd_input():
    assert redact("") == ""
    assert redact("   ") == "   "
    assert redact("🌱" * 3) == "🌱" * 3
    long_text = "あ" * 6000 + "090-1234-5678"
    assert redact(long_text).endswith(LABELS["phone"])


def test_pathological_input_is_fast_enough_to_not_hang():
    # Bounded quantifiers: a long run of digits and separators ends promptly.
    text = ("0-" * 3000) + ("ー" * 3000) + ("田" * 3000) + "と申します"
    stored = redact(text)
    assert "と申します" in stored


def test_not_stored_placeholder_is_not_itself_redacted():
    assert redact(NOT_STORED) == NOT_STORED
    for label in LABELS.values():
        assert redact(label) == label
