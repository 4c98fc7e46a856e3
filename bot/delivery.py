"""The one sender: takes what is due from the outbox, renders it in the recipient's language at
send time (so it shows the item as it is now), sends, and records the outcome.

Nothing counts as sent before Telegram says ok. A blocked bot (403) marks the person unreachable;
429 waits `retry_after`; other failures retry with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.assignments import Assignment, ReportFile, traffic_light, working_days_left
from bot.calendar import WorkCalendar
from bot.config import Settings
from bot.enums import Role
from bot.extensions import RequestStatus
from bot.i18n import date_with_weekday, long_date
from bot.i18n_marks import N_
from bot.notices import NoticeKind, quiet_until
from bot.profiles import Profile, extension_cutoff
from bot.remarks import Answer
from bot.remarks_xlsx import sheet_xlsx
from bot.services import load_calendar
from handlers.callbacks import ItemCallback
from handlers.cards import (
    GROUND_TITLES,
    LIGHTS,
    SOURCE_TITLES,
    STATUS_TITLES,
    card_text,
    controller_keyboard,
    executor_keyboard,
    executors_text,
    moment,
)
from storage.db import is_storage_failure
from storage.models import Person
from storage.outbox import OutboxItem
from storage.repo import Repos

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
CLAIM_BATCH = 200  # small claims: another sender or a restart takes over the rest
HEARTBEAT = 10.0  # seconds between renewals of the claims in progress (lease: 30 s)
STORE_TRIES = 3
HOST = socket.gethostname()
RETRY_AFTER_TRIES = 5
TEXT_LIMIT = 4096
GROUPED = frozenset({"notice"})
SCHEDULED = frozenset(
    {
        "notice",
        "weekly",
        "extension_reminder",
        "extension_late",
        "remarks_reminder",
        "remarks_final",
        "meeting_materials_reminder",
        "meeting_materials_late",
        "meeting_unapproved",
        "meeting_agenda",
        "meeting_nudge",
        "meeting_morning",
        "meeting_summary",
    }
)
VIEW_BUTTONS = 12
PARALLEL_CHATS = 32  # chats sent to side by side (the global rate still applies)


@dataclass(slots=True)
class Rendered:
    text: str
    markup: InlineKeyboardMarkup | None = None
    files: list[ReportFile] = field(default_factory=list)
    card: tuple[int, int] | None = None  # (assignment id, department id): remember the message
    attachments: list[BufferedInputFile] = field(default_factory=list)  # generated files
    # generated files that are the same for many recipients: (cache key, file); uploaded once,
    # then re-sent by the file_id Telegram gave
    shared: list[tuple[str, BufferedInputFile]] = field(default_factory=list)


@dataclass(slots=True)
class DeliveryStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    deferred: int = 0


Renderer = Callable[["Deliverer", OutboxItem, Person], Awaitable[Rendered | None]]


class RateLimiter:
    """Telegram's flood limits: a global rate and at most one message a second per chat.

    Slots are reserved in order, so concurrent callers queue fairly; `pause` pushes every slot
    back after a 429 `retry_after`.
    """

    def __init__(
        self,
        per_second: float,
        per_chat_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = 1.0 / per_second
        self.per_chat_interval = per_chat_interval
        self.clock = clock
        self.sleep = sleep
        self.next_global = 0.0
        self.next_chat: dict[int, float] = {}

    async def wait(self, chat_id: int) -> None:
        """First this chat's turn, then a global slot: a chat waiting for its one-a-second turn
        does not hold the global slots other chats could use meanwhile."""
        now = self.clock()
        turn = self.next_chat.get(chat_id, 0.0)
        if turn > now:
            self.next_chat[chat_id] = turn + self.per_chat_interval  # hold the turn
            await self.sleep(turn - now)
            now = self.clock()
        start = max(now, self.next_global)
        self.next_global = start + self.interval
        self.next_chat[chat_id] = start + self.per_chat_interval
        if len(self.next_chat) > 10_000:
            self.next_chat = {k: v for k, v in self.next_chat.items() if v > now}
        if start > now:
            await self.sleep(start - now)

    def pause(self, seconds: float) -> None:
        self.next_global = max(self.next_global, self.clock() + seconds)


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Pieces of at most `limit` characters, cut at line breaks where possible."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = text.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n")
    pieces.append(text)
    return [piece for piece in pieces if piece.strip()] or [text]


class Undeliverable(Exception):
    """Telegram refused for good (blocked, bad request, too many attempts)."""


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def dead_owners(owners: list[str], host: str = HOST) -> list[str]:
    """The claim owners (`host:pid:token`) whose process on this machine is gone."""
    dead = []
    for owner in owners:
        owner_host, _, rest = owner.partition(":")
        pid = rest.partition(":")[0]
        if (
            owner_host == host
            and pid.isdigit()
            and int(pid) != os.getpid()
            and not process_alive(int(pid))
        ):
            dead.append(owner)
    return dead


SendCall = Callable[[], Awaitable[Message]]


class Deliverer:
    def __init__(
        self,
        bot: Bot,
        repos: Repos,
        i18n: I18n,
        settings: Settings,
        profile: Profile,
        limiter: RateLimiter | None = None,
        *,
        background: bool = True,
    ) -> None:
        self.bot = bot
        self.profile = profile
        self.background = background  # False: only explicit drain() sends (tests step it)
        self.repos = repos
        self.i18n = i18n
        self.settings = settings
        self.limiter = limiter or RateLimiter(settings.send_rate)
        # Claims carry this name; a restarted process sees the old name's process is gone.
        self.owner = f"{HOST}:{os.getpid()}:{secrets.token_hex(4)}"
        self._lock = asyncio.Lock()
        self._uploads: dict[str, asyncio.Lock] = {}  # a shared file is uploaded once
        self._tasks: set[asyncio.Task[DeliveryStats]] = set()
        self.now = datetime.now(UTC)  # the moment being delivered for (rendering uses it)
        self.closed = False

    async def close(self) -> None:
        """Stop delivering: wait for the drain in progress (its records commit) and start no
        other. What is left stays in the outbox for the next start."""
        self.closed = True
        await self.wait_idle()
        async with self._lock:
            pass

    def kick(self) -> None:
        """Deliver soon, without making the caller wait (handlers call this after a change)."""
        if not self.background or self.closed:
            return
        task = asyncio.get_running_loop().create_task(self.drain())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait_idle(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    async def drain(self, now: datetime | None = None) -> DeliveryStats:
        """Send everything due; several notices for one person go as one message."""
        stats = DeliveryStats()
        if self.closed:
            return stats
        async with self._lock:
            if self.closed:
                return stats
            heartbeat = asyncio.get_running_loop().create_task(self._heartbeat())
            try:
                await self._drain(now, stats)
            finally:
                heartbeat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await heartbeat
                # whatever this drain could not finish goes back to the queue at once
                await self._store(self.repos.outbox.release, self.owner)
        return stats

    async def _drain(self, now: datetime | None, stats: DeliveryStats) -> None:
        dead = dead_owners(await self.repos.outbox.claim_owners())
        while not self.closed:  # closing: no new claim
            moment_now = now or datetime.now(UTC)
            self.now = moment_now
            items = await self.repos.outbox.claim(
                moment_now, limit=CLAIM_BATCH, owner=self.owner, dead_owners=dead
            )
            if not items:
                return
            # one person's messages go in order; different people's go side by side
            people: dict[int, dict[str, list[OutboxItem]]] = {}
            for item in items:
                key = item.kind if item.kind in GROUPED else item.key
                people.setdefault(item.person_id, {}).setdefault(key, []).append(item)
            slots = asyncio.Semaphore(PARALLEL_CHATS)
            await asyncio.gather(
                *(
                    self._person_turn(list(groups.values()), slots, moment_now, stats)
                    for groups in people.values()
                )
            )

    async def _heartbeat(self) -> None:
        """Renew this sender's claims while it works, in the time base of the drain."""
        started = time.monotonic()
        while True:
            await asyncio.sleep(HEARTBEAT)
            at = self.now + timedelta(seconds=time.monotonic() - started)
            await self._store(self.repos.outbox.renew, self.owner, at)

    async def _store(self, step: Callable[..., Awaitable[Any]], *args: Any) -> Any:
        """A storage step of the sender's, tried again a few times when the store fails (a
        message already sent must be recorded, or it would be sent again)."""
        for attempt in range(STORE_TRIES):
            try:
                return await step(*args)
            except (sqlite3.OperationalError, sqlite3.DatabaseError) as error:
                if not is_storage_failure(error) or attempt == STORE_TRIES - 1:
                    raise
                log.warning("sender: storage failed (%s); trying again", error)
                await asyncio.sleep(0.2 * (attempt + 1))
        return None

    async def _person_turn(
        self,
        batches: list[list[OutboxItem]],
        slots: asyncio.Semaphore,
        now: datetime,
        stats: DeliveryStats,
    ) -> None:
        async with slots:
            for batch in batches:
                if self.closed:  # stopping: the rest is released back to the outbox
                    return
                await self._deliver(batch, now, stats)

    async def _deliver(self, items: list[OutboxItem], now: datetime, stats: DeliveryStats) -> None:
        """Render (reading committed data), send part by part, and record the outcome, each
        record its own unit of work."""
        prepared = await self._prepare(items, now, stats)
        if prepared is None:
            return
        person, rendered, applying = prepared
        assert person.telegram_id is not None
        try:
            message_id = await self._send(person.telegram_id, rendered, applying)
        except (TelegramNetworkError, TelegramAPIError) as error:
            await self._store(self._failed, person, applying, error, now, stats)
            return
        await self._store(self._record_sent, person, rendered, applying, message_id, now)
        stats.sent += len(applying)

    async def _record_sent(
        self,
        person: Person,
        rendered: Rendered,
        applying: list[OutboxItem],
        message_id: int | None,
        now: datetime,
    ) -> None:
        assert person.telegram_id is not None
        async with self.repos.transaction():
            for item in applying:
                await self.repos.outbox.mark_sent(
                    item.id, chat_id=person.telegram_id, message_id=message_id, at=now
                )
            if person.unreachable:
                await self.repos.staff.set_unreachable(person, False, actor="system")
            if rendered.card is not None and message_id:
                await self.repos.assignments.save_card(
                    rendered.card[0], person.id, person.telegram_id, message_id
                )

    async def _prepare(
        self, items: list[OutboxItem], now: datetime, stats: DeliveryStats
    ) -> tuple[Person, Rendered, list[OutboxItem]] | None:
        first = items[0]
        if first.kind in SCHEDULED:
            cal = await load_calendar(self.repos)
            allowed = quiet_until(self.profile, cal, now.astimezone(self.settings.zone))
            if allowed > now:  # never at night or on a day off: wait for the working morning
                async with self.repos.transaction():
                    for item in items:
                        await self.repos.outbox.retry_later(
                            item.id, error="quiet hours", at=allowed
                        )
                stats.deferred += len(items)
                return None
        person = await self.repos.staff.get(first.person_id)
        if person is None or person.telegram_id is None:
            async with self.repos.transaction():
                for item in items:
                    await self.repos.outbox.mark_failed(item.id, error="never joined the bot")
                if person is not None:
                    await self._tell_controllers(person, "unbound")
            stats.failed += len(items)
            return None
        with self.i18n.context(), self.i18n.use_locale(person.language.value):
            if first.kind in GROUPED:
                rendered, applying = await render_notices(self, items, person)
            else:
                renderer = RENDERERS.get(first.kind)
                rendered = await renderer(self, first, person) if renderer else None
                applying = items if rendered else []
        lapsed = [item for item in items if item not in applying]
        if lapsed:
            async with self.repos.transaction():
                for item in lapsed:
                    await self.repos.outbox.mark_failed(item.id, error="no longer applies")
            stats.cancelled += len(lapsed)
        if rendered is None or not applying:
            return None
        return person, rendered, applying

    async def _failed(
        self,
        person: Person,
        applying: list[OutboxItem],
        error: TelegramNetworkError | TelegramAPIError,
        now: datetime,
        stats: DeliveryStats,
    ) -> None:
        async with self.repos.transaction():
            if isinstance(error, TelegramForbiddenError):
                for item in applying:
                    await self.repos.outbox.mark_failed(item.id, error=str(error))
                stats.failed += len(applying)
                if not person.unreachable:
                    await self.repos.staff.set_unreachable(person, True, actor="system")
                    await self._tell_controllers(person, "unreachable")
                return
            log.warning("delivery to %s failed: %s", person.code, error)
            for item in applying:
                if isinstance(error, TelegramBadRequest) or item.attempts >= MAX_ATTEMPTS:
                    await self.repos.outbox.mark_failed(item.id, error=str(error))
                    stats.failed += 1
                else:
                    backoff = timedelta(seconds=min(600, 5 * 2**item.attempts))
                    await self.repos.outbox.retry_later(
                        item.id, error=str(error), at=now + backoff
                    )
                    stats.retried += 1

    def _parts(
        self, chat_id: int, rendered: Rendered, pieces: list[str]
    ) -> list[tuple[bool, SendCall]]:
        """The message as Bot API calls in order: (is text, call). The text pieces (at most
        4,096 characters each) with the buttons on the last one; then files, generated files,
        and shared generated files (uploaded once, then re-sent by file_id)."""
        parts: list[tuple[bool, SendCall]] = []
        for index, piece in enumerate(pieces):
            markup = rendered.markup if index == len(pieces) - 1 else None
            parts.append(
                (True, partial(self.bot.send_message, chat_id, piece, reply_markup=markup))
            )
        parts.extend(
            (
                False,
                partial(self.bot.send_document, chat_id, file.file_id, caption=file.file_name),
            )
            for file in rendered.files
        )
        parts.extend(
            (False, partial(self.bot.send_document, chat_id, attachment))
            for attachment in rendered.attachments
        )
        parts.extend(
            (False, partial(self._send_shared, chat_id, key, upload))
            for key, upload in rendered.shared
        )
        return parts

    async def _send(
        self, chat_id: int, rendered: Rendered, applying: list[OutboxItem]
    ) -> int | None:
        """Send the parts not sent before, recording each as it goes (a crash or a timeout
        repeats at most the part in flight); the id of the last text message."""
        done = min(item.parts_sent for item in applying)
        kept = next((item.pieces for item in applying if item.pieces), None)
        # a message cut short goes on with the text it started with, not a new rendering
        pieces = kept if done and kept else split_text(rendered.text)
        parts = self._parts(chat_id, rendered, pieces)
        message_id = next((item.message_id for item in applying if item.message_id), None)
        ids = [item.id for item in applying]
        for number, (is_text, call) in enumerate(parts, start=1):
            if number <= done:
                continue
            message = await self._call(call, chat_id)
            if is_text:
                message_id = message.message_id
            if number < len(parts):
                await self._store(
                    self.repos.outbox.part_sent,
                    ids,
                    number,
                    message_id if is_text else None,
                    pieces,
                )
        return message_id

    async def _send_shared(self, chat_id: int, key: str, upload: BufferedInputFile) -> Message:
        cached = await self.repos.meetings.cached_file(key)
        if cached is None:  # the first sender uploads; the others wait for its file_id
            async with self._uploads.setdefault(key, asyncio.Lock()):
                cached = await self.repos.meetings.cached_file(key)
                if cached is None:
                    sent = await self.bot.send_document(chat_id, upload)
                    if sent.document is not None:
                        await self._store(
                            self.repos.meetings.cache_file, key, sent.document.file_id
                        )
                    return sent
        return await self.bot.send_document(chat_id, cached)

    async def _call(self, send: Callable[[], Awaitable[Message]], chat_id: int) -> Message:
        """One Bot API call within the flood limits; a 429 waits `retry_after` and tries again."""
        for _attempt in range(RETRY_AFTER_TRIES):
            await self.limiter.wait(chat_id)
            try:
                return await send()
            except TelegramRetryAfter as error:
                self.limiter.pause(error.retry_after)
                log.info("flood limit: waiting %s s", error.retry_after)
        await self.limiter.wait(chat_id)
        return await send()

    async def _tell_controllers(self, person: Person, kind: str) -> None:
        for controller in await self.repos.staff.with_role(Role.CONTROLLER):
            await self.repos.outbox.enqueue(
                f"{kind}:{person.id}:{controller.id}",
                controller.id,
                kind,
                {"person_id": person.id},
            )


