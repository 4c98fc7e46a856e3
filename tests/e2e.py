"""Helpers for the end-to-end tests: the bot's environment, running `python -m bot`."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from tests.conftest import STAFF_CSV
from tests.fake_api import ApiCall, FakeBotAPI

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 90.0  # s for `python -m bot` to poll, on a busy machine (imports take seconds)


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


async def start_bot(
    env: dict[str, str], cwd: Path, *args: str, stdout: int = asyncio.subprocess.PIPE
) -> asyncio.subprocess.Process:
    """`python -m bot *args` as a child process; its stderr is piped."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        cwd=cwd,
        stdout=stdout,
        stderr=asyncio.subprocess.PIPE,
    )


async def run_cli(env: dict[str, str], cwd: Path, *args: str) -> tuple[int, str, str]:
    process = await start_bot(env, cwd, *args)
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def import_staff(env: dict[str, str], tmp_path: Path, csv: str = STAFF_CSV) -> str:
    """`staff import` of a staff CSV (written to tmp_path); what the command printed."""
    (tmp_path / "staff.csv").write_text(csv, encoding="utf-8")
    code, out, err = await run_cli(env, tmp_path, "staff", "import", "staff.csv")
    assert code == 0, err
    return out


async def invite_links(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """`staff invites`: each invitation link by staff code."""
    code, out, err = await run_cli(env, tmp_path, "staff", "invites")
    assert code == 0, err
    return {line.split("\t")[0]: line.split("\t")[2] for line in out.splitlines()}


async def prepare_staff(
    env: dict[str, str], tmp_path: Path, csv: str = STAFF_CSV
) -> dict[str, str]:
    """Import a staff CSV; each invitation token (the link's start parameter) by staff code."""
    await import_staff(env, tmp_path, csv)
    links = await invite_links(env, tmp_path)
    return {code: link.split("start=", 1)[1] for code, link in links.items()}


@asynccontextmanager
async def running_bot(api: FakeBotAPI, env: dict[str, str], tmp_path: Path) -> AsyncIterator[None]:
    """`python -m bot` polling `api` for the duration of the block; then SIGTERM, after which
    it must have exited cleanly: code 0, no Traceback."""
    process = await start_bot(env, tmp_path, stdout=asyncio.subprocess.DEVNULL)
    try:
        await api.wait_for("getUpdates", timeout=START_TIMEOUT)
        yield
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, err_bytes = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, err_bytes.decode()
    assert "Traceback" not in err_bytes.decode(), err_bytes.decode()


async def onboard(api: FakeBotAPI, user_id: int, token: str, language: str) -> None:
    """The person opens their invitation from a `language` phone and keeps that language."""
    mark = api.mark()
    api.send_text(user_id, f"/start {token}", language_code=language)
    greeting = await api.wait_for("sendMessage", to_chat(user_id), after=mark)
    api.press(user_id, f"lang:{language}", message_id=greeting.result["message_id"])
    await api.wait_for("editMessageText", to_chat(user_id), after=mark)


def to_chat(chat_id: int, starts: str | None = None) -> Callable[[ApiCall], bool]:
    def check(call: ApiCall) -> bool:
        text = str(call.params.get("text", ""))
        return call.params.get("chat_id") == chat_id and (
            starts is None or text.startswith(starts)
        )

    return check


def button(call: ApiCall, text: str) -> str:
    """The callback data of the button labelled `text` on the message sent by `call`."""
    for row in call.params["reply_markup"]["inline_keyboard"]:
        for item in row:
            if item["text"] == text:
                return str(item["callback_data"])
    raise AssertionError(f"no button {text!r} in {call.params['reply_markup']}")


def notices(api: FakeBotAPI, chat_id: int) -> list[str]:
    """The deadline notices (⏰ …) sent to `chat_id` so far."""
    return [
        str(call.params["text"])
        for call in api.sent_messages
        if call.params.get("chat_id") == chat_id
        and str(call.params.get("text", "")).startswith("⏰")
    ]
