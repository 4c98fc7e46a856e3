"""Helpers for the end-to-end tests: the bot's environment, running `python -m bot`."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path

from tests.fake_api import ApiCall, FakeBotAPI

ROOT = Path(__file__).resolve().parents[1]


def bot_env(api: FakeBotAPI | None, tmp_path: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BOT_", "DATABASE_", "REGULATION_", "DEFAULT_LANGUAGE"))
    }
    env["PYTHONPATH"] = str(ROOT)
    env["DATABASE_PATH"] = str(tmp_path / "data" / "baqylau.sqlite3")
    env["DEFAULT_LANGUAGE"] = "kk"
    if api is not None:
        env["BOT_TOKEN"] = api.token
        env["BOT_API_URL"] = api.base_url
    return env


async def run_cli(env: dict[str, str], cwd: Path, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def to_chat(chat_id: int, starts: str | None = None) -> Callable[[ApiCall], bool]:
    def check(call: ApiCall) -> bool:
        text = str(call.params.get("text", ""))
        return call.params.get("chat_id") == chat_id and (
            starts is None or text.startswith(starts)
        )

    return check
