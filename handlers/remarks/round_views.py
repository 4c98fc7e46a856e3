"""What the dialog that starts a «замечаний нет» round (handlers.remarks.new_dialog) shows: its
prompts, keyboards, the addressees' pickers and the confirmation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Any

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot import services
from bot.i18n import date_with_weekday, long_date
from bot.i18n_marks import N_
from bot.remarks.rules import (
    KINDS,
    MAX_FILES,
    REG_NUMBER_MAX,
    SUBJECT_MAX,
    SUBJECT_MIN,
    offered_answers,
    silent_consent_paragraphs,
)
from bot.remarks.words import answer_words
from handlers.callbacks import RoundNewCallback, RoundStep
from handlers.keyboards import Keyboard
from handlers.pickers import Option, Picker, department_options, person_option
from handlers.remarks.actions import KIND_TITLES, kind_line
from handlers.replies import cited, dotted, reader_language
from handlers.steps import confirm_keyboard, numbered
from storage.domain.remarks import RoundFile, RoundKind
from storage.models import Person
from storage.repo import Repos


class Stage(StrEnum):
    """The dialog's stages, numbered «n/N» on every screen. The restricted question comes first,
    before any content; a restricted round has no subject typed into the chat: at that stage
    it asks the document's registration number instead. The kind and the documents are one
    stage, the shorter-than-regulation question is part of the due date."""

    RESTRICTED = "restricted"
    SUBJECT = "subject"  # a restricted round: the document's registration number
    KIND = "kind"  # and then the documents (none for a restricted round)
    ADDRESSEES = "addressees"
    DUE = "due"
    CONFIRM = "confirm"


STAGES = tuple(Stage)


def rn(step: str, value: str = "") -> RoundNewCallback:
    return RoundNewCallback(step=RoundStep(step), value=value)


# Both pickers share the search and the page; switching between them starts both afresh.
DEPARTMENTS = Picker(rn, toggle_step=RoundStep.DEPARTMENT, chosen_key="departments")
PEOPLE = Picker(rn, toggle_step=RoundStep.PERSON, chosen_key="people")


# --- pure helpers -------------------------------------------------------------------------------


def step(stage: Stage, text: str, restricted: bool = False) -> str:  # noqa: ARG001
    """The screen's text under its stage number: «4/6 · …» (a restricted round has the same
    stages, its number in place of the subject)."""
    return numbered(STAGES.index(stage) + 1, len(STAGES), text)


def files_of(data: dict[str, Any]) -> list[RoundFile]:
    return [RoundFile(str(file_id), str(name)) for file_id, name in data.get("files", [])]


def picked(options: Sequence[Option], chosen: Sequence[int]) -> list[str]:
    """Labels of the chosen options, in the order chosen (options gone meanwhile are skipped)."""
    by_id = {option.id: option.label for option in options}
    return [by_id[i] for i in chosen if i in by_id]


async def people_options(repos: Repos, initiator: Person) -> list[Option]:
    """Everyone still in the staff directory but the initiator, by name (a person who left
    cannot answer)."""
    everyone = await repos.staff.active_people()
    return [person_option(p) for p in everyone if p.id != initiator.id]


# --- views --------------------------------------------------------------------------------------


def restricted_prompt() -> str:
    """Asked first: a restricted round's subject is never typed into the chat."""
    return step(
        Stage.RESTRICTED,
        _(
            "New «no remarks» round. Is the material restricted (ДСП, for official use only)? "
            "Then the bot sends the addressees only the document's registration number and the "
            "due date, and they look at the paper copy. /cancel stops at any step."
        ),
    )


def subject_prompt() -> str:
    return step(
        Stage.SUBJECT,
        _(
            "Type the subject of the round: what the addressees are asked to look at "
            "({min} to {max} characters)."
        ).format(min=SUBJECT_MIN, max=SUBJECT_MAX),
    )


def number_prompt() -> str:
    """A restricted round: the document's registration number, never its subject."""
    return step(
        Stage.SUBJECT,
        _(
            "Type the registration number of the restricted document, as on the paper copy "
            "(up to {max} characters).\nOnly the number: the content stays on paper."
        ).format(max=REG_NUMBER_MAX),
        True,
    )


