"""Dialogs and drafts live on the database file: a report half-written before a restart is
sent after it; a «Send» under a draft that is closed says that nothing was sent."""

from __future__ import annotations

from aiogram.methods import SendMessage

from bot.factory import create_dispatcher
from bot.i18n import make_i18n
from handlers.callbacks import ItemAction, ItemCallback
from storage.db import open_database
from storage.dialogs import DialogRepo
from storage.domain.assignments import Status
from storage.domain.enums import Language
from storage.repo import Repos
from tests.helpers import CTRL, World, alert, messages_to, register_assignment

EDU = 8301
PEOPLE = {"edu_head": EDU, "ctrl": CTRL}


def data_of(message: SendMessage, action: ItemAction) -> str:
    """The callback data of the message's button for `action` (whatever its label reads)."""
    markup = message.reply_markup
    assert markup is not None
    for row in markup.inline_keyboard:  # type: ignore[union-attr]
        for button in row:
            if button.callback_data and ItemCallback.unpack(button.callback_data).action == action:
                return button.callback_data
    raise AssertionError(f"no {action} button on {message.text!r}")


async def test_a_report_begun_before_a_restart_is_sent_after_it(joined_world: World) -> None:
    ctx = await joined_world.context()
    item = await register_assignment(ctx, "01-07/9", "Тапсырма", ("Отдел образования",))
    await joined_world.deliverer.drain()
    [card] = messages_to(joined_world.bot, EDU)
    await joined_world.tap(data_of(card, ItemAction.REPORT), EDU)
    await joined_world.say("Кесте бекітілді.", EDU)
    prompt = messages_to(joined_world.bot, EDU)[-1]
    send = data_of(prompt, ItemAction.SEND)

    # the bot restarts: a new connection to the same file, a new dispatcher
    settings = joined_world.settings
    database = await open_database(settings.database_path)
    try:
        repos = Repos(database)
        dp = create_dispatcher(
            settings,
            repos,
            make_i18n(Language.KK),
            profile=joined_world.profile,
            deliverer=joined_world.deliverer,
        )
        restarted = World(
            dp, joined_world.bot, repos, joined_world.profile, settings, joined_world.deliverer
        )
        await restarted.tap(send, EDU)
        reported = await restarted.item(item.id)
        assert reported.status is Status.REPORTED
        assert [r.text for r in await repos.assignments.reports(item.id)] == ["Кесте бекітілді."]

        # the same «Send» again: the draft is closed, nothing is sent twice, and it says so
        await restarted.tap(send, EDU)
        assert alert(restarted.bot).startswith("Бұл жоба жабылған")
        assert len(await repos.assignments.reports(item.id)) == 1
    finally:
        await database.close()


async def test_a_finished_dialog_leaves_no_row(repos: Repos) -> None:
    dialogs: DialogRepo = repos.dialogs
    await dialogs.set_state("1:2:3", "Report:collecting")
    await dialogs.set_data("1:2:3", {"id": 5, "text": ["ақпарат"], "files": []})
    assert await dialogs.state("1:2:3") == "Report:collecting"
    assert await dialogs.data("1:2:3") == {"id": 5, "text": ["ақпарат"], "files": []}
    assert await dialogs.data("1:2:4") == {}
    await dialogs.set_state("1:2:3", None)
    await dialogs.set_data("1:2:3", {})
    assert await repos.dialogs.fetch_all("SELECT * FROM dialogs") == []
