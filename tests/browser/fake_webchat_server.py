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
from tests.payload_samples import CARDS, CRISIS_CONTACTS  # noqa: E402

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
                "custom": contract.crisis_contacts(CRISIS_CONTACTS),
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
