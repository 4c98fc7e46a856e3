"""How an assignment reads on the phone: cards, list rows, history, and their buttons.

Rendered in the current gettext locale; callers set it (the middleware, or the sender per
recipient). A restricted (ДСП) item shows its number, deadline and «see the paper copy» only.
The titles of sources, statuses and grounds are bot/'s (the reports name them outside the
chat), re-exported here for the handlers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.assignments.rules import (
    Light,
    item_internal_deadline,
    traffic_light,
    working_days_left,
)
from bot.assignments.titles import GROUND_TITLES as GROUND_TITLES  # noqa: PLC0414
from bot.assignments.titles import SOURCE_TITLES as SOURCE_TITLES  # noqa: PLC0414
from bot.assignments.titles import STATUS_TITLES as STATUS_TITLES  # noqa: PLC0414
from bot.calendar import WorkCalendar
from bot.cli import CLI_ACTOR
from bot.i18n import date_time, date_with_weekday, long_date
from bot.i18n_marks import N_
from bot.letters import letter_reference
from bot.profiles import Profile, roadmap_due_date
from handlers.callbacks import ItemAction, ItemCallback
from handlers.executors.cards import pass_button
from handlers.keyboards import Keyboard
from handlers.replies import dotted, fit_in, reader_language
from handlers.written import Written
from storage.domain.assignments import Assignment, Executor, OpenPage, RemovalGround, Status
from storage.domain.enums import Mark
from storage.models import AuditEntry, short_name

MARK_TITLES: dict[Mark, str] = {
    Mark.NONE: N_("no mark"),
    Mark.URGENT: N_("urgent"),
    Mark.VERY_URGENT: N_("very urgent"),
}
GROUND_BUTTONS: dict[RemovalGround, str] = {  # the removal grounds, short enough for a button
    RemovalGround.EXECUTED: N_("✅ Fully executed"),
    RemovalGround.IMPOSSIBLE: N_("⛔ Cannot be executed"),
}
LIGHTS = {Light.OVERDUE: "🔴", Light.SOON: "🟡", Light.LATER: "🟢"}
EVENT_TITLES: dict[str, str] = {
    "register": N_("registered"),
    "accept": N_("accepted"),
    "not_ours": N_("returned as not ours"),
    "reassign": N_("reassigned"),
    "co_report": N_("co-executor's input"),
    "report": N_("execution report"),
    "remove": N_("removed from control"),
    "return": N_("returned for rework"),
    "deadline": N_("deadline changed"),
    "keep": N_("«not ours» refused, kept"),
    "pass": N_("passed to executors"),
    "take_back": N_("taken back from executors"),
    "executor_draft": N_("executor's draft of the report"),
    "draft_approved": N_("executor's draft sent on"),
    "draft_returned": N_("executor's draft returned"),
    "removal_asked": N_("removal from control asked, waits for consent"),
    "removal_refused": N_("removal from control refused"),
    "executors": N_("executors changed"),
    "extension_requested": N_("extension requested"),
    "extension_approved": N_("extension granted"),
    "extension_rejected": N_("extension refused"),
}


def language() -> str:
    return reader_language()


def moment(value: datetime, zone: ZoneInfo) -> str:
    """4 декабря 2026 г., 09:05 / 2026 жылғы 4 желтоқсан, 09:05 (local time)."""
    return date_time(value.astimezone(zone), language())


def deadline_line(item: Assignment, cal: WorkCalendar, today: date) -> str:
    when = date_with_weekday(item.deadline, language())
    if item.deadline < today:
        return _("Deadline: {date} — overdue").format(date=when)
    left = working_days_left(cal, today, item.deadline)
    if left == 0:
        return _("Deadline: {date} — today").format(date=when)
    return ngettext(
        "Deadline: {date} — {count} working day left",
        "Deadline: {date} — {count} working days left",
        left,
    ).format(date=when, count=left)


def internal_line(day: date) -> str:
    """A higher-level item's internal deadline (Baidibek §12.2: on control earlier)."""
    return _("Internal deadline (a higher body's item, on control earlier): {date}").format(
        date=date_with_weekday(day, language())
    )


def executors_text(
    item: Assignment, language_code: str | None = None, *, main: str | None = None
) -> str:
    """The active executors in the reader's language (default: the current locale's); `main`:
    «{name} (main)» translated already (a long list translates it once)."""
    language_code = language_code or language()
    names = []
    for executor in item.executors:
        if not executor.active:
            continue
        name = executor.department_in(language_code)
        if executor.main:
            name = (main or _("{name} (main)")).format(name=name)
        names.append(name)
    return ", ".join(names)


