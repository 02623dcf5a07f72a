"""Build LINE Messaging API message objects from Rasa bot messages.

Pure functions (no I/O, no rasa import) so they are easy to test.

Limits used here (LINE Messaging API reference):
- text message: up to 5,000 characters;
- quick reply: up to 13 items; action label up to 20 characters; a postback
  action in a quick reply needs ``displayText`` (up to 300 characters);
  postback ``data`` up to 300 characters;
- URI action: ``http``, ``https``, ``line`` or ``tel`` scheme, up to 1,000
  characters;
- Flex carousel: up to 12 bubbles; ``altText`` kept to 400 characters here
  (the documented maximum is larger, shorter is safer for notifications).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urlsplit

from channels import contract

logger = logging.getLogger(__name__)

MAX_TEXT = 5000
MAX_QUICK_REPLY_ITEMS = 13
MAX_LABEL = 20
MAX_POSTBACK_DATA = 300
MAX_DISPLAY_TEXT = 300
MAX_URI = 1000
MAX_ALT_TEXT = 400
MAX_BUBBLES = 12
MAX_CARD_BUTTONS = 4
MAX_CAROUSEL_BYTES = 45_000

UNSUPPORTED_MESSAGE_TEXT = (
    "ありがとうございます。すみません、スタンプや画像はまだ読めないので、文字で送っていただけますか。"
)

# Colours: muted, readable on white.
_GRAY = "#666666"
_ACCENT = "#1D6F5F"


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, ending with an ellipsis if cut."""
    text = text or ""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + "…"


def text_message(text: str) -> dict[str, Any]:
    return {"type": "text", "text": truncate(text, MAX_TEXT)}


# --- actions ---------------------------------------------------------------


def _safe_uri(uri: str) -> str | None:
    """Return ``uri`` if LINE accepts it in a URI action, else None."""
    uri = (uri or "").strip()
    if not uri or len(uri) > MAX_URI:
        return None
    scheme = urlsplit(uri).scheme.lower()
    if scheme in ("http", "https", "line"):
        return uri
    if scheme == "tel":
        return uri
    return None


def tel_uri(number: str) -> str | None:
    """``03-3264-4343`` → ``tel:0332644343``; ``#7119`` → ``tel:%237119``."""
    raw = (number or "").strip()
    if raw.lower().startswith("tel:"):
        raw = raw[4:]
    digits = re.sub(r"[^0-9+#*]", "", raw)
    if not re.search(r"[0-9]", digits):
        return None
    return "tel:" + quote(digits, safe="+")


def line_account_uri(value: str) -> str | None:
    """URL that opens a LINE account: an https URL as is, or ``@id`` → add-friend URL."""
    value = (value or "").strip()
    if value.startswith(("http://", "https://", "line://")):
        return _safe_uri(value)
    if value.startswith("@") and len(value) > 1:
        return _safe_uri("https://line.me/R/ti/p/" + quote(value, safe=""))
    return None


def uri_action(label: str, uri: str) -> dict[str, Any] | None:
    safe = _safe_uri(uri)
    if not safe:
        return None
    return {"type": "uri", "label": truncate(label, MAX_LABEL), "uri": safe}


def button_action(button: dict[str, Any]) -> dict[str, Any] | None:
    """Rasa button → LINE action (postback, or URI for ``url`` buttons)."""
    title = str(button.get("title") or "").strip()
    if not title:
        return None
    url = button.get("url")
    if url:
        return uri_action(title, str(url))
    payload = str(button.get("payload") or title)
    if len(payload) > MAX_POSTBACK_DATA:
        # Cutting a payload such as '/inform{"...": ...}' would corrupt it.
        logger.warning("LINE: dropped a button whose payload exceeds %d chars", MAX_POSTBACK_DATA)
        return None
    return {
        "type": "postback",
        "label": truncate(title, MAX_LABEL),
        "data": payload,
        "displayText": truncate(title, MAX_DISPLAY_TEXT),
    }


