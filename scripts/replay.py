"""Replay a YAML conversation script against the bot and show every turn.

For ward staff testing changes: each user message is printed with the
intent the NLU chose, its confidence, the slots after the turn and the
bot's replies. The action server is started for the run.

Usage: make replay SCRIPT=conversations/sample.yml
Script format:
    conversation:
      - こんにちは
      - /seek_counseling
      - 電話で
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
os.environ["RASA_TELEMETRY_ENABLED"] = "false"  # before Rasa is imported: nothing leaves the machine
BIN = Path(sys.executable).parent
SHOWN_SLOTS = ("support_category", "contact_channel", "contact_time", "crisis", "requested_slot")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("アクションサーバーが起動できませんでした。")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    raise SystemExit("アクションサーバーの起動を待てませんでした。")


def load_script(path: Path) -> list:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SystemExit(f"スクリプトを読めませんでした: {exc}") from None
    turns = (data or {}).get("conversation") if isinstance(data, dict) else None
    if not isinstance(turns, list) or not all(isinstance(t, str) for t in turns):
        raise SystemExit("スクリプトには conversation: の下に、発言の文字列のリストを書いてください。")
    return turns


async def replay(turns: list, model: str, action_url: str) -> None:
    from rasa.core.agent import Agent
    from rasa.shared.core.events import UserUttered
    from rasa.utils.endpoints import EndpointConfig

    agent = Agent.load(model, action_endpoint=EndpointConfig(url=action_url))
    sender = f"replay-{uuid.uuid4().hex[:8]}"
    for number, text in enumerate(turns, start=1):
        replies = await agent.handle_text(text, sender_id=sender)
        tracker = await agent.tracker_store.retrieve(sender)
        user_turns = [e for e in tracker.events if isinstance(e, UserUttered)]
        intent = (user_turns[-1].intent if user_turns else None) or {}
        slots = ", ".join(f"{name}={tracker.get_slot(name)}" for name in SHOWN_SLOTS)
        print(f"[{number}] 利用者: {text}")
        print(f"    意図: {intent.get('name')} ({intent.get('confidence', 0):.2f})")
        print(f"    スロット: {slots}")
        for reply in replies or []:
            if reply.get("text"):
                print("    ナビ: " + reply["text"].replace("\n", "\n          "))
            for button in reply.get("buttons") or []:
                print(f"          [{button.get('title')}] -> {button.get('payload')}")
            if reply.get("custom"):
                print(f"          (カードなど: {reply['custom'].get('type')})")
        print()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("script", type=Path)
    parser.add_argument("--model", default=str(ROOT / "models" / "tsunagari.tar.gz"))
    args = parser.parse_args(argv)
    turns = load_script(args.script)
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    actions = subprocess.Popen(
        [str(BIN / "rasa"), "run", "actions", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, actions)
        asyncio.run(replay(turns, args.model, f"http://127.0.0.1:{port}/webhook"))
    finally:
        actions.terminate()
        actions.wait(timeout=20)


if __name__ == "__main__":
    main()
