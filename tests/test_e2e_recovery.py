"""End to end, with the real bot process polling the fake Bot API:

- kill -9 while it delivers a few hundred messages (one of them a digest of hundreds of
  deadline notices, one short message), twice: after the restarts every message has arrived,
  only what was in flight at a kill went again (once), and the dead sender's claims are taken
  over at once, not waited out;
- `assignments import` of a large CSV while the bot runs: the bot keeps answering, and a second
  import at the same time is told another one is running and changes nothing.

Every `python -m bot` here pays several seconds of start-up (importing aiogram), so the data is
written straight into the database file beforehand, and the imports are started early and fed
their CSV through a named pipe exactly when the test wants them to go on.
"""

from __future__ import annotations

import asyncio
import errno
import os
import re
import signal
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.delivery import CLAIM_BATCH
from bot.staff.csv_import import parse_staff_csv
from storage.db import open_database
from storage.domain.assignments import ControlType, NewAssignment
from storage.domain.enums import Language, Source
from storage.repo import Repos
from tests.conftest import STAFF_CSV
from tests.e2e import bot_env, onboard, start_bot, to_chat
from tests.fake_api import ApiCall, FakeBotAPI

START_TIMEOUT = 90.0  # s for a `python -m bot` to be up, on a busy machine


async def until(check: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll for an outcome, for at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.01)


class HeldAPI(FakeBotAPI):
    """A fake Bot API that holds every call until `opened` is set. A bot started against it
    pays its start-up (seconds of imports) and then waits in its first call (setMyCommands,
    before the scheduler or the sender start): a restart that goes on right after a kill."""

    def __init__(self) -> None:
        super().__init__()
        self.opened = asyncio.Event()
        self.held = 0

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        self.held += 1
        await self.opened.wait()
        return await super()._handle_method(request)


class Processes:
    """The `python -m bot` processes of a test. Bot runs log to files (checked at the end);
    whatever still runs when the test ends is killed, so a failure leaves nothing behind."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env = env
        self.folder = folder
        self.logs: list[Path] = []
        self.running: list[asyncio.subprocess.Process] = []

    async def command(self, *args: str) -> asyncio.subprocess.Process:
        """`python -m bot *args`, its stdout and stderr piped."""
        process = await start_bot(self.env, self.folder, *args)
        self.running.append(process)
        return process

    async def spawn(self, api: FakeBotAPI) -> asyncio.subprocess.Process:
        """The bot against `api`, logging to its own file."""
        log = self.folder / f"bot-{len(self.logs)}.log"
        self.logs.append(log)
        env = self.env | {"BOT_API_URL": api.base_url}
        with log.open("wb") as sink:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                env=env,
                cwd=self.folder,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=sink,
            )
        self.running.append(process)
        return process

    async def bot(self, api: FakeBotAPI) -> asyncio.subprocess.Process:
        """The bot against `api`, once it polls for updates."""
        process = await self.spawn(api)
        await api.wait_for("getUpdates", timeout=START_TIMEOUT)
        return process

    @staticmethod
    async def kill(process: asyncio.subprocess.Process) -> None:
        process.send_signal(signal.SIGKILL)
        await asyncio.wait_for(process.wait(), timeout=10)

    async def stop(self, process: asyncio.subprocess.Process) -> None:
        """SIGTERM: the bot must exit with code 0."""
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), timeout=30)
        assert code == 0, self.tracebacks()

    def tracebacks(self) -> list[str]:
        """Each traceback in the bot runs' logs, with the line before it."""
        found = []
        for log in self.logs:
            lines = log.read_text().splitlines()
            found += [
                "\n".join(lines[max(0, index - 1) : index + 40])
                for index, line in enumerate(lines)
                if line.startswith("Traceback")
            ]
        return found

    async def close(self) -> None:
        for process in self.running:
            if process.returncode is None:
                process.kill()
                await process.wait()


@asynccontextmanager
async def processes(env: dict[str, str], folder: Path) -> AsyncIterator[Processes]:
    started = Processes(env, folder)
    try:
        yield started
    finally:
        await started.close()


