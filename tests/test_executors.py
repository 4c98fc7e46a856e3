"""Executors: a head passes an item to executors of the department, an executor drafts the
report, the head sends it on or returns it — rules, storage, handlers through the recording
bot, and two heads (head and acting head) passing at once on a real database file."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from aiogram import Dispatcher
from aiogram.methods import EditMessageText, SendMessage

from bot import services
from bot.assignments import steps as assignment_steps
from bot.config import Settings
from bot.delivery import Deliverer
from bot.executors import steps
from bot.executors.rules import ExecutorRefusal, check_passed, check_pending, check_targets
from bot.outbox_kinds import Kind
from bot.profiles import Profile
from bot.staff.csv_import import parse_staff_csv
from bot.sweep import sweep
from handlers.callbacks import ItemAction, ItemCallback, PassAction
from handlers.callbacks import PassCallback as PC
from storage.db import connect
from storage.domain.assignments import (
    Assignment,
    ControlType,
    Executor,
    Refusal,
    Status,
)
from storage.domain.enums import Language, Mark, Role, Source
from storage.domain.executors import DraftStatus, ExecutorDraft, Pass
from storage.domain.files import Attachment
from storage.domain.refusals import Refused
from storage.models import Person
from storage.repo import Repos
from tests.conftest import STAFF_CSV
from tests.fakes import RecordingBot, make_callback, make_document, make_message
from tests.helpers import alert, buttons, join, register_item
from tests.helpers import person as who

MORE_STAFF = STAFF_CSV + (
    "edu_exec2,Ержан Болатов,Ведущий специалист,Отдел образования,executor,ru,\n"
    "edu_vice,Сауле Искакова,Заместитель руководителя,Отдел образования,executor,ru,\n"
    "fin_exec,Павел Ли,Главный специалист,Отдел финансов,executor,ru,\n"
)
HEAD, EXEC, EXEC2, FINX, CTRL, VICE = 7201, 7202, 7203, 7204, 7205, 7206
ALMATY = ZoneInfo("Asia/Almaty")


@pytest.fixture
async def staff(repos: Repos) -> Repos:
    await repos.staff.import_staff(parse_staff_csv(MORE_STAFF, Language.KK), actor="test")
    return repos


async def register(
    repos: Repos, profile: Profile, settings: Settings, *, number: str = "01-12/700"
) -> Assignment:
    return await register_item(
        repos, profile, settings, number, summary="Подготовить информацию о ремонте школ"
    )


# --- rules ---------------------------------------------------------------------------------


def item_with(status: Status = Status.ACCEPTED, main: bool = True) -> Assignment:
    return Assignment(
        id=1,
        reg_number="N-1",
        received=date(2027, 2, 1),
        registered_on=date(2027, 2, 1),
        source=Source.AKIM,
        issuer_id=None,
        summary="s",
        deadline=date(2027, 3, 1),
        mark=Mark.NONE,
        control_type=ControlType.SHORT,
        restricted=False,
        status=status,
        removal_ground=None,
        extensions=0,
        executors=(Executor(5, "Edu", main=main),),
    )


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


async def test_passes_replace_the_list_and_are_audited(
    staff: Repos, profile: Profile, settings: Settings
) -> None:
    item = await register(staff, profile, settings)
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


async def test_drafts_supersede_and_are_decided_once(
    staff: Repos, profile: Profile, settings: Settings
) -> None:
    item = await register(staff, profile, settings)
    edu = item.executors[0].department_id
    author = await who(staff, "edu_exec")
    at = datetime.now(UTC)
    first = await staff.executors.add_draft(
        item.id, edu, author_id=author.id, author_code=author.code, reg_number=item.reg_number,
        text="first", files=[], at=at,
    )  # fmt: skip
    second = await staff.executors.add_draft(
        item.id, edu, author_id=author.id, author_code=author.code, reg_number=item.reg_number,
        text=" second ", files=[Attachment("F1", "a.pdf")], at=at,
    )  # fmt: skip
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
        await staff.executors.add_draft(
            item.id, edu, author_id=author.id, author_code=author.code,
            reg_number=item.reg_number, text="  ", files=[], at=at,
        )  # fmt: skip


# --- steps, the sweep -----------------------------------------------------------------------


async def test_forged_and_foreign_passes_are_refused(
    staff: Repos, profile: Profile, settings: Settings
) -> None:
    item = await register(staff, profile, settings)
    edu, fin = (e.department_id for e in item.executors)
    ctx = await services.make_context(staff, profile, settings)
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


async def test_executor_gets_a_reminder_with_the_heads_notice(
    staff: Repos, profile: Profile, settings: Settings
) -> None:
    item = await register(staff, profile, settings)
    edu = item.executors[0].department_id
    ctx = await services.make_context(staff, profile, settings)
    executor = await who(staff, "edu_exec")
    await steps.pass_item(ctx, await who(staff, "edu_head"), item, edu, [executor.id])
    early = await services.make_context(
        staff, profile, settings, datetime(2027, 4, 1, 10, 0, tzinfo=ALMATY).astimezone(UTC)
    )
    async with staff.transaction():
        await sweep(early)
    due = datetime(2027, 5, 7, 10, 0, tzinfo=ALMATY).astimezone(UTC)  # 3 wd before 12 May
    notice_ctx = await services.make_context(staff, profile, settings, due)
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


def sent_to(bot: RecordingBot, chat_id: int) -> list[SendMessage]:
    return [m for m in bot.sent() if isinstance(m, SendMessage) and m.chat_id == chat_id]


def edited(bot: RecordingBot) -> str:
    """The text of the last message the bot edited."""
    return [m.text or "" for m in bot.sent() if isinstance(m, EditMessageText)][-1]


async def tap(dp: Dispatcher, bot: RecordingBot, data: str, user_id: int) -> None:
    await dp.feed_update(bot, make_callback(data, user_id=user_id))


async def test_head_passes_executor_drafts_head_sends_on(
    dp: Dispatcher,
    bot: RecordingBot,
    staff: Repos,
    profile: Profile,
    settings: Settings,
    deliverer: Deliverer,
) -> None:
    for code, user, lang in [
        ("edu_head", HEAD, "kk"),
        ("edu_exec", EXEC, "kk"),
        ("edu_exec2", EXEC2, "ru"),
        ("fin_exec", FINX, "ru"),
        ("ctrl", CTRL, "ru"),
    ]:
        await join(dp, bot, staff, code, user, lang)
    item = await register(staff, profile, settings)
    edu = item.executors[0].department_id
    await deliverer.drain()
    [card] = sent_to(bot, HEAD)
    pass_label = next(label for label in buttons(card) if label.startswith("👤"))
    bot.clear()

    # the head opens the picker, chooses both executors, unchooses one, chooses again, done
    await tap(dp, bot, buttons(card)[pass_label], HEAD)
    picker = sent_to(bot, HEAD)[-1]
    names = buttons(picker)
    assert set(names) >= {"Дана Серикова", "Ержан Болатов"}
    assert "Павел Ли" not in names  # another department's executor is never offered
    exec1, exec2 = await who(staff, "edu_exec"), await who(staff, "edu_exec2")
    for person_id in (exec1.id, exec2.id, exec2.id, exec2.id):
        await tap(
            dp, bot, PC(action=PassAction.PICK, id=item.id, dep=edu, value=person_id).pack(), HEAD
        )
    # a forged person id in the picker changes nothing
    fin_exec = await who(staff, "fin_exec")
    await tap(
        dp, bot, PC(action=PassAction.PICK, id=item.id, dep=edu, value=fin_exec.id).pack(), HEAD
    )
    await tap(dp, bot, PC(action=PassAction.DONE, id=item.id, dep=edu).pack(), HEAD)
    done = edited(bot)
    assert "Дана Серикова" in done
    assert "Ержан Болатов" in done
    assert {p.person_id for p in await staff.executors.passed(item.id, edu)} == {
        exec1.id,
        exec2.id,
    }
    bot.clear()

    # the executors get the card in their language
    await deliverer.drain()
    [kk_card] = sent_to(bot, EXEC)
    [ru_card] = sent_to(bot, EXEC2)
    assert "01-12/700" in kk_card.text and "Асель Нурланова" in kk_card.text
    assert "Асель Нурланова передал(а) вам это поручение" in ru_card.text
    assert "Асель Нурланова бұл тапсырманы сізге берді" in kk_card.text
    assert "📝 Подготовить проект отчёта" in buttons(ru_card)
    bot.clear()

    # the item shows in the executor's /my and opens; another executor's /my is empty
    await dp.feed_update(bot, make_message("/my", user_id=EXEC2))
    my = sent_to(bot, EXEC2)[-1]
    assert my.text.startswith("Поручения, переданные мне: 1")  # what was passed, not «my dept»
    assert "01-12/700" in my.text
    await tap(dp, bot, ItemCallback(action=ItemAction.VIEW, id=item.id).pack(), EXEC2)
    opened = sent_to(bot, EXEC2)[-1]
    assert "01-12/700" in opened.text and "📝 Подготовить проект отчёта" in buttons(opened)
    await dp.feed_update(bot, make_message("/my", user_id=FINX))
    assert "01-12/700" not in sent_to(bot, FINX)[-1].text
    await tap(dp, bot, ItemCallback(action=ItemAction.VIEW, id=item.id).pack(), FINX)
    assert alert(bot) == "Это поручение адресовано не вам."
    bot.clear()

    # an executor of another department cannot draft (refused, nothing saved)
    await tap(dp, bot, PC(action=PassAction.DRAFT, id=item.id).pack(), FINX)
    assert alert(bot) == "Это поручение адресовано не вам."

    # the executor drafts: text and a file, then sends it to the head
    await tap(dp, bot, PC(action=PassAction.DRAFT, id=item.id).pack(), EXEC2)
    await dp.feed_update(bot, make_message("Ремонт завершён в 12 школах.", user_id=EXEC2))
    await dp.feed_update(bot, make_document("FILE-1", "akt.pdf", user_id=EXEC2))
    await tap(dp, bot, PC(action=PassAction.SEND, id=item.id).pack(), EXEC2)
    assert "отправлен руководителю" in edited(bot)
    bot.clear()
    await deliverer.drain()
    draft_msgs = [m for m in bot.sent() if getattr(m, "chat_id", None) == HEAD]
    text_msg = next(m for m in draft_msgs if isinstance(m, SendMessage))
    assert "Ремонт завершён в 12 школах." in text_msg.text
    decide = buttons(text_msg)
    assert len(decide) == 2
    bot.clear()

    # the head returns it with a comment; the executor sees the comment
    return_data = next(v for v in decide.values() if ":ret:" in v)
    await tap(dp, bot, return_data, HEAD)
    await dp.feed_update(bot, make_message("Укажите суммы.", user_id=HEAD))
    await deliverer.drain()
    back = sent_to(bot, EXEC2)[-1]
    assert "Укажите суммы." in back.text
    # deciding the same draft again is refused
    bot.clear()
    await tap(dp, bot, next(v for v in decide.values() if ":ok:" in v), HEAD)
    assert alert(bot)
    assert (await staff.assignments.reports(item.id)) == []
    bot.clear()

    # a second draft, approved in one tap: it becomes the department's report to control
    await tap(dp, bot, PC(action=PassAction.DRAFT, id=item.id).pack(), EXEC2)
    await dp.feed_update(bot, make_message("Ремонт завершён, сумма 5 млн.", user_id=EXEC2))
    await tap(dp, bot, PC(action=PassAction.SEND, id=item.id).pack(), EXEC2)
    bot.clear()
    await deliverer.drain()
    second = next(m for m in sent_to(bot, HEAD) if "5 млн" in (m.text or ""))
    bot.clear()
    await tap(dp, bot, next(v for v in buttons(second).values() if ":ok:" in v), HEAD)
    [report] = await staff.assignments.reports(item.id)
    assert report.text == "Ремонт завершён, сумма 5 млн." and report.final
    assert report.author_code == "edu_head"
    assert (await staff.assignments.get(item.id)).status is Status.REPORTED  # type: ignore[union-attr]
    await deliverer.drain()
    assert any("5 млн" in (m.text or "") for m in sent_to(bot, CTRL))
    assert any("отправлен" in (m.text or "") for m in sent_to(bot, EXEC2))
    history = [e.action for e in await staff.assignments.history(item.reg_number)]
    assert {"pass", "executor_draft", "draft_returned", "draft_approved", "report"} <= set(history)


async def test_head_takes_the_item_back(
    dp: Dispatcher,
    bot: RecordingBot,
    staff: Repos,
    profile: Profile,
    settings: Settings,
    deliverer: Deliverer,
) -> None:
    await join(dp, bot, staff, "edu_head", HEAD, "ru")
    await join(dp, bot, staff, "edu_exec", EXEC, "ru")
    item = await register(staff, profile, settings)
    edu = item.executors[0].department_id
    executor = await who(staff, "edu_exec")
    await tap(dp, bot, PC(action=PassAction.OPEN, id=item.id, dep=edu).pack(), HEAD)
    await tap(
        dp, bot, PC(action=PassAction.PICK, id=item.id, dep=edu, value=executor.id).pack(), HEAD
    )
    await tap(dp, bot, PC(action=PassAction.DONE, id=item.id, dep=edu).pack(), HEAD)
    await deliverer.drain()
    bot.clear()
    await tap(dp, bot, ItemCallback(action=ItemAction.VIEW, id=item.id).pack(), HEAD)
    assert "Передано исполнителям: Дана Серикова" in (sent_to(bot, HEAD)[-1].text or "")
    bot.clear()
    # the picker again shows the executor chosen and offers to take it back
    await tap(dp, bot, PC(action=PassAction.OPEN, id=item.id, dep=edu).pack(), HEAD)
    picker = buttons(sent_to(bot, HEAD)[-1])
    assert "✅ Дана Серикова" in picker
    take = next(v for k, v in picker.items() if k.startswith("↩️"))
    await tap(dp, bot, take, HEAD)
    assert await staff.executors.passed(item.id, edu) == []
    await deliverer.drain()
    assert any("забрал" in (m.text or "").lower() for m in sent_to(bot, EXEC))
    bot.clear()
    await tap(dp, bot, PC(action=PassAction.DRAFT, id=item.id).pack(), EXEC)
    assert alert(bot) == "Это поручение адресовано не вам."
    await dp.feed_update(bot, make_message("/my", user_id=EXEC))
    assert "01-12/700" not in sent_to(bot, EXEC)[-1].text


# --- two heads at once, on a real database file ------------------------------------------------


async def test_head_and_acting_head_pass_at_once(
    staff: Repos, profile: Profile, settings: Settings
) -> None:
    """The head and the acting head (another process on the same file) pass the same items at
    the same moment to different executors: each item ends with exactly one of the two lists,
    its passes match the last audited list, and every executor told is one still passed or
    told it was taken back."""
    head, vice = await who(staff, "edu_head"), await who(staff, "edu_vice")
    exec1, exec2 = await who(staff, "edu_exec"), await who(staff, "edu_exec2")
    ctx = await services.make_context(staff, profile, settings)
    await staff.staff.add_substitution(head, vice, ctx.today, ctx.today, actor="admin")
    items = [await register(staff, profile, settings, number=f"C-{n}") for n in range(8)]
    edu = items[0].executors[0].department_id
    async with connect(settings.database_path) as other_db:
        other = Repos(other_db)
        other_ctx = await services.make_context(other, profile, settings)
        runs = []
        for n, item in enumerate(items):
            pair = [
                steps.pass_item(ctx, head, item, edu, [exec1.id]),
                steps.pass_item(other_ctx, vice, item, edu, [exec2.id, exec1.id]),
            ]
            runs.extend(pair if n % 2 else pair[::-1])
        results = await asyncio.gather(*runs, return_exceptions=True)
    assert [r for r in results if isinstance(r, BaseException)] == []
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
    staff: Repos, profile: Profile, settings: Settings
) -> None:
    item = await register(staff, profile, settings)
    other = await register(staff, profile, settings, number="01-12/701")
    edu = item.executors[0].department_id
    ctx = await services.make_context(staff, profile, settings)
    head, author = await who(staff, "edu_head"), await who(staff, "edu_exec")
    await steps.pass_item(ctx, head, item, edu, [author.id])
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
    assert (await staff.executors.draft(draft.id)).status is DraftStatus.PENDING  # type: ignore[union-attr]
    assert await staff.assignments.reports(item.id) == []
    assert await steps.approve_draft(ctx, head, item, draft.id)
    with pytest.raises(Refused) as again:
        await steps.approve_draft(ctx, head, item, draft.id)
    assert again.value.refusal is ExecutorRefusal.DRAFT_DECIDED


async def test_a_returned_item_leaves_the_executors_list(
    staff: Repos, profile: Profile, settings: Settings
) -> None:
    item = await register(staff, profile, settings)
    edu = item.executors[0].department_id
    ctx = await services.make_context(staff, profile, settings)
    author = await who(staff, "edu_exec")
    await steps.pass_item(ctx, await who(staff, "edu_head"), item, edu, [author.id])
    assert (await staff.assignments.list_open(passed_to=author.id))[1] == 1
    await assignment_steps.not_ours(ctx, await who(staff, "edu_head"), item, edu, "Не наше")
    assert (await staff.assignments.list_open(passed_to=author.id))[1] == 0
    with pytest.raises(Refused) as refused:
        await steps.submit_draft(ctx, author, item, "text", [])
    assert refused.value.refusal is ExecutorRefusal.NOT_PASSED
