"""Rich menu definition and registration against the fake LINE API."""

import json

import pytest
import pytest_asyncio
from line_fakes import FakeLineApi

from channels.line_rich_menu import DEFAULT_MENU_PATH, RichMenuError, load_menu, main, register_rich_menu

TOKEN = "test-access-token"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_menu_has_four_postback_areas():
    menu = load_menu()
    labels = [a["action"]["label"] for a in menu["areas"]]
    assert labels == ["話を聞いてほしい", "居場所・つながり", "仕事・キャリア", "いますぐ話したい(24時間)"]
    assert all(a["action"]["type"] == "postback" and a["action"]["data"].startswith("/") for a in menu["areas"])
    assert all(len(label) <= 20 for label in labels)
    width, height = menu["size"]["width"], menu["size"]["height"]
    for area in menu["areas"]:
        b = area["bounds"]
        assert b["x"] + b["width"] <= width and b["y"] + b["height"] <= height
    assert sum(a["bounds"]["width"] * a["bounds"]["height"] for a in menu["areas"]) == width * height


@pytest_asyncio.fixture
async def api():
    fake = await FakeLineApi(TOKEN).start()
    yield fake
    await fake.stop()


@pytest.mark.asyncio
async def test_register_creates_uploads_and_sets_default(api, tmp_path):
    image = tmp_path / "menu.png"
    image.write_bytes(PNG)
    rich_menu_id = await register_rich_menu(api.base_url, TOKEN, DEFAULT_MENU_PATH, image)
    assert rich_menu_id == "richmenu-0123456789abcdef"
    kinds = [c["kind"] for c in api.calls]
    assert kinds == ["richmenu_create", "richmenu_content", "richmenu_default"]
    assert api.calls[0]["body"] == json.loads(DEFAULT_MENU_PATH.read_text(encoding="utf-8"))
    assert api.calls[1]["body"] == {"content_type": "image/png", "size": len(PNG)}
    assert api.calls[2]["path"].endswith("/richmenu-0123456789abcdef")
    assert all(c["headers"]["Authorization"] == f"Bearer {TOKEN}" for c in api.calls)


@pytest.mark.asyncio
async def test_register_rejects_non_image(api, tmp_path):
    bogus = tmp_path / "menu.txt"
    bogus.write_text("not an image")
    with pytest.raises(RichMenuError):
        await register_rich_menu(api.base_url, TOKEN, DEFAULT_MENU_PATH, bogus)
    assert api.calls == []


def test_cli_requires_image(capsys):
    with pytest.raises(SystemExit):
        main([])
    assert "--image" in capsys.readouterr().err
