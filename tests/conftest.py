"""Shared fixtures: a real SQLite file per test, settings, i18n, a dispatcher, a recording bot."""

from __future__ import annotations

import asyncio
import functools
import shutil
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from aiogram import Dispatcher, Router
from aiogram.utils.i18n import I18n

from bot import factory
from bot.calendar import WorkCalendar
from bot.config import Settings
from bot.delivery import Deliverer, RateLimiter
from bot.factory import create_deliverer, create_dispatcher
from bot.i18n import PersonI18nMiddleware, make_i18n
from bot.profiles import DEFAULT_PROFILE, Profile, load_profile
from bot.staff.csv_import import parse_staff_csv
from handlers import get_routers
from storage.db import Database, open_database
from storage.domain.enums import Language
from storage.domain.meetings import Meeting
from storage.repo import Repos
from tests import language_guard, organizer_meetings
from tests.fake_api import FakeBotAPI
from tests.fakes import RecordingBot
from tests.helpers import World, join_all

STAFF_CSV = """code,full_name,position,department,roles,language,curates
admin,Айгерім Сапарова,Главный специалист,Отдел цифровизации,admin,ru,
akim,Ерлан Жумабеков,Аким города,,akim,kk,
hoa,Марат Ахметов,Руководитель аппарата,,head_of_apparatus,ru,Отдел образования;Отдел финансов
dep1,Гүлнар Омарова,Заместитель акима,,deputy_akim,kk,Отдел образования
edu_head,Асель Нурланова,Руководитель отдела образования,Отдел образования,head,kk,
fin_head,Олег Ким,Руководитель отдела финансов,Отдел финансов,head,ru,
edu_exec,Дана Серикова,Главный специалист,Отдел образования,executor,kk,
ctrl,Бауыржан Исаев,Главный специалист отдела контроля,Отдел контроля,controller,ru,
"""

# Meetings need an organizer and akimat members (quorum is counted over `member`s).
MEETING_STAFF_CSV = STAFF_CSV + (
    "org,Жанар Касымова,Руководитель организационного отдела,Организационный отдел,organizer,ru,\n"
    "m1,Нурлан Абенов,Руководитель отдела строительства,Отдел строительства,head;member,kk,\n"
    "m2,Ирина Петрова,Руководитель отдела культуры,Отдел культуры,head;member,ru,\n"
    "m3,Алмас Тлеуов,Руководитель отдела ЖКХ,Отдел ЖКХ,head;member,kk,\n"
)


@pytest.fixture(autouse=True)
def _language_guard_test_name(request: pytest.FixtureRequest) -> None:
    """The language guard names the test that showed a text (none: its texts are its own)."""
    off = request.node.get_closest_marker("no_language_guard") is not None
    language_guard.current_test = None if off else request.node.nodeid


def _remembering_languages(prepare: Any) -> Any:
    @functools.wraps(prepare)
    async def wrapped(self: Deliverer, *args: Any, **kwargs: Any) -> Any:
        prepared = await prepare(self, *args, **kwargs)
        if prepared is not None:
            person = prepared[0]
            language_guard.remember_chat(person.telegram_id, person.language.value)
        return prepared

    return wrapped


def _remembering_locales(get_locale: Any) -> Any:
    @functools.wraps(get_locale)
    async def wrapped(self: PersonI18nMiddleware, event: Any, data: dict[str, Any]) -> str:
        locale = await get_locale(self, event, data)
        user = data.get("event_from_user")
        if user is not None:
            language_guard.remember_chat(user.id, locale)
        return str(locale)

    return wrapped


