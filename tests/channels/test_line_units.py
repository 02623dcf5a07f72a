"""Unit tests for the LINE channel pieces that need no server."""

import pytest
from line_fakes import sign

from channels import contract
from channels import line_messages as lm
from channels.line import LineInput, verify_signature

SECRET = "test-channel-secret"
TOKEN = "test-access-token"
USER_SECRET = "test-user-id-secret"


def test_verify_signature_unit():
    body = b'{"events":[]}'
    assert verify_signature(SECRET, body, sign(SECRET, body))
    assert not verify_signature(SECRET, body + b" ", sign(SECRET, body))
    assert not verify_signature(SECRET, body, None)


def test_enabled_requires_user_id_secret():
    from tsunagari.line_ids import MissingSecretError

    with pytest.raises(MissingSecretError):
        LineInput.from_env({"LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": TOKEN})
    channel = LineInput.from_env(
        {"LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": TOKEN, "LINE_USER_ID_SECRET": USER_SECRET}
    )
    assert channel.enabled and channel.client.api_base == "https://api.line.me"
    assert SECRET not in repr(channel) and TOKEN not in repr(channel.client)


def test_dedup_cache_is_bounded():
    from tsunagari.claims import MemoryClaims

    cache = MemoryClaims(max_entries=3)
    for i in range(10):
        assert cache.claim_now("e", str(i), 3600)
    assert len(cache) == 3
    assert not cache.claim_now("e", "9", 3600)
    expired = MemoryClaims(max_entries=10)
    expired.claim_now("e", "a", -1)
    assert expired.claim_now("e", "a", 3600)


def test_tel_uri_forms():
    assert lm.tel_uri("03-3264-4343") == "tel:0332644343"
    assert lm.tel_uri("110") == "tel:110"
    assert lm.tel_uri("#7119") == "tel:%237119"
    assert lm.tel_uri("不明") is None


def test_unsafe_uris_are_dropped():
    assert lm.contact_action({"kind": "url", "label": "x", "value": "javascript:alert(1)"}) is None
    assert lm.contact_action({"kind": "address", "label": "x", "value": "品川区"}) is None


def test_more_than_12_cards_split_into_carousels():
    cards = [{"name": f"窓口{i}", "contacts": []} for i in range(14)]
    out = lm.bot_message_to_line({"text": "一覧です", "custom": contract.directory_cards("", cards)})
    assert [len(m["contents"]["contents"]) for m in out] == [12, 2]
    assert all(m["altText"] for m in out)


def test_quick_reply_moves_to_last_message_of_turn():
    out = lm.bot_messages_to_line(
        [
            {"text": "えらんでください", "buttons": [{"title": "はい", "payload": "/affirm"}]},
            {"text": "補足です"},
        ]
    )
    assert "quickReply" not in out[0]
    assert out[-1]["quickReply"]["items"][0]["action"]["data"] == "/affirm"


def test_overlong_payload_button_dropped_and_text_truncated():
    out = lm.bot_message_to_line({"text": "あ" * 6000, "buttons": [{"title": "x", "payload": "/" + "a" * 400}]})
    assert len(out[0]["text"]) == 5000 and "quickReply" not in out[0]


def test_unknown_custom_is_ignored():
    assert lm.bot_message_to_line({"custom": {"type": "something_else"}}) == []


def test_big_cards_split_by_json_size():
    cards = [{"name": f"窓口{i}", "description": "あ" * 4000, "contacts": []} for i in range(10)]
    out = lm.bot_message_to_line({"custom": contract.directory_cards("", cards)})
    assert len(out) > 1
    for message in out:
        assert lm._json_size(message["contents"]) <= lm.MAX_CAROUSEL_BYTES