def quick_reply(buttons: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    items = []
    for button in buttons or []:
        action = button_action(button)
        if action:
            items.append({"type": "action", "action": action})
        if len(items) == MAX_QUICK_REPLY_ITEMS:
            break
    return {"items": items} if items else None


def contact_action(contact: dict[str, Any]) -> dict[str, Any] | None:
    """Card contact → tappable URI action (``tel:`` for phones); None for addresses."""
    kind = contact.get("kind")
    value = str(contact.get("value") or "")
    label = str(contact.get("label") or "").strip()
    label = label or value
    if kind == "phone":
        uri = tel_uri(value)
        return uri_action(label, uri) if uri else None
    if kind == "url":
        return uri_action(label, value)
    if kind == "line":
        uri = line_account_uri(value)
        return uri_action(label, uri) if uri else None
    return None


# --- Flex builders -----------------------------------------------------------


def _text(text: str, **kwargs: Any) -> dict[str, Any]:
    component = {"type": "text", "text": truncate(text, 2000), "wrap": True}
    component.update(kwargs)
    return component


def _button(action: dict[str, Any], primary: bool) -> dict[str, Any]:
    return {
        "type": "button",
        "action": action,
        "style": "primary" if primary else "secondary",
        "height": "sm",
        **({"color": _ACCENT} if primary else {}),
    }


def card_bubble(card: contract.CardPayload) -> dict[str, Any]:
    """One directory card → one Flex bubble (every string comes from the card)."""
    body: list[dict[str, Any]] = [_text(str(card.get("name") or ""), weight="bold", size="lg")]
    if card.get("organisation"):
        body.append(_text(str(card["organisation"]), size="xs", color=_GRAY))
    if card.get("open_now_text"):
        body.append(_text(str(card["open_now_text"]), size="sm", color=_ACCENT, weight="bold", margin="sm"))
    if card.get("description"):
        body.append(_text(str(card["description"]), size="sm", margin="md"))
    if card.get("hours_text"):
        body.append(_text(str(card["hours_text"]), size="sm", margin="md"))
    reasons = [str(r) for r in (card.get("reasons") or []) if r]
    if reasons:
        body.append(_text(str(card.get("reasons_title") or ""), size="xs", color=_GRAY, margin="md"))
        for reason in reasons:
            body.append(_text(f"・{reason}", size="sm"))
    lines = [str(c.get("text") or "") for c in card.get("contacts") or [] if isinstance(c, dict)]
    lines += [str(n) for n in card.get("notes") or [] if n]
    for index, line in enumerate(x for x in lines if x):
        body.append(_text(line, size="xs", color=_GRAY, **({"margin": "md"} if index == 0 else {})))
    if card.get("verified_text"):
        body.append(_text(str(card["verified_text"]), size="xxs", color=_GRAY, margin="md"))

    actions = [a for a in (contact_action(c) for c in card.get("contacts") or []) if a]
    bubble: dict[str, Any] = {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "spacing": "xs", "contents": body},
    }
    if actions:
        bubble["footer"] = {
            "type": "box",
            "layout": "vertical",
            "spacing": "sm",
            "contents": [_button(a, i == 0) for i, a in enumerate(actions[:MAX_CARD_BUTTONS])],
        }
    return bubble


def _alt_text(lead: str, names: list[str]) -> str:
    parts = [lead.strip()] if lead and lead.strip() else []
    if names:
        parts.append("、".join(names))
    return truncate("\n".join(parts) or "ご案内", MAX_ALT_TEXT)


