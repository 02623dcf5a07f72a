"""Deterministic crisis matcher (layer 1 of the safety net).

``assess(text)`` tells whether a message contains a crisis expression
(suicidal ideation, self-harm, methods or preparations, farewell), distress
that deserves a gentle check without an alarm ("何もかもどうでもいい",
"what's the point anymore"), an everyday hyperbole with 死
("恥ずかしすぎて死ねる", a lighter check), or nothing. It never raises and never returns or logs the user's text: the
result only carries a level and the name of the lexicon group that matched.

Why a lexicon and not only the classifier: the classifier is statistical
and can be wrong on unseen wording; a reviewed, versioned list of patterns
gives a floor that tests can prove (100 % recall on the crisis set). The
classifier remains layer 2 for expressions the lexicon does not know.

How a message is checked:

1. The text is normalised (``tsunagari.text``) into three forms: the
   canonical form, the "stripped" form without elongation marks / small
   vowels, and the canonical form with a line break at each clause end
   (so that ``^`` / ``$`` and the hiragana guards see clause starts). A few
   emoji that carry meaning (💊, 🔪, 🩸) are spelled out first.
2. Exclusions (harmless phrases such as 自殺予防週間 or ゲームで死んだ) are
   located in each form; an exclusion only counts inside one clause of the
   original text (clauses end at 。、！？ and line breaks).
3. Every crisis pattern is searched at every position. A match counts
   unless it lies entirely inside an exclusion match, so an exclusion only
   removes the harmless span and the rest of the message is still
   checked ("自殺予防のポスター見たら死にたくなった" stays crisis).
4. Only if no crisis pattern counted, the gentle-check patterns, then the
   hyperbole patterns, are checked the same way.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from tsunagari.text import normalize

__all__ = ["Assessment", "Lexicon", "assess", "load_lexicon", "LEXICON_PATH"]

Level = Literal["crisis", "check", "hyperbole", "none"]
_LEVELS = ("crisis", "check", "hyperbole")

LEXICON_PATH = Path(__file__).with_name("lexicon.yml")

# Characters that never occur in the stripped form; they are deleted from
# the pattern text when compiling the stripped-form variant of a pattern.
_STRIPPED_ONLY_CHARS = "ーぁぃぅぇぉゎ"
_CANONICAL_ONLY = "(?#canonical-only)"
# re.M: "^" / "$" also match at the clause breaks of the marked form;
# re.S: "." gaps and lookaheads may still look across them.
_FLAGS = re.M | re.S
_MACRO_RE = re.compile(r"\{([A-Z][A-Z_]*)\}")

# normalize() drops emoji, but a few carry the very meaning we look for
# ("💊ためてる"). They are spelled out before normalisation, for matching only.
_EMOJI_WORDS = {
    "\U0001f48a": "薬",  # pill
    "\U0001f52a": "刃物",  # kitchen knife
    "\U0001fa78": "血",  # drop of blood
    "\U0001faa2": "ろーぷ",  # knot
    "\U0001faa6": "墓",  # headstone
    "\u26b0": "棺",  # coffin
}
_EMOJI_RE = re.compile("|".join(map(re.escape, _EMOJI_WORDS)))


@dataclass(frozen=True)
class Assessment:
    """Result of :func:`assess`.

    ``group`` is the lexicon group name (e.g. ``ideation_direct``), never
    any part of the user's text, so it is safe to log or count.
    """

    level: Level
    group: str | None = None

    @property
    def is_crisis(self) -> bool:
        return self.level == "crisis"


NONE = Assessment("none", None)


@dataclass(frozen=True)
class _Patterns:
    """One lexicon entry compiled for both normalised forms."""

    name: str
    level: str
    canonical: tuple[re.Pattern, ...]
    stripped: tuple[re.Pattern, ...]
    # For exclusions: the levels whose matches it neutralises.
    applies_to: tuple[str, ...] = _LEVELS

    def for_form(self, stripped: bool) -> tuple[re.Pattern, ...]:
        return self.stripped if stripped else self.canonical


@dataclass(frozen=True)
class Lexicon:
    version: str
    crisis: tuple[_Patterns, ...]
    hyperbole: tuple[_Patterns, ...]
    exclusions: tuple[_Patterns, ...]
    check: tuple[_Patterns, ...] = ()

    @property
    def groups(self) -> tuple[_Patterns, ...]:
        return self.crisis + self.check + self.hyperbole


def _expand(pattern: str, macros: dict) -> str:
    def repl(m: re.Match) -> str:
        name = m.group(1)
        if name not in macros:
            raise ValueError(f"unknown lexicon macro {{{name}}}")
        return macros[name]

    # Macros may refer to each other; expand until stable (bounded).
    for _ in range(5):
        new = _MACRO_RE.sub(repl, pattern)
        if new == pattern:
            return new
        pattern = new
    return pattern


def _strip_pattern(pattern: str) -> str | None:
    """Variant of a pattern for the stripped form (no ー / small vowels).

    The stripped form never contains ー or small vowels, so they are deleted
    from the pattern text outside character classes (おーばーどーず ->
    おばどず). Alternatives that become empty are dropped ((ぇ|え|ー) -> (え)).
    If a group would become empty, the pattern depended on those
    characters (にて(ぇ|ー)) and would turn into something far too broad:
    ``None`` is returned and the pattern is only used on the canonical form.
    """
    out = []
    i, in_class = 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
            out.append(ch)
        elif ch == "[":
            in_class = True
            out.append(ch)
            # A "]" right after "[" or "[^" is a literal.
            if pattern[i + 1 : i + 2] == "^":
                out.append("^")
                i += 1
            if pattern[i + 1 : i + 2] == "]":
                out.append("]")
                i += 1
        elif ch not in _STRIPPED_ONLY_CHARS:
            out.append(ch)
        i += 1
    stripped = "".join(out)
    if stripped == pattern:
        return stripped
    previous = None
    while previous != stripped:
        previous = stripped
        stripped = stripped.replace("||", "|").replace("(|", "(").replace("|)", ")")
        stripped = re.sub(r"\((\?[:!=]|\?<[!=])\|", r"(\1", stripped)
    if re.search(r"\((\?[:!=]|\?<[!=])?\)", stripped) or not stripped:
        return None
    return stripped


def _compile(
    name: str,
    level: str,
    patterns: Iterable[str],
    macros: dict,
    applies_to: tuple[str, ...] = _LEVELS,
) -> _Patterns:
    canonical, stripped = [], []
    for raw in patterns:
        expanded = _expand(str(raw), macros)
        try:
            canonical.append(re.compile(expanded, _FLAGS))
            # "(?#canonical-only)" opts a pattern out of the stripped form,
            # for spellings that would become too short there (おーでぃー).
            stripped_pattern = None if _CANONICAL_ONLY in expanded else _strip_pattern(expanded)
            if stripped_pattern is not None:
                stripped.append(re.compile(stripped_pattern, _FLAGS))
        except re.error as exc:  # pragma: no cover - caught by the tests
            raise ValueError(f"bad pattern in lexicon group {name!r}: {exc}") from exc
    return _Patterns(name, level, tuple(canonical), tuple(stripped), applies_to)


def parse_lexicon(data: dict) -> Lexicon:
    """Build a :class:`Lexicon` from the parsed YAML document."""
    macros = {str(k): str(v) for k, v in (data.get("macros") or {}).items()}
    by_level: dict[str, list] = {level: [] for level in _LEVELS}
    for group in data.get("groups") or []:
        level = group.get("level")
        if level not in by_level:
            raise ValueError(f"lexicon group {group['name']!r}: unknown level {level!r}")
        by_level[level].append(_compile(group["name"], level, group.get("patterns") or [], macros))
    exclusions = []
    for ex in data.get("exclusions") or []:
        applies_to = ex.get("applies_to") or list(_LEVELS)
        if isinstance(applies_to, str):
            applies_to = [applies_to]
        if not set(applies_to) <= set(_LEVELS):
            raise ValueError(f"exclusion {ex['name']!r}: bad applies_to {applies_to!r}")
        exclusions.append(_compile(ex["name"], "exclusion", ex.get("patterns") or [], macros, tuple(applies_to)))
    return Lexicon(
        version=str(data.get("version", "")),
        crisis=tuple(by_level["crisis"]),
        hyperbole=tuple(by_level["hyperbole"]),
        exclusions=tuple(exclusions),
        check=tuple(by_level["check"]),
    )


@functools.lru_cache(maxsize=1)
def load_lexicon(path: str | None = None) -> Lexicon:
    """Load and compile the lexicon once (lazily, on first use)."""
    lexicon_path = Path(path) if path else LEXICON_PATH
    with open(lexicon_path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return parse_lexicon(data)


# Clause boundaries of the original text. Crisis patterns ignore them (they
# run on the whole normalised text, so "死、に、た、い" still matches), but an
# exclusion must lie inside one clause: "もう終わりにしたい。仕事辞めたい" must
# not be read as the harmless "終わりにしたい仕事". Whitespace counts as a
# boundary next to Japanese text only (English words are space-separated).
_CLAUSE_RE = re.compile(r"[。．.！!？?\n\r、，,;；…‥]+|(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])")
_DIGITS = "0123456789"


@dataclass(frozen=True)
class _Form:
    """One normalised form of a message and the clause of each character."""

    text: str
    stripped: bool
    clause_of: tuple[int, ...]


def _collapse(chars: list) -> list:
    """Collapse runs like normalize() does, keeping each character's clause."""
    out, i = [], 0
    while i < len(chars):
        ch = chars[i][0]
        j = i
        while j < len(chars) and chars[j][0] == ch:
            j += 1
        run = j - i
        if (run >= 3 and ch not in _DIGITS) or (ch == "ー" and run >= 2):
            out.append(chars[i])
        else:
            out.extend(chars[i:j])
        i = j
    return out