def query(path: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    """Rows of a read-only query on the database file (committed data)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return list(conn.execute(sql, params).fetchall())
    finally:
        conn.close()


# --- kill -9 during delivery ---------------------------------------------------------------------

RECIPIENTS = 150  # people bound to their own chats, two messages each
PER_RECIPIENT = 2
# deadline notices for the controller at once: one short digest of more rows than the sender
# claims at a time (CLAIM_BATCH), like the control department's digest of a sweep
NOTICES = CLAIM_BATCH + 10
FIRST_CHAT = 6_000_000
CTRL_CHAT = 6_999_999
DEPARTMENT = "Сынақ бөлімі"
KILLS = 2
IN_FLIGHT = 1.0  # s: a message sent this shortly before a kill may not be recorded yet
FIRST_KILL = 100  # sends before the first kill, of 301
SECOND_KILL = 200  # sends before the second kill (the digest goes last)
FINISH_WITHIN = 60.0  # s after the last kill (a claim waited out took 5 minutes)
TAKEN_OVER_WITHIN = 10.0  # s after the restart is up (the lease, 30 s, is not waited out)


def subject_name(index: int) -> str:
    return f"Тұлға {index:03d}"


def reg_number(index: int) -> str:
    return f"R-{index:03d}"


def midday_zone() -> str:
    """A fixed-offset zone where it is about noon now, inside the working hours (09-18), so
    the deadline notices are not held back for quiet hours whenever the test runs."""
    offset = (12 - datetime.now(UTC).hour) % 24
    if offset > 14:
        offset -= 24
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"  # Etc/GMT-5 is UTC+5


@dataclass
class Seeded:
    """The outbox before the bot starts, and what each chat must receive."""

    rows: int = 0
    expected: dict[int, set[str]] = field(default_factory=dict)  # chat: subject names
    numbers: list[str] = field(default_factory=list)  # in the controller's digest


async def seed_outbox(path: Path, zone: ZoneInfo) -> Seeded:
    """People bound to chats, assignments, and their outbox rows, written straight into the
    database file (migrated by opening it) before the bot starts. The controller comes last
    (the sender claims in the order of people), so the digest goes after the others."""
    lines = ["code,full_name,position,department,roles,language,curates"]
    lines += [
        f"r{index:03d},Алушы {index:03d},Маман,{DEPARTMENT},executor,"
        f"{'kk' if index % 2 else 'ru'},"
        for index in range(RECIPIENTS)
    ]
    lines += [
        f"s{index:03d},{subject_name(index)},Маман,{DEPARTMENT},executor,kk,"
        for index in range(RECIPIENTS * PER_RECIPIENT)
    ]
    lines.append("ctrl,Бақылаушы Бас,Главный специалист,Отдел контроля,controller,ru,")
    today = datetime.now(zone).date()
    seeded = Seeded()
    db = await open_database(path)
    try:
        repos = Repos(db)
        await repos.staff.import_staff(
            parse_staff_csv("\n".join(lines) + "\n", Language.KK), actor="test"
        )
        # a working day whatever the calendar says, so the notices go out now
        await repos.calendar.set_override(today, True, "e2e test", author="test")
        stamp = datetime.now(UTC).isoformat()
        chats = {"ctrl": CTRL_CHAT} | {
            f"r{index:03d}": FIRST_CHAT + index for index in range(RECIPIENTS)
        }
        async with db.transaction() as conn:
            await conn.executemany(
                "UPDATE people SET telegram_id = ?, bound_at = ?, language_chosen = 1"
                " WHERE code = ?",
                [(chat, stamp, code) for code, chat in chats.items()],
            )
        people = {person.code: person.id for person in await repos.staff.all_people()}
        assert people["ctrl"] == max(people.values())
        created = await repos.assignments.import_many(
            [
                (
                    NewAssignment(
                        reg_number=reg_number(index),
                        received=today,
                        source=Source.AKIM,
                        summary=f"Тапсырма {index:03d}",
                        executors=(DEPARTMENT,),
                    ),
                    today + timedelta(days=200 + index),
                    ControlType.LONG,
                )
                for index in range(NOTICES)
            ],
            registered_on=today,
            actor="test",
        )
        seeded.numbers = [item.reg_number for item in created]
        rows: list[tuple[str, int, str, dict[str, object]]] = []
        for index in range(RECIPIENTS):
            for subject in range(index * PER_RECIPIENT, (index + 1) * PER_RECIPIENT):
                payload: dict[str, object] = {"person_id": people[f"s{subject:03d}"]}
                rows.append(
                    (f"unreachable:{subject}", people[f"r{index:03d}"], "unreachable", payload)
                )
                seeded.expected.setdefault(FIRST_CHAT + index, set()).add(subject_name(subject))
        for item in created:
            due = item.deadline - timedelta(days=3)
            notice = {
                "assignment_id": item.id,
                "kind": "deadline",
                "due": due.isoformat(),
                "deadline": item.deadline.isoformat(),
            }
            key = f"notice:{item.id}:deadline:{due}:{people['ctrl']}"
            rows.append((key, people["ctrl"], "notice", notice))
        seeded.rows = await repos.outbox.enqueue_many(
            rows, not_before=datetime.now(UTC) - timedelta(minutes=1)
        )
        assert seeded.rows == len(rows)
    finally:
        await db.close()
    return seeded


# Hundreds of items due for one person on purpose (a stress of the sender): their deadline
# notices go as one message of a phone screen (the counts, the first lines, «… и ещё N»).
async def test_kill_9_mid_delivery_loses_nothing_and_repeats_only_what_was_in_flight(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    zone = midday_zone()
    env = bot_env(api, tmp_path)
    env["TIMEZONE"] = zone
    env["SEND_RATE"] = "29"  # the highest allowed; each chat still gets one message a second
    database = Path(env["DATABASE_PATH"])
    seeded = await seed_outbox(database, ZoneInfo(zone))
    second, third = HeldAPI(), HeldAPI()  # the restarts', one each
    apis = [api, second, third]

    def sends() -> list[ApiCall]:
        calls = [call for server in apis for call in server.calls("sendMessage") if call.ok]
        return sorted(calls, key=lambda call: call.time)

    def digests() -> list[str]:
        return [str(c.params["text"]) for c in sends() if c.params["chat_id"] == CTRL_CHAT]

    def missing() -> list[str]:
        """The subjects and notices that have not reached their chat (yet)."""
        texts: dict[int, str] = {}
        for call in sends():
            chat = int(call.params["chat_id"])
            texts[chat] = texts.get(chat, "") + "\n" + str(call.params["text"])
        return [
            name
            for chat, names in seeded.expected.items()
            for name in sorted(names)
            if name not in texts.get(chat, "")
        ] + ([] if digests() else ["the controller's digest"])

    def outbox() -> dict[str, int]:
        rows = query(database, "SELECT status, COUNT(*) FROM outbox GROUP BY status")
        return {str(status): int(str(count)) for status, count in rows}

    def claims() -> dict[str, int]:
        """Rows left 'sending', by owner."""
        rows = query(
            database,
            "SELECT claimed_by, COUNT(*) FROM outbox WHERE status = 'sending' GROUP BY claimed_by",
        )
        return {str(owner): int(str(count)) for owner, count in rows}

    async with second, third, processes(env, tmp_path) as started:
        # the restarts are started early; each waits in its first call until it may go on
        restarts = [await started.spawn(second)]
        bot = await started.bot(api)
        restarts.append(await started.spawn(third))
        # the first kill: a third of the messages sent
        await until(lambda: len(sends()) >= FIRST_KILL, 60, f"{FIRST_KILL} messages sent")
        await started.kill(bot)
        kills = [time.monotonic()]
        first_kill = len(sends())
        assert claims(), "the kill left no claim behind"

        second.opened.set()
        bot = restarts[0]
        # the second kill: two thirds sent, before the controller's digest (it goes last)
        await until(lambda: len(sends()) >= SECOND_KILL, START_TIMEOUT, f"{SECOND_KILL} sent")
        await started.kill(bot)
        kills.append(time.monotonic())
        second_kill = len(sends())
        dead = claims()
        assert dead, "the kill left no claim behind"

        third.opened.set()
        bot = restarts[1]
        await until(lambda: third.held > 0, START_TIMEOUT, "the restarted bot is up")
        # the dead sender's claims are taken over by the first drain, not left to expire
        await until(
            lambda: not set(claims()) & set(dead),
            TAKEN_OVER_WITHIN,
            f"the claims of the killed bot {dead} taken over",
        )
        # until every message arrived, or the outbox says there is nothing more to send
        await until(
            lambda: not missing() or not {"pending", "sending"} & set(outbox()),
            FINISH_WITHIN,
            "every message arrived",
        )
        finished = time.monotonic() - kills[-1]
        lost = missing()
        await until(lambda: outbox() == {"sent": seeded.rows}, 10, "every row recorded as sent")
        await started.stop(bot)
        tracebacks = started.tracebacks()

    calls = sends()
    sent_at: dict[tuple[int, str], list[float]] = {}
    for call in calls:
        sent_at.setdefault((int(call.params["chat_id"]), str(call.params["text"])), []).append(
            call.time
        )
    repeated = {key: times for key, times in sent_at.items() if len(times) > 1}
    digest = [str(c.params["text"]) for c in calls if c.params["chat_id"] == CTRL_CHAT]
    report = (
        f"{len(calls)} sends; killed after {first_kill} and after {second_kill} (claims left"
        f" {dead});"
        f" {sum(len(times) - 1 for times in repeated.values())} repeated, first sent"
        f" {[[round(kill - times[0], 3) for kill in kills] for times in repeated.values()]}"
        f" s before the kills; all arrived {finished:.1f} s after the last kill"
    )
    assert lost == [], f"lost {len(lost)}: {lost}; {report}"
    # only what was in flight at a kill (sent, not yet recorded) went again, and only once
    for times in repeated.values():
        assert len(times) == 2, report
        assert any(0 <= kill - times[0] <= IN_FLIGHT for kill in kills), report
    # every notice in one short message, the rest counted and reachable by /control
    [text] = list(dict.fromkeys(digest))
    assert len(digest) <= 2 and len(text) <= 1500, report
    assert text.startswith(f"⏰ Сроки поручений на контроле: {NOTICES}\n"), text
    shown = [number for number in seeded.numbers if f"{number}:" in text]
    assert shown == seeded.numbers[: len(shown)] and shown, text
    assert text.endswith(f"… и ещё {NOTICES - len(shown)} — /control"), text
    assert finished < FINISH_WITHIN, report
    assert tracebacks == [], "\n\n".join(tracebacks)


# --- a large import while the bot runs -----------------------------------------------------------

IMPORT_ROWS = 3000
TAPS = 5  # /help and /my in turn, one after each unit the import commits
ANSWER_WITHIN = 2.0  # s; before the store was rebuilt, taps went unanswered
USER = 5401  # ctrl, the control department, joined (Russian)


def assignments_csv(prefix: str, rows: int, today: date) -> str:
    deadline = today + timedelta(days=60)
    lines = ["reg_number,received,source,issuer_code,summary,executors,deadline,mark,restricted"]
    lines += [
        f"{prefix}-{index:05d},{today},akim,,Жол жөндеу жоспары {index},Отдел образования,"
        f"{deadline},,0"
        for index in range(rows)
    ]
    return "\n".join(lines) + "\n"


async def feed(fifo: Path, text: str, timeout: float = START_TIMEOUT) -> None:
    """Write `text` into the named pipe a command reads its file from: the command, started
    early, pays its start-up meanwhile and goes on exactly when fed."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError as error:  # ENXIO: nobody has opened it for reading yet
            if error.errno != errno.ENXIO or time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)
    os.set_blocking(fd, True)

    def write() -> None:
        with os.fdopen(fd, "wb") as pipe:
            pipe.write(text.encode())

    await asyncio.to_thread(write)


