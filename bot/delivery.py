"""The one sender: takes what is due from the outbox, renders it in the recipient's language at
send time (so it shows the item as it is now), sends, and records the outcome.

Nothing counts as sent before Telegram says ok. A blocked bot (403) marks the person unreachable;
429 waits `retry_after`; other failures retry with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import secrets
import socket
import sqlite3
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import ParamSpec, TypeVar

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n

from bot.assignments.notices import after_hours, quiet_until
from bot.config import Settings
from bot.outbox_kinds import SCHEDULED, Kind, digest_moment
from bot.profiles import Profile
from bot.services import load_calendar
from storage.db import is_storage_failure
from storage.domain.assignments import ReportFile
from storage.domain.enums import Role
from storage.models import Person
from storage.outbox import OutboxItem
from storage.repo import Repos

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")
MAX_ATTEMPTS = 8
CLAIM_BATCH = 200  # small claims: another sender or a restart takes over the rest
DIGEST_GRACE = 0.5  # seconds after a digest's moment before the drain that sends it
HEARTBEAT = 10.0  # seconds between renewals of the claims in progress (lease: 30 s)
STORE_TRIES = 3
HOST = socket.gethostname()
RETRY_AFTER_TRIES = 5
TEXT_LIMIT = 4096
VIEW_BUTTONS = 12
PARALLEL_CHATS = 32  # chats sent to side by side (the global rate still applies)


@dataclass(slots=True)
class Rendered:
    text: str
    markup: InlineKeyboardMarkup | None = None
    files: list[ReportFile] = field(default_factory=list)
    card: tuple[int, int] | None = None  # (assignment id, department id): remember the message
    attachments: list[BufferedInputFile] = field(default_factory=list)  # generated files
    # generated files that are the same for many recipients: built and uploaded once, then
    # re-sent by the file_id Telegram gave (see `SharedFile`)
    shared: list[SharedFile] = field(default_factory=list)
    # rings even at night and on days off (a marked item's card); anything else sent outside
    # working hours goes without sound (`disable_notification`)
    urgent: bool = False
    pictures: list[BufferedInputFile] = field(default_factory=list)  # generated, sent as photos
    # (chat id, message id): edit that message sent earlier to show this text and these
    # buttons instead of sending a new one (one text piece, no files); a message Telegram no
    # longer lets edit (too old, deleted) fails alone, like a refused send; an edit to what it
    # already shows is done (`bot.factory.LeaveUnchanged`)
    edit: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class SharedFile:
    """A generated file many people get with the same content (the weekly list's workbook for
    one scope, week and language; a meeting version's calendar file). `key` names what
    determines the content, `digest` fingerprints the content itself (`content_digest` of what
    the file is made from). `build` makes the file, and is called only when no file_id is
    stored for this key and digest: the first recipient's send uploads it, everyone after
    (also after a restart) gets the stored file_id; a changed content (another digest) is built
    and uploaded anew, and a file_id Telegram refuses is uploaded again. `photo`: sent as a
    picture, not a document."""

    key: str
    digest: str
    build: Callable[[], Awaitable[BufferedInputFile]]
    photo: bool = False


def content_digest(*parts: object) -> str:
    """A fingerprint of what a shared file is made from (JSON-able parts; dates as text)."""
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def ready(upload: BufferedInputFile) -> Callable[[], Awaitable[BufferedInputFile]]:
    """A `SharedFile.build` for a file already made (cheap to make, e.g. a calendar file)."""

    async def build() -> BufferedInputFile:
        return upload

    return build


@dataclass(slots=True)
class DeliveryStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    deferred: int = 0
    held: int = 0  # for people who have not joined or have blocked the bot


Renderer = Callable[["Deliverer", OutboxItem, Person], Awaitable[Rendered | None]]
# A grouped kind's renderer takes all of one person's items due together: (message, items it
# covers); the items it leaves out no longer apply.
GroupRenderer = Callable[
    ["Deliverer", list[OutboxItem], Person],
    Awaitable[tuple[Rendered | None, list[OutboxItem]]],
]


@dataclass(frozen=True, slots=True)
class Renderers:
    """What the sender shows for each outbox kind; built by the composition root from the
    handlers (the sender itself knows no feature)."""

    single: Mapping[str, Renderer]
    grouped: Mapping[str, GroupRenderer] = field(default_factory=dict)

    def missing(self) -> list[Kind]:
        """Kinds with no renderer (a test keeps this empty)."""
        return [
            kind
            for kind in Kind
            if (kind.grouped and kind not in self.grouped)
            or (not kind.grouped and kind not in self.single)
        ]


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
        renderers: Renderers,
        background: bool = True,
    ) -> None:
        self.bot = bot
        self.renderers = renderers
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
        self._tasks: set[asyncio.Task[None]] = set()
        self._wakes: dict[datetime, asyncio.TimerHandle] = {}  # drains due at a digest's moment
        self.now = datetime.now(UTC)  # the moment being delivered for (rendering uses it)
        self._now_taken = time.monotonic()  # when `now` was taken (the heartbeat adds to it)
        self.closed = False
        self.after_hours = False  # at the moment of the batch being sent: quiet sends

    async def close(self) -> None:
        """Stop delivering: wait for the drain in progress (its records commit) and start no
        other. What is left stays in the outbox for the next start."""
        self.closed = True
        for wake in self._wakes.values():
            wake.cancel()
        self._wakes.clear()
        await self.wait_idle()
        async with self._lock:
            pass

    def kick(self, *, now: bool = True) -> None:
        """Deliver soon, without making the caller wait (handlers call this after a change);
        and again when this minute's digests fall due (`digest_moment`), so a digest goes out
        at the end of its minute rather than at the next regular drain. `now=False`: only
        then (what was queued waits for that moment)."""
        if not self.background or self.closed:
            return
        if now:
            self._start()
        due = digest_moment(datetime.now(UTC))
        if due not in self._wakes:
            delay = (due - datetime.now(UTC)).total_seconds() + DIGEST_GRACE
            self._wakes[due] = asyncio.get_running_loop().call_later(delay, self._woken, due)

    def _woken(self, due: datetime) -> None:
        self._wakes.pop(due, None)
        if not self.closed:
            self._start()

    def _start(self) -> None:
        task = asyncio.get_running_loop().create_task(self._background_drain())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _background_drain(self) -> None:
        """A drain nobody waits for (a kick, a digest's minute): a database busy beyond its
        timeout (a long import in another process holds the writer) is logged in one line;
        the claimed messages went back to the queue and the next drain sends them."""
        try:
            await self.drain()
        except Exception as error:
            if not is_storage_failure(error):
                raise
            log.warning("sender: the database is busy (%s); the next drain retries", error)

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
            self.now, self._now_taken = moment_now, time.monotonic()
            items = await self.repos.outbox.claim(
                moment_now, limit=CLAIM_BATCH, owner=self.owner, dead_owners=dead
            )
            if not items:
                return
            self.after_hours = await self._after_hours(moment_now)  # once a batch
            # one person's messages go in order; different people's go side by side
            people: dict[int, dict[str, list[OutboxItem]]] = {}
            for item in items:
                key = item.kind if item.kind in self.renderers.grouped else item.key
                people.setdefault(item.person_id, {}).setdefault(key, []).append(item)
            slots = asyncio.Semaphore(PARALLEL_CHATS)
            await asyncio.gather(
                *(
                    self._person_turn(list(groups.values()), slots, moment_now, stats)
                    for groups in people.values()
                )
            )

    async def _heartbeat(self) -> None:
        """Renew this sender's claims while it works, in the time base of the drain: the moment
        of the latest claim plus the time since it was made."""
        while True:
            await asyncio.sleep(HEARTBEAT)
            at = self.now + timedelta(seconds=time.monotonic() - self._now_taken)
            await self._store(self.repos.outbox.renew, self.owner, at)

    async def _store(
        self, step: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """A storage step of the sender's, tried again a few times when the store fails (a
        message already sent must be recorded, or it would be sent again)."""
        for attempt in range(STORE_TRIES):
            try:
                return await step(*args, **kwargs)
            except sqlite3.DatabaseError as error:
                if not is_storage_failure(error) or attempt == STORE_TRIES - 1:
                    raise
                log.warning("sender: storage failed (%s); trying again", error)
                await asyncio.sleep(0.2 * (attempt + 1))
        raise AssertionError("unreachable: the last try raises")

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
        silent = self.after_hours and not rendered.urgent
        try:
            message_id = await self._send(person.telegram_id, rendered, applying, silent=silent)
        except (TelegramNetworkError, TelegramAPIError, ClientDecodeError) as error:
            # (ClientDecodeError: an answer that is not Telegram's, e.g. a proxy's 502 page)
            failed, retried = await self._store(self._failed, person, applying, error, now)
            stats.failed += failed
            stats.retried += retried
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
        if person is None:
            async with self.repos.transaction():
                for item in items:
                    await self.repos.outbox.mark_failed(item.id, error="no such person")
            stats.failed += len(items)
            return None
        if person.telegram_id is None or person.unreachable:  # joined or came back meanwhile?
            await self._hold(items, "blocked" if person.telegram_id else "not joined yet")
            stats.held += len(items)
            return None
        with self.i18n.context(), self.i18n.use_locale(person.language.value):
            group = self.renderers.grouped.get(first.kind)
            if group is not None:
                rendered, applying = await group(self, items, person)
            else:
                renderer = self.renderers.single.get(first.kind)
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
        error: TelegramNetworkError | TelegramAPIError | ClientDecodeError,
        now: datetime,
    ) -> tuple[int, int]:
        """Record a send Telegram refused or that did not get through: (failed, to retry).
        Counted by the caller once the unit commits (a retried unit is not counted twice)."""
        failed = retried = 0
        async with self.repos.transaction():
            if isinstance(error, TelegramForbiddenError):  # blocked: held until they are back
                await self._hold(applying, str(error))
                if not person.unreachable:
                    await self.repos.staff.set_unreachable(person, True, actor="system")
                    await self._tell_controllers(person, Kind.UNREACHABLE)
                return 0, len(applying)
            log.warning("delivery to %s failed: %s", person.code, error)
            for item in applying:
                if isinstance(error, TelegramBadRequest) or item.attempts >= MAX_ATTEMPTS:
                    await self.repos.outbox.mark_failed(item.id, error=str(error))
                    failed += 1
                else:
                    backoff = timedelta(seconds=min(600, 5 * 2**item.attempts))
                    await self.repos.outbox.retry_later(
                        item.id, error=str(error), at=now + backoff
                    )
                    retried += 1
        return failed, retried

    async def _hold(self, items: list[OutboxItem], reason: str) -> None:
        """Back to the queue, due as before: held while the person has not joined or has
        blocked the bot (the claim skips them), sent as things are then once they are here."""
        async with self.repos.transaction():
            for item in items:
                await self.repos.outbox.retry_later(item.id, error=reason, at=item.not_before)

    async def _after_hours(self, now: datetime) -> bool:
        cal = await load_calendar(self.repos)
        return after_hours(self.profile, cal, now.astimezone(self.settings.zone))

    def _parts(
        self, chat_id: int, rendered: Rendered, pieces: list[str], *, silent: bool = False
    ) -> list[tuple[bool, SendCall]]:
        """The message as Bot API calls in order: (is text, call). The text pieces (at most
        4,096 characters each) with the buttons on the last one; then files, generated pictures,
        generated files, and shared generated files (uploaded once, then re-sent by file_id).
        `silent`: every part without sound."""
        quiet = silent or None  # None: Telegram's default, with sound
        parts: list[tuple[bool, SendCall]] = []
        for index, piece in enumerate(pieces):
            markup = rendered.markup if index == len(pieces) - 1 else None
            parts.append(
                (
                    True,
                    partial(
                        self.bot.send_message,
                        chat_id,
                        piece,
                        reply_markup=markup,
                        disable_notification=quiet,
                    ),
                )
            )
        parts.extend(
            (
                False,
                partial(
                    self.bot.send_document,
                    chat_id,
                    file.file_id,
                    caption=file.file_name,
                    disable_notification=quiet,
                ),
            )
            for file in rendered.files
        )
        parts.extend(
            (False, partial(self.bot.send_photo, chat_id, picture, disable_notification=quiet))
            for picture in rendered.pictures
        )
        parts.extend(
            (
                False,
                partial(self.bot.send_document, chat_id, attachment, disable_notification=quiet),
            )
            for attachment in rendered.attachments
        )
        parts.extend(
            (False, partial(self._send_shared, chat_id, shared, silent=silent))
            for shared in rendered.shared
        )
        return parts

    async def _send(
        self, chat_id: int, rendered: Rendered, applying: list[OutboxItem], *, silent: bool = False
    ) -> int | None:
        """Send the parts not sent before, recording each as it goes (a crash or a timeout
        repeats at most the part in flight); the id of the last text message."""
        if rendered.edit is not None:
            return await self._edit(rendered, *rendered.edit)
        done = min(item.parts_sent for item in applying)
        kept = next((item.pieces for item in applying if item.pieces), None)
        # a message cut short goes on with the text it started with, not a new rendering
        pieces = kept if done and kept else split_text(rendered.text)
        parts = self._parts(chat_id, rendered, pieces, silent=silent)
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

    async def _edit(self, rendered: Rendered, chat_id: int, message_id: int) -> int:
        """Edit a message sent earlier to show `rendered` (its text and buttons)."""
        edit = partial(
            self.bot.edit_message_text,
            text=rendered.text[:TEXT_LIMIT],
            chat_id=chat_id,
            message_id=message_id,
            reply_markup=rendered.markup,
        )
        await self._call(edit, chat_id)
        return message_id

    async def _send_shared(
        self, chat_id: int, shared: SharedFile, *, silent: bool = False
    ) -> Message:
        """The shared file by its stored file_id, or built and uploaded by the first sender
        (the others wait for its file_id); a file_id Telegram refuses is uploaded again."""
        files = self.repos.shared_files
        refused = None
        cached = await files.file_id(shared.key, shared.digest)
        if cached is not None:
            try:
                return await self._send_file(chat_id, shared, cached, silent=silent)
            except TelegramBadRequest as error:  # Telegram no longer knows it: upload anew
                log.warning("shared file %s: file_id refused (%s)", shared.key, error)
                await self._store(files.forget, shared.key, cached)
                refused = cached
        async with self._uploads.setdefault(shared.key, asyncio.Lock()):
            cached = await files.file_id(shared.key, shared.digest)
            if cached is not None and cached != refused:  # uploaded meanwhile
                return await self._send_file(chat_id, shared, cached, silent=silent)
            sent = await self._send_file(chat_id, shared, await shared.build(), silent=silent)
            if sent.document is not None:
                await self._store(files.remember, shared.key, shared.digest, sent.document.file_id)
            elif sent.photo:
                await self._store(
                    files.remember, shared.key, shared.digest, sent.photo[-1].file_id
                )
            return sent

    async def _send_file(
        self, chat_id: int, shared: SharedFile, file: str | BufferedInputFile, *, silent: bool
    ) -> Message:
        quiet = silent or None
        if shared.photo:
            return await self.bot.send_photo(chat_id, file, disable_notification=quiet)
        return await self.bot.send_document(chat_id, file, disable_notification=quiet)

    async def _call(self, send: Callable[[], Awaitable[T]], chat_id: int) -> T:
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
