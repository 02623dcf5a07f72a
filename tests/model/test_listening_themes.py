"""The ResponseSelector picks the theme of a feeling (issue 10 item 3).

One fresh sentence per theme, written for this test and not used for
training. The figure is printed; the floor sits two messages under it.
"""

from __future__ import annotations

THEME_CHECKS = {
    "night_weekend": "土曜の夜って、ひとりだとほんとに長く感じる",
    "moved_to_tokyo": "上京して一年、まだこっちに知り合いがほとんどいない",
    "coworkers_age": "職場がみんな親世代で、休憩中に話せる人がいない",
    "events_alone": "勇気出して交流会にひとりで行ったのに、輪に入れなかった",
    "used_to_it": "ひとりでいるのが当たり前になりすぎて、寂しいのかもわからない",
    "hikikomori": "もう二年くらい家からほとんど出てない",
    "friends_drifting": "学生時代の友達とだんだん連絡しなくなった",
    "among_people": "大勢といるのに、なぜか自分だけひとりな気がする",
    "family": "母親とうまく話せなくて、実家に帰るのが気が重い",
    "breakup": "半年付き合った人にふられて、何も手につかない",
    "work_pressure": "締め切りに追われて、仕事のことばかり考えてしまう",
    "money": "今月の家賃がぎりぎりで、お金のことが不安でたまらない",
    "health": "熱が出ても看病してくれる人がいなくて心細い",
}
FLOOR = 0.75


def test_feeling_themes_are_recognised(parse, figures):
    results = parse(list(THEME_CHECKS.values()))
    got = {}
    for theme, result in zip(THEME_CHECKS, results, strict=True):
        selected = (result.get("response_selector", {}).get("feeling", {}).get("response", {})) or {}
        retrieval = selected.get("intent_response_key", "")
        got[theme] = retrieval.split("/", 1)[1] if result["intent"]["name"] == "feeling" and "/" in retrieval else None
    share = sum(got[t] == t for t in THEME_CHECKS) / len(THEME_CHECKS)
    wrong = {t: g for t, g in got.items() if g != t}
    figures.append(
        f"listening themes: {share:.3f} of {len(THEME_CHECKS)} fresh sentences got their theme; wrong: {wrong}"
    )
    assert share >= FLOOR, wrong
