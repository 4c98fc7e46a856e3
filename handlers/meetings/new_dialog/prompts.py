"""What the dialog that creates a meeting says at each step up to the agenda, and its buttons
(pure: the texts and keyboards, read from the draft)."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot import services
from bot.i18n import date_with_weekday
from bot.i18n_marks import N_
from bot.meetings.rules import (
    MAX_ITEMS,
    TEXT_MAX,
    TITLE_MAX,
    TITLE_MIN,
    distribution_day,
    materials_due,
)
from handlers.callbacks import MeetNewStep
from handlers.keyboards import Keyboard
from handlers.meetings import fields
from handlers.meetings.cards import KIND_TITLES
from handlers.meetings.new_dialog.draft import (
    CHAIR,
    draft_agenda_lines,
    items_of,
    mn,
    step,
    time_value,
)
from handlers.pickers import Option, nothing, person_option
from handlers.replies import dotted, reader_language, sentences
from handlers.steps import offer_keyboard, yes_no_keyboard
from storage.domain.enums import Role
from storage.domain.meetings import MeetingKind
from storage.repo import Repos

TIMES = ("09:00", "10:00", "11:00", "14:30", "15:00")
KIND_BUTTONS: dict[MeetingKind, str] = {
    MeetingKind.SESSION: KIND_TITLES[MeetingKind.SESSION],
    MeetingKind.APPARATUS: KIND_TITLES[MeetingKind.APPARATUS],
    MeetingKind.OTHER: N_("Other meeting"),
}


def kind_keyboard() -> InlineKeyboardMarkup:
    builder = Keyboard()
    for kind, title in KIND_BUTTONS.items():
        builder.button(text=_(title), callback_data=mn(MeetNewStep.KIND, kind.value))
    builder.adjust(1)
    return builder.as_markup()


def kind_prompt() -> str:
    return step(1, _("New meeting. What kind of meeting is it? /cancel stops at any step."))


def title_prompt(kind: MeetingKind) -> str:
    if kind is MeetingKind.OTHER:
        return step(
            3,
            _("Type the subject of the meeting ({min} to {max} characters).").format(
                min=TITLE_MIN, max=TITLE_MAX
            ),
        )
    return step(
        3,
        _(
            "Type the subject of the meeting ({min} to {max} characters), or press «Skip»: "
            "a session or an apparatus meeting may go without one."
        ).format(min=TITLE_MIN, max=TITLE_MAX),
    )


def skip_keyboard(step_name: MeetNewStep) -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("➡️ Skip"), callback_data=mn(step_name))
    return builder.as_markup()


def day_prompt(example: date) -> str:
    return step(
        4,
        _("The date of the meeting: type it as dd.mm.yyyy, for example {example}.").format(
            example=dotted(example)
        ),
    )


def day_keyboard(offer: date) -> InlineKeyboardMarkup:
    return offer_keyboard(offer, mn(MeetNewStep.DAY, offer.isoformat()))


def consequence_lines(
    ctx: services.Context, day: date, kind: MeetingKind, language: str, *, materials: bool = True
) -> list[str]:
    """What the date means under the profile for this kind of meeting: the materials' due
    date (unless no item of the agenda needs materials), the distribution day."""
    lines = []
    due = materials_due(ctx.profile, ctx.calendar, day, kind)
    if due is not None and materials:
        line = _("Materials from the responsible departments are due by {date}.").format(
            date=date_with_weekday(due, language)
        )
        if due < ctx.today:
            line = sentences(
                line, _("⚠️ That day has passed: the departments get less time than usual.")
            )
        lines.append(line)
    send_on = distribution_day(ctx.profile, ctx.calendar, day, kind)
    at_once = send_on == date.min or send_on <= ctx.today
    if materials:
        lines.append(
            _("The agenda and materials go out as soon as the agenda is approved.")
            if at_once
            else _(
                "The agenda and materials go out on {date}, once the agenda is approved."
            ).format(date=date_with_weekday(send_on, language))
        )
    else:  # nothing but the agenda goes out
        lines.append(
            _("The agenda goes out as soon as it is approved.")
            if at_once
            else _("The agenda goes out on {date}, once it is approved.").format(
                date=date_with_weekday(send_on, language)
            )
        )
    return lines


def when_chosen(
    ctx: services.Context, day: date, moment: str, kind: MeetingKind, language: str
) -> str:
    """The date and time chosen and what the date means: what the time's message keeps once a
    time button is tapped (the next step comes below it, so the dates stay in view)."""
    when = _("When: {date}, {time}").format(date=date_with_weekday(day, language), time=moment)
    return "\n".join([when, *consequence_lines(ctx, day, kind, language)])


def time_prompt(ctx: services.Context, day: date, kind: MeetingKind, language: str) -> str:
    return "\n".join(
        [
            _("Date: {date}").format(date=date_with_weekday(day, language)),
            *consequence_lines(ctx, day, kind, language),
            "",
            step(5, _("The start time: press a button or type it as HH:MM.")),
        ]
    )


def time_keyboard() -> InlineKeyboardMarkup:
    builder = Keyboard()
    for shown in TIMES:
        builder.button(
            text=shown, callback_data=mn(MeetNewStep.TIME, time_value(time.fromisoformat(shown)))
        )
    builder.adjust(3)
    return builder.as_markup()


def format_keyboard() -> InlineKeyboardMarkup:
    return fields.format_keyboard(lambda value: mn(MeetNewStep.FORMAT, value), capital=True)


def format_prompt() -> str:
    return step(6, _("How is the meeting held?"))


def place_prompt() -> str:
    return step(
        7,
        _("Where is it held? Type the place (room, building), at most {max} characters.").format(
            max=TEXT_MAX
        ),
    )


def link_prompt() -> str:
    return step(
        7,
        _("Type the videoconference link, for example zoom.us/j/123."),
    )


def restricted_keyboard() -> InlineKeyboardMarkup:
    return yes_no_keyboard(
        (_("🔒 Yes, restricted (ДСП)"), mn(MeetNewStep.RESTRICTED, "1")),
        (_("No"), mn(MeetNewStep.RESTRICTED, "0")),
    )


def restricted_prompt() -> str:
    return step(
        2,
        _(
            "Is the meeting restricted (ДСП, for official use only)? Then the bot sends the "
            "recipients only its kind, number, time and place — never the subject, the agenda "
            "or the materials; they work with the paper copy, and materials are handed over on "
            "paper."
        ),
    )


async def chair_options(repos: Repos) -> list[Option]:
    """Everyone in the staff directory, the akim(s) first."""
    everyone = await repos.staff.all_people()
    akims = [p for p in everyone if Role.AKIM in p.roles]
    others = [p for p in everyone if Role.AKIM not in p.roles]
    return [person_option(p) for p in akims + others]


async def chair_view(repos: Repos, data: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    view = CHAIR.view(await chair_options(repos), data)
    text = "\n".join(
        [
            step(
                8,
                _(
                    "Who chairs the meeting? Tap a person (the akim is listed first). To find "
                    "someone, type part of the name or position."
                ),
            ),
            *CHAIR.status_lines(view),
        ]
    )
    return text, CHAIR.keyboard(view, [], all_label=_("🔎 Show everyone"), mark=nothing)


async def department_names(repos: Repos) -> dict[int, str]:
    """The departments' names in the current reader's language."""
    return {d.id: d.label(reader_language()) for d in await repos.staff.departments()}


async def agenda_so_far(repos: Repos, data: dict[str, Any]) -> list[str]:
    items = items_of(data)
    if not items:
        return []
    names = await department_names(repos)
    return [_("The agenda so far:"), *draft_agenda_lines(items, names, 80), ""]


def item_title_prompt(number: int) -> str:
    return step(
        9,
        _("Agenda item {number}: type its title ({min} to {max} characters).").format(
            number=number, min=TITLE_MIN, max=TITLE_MAX
        ),
    )


def speaker_prompt(number: int) -> str:
    return step(
        9,
        _(
            "Who reports on item {number}? Type «name, position» (the speaker may come from "
            "outside the akimat), or press «Skip»."
        ).format(number=number),
    )


def item_department_header(data: dict[str, Any]) -> str:
    return step(
        9,
        _(
            "Which department prepares the materials for item {number}? It is asked for "
            "them at once and reminded before they are due. Tap a department, or «No "
            "materials needed». To find a department, type part of its name."
        ).format(number=len(items_of(data)) + 1),
    )


def more_keyboard(count: int) -> InlineKeyboardMarkup:
    builder = Keyboard()
    if count < MAX_ITEMS:
        builder.button(text=_("➕ Add another item"), callback_data=mn(MeetNewStep.MORE))
    builder.button(text=_("✔️ Agenda is complete"), callback_data=mn(MeetNewStep.AGENDA_DONE))
    builder.adjust(1)
    return builder.as_markup()


async def more_view(repos: Repos, data: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    count = len(items_of(data))
    lines = await agenda_so_far(repos, data)
    if count >= MAX_ITEMS:
        lines.append(_("That is the most an agenda may have ({max} items).").format(max=MAX_ITEMS))
    lines.append(step(9, _("Add another item, or is the agenda complete?")))
    return "\n".join(lines), more_keyboard(count)