def kind_prompt(restricted: bool = False) -> str:
    return step(
        Stage.KIND,
        _(
            "What is the round about? The kind sets the regulation's period for the answers "
            "and whether silence counts as agreement. Not sure? «Other draft»."
        ),
        restricted,
    )


# The kinds on buttons, short enough for a phone (the full titles are in the texts).
KIND_BUTTONS: dict[RoundKind, str] = {
    RoundKind.RESOLUTION: N_("Akimat resolution"),
    RoundKind.DECISION: N_("Akim's decision"),
    RoundKind.ORDER: N_("Akim's order"),
    RoundKind.EMERGENCY: N_("Emergency or aid act"),
    RoundKind.OTHER_DRAFT: N_("Other draft"),
    RoundKind.REPLY: N_("On an assignment, a request"),
}


def kind_keyboard() -> InlineKeyboardMarkup:
    builder = Keyboard()
    for kind in KINDS:
        builder.button(text=_(KIND_BUTTONS[kind]), callback_data=rn(RoundStep.KIND, kind.value))
    builder.adjust(1)
    return builder.as_markup()


def documents_keyboard(has_files: bool) -> InlineKeyboardMarkup:
    builder = Keyboard()
    if has_files:
        builder.button(text=_("✔️ Done"), callback_data=rn("docs", "done"))
    builder.button(text=_("➖ No documents"), callback_data=rn("docs", "none"))
    builder.adjust(1)
    return builder.as_markup()


def documents_prompt() -> str:
    return step(
        Stage.KIND,
        _(
            "Send the documents of the round as files (📎 → File), one or several, at most "
            "{max}. Then press «Done». Nothing to attach? Press «No documents»."
        ).format(max=MAX_FILES),
    )


def chosen_lines(departments: Sequence[str], people: Sequence[str]) -> list[str]:
    lines = []
    if departments:
        lines.append(
            _("Departments (their heads answer): {names}").format(names=", ".join(departments))
        )
    if people:
        lines.append(_("People: {names}").format(names=", ".join(people)))
    return lines or [_("No addressees chosen yet.")]


async def addressees_view(
    repos: Repos, initiator: Person, data: dict[str, Any], mode: str
) -> tuple[str, InlineKeyboardMarkup]:
    departments = department_options(await repos.staff.headed_departments())
    people = await people_options(repos, initiator)
    if mode == "per":
        picker, options = PEOPLE, people
        header = _(
            "Addressees. Tap a person to add them or take them off; they answer themselves "
            "(or whoever acts for them). To find someone, type part of the name or position."
        )
        all_label = _("🔎 Show everyone")
        switch = (_("🏢 Choose departments"), rn("mode", "dep"))
    else:
        picker, options = DEPARTMENTS, departments
        header = _(
            "Addressees. Tap a department to add it or take it off; its head answers (or the "
            "acting head). To find a department, type part of its name. Officials, and the "
            "staff of a department without a head (not listed here), are added by name with "
            "«Choose people»."
        )
        all_label = _("🔎 Show all departments")
        switch = (_("👤 Choose people"), rn("mode", "per"))
    view = picker.view(options, data)
    lines = [
        step(Stage.ADDRESSEES, header, bool(data.get("restricted"))),
        "",
        *chosen_lines(
            picked(departments, DEPARTMENTS.chosen(data)), picked(people, PEOPLE.chosen(data))
        ),
        *picker.status_lines(view),
    ]
    markup = picker.keyboard(
        view,
        picker.chosen(data),
        all_label=all_label,
        tail=[switch, (_("✔️ Done"), rn("done"))],
    )
    return "\n".join(lines), markup


def due_prompt(restricted: bool = False) -> str:
    return step(
        Stage.DUE,
        _(
            "Due date for the answers: press the button for the regulation's period, or type "
            "a date as dd.mm.yyyy."
        ),
        restricted,
    )


def due_keyboard(day: date, label: str = "") -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(
        text=label or "📅 " + dotted(day),
        callback_data=rn("due", day.isoformat()),
    )
    return builder.as_markup()


