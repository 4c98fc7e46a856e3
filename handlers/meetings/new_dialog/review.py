"""The recipients' step and the confirmation of the dialog that creates a meeting: who is
chosen, how many members and invitees, and the whole draft to check before it is created."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot import services
from bot.i18n import date_with_weekday
from bot.meetings import steps as meeting_services
from bot.meetings.rules import counts_quorum
from handlers.callbacks import MeetNewCallback, MeetNewStep
from handlers.keyboards import Keyboard
from handlers.meetings.cards import FORMAT_TITLES, KIND_TITLES
from handlers.meetings.new_dialog.draft import (
    DEPARTMENTS,
    LISTS,
    MESSAGE_MAX,
    PEOPLE,
    STEPS,
    clip,
    draft_agenda_lines,
    fitted,
    items_of,
    list_people,
    mn,
    names_line,
    starts_of,
    step,
)
from handlers.meetings.new_dialog.prompts import consequence_lines, department_names
from handlers.pickers import (
    Mark,
    Option,
    checked,
    department_options,
    person_option,
    picked,
)
from handlers.replies import BUTTON_MAX, fit
from storage.domain.enums import Role
from storage.domain.meetings import DistributionList, MeetingFormat, MeetingKind
from storage.models import Person
from storage.repo import Repos


async def lists_options(repos: Repos) -> tuple[list[DistributionList], list[Option]]:
    lists = await repos.meetings.distribution_lists()
    return lists, [
        Option(
            item.id,
            fit(
                ngettext(
                    "📋 {name} ({count} person)", "📋 {name} ({count} people)", len(item.entries)
                ).format(name=item.name, count=len(item.entries)),
                BUTTON_MAX - 2,  # «✅ » when chosen
            ),
        )
        for item in lists
    ]


async def members_of_akimat(repos: Repos) -> list[int]:
    return [p.id for p in await repos.staff.with_role(Role.MEMBER)]


async def recipient_flags(ctx: services.Context, data: dict[str, Any]) -> list[tuple[int, bool]]:
    ids = await meeting_services.recipient_ids(ctx, DEPARTMENTS.chosen(data), PEOPLE.chosen(data))
    return await meeting_services.member_flags(ctx, ids)


def counts_line(flags: Sequence[tuple[int, bool]], kind: MeetingKind) -> str:
    """How many recipients; for a session, how many of them are members of the akimat (its
    quorum is counted over them) and how many invitees."""
    if not counts_quorum(kind):
        return _("Recipients: {total}.").format(total=len(flags))
    members = sum(1 for _person, member in flags if member)
    return _("Recipients: {total} — members: {members}, invitees: {invitees}.").format(
        total=len(flags), members=members, invitees=len(flags) - members
    )


async def chosen_lines(repos: Repos, data: dict[str, Any]) -> list[str]:
    departments = department_options(await repos.staff.departments())
    people = [person_option(p) for p in await repos.staff.all_people()]
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
    kind = MeetingKind(data.get("kind", MeetingKind.SESSION))
    members = await members_of_akimat(repos)
    chosen_people = PEOPLE.chosen(data)
    all_members = bool(members) and all(p in chosen_people for p in members)
    if mode == "per":
        picker = PEOPLE
        options = [person_option(p) for p in await repos.staff.all_people()]
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
        header = (
            _(
                "Recipients: members of the akimat and invitees. Tap a department to invite "
                "its head (or the acting head); choose people by name or a saved distribution "
                "list with the buttons below. To find a department, type part of its name."
            )
            if counts_quorum(kind)
            else _(
                "Recipients: who takes part. Tap a department to invite its head (or the "
                "acting head); choose people by name or a saved distribution list with the "
                "buttons below. To find a department, type part of its name."
            )
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
        counts_line(flags, kind),
        *picker.status_lines(view),
    ]
    tail: list[tuple[str, MeetNewCallback]] = [
        (("✅ " if all_members else "") + _("👥 All akimat members"), mn(MeetNewStep.ALL_MEMBERS))
    ]
    tail += [(label, mn(MeetNewStep.MODE, key)) for key, label in switches.items() if key != mode]
    tail.append((_("✔️ Done"), mn(MeetNewStep.DONE)))
    markup = picker.keyboard(view, picker.chosen(data), all_label=all_label, tail=tail, mark=mark)
    return "\n".join(lines)[:MESSAGE_MAX], markup


def confirm_keyboard() -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("✅ Create"), callback_data=mn(MeetNewStep.CREATE))
    builder.button(
        text=_("💾 Create and save the recipients as a distribution list"),
        callback_data=mn(MeetNewStep.SAVE),
    )
    builder.button(text=_("✖️ Cancel"), callback_data=mn(MeetNewStep.DROP))
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
    needs_materials = any(department is not None for _title, _speaker, department in items)
    flags = await recipient_flags(ctx, data)
    members = sum(1 for _person, member in flags if member)
    chosen = await chosen_lines(repos, data)

    def build(limit: int | None) -> str:
        lines = [step(STEPS, _("Check the meeting before creating it:"))]
        lines += ["", f"🗓 {_(KIND_TITLES[kind])}"]
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
        lines.append(_("Chair: {name}").format(name=chair.short_name if chair else "?"))
        lines.append(
            _(
                "🔒 Restricted (ДСП): the recipients get only the kind, number, time and place; "
                "never the subject, the agenda or the materials."
            )
            if data.get("restricted")
            else _("Not restricted: the agenda and the materials go out through the bot.")
            if needs_materials
            else _("Not restricted: the agenda goes out through the bot.")
        )
        lines += ["", _("Agenda:"), *draft_agenda_lines(items, names, limit), ""]
        lines += chosen
        lines.append(counts_line(flags, kind))
        if counts_quorum(kind):
            lines.append(
                _("Quorum: {required} of {members} members.").format(
                    required=ctx.profile.quorum.value.required(members), members=members
                )
                if members
                else _("⚠️ No akimat members among the recipients: the quorum cannot be counted.")
            )
        lines += consequence_lines(
            ctx, starts_at.date(), kind, language, materials=needs_materials
        )
        lines += ["", _("Create the meeting?")]
        return "\n".join(lines)

    return fitted(build)
