"""The organizer's dialog that creates a meeting: «➕ New meeting» under /meeting.

Kind → subject (optional for sessions and apparatus meetings) → date (typed; the profile's
materials and distribution days shown once it is known) → time → format → place and/or link →
restricted (ДСП)? → chair (a paged picker, the akim first) → agenda items, repeated (title,
speaker, responsible department) → recipients (departments, people, saved distribution lists,
«all akimat members»; member or invitee by role) → a confirmation → the meeting is saved and the
materials are requested from the responsible departments at once.

Every wrong answer is re-asked with the reason; /cancel (handlers.common) leaves at any step.
Buttons act only in their own step: a stale or forged one falls through to the catch-all.
Also the saved distribution lists (MeetCallback action «lists»): who is on them, and delete.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import services
from bot.config import Settings
from bot.i18n import date_with_weekday
from bot.i18n_marks import N_
from bot.meetings import steps as meeting_services
from bot.meetings.rules import (
    MAX_ITEMS,
    MAY_ORGANIZE,
    TEXT_MAX,
    TITLE_MAX,
    TITLE_MIN,
    MeetingRefusal,
    check_start,
    distribution_day,
    is_link,
    materials_due,
    parse_time,
)
from bot.profiles import Profile
from handlers.callbacks import MeetCallback, MeetNewCallback
from handlers.meetings.cards import FORMAT_TITLES, KIND_TITLES, organizer_view
from handlers.pickers import Mark, Option, Picker, checked
from handlers.remarks.new_dialog import department_options, person_label, picked
from handlers.replies import dotted, refuse, show, stale
from handlers.steps import button_day, typed_day
from storage.domain.enums import Role
from storage.domain.meetings import (
    DistributionList,
    MeetingFormat,
    MeetingKind,
    NewAgendaItem,
    NewMeeting,
)
from storage.domain.refusals import Refused
from storage.models import Person
from storage.repo import Repos

ORGANIZERS = {"roles": MAY_ORGANIZE}
STEPS = 11
TIMES = ("09:00", "10:00", "11:00", "14:30", "15:00")
LIST_NAME_MIN = 2
LIST_NAME_MAX = 100
MESSAGE_MAX = 4000  # Telegram's limit is 4096 characters
NAMES_SHOWN = 40  # chosen names listed before «and N more»
KIND_BUTTONS: dict[MeetingKind, str] = {
    MeetingKind.SESSION: KIND_TITLES[MeetingKind.SESSION],
    MeetingKind.APPARATUS: KIND_TITLES[MeetingKind.APPARATUS],
    MeetingKind.OTHER: N_("Other meeting"),
}

# One organizer's «Create» is handled once at a time (a double tap must not create twice).


class MeetingStates(StatesGroup):
    kind = State()
    title = State()
    day = State()
    time = State()
    format = State()
    place = State()
    link = State()
    restricted = State()
    chair = State()
    item_title = State()
    item_speaker = State()
    item_department = State()
    item_more = State()
    departments = State()  # the recipients, choosing departments
    people = State()  # the recipients, choosing people
    lists = State()  # the recipients, choosing saved distribution lists
    confirm = State()
    list_name = State()


def mn(step: str, value: str = "") -> MeetNewCallback:
    return MeetNewCallback(step=step, value=value)


# The pickers share the search and the page; each starts afresh when it is shown.
CHAIR = Picker(mn, toggle_step="chair", chosen_key="chair_pick")
ITEM_DEPARTMENT = Picker(mn, toggle_step="idep", chosen_key="idep_pick")
DEPARTMENTS = Picker(mn, toggle_step="rdep", chosen_key="rdeps")
PEOPLE = Picker(mn, toggle_step="rper", chosen_key="rpeople")
LISTS = Picker(mn, toggle_step="rlist", chosen_key="rlists")
MODES: dict[str, tuple[State, Picker]] = {
    "dep": (MeetingStates.departments, DEPARTMENTS),
    "per": (MeetingStates.people, PEOPLE),
    "lst": (MeetingStates.lists, LISTS),
}
PICKER_OF_STATE: dict[str | None, Picker] = {
    MeetingStates.chair.state: CHAIR,
    MeetingStates.item_department.state: ITEM_DEPARTMENT,
    MeetingStates.departments.state: DEPARTMENTS,
    MeetingStates.people.state: PEOPLE,
    MeetingStates.lists.state: LISTS,
}
MODE_OF_STATE = {target.state: mode for mode, (target, _picker) in MODES.items()}


# --- pure helpers -------------------------------------------------------------------------------


def step(number: int, text: str) -> str:
    return f"{number}/{STEPS} · {text}"


def capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def time_value(moment: time) -> str:
    """A time in a button's callback data (no «:», the data's separator)."""
    return moment.strftime("%H%M")


def time_from_value(value: str) -> time | None:
    if len(value) != 4 or not value.isdigit():
        return None
    return parse_time(f"{value[:2]}:{value[2:]}")


def with_reason(reason: str, text: str) -> str:
    return f"{reason}\n\n{text}" if reason else text


def names_line(names: Sequence[str]) -> str:
    shown = ", ".join(names[:NAMES_SHOWN])
    if len(names) > NAMES_SHOWN:
        shown += " " + _("and {count} more").format(count=len(names) - NAMES_SHOWN)
    return shown


def clip(text: str, limit: int | None) -> str:
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def items_of(data: dict[str, Any]) -> list[tuple[str, str, int | None]]:
    return [
        (str(title), str(speaker), None if department is None else int(department))
        for title, speaker, department in data.get("items", [])
    ]


def draft_agenda_lines(
    items: Sequence[tuple[str, str, int | None]], departments: dict[int, str], limit: int | None
) -> list[str]:
    lines = []
    for position, (title, speaker, department_id) in enumerate(items, start=1):
        line = f"{position}. {clip(title, limit)}"
        details = [clip(speaker, limit)] if speaker else []
        if department_id is not None:
            details.append(departments.get(department_id, "?"))
        if details:
            line += f" — {', '.join(details)}"
        lines.append(line)
    return lines


def fitted(build: Callable[[int | None], str]) -> str:
    """The text in full, or with the long titles clipped when it would not fit a message."""
    text: str = build(None)
    for limit in (80, 40):
        if len(text) <= MESSAGE_MAX:
            break
        text = build(limit)
    return text[:MESSAGE_MAX]


def starts_of(data: dict[str, Any]) -> datetime:
    return datetime.combine(date.fromisoformat(str(data["day"])), time.fromisoformat(data["time"]))


def list_people(lists: Sequence[DistributionList], list_id: int) -> list[int]:
    found = next((item for item in lists if item.id == list_id), None)
    return [] if found is None else [person_id for person_id, _member in found.entries]


# --- views --------------------------------------------------------------------------------------


def kind_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for kind, title in KIND_BUTTONS.items():
        builder.button(text=_(title), callback_data=mn("kind", kind.value))
    builder.adjust(1)
    return builder.as_markup()


def kind_prompt() -> str:
    return step(1, _("New meeting. What kind of meeting is it? /cancel stops at any step."))


def title_prompt(kind: MeetingKind) -> str:
    if kind is MeetingKind.OTHER:
        return step(
            2,
            _("Type the subject of the meeting ({min} to {max} characters).").format(
                min=TITLE_MIN, max=TITLE_MAX
            ),
        )
    return step(
        2,
        _(
            "Type the subject of the meeting ({min} to {max} characters), or press «Skip»: "
            "a session or an apparatus meeting may go without one."
        ).format(min=TITLE_MIN, max=TITLE_MAX),
    )


def skip_keyboard(step_name: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("➡️ Skip"), callback_data=mn(step_name))
    return builder.as_markup()


def day_prompt(example: date) -> str:
    return step(
        3,
        _("The date of the meeting: type it as dd.mm.yyyy, for example {example}.").format(
            example=dotted(example)
        ),
    )


def day_keyboard(offer: date) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Take {date}").format(date=dotted(offer)),
        callback_data=mn("day", offer.isoformat()),
    )
    return builder.as_markup()


def consequence_lines(ctx: services.Context, day: date, language: str) -> list[str]:
    """What the date means under the profile: the materials' due date, the distribution day."""
    lines = []
    due = materials_due(ctx.profile, ctx.calendar, day)
    if due is not None:
        line = _("Materials from the responsible departments are due by {date}.").format(
            date=date_with_weekday(due, language)
        )
        if due < ctx.today:
            line += " " + _("⚠️ That day has passed: the departments get less time than usual.")
        lines.append(line)
    send_on = distribution_day(ctx.profile, ctx.calendar, day)
    if send_on == date.min or send_on <= ctx.today:
        lines.append(_("The agenda and materials go out as soon as the agenda is approved."))
    else:
        lines.append(
            _("The agenda and materials go out on {date}, once the agenda is approved.").format(
                date=date_with_weekday(send_on, language)
            )
        )
    return lines


