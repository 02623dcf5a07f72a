"""Register the LINE rich menu defined in ``channels/line_rich_menu.json``.

Usage (staff, once per design change)::

    LINE_CHANNEL_ACCESS_TOKEN=... python -m channels.line_rich_menu --image path/to/menu.png

The menu has four tap areas (2500×1686 px, 2×2 grid), each sending a postback
that goes to Rasa as the message text:

    話を聞いてほしい          → /seek_counseling
    居場所・つながり          → /seek_free_space
    仕事・キャリア            → /seek_career
    いますぐ話したい(24時間)  → /request_human   (lists the 24-hour lines)

LINE needs a picture for a rich menu, and no image is generated here: staff
supply the PNG or JPEG through ``--image`` (2500×1686 px so the four areas
line up with the 2×2 grid; JPEG/PNG, at most 1 MB; the image cannot be
replaced later, register a new menu instead). The label of each area must be
drawn on that image.

Steps (LINE Messaging API):

1. ``POST {api}/v2/bot/richmenu`` with the JSON → ``{"richMenuId": ...}``;
2. ``POST {data-api}/v2/bot/richmenu/{richMenuId}/content`` with the image
   (``Content-Type: image/png`` or ``image/jpeg``); the data API host is
   ``https://api-data.line.me`` (or ``--data-api-base``; with a custom
   ``--api-base`` such as a test server, the same base is used for both);
3. ``POST {api}/v2/bot/user/all/richmenu/{richMenuId}`` → default menu for
   every user (skip with ``--no-default``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import aiohttp

from tsunagari.config import DEFAULT_LINE_API_BASE, settings

DEFAULT_API_BASE = DEFAULT_LINE_API_BASE
DEFAULT_DATA_API_BASE = "https://api-data.line.me"
DEFAULT_MENU_PATH = Path(__file__).with_name("line_rich_menu.json")
MAX_IMAGE_BYTES = 1024 * 1024


class RichMenuError(RuntimeError):
    pass


def load_menu(path: Path = DEFAULT_MENU_PATH) -> dict[str, Any]:
    menu = json.loads(Path(path).read_text(encoding="utf-8"))
    if len(menu.get("chatBarText", "")) > 14:
        raise RichMenuError("chatBarText must be at most 14 characters")
    if not 1 <= len(menu.get("areas", [])) <= 20:
        raise RichMenuError("a rich menu has 1 to 20 areas")
    return menu


def _image_type(image: bytes) -> str:
    if image.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if image.startswith(b"\xff\xd8"):
        return "image/jpeg"
    raise RichMenuError("the rich menu image must be a PNG or JPEG file")


async def _check(resp: aiohttp.ClientResponse, step: str) -> dict[str, Any]:
    if resp.status != 200:
        detail = (await resp.text())[:300]
        raise RichMenuError(f"{step} failed with HTTP {resp.status}: {detail}")
    try:
        return await resp.json(content_type=None) or {}
    except ValueError:
        return {}


async def register_rich_menu(
    api_base: str,
    token: str,
    path: Path = DEFAULT_MENU_PATH,
    image_path: Path | None = None,
    data_api_base: str | None = None,
    set_default: bool = True,
) -> str:
    """Create the rich menu from ``path``, upload ``image_path``, make it the default.

    Returns the new ``richMenuId``. ``image_path`` is required by LINE before a
    menu can be shown; staff supply it (see the module docstring).
    """
    if not token:
        raise RichMenuError("LINE_CHANNEL_ACCESS_TOKEN is not set")
    menu = load_menu(Path(path))
    image = None
    if image_path is not None:
        image = Path(image_path).read_bytes()
        if len(image) > MAX_IMAGE_BYTES:
            raise RichMenuError("the rich menu image must be at most 1 MB")
        content_type = _image_type(image)
    api_base = api_base.rstrip("/")
    if data_api_base is None:
        data_api_base = DEFAULT_DATA_API_BASE if api_base == DEFAULT_API_BASE else api_base
    data_api_base = data_api_base.rstrip("/")
    auth = {"Authorization": f"Bearer {token}"}

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        async with session.post(f"{api_base}/v2/bot/richmenu", json=menu, headers=auth) as resp:
            rich_menu_id = (await _check(resp, "create rich menu")).get("richMenuId")
        if not rich_menu_id:
            raise RichMenuError("LINE returned no richMenuId")
        if image is not None:
            async with session.post(
                f"{data_api_base}/v2/bot/richmenu/{rich_menu_id}/content",
                data=image,
                headers={**auth, "Content-Type": content_type},
            ) as resp:
                await _check(resp, "upload rich menu image")
        if set_default:
            if image is None:
                raise RichMenuError("a default rich menu needs an image (--image)")
            async with session.post(f"{api_base}/v2/bot/user/all/richmenu/{rich_menu_id}", headers=auth) as resp:
                await _check(resp, "set default rich menu")
    return rich_menu_id


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m channels.line_rich_menu",
        description="Register the つながりナビ LINE rich menu (token from LINE_CHANNEL_ACCESS_TOKEN).",
    )
    parser.add_argument("--image", type=Path, help="PNG/JPEG, 2500x1686 px, at most 1 MB (supplied by staff)")
    parser.add_argument("--menu", type=Path, default=DEFAULT_MENU_PATH, help="rich menu JSON (default: %(default)s)")
    config = settings()
    parser.add_argument("--api-base", default=config.line_api_base)
    parser.add_argument("--data-api-base", default=None)
    parser.add_argument(
        "--no-default", action="store_true", help="create (and upload) only; do not make it the default"
    )
    args = parser.parse_args(argv)
    if args.image is None and not args.no_default:
        parser.error("--image is required unless --no-default is given")
    try:
        rich_menu_id = asyncio.run(
            register_rich_menu(
                args.api_base,
                config.line_channel_access_token,
                args.menu,
                args.image,
                args.data_api_base,
                set_default=not args.no_default,
            )
        )
    except (RichMenuError, OSError, aiohttp.ClientError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(rich_menu_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
