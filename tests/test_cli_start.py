"""The command line starts without aiogram (seconds of imports) unless it has something to send."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

from tests.e2e import ROOT
from tests.helpers import World, join, person


def test_the_command_line_does_not_import_aiogram_or_the_handlers() -> None:
    probe = "import sys, bot.__main__; print(sorted({'aiogram', 'handlers'} & set(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


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
