"""Deterministic crisis matcher (tsunagari.safety): recall, false positives,
hyperbole, spelling variants, exclusions and bad input.

Sets (versioned, never used as training data):
  tests/safety/crisis_expressions.yml  every message must be level "crisis"
  tests/safety/near_miss.yml           crisis-level false positives <= 5 %
  tests/safety/hyperbole.yml           every message must be level "hyperbole"
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tsunagari.safety import assess, load_lexicon
from tsunagari.safety.matcher import LEXICON_PATH, Assessment, _expand
from tsunagari.text import normalize

ROOT = Path(__file__).resolve().parents[2]
SAFETY = ROOT / "tests" / "safety"
MAX_FALSE_POSITIVE_RATE = 0.05


def _load_set(name: str) -> list:
    data = yaml.safe_load((SAFETY / name).read_text(encoding="utf-8"))
    assert data["version"] == 1
    return data["messages"]


def _load_sets(pattern: str) -> list:
    """Every versioned file matching ``pattern`` (round 1, round 2, ...)."""
    paths = sorted(SAFETY.glob(pattern))
    assert paths, pattern
    return [m for path in paths for m in _load_set(path.name)]


# All rounds are asserted alike: crisis_expressions*.yml (recall 100 %) and
# near_miss*.yml (FP <= 5 %), e.g. the *_round2.yml generalisation sets.
CRISIS = _load_sets("crisis_expressions*.yml")
NEAR_MISS = _load_sets("near_miss*.yml")
ROUND2_CRISIS = _load_set("crisis_expressions_round2.yml")
ROUND2_NEAR_MISS = _load_set("near_miss_round2.yml")
HYPERBOLE = _load_set("hyperbole.yml")


# --------------------------------------------------------------- the sets
def test_set_sizes_and_kinds():
    assert len(CRISIS) >= 170
    assert len(NEAR_MISS) >= 120
    assert len(HYPERBOLE) >= 30
    kinds = {m["kind"] for m in CRISIS}
    for kind in ("direct", "indirect", "method", "slang", "typo", "emoji", "halfwidth", "english", "long", "mixed"):
        assert kind in kinds, kind
    for messages in (CRISIS, NEAR_MISS, HYPERBOLE):
        assert all(isinstance(m["text"], str) and m["text"].strip() for m in messages)


def _training_texts() -> set:
    """Normalised example texts of every data/nlu file (entity markup removed)."""
    texts = set()
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu") or []:
            for line in (item.get("examples") or "").splitlines():
                line = line.strip()
                if not line.startswith("- "):
                    continue
                text = re.sub(r"\[([^\]]*)\](\([^)]*\)|\{[^}]*\})", r"\1", line[2:])
                texts.add(normalize(text))
    return texts


def test_no_test_sentence_is_training_data():
    training = _training_texts()
    leaked = [m["text"] for m in CRISIS + NEAR_MISS + HYPERBOLE if normalize(m["text"]) in training]
    assert not leaked, f"test sentences found in data/nlu/: {leaked}"


def test_no_round3_sentence_is_nlu_training_data():
    """Round 3 trains only the risk model (tune slice); no round-3 message is
    copied into data/nlu (single turns of its sequences, like 「もしもし」, may be)."""
    training = _training_texts()
    round3 = []
    for path in sorted((SAFETY / "round3").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        round3 += [m["text"] for m in data.get("messages") or []]
    assert len(round3) >= 700
    leaked = [t for t in round3 if normalize(t) in training]
    assert not leaked, f"round-3 sentences found in data/nlu/: {leaked}"


def test_no_duplicates_inside_the_sets():
    # Exact duplicates only: surface variants (ｼﾆﾀｲ / シニタイ) are the point.
    seen, dups = set(), []
    for m in CRISIS + NEAR_MISS + HYPERBOLE:
        key = m["text"]
        if key in seen:
            dups.append(m["text"])
        seen.add(key)
    assert not dups, dups


# ------------------------------------------------------- recall and precision
def test_recall_is_100_percent_on_crisis_expressions():
    misses = [(m["kind"], m["text"], assess(m["text"]).level) for m in CRISIS if assess(m["text"]).level != "crisis"]
    recall = 1 - len(misses) / len(CRISIS)
    assert not misses, f"recall {recall:.1%} on {len(CRISIS)} messages; misses: {misses}"


def test_false_positive_rate_on_near_misses():
    hits = [(m["kind"], m["text"], assess(m["text"]).group) for m in NEAR_MISS if assess(m["text"]).level == "crisis"]
    rate = len(hits) / len(NEAR_MISS)
    assert rate <= MAX_FALSE_POSITIVE_RATE, (
        f"false-positive rate {rate:.1%} ({len(hits)}/{len(NEAR_MISS)}) "
        f"> {MAX_FALSE_POSITIVE_RATE:.0%}; crisis hits: {hits}"
    )


@pytest.mark.parametrize("name", ["crisis_expressions.yml", "crisis_expressions_round2.yml"])
def test_recall_is_100_percent_per_crisis_file(name):
    messages = _load_set(name)
    misses = [(m["kind"], m["text"]) for m in messages if assess(m["text"]).level != "crisis"]
    assert not misses, f"{name}: {len(misses)}/{len(messages)} missed: {misses}"


@pytest.mark.parametrize("name", ["near_miss.yml", "near_miss_round2.yml"])
def test_false_positive_rate_per_near_miss_file(name):
    messages = _load_set(name)
    hits = [m["text"] for m in messages if assess(m["text"]).level == "crisis"]
    rate = len(hits) / len(messages)
    assert rate <= MAX_FALSE_POSITIVE_RATE, f"{name}: FP {rate:.1%}; hits: {hits}"


def test_round2_sets_sizes():
    assert len(ROUND2_CRISIS) >= 160
    assert len(ROUND2_NEAR_MISS) >= 120


def test_hyperbole_set_is_hyperbole():
    wrong = [(m["text"], assess(m["text"]).level) for m in HYPERBOLE if assess(m["text"]).level != "hyperbole"]
    assert not wrong, f"{len(wrong)}/{len(HYPERBOLE)} not hyperbole: {wrong}"


@pytest.mark.parametrize(
    "text",
    [
        "死ぬほど眠いし死にたい",
        "恥ずかしすぎて死ねる、消えたい",
        "課題多すぎて死ぬ。もう終わりにしたい",
        "笑い死ぬかと思ったけど、本当はリスカしてる",
    ],
)
def test_hyperbole_never_masks_crisis(text):
    assert assess(text).level == "crisis"


# ------------------------------------------------------------------ variants
BASE = ["しにたい", "きえたい", "いなくなりたい", "りすかした", "じさつしたい"]


def _variants(hiragana: str) -> list:
    kata = "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in hiragana)
    import unicodedata

    half = "".join(
        unicodedata.normalize("NFKC", c) for c in kata
    )  # NFKC of full-width is itself; build half-width via a table below
    half = kata.translate(_HALF)
    return [
        hiragana,
        kata,
        half,
        " ".join(hiragana),
        "・".join(hiragana),
        "😭".join(hiragana),
        hiragana + "！！！",
        "「" + kata + "」",
        hiragana[:-1] + hiragana[-1] * 5,
    ]


_HALF = str.maketrans(
    {
        "シ": "ｼ",
        "ニ": "ﾆ",
        "タ": "ﾀ",
        "イ": "ｲ",
        "キ": "ｷ",
        "エ": "ｴ",
        "ナ": "ﾅ",
        "ク": "ｸ",
        "リ": "ﾘ",
        "ス": "ｽ",
        "カ": "ｶ",
        "ジ": "ｼﾞ",
        "サ": "ｻ",
        "ツ": "ﾂ",
    }
)


@pytest.mark.parametrize("base", BASE)
def test_width_kana_spacing_emoji_variants(base):
    for variant in _variants(base):
        assert assess(variant).level == "crisis", variant


@pytest.mark.parametrize(
    "text",
    [
        "死にたーい",
        "死にた〜い",
        "しにたぁい",
        "消えたぁぁい",
        "消えてぇ",
        "死にてぇ",
        "死にてー",
        "ｼﾆﾀｲ",
        "ｷｴﾀｲ",
        "ﾀﾋにたい",
        "4にたい",
        "氏にたい",
        "ＯＤした",
        "ｵｰﾊﾞｰﾄﾞｰｽﾞ",
        "I　ＷＡＮＴ　ｔｏ　ＤＩＥ",
        "kill   my self",
        "SUICIDE",
        "死.に.た.い",
        "死\nに\nた\nい",
        "💊ためてる",
        "🔪で手首",
    ],
)
def test_spelling_variants(text):
    assert assess(text).level == "crisis"


# ---------------------------------------------------------------- exclusions
CRISIS_PHRASES = [
    "死にたい",
    "消えたい",
    "もう終わりにしたい",
    "リスカした",
    "薬をためてる",
    "今までありがとう、さようなら",
]


def test_exclusions_do_not_hide_crisis_next_to_them():
    """Every near-miss sentence combined with a crisis phrase is still crisis."""
    failures = []
    for m in NEAR_MISS:
        for phrase in CRISIS_PHRASES:
            for text in (
                f"{m['text']}。{phrase}",
                f"{phrase}。{m['text']}",
                f"{m['text']} {phrase}",
                f"{phrase}、{m['text']}",
            ):
                if assess(text).level != "crisis":
                    failures.append(text)
    assert not failures, f"{len(failures)} combinations lost the crisis: {failures[:20]}"


@pytest.mark.parametrize(
    "text",
    [
        "自殺予防のポスター見たら死にたくなった",
        "自殺予防週間とか言うけど、自殺したい",
        "ファイルが消えた、私も消えたい",
        "電気が消えた部屋でいなくなりたいと思ってる",
        "肩が痛いし、もう楽になりたい",
        "ゲームで死んだ、現実でも死にたい",
        "死亡保険に入ってるから、私が死んだら家族は楽になる",
        "バイトを辞めたい、人生も辞めたい",
        "仕事早く終わりたい、っていうか全部終わらせたい",
        "清水の舞台から飛び降りるつもりで言うけど死にたい",
    ],
)
def test_crisis_survives_a_harmless_phrase(text):
    assert assess(text).level == "crisis"


@pytest.mark.parametrize(
    "text",
    [
        "自殺予防週間のポスターを見た",
        "自殺対策のボランティア",
        "ファイルが消えた",
        "電気が消えた",
        "肩が痛い",
        "バイトを辞めたい",
        "死亡保険",
        "殺虫剤",
        "死ぬほど笑った",
        "ゲームで死んだ",
    ],
)
def test_safe_contexts_are_not_crisis(text):
    assert assess(text).level != "crisis"


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("text", [None, "", " ", "\n\t\u3000", "😭😭😭", "🙏", "！？…", 42, b"bytes", "\x00\x01"])
def test_bad_input_is_none(text):
    assert assess(text) == Assessment("none", None)


def test_very_long_messages():
    filler = "今日は区役所に行って、そのあと図書館で本を借りて、スーパーで買い物をして帰りました。"
    long_ordinary = filler * 120  # ~5,000+ characters
    assert len(long_ordinary) > 5000
    start = time.perf_counter()
    assert assess(long_ordinary).level == "none"
    assert assess(long_ordinary + "もう死にたい").level == "crisis"
    assert assess("もう死にたい" + long_ordinary).level == "crisis"
    half = len(long_ordinary) // 2
    assert assess(long_ordinary[:half] + "薬をためこんでる" + long_ordinary[half:]).level == "crisis"
    assert assess("自殺予防" * 3000).level == "none"
    assert time.perf_counter() - start < 5


# ------------------------------------------------------------ result & lexicon
def test_assessment_is_frozen_and_never_carries_text():
    result = assess("もう死にたい")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.level = "none"  # type: ignore[misc]
    names = {g.name for g in load_lexicon().groups}
    assert result.group in names
    for m in CRISIS + HYPERBOLE:
        group = assess(m["text"]).group
        assert group in names
        assert group not in m["text"]


def test_lexicon_is_versioned_and_well_formed():
    raw = LEXICON_PATH.read_text(encoding="utf-8")
    data = yaml.safe_load(raw)
    version = str(data["version"])
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert re.search(rf"^#\s*{re.escape(version)}\s", raw, re.M), "changelog entry for the version"
    lexicon = load_lexicon()
    assert lexicon.version == version
    assert {g.name for g in lexicon.crisis} >= {
        "ideation_direct",
        "indirect",
        "self_harm",
        "method",
        "farewell",
        "slang",
        "english",
    }
    assert {g.name for g in lexicon.hyperbole} == {"hyperbole"}
    for group in lexicon.groups + lexicon.exclusions:
        assert group.canonical, group.name
    for section in ("groups", "exclusions"):
        for entry in data[section]:
            for pattern in entry["patterns"]:
                assert isinstance(pattern, str)
    # Exclusions must stay narrow: no wildcard and no negated class (after
    # macro expansion), so that they cannot swallow an unrelated crisis
    # expression.
    macros = {k: str(v) for k, v in data["macros"].items()}
    for entry in data["exclusions"]:
        for pattern in entry["patterns"]:
            expanded = _expand(pattern, macros)
            without_escapes = re.sub(r"\\.", "", expanded)
            assert "." not in without_escapes, (entry["name"], pattern)
            assert "[^" not in expanded, (entry["name"], pattern)
            assert not re.search(r"\{[A-Z][A-Z_]*\}", expanded), pattern


def test_no_pattern_matches_empty_text():
    lexicon = load_lexicon()
    for entry in lexicon.groups:
        for pattern in entry.canonical + entry.stripped:
            for text in ("", "\n", "あ"):
                m = pattern.search(text)
                assert m is None or m.end() > m.start(), (entry.name, pattern.pattern)


def test_lexicon_is_loaded_lazily():
    code = (
        "import tsunagari.safety as s, tsunagari.safety.matcher as m;"
        "print(m.load_lexicon.cache_info().currsize);"
        "s.assess('x'); s.assess('y');"
        "print(m.load_lexicon.cache_info().currsize, m.load_lexicon.cache_info().misses)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["0", "1", "1"]


# ------------------------------------------------------- all-kana typing
def test_all_kana_transliteration_keeps_recall_and_precision():
    """People in distress often type without converting to kanji.

    Every kanji word of the sets is replaced by its reading (SudachiPy, part
    of GiNZA); the matcher must keep >= 97 % recall on the crisis set and
    <= 5 % false positives on the near-miss set. Readings are imperfect
    (逝きたい -> イキたい is also 行きたい), hence the margins.
    """
    from sudachipy import dictionary  # part of GiNZA: a missing one is a broken venv (make setup)

    tokenizer = dictionary.Dictionary().create()

    def kana(text: str) -> str:
        return "".join(
            t.reading_form() if re.search("[一-龯々]", t.surface()) else t.surface() for t in tokenizer.tokenize(text)
        )

    misses = [m["text"] for m in CRISIS if assess(kana(m["text"])).level != "crisis"]
    hits = [m["text"] for m in NEAR_MISS if assess(kana(m["text"])).level == "crisis"]
    recall = 1 - len(misses) / len(CRISIS)
    rate = len(hits) / len(NEAR_MISS)
    assert recall >= 0.97, f"all-kana recall {recall:.1%}; misses: {misses}"
    assert rate <= MAX_FALSE_POSITIVE_RATE, f"all-kana FP rate {rate:.1%}; hits: {hits}"


# ------------------------------------------------ English and the check level
@pytest.mark.parametrize(
    "text, level",
    [
        ("honestly i just feel like disappearing sometimes", "crisis"),  # a resident's message, fallback before 1.6.0
        ("nobody would even notice if i was gone", "crisis"),
        ("I keep thinking about ending it", "crisis"),
        ("sometimes i think about jumping off my balcony", "crisis"),
        ("got a stash of sleeping pills in my drawer", "crisis"),
        ("🪦 tonight", "crisis"),
        ("what's the point anymore", "check"),
        ("I'm such a burden to everyone", "check"),
        ("もう疲れた。何もかもどうでもいい", "check"),
        ("my friend said she wants to die, how can i help her", "check"),  # someone else's risk
        ("I want to end things with my boyfriend", "none"),
        ("I want it all to end well", "none"),
        ("want to disappear from social media for a while", "none"),
        ("reading an article about suicide rates in japan", "none"),
        ("i saved my pills in a case for travel", "none"),
        ("バイト先の店長マジ殺したい笑", "none"),  # まじ殺 is not 自殺
    ],
)
def test_english_and_check_level(text, level):
    assert assess(text).level == level


def test_check_level_never_hides_a_crisis_in_the_same_message():
    assert assess("what's the point anymore. i want to die").level == "crisis"
    assert assess("全部どうでもいい。死にたい").level == "crisis"