async def seed_staff(path: Path) -> str:
    """The staff directory of tests.conftest; an invitation token for the controller (their
    /control counts every open item; the imported cards go to the heads, not to them)."""
    db = await open_database(path)
    try:
        repos = Repos(db)
        await repos.staff.import_staff(parse_staff_csv(STAFF_CSV, Language.KK), actor="test")
        person = await repos.staff.by_code("ctrl")
        assert person is not None
        invitation = await repos.invitations.issue(person, ttl=timedelta(days=1), actor="test")
    finally:
        await db.close()
    return invitation.token


async def test_large_import_while_the_bot_answers_and_a_second_import_is_refused(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    env = bot_env(api, tmp_path)
    database = Path(env["DATABASE_PATH"])
    token = await seed_staff(database)
    today = datetime.now(ZoneInfo("Asia/Almaty")).date()
    big, more = tmp_path / "big.csv", tmp_path / "more.csv"
    os.mkfifo(big)
    os.mkfifo(more)
    progress: list[tuple[float, str]] = []  # (when read, line) from the import's stderr
    answers: list[tuple[float, float, str]] = []  # (asked, answered, text)

    async with processes(env, tmp_path) as started:
        # both imports start with the bot; each waits for its file until it is fed
        first = await started.command("assignments", "import", big.name)
        second = await started.command("assignments", "import", more.name)
        bot = await started.bot(api)
        await onboard(api, USER, token, "ru")

        async def read_progress() -> None:
            assert first.stderr is not None
            while line := await first.stderr.readline():
                progress.append((time.monotonic(), line.decode()))

        def committed(units: int) -> bool:
            return len(progress) >= units

        reader = asyncio.create_task(read_progress())
        await feed(big, assignments_csv("77", IMPORT_ROWS, today))
        await until(lambda: bool(progress), 60, "the import reports its progress")
        # the second import reads its file now, while the first one is registering
        await feed(more, assignments_csv("88", 5, today))
        for tap in range(TAPS):
            # a tap after each unit of work the import commits
            await until(partial(committed, tap + 1), 60, "the import goes on")
            mark = api.mark()
            asked = time.monotonic()
            api.send_text(USER, "/help" if tap % 2 == 0 else "/control", language_code="ru")
            reply = await api.wait_for("sendMessage", to_chat(USER), timeout=60, after=mark)
            answers.append((asked, reply.time, str(reply.params["text"])))

        out2, err2 = await asyncio.wait_for(second.communicate(), timeout=60)
        assert first.stdout is not None
        out1 = await asyncio.wait_for(first.stdout.read(), timeout=120)
        await asyncio.wait_for(reader, timeout=60)
        code1 = await asyncio.wait_for(first.wait(), timeout=60)
        await started.stop(bot)
        tracebacks = started.tracebacks()

    err1 = "".join(line for _, line in progress)
    assert code1 == 0, err1
    assert f"big.csv: {IMPORT_ROWS} assignments registered" in out1.decode(), out1.decode()
    assert "Traceback" not in err1, err1

    # the second import: refused at once, in a sentence naming the first, and nothing else
    assert second.returncode == 1, err2.decode()
    assert "Traceback" not in err2.decode(), err2.decode()
    assert f"another import is running (pid {first.pid}, since " in err2.decode(), err2.decode()
    assert "nothing was imported" in err2.decode(), err2.decode()
    assert out2.decode() == ""

    # every tap was answered promptly, while the import was still registering
    done = f"big.csv: {IMPORT_ROWS} of {IMPORT_ROWS} registered\n"
    registered_at = next(moment for moment, line in progress if line == done)
    latencies = [round(answered - asked, 2) for asked, answered, _ in answers]
    assert all(answered < registered_at for _, answered, _ in answers), (latencies, err1)
    assert max(latencies) < ANSWER_WITHIN, latencies
    assert all("здесь вы можете:" in text for _, _, text in answers[::2]), answers
    counts = []
    for _, _, text in answers[1::2]:
        found = re.match(r"На контроле: (\d+)", text)
        assert found is not None, text
        counts.append(int(found.group(1)))
    # /control shows the import's units as they commit
    assert counts == sorted(set(counts)), counts
    assert counts[0] > 0 and counts[-1] < IMPORT_ROWS, counts

    # every row registered once, each with its card; nothing from the refused file
    numbers = Counter(str(row[0]) for row in query(database, "SELECT reg_number FROM assignments"))
    assert numbers == Counter(f"77-{index:05d}" for index in range(IMPORT_ROWS))
    assert query(database, "SELECT COUNT(*) FROM audit WHERE action = 'register'") == [
        (IMPORT_ROWS,)
    ]
    assert query(database, "SELECT COUNT(*) FROM outbox WHERE kind = 'card'") == [(IMPORT_ROWS,)]
    # and the bot stopped cleanly (SIGTERM) while the cards were being handled
    assert tracebacks == [], "\n\n".join(tracebacks)
