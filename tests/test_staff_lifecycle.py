"""Staff lifecycle (issue 13, items 2–4): people leave (`staff remove`, `import --sync`) and
their open work goes to their department's head; a new head gets the open items' cards;
invitations show the current link and are replaced only on purpose; the directory's language
is the first screen's."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiogram import Dispatcher
from aiogram.methods import AnswerCallbackQuery

from bot import cli, services
from bot.config import Settings
from bot.profiles import Profile
from bot.remarks import steps as remark_steps
from bot.staff import steps as staff_steps
from bot.staff.csv_import import parse_staff_csv
from bot.staff.rules import headed_department, missing_from_file, new_head_departments
from handlers.callbacks import InviteCallback, ItemAction, ItemCallback
from storage.domain.assignments import Assignment
from storage.domain.enums import Language, Role
from storage.domain.remarks import Answer
from storage.models import Person
from storage.repo import Repos
from tests.conftest import STAFF_CSV
from tests.fakes import RecordingBot, make_callback, make_message
from tests.helpers import World, invite, join, person, register_assignment, texts_to

ADMIN, EDU, FIN, CTRL, EDU2 = 9100, 9101, 9102, 9103, 9104
HEADER = "code,full_name,position,department,roles,language,curates\n"
SECOND_HEAD = (
    "edu_head2,Ерболат Сейітов,Руководитель отдела образования,Отдел образования,head,,\n"
)


async def ctx_of(repos: Repos, profile: Profile, settings: Settings) -> services.Context:
    return await services.make_context(repos, profile, settings)


async def register(ctx: services.Context, number: str) -> Assignment:
    deadline = ctx.calendar.add_working_days(ctx.today, 15)
    summary = f"Тапсырма {number}"
    return await register_assignment(
        ctx, number, summary, ("Отдел образования",), deadline=deadline
    )


async def pending_keys(repos: Repos, person_id: int) -> list[str]:
    async with repos.conn.execute(
        "SELECT key FROM outbox WHERE person_id = ? AND status = 'pending' ORDER BY key",
        (person_id,),
    ) as cursor:
        return [row["key"] for row in await cursor.fetchall()]


# --- rules --------------------------------------------------------------------------------


def test_missing_and_new_heads_rules() -> None:
    rows = parse_staff_csv(STAFF_CSV, Language.KK)

    def someone(
        pid: int, code: str, roles: set[Role], dep: int | None, active: bool = True
    ) -> Person:
        return Person(
            pid, code, code, "", dep, None, Language.KK, None, False, False,
            frozenset(roles), frozenset(), active,
        )  # fmt: skip

    gone = someone(99, "gone", {Role.HEAD}, 1)
    kept = someone(1, "EDU_HEAD", {Role.HEAD}, 1)
    assert missing_from_file([gone, kept], rows) == [gone]
    before = {1: kept, 2: someone(2, "x", {Role.EXECUTOR}, 2), 3: someone(3, "y", {Role.HEAD}, 3)}
    after = [
        kept,  # the same head: nothing new
        someone(2, "x", {Role.HEAD}, 2),  # given the role
        someone(3, "y", {Role.HEAD}, 4),  # moved to another department
        someone(4, "z", {Role.HEAD}, 4),  # a second new head of 4: counted once
    ]
    assert new_head_departments(before, after) == [2, 4]
    assert headed_department(someone(5, "w", {Role.HEAD}, 6, active=False)) is None


# --- language -----------------------------------------------------------------------------


async def test_the_directory_language_is_the_first_screens_and_a_reimport_keeps_a_choice(
    dp: Dispatcher, bot: RecordingBot, staffed: Repos
) -> None:
    # fin_head has ru in the directory: Telegram's kk does not replace it
    token = await invite(staffed, "fin_head")
    await dp.feed_update(bot, make_message(f"/start {token}", user_id=FIN, language_code="kk"))
    assert texts_to(bot, FIN)[0].startswith("Добро пожаловать, Олег Ким!")
    assert (await person(staffed, "fin_head")).language is Language.RU
    # no language in the directory: Telegram's fills it
    await staffed.staff.import_staff(parse_staff_csv(HEADER + SECOND_HEAD, Language.KK), actor="t")
    newcomer = await person(staffed, "edu_head2")
    assert (newcomer.language, newcomer.language_given) == (Language.KK, False)
    token = await invite(staffed, "edu_head2")
    await dp.feed_update(bot, make_message(f"/start {token}", user_id=EDU2, language_code="ru"))
    assert texts_to(bot, EDU2)[0].startswith("Добро пожаловать, Ерболат Сейітов!")
    # a re-import without a language, or with one, keeps what the person chose
    await dp.feed_update(
        bot, make_callback(f"lang:{Language.RU.value}", user_id=EDU2)
    )  # chosen on the first screen
    await staffed.staff.import_staff(parse_staff_csv(HEADER + SECOND_HEAD, Language.KK), actor="t")
    assert (await person(staffed, "edu_head2")).language is Language.RU
    given = SECOND_HEAD.replace("head,,", "head,kk,")
    await staffed.staff.import_staff(parse_staff_csv(HEADER + given, Language.KK), actor="t")
    assert (await person(staffed, "edu_head2")).language is Language.RU
    # a person who has not chosen follows the file
    changed = STAFF_CSV.replace(
        "edu_head,Асель Нурланова,Руководитель отдела образования,Отдел образования,head,kk",
        "edu_head,Асель Нурланова,Руководитель отдела образования,Отдел образования,head,ru",
    )
    await staffed.staff.import_staff(parse_staff_csv(changed, Language.KK), actor="t")
    assert (await person(staffed, "edu_head")).language is Language.RU


# --- leaving ------------------------------------------------------------------------------


async def test_a_departing_head_hands_over_cards_and_rounds_and_loses_access(world: World) -> None:
    await join(world.dp, world.bot, world.repos, "admin", ADMIN, "ru")
    await join(world.dp, world.bot, world.repos, "ctrl", CTRL, "ru")
    await join(world.dp, world.bot, world.repos, "edu_head", EDU, "kk")
    ctx = await ctx_of(world.repos, world.profile, world.settings)
    item = await register(ctx, "L-1")
    edu_department = (await person(world.repos, "edu_head")).department_id
    assert edu_department is not None
    ctrl = await person(world.repos, "ctrl")
    due = ctx.calendar.add_working_days(ctx.today, 3)
    await remark_steps.start_round(
        ctx, ctrl, subject="Жоба", restricted=False, due=due, files=[],
        department_ids=[edu_department], person_ids=[],
    )  # fmt: skip
    await world.deliverer.drain()
    # a second head of education, imported later, gets the open item's card (held: not joined)
    await staff_steps.import_staff(
        ctx, parse_staff_csv(STAFF_CSV + SECOND_HEAD, Language.KK), actor="admin"
    )
    second = await person(world.repos, "edu_head2")
    card = f"card:{item.id}:{edu_department}:{second.id}"
    assert await pending_keys(world.repos, second.id) == [card]
    # a notice that waits for edu_head is cancelled when they leave
    edu = await person(world.repos, "edu_head")
    await world.repos.outbox.enqueue(f"test:{edu.id}", edu.id, "card", {"assignment_id": item.id})
    world.bot.clear()
    [(gone, departure)] = await staff_steps.remove_people(ctx, [edu], actor="admin")
    assert gone.code == "edu_head"
    assert departure.departments == [{"id": edu_department, "to": [second.id], "items": 1}]
    assert await pending_keys(world.repos, edu.id) == []
    # the round's place is now the second head's, with the request (held until they join)
    [round_] = await world.repos.remarks.open_rounds()
    [place] = round_.addressees
    assert (place.person_id, place.answer) == (second.id, Answer.PENDING)
    assert f"rmreq:{round_.id}:{second.id}" in await pending_keys(world.repos, second.id)
    # the control department hears it once
    await world.deliverer.drain()
    [told] = texts_to(world.bot, CTRL)
    assert told.startswith(
        "Сотрудник Асель Нурланова (Руководитель отдела образования, Отдел образования)"
    )
    assert "Ерболат Сейітов" in told
    # her access has ended: a command and a button are answered with whom to ask
    world.bot.clear()
    await world.say("/my", EDU)
    [answer] = world.bot.texts()
    assert "Айгерім Сапарова" in answer
    tap = ItemCallback(action=ItemAction.ACCEPT, id=item.id, dep=edu_department).pack()
    await world.tap(tap, EDU)
    [alert] = [m for m in world.bot.sent() if isinstance(m, AnswerCallbackQuery)]
    assert alert.show_alert
    stored = await world.repos.assignments.get(item.id)
    assert stored is not None and stored.executors[0].accepted_at is None
    # her history stays; lookups skip her
    assert (await person(world.repos, "edu_head")).active is False
    assert [p.code for p in await world.repos.staff.heads_of(edu_department)] == ["edu_head2"]
    trail = await world.repos.audit.for_entity("person", "edu_head")
    assert trail[-1].action == "remove"


async def test_the_last_head_leaving_leaves_the_department_without_a_head(world: World) -> None:
    await join(world.dp, world.bot, world.repos, "ctrl", CTRL, "kk")
    ctx = await ctx_of(world.repos, world.profile, world.settings)
    await register(ctx, "L-2")
    await register(ctx, "L-3")
    await world.deliverer.drain()
    world.bot.clear()
    await staff_steps.remove_people(ctx, [await person(world.repos, "edu_head")], actor="admin")
    await world.deliverer.drain()
    [told] = texts_to(world.bot, CTRL)
    assert "Отдел образования" in told
    assert "Отдел образования енді басшысыз қалды: оның 2 ашық тапсырмасы" in told
    # re-importing her reactivates her (audited) and she gets the cards again (same keys)
    done = await staff_steps.import_staff(
        ctx, parse_staff_csv(STAFF_CSV, Language.KK), actor="admin"
    )
    assert [p.code for p in done.reactivated] == ["edu_head"]
    edu = await person(world.repos, "edu_head")
    assert edu.active
    assert len([k for k in await pending_keys(world.repos, edu.id) if k.startswith("card:")]) == 2
    actions = [e.action for e in await world.repos.audit.for_entity("person", "edu_head")]
    assert actions[-2:] == ["remove", "reactivate"]


# --- invitations ----------------------------------------------------------------------------


async def test_invite_shows_the_current_link_and_replaces_it_only_on_purpose(world: World) -> None:
    await join(world.dp, world.bot, world.repos, "admin", ADMIN, "ru")
    await world.say("/invite edu_head", ADMIN)
    await world.say("/invite edu_head", ADMIN)
    first, again = world.bot.texts()
    link = first.split("\n")[1]
    assert link.startswith("https://t.me/baqylau_test_bot?start=")
    assert link in again and "Это уже выданная ссылка" in again
    # «new link»: the old one stops working and says whom to ask
    edu = await person(world.repos, "edu_head")
    world.bot.clear()
    await world.tap(InviteCallback(person=edu.id).pack(), ADMIN)
    [new] = world.bot.texts()
    new_link = new.split("\n")[1]
    assert new_link != link
    await world.say(f"/start {link.rsplit('=', 1)[1]}", EDU)
    replaced = world.bot.texts()[-1]
    assert "Айгерім Сапарова" in replaced
    assert await world.repos.staff.by_telegram(EDU) is None
    # a removed person gets no link, and their link is refused
    ctx = await ctx_of(world.repos, world.profile, world.settings)
    await staff_steps.remove_people(ctx, [edu], actor="admin")
    world.bot.clear()
    await world.say("/invite edu_head", ADMIN)
    await world.say(f"/start {new_link.rsplit('=', 1)[1]}", EDU)
    refused, removed = world.bot.texts()
    assert "start=" not in refused
    assert "Айгерім Сапарова" in removed
    assert await world.repos.staff.by_telegram(EDU) is None


# --- the command line -----------------------------------------------------------------------


async def test_cli_remove_sync_and_invite(
    settings: Settings, staffed: Repos, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = settings.model_copy(update={"bot_token": None})
    await cli.staff_invites(settings, ["edu_head"])
    await cli.staff_invites(settings, ["edu_head"])
    await cli.staff_invites(settings, ["edu_head"], new=True)
    first, same, new = capsys.readouterr().out.splitlines()
    assert first == same != new
    with pytest.raises(cli.CliError, match="nobody"):
        await cli.staff_remove(settings, ["fin_head", "nobody"])
    assert (await person(staffed, "fin_head")).active  # nothing changed
    await cli.staff_remove(settings, ["fin_head"])
    out = capsys.readouterr().out
    assert out.startswith("removed\tfin_head\tОлег Ким\n")
    assert "Отдел финансов: 0 open assignments wait: the department has no head now" in out
    with pytest.raises(cli.CliError, match="no longer in the staff directory"):
        await cli.staff_invites(settings, ["fin_head"])
    # --sync: everyone missing from the file leaves; fin_head comes back
    staff = tmp_path / "staff.csv"
    staff.write_text(
        "\n".join(line for line in STAFF_CSV.splitlines() if not line.startswith("edu_exec"))
        + "\n",
        encoding="utf-8",
    )
    await cli.staff_import(settings, staff, sync=True)
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:] == [
        "reactivated\tfin_head\tОлег Ким",
        "removed (not in the file)\tedu_exec\tДана Серикова",
        "new head of Отдел финансов: the open items' cards wait",
    ]
    await cli.staff_list(settings)
    listing = capsys.readouterr().out
    assert "edu_exec\tДана Серикова\tОтдел образования\texecutor\tkk\tremoved" in listing


# --- at once ----------------------------------------------------------------------------------


async def test_a_tap_and_the_removal_at_once_either_completes_before_or_is_refused(
    world: World,
) -> None:
    """On the real database file: the head taps Accept while the administrator removes her.
    The acceptance is saved before the removal, or not at all and she is told; never after."""
    await join(world.dp, world.bot, world.repos, "edu_head", EDU, "ru")
    rows = parse_staff_csv(STAFF_CSV, Language.KK)
    for attempt in range(8):
        ctx = await ctx_of(world.repos, world.profile, world.settings)
        await staff_steps.import_staff(ctx, rows, actor="admin")  # back again
        item = await register(ctx, f"C-{attempt}")
        edu = await person(world.repos, "edu_head")
        tap = ItemCallback(action=ItemAction.ACCEPT, id=item.id, dep=edu.department_id or 0)
        world.bot.clear()
        calls = [
            world.dp.feed_update(world.bot, make_callback(tap.pack(), user_id=EDU)),
            staff_steps.remove_people(ctx, [edu], actor="admin"),
        ]
        if attempt % 2:
            calls.reverse()
        await asyncio.gather(*calls)
        stored = await world.repos.assignments.get(item.id)
        assert stored is not None
        accepted = stored.executors[0].accepted_at is not None
        async with world.repos.conn.execute(
            "SELECT action, entity_id FROM audit WHERE (action = 'accept' AND entity_id = ?)"
            " OR (action = 'remove' AND entity = 'person') ORDER BY id",
            (stored.reg_number,),
        ) as cursor:
            trail = [row["action"] for row in await cursor.fetchall()]
        answers = [m for m in world.bot.sent() if isinstance(m, AnswerCallbackQuery)]
        assert len(answers) == 1  # the tap is answered once
        if accepted:
            assert trail[-2:] == ["accept", "remove"]  # saved before the removal
        else:
            assert "accept" not in trail
            assert answers[0].show_alert and "доступ" in (answers[0].text or "")
    assert (await person(world.repos, "edu_head")).active is False  # either outcome; never half


async def test_a_departing_executor_hands_passed_items_back_to_the_head(world: World) -> None:
    ctx = await ctx_of(world.repos, world.profile, world.settings)
    item = await register(ctx, "L-4")
    department = item.executors[0].department_id
    executor = await person(world.repos, "edu_exec")
    await world.repos.executors.set_passes(
        item.id, department, [executor.id],
        reg_number=item.reg_number, actor="edu_head", on_behalf_of=None, at=ctx.now,
    )  # fmt: skip
    await join(world.dp, world.bot, world.repos, "edu_head", EDU, "kk")
    await world.deliverer.drain()
    world.bot.clear()
    await staff_steps.remove_people(ctx, [executor], actor="admin")
    await world.deliverer.drain()
    [told] = texts_to(world.bot, EDU)
    assert told.startswith("Қызметкер енді штатта жоқ: Дана Серикова\n")
    assert "№ L-4 тапсырма сізге қайтарылды" in told
    assert await world.repos.executors.passed(item.id, department) == []
    history = [e.action for e in await world.repos.assignments.history("L-4")]
    assert history[-1] == "take_back"
