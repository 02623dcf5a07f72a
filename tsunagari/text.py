"""Text normalisation for matching (never for display or storage).

People type the same words in many shapes: full-width or half-width
letters (ｼﾆﾀｲ / シニタイ / しにたい), with spaces or dots between the
characters (し に た い, 死.に.た.い), with emoji, with stretched vowels
(しにたいいいい, しにたーい, 消えたぁい). Matching code (the crisis lexicon,
keyword routing) must treat all of these the same way, so every matcher
works on the output of :func:`normalize` and its patterns are written in
that canonical form: lower-case ASCII, hiragana instead of katakana,
no spaces, no punctuation, no symbols.

The canonical form deliberately throws information away. It is only ever
used for matching; callers keep the original text for anything else (and
never log it).

Pure standard library (``unicodedata``, ``re``) so that it can be used from
anywhere without extra dependencies.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalize", "strip_elongation", "katakana_to_hiragana"]

# Katakana block U+30A1 (ァ) .. U+30F6 (ヶ) maps one-to-one onto hiragana
# U+3041 .. U+3096 by subtracting 0x60. ヷ..ヺ (U+30F7..U+30FA) have no
# hiragana counterpart and are kept; the long-vowel mark ー (U+30FC) is
# shared by both scripts and is kept as the elongation marker.
_KATA_START = 0x30A1
_KATA_END = 0x30F6
_KANA_OFFSET = 0x60
# Katakana iteration marks ヽヾ -> hiragana ゝゞ.
_KATA_ITER = {0x30FD: 0x309D, 0x30FE: 0x309E}

# Characters people use to stretch a vowel. After NFKC the half-width ｰ is
# already ー and the full-width ～ is "~". They are unified to ー so that
# "しにたーい", "しにた〜い" and "しにた~い" look the same.
_ELONGATION_CHARS = "ー〜~\u2053\u301c\u3030\uff5e\u2015\u2500"
_ELONGATION_RE = re.compile("[" + re.escape(_ELONGATION_CHARS) + "]+")

# Small vowels used as elongation or for a "cute"/slurred spelling
# (消えたぁい, 死にてぇ). Removed in :func:`strip_elongation` only; the
# canonical form keeps them because they sometimes carry meaning (ふぁ, てぃ).
_SMALL_VOWELS_RE = re.compile("[ぁぃぅぇぉゎ]")

# Runs of three or more identical characters (しにたいいいい, つらすぎるるる,
# !!!!) are collapsed to one. Two identical characters are left alone:
# doubling is normal spelling (かわいい, いいね, ささい). Digits are exempt
# because numbers carry meaning (薬を100錠).
_RUN_RE = re.compile(r"([^0-9])\1{2,}")


def katakana_to_hiragana(text: str) -> str:
    """Fold katakana to hiragana, leaving everything else untouched.

    Why: Japanese users write the same word in either script for emphasis
    or tone (シニタイ, リスカ vs りすか). Folding lets one hiragana pattern
    cover both.
    """
    out = []
    for ch in text:
        code = ord(ch)
        if _KATA_START <= code <= _KATA_END:
            out.append(chr(code - _KANA_OFFSET))
        elif code in _KATA_ITER:
            out.append(chr(_KATA_ITER[code]))
        else:
            out.append(ch)
    return "".join(out)


def _keep_char(ch: str) -> bool:
    """Keep letters, digits and combining marks; drop everything else.

    Why: spaces, punctuation, symbols and emoji are inserted between
    characters to dodge filters (死.に.た.い, 死 に た い, 死🌸にたい) or
    simply as decoration; none of them change the words for matching.
    Categories L* (letters, incl. kanji, kana and ー which is Lm), N*
    (numbers) and M* (combining marks, e.g. dakuten that NFKC could not
    compose) are kept; P* (punctuation), S* (symbols, incl. emoji),
    Z* (separators) and C* (controls, format chars such as zero-width
    joiners and variation selectors) are removed.
    """
    cat = unicodedata.category(ch)
    return cat[0] in ("L", "N", "M")


def normalize(text: str) -> str:
    """Return the canonical matching form of ``text``.

    Steps, in order, and why:

    1. ``NFKC``: folds full-width ASCII (ＯＤ -> OD) and half-width katakana
       (ｼﾆﾀｲ -> シニタイ, ﾀﾋ -> タヒ), composes ｶﾞ-style voiced marks and
       turns compatibility characters (①, ㍻) into plain ones.
    2. ``lower()``: "Want to DIE" and "want to die" are the same.
    3. Katakana folded to hiragana (see :func:`katakana_to_hiragana`).
    4. All elongation marks (ー, 〜, ~) unified to a single ー, so that
       patterns only need to know one marker.
    5. Whitespace, punctuation, symbols and emoji removed
       (see :func:`_keep_char`).
    6. Runs of 3+ identical characters collapsed to one
       (しにたいいいい -> しにたい, くるしいいい -> くるしい), and repeated
       ー collapsed to one, so that emphatic stretching does not break a
       pattern. Digits are not collapsed.

    The function never raises on ``str`` input and returns ``""`` for
    empty, whitespace-only or emoji-only text. Non-``str`` input (``None``)
    is treated as empty, because a missing message must not crash the
    safety layer.
    """
    if not text or not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = text.lower()
    text = katakana_to_hiragana(text)
    text = _ELONGATION_RE.sub("ー", text)
    text = "".join(ch for ch in text if _keep_char(ch))
    text = _RUN_RE.sub(r"\1", text)
    # Removing symbols may have brought marks together again (ー🌸ー).
    text = re.sub("ー{2,}", "ー", text)
    return text


def strip_elongation(normalized: str) -> str:
    """Remove elongation from already normalised text.

    Why: "しにたーい", "しにたぁい" and "消えたぁぁい" are the same words as
    "しにたい" / "消えたい" with a stretched vowel. The canonical form keeps
    ー and small vowels (they are part of ordinary words such as
    おーばーどーず or ふぁいる), so matchers check this second, stripped
    form as well: a pattern written as "しにたい" then hits either way.
    """
    text = normalized.replace("ー", "")
    text = _SMALL_VOWELS_RE.sub("", text)
    return _RUN_RE.sub(r"\1", text)


def inside_quotes(name: str) -> str:
    """A name to be put inside 「」: its own 「」 become 『』, as Japanese nests quotes.

    「支え愛・ほっとステーション「フリースペースよりみち」」 reads as broken;
    「支え愛・ほっとステーション『フリースペースよりみち』」 does not.
    """
    return name.replace("「", "『").replace("」", "』")