# --- renderers, one per outbox kind ------------------------------------------------------------


async def _item(deliverer: Deliverer, payload: dict[str, Any]) -> Assignment | None:
    return await deliverer.repos.assignments.get(int(payload["assignment_id"]))


def _today(deliverer: Deliverer) -> date:
    return deliverer.now.astimezone(deliverer.settings.zone).date()


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


NOTICE_LINES: dict[NoticeKind, str] = {
    NoticeKind.DEADLINE: N_("No. {number}: deadline {deadline}, {left}."),
    NoticeKind.REPORT_MAIN: N_(
        "No. {number}: the main executor's report is due by {due} (deadline {deadline})."
    ),
    NoticeKind.REPORT_CO: N_(
        "No. {number}: co-executors' input to the main executor is due by {due} "
        "(deadline {deadline})."
    ),
    NoticeKind.DEADLINE_DAY: N_("No. {number}: the deadline is today."),
    NoticeKind.OVERDUE: N_("No. {number}: overdue since {deadline}; executors: {executors}."),
    NoticeKind.REMOVAL_NOTE: N_(
        "No. {number}: the note on removal from control is due by {due} (deadline {deadline})."
    ),
}


async def render_notices(
    deliverer: Deliverer, items: list[OutboxItem], person: Person
) -> tuple[Rendered | None, list[OutboxItem]]:
    """Every due notice for one person in one message; those that no longer apply drop out."""
    cal = await load_calendar(deliverer.repos)
    today = _today(deliverer)
    language = person.language.value
    lines = [_("⏰ Deadlines of assignments on control:")]
    applying: list[OutboxItem] = []
    opened: list[Assignment] = []
    for item in sorted(items, key=lambda i: (i.payload["deadline"], i.payload["assignment_id"])):
        assignment = await _item(deliverer, item.payload)
        if (
            assignment is None
            or not assignment.is_open
            or assignment.deadline.isoformat() != item.payload["deadline"]
        ):
            continue  # removed, or the deadline moved: this notice no longer applies
        kind = NoticeKind(item.payload["kind"])
        left = working_days_left(cal, today, assignment.deadline)
        line = _(NOTICE_LINES[kind]).format(
            number=assignment.reg_number,
            deadline=date_with_weekday(assignment.deadline, language),
            due=long_date(date.fromisoformat(item.payload["due"]), language),
            left=ngettext("{count} working day left", "{count} working days left", left).format(
                count=left
            ),
            executors=executors_text(assignment),
        )
        if kind is NoticeKind.DEADLINE:
            cutoff = extension_cutoff(deliverer.profile, cal, assignment.deadline)
            if cutoff is not None and cutoff >= today:
                line += " " + _("An extension can be requested until {date}.").format(
                    date=long_date(cutoff, language)
                )
        if assignment.restricted:
            line += " " + _("Restricted: see the paper copy.")
        else:
            line += "\n" + short(assignment.summary)
        lines.append("• " + line)
        applying.append(item)
        if assignment not in opened:
            opened.append(assignment)
    if not applying:
        return None, []
    builder = InlineKeyboardBuilder()
    for assignment in opened[:VIEW_BUTTONS]:
        builder.button(
            text=f"🔎 {assignment.reg_number}",
            callback_data=ItemCallback(action="view", id=assignment.id),
        )
    builder.adjust(3)
    return Rendered("\n\n".join(lines), builder.as_markup()), applying


