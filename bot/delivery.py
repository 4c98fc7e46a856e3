"""The one sender: takes what is due from the outbox, renders it in the recipient's language at
send time (so it shows the item as it is now), sends, and records the outcome.

Nothing counts as sent before Telegram says ok. A blocked bot (403) marks the person unreachable;
429 waits `retry_after`; other failures retry with backoff.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.assignments import Assignment, ReportFile
from bot.config import Settings
from bot.services import load_calendar
from handlers.callbacks import ItemCallback
from handlers.cards import (
    GROUND_TITLES,
    card_text,
    controller_keyboard,
    executor_keyboard,
    moment,
)
from storage.models import Person
from storage.outbox import OutboxItem
from storage.repo import Repos

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


@dataclass(slots=True)
class Rendered:
    text: str
    markup: InlineKeyboardMarkup | None = None
    files: list[ReportFile] = field(default_factory=list)
    card: tuple[int, int] | None = None  # (assignment id, department id): remember the message


@dataclass(slots=True)
class DeliveryStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0


Renderer = Callable[["Deliverer", OutboxItem, Person], Awaitable[Rendered | None]]


class Deliverer:
    def __init__(self, bot: Bot, repos: Repos, i18n: I18n, settings: Settings) -> None:
        self.bot = bot
        self.repos = repos
        self.i18n = i18n
        self.settings = settings
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[DeliveryStats]] = set()

    def kick(self) -> None:
        """Deliver soon, without making the caller wait (handlers call this after a change)."""
        task = asyncio.get_running_loop().create_task(self.drain())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait_idle(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    async def drain(self, now: datetime | None = None) -> DeliveryStats:
        stats = DeliveryStats()
        async with self._lock:
            while True:
                moment_now = now or datetime.now(UTC)
                items = await self.repos.outbox.claim(moment_now, limit=50)
                if not items:
                    return stats
                for item in items:
                    await self._deliver(item, moment_now, stats)

    async def _deliver(self, item: OutboxItem, now: datetime, stats: DeliveryStats) -> None:
        person = await self.repos.staff.get(item.person_id)
        if person is None or person.telegram_id is None:
            await self.repos.outbox.mark_failed(item.id, error="never joined the bot")
            stats.failed += 1
            return
        renderer = RENDERERS.get(item.kind)
        if renderer is None:
            await self.repos.outbox.mark_failed(item.id, error=f"unknown kind {item.kind}")
            stats.failed += 1
            return
        with self.i18n.context(), self.i18n.use_locale(person.language.value):
            rendered = await renderer(self, item, person)
        if rendered is None:
            await self.repos.outbox.mark_failed(item.id, error="no longer applies")
            stats.cancelled += 1
            return
        try:
            message = await self.bot.send_message(
                person.telegram_id, rendered.text, reply_markup=rendered.markup
            )
            for file in rendered.files:
                await self.bot.send_document(
                    person.telegram_id, file.file_id, caption=file.file_name
                )
        except TelegramRetryAfter as error:
            await self.repos.outbox.retry_later(
                item.id, error=str(error), at=now + timedelta(seconds=error.retry_after)
            )
            stats.retried += 1
            return
        except TelegramForbiddenError as error:
            await self.repos.outbox.mark_failed(item.id, error=str(error))
            await self.repos.staff.set_unreachable(person, True, actor="system")
            stats.failed += 1
            return
        except (TelegramNetworkError, TelegramAPIError) as error:
            permanent = isinstance(error, TelegramBadRequest) or item.attempts >= MAX_ATTEMPTS
            if permanent:
                await self.repos.outbox.mark_failed(item.id, error=str(error))
                stats.failed += 1
            else:
                backoff = timedelta(seconds=min(600, 5 * 2**item.attempts))
                await self.repos.outbox.retry_later(item.id, error=str(error), at=now + backoff)
                stats.retried += 1
            log.warning("delivery of %s failed: %s", item.key, error)
            return
        await self.repos.outbox.mark_sent(
            item.id, chat_id=person.telegram_id, message_id=message.message_id, at=now
        )
        if rendered.card is not None:
            await self.repos.assignments.save_card(
                rendered.card[0], person.id, person.telegram_id, message.message_id
            )
        stats.sent += 1


# --- renderers, one per outbox kind ------------------------------------------------------------


async def _item(deliverer: Deliverer, payload: dict[str, Any]) -> Assignment | None:
    return await deliverer.repos.assignments.get(int(payload["assignment_id"]))


def _today(deliverer: Deliverer) -> Any:
    return datetime.now(UTC).astimezone(deliverer.settings.zone).date()


async def render_card(deliverer: Deliverer, item: OutboxItem, person: Person) -> Rendered | None:
    assignment = await _item(deliverer, item.payload)
    if assignment is None or not assignment.is_open:
        return None
    executor = assignment.executor(int(item.payload["department_id"]))
    if executor is None:
        return None
    cal = await load_calendar(deliverer.repos)
    text = card_text(
        assignment, cal, _today(deliverer), deliverer.settings.zone, executor=executor
    )
    return Rendered(
        text,
        executor_keyboard(assignment, executor),
        card=(assignment.id, executor.department_id),
    )


def _view_button(assignment: Assignment) -> InlineKeyboardMarkup:
    from aiogram.utils.keyboard import InlineKeyboardBuilder

    builder = InlineKeyboardBuilder()
    builder.button(text=_("🔎 Open"), callback_data=ItemCallback(action="view", id=assignment.id))
    return builder.as_markup()


async def render_accepted(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    assignment = await _item(deliverer, item.payload)
    if assignment is None:
        return None
    executor = assignment.executor(int(item.payload["department_id"]))
    who = await deliverer.repos.staff.get(int(item.payload["person_id"]))
    if executor is None or executor.accepted_at is None or who is None:
        return None
    text = _("Assignment No. {number} accepted by {department}: {name}, {when}.").format(
        number=assignment.reg_number,
        department=executor.department_name,
        name=who.full_name,
        when=moment(executor.accepted_at, deliverer.settings.zone),
    )
    return Rendered(text, _view_button(assignment))


async def _report_parts(
    deliverer: Deliverer, payload: dict[str, Any]
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
            e.department_name
            for e in assignment.executors
            if e.department_id == report.department_id
        ),
        "",
    )
    author = await deliverer.repos.staff.by_code(report.author_code)
    by = f"{department} — {author.full_name if author else report.author_code}"
    return assignment, report.text, list(report.files), by


async def render_report(deliverer: Deliverer, item: OutboxItem, person: Person) -> Rendered | None:
    parts = await _report_parts(deliverer, item.payload)
    if parts is None:
        return None
    assignment, text, files, by = parts
    if assignment.restricted:
        body = _(
            "Execution report on assignment No. {number} from {by}. "
            "Restricted: see the paper copy."
        )
        return Rendered(
            body.format(number=assignment.reg_number, by=by), controller_keyboard(assignment)
        )
    header = _("Execution report on assignment No. {number} from {by}:").format(
        number=assignment.reg_number, by=by
    )
    return Rendered(f"{header}\n\n{text}", controller_keyboard(assignment), files)


async def render_co_report(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    parts = await _report_parts(deliverer, item.payload)
    if parts is None:
        return None
    assignment, text, files, by = parts
    if assignment.restricted:
        body = _(
            "Co-executor's input on assignment No. {number} from {by}. "
            "Restricted: see the paper copy."
        )
        return Rendered(body.format(number=assignment.reg_number, by=by))
    header = _("Co-executor's input on assignment No. {number} from {by}:").format(
        number=assignment.reg_number, by=by
    )
    return Rendered(f"{header}\n\n{text}", None, files)


async def render_removed(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    assignment = await _item(deliverer, item.payload)
    if assignment is None or assignment.removal_ground is None:
        return None
    return Rendered(
        _("Assignment No. {number} is removed from control: {ground}.").format(
            number=assignment.reg_number, ground=_(GROUND_TITLES[assignment.removal_ground])
        )
    )


async def render_returned(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    assignment = await _item(deliverer, item.payload)
    if assignment is None:
        return None
    reason = "" if assignment.restricted else str(item.payload.get("reason", ""))
    text = _("Assignment No. {number} is returned for rework.").format(
        number=assignment.reg_number
    )
    if reason:
        text += "\n" + _("Reason: {reason}").format(reason=reason)
    return Rendered(text, _view_button(assignment))


async def render_declined(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    assignment = await _item(deliverer, item.payload)
    if assignment is None or not assignment.is_open:
        return None
    department_id = int(item.payload["department_id"])
    name = next(
        (e.department_name for e in assignment.executors if e.department_id == department_id), ""
    )
    text = _("{department} returned assignment No. {number} as not theirs.").format(
        department=name, number=assignment.reg_number
    )
    if not assignment.restricted:
        text += "\n" + _("Reason: {reason}").format(reason=item.payload.get("reason", ""))
    text += "\n" + _("Choose the department to reassign it to.")
    from aiogram.utils.keyboard import InlineKeyboardBuilder

    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("➡️ Reassign"),
        callback_data=ItemCallback(action="reassign", id=assignment.id, dep=department_id),
    )
    return Rendered(text, builder.as_markup())


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
        ).format(number=assignment.reg_number, department=department.name)
    )


RENDERERS: dict[str, Renderer] = {
    "card": render_card,
    "accepted": render_accepted,
    "report": render_report,
    "co_report": render_co_report,
    "removed": render_removed,
    "returned": render_returned,
    "declined": render_declined,
    "no_head": render_no_head,
}
