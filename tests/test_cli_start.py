"""The command line starts without aiogram (seconds of imports) unless it has something to send;
the examples and the README's samples import as written; an unreachable Bot API is one line."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e import ROOT, bot_env, run_cli
from tests.fake_api import FakeBotAPI
from tests.helpers import World, join, person

EXAMPLES = ROOT / "examples"
# Runs `python -m bot ARGS` in this process and then says which slow packages it imported.
PROBE = """
import sys
from bot.__main__ import main
try:
    status = main(sys.argv[1:])
except SystemExit as exit:
    status = exit.code
print("exit", status, sorted({"aiogram", "handlers"} & set(sys.modules)))
"""


def test_the_command_line_does_not_import_aiogram_or_the_handlers() -> None:
    probe = "import sys, bot.__main__; print(sorted({'aiogram', 'handlers'} & set(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def cli(tmp_path: Path, *args: str, probe: bool = False) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` on a database in `tmp_path`, without BOT_TOKEN (nothing to send)."""
    command = (
        [sys.executable, "-c", PROBE, *args] if probe else [sys.executable, "-m", "bot", *args]
    )
    return subprocess.run(
        command,
        cwd=tmp_path,
        env=bot_env(None, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_commands_that_do_not_talk_to_telegram_never_import_aiogram(tmp_path: Path) -> None:
    commands = [
        ["staff", "import", str(EXAMPLES / "staff.csv")],
        ["assignments", "import", str(EXAMPLES / "assignments.csv")],
        ["staff", "list"],
        ["profile"],
        ["calendar", "show", "2026"],
        ["--help"],
    ]
    for args in commands:
        done = cli(tmp_path, *args, probe=True)
        assert done.stdout.splitlines()[-1] == "exit 0 []", (args, done.stdout, done.stderr)


def test_the_examples_import_as_the_readme_shows(tmp_path: Path) -> None:
    staff = cli(tmp_path, "staff", "import", str(EXAMPLES / "staff.csv"))
    assert staff.returncode == 0, staff.stderr
    assert "14 rows: 14 created" in staff.stdout
    items = cli(tmp_path, "assignments", "import", str(EXAMPLES / "assignments.csv"))
    assert items.returncode == 0, items.stderr
    assert "10 assignments registered" in items.stdout
    listed = cli(tmp_path, "staff", "list").stdout.splitlines()
    assert len(listed) == 14
    assert all(line.endswith("not joined") for line in listed)


def test_the_readme_samples_import_as_written(tmp_path: Path) -> None:
    """Every CSV block of the README is lines of the examples, and imports on its own."""
    blocks = re.findall(r"```csv\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert len(blocks) >= 2
    examples = {
        line
        for name in ("staff.csv", "assignments.csv")
        for line in (EXAMPLES / name).read_text(encoding="utf-8").splitlines()
    }
    for block in blocks:
        assert set(block.splitlines()) <= examples, block
    for block in blocks:
        kind = "staff" if block.startswith("code,") else "assignments"
        path = tmp_path / f"{kind}.csv"
        path.write_text(block, encoding="utf-8")
        done = cli(tmp_path, kind, "import", str(path))
        assert done.returncode == 0, (block, done.stderr)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("reason", ["unreachable", "wrong token"])
async def test_a_bot_api_it_cannot_use_is_one_line_and_exit_status_1(
    tmp_path: Path, reason: str
) -> None:
    async with FakeBotAPI(port=0) as api:
        env = bot_env(api, tmp_path)
        if reason == "unreachable":
            env["BOT_API_URL"] = f"http://127.0.0.1:{free_port()}"
        else:
            env["BOT_TOKEN"] = "1:WRONG"
        status, _, err = await run_cli(env, tmp_path)  # the fake API answers meanwhile
    assert status == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: the Bot API (")
    assert ("BOT_TOKEN" in lines[0]) == (reason == "wrong token")


async def test_sendable_counts_only_what_a_sender_could_take_now(world: World) -> None:
    outbox = world.repos.outbox
    now = datetime.now(UTC)
    edu = await person(world.repos, "edu_head")
    await outbox.enqueue("t:held", edu.id, "card", {})  # not joined: held
    assert await outbox.sendable(now) == 0
    await join(world.dp, world.bot, world.repos, "ctrl", 9301, "ru")
    ctrl = await person(world.repos, "ctrl")
    await outbox.enqueue("t:later", ctrl.id, "card", {}, not_before=now + timedelta(hours=1))
    assert await outbox.sendable(now) == 0
    assert await outbox.sendable(now + timedelta(hours=2)) == 1
    await outbox.enqueue("t:now", ctrl.id, "card", {})
    assert await outbox.sendable(datetime.now(UTC)) == 1