def card_text(
    item: Assignment,
    cal: WorkCalendar,
    today: date,
    zone: ZoneInfo,
    *,
    executor: Executor | None = None,
    names: Mapping[str, str] | None = None,
    profile: Profile,
) -> str:
    """The card: number, source, summary, role, deadline (and the internal deadline of a
    higher-level item under the profile), status (restricted: no content). Kept per item,
    department, reader's language and day while what it is written from is the same objects
    (`handlers.written`)."""
    key = (item.id, None if executor is None else executor.department_id, language(), today)
    sources = (item, cal, zone, executor, names, profile)
    kept = _CARDS.get(key, sources)
    if kept is not None:
        return kept
    text = _card_text(item, cal, today, zone, executor=executor, names=names, profile=profile)
    return _CARDS.put(key, sources, text)


_CARDS = Written(limit=2048)  # cards' texts (without the lines that read more: passes, history)


def _card_text(
    item: Assignment,
    cal: WorkCalendar,
    today: date,
    zone: ZoneInfo,
    *,
    executor: Executor | None,
    names: Mapping[str, str] | None,
    profile: Profile,
) -> str:
    lines = [_("📄 Assignment No. {number}").format(number=item.reg_number)]
    internal = item_internal_deadline(profile, cal, item)
    early = [] if internal is None else [internal_line(internal)]
    roadmap = roadmap_due_date(profile, cal, item.source, item.received)
    if roadmap is not None and item.is_open:
        early.append(
            _("Roadmap (plan of organisational measures), if needed: by {date}").format(
                date=long_date(roadmap, language())
            )
        )
    if item.restricted:
        lines += [
            deadline_line(item, cal, today),
            *early,
            _("Restricted: see the paper copy."),
        ]
    else:
        lines += [
            _("Source: {source}").format(source=_(SOURCE_TITLES[item.source])),
            _("Received: {date}").format(date=long_date(item.received, language())),
            "",
            item.summary,
            "",
            deadline_line(item, cal, today),
            *early,
        ]
        if item.mark is not Mark.NONE:
            lines.append(_("Mark: {mark}").format(mark=_(MARK_TITLES[item.mark])))
        if executor is not None:
            lines.append(
                _("Your department is the main executor («свод»).")
                if executor.main
                else _("Your department is a co-executor; report to the main executor.")
            )
        lines.append(_("Executors: {names}").format(names=executors_text(item)))
    if item.extensions:
        lines.append(
            ngettext(
                "Deadline extended {count} time",
                "Deadline extended {count} times",
                item.extensions,
            ).format(count=item.extensions)
        )
    status = _(STATUS_TITLES[item.status])
    if item.status is Status.REGISTERED and executor is not None and executor.accepted_at:
        # a co-executor has accepted; the item waits for the main executor, not for them
        status = _("registered, awaiting the main executor's acceptance")
    if item.status is Status.REMOVED and item.removal_ground is not None:
        status += f" ({_(GROUND_TITLES[item.removal_ground])})"
    lines.append(_("Status: {status}").format(status=status))
    if executor is not None and executor.accepted_at is not None:
        lines.append(
            _("Accepted: {when}, {who}").format(
                when=moment(executor.accepted_at, zone),
                who=display_name(executor.accepted_by or "", names, short=True),
            )
        )
    return "\n".join(lines)


def executor_keyboard(
    item: Assignment, executor: Executor, *, passing: bool = False
) -> InlineKeyboardMarkup | None:
    """Buttons on a head's card: Accept, Report execution, (with `passing`: the department has
    executors) Pass to an executor, Not ours."""
    if not item.is_open:
        return None
    return _executor_keyboard(
        item.id,
        executor.department_id,
        executor.accepted_at is None,
        executor.main and item.status is Status.REPORTED,
        executor.main and item.status is not Status.REPORTED,
        passing,
        reader_language(),
    )


@lru_cache(maxsize=4096)
def _executor_keyboard(
    item_id: int,
    dep: int,
    unaccepted: bool,
    main_reported: bool,
    may_extend: bool,
    passing: bool,
    language: str,  # noqa: ARG001 - the labels' language (the locale in force): part of the key
) -> InlineKeyboardMarkup:
    """`executor_keyboard` of an open item, kept per what it is made from (a card is drawn
    again on every 🔎 and after every tap on it; a markup is never changed once made)."""
    builder = Keyboard()
    if unaccepted:
        builder.button(
            text=_("✅ Accept"),
            callback_data=ItemCallback(action=ItemAction.ACCEPT, id=item_id, dep=dep),
        )
    if not main_reported:
        builder.button(
            text=_("📝 Report execution"),
            callback_data=ItemCallback(action=ItemAction.REPORT, id=item_id, dep=dep),
        )
    if may_extend:
        builder.button(
            text=_("⏳ Request extension"),
            callback_data=ItemCallback(action=ItemAction.EXT, id=item_id, dep=dep),
        )
    if passing:  # Baidibek 2025 §12.17: the head organises execution (handlers.executors)
        pass_button(builder, item_id, dep)
    if unaccepted:
        builder.button(
            text=_("↩️ Not ours"),
            callback_data=ItemCallback(action=ItemAction.NOT_OURS, id=item_id, dep=dep),
        )
    builder.adjust(1)
    return builder.as_markup()


