"""Deterministic need detection: explicit needs route, feelings do not."""

import pytest

from tsunagari import needs
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
        ("最近ずっと気が重い。こういうのってどこに相談するものなの？", "counseling"),
        ("人見知りでも居ていい場所ってあるのかな", "free_space"),
        ("平日の昼間に居られるとこないかな", "free_space"),
        ("where can we go on saturdays to meet people", "free_space"),
        ("リモートでできる仕事って探せますか", "career"),
        ("短時間のバイトってありますか", "career"),
        ("資格を取るほうがいいのか迷ってる", "career"),
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


# --- a wish only to be listened to (issue 10) --------------------------------
from tsunagari.needs import wants_listening  # noqa: E402


@pytest.mark.parametrize(
    "text",
    [
        "アドバイスはいらないから、ただ聞いてほしい",
        "ちょっと愚痴らせて",
        "愚痴ってもいい？",
        "話を聞いてほしいだけなんだけど",
        "解決しなくていいから話したい",
        "I just need to vent",
        "no advice, just listen",
        "let me get this off my chest",
        "ちょっと聞いてよ、電車でさ",
        "とにかく聞いてほしいの",
        "話し相手になってくれるだけでいい",
        "アドバイスとかじゃなくて、ちょっと話したかった",
    ],
)
def test_a_wish_to_be_listened_to(text):
    assert wants_listening(text)


@pytest.mark.parametrize(
    "text",
    [
        "話を聞いてくれる相談窓口を探してる",
        "any events for people in their 20s?",
        "prevent burnout",
        "カウンセリング受けたい",
        "誰か第三者に聞いてもらいたいんだけど、無料のところある？",  # だけど is "but", not "only"
        "相談員さんと直接話したいんだけど、つないでもらえる？",
        "聞いてくれる人がいる窓口ってある？",
        "ただ聞いてもらえる窓口ってありますか",
        "相談じゃなくて紹介してほしい",
    ],
)
def test_a_request_for_a_referral_is_not_venting(text):
    assert not wants_listening(text)


def test_a_change_of_mind_in_words_routes_to_counseling():
    assert detect_need("やっぱり仕事じゃなくて、誰かに話を聞いてほしい") == "counseling"


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("dareka ni soudan dekiru tokoro shiritai", "counseling"),
        ("is there a counselor who speaks English", "counseling"),
        ("any meetups for newcomers?", "free_space"),
        ("tomodachi ga hoshii", "free_space"),
        ("got fired last month, any job support around here", "career"),
        ("shigoto sagashiteru", "career"),
        ("第二新卒で次の会社をどう探すか相談したい", "career"),
        ("転職したけど気持ちがしんどくて、心理士さんに相談したい", "counseling"),
    ],
)
def test_romaji_english_and_career_topic_needs(text, category):
    assert needs.detect_need(text) == category


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("一人暮らしだと買い物に行くのもしんどいね", False),
        ("大学を出てから新しい知り合いが全然できてない", False),
        ("my dad keeps nagging me and I do not want to visit", False),
        ("行ける場所ある？", True),
        ("誰かと話せたらいいな、紹介してほしい", True),
        ("is there anything for people like me", True),
        ("ibasho sagashitemasu", True),
    ],
)
def test_asks_for_something(text, asks):
    assert needs.asks_for_something(text) is asks


def test_a_wish_for_a_chance_to_meet_people_is_a_place_to_be():
    assert detect_need("だれかと知り合うきっかけがほしいな") == "free_space"
