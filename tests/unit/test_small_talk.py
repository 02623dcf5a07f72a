"""The greeting follows the clock in Tokyo; wordless messages are recognised."""

from datetime import datetime, timezone

import pytest

from tsunagari.clock import TOKYO, part_of_day
from tsunagari.small_talk import greeting, is_wordless


@pytest.mark.parametrize(
    "hour, minute, expected",
    [(4, 45, "late_night"), (0, 0, "late_night"), (5, 0, "morning"), (10, 59, "morning"), (11, 0, "day"),
     (17, 59, "day"), (18, 0, "evening"), (23, 59, "evening")],
)  # fmt: skip
def test_part_of_day_in_tokyo(hour, minute, expected):
    assert part_of_day(datetime(2026, 12, 2, hour, minute, tzinfo=TOKYO)) == expected


def test_part_of_day_converts_utc_to_tokyo():
    # 19:45 UTC is 4:45 the next morning in Tokyo: not 「こんにちは」 nor 「こんばんは」.
    assert part_of_day(datetime(2026, 12, 1, 19, 45, tzinfo=timezone.utc)) == "late_night"


def test_greeting_at_4_45_is_not_good_afternoon():
    text = greeting(datetime(2026, 12, 2, 4, 45, tzinfo=TOKYO))
    assert "こんにちは" not in text and "おはよう" not in text
    assert "つながりナビ" in text


@pytest.mark.parametrize("hour, opening", [(7, "おはようございます"), (13, "こんにちは"), (21, "こんばんは")])
def test_greeting_opens_with_the_time_of_day(hour, opening):
    text = greeting(datetime(2026, 12, 2, hour, 0, tzinfo=TOKYO))
    assert text.startswith(opening)
    assert "孤独・孤立の相談窓口" not in text


@pytest.mark.parametrize("text", ["🙃", "😶", "👋", "…", "！？", " 🥲🥲 ", "。。。"])
def test_emoji_and_punctuation_are_wordless(text):
    assert is_wordless(text)


@pytest.mark.parametrize("text", ["草", "hmm", "うん", "3", "ぴえん🥺", "", None, "/greet"])
def test_words_or_nothing_are_not_wordless(text):
    assert not is_wordless(text)