def _json_size(obj: Any) -> int:
    return len(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def directory_cards_messages(cards: list[contract.CardPayload], text: str | None) -> list[dict[str, Any]]:
    """Cards → Flex carousel message(s), at most 12 bubbles and about 45 KB of
    JSON each (LINE caps a carousel's JSON size), always with altText."""
    cards = [c for c in cards or [] if isinstance(c, dict)]
    groups: list[list[dict[str, Any]]] = []
    size = 0
    for card in cards:
        bubble_size = _json_size(card_bubble(card))
        if not groups or len(groups[-1]) == MAX_BUBBLES or size + bubble_size > MAX_CAROUSEL_BYTES:
            groups.append([])
            size = 0
        groups[-1].append(card)
        size += bubble_size
    messages = []
    for index, chunk in enumerate(groups):
        names = [str(c.get("name") or "") for c in chunk if c.get("name")]
        lead = text if index == 0 else ""
        messages.append(
            {
                "type": "flex",
                "altText": _alt_text(lead or "こちらの窓口があります。", names),
                "contents": {"type": "carousel", "contents": [card_bubble(c) for c in chunk]},
            }
        )
    if not messages and text:
        messages.append(text_message(text))
    return messages


def crisis_contacts_message(contacts: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Crisis contacts → one Flex bubble with tappable call / link buttons."""
    contacts = [c for c in contacts or [] if isinstance(c, dict)]
    actions = [a for a in (contact_action(c) for c in contacts) if a]
    if not actions:
        return None
    alt_lines = [f"{c.get('label', '')} {c.get('value', '')}".strip() for c in contacts]
    return {
        "type": "flex",
        "altText": _alt_text("いますぐ連絡できる窓口", alt_lines),
        "contents": {
            "type": "bubble",
            "body": {
                "type": "box",
                "layout": "vertical",
                "spacing": "sm",
                "contents": [
                    _text("いますぐ連絡できる窓口", weight="bold"),
                    _text("タップすると電話やページが開きます。", size="xs", color=_GRAY),
                ],
            },
            "footer": {
                "type": "box",
                "layout": "vertical",
                "spacing": "sm",
                "contents": [_button(a, i == 0) for i, a in enumerate(actions[:6])],
            },
        },
    }


def image_message(url: str) -> dict[str, Any] | None:
    if not url or not url.startswith("https://") or len(url) > 2000:
        return None
    return {"type": "image", "originalContentUrl": url, "previewImageUrl": url}


# --- Rasa bot message → LINE messages ----------------------------------------


def bot_message_to_line(message: dict[str, Any]) -> list[dict[str, Any]]:
    """Convert one Rasa bot message dict (text / buttons / custom / image).

    - ``buttons`` (or ``quick_replies``) → quick reply on the last LINE message;
    - ``custom`` ``directory_cards`` → Flex carousel; if the message also has
      ``text``, only the Flex is sent and its ``altText`` carries the text;
    - ``custom`` ``crisis_contacts`` → the text, then a Flex bubble with
      call / link buttons.
    """
    text = message.get("text") or ""
    buttons = message.get("buttons") or message.get("quick_replies") or []
    custom = message.get("custom")
    out: list[dict[str, Any]] = []

    custom_type = contract.custom_type(custom)
    if custom_type == contract.DIRECTORY_CARDS:
        out.extend(directory_cards_messages(custom.get("cards") or [], text))
    else:
        if text:
            out.append(text_message(text))
        if custom_type == contract.CRISIS_CONTACTS:
            crisis = crisis_contacts_message(custom.get("contacts") or [])
            if crisis:
                out.append(crisis)
        elif custom is not None:
            logger.info(
                "LINE: ignored a custom message of type %r", custom.get("type") if isinstance(custom, dict) else None
            )

    image = image_message(message.get("image") or "")
    if image:
        out.append(image)

    qr = quick_reply(buttons)
    if qr:
        if not out:
            out.append(text_message("えらんでください。"))
        out[-1] = {**out[-1], "quickReply": qr}
    return out


def bot_messages_to_line(messages: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Convert all bot messages of one turn.

    LINE shows quick reply buttons only when they sit on the last message of a
    batch, so the last quick reply of the turn is moved to the final message.
    """
    result: list[dict[str, Any]] = []
    for message in messages:
        result.extend(bot_message_to_line(message))
    last_qr = None
    for index, item in enumerate(result):
        if "quickReply" in item:
            last_qr = item["quickReply"]
            if index != len(result) - 1:
                result[index] = {k: v for k, v in item.items() if k != "quickReply"}
    if last_qr is not None and result and "quickReply" not in result[-1]:
        result[-1] = {**result[-1], "quickReply": last_qr}
    return result


def chunks(items: list[Any], size: int = 5) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
