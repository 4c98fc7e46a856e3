"""Command-line actions (`python -m bot …`) other than running the bot."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.calendar import WorkCalendar
from bot.config import Settings, SettingsError
from bot.profiles import Profile, load_profile
from bot.staff.csv_import import parse_staff_csv
from bot.staff.invites import PersonRemoved, current_invitation, invitation_link
from storage.assignments import ImportInterrupted
from storage.db import Busy, backup_to, check_copy, connect, exclusive
from storage.domain.enums import Role
from storage.domain.staff import CsvProblem
from storage.models import Person
from storage.repo import Repos

# aiogram (and handlers/, for the sender's renderers) takes seconds to import: only the commands
# that send messages import it, and only when there is something to send.
CLI_ACTOR = "cli"
PROGRESS_FROM = 2000  # rows: a larger import reports its progress on stderr


class CliError(Exception):
    """A user mistake on the command line: printed as one line, exit status 1."""


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise CliError(f"{path}: not UTF-8 text; save the CSV as UTF-8") from None


def parse_day(text: str) -> date:
    for parse in (date.fromisoformat, _dotted):
        try:
            return parse(text)
        except ValueError:
            continue
    raise CliError(f"{text!r} is not a date; write YYYY-MM-DD or dd.mm.yyyy")


def _dotted(text: str) -> date:
    day, month, year = text.split(".")
    return date(int(year), int(month), int(day))


@contextlib.contextmanager
def one_import(settings: Settings) -> Iterator[None]:
    """Imports one at a time on a database; a second one is told so and changes nothing."""
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(exclusive(settings.database_path, "import"))
        except Busy as busy:
            raise CliError(
                f"{busy}; wait for it to finish and try again: nothing was imported"
            ) from None
        yield


@contextlib.contextmanager
def nothing_imported(path: Path) -> Iterator[None]:
    """A bad row stops an import, said in one line with what was written (nothing, or the rows
    before it when it turned bad mid-way)."""
    try:
        yield
    except ImportInterrupted as stop:
        raise CliError(
            f"{path}: {stop}; the {stop.registered} rows before it were registered,"
            f" nothing from line {stop.line} on: correct the file, remove the rows"
            " already registered and import the rest"
        ) from None
    except CsvProblem as problem:
        raise CliError(f"{path}: {problem}; nothing was imported") from None


async def staff_import(settings: Settings, path: Path, *, sync: bool = False) -> None:
    from bot import services
    from bot.staff.steps import import_staff

    text = read_text(path)
    profile = load_profile(settings.regulation_profile, settings.regulation_overrides)
    with nothing_imported(path):
        rows = parse_staff_csv(text, settings.default_language)
        with one_import(settings):
            async with connect(settings.database_path) as db:
                repos = Repos(db)
                ctx = await services.make_context(repos, profile, settings)
                done = await import_staff(ctx, rows, actor=CLI_ACTOR, sync=sync)
                departments = {d.id: d.name for d in await repos.staff.departments()}
    counts = done.counts
    out(
        f"{path}: {len(rows)} rows: {counts.created} created, {counts.updated} updated,"
        f" {counts.unchanged} unchanged; {counts.departments_created} new departments"
        + (f", {counts.departments_renamed} renamed" if counts.departments_renamed else "")
    )
    for person in done.reactivated:
        out(f"reactivated\t{person.code}\t{person.full_name}")
    for person in done.removed:
        out(f"removed (not in the file)\t{person.code}\t{person.full_name}")
    for department in done.new_heads:
        out(f"new head of {departments.get(department, department)}: the open items' cards wait")


async def staff_remove(settings: Settings, codes: list[str]) -> None:
    """Remove people from the directory (they left): access ends, their work is handed over."""
    from bot import services
    from bot.staff.steps import remove_people

    profile = load_profile(settings.regulation_profile, settings.regulation_overrides)
    async with connect(settings.database_path) as db:
        repos = Repos(db)
        people = [await known_person(repos, code) for code in codes]
        for person in people:
            if not person.active:
                out(f"{person.code}\t{person.full_name}\talready removed")
        ctx = await services.make_context(repos, profile, settings)
        removed = await remove_people(ctx, people, actor=CLI_ACTOR)
        for person, departure in removed:
            out(f"removed\t{person.code}\t{person.full_name}")
            for moved in departure.departments:
                department = await repos.staff.department(int(str(moved["id"])))
                name = department.name if department else moved["id"]
                to = [await repos.staff.get(int(i)) for i in moved["to"]]  # type: ignore[attr-defined]
                names = ", ".join(p.full_name for p in to if p is not None)
                where = f"go to {names}" if names else "wait: the department has no head now"
                out(f"  {name}: {moved['items']} open assignments {where}")
            taken = sum(1 for moved in departure.rounds if moved["to"] is not None)
            if departure.rounds:
                out(
                    f"  «замечаний нет» requests: {taken} handed over,"
                    f" {len(departure.rounds) - taken} with nobody to answer"
                )
        await deliver_now(settings, repos, profile)


async def known_person(repos: Repos, code: str) -> Person:
    found = await repos.staff.by_code(code)
    if found is None:
        raise CliError(f"no staff member has the code {code!r}; nothing was changed")
    return found


def _asked_username(settings: Settings) -> str:
    """The bot's username from the Bot API's getMe, over plain HTTP (no proxy, as the bot's own
    session): the links need nothing else from Telegram, and aiogram takes seconds to import."""
    if settings.bot_token is None:
        raise SettingsError(
            "BOT_TOKEN (or BOT_USERNAME) is needed to build invitation links: "
            "set it in the environment or in .env"
        )
    request = urllib.request.Request(  # noqa: S310 (Settings allows http(s) URLs only)
        f"{settings.bot_api_url}/bot{settings.token()}/getMe", data=b"", method="POST"
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=30) as response:
            username = json.load(response).get("result", {}).get("username")
    except (urllib.error.URLError, OSError, ValueError, AttributeError) as exc:
        raise CliError(
            f"the Bot API ({settings.bot_api_url}) did not tell the bot's username: {exc};"
            " check BOT_TOKEN, or set BOT_USERNAME"
        ) from None
    if not username:
        raise CliError("the Bot API returned no username for this bot; set BOT_USERNAME")
    return str(username)


async def _with_username(settings: Settings) -> Settings:
    if settings.bot_username:
        return settings
    username = await asyncio.to_thread(_asked_username, settings)
    return settings.model_copy(update={"bot_username": username})


async def staff_invites(
    settings: Settings, codes: list[str] | None = None, *, new: bool = False
) -> None:
    """Print `code<TAB>full name<TAB>link` for each person not yet bound (or for `codes`): the
    current unused link, a new one only when none is valid (or with `new`)."""
    settings = await _with_username(settings)
    async with connect(settings.database_path) as db:
        repos = Repos(db)
        if codes:
            people = [await known_person(repos, code) for code in codes]
            for person in people:
                if not person.active:
                    raise CliError(
                        f"{person.code} is no longer in the staff directory (removed);"
                        " import them again to restore them: no link was issued"
                    )
        else:
            people = await repos.staff.unbound()
        ttl = timedelta(days=settings.invite_ttl_days)
        for person in people:
            try:
                invitation, _ = await current_invitation(
                    repos, person, ttl=ttl, actor=CLI_ACTOR, new=new
                )
            except PersonRemoved as removed:
                raise CliError(str(removed)) from None
            link = await invitation_link(None, settings, invitation.token)
            out(f"{person.code}\t{person.full_name}\t{link}")


async def staff_list(settings: Settings) -> None:
    async with connect(settings.database_path) as db:
        for person in await Repos(db).staff.all_people():
            roles = ";".join(sorted(role.value for role in person.roles))
            state = "joined" if person.bound else "not joined"
            if person.unreachable:
                state = "unreachable"
            if not person.active:
                state = "removed"
            out(
                f"{person.code}\t{person.full_name}\t{person.department_name or '-'}\t"
                f"{roles}\t{person.language}\t{state}"
            )


async def staff_acting(
    settings: Settings, absent_code: str, substitute_code: str, starts: str, ends: str
) -> None:
    async with connect(settings.database_path) as db:
        repos = Repos(db)
        absent = await repos.staff.by_code(absent_code)
        substitute = await repos.staff.by_code(substitute_code)
        if absent is None or substitute is None:
            missing = absent_code if absent is None else substitute_code
            raise CliError(f"no staff member has the code {missing!r}")
        try:
            await repos.staff.add_substitution(
                absent, substitute, parse_day(starts), parse_day(ends), actor=CLI_ACTOR
            )
        except ValueError as exc:
            raise CliError(str(exc)) from None
    out(f"{substitute.full_name} acts for {absent.full_name} from {starts} to {ends}")


async def calendar_set(settings: Settings, day: str, kind: str, reason: str, author: str) -> None:
    when = parse_day(day)
    async with connect(settings.database_path) as db:
        try:
            await Repos(db).calendar.set_override(
                when, kind == "working", reason, author=author or CLI_ACTOR
            )
        except ValueError as exc:
            raise CliError(str(exc)) from None
    out(f"{when.isoformat()} is now a {'working day' if kind == 'working' else 'day off'}")


async def calendar_unset(settings: Settings, day: str, author: str) -> None:
    when = parse_day(day)
    async with connect(settings.database_path) as db:
        removed = await Repos(db).calendar.remove_override(when, author=author or CLI_ACTOR)
    out(f"{when.isoformat()}: override removed" if removed else f"{when.isoformat()}: no override")


async def calendar_show(settings: Settings, year: int) -> None:
    async with connect(settings.database_path) as db:
        repos = Repos(db)
        overrides = await repos.calendar.overrides()
    calendar = WorkCalendar({item.day: item.working for item in overrides})
    day = date(year, 1, 1)
    out(
        f"{year}: {calendar.working_days_between(day - timedelta(days=1), date(year, 12, 31))}"
        " working days"
    )
    while day.year == year:
        name = calendar.day_off_name(day)
        if day.weekday() < 5 and not calendar.is_working_day(day):
            out(f"{day.isoformat()}\tday off\t{name or ''}")
        elif day.weekday() >= 5 and calendar.is_working_day(day):
            out(f"{day.isoformat()}\tworking day\t")
        day += timedelta(days=1)
    for item in overrides:
        if item.day.year == year:
            kind = "working day" if item.working else "day off"
            out(f"override {item.day.isoformat()}\t{kind}\t{item.reason}\t({item.author})")


def roles_help() -> str:
    return ", ".join(role.value for role in Role)


async def assignments_import(settings: Settings, path: Path) -> None:
    """Register assignments from an EDMS export: checked whole, then written in slices; then
    deliver the cards."""
    from bot import services
    from bot.assignments import steps as assignment_steps
    from bot.assignments.csv_import import parse_assignments_csv

    text = read_text(path)
    profile = load_profile(settings.regulation_profile, settings.regulation_overrides)
    with nothing_imported(path):
        items = parse_assignments_csv(text)
    total = len(items)

    def progress(done: int) -> None:
        if total >= PROGRESS_FROM:
            sys.stderr.write(f"{path}: {done} of {total} registered\n")

    with one_import(settings):
        async with connect(settings.database_path) as db:
            repos = Repos(db)
            ctx = await services.make_context(repos, profile, settings)
            with nothing_imported(path):
                created = await assignment_steps.import_assignments(
                    ctx, items, actor=CLI_ACTOR, progress=progress
                )
            out(f"{path}: {len(created)} assignments registered")
            await deliver_now(settings, repos, profile)


async def deliver_now(
    settings: Settings, repos: Repos, profile: Profile, now: datetime | None = None
) -> None:
    """Send what the outbox holds through the configured Bot API (the same sender as the bot)."""
    if settings.bot_token is None:
        out("messages wait in the outbox and go out when the bot runs (BOT_TOKEN is not set)")
        return
    counts = (0, 0, 0, 0)  # sent, to retry, undeliverable, no longer applied
    if await repos.outbox.sendable(now or datetime.now(UTC)):
        from bot.factory import create_bot, create_deliverer
        from bot.i18n import make_i18n

        bot = create_bot(settings)
        try:
            i18n = make_i18n(settings.default_language)
            stats = await create_deliverer(bot, repos, i18n, settings, profile).drain(now)
        finally:
            await bot.session.close()
        counts = (stats.sent, stats.retried, stats.failed, stats.cancelled)
    sent, retried, failed, cancelled = counts
    out(
        f"messages: {sent} sent, {retried} to retry, {failed} undeliverable,"
        f" {cancelled} no longer applied"
    )


def parse_moment(text: str | None, settings: Settings) -> datetime:
    """`YYYY-MM-DDTHH:MM` in local time (TIMEZONE), or now."""
    if text is None:
        return datetime.now(settings.zone)
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M").replace(tzinfo=settings.zone)
    except ValueError:
        raise CliError(f"--at {text!r} is not a local moment YYYY-MM-DDTHH:MM") from None


async def run_sweep(settings: Settings, at: str | None) -> None:
    """One sweep as of `at` (local), through the same code as the bot's scheduler; then send."""
    from bot import services
    from bot.sweep import sweep

    moment = parse_moment(at, settings)
    profile = load_profile(settings.regulation_profile, settings.regulation_overrides)
    async with connect(settings.database_path) as db:
        repos = Repos(db)
        ctx = await services.make_context(repos, profile, settings, now=moment.astimezone(UTC))
        stats = await sweep(ctx)
        waits = ""
        if stats.not_before is not None and stats.not_before > ctx.now:
            local = stats.not_before.astimezone(settings.zone)
            waits = f"; outside working hours, they wait until {local:%Y-%m-%d %H:%M}"
        out(
            f"sweep as of {moment:%Y-%m-%d %H:%M}: {stats.items_checked} items checked,"
            f" {stats.notices_due} notices due, {stats.queued} new messages queued"
            f" ({stats.weekly_lists} weekly lists){waits}"
        )
        await deliver_now(settings, repos, profile, now=max(ctx.now, datetime.now(UTC)))