def short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def render_weekly(deliverer: Deliverer, item: OutboxItem, person: Person) -> Rendered | None:
    """The weekly control list with the fields of seed 003 §12.4, in the reader's language.

    A long list comes as an XLSX file with a short summary, not as dozens of messages.
    """
    language = person.language.value
    week_start = date.fromisoformat(item.payload["week_start"])
    open_items, _total = await deliverer.repos.assignments.list_open(limit=1_000_000)
    since = datetime.combine(week_start - timedelta(days=7), datetime.min.time(), UTC)
    removed = await deliverer.repos.assignments.removed_since(since)
    everything = open_items + removed
    if not person.roles & {Role.AKIM, Role.HEAD_OF_APPARATUS}:
        everything = [
            a for a in everything if {e.department_id for e in a.executors} & person.curates
        ]
    cal = await load_calendar(deliverer.repos)
    today = _today(deliverer)
    title = _("Weekly control list, week of {date}: {count}").format(
        date=long_date(week_start, language), count=len(everything)
    )
    if not everything:
        return Rendered(title + "\n\n" + _("Nothing on control."))
    # A long list takes seconds to build: off the event loop, so the bot keeps answering.
    rows = await asyncio.to_thread(
        lambda: [weekly_fields(assignment, cal, today, language) for assignment in everything]
    )
    if len(rows) <= WEEKLY_INLINE_MAX:
        entries = [
            "\n".join(
                [
                    row[0],
                    *(
                        f"{label}: {value}"
                        for label, value in zip(WEEKLY_LABELS, row[1:], strict=True)
                    ),
                ]
            )
            for row in rows
        ]
        return Rendered("\n\n".join([title, *entries]))
    lights = [row[0].split(" ", 1)[0] for row in rows]
    summary = " · ".join(f"{light} {lights.count(light)}" for light in dict.fromkeys(lights))
    data = await asyncio.to_thread(
        sheet_xlsx,
        title,
        [_("No."), *(_(label) for label in WEEKLY_LABELS)],
        [[row[0].split(" ", 1)[1], *row[1:]] for row in rows],
    )
    attachment = BufferedInputFile(data, filename=f"control-list-{week_start.isoformat()}.xlsx")
    text = "\n\n".join([title, summary, _("The full list is in the attached file.")])
    return Rendered(text, attachments=[attachment])