def _forms(text: str) -> Sequence[_Form]:
    """Canonical and stripped forms, built clause by clause.

    Each clause is normalised on its own and the results are concatenated
    (then runs are collapsed across clauses, as normalize() would), so the
    text equals normalize(text) while every character remembers its clause.
    """
    text = _EMOJI_RE.sub(lambda m: _EMOJI_WORDS[m.group(0)], text)
    chars = []
    for clause, piece in enumerate(_CLAUSE_RE.split(text)):
        chars.extend((ch, clause) for ch in normalize(piece))
    canonical = _collapse(chars)
    if not canonical:
        return ()
    forms = [_Form("".join(c for c, _ in canonical), False, tuple(k for _, k in canonical))]
    stripped = _collapse([c for c in canonical if c[0] not in _STRIPPED_ONLY_CHARS])
    stripped_text = "".join(c for c, _ in stripped)
    if stripped_text and stripped_text != forms[0].text:
        forms.append(_Form(stripped_text, True, tuple(k for _, k in stripped)))
    # The canonical form again with a line break between clauses: "^", "$"
    # (patterns are compiled with re.M) and the hiragana guards of the
    # lexicon macros then also see clause starts ("人生オワタ、しのう").
    marked = []
    for ch, clause in canonical:
        if marked and marked[-1][1] != clause:
            marked.append(("\n", -1))
        marked.append((ch, clause))
    if len(marked) != len(canonical):
        forms.append(_Form("".join(c for c, _ in marked), False, tuple(k for _, k in marked)))
    return forms