def time_prompt(ctx: services.Context, day: date, language: str) -> str:
    return "\n".join(
        [
            _("Date: {date}").format(date=date_with_weekday(day, language)),
            *consequence_lines(ctx, day, language),
            "",
            step(4, _("The start time: press a button or type it as HH:MM.")),
        ]
    )


def time_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for shown in TIMES:
        builder.button(text=shown, callback_data=mn("time", time_value(time.fromisoformat(shown))))
    builder.adjust(3)
    return builder.as_markup()


def format_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for meeting_format, title in FORMAT_TITLES.items():
        builder.button(text=capitalized(_(title)), callback_data=mn("fmt", meeting_format.value))
    builder.adjust(1)
    return builder.as_markup()


def format_prompt() -> str:
    return step(5, _("How is the meeting held?"))


def place_prompt() -> str:
    return step(
        6,
        _("Where is it held? Type the place (room, building), at most {max} characters.").format(
            max=TEXT_MAX
        ),
    )


def link_prompt() -> str:
    return step(
        6,
        _("Type the videoconference link; it starts with http:// or https://."),
    )


def restricted_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🔒 Yes, restricted (ДСП)"), callback_data=mn("rst", "1"))
    builder.button(text=_("No"), callback_data=mn("rst", "0"))
    builder.adjust(2)
    return builder.as_markup()


