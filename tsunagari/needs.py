"""Deterministic detection of an explicit need in a message.

The trained classifier sometimes reads a message that describes a feeling
*and* asks for help (「上京して友達もいなくて…一回ちゃんと専門の人と話したい」)
as a mere feeling, or reads 「土日の夜でも相談できる？」 as a form answer.
An explicit need must route at once, so this module recognises need
phrases (a topic plus a wish or a request) in the normalised text. The NLU
adapter uses it only when the classifier did not already pick a route.

Patterns are written for :func:`tsunagari.text.normalize` output:
hiragana instead of katakana, lower-case ASCII, no spaces or punctuation.
"""

from __future__ import annotations

import re
import unicodedata

from tsunagari.text import normalize

# A wish or a request: ほしい, したい, 探してる, ありますか, 教えて, できる?
_WISH = r"(ほし|欲し|たい|探|さが|ある|あり|教え|おしえ|知り|しり|できる|できま|できな|行け|いけ|どこ|紹介|もらえ|くれる|くれま|いただけ|ないかな|ないか)"

_PATTERNS: tuple[tuple[str, str], ...] = (
    # --- counseling -------------------------------------------------------
    ("counseling", r"((?<!きゃりあ)かうんせ|臨床心理|心理士|心理師|相談員|相談窓口|相談先|相談所)"),
    (
        "counseling",
        r"(相談|そうだん)(したい|させて|に(の|乗)って|をしたい|がしたい|できる(ところ|とこ|場所|窓口|先|所|か|の)|できま|でき(たら|れば)|(先|さき)を?(探|さが|教え|知り))",
    ),
    (
        "counseling",
        r"(話|はなし)を?(聞|き)いて(ほし|欲し|もらい|もらえ(る|ま|な)|くれる(人|ひと|ところ|とこ|場所)|くれま|くれな|いただけ)",
    ),
    ("counseling", r"(気持ち|きもち|悩み|なやみ|思い|おもい)を?(話|はな)せる(人|ひと|相手|先|ところ|とこ|場所)"),
    ("counseling", r"(悩み|なやみ|気持ち|きもち|もやもや)を?(聞いて|きいて|相談|吐き出|はきだ|整理)"),
    ("counseling", r"(専門の(人|ひと|方|かた)|専門家)(と|に)(話|はな|相談|聞|き)"),
    ("counseling", r"(話し相手|はなしあいて|聞いてくれる(人|ひと)|きいてくれるひと)(が|を)?" + _WISH),
    ("counseling", r"(こころ|心|めんたる)の(健康)?(相談|そうだん|けあ)"),
    ("counseling", r"(吐き出|はきだ)(したい|させ|せる)"),
    # 「どこに相談すればいいのかわからん」「こういうのって誰に相談したらいい？」
    (
        "counseling",
        r"(どこ|誰|だれ|どんな(ところ|とこ|人|ひと))に(相談|そうだん)(すれば|したら|すべき|していい|できる|するの|するもの|するん)",
    ),
    # --- free_space ---------------------------------------------------------
    ("free_space", r"(居場所|いばしょ|ふりーすぺーす|たまり場|溜まり場)(が|を|に|って|みたいな|的な|とか)?" + _WISH),
    ("free_space", r"(ふりーすぺーす|こども若者応援|子ども若者応援)"),
    (
        "free_space",
        r"(同世代|同年代|仲間|なかま|友達|ともだち|友だち|知り合い)(と|が|を|に|の)?(ほし|欲し|作りたい|つくりたい|できたら|できる(場所|ところ|とこ|場|機会)|会いたい|あいたい|会える|あえる|出会いたい|出会える|話したい|話せる|はなせる|つながりたい|集まる(場所|ところ|とこ|場))",
    ),
    ("free_space", r"(つながり|繋がり)(を|が)?(作り|つくり|作れ|つくれ|ほし|欲し|持ちたい|もちたい)"),
    (
        "free_space",
        r"(人|ひと)(と|に)(会える|あえる|会いたい|あいたい|関われる|かかわれる|関わりたい|かかわりたい|出会える|出会いたい|顔を合わせ(られ|たい))",
    ),
    (
        "free_space",
        r"(集まる|あつまる|集まれる|人がいる|ひとがいる|過ごせる|すごせる|いられる|ほっとできる|話す練習)(場所|ところ|とこ|場)",
    ),
    (
        "free_space",
        r"(いべんと|行事|さーくる|ぼらんてぃあ|食事会|ごはん会|ご飯会|交流会|集まり|あつまり|地域の活動|お祭り|おまつり)(に|を|が|とか|って|の|へ)?(参加したい|さんかしたい|参加してみたい|さんかしてみたい|参加でき|行きたい|いきたい|行ってみたい|いってみたい|ある(か|の|と)|あります|あれば|探|さが|知りたい|しりたい|教えて|おしえて|情報|ほし|欲し)",
    ),
    ("free_space", r"(みんなで|誰かと|だれかと)(ご飯|ごはん|食事|しょくじ)"),
    # A place where one may simply be: 「話すのが下手でもいていい場所」「居れるとこないん？」
    ("free_space", r"(いて|居て)(も)?(いい|よい|大丈夫な?|ゆるされる|許される)(場所|ところ|とこ|場)"),
    ("free_space", r"(居れる|居られる|居させてくれる|いさせてくれる|おれる)(場所|ところ|とこ|場)"),
    (
        "free_space",
        r"(人|ひと|誰か|だれか)と(関わる|かかわる|知り合う|しりあう|出会う|であう|つながる|繋がる|話す|はなす)(機会|きかい|きっかけ|場)(が|を)?"
        + _WISH,
    ),
    # --- career -------------------------------------------------------------
    (
        "career",
        r"(求人|きゅうじん|はろーわーく|履歴書|りれきしょ|職務経歴|職業訓練|さぽすて|しごとせんたー|面接(の|を)?(練習|対策|が不安|に(受|う)から|落ち))",
    ),
    (
        "career",
        r"(転職|てんしょく|就職|しゅうしょく|就活|しゅうかつ|再就職|きゃりあ)(.{0,8})(したい|相談|そうだん|支援|しえん|さぽーと|できる|でき(ま|た|な)|先|活動|探|さが|考え|かんがえ|ほし|について|どう|不安|ふあん|中|ちゅう|を|が)",
    ),
    (
        "career",
        r"(仕事|しごと|ばいと|あるばいと|働き口|職)(を|が|も)?(探|さが|見つけ|みつけ|したい|ほし|欲し|決ま|始めたい|はじめたい|変えたい|かえたい)",
    ),
    ("career", r"(働きたい|はたらきたい|働ける(か|ところ|場所|とこ|仕事)|働く自信)"),
    # 「在宅でできる仕事ないかな」「バイトってあります？」「資格とったほうがいいのか」
    ("career", r"(在宅|ざいたく|りもーと|家|いえ|おうち)で(でき|働け|はたらけ)(る|そうな)(仕事|しごと|ばいと)"),
    ("career", r"(仕事|しごと|ばいと|あるばいと)(って)?(ないかな|ないです?か|あるかな|あります|ある[?？]|ありそう)"),
    ("career", r"(資格|しかく)(を)?(取|と)(った|る)(ほう|方)がいい"),
    # --- romaji Japanese and English (no spaces after normalize) -------------
    (
        "counseling",
        r"((?<!career)(?<!kyaria)kaunse|counsel(l)?or|counsel(l)?ing|therapist|(soudan|sodan)(shitai|dekiru|saki|madoguchi|ni)"
        r"|someonetotalkto|talktosomeone|talktosomebody|mentalhealth(support|help)|kiitekureru)",
    ),
    (
        "free_space",
        r"(ibasho|ibenntoni|ibentoni|tomodachi(ga|wo|o)?(hoshi|tsukuri|dekiru)|meetups?|makefriends|meetpeople|meetnewpeople"
        r"|placetohangout|communityspace|socialgroups?"
        r"|wherecan(i|we)go(on|at|during|in)?(the)?(weekends?|evenings?|nights?|sundays?|saturdays?)"
        r"|so(that)?i(m|am)notalone|nottobealone(all|so))",
    ),
    (
        "career",
        r"(tenshoku|shuushoku|shushoku|shuukatsu|shukatsu|haroowaaku|shigoto(ga|wo|o)?(sagashi|mitsuka|hoshi)"
        r"|job(support|hunting|search|centre|center|advice)|find(ing)?(a)?(new)?(job|work)|lookingfor(a)?(job|work)"
        r"|career(advice|support|counsel)|resume|jobinterview)",
    ),
)
_COMPILED = tuple((category, re.compile(pattern)) for category, pattern in _PATTERNS)