def shorter_view(
    kind: RoundKind, due: date, regular: date, cite: str, language: str, restricted: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    """A typed due date before the regulation's: the initiator confirms it or takes the
    regulation's."""
    text = step(
        Stage.DUE,
        _(
            "⚠️ {date} is shorter than the regulation gives for «{kind}»: until {regular} "
            "(regulation {paragraphs}). Keep the shorter date?"
        ),
        restricted,
    ).format(
        date=date_with_weekday(due, language),
        kind=_(KIND_TITLES[kind]),
        regular=long_date(regular, language),  # no weekday: brackets follow
        paragraphs=cited(cite),
    )
    builder = Keyboard()
    builder.button(
        text=_("✔️ Keep {date}").format(date=dotted(due)),
        callback_data=rn(RoundStep.SHORT, due.isoformat()),
    )
    builder.button(
        text="📅 " + dotted(regular),
        callback_data=rn(RoundStep.DUE, regular.isoformat()),
    )
    builder.adjust(1)
    return text, builder.as_markup()


def send_keyboard() -> InlineKeyboardMarkup:
    return confirm_keyboard(_("📤 Send the request"), rn(RoundStep.OK), rn(RoundStep.NO))


async def headless(ctx: services.Context, department_ids: Sequence[int]) -> list[str]:
    """Names of the chosen departments nobody answers for (no head in the directory)."""
    names = []
    for department_id in department_ids:
        department = await ctx.repos.staff.department(department_id)
        if department is not None and not await services.department_recipients(ctx, department_id):
            names.append(department.label(reader_language()))
    return names


async def confirmation_view(
    ctx: services.Context, initiator: Person, data: dict[str, Any], due: date, count: int
) -> str:
    language = initiator.language.value
    departments = department_options(await ctx.repos.staff.departments())
    people = await people_options(ctx.repos, initiator)
    chosen_departments = DEPARTMENTS.chosen(data)
    restricted = bool(data["restricted"])
    lines = [step(Stage.CONFIRM, _("Check the round before sending:"), restricted), ""]
    if restricted:
        lines += [
            _("Document No. {number}: restricted (ДСП), the content is not shown.").format(
                number=data.get("reg_number", "—")
            ),
            _(
                "The addressees get only this number and the due date and look at the "
                "paper copy; no documents are sent."
            ),
        ]
    else:
        lines.append(_("Subject: {subject}").format(subject=data["subject"]))
        names = [f.file_name for f in files_of(data)]
        lines.append(
            _("Documents: {names}").format(names=", ".join(names))
            if names
            else _("Documents: none")
        )
    lines += chosen_lines(
        picked(departments, chosen_departments), picked(people, PEOPLE.chosen(data))
    )
    missing = await headless(ctx, chosen_departments)
    if missing:
        lines.append(
            _("⚠️ No head in the staff directory, nobody answers for: {names}").format(
                names=", ".join(missing)
            )
        )
    kind = RoundKind(data["kind"])
    silence = silent_consent_paragraphs(ctx.profile, kind)
    words = answer_words(ctx.profile, kind)
    answers = " / ".join(_(words.titles[a]) for a in offered_answers(ctx.profile, kind))
    lines += [
        kind_line(kind),
        _("The addressees answer: {answers}").format(answers=answers),
        _("Answer by: {date}").format(date=date_with_weekday(due, language)),
        _("Silence at the due date: agreed by default (regulation {paragraphs}).").format(
            paragraphs=cited(silence)
        )
        if silence
        else _("Silence at the due date: shown as «no answer», not as agreement."),
        ngettext(
            "The request goes to {count} addressee.",
            "The request goes to {count} addressees.",
            count,
        ).format(count=count),
        "",
        _("Send the request?"),
    ]
    return "\n".join(lines)


def documents_received(count: int, names: str) -> str:
    return ngettext(
        "{count} document received: {names}. Send more, or press «Done».",
        "{count} documents received: {names}. Send more, or press «Done».",
        count,
    ).format(count=count, names=names)
