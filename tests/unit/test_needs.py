"""Deterministic need detection: explicit needs route, feelings do not."""

import pytest

from tsunagari.needs import detect_need, need_scores


@pytest.mark.parametrize(
    "text, expected",
    [
        ("上京して友達もいなくてメンタル削れてる。一回ちゃんと専門の人と話したい", "counseling"),
        ("誰かに話を聞いてほしいです", "counseling"),
        ("ｶｳﾝｾﾗｰと話したい", "counseling"),
        ("そうだんしたい", "counseling"),
        ("土日の夜でも相談にのってくれるところある？", "counseling"),
        ("在宅で人と会わない日が続いてて、週一でも人と顔を合わせられる場所がほしい", "free_space"),
        ("同世代の友達がほしい", "free_space"),
        ("ふりーすぺーすってどこにある？", "free_space"),
        ("地域のイベントに参加してみたい", "free_space"),
        ("同僚がみんな年上で孤立してて、同世代のいる会社に転職したい", "career"),
        ("ハローワークってどう使うの", "career"),
        ("週2〜3日から始められる仕事を探してます", "career"),
        ("履歴書の書き方がわからない", "career"),
    ],
)
def test_explicit_needs_route(text, expected):
    assert detect_need(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "週末ずっとひとりで誰とも話してない",
        "就職で東京に来たけど、休日に会う人が一人もいない",
        "勇気出してイベント行ったのに誰とも話せず帰ってきた",
        "SNSで友達が集まってる写真見て落ち込んだ",
        "相談できる人が周りにいない",
        "話を聞いてもらえてよかった、ありがとう",
        "",
        "🥲🥲🥲",
    ],
)
def test_feelings_alone_do_not_route(text):
    assert detect_need(text) is None


def test_a_declined_need_does_not_count():
    assert need_scores("転職はまだ考えてなくて") == {}
    # 「転職はまだ」 is declined, so listening wins.
    assert detect_need("転職はまだ考えてなくて、とりあえず話を聞いてほしい") == "counseling"


def test_a_tie_leaves_the_decision_to_the_classifier():
    assert detect_need("キャリアカウンセラーに相談したい") is None


def test_long_input_is_bounded():
    assert detect_need("あ" * 50000) is None
