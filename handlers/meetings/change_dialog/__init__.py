"""The organizer's change dialog («✏️ Change» in a meeting's live view): date and time (typed
as dd.mm.yyyy HH:MM, or the date and then the time), the format with the place and link it
needs, an agenda item added (title → speaker → responsible department) or removed.

Each change goes through bot.meetings.steps; once the agenda has gone out, everyone gets the
change and confirms attendance again. Wrong input is re-asked with the reason and saves
nothing; /cancel (handlers.common) leaves at any step. The format, place, link and agenda item
steps are the creation dialog's (handlers.meetings.fields), with the meeting's side.

The menu's and the sections' buttons carry the meeting (MeetCallback); the dialog's steps
(MeetChangeCallback) carry it too, as «{meeting}.{value}», and act only in their own step and
for the meeting the dialog is about: a stale or forged one is refused. The wiring is here.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.dispatcher.event.handler import CallbackType
from aiogram.filters import StateFilter

from bot.meetings.rules import MAY_ORGANIZE
from bot.middlewares import for_roles
from handlers.callbacks import MeetCallback, MeetChangeCallback, MeetChangeStep
from handlers.meetings.change_dialog import agenda, menu, when, where
from handlers.meetings.change_dialog.dialog import ChangeStates, dialog_tap
from handlers.steps import buttons_only

__all__ = ["ChangeStates", "create_router"]


def create_router() -> Router:
    """Every step is the organizers' (stated once for the router)."""
    router = for_roles(Router(name=__name__), MAY_ORGANIZE)
    states = ChangeStates
    text = ~F.text.startswith("/")
    msg = router.message
    msg.register(when.on_when_typed, states.when, text)
    msg.register(when.on_time_typed, states.time, text)
    msg.register(where.on_where_typed, StateFilter(states.place, states.link), text)
    msg.register(agenda.on_item_typed, StateFilter(states.item_title, states.item_speaker), text)
    msg.register(agenda.on_department_search, states.item_department, text)
    buttons_only(router, states.fmt, states.remove)
    cb = router.callback_query
    cb.register(
        menu.on_change, MeetCallback.filter((F.action == "chg") & F.value.in_(menu.SECTIONS))
    )

    # The dialog's own buttons act in their step, for the dialog's meeting (`dialog_tap`).
    def tap(*steps: MeetChangeStep) -> tuple[CallbackType, CallbackType]:
        return MeetChangeCallback.filter(F.step.in_(steps)), dialog_tap

    step = MeetChangeStep
    cb.register(when.on_take_offer, StateFilter(states.when, states.time), *tap(step.AT))
    cb.register(where.on_format, states.fmt, *tap(step.FORMAT))
    cb.register(where.on_keep, StateFilter(states.place, states.link), *tap(step.KEEP))
    cb.register(agenda.on_speaker_skip, states.item_speaker, *tap(step.NO_SPEAKER))
    department = states.item_department
    cb.register(agenda.on_department_page, department, *tap(step.PAGE, step.ALL))
    cb.register(agenda.on_department, department, *tap(step.DEPARTMENT, step.NO_MATERIALS))
    cb.register(menu.on_remove, states.remove, *tap(step.REMOVE))
    return router
