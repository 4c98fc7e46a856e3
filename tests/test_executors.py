"""Executors: a head passes an item to executors of the department, an executor drafts the
report, the head sends it on or returns it — rules, storage, handlers through the recording
bot, and two heads (head and acting head) passing at once on a real database file."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from aiogram.methods import EditMessageText, SendMessage

from bot.assignments import steps as assignment_steps
from bot.executors import steps
from bot.executors.rules import ExecutorRefusal, check_passed, check_pending, check_targets
from bot.outbox_kinds import Kind
from bot.staff.csv_import import parse_staff_csv
from bot.sweep import sweep
from handlers.callbacks import ItemAction, ItemCallback, PassAction
from handlers.callbacks import PassCallback as PC
from storage.domain.assignments import (
    Assignment,
    Executor,
    Refusal,
    Status,
)
from storage.domain.enums import Language, Role
from storage.domain.executors import DraftStatus, ExecutorDraft, Pass
from storage.domain.files import Attachment
from storage.domain.refusals import Refused
from storage.models import Person
from storage.repo import Repos
from tests.conftest import STAFF_CSV
from tests.fakes import RecordingBot
from tests.helpers import World, alert, assignment, at_once, buttons, found, join, messages_to
from tests.helpers import person as who

MORE_STAFF = STAFF_CSV + (
    "edu_exec2,Ержан Болатов,Ведущий специалист,Отдел образования,executor,ru,\n"
    "edu_vice,Сауле Искакова,Заместитель руководителя,Отдел образования,executor,ru,\n"
    "fin_exec,Павел Ли,Главный специалист,Отдел финансов,executor,ru,\n"
)
HEAD, EXEC, EXEC2, FINX, CTRL, VICE = 7201, 7202, 7203, 7204, 7205, 7206
ALMATY = ZoneInfo("Asia/Almaty")
NOT_YOURS = "Это поручение адресовано не вам."


@pytest.fixture
async def staffed(repos: Repos) -> Repos:
    """The directory with a second executor and the vice head in education, and an executor in
    finance."""
    await repos.staff.import_staff(parse_staff_csv(MORE_STAFF, Language.KK), actor="test")
    return repos


async def register(world: World, number: str = "01-12/700") -> Assignment:
    return await world.register(number, summary="Подготовить информацию о ремонте школ")


@pytest.fixture
async def item(world: World) -> Assignment:
    """№ 01-12/700, education (main) and finance."""
    return await register(world)


# --- rules ---------------------------------------------------------------------------------


def item_with(status: Status = Status.ACCEPTED, main: bool = True) -> Assignment:
    return assignment(Executor(5, "Edu", main=main), status=status)


def executor_person(department_id: int = 5, roles: frozenset[Role] | None = None) -> Person:
    return Person(
        id=9,
        code="x",
        full_name="X",
        position="",
        department_id=department_id,
        department_name="Edu",
        language=Language.RU,
        telegram_id=1,
        language_chosen=True,
        unreachable=False,
        roles=frozenset({Role.EXECUTOR}) if roles is None else roles,
    )


NOW = datetime(2027, 2, 10, 4, 0, tzinfo=UTC)


def test_targets_must_be_the_departments_executors() -> None:
    assert check_targets([3, 4, 3], {3, 4}) == [3, 4]
    assert check_targets([], {3}) == []
    with pytest.raises(Refused) as refused:
        check_targets([3, 99], {3, 4})  # a forged id
    assert refused.value.refusal is ExecutorRefusal.NOT_STAFF


def test_only_the_person_it_is_passed_to_may_draft() -> None:
    item = item_with()
    passed = Pass(1, 5, 9, "edu_head", NOW)
    assert check_passed(item, passed, executor_person()).department_id == 5
    for bad_pass, person in [
        (None, executor_person()),  # not passed
        (passed, executor_person(department_id=6)),  # moved to another department
        (passed, executor_person(roles=frozenset({Role.MEMBER}))),  # no longer an executor
        (Pass(1, 6, 9, "fin_head", NOW), executor_person(department_id=6)),  # dept not executor
    ]:
        with pytest.raises(Refused) as refused:
            check_passed(item, bad_pass, person)
        assert refused.value.refusal is ExecutorRefusal.NOT_PASSED
    with pytest.raises(Refused) as closed:
        check_passed(item_with(Status.REPORTED), passed, executor_person())
    assert closed.value.refusal is Refusal.CLOSED
    with pytest.raises(Refused):
        check_passed(item_with(Status.REMOVED), passed, executor_person())


def test_only_a_pending_draft_of_this_item_is_decided() -> None:
    item = item_with()
    draft = ExecutorDraft(3, 1, 5, 9, "t", DraftStatus.PENDING, NOW)
    assert check_pending(item, draft) is draft
    for bad in [
        None,
        ExecutorDraft(3, 2, 5, 9, "t", DraftStatus.PENDING, NOW),  # another item's draft
        ExecutorDraft(3, 1, 5, 9, "t", DraftStatus.APPROVED, NOW),
    ]:
        with pytest.raises(Refused) as refused:
            check_pending(item, bad)
        assert refused.value.refusal is ExecutorRefusal.DRAFT_DECIDED


# --- storage --------------------------------------------------------------------------------


async def test_passes_replace_the_list_and_are_audited(world: World, item: Assignment) -> None:
    staff = world.repos
    edu = item.executors[0].department_id
    exec1, exec2 = await who(staff, "edu_exec"), await who(staff, "edu_exec2")
    at = datetime.now(UTC)
    set_passes = partial(
        staff.executors.set_passes, reg_number=item.reg_number, actor="edu_head",
        on_behalf_of=None, at=at,
    )  # fmt: skip
    assert await set_passes(item.id, edu, [exec1.id]) == ([exec1.id], [])
    assert await set_passes(item.id, edu, [exec1.id]) == ([], [])
    assert await set_passes(item.id, edu, [exec2.id]) == (
        [exec2.id],
        [exec1.id],
    )
    assert [p.person_id for p in await staff.executors.passed(item.id, edu)] == [exec2.id]
    assert await staff.executors.pass_of(item.id, exec1.id) is None
    listed, total = await staff.assignments.list_open(passed_to=exec2.id)
    assert total == 1 and listed[0].id == item.id
    assert (await staff.assignments.list_open(passed_to=exec1.id))[1] == 0
    assert await set_passes(item.id, edu, []) == ([], [exec2.id])
    history = [e.action for e in await staff.assignments.history(item.reg_number)]
    assert history.count("pass") == 2 and history.count("take_back") == 1


async def test_drafts_supersede_and_are_decided_once(world: World, item: Assignment) -> None:
    staff = world.repos
    edu = item.executors[0].department_id
    author = await who(staff, "edu_exec")
    at = datetime.now(UTC)
    add_draft = partial(
        staff.executors.add_draft, item.id, edu, author_id=author.id, author_code=author.code,
        reg_number=item.reg_number, at=at,
    )  # fmt: skip
    first = await add_draft(text="first", files=[])
    second = await add_draft(text=" second ", files=[Attachment("F1", "a.pdf")])
    again = await staff.executors.draft(first.id)
    assert again is not None and again.status is DraftStatus.SUPERSEDED
    assert second.text == "second" and second.files == (Attachment("F1", "a.pdf"),)
    decide = partial(
        staff.executors.decide_draft, reg_number=item.reg_number, actor="edu_head",
        on_behalf_of=None, at=at,
    )  # fmt: skip
    assert await decide(second.id, DraftStatus.RETURNED, comment="more")
    assert not await decide(second.id, DraftStatus.APPROVED)
    with pytest.raises(ValueError):
        await add_draft(text="  ", files=[])


# --- steps, the sweep -----------------------------------------------------------------------


async def test_forged_and_foreign_passes_are_refused(world: World, item: Assignment) -> None:
    staff = world.repos
    edu, fin = (e.department_id for e in item.executors)
    ctx = await world.context()
    head = await who(staff, "edu_head")
    for chosen in ([(await who(staff, "fin_exec")).id], [(await who(staff, "ctrl")).id], [99999]):
        with pytest.raises(Refused) as refused:
            await steps.pass_item(ctx, head, item, edu, chosen)
        assert refused.value.refusal is ExecutorRefusal.NOT_STAFF
    with pytest.raises(Refused) as other:  # the head of another department
        await steps.pass_item(ctx, await who(staff, "fin_head"), item, edu, [])
    assert other.value.refusal is Refusal.NOT_EXECUTOR
    with pytest.raises(Refused):  # an executor cannot pass
        await steps.pass_item(ctx, await who(staff, "edu_exec"), item, edu, [])
    assert await staff.executors.passed(item.id, edu) == []
    assert await staff.executors.passed(item.id, fin) == []
    # a draft from someone the item is not passed to
    with pytest.raises(Refused) as not_passed:
        await steps.submit_draft(ctx, await who(staff, "fin_exec"), item, "text", [])
    assert not_passed.value.refusal is ExecutorRefusal.NOT_PASSED


def local(year: int, month: int, day: int) -> datetime:
    """10:00 in Almaty on that day."""
    return datetime(year, month, day, 10, 0, tzinfo=ALMATY).astimezone(UTC)


async def passed_to_edu_exec(world: World, item: Assignment) -> Person:
    """The head of education passes `item` to edu_exec through the step; edu_exec."""
    executor = await who(world.repos, "edu_exec")
    head = await who(world.repos, "edu_head")
    await steps.pass_item(
        await world.context(), head, item, item.executors[0].department_id, [executor.id]
    )
    return executor


async def test_executor_gets_a_reminder_with_the_heads_notice(
    world: World, item: Assignment
) -> None:
    staff = world.repos
    executor = await passed_to_edu_exec(world, item)
    async with staff.transaction():
        await sweep(await world.context(local(2027, 4, 1)))
    notice_ctx = await world.context(local(2027, 5, 7))  # 3 working days before 12 May
    for _ in range(2):  # never twice
        async with staff.transaction():
            stats = await sweep(notice_ctx)
    assert stats.by_duty.get("executors", 0) == 0
    rows = await staff.conn.execute_fetchall(
        "SELECT person_id, kind FROM outbox WHERE kind IN (?, ?)",
        (Kind.EXECUTOR_REMINDER.value, Kind.NOTICE.value),
    )
    kinds = sorted((row[0], row[1]) for row in rows)
    head = await who(staff, "edu_head")
    assert (executor.id, Kind.EXECUTOR_REMINDER.value) in kinds
    assert (head.id, Kind.NOTICE.value) in kinds  # the head still gets the notice
    assert sum(1 for row in kinds if row[1] == Kind.EXECUTOR_REMINDER.value) == 1


# --- handlers, through the recording bot -----------------------------------------------------


def edited(bot: RecordingBot) -> str:
    """The text of the last message the bot edited."""
    return [m.text or "" for m in bot.sent() if isinstance(m, EditMessageText)][-1]


def pick(item: Assignment, action: PassAction, **fields: int) -> str:
    """The data of a pass button of `item` (the department, the person picked, …)."""
    return PC(action=action, id=item.id, **fields).pack()


async def test_head_passes_executor_drafts_head_sends_on(world: World) -> None:
    staff, bot = world.repos, world.bot
    await world.join(
        {"edu_head": HEAD, "edu_exec": EXEC, "edu_exec2": EXEC2, "fin_exec": FINX, "ctrl": CTRL}
    )  # kk, kk, ru, ru, ru
    item = await register(world)
    edu = item.executors[0].department_id
    await world.delivered()
    [card] = messages_to(bot, HEAD)
    pass_label = next(label for label in buttons(card) if label.startswith("👤"))
    bot.clear()

    # the head opens the picker, chooses both executors, unchooses one, chooses again, done
    await world.press(card, pass_label, HEAD)
    picker = messages_to(bot, HEAD)[-1]
    names = buttons(picker)
    assert set(names) >= {"Серикова Д.", "Болатов Е."}
    assert "Павел Ли" not in names  # another department's executor is never offered
    exec1, exec2 = await who(staff, "edu_exec"), await who(staff, "edu_exec2")
    for person_id in (exec1.id, exec2.id, exec2.id, exec2.id):
        await world.tap(pick(item, PassAction.PICK, dep=edu, value=person_id), HEAD)
    # a forged person id in the picker changes nothing
    fin_exec = await who(staff, "fin_exec")
    await world.tap(pick(item, PassAction.PICK, dep=edu, value=fin_exec.id), HEAD)
    await world.tap(pick(item, PassAction.DONE, dep=edu), HEAD)
    done = edited(bot)
    assert "Серикова Д." in done
    assert "Болатов Е." in done
    assert {p.person_id for p in await staff.executors.passed(item.id, edu)} == {
        exec1.id,
        exec2.id,
    }
    # passing the item on is accepting it: the department has it, control is told
    accepted = found(await staff.assignments.get(item.id)).executor(edu)
    assert accepted is not None and accepted.accepted_at is not None
    assert [e.action for e in await staff.assignments.history(item.reg_number)].count(
        "accept"
    ) == 1

    # the executors get the card in their language
    await world.delivered()
    [kk_card] = messages_to(bot, EXEC)
    [ru_card] = messages_to(bot, EXEC2)
    assert "01-12/700" in kk_card.text and "Нурланова А." in kk_card.text
    assert "Вам передано это поручение. От: Нурланова А." in ru_card.text
    assert "Бұл тапсырма сізге берілді. Кімнен: Нурланова А." in kk_card.text
    assert "📝 Подготовить проект отчёта" in buttons(ru_card)
    bot.clear()

    # the item shows in the executor's /my and opens; another executor's /my is empty
    view = ItemCallback(action=ItemAction.VIEW, id=item.id).pack()
    await world.say("/my", EXEC2)
    my = messages_to(bot, EXEC2)[-1]
    assert my.text.startswith("Поручения, переданные мне: 1")  # what was passed, not «my dept»
    assert "01-12/700" in my.text
    await world.tap(view, EXEC2)
    opened = messages_to(bot, EXEC2)[-1]
    assert "01-12/700" in opened.text and "📝 Подготовить проект отчёта" in buttons(opened)
    await world.say("/my", FINX)
    assert "01-12/700" not in messages_to(bot, FINX)[-1].text
    await world.tap(view, FINX)
    assert alert(bot) == NOT_YOURS
    bot.clear()

    # an executor of another department cannot draft (refused, nothing saved)
    await world.tap(pick(item, PassAction.DRAFT), FINX)
    assert alert(bot) == NOT_YOURS

    # the executor drafts: text and a file, then sends it to the head
    await world.tap(pick(item, PassAction.DRAFT), EXEC2)
    await world.say("Ремонт завершён в 12 школах.", EXEC2)
    await world.send_file("FILE-1", "akt.pdf", EXEC2)
    await world.tap(pick(item, PassAction.SEND), EXEC2)
    assert "отправлен руководителю" in edited(bot)
    await world.delivered()
    draft_msgs = [m for m in bot.sent() if getattr(m, "chat_id", None) == HEAD]
    text_msg = next(m for m in draft_msgs if isinstance(m, SendMessage))
    assert "Ремонт завершён в 12 школах." in text_msg.text
    decide = buttons(text_msg)
    assert len(decide) == 2
    bot.clear()

    # the head returns it with a comment; the executor sees the comment
    return_data = next(v for v in decide.values() if ":ret:" in v)
    await world.tap(return_data, HEAD)
    await world.say("Укажите суммы.", HEAD)
    await world.deliverer.drain()
    back = messages_to(bot, EXEC2)[-1]
    assert "Укажите суммы." in back.text
    # deciding the same draft again is refused
    bot.clear()
    await world.tap(next(v for v in decide.values() if ":ok:" in v), HEAD)
    assert alert(bot)
    assert (await staff.assignments.reports(item.id)) == []
    bot.clear()

    # a second draft, approved in one tap: it becomes the department's report to control
    await world.tap(pick(item, PassAction.DRAFT), EXEC2)
    await world.say("Ремонт завершён, сумма 5 млн.", EXEC2)
    await world.tap(pick(item, PassAction.SEND), EXEC2)
    await world.delivered()
    second = next(m for m in messages_to(bot, HEAD) if "5 млн" in (m.text or ""))
    bot.clear()
    await world.tap(next(v for v in buttons(second).values() if ":ok:" in v), HEAD)
    [report] = await staff.assignments.reports(item.id)
    assert report.text == "Ремонт завершён, сумма 5 млн." and report.final
    assert report.author_code == "edu_head"
    assert (await world.item(item.id)).status is Status.REPORTED
    await world.deliverer.drain()
    assert any("5 млн" in (m.text or "") for m in messages_to(bot, CTRL))
    assert any("отправлен" in (m.text or "") for m in messages_to(bot, EXEC2))
    history = [e.action for e in await staff.assignments.history(item.reg_number)]
    assert {"pass", "executor_draft", "draft_returned", "draft_approved", "report"} <= set(history)


async def test_head_takes_the_item_back(world: World) -> None:
    staff, bot = world.repos, world.bot
    for code, user_id in (("edu_head", HEAD), ("edu_exec", EXEC)):
        await join(world.dp, bot, staff, code, user_id, "ru")
    item = await register(world)
    edu = item.executors[0].department_id
    executor = await who(staff, "edu_exec")
    await world.tap(pick(item, PassAction.OPEN, dep=edu), HEAD)
    await world.tap(pick(item, PassAction.PICK, dep=edu, value=executor.id), HEAD)
    await world.tap(pick(item, PassAction.DONE, dep=edu), HEAD)
    await world.delivered()
    await world.tap(ItemCallback(action=ItemAction.VIEW, id=item.id).pack(), HEAD)
    assert "Передано исполнителям: Серикова Д." in (messages_to(bot, HEAD)[-1].text or "")
    bot.clear()
    # the picker again shows the executor chosen and offers to take it back
    await world.tap(pick(item, PassAction.OPEN, dep=edu), HEAD)
    picker = buttons(messages_to(bot, HEAD)[-1])
    assert "✅ Серикова Д." in picker
    take = next(v for k, v in picker.items() if k.startswith("↩️"))
    await world.tap(take, HEAD)
    assert await staff.executors.passed(item.id, edu) == []
    await world.deliverer.drain()
    assert any("забрал" in (m.text or "").lower() for m in messages_to(bot, EXEC))
    bot.clear()
    await world.tap(pick(item, PassAction.DRAFT), EXEC)
    assert alert(bot) == NOT_YOURS
    await world.say("/my", EXEC)
    assert "01-12/700" not in messages_to(bot, EXEC)[-1].text


# --- two heads at once, on a real database file ------------------------------------------------


async def test_head_and_acting_head_pass_at_once(world: World) -> None:
    """The head and the acting head (another process on the same file) pass the same items at
    the same moment to different executors: each item ends with exactly one of the two lists,
    its passes match the last audited list, and every executor told is one still passed or
    told it was taken back."""
    staff = world.repos
    head, vice = await who(staff, "edu_head"), await who(staff, "edu_vice")
    exec1, exec2 = await who(staff, "edu_exec"), await who(staff, "edu_exec2")
    today = (await world.context()).today
    await staff.staff.add_substitution(head, vice, today, today, actor="admin")
    items = [await register(world, f"C-{n}") for n in range(8)]
    edu = items[0].executors[0].department_id
    outcomes = await at_once(
        world,
        len(items),
        lambda n, ctx, far_ctx: [
            steps.pass_item(ctx, head, items[n], edu, [exec1.id]),
            steps.pass_item(far_ctx, vice, items[n], edu, [exec2.id, exec1.id]),
        ],
    )
    assert [r for outcome in outcomes for r in outcome if isinstance(r, BaseException)] == []
    for item in items:
        passed = {p.person_id for p in await staff.executors.passed(item.id, edu)}
        assert passed in ({exec1.id}, {exec1.id, exec2.id})
        entries = [
            e for e in await staff.assignments.history(item.reg_number) if e.action == "pass"
        ]
        assert 1 <= len(entries) <= 2
        assert any(e.on_behalf_of == "edu_head" for e in entries) or len(entries) == 1
        last = entries[-1].new_value or ""
        assert ("edu_exec2" in last) == (exec2.id in passed)


async def test_drafts_are_decided_only_by_their_departments_head(
    world: World, item: Assignment
) -> None:
    staff = world.repos
    other = await register(world, "01-12/701")
    ctx = await world.context()
    head, author = await who(staff, "edu_head"), await passed_to_edu_exec(world, item)
    draft = await steps.submit_draft(ctx, author, item, "Готово.", [])
    for person, thing in [
        (await who(staff, "fin_head"), item),  # the head of another department
        (author, item),  # the executor cannot send their own draft on
        (head, other),  # a draft id forged onto another item
    ]:
        with pytest.raises(Refused):
            await steps.approve_draft(ctx, person, thing, draft.id)
        with pytest.raises(Refused):
            await steps.return_draft(ctx, person, thing, draft.id, "нет")
    assert found(await staff.executors.draft(draft.id)).status is DraftStatus.PENDING
    assert await staff.assignments.reports(item.id) == []
    assert await steps.approve_draft(ctx, head, item, draft.id)
    with pytest.raises(Refused) as again:
        await steps.approve_draft(ctx, head, item, draft.id)
    assert again.value.refusal is ExecutorRefusal.DRAFT_DECIDED


async def test_a_returned_item_leaves_the_executors_list(world: World, item: Assignment) -> None:
    staff = world.repos
    author = await passed_to_edu_exec(world, item)
    assert (await staff.assignments.list_open(passed_to=author.id))[1] == 1
    edu = item.executors[0].department_id
    ctx = await world.context()
    await assignment_steps.not_ours(ctx, await who(staff, "edu_head"), item, edu, "Не наше")
    assert (await staff.assignments.list_open(passed_to=author.id))[1] == 0
    with pytest.raises(Refused) as refused:
        await steps.submit_draft(ctx, author, item, "text", [])
    assert refused.value.refusal is ExecutorRefusal.NOT_PASSED