def controller_keyboard(item: Assignment) -> InlineKeyboardMarkup | None:
    """An open item: Change the deadline; a submitted report: Remove from control, Return for
    rework."""
    if not item.is_open:
        return None
    builder = Keyboard()
    builder.button(
        text=_("📅 Change the deadline"),
        callback_data=ItemCallback(
            action=ItemAction.DEADLINE, id=item.id, arg=item.deadline.isoformat()
        ),
    )
    builder.button(
        text=_("👥 Executors"), callback_data=ItemCallback(action=ItemAction.EXECS, id=item.id)
    )
    if item.status is not Status.REPORTED:
        builder.adjust(1)
        return builder.as_markup()
    builder.button(
        text=_("🏁 Remove from control"),
        callback_data=ItemCallback(action=ItemAction.REMOVE, id=item.id),
    )
    builder.button(
        text=_("🔁 Return for rework"),
        callback_data=ItemCallback(action=ItemAction.RETURN, id=item.id),
    )
    builder.adjust(1)
    return builder.as_markup()


def declined_keyboard(item: Assignment, department_id: int, name: str) -> InlineKeyboardMarkup:
    """A «не наше» at the control department: reassign it, or keep it with the department."""
    builder = Keyboard()
    builder.button(
        text=_("➡️ Reassign"),
        callback_data=ItemCallback(action=ItemAction.REASSIGN, id=item.id, dep=department_id),
    )
    builder.button(
        text=fit_in(_("✋ Keep with {department}"), department=name),
        callback_data=ItemCallback(action=ItemAction.KEEP, id=item.id, dep=department_id),
    )
    builder.adjust(1)
    return builder.as_markup()


def ground_keyboard(item: Assignment) -> InlineKeyboardMarkup:
    builder = Keyboard()
    for ground, title in GROUND_BUTTONS.items():
        builder.button(
            text=_(title),
            callback_data=ItemCallback(action=ItemAction.GROUND, id=item.id, arg=ground.value),
        )
    builder.adjust(1)
    return builder.as_markup()


STATUS_SHORT: dict[Status, str] = {
    Status.REGISTERED: N_("not accepted"),
    Status.ACCEPTED: N_("in work"),
    Status.REPORTED: N_("report in"),
    Status.RETURNED: N_("returned"),
    Status.REMOVED: N_("removed"),
}


def list_row(item: Assignment, cal: WorkCalendar, today: date) -> str:
    """Two lines: light, number, deadline, the main executor («свод»), the status; then the
    summary (a restricted item: «restricted»). Kept per item, reader's language and day while
    the item and the calendar are the same objects (`handlers.written`)."""
    key = (item.id, language(), today)
    sources = (item, cal)
    kept = _ROWS.get(key, sources)
    if kept is not None:
        return kept
    return _ROWS.put(key, sources, _list_row(item, cal, today))


_ROWS = Written()  # list rows


def _list_row(item: Assignment, cal: WorkCalendar, today: date) -> str:
    light = LIGHTS[traffic_light(cal, today, item.deadline)]
    when = item.deadline.strftime("%d.%m.%Y")
    main = item.main_executor
    who = (
        main.department_in(language())
        if main is not None and main.active
        else _("no main executor")
    )
    head = f"{light} {item.reg_number} · {when} · {who} · {_(STATUS_SHORT[item.status])}"
    if item.restricted:
        mark = _("restricted")
        return f"{head}\n    {mark}"
    summary = item.summary if len(item.summary) <= 60 else item.summary[:57] + "…"
    return f"{head}\n    {summary}"