def restricted_prompt() -> str:
    return step(
        7,
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
    return [Option(p.id, person_label(p)) for p in akims + others]


def nothing(_option_id: int, _chosen: Sequence[int]) -> str:
    return ""


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
    return {d.id: d.name for d in await repos.staff.departments()}


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


async def item_department_view(
    repos: Repos, data: dict[str, Any]
) -> tuple[str, InlineKeyboardMarkup]:
    number = len(items_of(data)) + 1
    view = ITEM_DEPARTMENT.view(department_options(await repos.staff.departments()), data)
    text = "\n".join(
        [
            step(
                9,
                _(
                    "Which department prepares the materials for item {number}? It is asked for "
                    "them at once and reminded before they are due. Tap a department, or «No "
                    "materials needed». To find a department, type part of its name."
                ).format(number=number),
            ),
            *ITEM_DEPARTMENT.status_lines(view),
        ]
    )
    markup = ITEM_DEPARTMENT.keyboard(
        view,
        [],
        all_label=_("🔎 Show all departments"),
        tail=[(_("➖ No materials needed"), mn("nomat"))],
        mark=nothing,
    )
    return text, markup


def more_keyboard(count: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if count < MAX_ITEMS:
        builder.button(text=_("➕ Add another item"), callback_data=mn("more"))
    builder.button(text=_("✔️ Agenda is complete"), callback_data=mn("agdone"))
    builder.adjust(1)
    return builder.as_markup()


async def more_view(repos: Repos, data: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    count = len(items_of(data))
    lines = await agenda_so_far(repos, data)
    if count >= MAX_ITEMS:
        lines.append(_("That is the most an agenda may have ({max} items).").format(max=MAX_ITEMS))
    lines.append(step(9, _("Add another item, or is the agenda complete?")))
    return "\n".join(lines), more_keyboard(count)


async def lists_options(repos: Repos) -> tuple[list[DistributionList], list[Option]]:
    lists = await repos.meetings.distribution_lists()
    return lists, [
        Option(
            item.id,
            ngettext(
                "📋 {name} ({count} person)", "📋 {name} ({count} people)", len(item.entries)
            ).format(name=item.name, count=len(item.entries)),
        )
        for item in lists
    ]


async def members_of_akimat(repos: Repos) -> list[int]:
    return [p.id for p in await repos.staff.with_role(Role.MEMBER)]


async def recipient_flags(ctx: services.Context, data: dict[str, Any]) -> list[tuple[int, bool]]:
    ids = await meeting_services.recipient_ids(ctx, DEPARTMENTS.chosen(data), PEOPLE.chosen(data))
    return await meeting_services.member_flags(ctx, ids)


def counts_line(flags: Sequence[tuple[int, bool]]) -> str:
    members = sum(1 for _person, member in flags if member)
    return _("Recipients: {total} — members: {members}, invitees: {invitees}.").format(
        total=len(flags), members=members, invitees=len(flags) - members
    )


async def chosen_lines(repos: Repos, data: dict[str, Any]) -> list[str]:
    departments = department_options(await repos.staff.departments())
    people = [Option(p.id, p.full_name) for p in await repos.staff.all_people()]
    lines = []
    chosen_departments = picked(departments, DEPARTMENTS.chosen(data))
    if chosen_departments:
        lines.append(
            _("Departments (their heads come): {names}").format(
                names=names_line(chosen_departments)
            )
        )
    chosen_people = picked(people, PEOPLE.chosen(data))
    if chosen_people:
        lines.append(_("People: {names}").format(names=names_line(chosen_people)))
    return lines or [_("No recipients chosen yet.")]


async def recipients_view(
    ctx: services.Context, data: dict[str, Any], mode: str
) -> tuple[str, InlineKeyboardMarkup]:
    repos = ctx.repos
    members = await members_of_akimat(repos)
    chosen_people = PEOPLE.chosen(data)
    all_members = bool(members) and all(p in chosen_people for p in members)
    if mode == "per":
        picker = PEOPLE
        options = [Option(p.id, person_label(p)) for p in await repos.staff.all_people()]
        header = _(
            "Recipients. Tap a person to add them or take them off. To find someone, type part "
            "of the name or position."
        )
        all_label = _("🔎 Show everyone")
        mark: Mark = checked
    elif mode == "lst":
        picker = LISTS
        lists, options = await lists_options(repos)
        header = (
            _(
                "Recipients. Tap a saved distribution list to add all its people (tap it again "
                "to take them off)."
            )
            if lists
            else _(
                "No distribution lists are saved yet. Save one at the end with «Create and "
                "save the recipients as a distribution list»."
            )
        )
        all_label = _("🔎 Show all lists")

        def list_mark(option_id: int, _chosen: Sequence[int]) -> str:
            people = list_people(lists, option_id)
            return "✅ " if people and all(p in chosen_people for p in people) else ""

        mark = list_mark
    else:
        picker = DEPARTMENTS
        options = department_options(await repos.staff.departments())
        header = _(
            "Recipients: members of the akimat and invitees. Tap a department to invite its "
            "head (or the acting head); choose people by name or a saved distribution list "
            "with the buttons below. To find a department, type part of its name."
        )
        all_label = _("🔎 Show all departments")
        mark = checked
    switches = {
        "dep": _("🏢 Choose departments"),
        "per": _("👤 Choose people"),
        "lst": _("📋 Distribution lists"),
    }
    flags = await recipient_flags(ctx, data)
    view = picker.view(options, data)
    lines = [
        step(10, header),
        "",
        *await chosen_lines(repos, data),
        counts_line(flags),
        *picker.status_lines(view),
    ]
    tail: list[tuple[str, MeetNewCallback]] = [
        (("✅ " if all_members else "") + _("👥 All akimat members"), mn("allm"))
    ]
    tail += [(label, mn("mode", key)) for key, label in switches.items() if key != mode]
    tail.append((_("✔️ Done"), mn("done")))
    markup = picker.keyboard(view, picker.chosen(data), all_label=all_label, tail=tail, mark=mark)
    return "\n".join(lines)[:MESSAGE_MAX], markup


def confirm_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✅ Create"), callback_data=mn("ok"))
    builder.button(
        text=_("💾 Create and save the recipients as a distribution list"),
        callback_data=mn("save"),
    )
    builder.button(text=_("✖️ Cancel"), callback_data=mn("no"))
    builder.adjust(1)
    return builder.as_markup()


async def confirmation_view(ctx: services.Context, person: Person, data: dict[str, Any]) -> str:
    repos = ctx.repos
    language = person.language.value
    starts_at = starts_of(data)
    kind = MeetingKind(data["kind"])
    meeting_format = MeetingFormat(data["format"])
    chair = await repos.staff.get(int(data["chair"]))
    names = await department_names(repos)
    items = items_of(data)
    flags = await recipient_flags(ctx, data)
    members = sum(1 for _person, member in flags if member)
    chosen = await chosen_lines(repos, data)

    def build(limit: int | None) -> str:
        lines = [_("Check the meeting before creating it:"), "", f"🗓 {_(KIND_TITLES[kind])}"]
        if data.get("title"):
            lines.append(_("Subject: {title}").format(title=clip(str(data["title"]), limit)))
        lines += [
            _("When: {date}, {time}").format(
                date=date_with_weekday(starts_at.date(), language), time=f"{starts_at:%H:%M}"
            ),
            _("Format: {format}").format(format=_(FORMAT_TITLES[meeting_format])),
        ]
        if data.get("place"):
            lines.append(_("Place: {place}").format(place=data["place"]))
        if data.get("link"):
            lines.append(_("Videoconference: {link}").format(link=data["link"]))
        lines.append(_("Chair: {name}").format(name=chair.full_name if chair else "?"))
        lines.append(
            _(
                "🔒 Restricted (ДСП): the recipients get only the kind, number, time and place; "
                "never the subject, the agenda or the materials."
            )
            if data.get("restricted")
            else _("Not restricted: the agenda and the materials go out through the bot.")
        )
        lines += ["", _("Agenda:"), *draft_agenda_lines(items, names, limit), ""]
        lines += chosen
        lines.append(counts_line(flags))
        lines.append(
            _("Quorum: {required} of {members} members.").format(
                required=ctx.profile.quorum.value.required(members), members=members
            )
            if members
            else _("⚠️ No akimat members among the recipients: the quorum cannot be counted.")
        )
        lines += consequence_lines(ctx, starts_at.date(), language)
        lines += ["", _("Create the meeting?")]
        return "\n".join(lines)

    return fitted(build)


# --- small I/O helpers --------------------------------------------------------------------------


async def context(repos: Repos, profile: Profile, settings: Settings) -> services.Context:
    return await services.make_context(repos, profile, settings)


async def reply(
    target: Message | CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """A tap edits the message its button was on; a typed answer gets a new message."""
    if isinstance(target, CallbackQuery):
        await show(target, text, markup)
    else:
        await target.answer(text, reply_markup=markup)


async def go_day(target: Message | CallbackQuery, state: FSMContext, reason: str = "") -> None:
    await state.set_state(MeetingStates.day)
    data = await state.get_data()
    example = date.fromisoformat(str(data["example"]))
    await reply(target, with_reason(reason, day_prompt(example)))


async def go_time(
    target: Message | CallbackQuery,
    state: FSMContext,
    ctx: services.Context,
    person: Person,
    day: date,
    reason: str = "",
) -> None:
    await state.update_data(day=day.isoformat())
    await state.set_state(MeetingStates.time)
    text = time_prompt(ctx, day, person.language.value)
    await reply(target, with_reason(reason, text), time_keyboard())


async def go_chair(
    target: Message | CallbackQuery, state: FSMContext, repos: Repos, reason: str = ""
) -> None:
    await state.set_state(MeetingStates.chair)
    data = await state.update_data(CHAIR.fresh())
    text, markup = await chair_view(repos, data)
    await reply(target, with_reason(reason, text), markup)


async def go_item_title(
    target: Message | CallbackQuery, state: FSMContext, repos: Repos, reason: str = ""
) -> None:
    await state.set_state(MeetingStates.item_title)
    data = await state.get_data()
    lines = await agenda_so_far(repos, data)
    text = "\n".join([*lines, item_title_prompt(len(items_of(data)) + 1)])
    await reply(target, with_reason(reason, text))


async def go_item_department(
    target: Message | CallbackQuery, state: FSMContext, repos: Repos
) -> None:
    await state.set_state(MeetingStates.item_department)
    data = await state.update_data(ITEM_DEPARTMENT.fresh())
    text, markup = await item_department_view(repos, data)
    await reply(target, text, markup)


async def go_more(target: Message | CallbackQuery, state: FSMContext, repos: Repos) -> None:
    await state.set_state(MeetingStates.item_more)
    text, markup = await more_view(repos, await state.get_data())
    await reply(target, text, markup)


async def go_recipients(
    target: Message | CallbackQuery, state: FSMContext, ctx: services.Context, reason: str = ""
) -> None:
    """The departments first; the chair is among the people from the start (once)."""
    data = await state.get_data()
    if "rpeople" not in data:
        data = await state.update_data(
            {**DEPARTMENTS.fresh(), **LISTS.fresh(), PEOPLE.chosen_key: [int(data["chair"])]}
        )
    data = await state.update_data(DEPARTMENTS.everything())
    await state.set_state(MeetingStates.departments)
    text, markup = await recipients_view(ctx, data, "dep")
    await reply(target, with_reason(reason, text), markup)


async def go_confirm(
    target: Message | CallbackQuery,
    state: FSMContext,
    ctx: services.Context,
    person: Person,
    reason: str = "",
) -> None:
    await state.set_state(MeetingStates.confirm)
    text = await confirmation_view(ctx, person, await state.get_data())
    await reply(target, with_reason(reason, text), confirm_keyboard())


async def after_place(target: Message | CallbackQuery, state: FSMContext) -> None:
    """The link for a mixed or video meeting; otherwise the restricted question."""
    data = await state.get_data()
    if data.get("format") in {MeetingFormat.MIXED.value, MeetingFormat.VIDEO.value} and not (
        data.get("link")
    ):
        await state.set_state(MeetingStates.link)
        await reply(target, link_prompt())
        return
    await state.set_state(MeetingStates.restricted)
    await reply(target, restricted_prompt(), restricted_keyboard())


def refusal_text(error: Refused, language: str) -> str:
    refusal = error.refusal
    if refusal is MeetingRefusal.PAST:
        at = error.values.get("at")
        when = (
            f"{date_with_weekday(at.date(), language)}, {at:%H:%M}"
            if isinstance(at, datetime)
            else ""
        )
        return _("That moment has already passed ({when}). Choose a later one.").format(when=when)
    if refusal is MeetingRefusal.DAY_OFF:
        at, offer = error.values.get("at"), error.values.get("offer")
        assert isinstance(at, date) and isinstance(offer, date)
        day = at.date() if isinstance(at, datetime) else at
        return _("{day} is not a working day. The next working day is {offer}.").format(
            day=date_with_weekday(day, language), offer=date_with_weekday(offer, language)
        )
    if refusal is MeetingRefusal.NO_ITEMS:
        return _("The agenda is empty: add at least one item.")
    if refusal is MeetingRefusal.NO_RECIPIENTS:
        return _(
            "Nobody would receive the agenda: the chosen departments have no head in the staff "
            "directory. Choose other recipients."
        )
    if refusal is MeetingRefusal.NOT_ORGANIZER:
        return _("Only an organizer may create meetings.")
    return _("The meeting cannot be created ({reason}).").format(reason=refusal.value)


async def picker_of(state: FSMContext) -> Picker:
    return PICKER_OF_STATE.get(await state.get_state(), DEPARTMENTS)


# --- the steps: kind, subject, date, time --------------------------------------------------------


async def on_new(query: CallbackQuery, state: FSMContext, ctx: services.Context) -> None:
    await state.clear()
    example = ctx.calendar.add_working_days(ctx.today, 10)
    await state.update_data(example=example.isoformat())
    await state.set_state(MeetingStates.kind)
    await query.answer()
    if query.message is not None:
        await query.message.answer(kind_prompt(), reply_markup=kind_keyboard())


async def on_kind(query: CallbackQuery, callback_data: MeetNewCallback, state: FSMContext) -> None:
    if callback_data.value not in {kind.value for kind in MeetingKind}:
        await stale(query)
        return
    kind = MeetingKind(callback_data.value)
    await state.update_data(kind=kind.value, title="")
    await state.set_state(MeetingStates.title)
    await query.answer()
    await show(
        query,
        title_prompt(kind),
        None if kind is MeetingKind.OTHER else skip_keyboard("notitle"),
    )


async def on_title(message: Message, state: FSMContext) -> None:
    title = " ".join((message.text or "").split())
    kind = MeetingKind((await state.get_data())["kind"])
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        await message.answer(
            _(
                "The subject must be {min} to {max} characters long; yours has {count}. "
                "Type it again."
            ).format(min=TITLE_MIN, max=TITLE_MAX, count=len(title)),
            reply_markup=None if kind is MeetingKind.OTHER else skip_keyboard("notitle"),
        )
        return
    await state.update_data(title=title)
    await go_day(message, state)


async def on_no_title(query: CallbackQuery, state: FSMContext) -> None:
    if (await state.get_data()).get("kind") == MeetingKind.OTHER.value:
        await stale(query)
        return
    await state.update_data(title="")
    await query.answer()
    await go_day(query, state)


async def check_day(
    target: Message | CallbackQuery,
    state: FSMContext,
    person: Person,
    ctx: services.Context,
    day: date,
) -> None:
    """A working day, today or later: then the time. Otherwise the reason, with the next
    working day offered for a day off."""
    language = person.language.value
    try:
        check_start(ctx.calendar, meeting_services.local_now(ctx), datetime.combine(day, time.max))
    except Refused as error:
        if error.refusal is MeetingRefusal.PAST:
            reason = _("{date} has already passed. Type a later date as dd.mm.yyyy.").format(
                date=date_with_weekday(day, language)
            )
            await refuse_or_answer(target, reason)
            return
        offer = error.values["offer"]
        assert isinstance(offer, date)
        reason = refusal_text(error, language) + " " + _("Type another date as dd.mm.yyyy.")
        if isinstance(target, CallbackQuery):
            await refuse(target, reason)
            return
        await target.answer(reason, reply_markup=day_keyboard(offer))
        return
    if isinstance(target, CallbackQuery):
        await target.answer()
    await go_time(target, state, ctx, person, day)


async def refuse_or_answer(target: Message | CallbackQuery, text: str) -> None:
    if isinstance(target, CallbackQuery):
        await refuse(target, text)
    else:
        await target.answer(text)


async def on_day_typed(
    message: Message,
    state: FSMContext,
    person: Person,
    ctx: services.Context,
) -> None:
    example = date.fromisoformat(str((await state.get_data()).get("example")))
    typed = await typed_day(message, example=example)
    if typed is None:
        return
    await check_day(message, state, person, ctx, typed)


async def on_day_button(
    query: CallbackQuery,
    callback_data: MeetNewCallback,
    state: FSMContext,
    person: Person,
    ctx: services.Context,
) -> None:
    chosen = await button_day(query, callback_data.value)
    if chosen is None:
        return
    await check_day(query, state, person, ctx, chosen)


async def take_time(
    target: Message | CallbackQuery,
    state: FSMContext,
    person: Person,
    ctx: services.Context,
    moment: time,
) -> None:
    day = date.fromisoformat(str((await state.get_data())["day"]))
    try:
        check_start(ctx.calendar, meeting_services.local_now(ctx), datetime.combine(day, moment))
    except Refused as error:
        if error.refusal is MeetingRefusal.DAY_OFF:  # the calendar changed meanwhile
            if isinstance(target, CallbackQuery):
                await target.answer()
            await go_day(target, state, refusal_text(error, person.language.value))
            return
        await refuse_or_answer(
            target,
            _("{time} on {date} has already passed. Choose a later time.").format(
                time=moment.strftime("%H:%M"), date=date_with_weekday(day, person.language.value)
            ),
        )
        return
    await state.update_data(time=moment.strftime("%H:%M"))
    await state.set_state(MeetingStates.format)
    if isinstance(target, CallbackQuery):
        await target.answer()
    await reply(target, format_prompt(), format_keyboard())


async def on_time_typed(
    message: Message,
    state: FSMContext,
    person: Person,
    ctx: services.Context,
) -> None:
    moment = parse_time(message.text or "")
    if moment is None:
        await message.answer(
            _("Type the time as HH:MM, for example 10:00, or press a button."),
            reply_markup=time_keyboard(),
        )
        return
    await take_time(message, state, person, ctx, moment)


async def on_time_button(
    query: CallbackQuery,
    callback_data: MeetNewCallback,
    state: FSMContext,
    person: Person,
    ctx: services.Context,
) -> None:
    moment = time_from_value(callback_data.value)
    if moment is None:
        await stale(query)
        return
    await take_time(query, state, person, ctx, moment)


# --- format, place, link, restricted, chair ------------------------------------------------------


async def on_format(
    query: CallbackQuery, callback_data: MeetNewCallback, state: FSMContext
) -> None:
    if callback_data.value not in {f.value for f in MeetingFormat}:
        await stale(query)
        return
    meeting_format = MeetingFormat(callback_data.value)
    await state.update_data(format=meeting_format.value, place="", link="")
    await query.answer()
    if meeting_format is MeetingFormat.VIDEO:
        await state.set_state(MeetingStates.link)
        await show(query, link_prompt())
        return
    await state.set_state(MeetingStates.place)
    await show(query, place_prompt())


async def on_place(message: Message, state: FSMContext) -> None:
    place = " ".join((message.text or "").split())
    if not place or len(place) > TEXT_MAX:
        await message.answer(
            _("Type the place in at most {max} characters; yours has {count}.").format(
                max=TEXT_MAX, count=len(place)
            )
            if place
            else _("Type the place as text.")
        )
        return
    await state.update_data(place=place)
    await after_place(message, state)


async def on_link(message: Message, state: FSMContext) -> None:
    link = (message.text or "").strip()
    if not is_link(link):
        await message.answer(
            _(
                "This is not a link: it must start with http:// or https://, without spaces, "
                "at most {max} characters. Type it again."
            ).format(max=TEXT_MAX)
        )
        return
    await state.update_data(link=link)
    await after_place(message, state)


async def on_restricted(
    query: CallbackQuery, callback_data: MeetNewCallback, state: FSMContext, repos: Repos
) -> None:
    if callback_data.value not in {"0", "1"}:
        await stale(query)
        return
    await state.update_data(restricted=callback_data.value == "1")
    await query.answer()
    await go_chair(query, state, repos)


async def on_chair(
    query: CallbackQuery,
    callback_data: MeetNewCallback,
    state: FSMContext,
    repos: Repos,
) -> None:
    chair = (
        await repos.staff.get(int(callback_data.value)) if callback_data.value.isdigit() else None
    )
    if chair is None:
        await stale(query)
        return
    await state.update_data(chair=chair.id)
    await query.answer(chair.full_name)
    await go_item_title(query, state, repos)


# --- the agenda ---------------------------------------------------------------------------------


async def on_item_title(message: Message, state: FSMContext) -> None:
    title = " ".join((message.text or "").split())
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        await message.answer(
            _(
                "An item's title must be {min} to {max} characters long; yours has {count}. "
                "Type it again."
            ).format(min=TITLE_MIN, max=TITLE_MAX, count=len(title))
        )
        return
    number = len(items_of(await state.get_data())) + 1
    await state.update_data(cur_title=title)
    await state.set_state(MeetingStates.item_speaker)
    await message.answer(speaker_prompt(number), reply_markup=skip_keyboard("nospk"))


async def on_speaker(message: Message, state: FSMContext, repos: Repos) -> None:
    speaker = " ".join((message.text or "").split())
    if not speaker or len(speaker) > TEXT_MAX:
        await message.answer(
            _("Type the speaker in at most {max} characters, or press «Skip».").format(
                max=TEXT_MAX
            ),
            reply_markup=skip_keyboard("nospk"),
        )
        return
    await state.update_data(cur_speaker=speaker)
    await go_item_department(message, state, repos)


async def on_no_speaker(query: CallbackQuery, state: FSMContext, repos: Repos) -> None:
    await state.update_data(cur_speaker="")
    await query.answer()
    await go_item_department(query, state, repos)


async def add_item(
    query: CallbackQuery, state: FSMContext, repos: Repos, department_id: int | None
) -> None:
    data = await state.get_data()
    items: list[list[Any]] = [list(item) for item in data.get("items", [])]
    title = data.get("cur_title")
    if not title or len(items) >= MAX_ITEMS:
        await stale(query)
        return
    items.append([str(title), str(data.get("cur_speaker", "")), department_id])
    await state.update_data(items=items, cur_title=None, cur_speaker=None)
    await query.answer()
    await go_more(query, state, repos)


async def on_item_department(
    query: CallbackQuery, callback_data: MeetNewCallback, state: FSMContext, repos: Repos
) -> None:
    department = (
        await repos.staff.department(int(callback_data.value))
        if callback_data.value.isdigit()
        else None
    )
    if department is None:
        await stale(query)
        return
    await add_item(query, state, repos, department.id)


async def on_no_materials(query: CallbackQuery, state: FSMContext, repos: Repos) -> None:
    await add_item(query, state, repos, None)


async def on_more(query: CallbackQuery, state: FSMContext, repos: Repos) -> None:
    if len(items_of(await state.get_data())) >= MAX_ITEMS:
        await refuse(
            query, _("That is the most an agenda may have ({max} items).").format(max=MAX_ITEMS)
        )
        return
    await query.answer()
    await go_item_title(query, state, repos)


async def on_agenda_done(query: CallbackQuery, state: FSMContext, ctx: services.Context) -> None:
    if not items_of(await state.get_data()):
        await stale(query)
        return
    await query.answer()
    await go_recipients(query, state, ctx)


# --- the pickers: search, pages -----------------------------------------------------------------


async def redraw(
    target: Message | CallbackQuery,
    state: FSMContext,
    ctx: services.Context,
    update: dict[str, Any],
) -> None:
    current = await state.get_state()
    data = await state.update_data(update)
    if isinstance(target, CallbackQuery):
        await target.answer()
    if current == MeetingStates.chair.state:
        text, markup = await chair_view(ctx.repos, data)
    elif current == MeetingStates.item_department.state:
        text, markup = await item_department_view(ctx.repos, data)
    else:
        text, markup = await recipients_view(ctx, data, MODE_OF_STATE.get(current, "dep"))
    await reply(target, text, markup)


async def on_search(message: Message, state: FSMContext, ctx: services.Context) -> None:
    picker = await picker_of(state)
    searched = picker.searched(message.text)
    if searched is None:
        await message.answer(_("Type part of a name, or use the buttons."))
        return
    await redraw(message, state, ctx, searched)


async def on_page(
    query: CallbackQuery,
    callback_data: MeetNewCallback,
    state: FSMContext,
    ctx: services.Context,
) -> None:
    paged = (await picker_of(state)).paged(callback_data.value)
    if paged is None:
        await stale(query)
        return
    await redraw(query, state, ctx, paged)


async def on_show_all(query: CallbackQuery, state: FSMContext, ctx: services.Context) -> None:
    picker = await picker_of(state)
    await redraw(query, state, ctx, picker.everything())


# --- the recipients -----------------------------------------------------------------------------


async def on_toggle_department(
    query: CallbackQuery,
    callback_data: MeetNewCallback,
    state: FSMContext,
    repos: Repos,
    ctx: services.Context,
) -> None:
    department = (
        await repos.staff.department(int(callback_data.value))
        if callback_data.value.isdigit()
        else None
    )
    if department is None:
        await stale(query)
        return
    update = DEPARTMENTS.toggled(await state.get_data(), department.id)
    await redraw(query, state, ctx, update)


async def on_toggle_person(
    query: CallbackQuery,
    callback_data: MeetNewCallback,
    state: FSMContext,
    repos: Repos,
    ctx: services.Context,
) -> None:
    other = (
        await repos.staff.get(int(callback_data.value)) if callback_data.value.isdigit() else None
    )
    if other is None:
        await stale(query)
        return
    update = PEOPLE.toggled(await state.get_data(), other.id)
    await redraw(query, state, ctx, update)


def with_or_without(chosen: list[int], group: Sequence[int]) -> list[int]:
    """Everyone of the group added, or (when all were in already) taken off."""
    if group and all(p in chosen for p in group):
        return [p for p in chosen if p not in group]
    return chosen + [p for p in group if p not in chosen]


async def on_toggle_list(
    query: CallbackQuery,
    callback_data: MeetNewCallback,
    state: FSMContext,
    repos: Repos,
    ctx: services.Context,
) -> None:
    found = (
        await repos.meetings.distribution_list(int(callback_data.value))
        if callback_data.value.isdigit()
        else None
    )
    if found is None:
        await stale(query)
        return
    people = [p.id for p in await existing_people(repos, [p for p, _m in found.entries])]
    chosen = with_or_without(PEOPLE.chosen(await state.get_data()), people)
    await redraw(query, state, ctx, {"rpeople": chosen})


async def existing_people(repos: Repos, ids: Sequence[int]) -> list[Person]:
    """The people still in the staff directory, in the order given."""
    found = []
    for person_id in ids:
        person = await repos.staff.get(person_id)
        if person is not None:
            found.append(person)
    return found


async def on_all_members(
    query: CallbackQuery, state: FSMContext, repos: Repos, ctx: services.Context
) -> None:
    members = await members_of_akimat(repos)
    if not members:
        await refuse(query, _("Nobody in the staff directory has the role «akimat member»."))
        return
    chosen = with_or_without(PEOPLE.chosen(await state.get_data()), members)
    await redraw(query, state, ctx, {"rpeople": chosen})


async def on_mode(
    query: CallbackQuery,
    callback_data: MeetNewCallback,
    state: FSMContext,
    ctx: services.Context,
) -> None:
    if callback_data.value not in MODES:
        await stale(query)
        return
    target, picker = MODES[callback_data.value]
    await state.set_state(target)
    await redraw(query, state, ctx, picker.everything())


async def on_recipients_done(
    query: CallbackQuery,
    state: FSMContext,
    person: Person,
    ctx: services.Context,
) -> None:
    data = await state.get_data()
    if not DEPARTMENTS.chosen(data) and not PEOPLE.chosen(data):
        await refuse(
            query,
            _("Choose at least one recipient: a department, a person or a distribution list."),
        )
        return
    if not await recipient_flags(ctx, data):
        await refuse(query, refusal_text(Refused(MeetingRefusal.NO_RECIPIENTS), ""))
        return
    await query.answer()
    await go_confirm(query, state, ctx, person)


# --- confirmation and creation ------------------------------------------------------------------


async def create(
    target: Message | CallbackQuery,
    state: FSMContext,
    person: Person,
    repos: Repos,
    profile: Profile,
    settings: Settings,
    list_name: str | None,
) -> None:
    data = await state.get_data()
    ctx = await context(repos, profile, settings)
    language = person.language.value
    try:
        items = tuple(NewAgendaItem(t, s, d) for t, s, d in items_of(data))
        chair_id = int(data["chair"])
        recipients = tuple(await recipient_flags(ctx, data))
        new = NewMeeting(
            kind=MeetingKind(data["kind"]),
            starts_at=starts_of(data),
            format=MeetingFormat(data["format"]),
            title=str(data.get("title") or ""),
            place=str(data.get("place") or ""),
            link=str(data.get("link") or ""),
            chair_id=chair_id,
            restricted=bool(data.get("restricted")),
            items=items,
            recipients=recipients,
        )
    except (KeyError, ValueError, TypeError):
        await state.clear()
        if isinstance(target, CallbackQuery):
            await stale(target)
        else:
            await target.answer(_("Something went wrong with this dialog. Nothing was saved."))
        return
    await state.set_state(None)  # a second tap on «Create» finds no dialog
    try:
        meeting = await meeting_services.create_meeting(ctx, person, new)
    except Refused as error:
        await back_after_refusal(target, state, ctx, person, error)
        return
    except ValueError:  # someone or a department left the staff directory meanwhile
        await state.clear()
        await refuse_or_answer(
            target,
            _(
                "The staff directory changed while the meeting was being prepared: someone or a "
                "department chosen is no longer there. Nothing was saved; start again."
            ),
        )
        return
    await state.clear()
    notes = [_("Meeting No. {id} is created.").format(id=meeting.id)]
    if list_name is not None:
        try:
            saved = await repos.meetings.save_distribution_list(
                list_name, recipients, actor=person.code, at=ctx.now
            )
        except ValueError:
            notes.append(_("The distribution list could not be saved."))
        else:
            notes.append(
                ngettext(
                    "Distribution list «{name}» is saved: {count} person.",
                    "Distribution list «{name}» is saved: {count} people.",
                    len(saved.entries),
                ).format(name=saved.name, count=len(saved.entries))
            )
    expected = sum(1 for item in meeting.items if item.department_id is not None)
    if expected:
        notes.append(
            ngettext(
                "Materials are requested for {count} agenda item.",
                "Materials are requested for {count} agenda items.",
                expected,
            ).format(count=expected)
        )
    text, markup = await organizer_view(
        repos,
        profile,
        ctx.calendar,
        meeting,
        now=meeting_services.local_now(ctx),
        language=language,
    )
    if isinstance(target, CallbackQuery):
        await target.answer(notes[0])
    await reply(target, "\n".join([*notes, "", text])[:MESSAGE_MAX], markup)


async def back_after_refusal(
    target: Message | CallbackQuery,
    state: FSMContext,
    ctx: services.Context,
    person: Person,
    error: Refused,
) -> None:
    """The reason, and the step that can put it right."""
    reason = refusal_text(error, person.language.value)
    if isinstance(target, CallbackQuery):
        await target.answer()
    refusal = error.refusal
    if refusal is MeetingRefusal.PAST:
        data = await state.get_data()
        if date.fromisoformat(str(data["day"])) < ctx.today:
            await go_day(target, state, reason)
        else:
            await go_time(target, state, ctx, person, date.fromisoformat(str(data["day"])), reason)
    elif refusal is MeetingRefusal.DAY_OFF:
        offer = error.values.get("offer")
        await state.set_state(MeetingStates.day)
        await reply(
            target,
            reason + " " + _("Type another date as dd.mm.yyyy."),
            day_keyboard(offer) if isinstance(offer, date) else None,
        )
    elif refusal is MeetingRefusal.NO_ITEMS:
        await go_item_title(target, state, ctx.repos, reason)
    elif refusal is MeetingRefusal.NO_RECIPIENTS:
        await go_recipients(target, state, ctx, reason)
    else:
        await state.clear()
        await reply(target, reason)


async def on_create(
    query: CallbackQuery,
    state: FSMContext,
    person: Person,
    repos: Repos,
    profile: Profile,
    settings: Settings,
) -> None:
    # A double tap waits behind the first (the dispatcher isolates one person's events) and
    # then finds the dialog over.
    if await state.get_state() != MeetingStates.confirm.state:
        await stale(query)
        return
    await create(query, state, person, repos, profile, settings, None)


async def on_save_list(query: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(MeetingStates.list_name)
    await query.answer()
    await show(
        query,
        _(
            "Type a name for the distribution list, for example «Akimat session», {min} to "
            "{max} characters. A saved list of the same name is replaced. The meeting is "
            "created right after."
        ).format(min=LIST_NAME_MIN, max=LIST_NAME_MAX),
    )


async def on_list_name(
    message: Message,
    state: FSMContext,
    person: Person,
    repos: Repos,
    profile: Profile,
    settings: Settings,
) -> None:
    name = " ".join((message.text or "").split())
    if not LIST_NAME_MIN <= len(name) <= LIST_NAME_MAX:
        await message.answer(
            _("The name must be {min} to {max} characters long; yours has {count}.").format(
                min=LIST_NAME_MIN, max=LIST_NAME_MAX, count=len(name)
            )
        )
        return
    if await state.get_state() != MeetingStates.list_name.state:
        return  # sent twice: the first one created the meeting
    await create(message, state, person, repos, profile, settings, name)


async def on_drop(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer(_("Cancelled. Nothing was saved."))
    await show(query, _("Cancelled. Nothing was saved."))


async def on_use_buttons(message: Message) -> None:
    await message.answer(_("Please answer with the buttons above, or /cancel."))


# --- the saved distribution lists ---------------------------------------------------------------


async def lists_view(repos: Repos) -> tuple[str, InlineKeyboardMarkup | None]:
    lists = await repos.meetings.distribution_lists()
    if not lists:
        return (
            _(
                "No distribution lists are saved yet. Save one when creating a meeting: "
                "«Create and save the recipients as a distribution list»."
            ),
            None,
        )
    lines = [_("Saved distribution lists:")]
    builder = InlineKeyboardBuilder()
    for item in lists:
        lines += ["", f"📋 {item.name}"]
        people = {p.id: p for p in await existing_people(repos, [p for p, _m in item.entries])}
        for person_id, member in item.entries:
            person = people.get(person_id)
            if person is None:
                continue
            role = _("member") if member else _("invitee")
            lines.append(f"• {person.full_name} — {role}")
        builder.button(
            text=_("🗑 Delete «{name}»").format(name=item.name),
            callback_data=MeetCallback(action="lists", id=item.id, value="del"),
        )
    builder.adjust(1)
    return "\n".join(lines)[:MESSAGE_MAX], builder.as_markup()


async def on_lists(
    query: CallbackQuery,
    callback_data: MeetCallback,
    person: Person,
    repos: Repos,
    ctx: services.Context,
) -> None:
    if callback_data.value == "del":
        if not await repos.meetings.delete_distribution_list(
            callback_data.id, actor=person.code, at=ctx.now
        ):
            await stale(query)
            return
        await query.answer(_("Deleted."))
        text, markup = await lists_view(repos)
        await show(query, text, markup)
        return
    if callback_data.value or callback_data.id:
        await stale(query)
        return
    await query.answer()
    text, markup = await lists_view(repos)
    if query.message is not None:
        await query.message.answer(text, reply_markup=markup)


def create_router() -> Router:
    router = Router(name=__name__)
    states = MeetingStates
    text = ~F.text.startswith("/")
    searching = StateFilter(
        states.chair, states.item_department, states.departments, states.people, states.lists
    )
    choosing = StateFilter(states.departments, states.people, states.lists)
    msg = router.message
    flags = ORGANIZERS
    msg.register(on_title, states.title, text, flags=flags)
    msg.register(on_day_typed, states.day, text, flags=flags)
    msg.register(on_time_typed, states.time, text, flags=flags)
    msg.register(on_place, states.place, text, flags=flags)
    msg.register(on_link, states.link, text, flags=flags)
    msg.register(on_item_title, states.item_title, text, flags=flags)
    msg.register(on_speaker, states.item_speaker, text, flags=flags)
    msg.register(on_search, searching, text, flags=flags)
    msg.register(on_list_name, states.list_name, text, flags=flags)
    for waiting in (states.kind, states.format, states.restricted, states.item_more):
        msg.register(on_use_buttons, waiting, text, flags=flags)
    msg.register(on_use_buttons, states.confirm, text, flags=flags)
    cb = router.callback_query
    new = MeetNewCallback.filter
    cb.register(on_new, MeetCallback.filter(F.action == "new"), flags=flags)
    cb.register(on_lists, MeetCallback.filter(F.action == "lists"), flags=flags)
    cb.register(on_kind, states.kind, new(F.step == "kind"), flags=flags)
    cb.register(on_no_title, states.title, new(F.step == "notitle"), flags=flags)
    cb.register(on_day_button, states.day, new(F.step == "day"), flags=flags)
    cb.register(on_time_button, states.time, new(F.step == "time"), flags=flags)
    cb.register(on_format, states.format, new(F.step == "fmt"), flags=flags)
    cb.register(on_restricted, states.restricted, new(F.step == "rst"), flags=flags)
    cb.register(on_chair, states.chair, new(F.step == "chair"), flags=flags)
    cb.register(on_no_speaker, states.item_speaker, new(F.step == "nospk"), flags=flags)
    cb.register(on_item_department, states.item_department, new(F.step == "idep"), flags=flags)
    cb.register(on_no_materials, states.item_department, new(F.step == "nomat"), flags=flags)
    cb.register(on_more, states.item_more, new(F.step == "more"), flags=flags)
    cb.register(on_agenda_done, states.item_more, new(F.step == "agdone"), flags=flags)
    cb.register(on_page, searching, new(F.step == "pg"), flags=flags)
    cb.register(on_show_all, searching, new(F.step == "all"), flags=flags)
    cb.register(on_toggle_department, states.departments, new(F.step == "rdep"), flags=flags)
    cb.register(on_toggle_person, states.people, new(F.step == "rper"), flags=flags)
    cb.register(on_toggle_list, states.lists, new(F.step == "rlist"), flags=flags)
    cb.register(on_all_members, choosing, new(F.step == "allm"), flags=flags)
    cb.register(on_mode, choosing, new(F.step == "mode"), flags=flags)
    cb.register(on_recipients_done, choosing, new(F.step == "done"), flags=flags)
    cb.register(on_create, new(F.step == "ok"), flags=flags)
    cb.register(on_save_list, states.confirm, new(F.step == "save"), flags=flags)
    cb.register(on_drop, states.confirm, new(F.step == "no"), flags=flags)
    return router