def pytest_configure(config: pytest.Config) -> None:
    """The sender and the locale middleware tell the language guard whose language each chat
    reads."""
    Deliverer._prepare = _remembering_languages(Deliverer._prepare)  # type: ignore[method-assign]
    PersonI18nMiddleware.get_locale = _remembering_locales(  # type: ignore[method-assign]
        PersonI18nMiddleware.get_locale
    )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The language guard: the session fails when a text the bot sent breaks the README's
    "Languages" rules (tests/language_guard.py)."""
    found = language_guard.problems()
    if not found:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = [f"language guard: {len(found)} problem(s) in the texts the bot sent", *found]
    if reporter is not None:
        reporter.write_line("\n".join(lines), red=True)
    else:
        print("\n".join(lines))  # noqa: T201
    if exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in a `test_e2e_*` module is marked `e2e`: `pytest -m "not e2e"` is the quick
    local loop; `.ci/run` runs everything."""
    for item in items:
        if item.path.name.startswith("test_e2e_"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        bot_token="42:TEST",
        bot_username="baqylau_test_bot",
        database_path=tmp_path / "baqylau.sqlite3",
        default_language=Language.KK,
    )


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database through every migration, made once: each test's `db` starts from a
    copy of it (its own file), as if it had just migrated its own."""
    path = tmp_path_factory.mktemp("template") / "migrated.sqlite3"

    async def make() -> None:
        database = await open_database(path)
        await database.close()

    with ThreadPoolExecutor(1) as thread:  # a loop of its own, leaving the tests' loop be
        thread.submit(asyncio.run, make()).result()
    leftovers = [p.name for p in path.parent.iterdir() if p != path]
    assert not leftovers, f"the template is not one closed file: {leftovers}"
    return path


@pytest.fixture
async def db(settings: Settings, migrated_template: Path) -> AsyncIterator[Database]:
    settings.database_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(migrated_template, settings.database_path)
    database = await open_database(settings.database_path)
    yield database
    await database.close()


@pytest.fixture
def repos(db: Database) -> Repos:
    return Repos(db)


@pytest.fixture
async def staffed(repos: Repos) -> Repos:
    """A directory with one of each role, imported through the real CSV path."""
    await repos.staff.import_staff(parse_staff_csv(STAFF_CSV, Language.KK), actor="test")
    return repos


@pytest.fixture
async def meeting_staffed(repos: Repos) -> Repos:
    """The directory of `staffed` plus an organizer (org) and three akimat members (m1–m3,
    heads of their departments)."""
    await repos.staff.import_staff(parse_staff_csv(MEETING_STAFF_CSV, Language.KK), actor="test")
    return repos


@pytest.fixture
async def directory(request: pytest.FixtureRequest, repos: Repos) -> Repos:
    """The directory `joined` joins people from: STAFF_CSV (as `staffed`), or the CSV the test
    module names as its DIRECTORY_CSV (MEETING_STAFF_CSV: as `meeting_staffed`)."""
    csv = getattr(request.module, "DIRECTORY_CSV", STAFF_CSV)
    await repos.staff.import_staff(parse_staff_csv(csv, Language.KK), actor="test")
    return repos


@pytest.fixture
async def joined(
    request: pytest.FixtureRequest, dp: Dispatcher, bot: RecordingBot, directory: Repos
) -> Repos:
    """`directory`, with the test module's PEOPLE (code → Telegram id) joined through the
    dialog."""
    await join_all(dp, bot, directory, request.module.PEOPLE)
    return directory


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    """A fake Bot API server on 127.0.0.1 for end-to-end tests."""
    async with FakeBotAPI() as server:
        yield server


@pytest.fixture(scope="session")
def i18n() -> I18n:
    return make_i18n(Language.KK)


@pytest.fixture
def bot() -> RecordingBot:
    return RecordingBot()


@pytest.fixture
def profile() -> Profile:
    return load_profile(DEFAULT_PROFILE)


@pytest.fixture
def deliverer(
    bot: RecordingBot, repos: Repos, i18n: I18n, settings: Settings, profile: Profile
) -> Deliverer:
    limiter = RateLimiter(1000, per_chat_interval=0)
    return create_deliverer(bot, repos, i18n, settings, profile, limiter, background=False)


@pytest.fixture(scope="session")
def shared_routers() -> list[Router]:
    """The handlers' routers, built once (aiogram's handler objects cost tens of ms a
    dispatcher): they hold no state of their own — the repos, settings and the rest come from
    each test's dispatcher — so every `dp` includes these same ones."""
    return get_routers()


@pytest.fixture
def dp(
    settings: Settings,
    repos: Repos,
    i18n: I18n,
    profile: Profile,
    deliverer: Deliverer,
    shared_routers: list[Router],
) -> Dispatcher:
    for router in shared_routers:  # out of the last test's dispatcher
        parent = router.parent_router
        if parent is not None:
            parent.sub_routers.remove(router)
            router._parent_router = None
    with patch.object(factory, "get_routers", lambda: shared_routers):
        return create_dispatcher(settings, repos, i18n, profile=profile, deliverer=deliverer)


@pytest.fixture
def world(
    dp: Dispatcher,
    bot: RecordingBot,
    staffed: Repos,
    profile: Profile,
    settings: Settings,
    deliverer: Deliverer,
) -> World:
    """The `World` of `staffed`."""
    return World(dp, bot, staffed, profile, settings, deliverer)


@pytest.fixture
def joined_world(
    dp: Dispatcher,
    bot: RecordingBot,
    joined: Repos,
    profile: Profile,
    settings: Settings,
    deliverer: Deliverer,
) -> World:
    """The `World` of `joined`: the test module's PEOPLE have joined."""
    return World(dp, bot, joined, profile, settings, deliverer)


@pytest.fixture
def meeting_world(
    dp: Dispatcher,
    bot: RecordingBot,
    meeting_staffed: Repos,
    profile: Profile,
    settings: Settings,
    deliverer: Deliverer,
) -> World:
    """The `World` of `meeting_staffed`."""
    return World(dp, bot, meeting_staffed, profile, settings, deliverer)


@pytest.fixture
async def meeting(joined_world: World) -> Meeting:
    """The organizer's draft session of tests/organizer_meetings.py, in the `joined_world` of a
    module with its DIRECTORY_CSV and PEOPLE."""
    return await organizer_meetings.create(joined_world)


# The shipped regulation profiles of the profile tests, by the names they are shipped under.
UKA = "ust-kamenogorsk-2025"
BAI = "baidibek-2025"
ALA = "almaty-2016"


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    """A work calendar with the statutory days off only."""
    return WorkCalendar()


@pytest.fixture(scope="module")
def uka() -> Profile:
    return load_profile(UKA)


@pytest.fixture(scope="module")
def bai() -> Profile:
    return load_profile(BAI)


@pytest.fixture(scope="module")
def ala() -> Profile:
    return load_profile(ALA)


@pytest.fixture
async def forty_heads(staffed: Repos) -> Repos:
    """`staffed` plus forty heads (h01–h40: «Руководитель 01»…, «Начальник управления») of
    forty departments (Управление 01–40): for the paged pickers."""
    header = STAFF_CSV.split("\n", 1)[0]
    rows = (
        f"h{n:02d},Руководитель {n:02d},Начальник управления,Управление {n:02d},head,ru,"
        for n in range(1, 41)
    )
    csv = "\n".join((header, *rows))
    await staffed.staff.import_staff(parse_staff_csv(csv, Language.RU), actor="test")
    return staffed
