"""A tiny stand-in for the Rasa server: the real web chat channel and widget
files, with a scripted handler instead of a trained model.

    python tests/browser/fake_webchat_server.py PORT

Used by the fast browser tests (and handy while working on the widget)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sanic import Sanic, response  # noqa: E402

from channels import contract  # noqa: E402
from channels.webchat import WebChatInput  # noqa: E402

CARDS = [
    {
        "service_id": "inochi",
        "name": "東京いのちの電話",
        "organisation": "社会福祉法人いのちの電話",
        "description": "つらい気持ちを、名前を言わずに聞いてもらえる電話です。",
        "contacts": [{"kind": "phone", "label": "03-3264-4343", "value": "0332644343", "text": "電話: 03-3264-4343"}],
        "today_hours": "24時間",
        "hours_text": "時間: 24時間",
        "reasons": ["いますぐ話せます", "匿名で相談できます"],
        "reasons_title": "おすすめの理由",
        "open_now": True,
        "open_now_text": "いま受付中です",
        "last_verified": "2026-11-27",
        "verified_note": None,
        "verified_text": "情報の確認: 2026年11月",
    },
    {
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
        "reasons_title": "おすすめの理由",
        "open_now": False,
        "open_now_text": "",
        "last_verified": "2026-11-27",
        "verified_note": None,
        "verified_text": "情報の確認: 2026年11月",
    },
]

MENU = [
    {"title": "話を聞いてほしい・相談したい", "payload": "/seek_counseling"},
    {"title": "居場所・人とのつながり", "payload": "/seek_free_space"},
    {"title": "仕事・キャリア", "payload": "/seek_career"},
]


async def handler(message) -> None:
    out, sid, text = message.output_channel, message.sender_id, message.text or ""
    if text == "/greet":
        await out.send_response(sid, {"text": "こんにちは。つながりナビです🌱"})
        await out.send_response(sid, {"text": "名前や連絡先は要りません。"})
        await out.send_response(sid, {"text": "いま、どんなことが気になっていますか？", "buttons": MENU})
    elif text == "/seek_counseling":
        await out.send_response(
            sid,
            {
                "text": "どんな方法で話すのがよさそうですか？",
                "buttons": [
                    {"title": "電話", "payload": '/inform{"contact_channel":"phone"}'},
                    {"title": "どれでも", "payload": '/inform{"contact_channel":"any"}'},
                ],
            },
        )
    elif text.startswith('/inform{"contact_channel"'):
        await out.send_response(
            sid,
            {
                "text": "いつごろが都合いいですか？",
                "buttons": [
                    {"title": "いつでも", "payload": '/inform{"contact_time":"any"}'},
                ],
            },
        )
    elif text.startswith('/inform{"contact_time"'):
        await out.send_response(
            sid, {"text": "こちらの窓口はいかがですか。", "custom": contract.directory_cards("", CARDS)}
        )
    elif "死にたい" in text:
        await out.send_response(sid, {"text": "打ち明けてくれて、ありがとうございます。"})
        await out.send_response(
            sid,
            {
                "text": "24時間、人と話せる窓口があります。",
                "custom": contract.crisis_contacts(
                    [
                        {"kind": "phone", "label": "119（救急）", "value": "119"},
                        {"kind": "phone", "label": "110（警察）", "value": "110"},
                        {"kind": "phone", "label": "東京いのちの電話（24時間）", "value": "03-3264-4343"},
                    ]
                ),
            },
        )
    else:
        await out.send_response(sid, {"text": f"受け取りました：{text}"})


def build_app(name: str = "fake_webchat") -> Sanic:
    app = Sanic(name)
    channel = WebChatInput.from_credentials({"session_persistence": True})
    app.blueprint(channel.blueprint(handler), url_prefix="/webhooks/webchat")

    @app.get("/embed-test/")
    async def embed_page(request):
        # A host page that embeds the widget the way a partner site would.
        server = request.args.get("server", "")
        html = (
            '<!doctype html><html lang="ja"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>埋め込みテスト</title></head><body><h1>パートナーのページ</h1>"
            f'<script src="{server}/webchat/widget.js" data-server="{server}"></script>'
            "</body></html>"
        )
        return response.html(html)

    return app


if __name__ == "__main__":
    build_app().run(host="127.0.0.1", port=int(sys.argv[1]), access_log=False)