def _exclusion_spans(lexicon: Lexicon, form: _Form, level: str) -> list:
    """Spans of exclusion matches that lie inside a single clause."""
    spans = []
    for entry in lexicon.exclusions:
        if level not in entry.applies_to:
            continue
        for pattern in entry.for_form(form.stripped):
            pos = 0
            while pos <= len(form.text):
                m = pattern.search(form.text, pos)
                if m is None:
                    break
                start, end = m.span()
                if end > start and form.clause_of[start] == form.clause_of[end - 1]:
                    spans.append((start, end))
                    pos = end
                else:
                    pos = start + 1
    return spans


def _inside(span: tuple[int, int], spans: list) -> bool:
    start, end = span
    return any(s <= start and end <= e for s, e in spans)


def _first_counted(pattern: re.Pattern, form: str, excluded: list) -> bool:
    """True if ``pattern`` matches somewhere not covered by an exclusion.

    Every start position is tried (not only non-overlapping matches), so a
    harmless match cannot shadow a real one that overlaps it.
    """
    pos = 0
    while pos <= len(form):
        m = pattern.search(form, pos)
        if m is None:
            return False
        if not excluded or not _inside(m.span(), excluded):
            return True
        pos = m.start() + 1
    return False


def _match(entries: tuple[_Patterns, ...], forms, excluded_by_form) -> str | None:
    for entry in entries:
        for form, excluded in zip(forms, excluded_by_form, strict=True):
            for pattern in entry.for_form(form.stripped):
                if _first_counted(pattern, form.text, excluded):
                    return entry.name
    return None


def assess(text: object) -> Assessment:
    """Assess one user message. Never raises on any message (a broken
    lexicon file raises when it is first loaded).

    Returns ``Assessment("crisis", group)`` if any crisis pattern matches
    outside a harmless span, else ``Assessment("check", group)`` for
    distress that deserves a gentle check, else ``Assessment("hyperbole",
    group)`` for everyday exaggeration, else ``Assessment("none")``. The whole text
    is examined (no truncation: a crisis sentence may be buried at the end
    of a long message).
    """
    if not isinstance(text, str) or not text.strip():
        return NONE
    forms = _forms(text)
    if not forms:
        return NONE
    lexicon = load_lexicon()
    for level, entries in (("crisis", lexicon.crisis), ("check", lexicon.check), ("hyperbole", lexicon.hyperbole)):
        if not entries:
            continue
        excluded = [_exclusion_spans(lexicon, form, level) for form in forms]
        group = _match(entries, forms, excluded)
        if group is not None:
            return Assessment(level, group)
    return NONE