async def backup(settings: Settings, target: Path) -> None:
    """A consistent copy of the database while the bot runs, then checked."""
    pages = await asyncio.to_thread(backup_to, settings.database_path, target)
    out(f"{target}: copied {pages} pages")
    await backup_check(target)


async def backup_check(target: Path) -> None:
    """Check a copy: integrity, foreign keys, schema version, and what it holds."""
    version, counts = await asyncio.to_thread(check_copy, target)
    out(f"{target}: schema version {version}, integrity ok")
    out("  " + ", ".join(f"{table} {n}" for table, n in counts.items()))


async def report(
    settings: Settings,
    start: str,
    end: str,
    xlsx: Path | None,
    png: Path | None,
    language: str | None,
) -> None:
    """The execution-discipline report of every department for `start`..`end`: the summary and
    a line per department printed, the workbook and the chart written where asked."""
    from bot.reports import steps, texts

    first, last = parse_day(start), parse_day(end)
    if last < first:
        raise CliError("--to is before --from")
    reader = language or settings.default_language.value
    _ = texts.translator(reader)
    today = datetime.now(UTC).astimezone(settings.zone).date()
    async with connect(settings.database_path) as db:
        gathered = await steps.gather(
            Repos(db), settings.zone, today, first, last, None, language=reader
        )
    built = await steps.built(_, gathered)
    out(texts.summary(_, gathered.report, attached=False))
    out()
    out("\t".join([_("Department"), *(_(column) for column in texts.COLUMNS)]))
    for line in gathered.report.departments:
        out(f"{line.name}\t" + "\t".join(texts.figure_text(v) for v in texts.figures(line.counts)))
    for path, data in ((xlsx, built.xlsx), (png, built.png)):
        if path is not None:
            await asyncio.to_thread(path.write_bytes, data)
            out(f"{path}: written")
