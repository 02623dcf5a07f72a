"""tsunagari.text.normalize: the canonical form every matcher works on."""

import pytest

from tsunagari.text import katakana_to_hiragana, normalize, strip_elongation


@pytest.mark.parametrize(
    "raw, expected",
    [
        # width (NFKC): half-width katakana, full-width ASCII
        ("ｼﾆﾀｲ", "しにたい"),
        ("ﾀﾋにたい", "たひにたい"),
        ("ｶﾞﾝﾊﾞﾙ", "がんばる"),
        ("ＯＤした", "odした"),
        ("１２３", "123"),
        # lower case
        ("Want To DIE", "wanttodie"),
        # katakana -> hiragana, ー kept as the elongation mark
        ("シニタイ", "しにたい"),
        ("リスカ", "りすか"),
        ("オーバードーズ", "おーばーどーず"),
        ("死ニタイ", "死にたい"),
        # whitespace, punctuation, symbols, emoji removed
        ("し に た い", "しにたい"),
        ("死.に.た.い", "死にたい"),
        ("死・に・た・い！！", "死にたい"),
        ("死🌸にたい😭", "死にたい"),
        ("死に\u200bたい", "死にたい"),  # zero-width space
        ("死に\u3000たい", "死にたい"),  # ideographic space
        ("消えたい\n", "消えたい"),
        # runs of 3+ identical characters collapsed, doubles kept
        ("しにたいいいい", "しにたい"),
        ("くるしいいい", "くるしい"),
        ("かわいい", "かわいい"),
        ("薬を1000錠", "薬を1000錠"),  # digits never collapsed
        # elongation marks unified to a single ー
        ("しにた〜い", "しにたーい"),
        ("しにた~~~い", "しにたーい"),
        ("しにたーーーい", "しにたーい"),
        ("しにたｰい", "しにたーい"),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "   ", "\n\t", "😭😭😭", "🙏🏻✨", "！？。、", 123])
def test_empty_like_input_gives_empty_string(raw):
    assert normalize(raw) == ""


def test_normalize_is_idempotent():
    samples = ["ｼﾆﾀｲ!!", "しにた〜〜い", "Ｉ　ｗａｎｔ　ｔｏ　ｄｉｅ", "消えたぁぁぁい😢", "リスカ、しちゃった…"]
    for s in samples:
        once = normalize(s)
        assert normalize(once) == once


def test_strip_elongation():
    assert strip_elongation(normalize("しにたーい")) == "しにたい"
    assert strip_elongation(normalize("消えたぁい")) == "消えたい"
    assert strip_elongation(normalize("オーバードーズ")) == "おばどず"
    assert strip_elongation(normalize("しにたぁぁぁい")) == "しにたい"


def test_katakana_to_hiragana_leaves_other_scripts():
    assert katakana_to_hiragana("カタカナ漢字ABCー") == "かたかな漢字ABCー"
    assert katakana_to_hiragana("ヽヾ") == "ゝゞ"


def test_long_input_is_fine():
    text = "今日は雨。" * 2000 + "ｼﾆﾀｲ"
    out = normalize(text)
    assert out.endswith("しにたい")


def test_lone_surrogate_does_not_crash():
    assert normalize("\ud800死にたい") == "死にたい"


def test_a_name_put_inside_quotes_does_not_nest_them():
    from tsunagari.text import inside_quotes

    assert inside_quotes("支え愛・ほっとステーション「フリースペースよりみち」") == (
        "支え愛・ほっとステーション『フリースペースよりみち』"
    )
    assert inside_quotes("よりそいホットライン") == "よりそいホットライン"