def page_number(page: int, total: int, size: int, found: OpenPage) -> int:
    """The number (from 0) of a page read by key: the one its button named, kept between the
    first and the last page (a button drawn before items came or went still reads sensibly)."""
    pages = max(1, -(-total // size))
    if not found.before_first:
        return 0
    if found.next_at is None:
        return pages - 1
    return min(max(page, 1), max(pages - 2, 1))


def page_line(page: int, total: int, size: int) -> str:
    """«Page 2 of 5» (nothing when everything fits on one page)."""
    pages = max(1, -(-total // size))
    if pages == 1:
        return ""
    return _("Page {page} of {pages}").format(page=page + 1, pages=pages)


# An extension the issuer outside the akimat decided by letter, as the history names it.
BY_LETTER_TITLES = {
    "extension_approved": N_("extension granted by the issuer's letter"),
    "extension_rejected": N_("extension refused by the issuer's letter"),
}


def display_name(code: str, names: Mapping[str, str] | None, *, short: bool = False) -> str:
    """A staff member's full name where known (audit rows keep codes; `short`: «Омарова Д. М.»),
    «import from a file» for the command line (`assignments import`), else the code."""
    if code == CLI_ACTOR and code not in (names or {}):
        return _("import from a file")
    if code not in (names or {}):
        return code
    full = (names or {})[code]
    return short_name(full) if short else full


def history_text(
    entries: list[AuditEntry], zone: ZoneInfo, names: Mapping[str, str] | None = None
) -> str:
    lines = [_("History:")]
    for entry in entries:
        title = _(EVENT_TITLES[entry.action]) if entry.action in EVENT_TITLES else entry.action
        who = display_name(entry.actor, names)
        if entry.action in BY_LETTER_TITLES and '"letter_ref"' in (entry.new_value or ""):
            # the issuer outside the akimat decided; the controller recorded its letter
            title = _(BY_LETTER_TITLES[entry.action])
            who = _("recorded by {name}").format(name=who)
        if entry.on_behalf_of:
            who = _("{who} for {whom}").format(
                who=who, whom=display_name(entry.on_behalf_of, names)
            )
        lines.append(f"• {moment(entry.at, zone)} — {title} — {who}")
        if entry.action in {"deadline", "extension_approved"}:
            detail = deadline_change_text(entry)
            if detail:
                lines.append("  " + detail)
        elif entry.action == "executors":
            lines.append("  " + executors_change_text(entry))
        elif entry.action in {"remove", "removal_asked", "removal_refused", "extension_rejected"}:
            detail = removal_text(entry, names)
            if detail:
                lines.append("  " + detail)
    return "\n".join(lines)


def removal_text(entry: AuditEntry, names: Mapping[str, str] | None = None) -> str:
    """«fully executed · the note · asked by …» of a removal; the reason of a refusal (and the
    issuer's letter of a refused extension)."""
    try:
        new = json.loads(entry.new_value or "{}")
    except ValueError:
        return ""
    if not isinstance(new, dict):
        return ""
    parts = []
    if new.get("ground") in {g.value for g in GROUND_TITLES}:
        parts.append(_(GROUND_TITLES[RemovalGround(new["ground"])]))
    parts += [str(new.get(key, "")) for key in ("note", "reason")]
    parts.append(history_letter(new))
    if new.get("asked_by"):
        parts.append(_("asked by {name}").format(name=display_name(str(new["asked_by"]), names)))
    return " · ".join(part for part in parts if part)


def history_letter(new: Mapping[str, object]) -> str:
    """The issuer's letter an extension's answer came with, in the reader's language («№ 12-34
    от 20 ноября 2026 г.»); "" when none."""
    number = str(new.get("letter_ref") or "")
    try:
        day = date.fromisoformat(str(new["letter_date"])) if new.get("letter_date") else None
    except ValueError:
        day = None
    return letter_reference(number, day, language()) if number else ""


def executors_change_text(entry: AuditEntry) -> str:
    """«A (main), B → A (main), C» of an executors change."""
    try:
        old = json.loads(entry.old_value or "{}")["executors"]
        new = json.loads(entry.new_value or "{}")["executors"]
    except (ValueError, KeyError, TypeError):
        return ""

    def marked(names: list[str]) -> str:
        return ", ".join(
            _("{name} (main)").format(name=name) if n == 0 else name
            for n, name in enumerate(names)
        )

    return f"{marked(old)} → {marked(new)}"


def deadline_change_text(entry: AuditEntry) -> str:
    """«05.12.2026 → 19.12.2026 · протокол №5 от 01.12.2026 · the reason» of a deadline change."""
    try:
        old = json.loads(entry.old_value or "{}")
        new = json.loads(entry.new_value or "{}")
        parts = [
            f"{dotted(date.fromisoformat(old['deadline']))} → "
            f"{dotted(date.fromisoformat(new['deadline']))}",
            str(new.get("reference", "")),
            history_letter(new),
            str(new.get("reason", "")),
        ]
    except (ValueError, KeyError, TypeError):
        return ""
    return " · ".join(part for part in parts if part)
