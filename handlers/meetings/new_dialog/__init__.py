"""The organizer's dialog that creates a meeting: «➕ New meeting» under /meeting.

Kind → restricted (ДСП)? (before any content) → subject (optional for sessions and apparatus
meetings; never asked for a restricted meeting) → date (typed; the profile's materials and
distribution days shown once it is known) → time → format → place and/or link → chair (a paged
picker, the akim first) → agenda items, repeated (title, speaker, responsible department) →
recipients (departments, people, saved distribution lists, «all akimat members»; member or
invitee by role) → a confirmation → the meeting is saved and the materials are requested from
the responsible departments at once.

Every wrong answer is re-asked with the reason; /cancel (handlers.common) leaves at any step.
Buttons act only in their own step: a stale or forged one falls through to the catch-all.
Also the saved distribution lists (MeetCallback action «lists»): who is on them, and delete.

The steps live by stage (when, where, agenda, recipients, confirm; the draft, its prompts and
where each step leads in draft, prompts, review and flow); the format, place, link and agenda
item steps are shared with the change dialog (handlers.meetings.fields). The wiring is here.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter

from bot.meetings.rules import MAY_ORGANIZE
from bot.middlewares import for_roles
from handlers.callbacks import MeetCallback, MeetNewCallback, MeetNewStep
from handlers.meetings.new_dialog import agenda, confirm, lists, recipients, when, where
from handlers.meetings.new_dialog.draft import MeetingStates
from handlers.steps import buttons_only, drop

__all__ = ["MeetingStates", "create_router"]


def create_router() -> Router:
    """Every step is the organizers' (stated once for the router)."""
    router = for_roles(Router(name=__name__), MAY_ORGANIZE)
    states = MeetingStates
    text = ~F.text.startswith("/")
    searching = StateFilter(
        states.chair, states.item_department, states.departments, states.people, states.lists
    )
    choosing = StateFilter(states.departments, states.people, states.lists)
    msg = router.message
    msg.register(when.on_title, states.title, text)
    msg.register(when.on_day_typed, states.day, text)
    msg.register(when.on_time_typed, states.time, text)
    msg.register(where.on_place, states.place, text)
    msg.register(where.on_link, states.link, text)
    msg.register(agenda.on_item_title, states.item_title, text)
    msg.register(agenda.on_speaker, states.item_speaker, text)
    msg.register(recipients.on_search, searching, text)
    msg.register(confirm.on_list_name, states.list_name, text)
    waiting = (states.kind, states.format, states.restricted, states.item_more, states.confirm)
    buttons_only(router, *waiting)
    cb = router.callback_query
    new = MeetNewCallback.filter
    step = MeetNewStep
    cb.register(when.on_new, MeetCallback.filter(F.action == "new"))
    listed = F.action == "lists"
    cb.register(lists.on_lists, MeetCallback.filter(listed & (F.value == "") & (F.id == 0)))
    cb.register(lists.on_delete, MeetCallback.filter(listed & (F.value == "del")))
    cb.register(when.on_kind, states.kind, new(F.step == step.KIND))
    cb.register(when.on_no_title, states.title, new(F.step == step.NO_TITLE))
    cb.register(when.on_when_button, states.day, new(F.step == step.DAY))
    cb.register(when.on_when_button, states.time, new(F.step == step.TIME))
    cb.register(where.on_format, states.format, new(F.step == step.FORMAT))
    restricted = (F.step == step.RESTRICTED) & F.value.in_({"0", "1"})
    cb.register(when.on_restricted, states.restricted, new(restricted))
    cb.register(where.on_chair, states.chair, new(F.step == step.CHAIR))
    cb.register(agenda.on_no_speaker, states.item_speaker, new(F.step == step.NO_SPEAKER))
    item_department = states.item_department
    cb.register(agenda.on_item_department, item_department, new(F.step == step.ITEM_DEPARTMENT))
    cb.register(agenda.on_no_materials, item_department, new(F.step == step.NO_MATERIALS))
    cb.register(agenda.on_more, states.item_more, new(F.step == step.MORE))
    cb.register(agenda.on_agenda_done, states.item_more, new(F.step == step.AGENDA_DONE))
    cb.register(recipients.on_page, searching, new(F.step == step.PAGE))
    cb.register(recipients.on_show_all, searching, new(F.step == step.ALL))
    cb.register(recipients.on_toggle, states.departments, new(F.step == step.DEPARTMENT))
    cb.register(recipients.on_toggle, states.people, new(F.step == step.PERSON))
    cb.register(recipients.on_toggle_list, states.lists, new(F.step == step.LIST))
    cb.register(recipients.on_all_members, choosing, new(F.step == step.ALL_MEMBERS))
    cb.register(recipients.on_mode, choosing, new(F.step == step.MODE))
    cb.register(recipients.on_recipients_done, choosing, new(F.step == step.DONE))
    cb.register(confirm.on_create, new(F.step == step.CREATE))
    cb.register(confirm.on_save_list, states.confirm, new(F.step == step.SAVE))
    cb.register(drop, states.confirm, new(F.step == step.DROP))
    return router