# A need that is explicitly declined (「転職はまだ考えてなくて」「カウンセリング
# は大げさだから」) must not count. Checked in the match and just after it.
_DECLINED = re.compile(
    r"(はまだ|考えてな|かんがえてな|じゃな|ではな|大げさ|おおげさ|いらな|要らな|はいい|はいや|は苦手|はにがて)"
)
_DECLINED_WINDOW = 8


# A wish only to be listened to, not referred: 「アドバイスはいらないから聞いて」
# 「ちょっと愚痴らせて」 "I just need to vent". Wins over a need phrase
# (「話を聞いてほしいだけ」 names counseling words but asks for no referral).
_JUST_LISTEN = re.compile(
    r"((聞いて|きいて|聞いてもら|きいてもら|話(し|を|が)?(したい|聞|き)|はなしたい|吐き出|はきだ|愚痴|ぐち|話すだけ|はなすだけ)[^。]{0,8}だけ(?!ど|れど)"
    r"|あどばいす(は|とか|も)?(いらな|要らな|なし|なくて|しないで|はいい|不要)"
    r"|(愚痴|ぐち)(らせ|っても?いい|を?言わせ|をいわせ|を?聞いて|をきいて|言っても?いい|いっても?いい)"
    r"|解決(しなくて|しなくても|はしなくて)いい"
    r"|^(ちょっと|ねえ|ねぇ)?(聞いて|きいて)(よ|ー|〜)"
    r"|(ただ|ただただ|とにかく)(話を|はなしを)?(聞いて|きいて)(ほし|欲し)(?!.{0,4}(窓口|ところ|とこ|場所|人|ひと|先|さき))"
    r"|(話し相手|はなしあいて|聞き役|ききやく)[^。]{0,8}だけ(?!ど|れど)"
    r"|(相談|そうだん|あどばいす)(とか|がしたいわけ)(じゃなくて|じゃないんだ|ではなくて|ではないんです)"
    r"|justlisten|(?<!e)vent(ing)?(?![a-z])|letmerant|canirant|rantforabit|needtorant|offmychest|noadvice)"
)


