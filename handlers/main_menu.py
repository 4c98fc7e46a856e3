"""The main menu's work buttons: each does what its command does (the command's own handler,
answering below the menu), for the roles the button is shown to (a forged button for another
role is answered with whom it is for). Help, Language and Invitations are answered in
handlers.start and handlers.admin."""

from __future__ import annotations

from datetime import datetime

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot import services
from bot.middlewares import Tap, for_roles
from handlers.assignments.lists import cmd_control, cmd_my
from handlers.assignments.new_dialog import cmd_new
from handlers.callbacks import MenuAction, MenuCallback
from handlers.keyboards import MENU_BUTTONS
from handlers.leaders.overview import cmd_overview
from handlers.leaders.waiting import show_waiting
from handlers.meetings.views import cmd_meeting
from handlers.remarks.actions import cmd_remarks
from handlers.reports.actions import cmd_report
from storage.models import Person

SCREENS = frozenset(
    {
        MenuAction.OVERVIEW,
        MenuAction.MY,
        MenuAction.WAITING,
        MenuAction.NEW,
        MenuAction.CONTROL,
        MenuAction.ROUNDS,
        MenuAction.MEETINGS,
        MenuAction.REPORT,
    }
)


async def screen(
    action: MenuAction,
    message: Message,
    person: Person,
    state: FSMContext,
    ctx: services.Context,
    seen: dict[int, datetime],
) -> None:
    """The command's own handler for the button."""
    match action:
        case MenuAction.OVERVIEW:
            await cmd_overview(message, person, ctx)
        case MenuAction.MY:
            await cmd_my(message, person, ctx)
        case MenuAction.WAITING:
            await show_waiting(message, person, ctx)
        case MenuAction.NEW:
            await cmd_new(message, state)
        case MenuAction.CONTROL:
            await cmd_control(message, person, ctx)
        case MenuAction.ROUNDS:
            await cmd_remarks(message, person, ctx.repos)
        case MenuAction.MEETINGS:
            await cmd_meeting(message, ctx.repos)
        case MenuAction.REPORT:
            await cmd_report(message, person, ctx, seen)


async def on_menu_button(
    query: CallbackQuery, tap: Tap[MenuCallback], seen: dict[int, datetime]
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await screen(tap.button.action, query.message, tap.person, tap.state, tap.ctx, seen)


def create_router() -> Router:
    router = Router(name=__name__)
    for button in MENU_BUTTONS:
        if button.action not in SCREENS:
            continue
        guarded = for_roles(Router(name=f"{__name__}.{button.action.value}"), button.roles)
        guarded.callback_query.register(
            on_menu_button, MenuCallback.filter(F.action == button.action)
        )
        router.include_router(guarded)
    return router