WEEKLY_INLINE_MAX = 30
WEEKLY_LABELS = (
    N_("Given by"),
    N_("Content"),
    N_("Executors"),
    N_("Deadline"),
    N_("Removed from control"),
    N_("Extension"),
    N_("Note"),
)


def weekly_fields(
    assignment: Assignment, cal: WorkCalendar, today: date, language: str
) -> list[str]:
    """«🔴 No. X» and the values of the §12.4 fields, in WEEKLY_LABELS order."""
    content = _("restricted: see the paper copy") if assignment.restricted else assignment.summary
    removal = _("no")
    if assignment.removal_ground is not None:
        removal = _(GROUND_TITLES[assignment.removal_ground])
    extension = (
        ngettext("extended {count} time", "extended {count} times", assignment.extensions).format(
            count=assignment.extensions
        )
        if assignment.extensions
        else _("no")
    )
    light = LIGHTS[traffic_light(cal, today, assignment.deadline)] if assignment.is_open else "⚪"
    return [
        f"{light} " + _("No. {number}").format(number=assignment.reg_number),
        f"{_(SOURCE_TITLES[assignment.source])}, {long_date(assignment.received, language)}",
        content,
        executors_text(assignment),
        long_date(assignment.deadline, language),
        removal,
        extension,
        _(STATUS_TITLES[assignment.status]),
    ]


