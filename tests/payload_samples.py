"""Sample custom payloads (channels/contract.py) shared by the channel fakes.

Hand-written so the channel tests need no database; the shapes are checked
against the real ServiceCard in tests/unit/test_contract.py.
"""

from __future__ import annotations

from channels.contract import CardPayload, ContactPayload

_CARD_DEFAULTS = {
    "category": "counseling",
    "channels": [],
    "notes": [],
    "last_verified": "2026-11-27",
    "last_verified_text": "2026年11月",
    "verified_note": None,
    "entry_note": None,
    "fully_verified": True,
    "reasons_title": "おすすめの理由",
    "open_now_text": "",
}

CARDS: list[CardPayload] = [
    {
        **_CARD_DEFAULTS,
        "service_id": "svc-1",
        "name": "東京いのちの電話",
        "organisation": "社会福祉法人いのちの電話",
        "description": "つらい気持ちを聞いてもらえる電話です。",
        "contacts": [
            {"kind": "phone", "label": "電話する", "value": "0332644343", "text": "電話: 03-3264-4343"},
            {
                "kind": "url",
                "label": "ウェブサイト",
                "value": "https://example.org/inochi",
                "text": "ウェブ: https://example.org/inochi",
            },
            {"kind": "address", "label": "所在地", "value": "東京都", "text": "場所: 東京都"},
        ],
        "today_hours": "24時間",
        "hours_text": "時間: 24時間",
        "reasons": ["いますぐ話せます", "名前を言わなくても大丈夫です"],
        "open_now": True,
        "open_now_text": "いま受付中です",
        "verified_text": "情報の確認: 2026年11月",
    },
    {
        **_CARD_DEFAULTS,
        "service_id": "svc-2",
        "name": "相談ほっとLINE@東京",
        "organisation": "東京都",
        "description": "LINEで相談できます。",
        "contacts": [{"kind": "line", "label": "LINEで相談", "value": "@373suajs", "text": "LINE: LINE ID: @373suajs"}],
        "today_hours": "今日 15:00〜23:00",
        "hours_text": "時間: 今日 15:00〜23:00",
        "reasons": ["文字で相談できます"],
        "open_now": False,
        "verified_note": "最終確認: 2025年4月",
        "entry_note": "最終確認: 2025年4月",
        "fully_verified": False,
        "verified_text": "最終確認: 2025年4月（変わっている場合があります）",
    },
    {
        **_CARD_DEFAULTS,
        "service_id": "wakapota",
        "name": "若ぽた+（東京都若者支援ポータル）",
        "organisation": "東京都",
        "description": "近くの居場所や相談先をさがせるウェブサイトです。",
        "contacts": [
            {
                "kind": "url",
                "label": "サイトを見る",
                "value": "https://wakapota.metro.tokyo.lg.jp/",
                "text": "ウェブ: https://wakapota.metro.tokyo.lg.jp/（サイトを見る）",
            }
        ],
        "today_hours": "ウェブでいつでも見られます",
        "hours_text": "時間: ウェブでいつでも見られます",
        "reasons": ["自分のペースで見られます"],
        "open_now": False,
        "verified_text": "情報の確認: 2026年11月",
    },
]

CRISIS_CONTACTS: list[ContactPayload] = [
    {"kind": "phone", "label": "110（警察）", "value": "110"},
    {"kind": "phone", "label": "119（救急）", "value": "119"},
    {"kind": "phone", "label": "東京いのちの電話（24時間）", "value": "03-3264-4343"},
]