# A career topic: a generic 「相談に乗って」 about it is a career question.
_CAREER_TOPIC = re.compile(
    r"(転職|てんしょく|就職|しゅうしょく|就活|しゅうかつ|第二新卒|新卒|再就職|求人|仕事探し|職探し|きゃりあ|復職"
    r"|tenshoku|shuushoku|shukatsu|shuukatsu|career|jobhunt|findajob|findwork)"
)
# Counseling words that no career question uses.
_COUNSELING_ONLY = re.compile(
    r"((?<!きゃりあ)かうんせ|心理|めんたる|こころ|心の|気持ち|きもち|悩み|なやみ|counsel|therap)"
)


def career_topic(text: str) -> bool:
    """True when a message asking for 相談 is about work: a new job, job hunting, a return to work."""
    normalized = normalize(text)[:2000]
    if _COUNSELING_ONLY.search(normalized):
        return False
    return any(
        not _DECLINED.search(normalized[m.start() : m.end() + _DECLINED_WINDOW])
        for m in _CAREER_TOPIC.finditer(normalized)
    )


# A request or a question anywhere in the message (read on the raw text:
# normalize drops 「？」). A message with none of these is a story, not a
# request: 「一人暮らしだと水買いに行くのもしんどいね」.
_ASKS = re.compile(
    r"([?？]|ほし|欲し|たい(?!へん)|ありま|ある(か|の|かな|\s*$)|ない(か|の|かな|です?か)|あれば|教え|おしえ|紹介|しょうかい"
    r"|もらえ|くれ(る|ま|な)|いただけ|探|さが|知りたい|しりたい|どこ|できる|できま|行け|いけ(る|ま)|お願い|おねがい"
    r"|pls|plz|please|(?<!not )(?<!n't )(?<!nt )\bwant|wanna|\bneed|looking|\blike\s*to|love\s*to|help|where|how\s*(do|can)"
    r"|is\s*there|are\s*there|\bany\b|\bcan\s*(i|you|someone)|hoshi|shitai|(?<!shi)tai(desu)?$|arimasu|sagashi|oshiete|doko)",
    re.IGNORECASE,
)


def asks_for_something(text: str) -> bool:
    """True when the message holds a request or a question (in Japanese, romaji or English)."""
    folded = unicodedata.normalize("NFKC", text or "")[:2000]
    return _ASKS.search(folded) is not None


def wants_listening(text: str) -> bool:
    """True when the message asks only to be listened to (no referral, no advice)."""
    return _JUST_LISTEN.search(normalize(text)[:2000]) is not None


def need_scores(text: str) -> dict[str, int]:
    """Number of need phrases per category found in `text`."""
    normalized = normalize(text)[:2000]
    scores: dict[str, int] = {}
    for category, pattern in _COMPILED:
        for match in pattern.finditer(normalized):
            if _DECLINED.search(normalized[match.start() : match.end() + _DECLINED_WINDOW]):
                continue
            scores[category] = scores.get(category, 0) + 1
    return scores


def detect_need(text: str) -> str | None:
    """The one category the message clearly asks for, or None.

    None when nothing matches or when two categories tie: then the
    classifier's own reading stands.
    """
    scores = need_scores(text)
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None
    if ranked[0][0] == "counseling" and "career" not in scores and career_topic(text):
        return "career"  # 「第二新卒としてどう動けばいいか相談に乗って」
    return ranked[0][0]
