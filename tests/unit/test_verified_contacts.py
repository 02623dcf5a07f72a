"""Every phone number and web address a resident can read is a sourced seed contact.

The numbers in hand-written texts (domain.yml responses, the messages_ja.yml
files, the web widget, the web page, the LINE rich menu) are safety-critical
and typed by hand, apart from the directory. Each must be a contact of the
seed (tsunagari/directory/seed/partners.yml) marked ``verified``; a ``partly``
contact may appear only on a line that also names the year its source gave
(the directory's own rule for partly facts).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "tsunagari" / "directory" / "seed" / "partners.yml"

PHONE = re.compile(r"(?<![\d-])(?:tel:(?:%23|#)?\d+|#\d{4}|0\d{1,4}-\d{1,4}(?:-\d{3,4})?|110|119)(?![\d-])")
URL = re.compile(r"(?:https?://)?(?:[a-z0-9-]+\.)+(?:jp|com|org|net|me)(?:/[\w./%@?=&#-]*)?", re.I)
# Technical addresses, not contacts: the LINE add-friend prefix that widget.js and
# line_messages.py put before a seed LINE ID.
TECHNICAL_URLS = {"line.me/r/ti/p"}
# Known gaps, each with the text that holds it. The test fails when one is no
# longer needed, so the list cannot go stale. (None today.)
UNDATED_PARTLY_ALLOWED: dict[str, set[str]] = {}


def phone_key(raw: str) -> str:
    raw = raw.lower().replace("tel:", "").replace("%23", "#")
    return re.sub(r"[^\d#]", "", raw)


def url_key(raw: str) -> str:
    key = re.sub(r"^https?://", "", raw.strip().lower()).rstrip("/.")
    return key[4:] if key.startswith("www.") else key


def seed_contacts() -> dict[str, list[tuple[str, str]]]:
    """Normalised value -> [(confidence, verified_on)] over every seed contact."""
    data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    found: dict[str, list[tuple[str, str]]] = {}
    for owner in data["organisations"] + data["services"]:
        inherited = str(owner.get("verified_on", ""))
        for contact in owner.get("contacts") or []:
            value = str(contact["value"])
            if contact["kind"] == "phone":
                key = phone_key(value)
            elif value.startswith(("http://", "https://")):
                key = url_key(value)
            else:
                continue
            found.setdefault(key, []).append((contact["confidence"], str(contact.get("verified_on", inherited))))
    return found


def _js_strings(source: str) -> str:
    """The string literals of a script, one a line (what it can show or link to)."""
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    source = re.sub(r"(?m)^\s*//.*$", "", source)
    return "\n".join(m.group(2) for m in re.finditer(r"([\"'])((?:(?!\1)[^\\\n]|\\.)*)\1", source))


def resident_texts() -> list[tuple[str, str]]:
    """(where, text) for every text a resident may read outside the directory."""
    out: list[tuple[str, str]] = []
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for name, variants in domain["responses"].items():
        for variant in variants:
            where = f"domain.yml:{name}"
            out.append((where, variant.get("text") or ""))
            for button in variant.get("buttons") or []:
                out.append((where, f"{button.get('title', '')} {button.get('url', '')}"))
            for contact in (variant.get("custom") or {}).get("contacts") or []:
                out.append((where, f"{contact.get('label', '')} {contact.get('value', '')}"))
    for path in (ROOT / "tsunagari").rglob("messages_ja.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, str):
                out.append((str(path.relative_to(ROOT)), node))
    web = ROOT / "channels" / "static" / "webchat"
    out.append(("widget.js", _js_strings((web / "widget.js").read_text(encoding="utf-8"))))
    for page in sorted(web.glob("*.html")):
        out.append((page.name, page.read_text(encoding="utf-8")))
    out.append(("line_rich_menu.json", (ROOT / "channels" / "line_rich_menu.json").read_text(encoding="utf-8")))
    # The crisis replies are composed from the seed, so check what they say.
    from tsunagari.safety import crisis_dialogue

    for situation in crisis_dialogue._replies()["situations"]:
        for lang in ("ja", "en"):
            for message in crisis_dialogue.compose(situation, lang).messages + [crisis_dialogue.pinned_lines(lang)]:
                where = f"crisis_replies:{situation}:{lang}"
                out.append((where, message.get("text") or ""))
                for contact in message.get("contacts") or []:
                    out.append((where, f"{contact['label']} {contact['value']} {contact.get('note', '')}"))
    return out


def mentions(text: str) -> list[tuple[str, str, str]]:
    """(key, the matched text, its line) for each phone number and address in `text`."""
    found = []
    for line in text.splitlines() or [text]:
        for m in PHONE.finditer(line):
            found.append((phone_key(m.group()), m.group(), line))
        for m in URL.finditer(line):
            key = url_key(m.group())
            if key not in TECHNICAL_URLS and not key.endswith((".js", ".css", ".html")):
                found.append((key, m.group(), line))
    return found


def test_the_scan_finds_the_known_numbers():
    """Guard against a scanner that silently finds nothing."""
    keys = {key for _, text in resident_texts() for key, _, _ in mentions(text)}
    assert {"0332644343", "0120279338", "110", "119", "talkme.jp"} <= keys


def test_every_number_and_address_is_a_verified_seed_contact():
    seed = seed_contacts()
    problems = []
    used_exceptions = set()
    for where, text in resident_texts():
        for key, shown, line in mentions(text):
            facts = seed.get(key)
            if not facts:
                problems.append(f"{where}: {shown!r} is not a contact in the seed")
                continue
            if any(conf == "verified" for conf, _ in facts):
                continue
            years = {on[:4] for conf, on in facts if conf == "partly" and on[:4].isdigit()}
            if any(f"{year}年" in line or f"as of {year}" in line for year in years):
                continue
            if where in UNDATED_PARTLY_ALLOWED.get(key, set()):
                used_exceptions.add((key, where))
                continue
            problems.append(f"{where}: {shown!r} is only 'partly' in the seed; say its source year on the same line")
    assert not problems, "\n".join(problems)
    allowed = {(key, where) for key, places in UNDATED_PARTLY_ALLOWED.items() for where in places}
    assert used_exceptions == allowed, f"stale exceptions, remove them: {sorted(allowed - used_exceptions)}"


def test_a_made_up_number_is_caught():
    seed = seed_contacts()
    assert not seed.get(phone_key("03-1234-5678"))
    assert [key for key, _, _ in mentions("電話 03-1234-5678 へ")] == ["0312345678"]