async def render_unreachable(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    subject = await deliverer.repos.staff.get(int(item.payload["person_id"]))
    if subject is None:
        return None
    template = (
        _("{name} ({position}) has blocked the bot; messages to them are not delivered.")
        if item.kind == "unreachable"
        else _(
            "{name} ({position}) has not joined the bot yet; messages to them are not delivered."
        )
    )
    return Rendered(
        template.format(name=subject.full_name, position=subject.position or subject.code)
    )


async def render_extension_request(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    from handlers.extensions import decision_keyboard, request_text

    request = await deliverer.repos.extensions.get(int(item.payload["request_id"]))
    if request is None or request.status is not RequestStatus.PENDING:
        return None
    assignment = await deliverer.repos.assignments.get(request.assignment_id)
    if assignment is None or not assignment.is_open:
        return None
    requester = await deliverer.repos.staff.by_code(request.requested_by)
    department = next(
        (
            e.department_name
            for e in assignment.executors
            if e.department_id == request.department_id
        ),
        "",
    )
    who = f"{requester.full_name if requester else request.requested_by}, {department}"
    text = request_text(assignment, request, who, person.language.value)
    if item.kind == "extension_reminder":
        text = _("Reminder: this request is still waiting for your decision.") + "\n\n" + text
    return Rendered(text, decision_keyboard(request.id))


async def render_extension_decided(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    request = await deliverer.repos.extensions.get(int(item.payload["request_id"]))
    if request is None or request.status is RequestStatus.PENDING:
        return None
    assignment = await deliverer.repos.assignments.get(request.assignment_id)
    if assignment is None:
        return None
    language = person.language.value
    if request.status is RequestStatus.APPROVED and request.granted_deadline is not None:
        text = _(
            "The deadline of assignment No. {number} is extended to {date} (was {old})."
        ).format(
            number=assignment.reg_number,
            date=long_date(request.granted_deadline, language),
            old=long_date(request.old_deadline, language),
        )
    else:
        text = _(
            "The extension request for assignment No. {number} is rejected; the deadline stays "
            "{date}."
        ).format(
            number=assignment.reg_number, date=date_with_weekday(assignment.deadline, language)
        )
        if request.reject_reason:
            text += "\n" + _("Reason: {reason}").format(reason=request.reject_reason)
    return Rendered(text, _view_button(assignment))


async def render_extension_late(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    request = await deliverer.repos.extensions.get(int(item.payload["request_id"]))
    if request is None or request.status is not RequestStatus.PENDING:
        return None
    assignment = await deliverer.repos.assignments.get(request.assignment_id)
    if assignment is None or not assignment.is_open:
        return None
    return Rendered(
        _(
            "The extension request for assignment No. {number} (to {date}) is still undecided "
            "and the deadline has come."
        ).format(
            number=assignment.reg_number,
            date=long_date(request.new_deadline, person.language.value),
        ),
        _view_button(assignment),
    )


async def render_remarks_request(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    from handlers.remarks import request_keyboard, request_text

    rnd = await deliverer.repos.remarks.get(int(item.payload["round_id"]))
    if rnd is None or rnd.closed_at is not None:
        return None
    addressee = rnd.addressee_for(person.id)
    if addressee is None:
        return None
    if item.kind == "remarks_reminder" and addressee.answer is not Answer.PENDING:
        return None  # answered meanwhile
    initiator = await deliverer.repos.staff.get(rnd.initiator_id)
    text = request_text(rnd, initiator, person.language.value)
    if item.kind == "remarks_reminder":
        reminder = _("Reminder: your answer is expected by {date}.").format(
            date=long_date(rnd.due, person.language.value)
        )
        text = reminder + "\n\n" + text
    files = [] if rnd.restricted else [ReportFile(f.file_id, f.file_name) for f in rnd.files]
    if item.kind == "remarks_reminder":
        files = []
    return Rendered(text, request_keyboard(rnd.id), files)


async def render_remarks_answer(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    from handlers.remarks import answer_line, names_for, round_title

    rnd = await deliverer.repos.remarks.get(int(item.payload["round_id"]))
    if rnd is None:
        return None
    addressee = next(
        (a for a in rnd.addressees if a.id == int(item.payload["addressee_id"])), None
    )
    if addressee is None or addressee.answer is not Answer.REMARKS:
        return None
    names = await names_for(deliverer.repos, rnd)
    text = _("Remarks on «{title}»:").format(title=round_title(rnd))
    text += "\n" + answer_line(addressee, names[addressee.id], deliverer.settings.zone)
    files = [] if rnd.restricted else [ReportFile(f.file_id, f.file_name) for f in addressee.files]
    return Rendered(text, None, files)


async def render_remarks_final(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    from handlers.remarks import sheet_keyboard, sheet_text

    rnd = await deliverer.repos.remarks.get(int(item.payload["round_id"]))
    if rnd is None:
        return None
    text = _("The due date has passed. Final sheet:") + "\n\n"
    text += await sheet_text(
        deliverer.repos,
        deliverer.profile,
        rnd,
        deliverer.settings.zone,
        person.language.value,
        _today(deliverer),
    )
    return Rendered(text, sheet_keyboard(rnd.id))


RENDERERS: dict[str, Renderer] = {
    "remarks_request": render_remarks_request,
    "remarks_reminder": render_remarks_request,
    "remarks_answer": render_remarks_answer,
    "remarks_final": render_remarks_final,
    "extension_request": render_extension_request,
    "extension_reminder": render_extension_request,
    "extension_decided": render_extension_decided,
    "extension_late": render_extension_late,
    "weekly": render_weekly,
    "unreachable": render_unreachable,
    "unbound": render_unreachable,
    "card": render_card,
    "accepted": render_accepted,
    "report": render_report,
    "co_report": render_co_report,
    "removed": render_removed,
    "returned": render_returned,
    "declined": render_declined,
    "no_head": render_no_head,
}


def _register_meeting_renderers() -> None:
    """Meeting renderers live in bot.meeting_delivery, which needs this module's types."""
    from bot.meeting_delivery import MEETING_RENDERERS

    RENDERERS.update(MEETING_RENDERERS)


_register_meeting_renderers()
