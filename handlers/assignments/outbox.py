"""What the sender shows for each outbox kind about assignments, extensions and «замечаний
нет» rounds: rendered at send time in the recipient's language, so a message shows the item as
it is now; None when the message no longer applies."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiogram.types import BufferedInputFile, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.assignments.notices import NoticeKind, fitted_lines
from bot.assignments.rules import (
    item_internal_deadline,
    traffic_light,
    working_days_left,
)
from bot.calendar import WorkCalendar
from bot.delivery import VIEW_BUTTONS, Deliverer, Rendered, SharedFile, content_digest
from bot.i18n import date_with_weekday, long_date, month_year, short_date
from bot.i18n_marks import N_
from bot.leaders.rules import LEADERS
from bot.outbox_kinds import Kind
from bot.profiles import extension_cutoff
from bot.services import load_calendar
from bot.xlsx import sheet_xlsx
from handlers.about import (
    about_assignment,
    about_open_assignment,
    about_person,
    local_today,
    to_department,
)
from handlers.assignments.cards import (
    GROUND_TITLES,
    LIGHTS,
    card_text,
    controller_keyboard,
    declined_keyboard,
    executor_keyboard,
    executors_text,
    moment,
)
from handlers.assignments.weekly_list import WEEKLY_LABELS, weekly_table
from handlers.callbacks import ItemAction, ItemCallback
from handlers.extensions.letters import requested_from_line
from handlers.keyboards import Keyboard
from storage.domain.assignments import Assignment, Executor, ReportFile
from storage.domain.enums import Mark, Role
from storage.models import Person
from storage.outbox import OutboxItem

# --- renderers, one per outbox kind ------------------------------------------------------------


async def _item(deliverer: Deliverer, payload: dict[str, Any]) -> Assignment | None:
    return await deliverer.repos.assignments.get(int(payload["assignment_id"]))


@to_department
async def render_card(
    deliverer: Deliverer, item: OutboxItem, assignment: Assignment, executor: Executor
) -> Rendered | None:
    return await drawn_card(deliverer, assignment, executor)


@to_department
async def render_card_edit(
    deliverer: Deliverer, item: OutboxItem, assignment: Assignment, executor: Executor
) -> Rendered | None:
    """A card sent earlier, drawn again as it is now for the department it was sent for (its
    reader's language and buttons) and edited in place (`Rendered.edit`): how the cards sent
    out show a new deadline. Nothing once the item is closed or the department no longer
    executes it."""
    card = await drawn_card(deliverer, assignment, executor)
    card.card = None  # the message is remembered already
    card.edit = (int(item.payload["chat_id"]), int(item.payload["message_id"]))
    return card


async def drawn_card(deliverer: Deliverer, assignment: Assignment, executor: Executor) -> Rendered:
    """The card of an item for the head of one executor department, as the sender shows it."""
    cal = await load_calendar(deliverer.repos)
    text = card_text(
        assignment,
        cal,
        local_today(deliverer),
        deliverer.settings.zone,
        executor=executor,
        names=await deliverer.repos.staff.names(),  # who accepted, by name
        profile=deliverer.profile,
    )
    text += await requested_from_line(deliverer.repos, deliverer.profile, assignment)
    passing = bool(await deliverer.repos.staff.executors_of(executor.department_id))
    return Rendered(
        text,
        executor_keyboard(assignment, executor, passing=passing),
        card=(assignment.id, executor.department_id),
        urgent=assignment.mark is not Mark.NONE,  # «срочно»: rings even at night
    )


def view_button(assignment: Assignment) -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(
        text=_("🔎 Open"), callback_data=ItemCallback(action=ItemAction.VIEW, id=assignment.id)
    )
    return builder.as_markup()


@about_assignment
async def render_accepted(
    deliverer: Deliverer, item: OutboxItem, person: Person, assignment: Assignment
) -> Rendered | None:
    executor = assignment.executor(int(item.payload["department_id"]))
    who = await deliverer.repos.staff.get(int(item.payload["person_id"]))
    if executor is None or executor.accepted_at is None or who is None:
        return None
    text = _("Assignment No. {number} accepted by {department}: {name}, {when}.").format(
        number=assignment.reg_number,
        department=executor.department_in(person.language.value),
        name=who.short_name,
        when=moment(executor.accepted_at, deliverer.settings.zone),
    )
    return Rendered(text, view_button(assignment))


DIGEST_BUTTONS = 20  # an acceptances digest's 🔎 buttons at most (the rest: /control)


async def render_acceptances(
    deliverer: Deliverer, items: list[OutboxItem], person: Person
) -> tuple[Rendered | None, list[OutboxItem]]:
    """The acceptances of one digest window for one controller in one message (a line each,
    a 🔎 button for each item); those that no longer apply drop out. One alone reads as
    before."""
    shown: list[tuple[OutboxItem, Rendered]] = []
    for item in sorted(items, key=lambda i: i.id):
        rendered = await render_accepted(deliverer, item, person)
        if rendered is not None:
            shown.append((item, rendered))
    if len(shown) <= 1:
        return (shown[0][1], [shown[0][0]]) if shown else (None, [])
    builder = Keyboard()
    seen: set[int] = set()
    for item, _rendered in shown:
        assignment_id = int(item.payload["assignment_id"])
        if assignment_id in seen or len(seen) == DIGEST_BUTTONS:
            continue
        seen.add(assignment_id)
        number = await deliverer.repos.assignments.reg_number(assignment_id)
        builder.button(
            text=f"🔎 {number}",
            callback_data=ItemCallback(action=ItemAction.VIEW, id=assignment_id),
        )
    builder.adjust(2)
    text = "\n".join(rendered.text for _item, rendered in shown)
    return Rendered(text, builder.as_markup()), [item for item, _rendered in shown]


async def _report_parts(
    deliverer: Deliverer, payload: dict[str, Any], language: str
) -> tuple[Assignment, str, list[ReportFile], str] | None:
    assignment = await _item(deliverer, payload)
    if assignment is None:
        return None
    reports = await deliverer.repos.assignments.reports(assignment.id)
    report = next((r for r in reports if r.id == int(payload["report_id"])), None)
    if report is None:
        return None
    department = next(
        (
            e.department_in(language)
            for e in assignment.executors
            if e.department_id == report.department_id
        ),
        "",
    )
    author = await deliverer.repos.staff.by_code(report.author_code)
    by = f"{department} — {author.short_name if author else report.author_code}"
    return assignment, report.text, list(report.files), by


REPORT_HEADERS: dict[str, tuple[str, str]] = {
    # kind: (the header with the report's text under it, the line for a restricted item)
    Kind.REPORT: (
        N_("Execution report on assignment No. {number} from {by}:"),
        N_(
            "Execution report on assignment No. {number} from {by}. "
            "Restricted: see the paper copy."
        ),
    ),
    Kind.CO_REPORT: (
        N_("Co-executor's input on assignment No. {number} from {by}:"),
        N_(
            "Co-executor's input on assignment No. {number} from {by}. "
            "Restricted: see the paper copy."
        ),
    ),
}


async def render_report(deliverer: Deliverer, item: OutboxItem, person: Person) -> Rendered | None:
    """An execution report for the control department (with the decision buttons), or a
    co-executor's input for the main executor."""
    parts = await _report_parts(deliverer, item.payload, person.language.value)
    if parts is None:
        return None
    assignment, text, files, by = parts
    header, restricted = REPORT_HEADERS[item.kind]
    markup = controller_keyboard(assignment) if item.kind == Kind.REPORT else None
    if assignment.restricted:
        return Rendered(_(restricted).format(number=assignment.reg_number, by=by), markup)
    header = _(header).format(number=assignment.reg_number, by=by)
    return Rendered(f"{header}\n\n{text}", markup, files)


@about_assignment
async def render_removed(
    deliverer: Deliverer, item: OutboxItem, person: Person, assignment: Assignment
) -> Rendered | None:
    if assignment.removal_ground is None:
        return None
    text = _("Assignment No. {number} is removed from control: {ground}.").format(
        number=assignment.reg_number, ground=_(GROUND_TITLES[assignment.removal_ground])
    )
    note = "" if assignment.restricted else str(item.payload.get("note", ""))
    if note:
        text += "\n" + _("Note: {note}").format(note=note)
    return Rendered(text)


@about_assignment
async def render_returned(
    deliverer: Deliverer, item: OutboxItem, person: Person, assignment: Assignment
) -> Rendered | None:
    reason = "" if assignment.restricted else str(item.payload.get("reason", ""))
    text = _("Assignment No. {number} is returned for rework.").format(
        number=assignment.reg_number
    )
    if reason:
        text += "\n" + _("Reason: {reason}").format(reason=reason)
    return Rendered(text, view_button(assignment))


@about_open_assignment
async def render_declined(
    deliverer: Deliverer, item: OutboxItem, person: Person, assignment: Assignment
) -> Rendered | None:
    department_id = int(item.payload["department_id"])
    name = next(
        (
            e.department_in(person.language.value)
            for e in assignment.executors
            if e.department_id == department_id
        ),
        "",
    )
    text = _("{department} returned assignment No. {number} as not theirs.").format(
        department=name, number=assignment.reg_number
    )
    if not assignment.restricted:
        text += "\n" + _("Reason: {reason}").format(reason=item.payload.get("reason", ""))
    text += "\n" + _("Choose the department to reassign it to.")
    return Rendered(text, declined_keyboard(assignment, department_id, name))


@about_open_assignment
async def render_deadline_changed(
    deliverer: Deliverer, item: OutboxItem, person: Person, assignment: Assignment
) -> Rendered | None:
    """The control department moved the deadline: old → new, the subject (not for a restricted
    item), the decision and the reason."""
    language = person.language.value
    old, new = date.fromisoformat(item.payload["old"]), date.fromisoformat(item.payload["new"])
    text = _("📅 Assignment No. {number}: the deadline is changed from {old} to {new}.").format(
        number=assignment.reg_number,
        old=date_with_weekday(old, language),
        new=date_with_weekday(new, language),
    )
    text += subject_line(assignment)
    text += "\n" + _("Decision: {reference}").format(reference=item.payload["reference"])
    if not assignment.restricted:
        text += "\n" + _("Reason: {reason}").format(reason=item.payload["reason"])
    return Rendered(text, view_button(assignment))


@to_department
async def render_kept(
    deliverer: Deliverer, item: OutboxItem, assignment: Assignment, executor: Executor
) -> Rendered | None:
    """A «не наше» refused: the department keeps the item, with its card's buttons."""
    text = _(
        "The control department did not accept the return of assignment No. {number}: "
        "it stays with your department."
    ).format(number=assignment.reg_number)
    if not assignment.restricted:
        text += "\n" + _("Reason: {reason}").format(reason=item.payload["reason"])
    return Rendered(text, executor_keyboard(assignment, executor))


async def render_no_head(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    assignment = await _item(deliverer, item.payload)
    department = await deliverer.repos.staff.department(int(item.payload["department_id"]))
    if assignment is None or department is None:
        return None
    return Rendered(
        _(
            "Assignment No. {number}: the department {department} has no head in the staff "
            "directory, so nobody received the card."
        ).format(number=assignment.reg_number, department=department.label(person.language.value))
    )


# the notices that count down to a day: they no longer apply once it has passed
COUNTDOWNS = frozenset(
    {NoticeKind.DEADLINE, NoticeKind.INTERNAL_DEADLINE, NoticeKind.DEADLINE_DAY}
)
NOTICE_LINES: dict[NoticeKind, str] = {
    NoticeKind.DEADLINE: N_("No. {number}: deadline {deadline}, {left}."),
    NoticeKind.INTERNAL_DEADLINE: N_(
        "No. {number}: internal deadline {internal} (the deadline {deadline}), {left}."
    ),
    NoticeKind.REPORT_MAIN: N_(
        "No. {number}: the main executor's report is due by {due} (deadline {deadline})."
    ),
    NoticeKind.REPORT_CO: N_(
        "No. {number}: co-executors' input to the main executor is due by {due} "
        "(deadline {deadline})."
    ),
    NoticeKind.DEADLINE_DAY: N_("No. {number}: the deadline is today."),
    NoticeKind.OVERDUE: N_("No. {number}: overdue since {deadline}; executors: {executors}."),
    NoticeKind.ROADMAP: N_(
        "No. {number}: the roadmap (plan of organisational measures) for this act of the "
        "President, if one is needed, is due by {due}; it is approved by the akim or a deputy "
        "akim."
    ),
    NoticeKind.REMOVAL_NOTE: N_(
        "No. {number}: the note on removal from control is due by {due} (deadline {deadline})."
    ),
}


# The apparatus leadership's deadline notice (baidibek §12.4) names the executors, and says
# nothing about asking for an extension: that is the executors' step.
LEADERSHIP_DEADLINE_LINE = N_("No. {number}: deadline {deadline}, {left}; executors: {executors}.")
ANSWERING_ROLES = frozenset({Role.HEAD, Role.CONTROLLER})


def _counted_to(
    kind: NoticeKind, deadline: date, internal: date | None, today: date
) -> date | None:
    """The day a notice counts its working days to; None when it no longer applies: an
    internal deadline the profile no longer has, or a countdown sent after its day (the bot
    was down over it), when «N days left» or «the deadline is today» would be false and the
    overdue notice says what is true."""
    counted_to = internal if kind is NoticeKind.INTERNAL_DEADLINE else deadline
    if counted_to is None or (kind in COUNTDOWNS and counted_to < today):
        return None
    return counted_to


async def render_notices(
    deliverer: Deliverer, items: list[OutboxItem], person: Person
) -> tuple[Rendered | None, list[OutboxItem]]:
    """Every due notice for one person in one short message; those that no longer apply drop
    out. Hundreds of notices stay one phone message: the counts (🔴/🟡/🟢 and the nearest
    deadlines), the first lines that fit, and «… and N more — /my» for the rest."""
    cal = await load_calendar(deliverer.repos)
    today = local_today(deliverer)
    language = person.language.value
    leader = not person.roles & ANSWERING_ROLES
    overseer = leader or Role.CONTROLLER in person.roles  # reads other departments' items
    applying: list[OutboxItem] = []
    lines: list[str] = []
    shown_items: list[Assignment] = []  # the item of each line, in order
    for item in sorted(items, key=lambda i: (i.payload["deadline"], i.payload["assignment_id"])):
        assignment = await _item(deliverer, item.payload)
        if (
            assignment is None
            or not assignment.is_open
            or assignment.deadline.isoformat() != item.payload["deadline"]
        ):
            continue  # removed, or the deadline moved: this notice no longer applies
        kind = NoticeKind(item.payload["kind"])
        internal = item_internal_deadline(deliverer.profile, cal, assignment)
        counted_to = _counted_to(kind, assignment.deadline, internal, today)
        if counted_to is None:
            continue
        left = working_days_left(cal, today, counted_to)
        template = NOTICE_LINES[kind]
        if leader and kind is NoticeKind.DEADLINE:
            template = LEADERSHIP_DEADLINE_LINE
        line = _(template).format(
            number=assignment.reg_number,
            deadline=date_with_weekday(assignment.deadline, language),
            internal=date_with_weekday(internal, language) if internal else "",
            due=long_date(date.fromisoformat(item.payload["due"]), language),
            left=ngettext("{count} working day left", "{count} working days left", left).format(
                count=left
            ),
            executors=executors_text(assignment, language),
        )
        if overseer and "{executors}" not in template:
            # whose item it is, on every line (a restricted one too: departments may travel)
            line += " " + _("Executors: {names}.").format(
                names=executors_text(assignment, language)
            )
        if kind is NoticeKind.DEADLINE and not leader:
            cutoff = extension_cutoff(deliverer.profile, cal, assignment.deadline)
            if cutoff is not None and cutoff >= today:
                line += " " + _("An extension can be requested until {date}.").format(
                    date=long_date(cutoff, language)
                )
        lines.append("• " + with_summary(line, assignment, limit=NOTICE_SUMMARY))
        applying.append(item)
        shown_items.append(assignment)
    if not applying:
        return None, []
    head = _("⏰ Deadlines of assignments on control:")
    if len(lines) > 1:
        head = "\n".join([head + f" {len(lines)}", notice_counts(shown_items, cal, today)])
    command = list_command(person)

    def more(count: int) -> str:
        return ngettext(
            "… and {count} more — {command}", "… and {count} more — {command}", count
        ).format(count=count, command=command)

    text, shown = fitted_lines(head, lines, more)
    return Rendered(text, view_keyboard(shown_items[:shown])), applying


def list_command(person: Person) -> str:
    """Where the reader finds every item of a digest: the list their role has."""
    if Role.CONTROLLER in person.roles:
        return "/control"
    if person.roles & {Role.HEAD, Role.EXECUTOR} or not person.roles & LEADERS:
        return "/my"
    return "/overview"  # the akim, the head of apparatus, a deputy akim


def view_keyboard(items: list[Assignment]) -> InlineKeyboardMarkup:
    """«🔎 No.» for each item (once), at most VIEW_BUTTONS, three a row."""
    builder = Keyboard()
    for assignment in list({a.id: a for a in items}.values())[:VIEW_BUTTONS]:
        builder.button(
            text=f"🔎 {assignment.reg_number}",
            callback_data=ItemCallback(action=ItemAction.VIEW, id=assignment.id),
        )
    builder.adjust(3)
    return builder.as_markup()


NOTICE_SUMMARY = 90  # characters of an item's summary under its line in a notice digest
NEAREST_DEADLINES = 3


def notice_counts(items: list[Assignment], cal: WorkCalendar, today: date) -> str:
    """«🔴 1 · 🟡 4 · 🟢 205» over the digest's items, then the nearest deadlines with their
    counts («Сроки: 04.12.2026 — 3 · 07.12.2026 — 2 …»)."""
    unique = list({a.id: a for a in items}.values())
    lights = [LIGHTS[traffic_light(cal, today, a.deadline)] for a in unique]
    counted = " · ".join(
        f"{light} {lights.count(light)}" for light in LIGHTS.values() if light in lights
    )
    by_day: dict[date, int] = {}
    for assignment in unique:
        by_day[assignment.deadline] = by_day.get(assignment.deadline, 0) + 1
    days = sorted(by_day)
    nearest = " · ".join(f"{short_date(day)} — {by_day[day]}" for day in days[:NEAREST_DEADLINES])
    if len(days) > NEAREST_DEADLINES:
        nearest += " …"
    return counted + "\n" + _("Deadlines: {dates}").format(dates=nearest)


async def render_monthly(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    """The monthly list of a department's open higher-level items (baidibek §12.4), in the
    reader's language: number, deadline, the internal deadline where there is one, summary."""
    param = deliverer.profile.monthly_higher_list
    department = await deliverer.repos.staff.department(int(item.payload["department_id"]))
    if param is None or department is None:
        return None
    found: dict[int, Assignment] = {}
    for source in param.value:
        page, _total = await deliverer.repos.assignments.list_open(
            department_ids=[department.id], source=source, limit=1_000_000
        )
        found.update((a.id, a) for a in page)
    if not found:
        return None  # all removed meanwhile: nothing to list
    cal = await load_calendar(deliverer.repos)
    language = person.language.value
    month = date.fromisoformat(item.payload["month"])
    lines = [
        _(
            "📋 Control documents on acts and assignments of the President and the Government, "
            "{department}, {month}: {count}"
        ).format(
            department=department.label(language),
            month=month_year(month, language),
            count=len(found),
        )
    ]
    for assignment in sorted(found.values(), key=lambda a: (a.deadline, a.reg_number)):
        line = _("No. {number}: deadline {deadline}").format(
            number=assignment.reg_number, deadline=date_with_weekday(assignment.deadline, language)
        )
        internal = item_internal_deadline(deliverer.profile, cal, assignment)
        if internal is not None:
            line += "; " + _("internal deadline {date}").format(
                date=date_with_weekday(internal, language)
            )
        lines.append("• " + with_summary(line, assignment))
    return Rendered("\n\n".join(lines))


def with_summary(line: str, assignment: Assignment, limit: int = 120) -> str:
    """A list line, then the item's summary below it (restricted: only the paper-copy note)."""
    if assignment.restricted:
        return line + " " + _("Restricted: see the paper copy.")
    return line + "\n" + short(assignment.summary, limit)


def subject_line(assignment: Assignment) -> str:
    """The item's subject on a line of its own, for a message about it; nothing for a
    restricted (ДСП) item, whose content never leaves the database."""
    return "" if assignment.restricted else "\n" + short(assignment.summary, 300)


def short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def render_weekly(deliverer: Deliverer, item: OutboxItem, person: Person) -> Rendered | None:
    """The weekly control list with the fields of seed 003 §12.4, in the reader's language:
    a one-screen summary (🔴/🟡/🟢 overall and per department) above an XLSX file with every
    item — never screens of text."""
    language = person.language.value
    week_start = date.fromisoformat(item.payload["week_start"])
    today = local_today(deliverer)
    if today.isocalendar()[:2] != week_start.isocalendar()[:2]:
        # its week is over (the bot was down, or waited for the working morning past it):
        # this week's list, queued by this week's sweep, is the one to read
        return None
    since = datetime.combine(week_start - timedelta(days=7), datetime.min.time(), UTC)
    everyone = person.roles & {Role.AKIM, Role.HEAD_OF_APPARATUS}
    # one read of what the list shows: the open items and the week's removed ones, the reader's
    # departments' only for a deputy
    everything = await deliverer.repos.assignments.weekly_items(
        since, None if everyone else person.curates
    )
    cal = await load_calendar(deliverer.repos)
    title = _("Weekly control list, week of {date}").format(date=long_date(week_start, language))
    if not everything:
        return Rendered(title + "\n\n" + _("Nothing on control."))
    headers = [_("No."), *(_(label) for label in WEEKLY_LABELS)]
    # the rows, the summary and their fingerprint take a while for a long list: off the event
    # loop, so the bot keeps answering
    table = await asyncio.to_thread(weekly_table, everything, cal, today, language, title, headers)

    async def build() -> BufferedInputFile:  # about a second for 10,000 items: off the loop
        data = await asyncio.to_thread(sheet_xlsx, title, headers, table.rows)
        return BufferedInputFile(data, filename=f"control-list-{week_start.isoformat()}.xlsx")

    # the same workbook for every reader of this scope, week and language: built and uploaded
    # once, then sent by its file_id (a changed item or a new day's lights: a new digest)
    workbook = SharedFile(
        f"weekly:{week_start.isoformat()}:{scope_key(person)}:{language}",
        table.digest,
        build,
    )
    counted = _("On control: {count}").format(count=len(everything))
    text = "\n\n".join(
        [title + "\n" + counted, table.summary, _("The full list is in the attached file.")]
    )
    return Rendered(text, shared=[workbook])


def scope_key(person: Person) -> str:
    """Which departments a leader's weekly list and chart cover, as part of a file's key:
    «all» for the akim and the head of apparatus, else the curated departments."""
    if person.roles & {Role.AKIM, Role.HEAD_OF_APPARATUS}:
        return "all"
    return "d" + content_digest(sorted(person.curates))[:16]


@about_person
async def render_unreachable(
    deliverer: Deliverer, item: OutboxItem, person: Person, subject: Person
) -> Rendered | None:
    template = (
        _("{name} ({position}) has blocked the bot; their messages wait until they unblock it.")
        if item.kind == "unreachable"
        else _(
            "{name} ({position}) has not joined the bot yet; messages to them are not delivered."
        )
    )
    return Rendered(
        template.format(
            name=subject.full_name,
            position=subject.position_in(person.language.value) or subject.code,
        )
    )
