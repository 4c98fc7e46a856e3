"""The organizer's dialog that registers a meeting's protocol: «📄 Register the protocol» on the
live view once the meeting has begun (MeetCallback action `proto`).

The protocol file (a document, or «signed on paper»; a restricted meeting's protocol stays on
paper) → the signing date (today, or typed; not in the future, not before the meeting) → its
assignments, repeated and optional: the text, the executor departments (a paged picker, the first
chosen is the main executor), the deadline (typed, or the regulation's term from the meeting
day) → a confirmation → bot.meeting_services.register_protocol numbers the protocol within the
year, puts the assignments on control and sends the protocol out.

A wrong answer is re-asked with the reason, /cancel leaves, a stale button is stale: as in every
wizard (handlers.steps).
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.assignments.rules import SUMMARY_MAX
from bot.i18n import date_with_weekday
from bot.meetings import rules
from bot.meetings import steps as meeting_services
from bot.middlewares import Tap, for_roles
from bot.services import Context
from handlers import steps
from handlers.assignments.drafting import SUMMARY_MIN, chosen_departments, main_marked
from handlers.callbacks import MeetCallback, ProtocolCallback, ProtocolStep
from handlers.keyboards import Keyboard
from handlers.meetings import protocol_views as views
from handlers.meetings.cards import lateness_lines
from handlers.meetings.protocol_refusals import protocol_refusal
from handlers.meetings.protocol_views import draw_executors as executors_view
from handlers.refusals import refusal_text
from handlers.replies import Reply, answered, dotted, present, reader_language, refuse, show, stale
from storage.assignments import DuplicateNumber, UnknownDepartment
from storage.domain.assignments import Refusal
from storage.domain.meetings import Meeting
from storage.domain.refusals import Refused
from storage.models import Person
from storage.repo import Repos

PICKING = {ProtocolStep.DEPARTMENT, ProtocolStep.PAGE, ProtocolStep.ALL}


class ProtocolStates(StatesGroup):
    file = State()
    signed = State()
    summary = State()  # the text of the next assignment
    executors = State()
    deadline = State()
    more = State()  # another assignment, or that is all
    confirm = State()


# --- small I/O helpers -------------------------------------------------------------------------


# What the register keeps as the text of a restricted protocol's assignment: it stays on paper.
RESTRICTED_SUMMARY = "—"


async def meeting_of(repos: Repos, data: dict[str, Any]) -> Meeting | None:
    meeting_id = data.get("meeting_id")
    return await repos.meetings.get(int(meeting_id)) if meeting_id is not None else None


async def ask_signed(
    message: Reply, state: FSMContext, ctx: Context, language: str, reason: str = ""
) -> None:
    await state.set_state(ProtocolStates.signed)
    data = await state.get_data()
    prompt = views.signed_prompt(date.fromisoformat(data["day"]), language)
    await message.answer(
        steps.after(reason, prompt), reply_markup=views.signed_keyboard(ctx.today)
    )


async def ask_summary(message: Reply, state: FSMContext, prefix: str = "") -> None:
    await state.set_state(ProtocolStates.summary)
    data = await state.update_data(edit=None)
    number = views.number_of(data)
    restricted = bool(data.get("restricted"))
    await message.answer(
        steps.after(prefix, views.summary_prompt(number, restricted)),
        reply_markup=views.summary_keyboard(number, restricted),
    )


async def ask_deadline(message: Reply, state: FSMContext, ctx: Context, reason: str = "") -> None:
    await state.set_state(ProtocolStates.deadline)
    data = await state.get_data()
    regulation = views.regulation_or_none(ctx, date.fromisoformat(data["day"]))
    prompt = views.deadline_prompt(views.number_of(data), regulation)
    await message.answer(
        steps.after(reason, prompt), reply_markup=views.deadline_keyboard(regulation)
    )


async def go_confirm(
    target: Message | CallbackQuery, state: FSMContext, person: Person, ctx: Context
) -> None:
    """Show the confirmation; a deadline that became past meanwhile is asked again."""
    message = target.message if isinstance(target, CallbackQuery) else target
    data = await state.get_data()
    meeting = await meeting_of(ctx.repos, data)
    if message is None or meeting is None:
        await state.clear()
        if isinstance(target, CallbackQuery):
            await stale(target)
        return
    language = person.language.value
    try:
        text = await views.confirmation_view(ctx, meeting, data, language)
    except Refused as error:
        await reopen_task(message, state, ctx, language, error)
        return
    await state.set_state(ProtocolStates.confirm)
    await present(target, text, views.register_keyboard())


async def reopen_task(
    message: Reply, state: FSMContext, ctx: Context, language: str, error: Refused
) -> None:
    """A deadline refused at the end (it became past meanwhile): the assignment it belongs to
    is taken out of the list and its deadline asked again; it goes back to its place."""
    data = await state.get_data()
    tasks = views.tasks_of(data)
    refused = error.values.get("deadline")
    if error.refusal is Refusal.DEADLINE_BEFORE_RECEIVED:  # before the meeting: past as well
        error = Refused(Refusal.DEADLINE_PAST, deadline=refused)
    index = views.task_with(tasks, refused)
    if not tasks:  # nothing to reopen: the refusal is not about a deadline we hold
        await ask_signed(message, state, ctx, language, refusal_text(error, language))
        return
    task = tasks.pop(index)
    await state.update_data(
        tasks=tasks,
        edit=index,
        summary=task["summary"],
        executors=task["executors"],
        executor_labels=task.get("shown"),
    )
    await ask_deadline(message, state, ctx, refusal_text(error, language))


async def finish_task(
    target: Message | CallbackQuery,
    state: FSMContext,
    typed: date | None,
    resolved: date,
    language: str,
) -> None:
    """The assignment being written goes into the list (at its place when it was reopened)."""
    data = await state.get_data()
    tasks = views.tasks_of(data)
    task = {
        "summary": data["summary"],
        "executors": list(data["executors"]),
        "shown": list(data.get("executor_labels") or data["executors"]),  # on the screen
        "deadline": typed.isoformat() if typed else "",
    }
    edit = data.get("edit")
    position = int(edit) if edit is not None else len(tasks)
    tasks.insert(position, task)
    await state.update_data(
        tasks=tasks, edit=None, summary=None, executors=None, executor_labels=None
    )
    await state.set_state(ProtocolStates.more)
    text = views.added_text(position + 1, task, resolved, len(tasks), language)
    await present(target, text, views.more_keyboard())


# --- the steps ---------------------------------------------------------------------------------


async def on_start(query: CallbackQuery, tap: Tap[MeetCallback]) -> None:
    language = tap.person.language.value
    try:
        meeting = rules.check_organizer(
            await tap.ctx.repos.meetings.get(tap.button.id), tap.person.id, tap.person.roles
        )
        rules.check_protocol(meeting, meeting_services.local_now(tap.ctx))
    except Refused as error:  # worded naming the meeting
        await refuse(query, await protocol_refusal(tap.ctx.repos, error, language))
        return
    await tap.state.clear()
    await tap.state.set_state(ProtocolStates.file)
    await tap.state.update_data(
        meeting_id=meeting.id,
        restricted=meeting.restricted,
        day=meeting.day.isoformat(),
        file=None,
        tasks=[],
        edit=None,
    )
    await query.answer()
    if query.message is not None:
        await query.message.answer(
            views.heading(meeting, language) + "\n\n" + views.file_prompt(meeting.restricted),
            reply_markup=views.file_keyboard(),
        )


async def on_document(message: Message, state: FSMContext, person: Person, ctx: Context) -> None:
    assert message.document is not None  # the handler's filter
    data = await state.get_data()
    if data.get("restricted"):
        await message.answer(views.restricted_file_refusal(), reply_markup=views.file_keyboard())
        return
    name = message.document.file_name or "protocol"
    await state.update_data(file=[message.document.file_id, name])
    await ask_signed(
        message,
        state,
        ctx,
        person.language.value,
        _("The protocol file is received: {name}.").format(name=name),
    )


async def on_not_a_document(message: Message, state: FSMContext) -> None:
    data = await state.get_data()
    if data.get("restricted"):
        await message.answer(views.restricted_file_refusal(), reply_markup=views.file_keyboard())
        return
    await message.answer(
        _("Send the protocol as a file (📎 → File), or press «No file: signed on paper»."),
        reply_markup=views.file_keyboard(),
    )


async def on_paper(query: CallbackQuery, state: FSMContext, person: Person, ctx: Context) -> None:
    reply = await answered(query)
    if reply is not None:
        await state.update_data(file=None)
        await ask_signed(reply, state, ctx, person.language.value, _("No file: signed on paper."))


async def on_signed(
    event: Message | CallbackQuery,
    state: FSMContext,
    person: Person,
    ctx: Context,
    value: str | None = None,
) -> None:
    """The signing date: typed, or «Today» tapped."""
    signed = await steps.given_day(event, value)
    if signed is None:
        return
    language = person.language.value
    data = await state.get_data()
    reason = views.signed_refusal(signed, date.fromisoformat(data["day"]), ctx.today, language)
    if reason is not None:
        if isinstance(event, CallbackQuery):
            await refuse(event, reason)
        else:
            await event.answer(steps.retype_date(reason))
        return
    await state.update_data(signed_on=signed.isoformat())
    message = event.message if isinstance(event, CallbackQuery) else event
    if isinstance(event, CallbackQuery):
        await event.answer()
    if message is None:
        return
    await ask_summary(
        message,
        state,
        _("Signed: {date}.").format(date=date_with_weekday(signed, language)),
    )


async def on_summary(message: Message, state: FSMContext, repos: Repos) -> None:
    if (await state.get_data()).get("restricted"):  # never typed: asked again, nothing kept
        await ask_summary(message, state)
        return
    wrong = _(
        "The text of an assignment must be {min} to {max} characters long; yours has "
        "{count}. Type it again."
    )
    summary = await steps.typed_text(message, SUMMARY_MIN, SUMMARY_MAX, wrong, lines=True)
    if summary is None:
        return
    data = await state.update_data(summary=summary, **views.EXECUTORS.fresh())
    await state.set_state(ProtocolStates.executors)
    text, markup = await executors_view(repos, data)
    await message.answer(text, reply_markup=markup)


async def on_task(
    query: CallbackQuery, value: str, state: FSMContext, person: Person, ctx: Context
) -> None:
    """«No assignments» / «That is all» → the confirmation; «Another assignment» → its text."""
    data = await state.get_data()
    has_tasks = bool(views.tasks_of(data))
    current = await state.get_state()
    if value == "add" and current == ProtocolStates.more.state and query.message is not None:
        await query.answer()
        await ask_summary(query.message, state)
        return
    paper = current == ProtocolStates.summary.state and data.get("restricted")
    if value == "paper" and paper and query.message is not None:
        # a restricted protocol's assignment: only what may travel (executors, deadline)
        data = await state.update_data(summary=RESTRICTED_SUMMARY, **views.EXECUTORS.fresh())
        await state.set_state(ProtocolStates.executors)
        await query.answer()
        text, markup = await executors_view(ctx.repos, data)
        await query.message.answer(text, reply_markup=markup)
        return
    if (value == "none" and not has_tasks) or (value == "end" and has_tasks):
        await query.answer()
        await go_confirm(query, state, person, ctx)
        return
    await stale(query)


async def on_search(message: Message, state: FSMContext, repos: Repos) -> None:
    hint = _("Type part of a department's name, or use the buttons.")
    await steps.search(message, state, views.EXECUTORS, partial(executors_view, repos), hint)


async def on_pick(
    query: CallbackQuery, step: str, value: str, state: FSMContext, repos: Repos
) -> None:
    """A department (toggled), a page, or «show all»."""
    draw = partial(executors_view, repos)
    await steps.pick(query, state, views.EXECUTORS, step, value, draw, steps.departments_of(repos))


async def on_executors_done(query: CallbackQuery, state: FSMContext, ctx: Context) -> None:
    data = await state.get_data()
    departments = await ctx.repos.staff.departments()
    chosen = chosen_departments(departments, views.EXECUTORS.chosen(data))
    if not chosen:
        await refuse(query, _("Choose at least one executor department: tap its name."))
        return
    reply = await answered(query)
    if reply is None:
        return
    names = [d.label(reader_language()) for d in chosen]
    # the imported names are the keys it registers by; the labels, what the screen shows
    await state.update_data(executors=[d.name for d in chosen], executor_labels=names)
    executors = _("Executors: {names}").format(names=", ".join(main_marked(names)))
    await ask_deadline(reply, state, ctx, executors)


async def on_deadline_typed(
    message: Message, state: FSMContext, person: Person, ctx: Context
) -> None:
    day = date.fromisoformat((await state.get_data())["day"])
    typed = await steps.typed_deadline(
        message,
        person.language.value,
        lambda typed: (typed, views.resolved(ctx, day, typed)),
        example=views.regulation_deadline(ctx, ctx.today),
    )
    if typed is not None:
        await finish_task(message, state, *typed, person.language.value)


async def on_deadline_regulation(
    query: CallbackQuery, state: FSMContext, person: Person, ctx: Context
) -> None:
    data = await state.get_data()
    regulation = views.regulation_deadline(ctx, date.fromisoformat(data["day"]))
    if regulation < ctx.today:
        await refuse(
            query,
            _("The regulation's deadline {date} has already passed: type a date.").format(
                date=dotted(regulation)
            ),
        )
        return
    await query.answer()
    await finish_task(query, state, None, regulation, person.language.value)


async def on_register(
    query: CallbackQuery, state: FSMContext, person: Person, ctx: Context
) -> None:
    found = await steps.confirmed(query, state, views.registration_of)
    if found is None:
        return
    (meeting_id, registering), message = found
    repos = ctx.repos
    language = person.language.value
    meeting = await repos.meetings.get(meeting_id)
    try:
        protocol, created = await meeting_services.register_protocol(
            ctx, person, meeting_id, **registering
        )
    except Refused as error:
        await query.answer()
        if not isinstance(error.refusal, rules.MeetingRefusal):  # a task's deadline
            await reopen_task(message, state, ctx, language, error)
            return
        reason = await protocol_refusal(repos, error, language)
        if error.refusal is rules.MeetingRefusal.PAST:
            await ask_signed(message, state, ctx, language, reason)
            return
        await state.clear()
        await show(query, reason + "\n" + _("Nothing was registered."))
        return
    except (DuplicateNumber, UnknownDepartment) as error:
        await state.clear()
        await query.answer()
        await show(query, views.not_registered(error))
        return
    await state.clear()
    await query.answer(_("Registered."))
    assert meeting is not None  # register_protocol found it
    people = len(await meeting_services.protocol_audience(ctx, meeting, created))
    builder = Keyboard()
    builder.button(
        text=_("📋 Open the meeting"), callback_data=MeetCallback(action="open", id=meeting_id)
    )
    timing = rules.registered_timing(
        ctx.profile, ctx.calendar, meeting, protocol, ctx.settings.zone
    )
    text = views.result_text(protocol.label, created, people, meeting.restricted)
    late = lateness_lines(timing, language)
    await show(query, "\n".join([text, *late]), builder.as_markup())


def create_router() -> Router:
    router = for_roles(Router(name=__name__), rules.MAY_ORGANIZE)
    states = ProtocolStates
    text = ~F.text.startswith("/")
    msg = router.message
    msg.register(on_document, states.file, F.document)
    msg.register(on_not_a_document, states.file, text)
    msg.register(on_signed, states.signed, text)
    msg.register(on_summary, states.summary, text)
    msg.register(on_search, states.executors, text)
    msg.register(on_deadline_typed, states.deadline, text)
    steps.buttons_only(router, states.more, states.confirm)
    cb = router.callback_query
    new = partial(steps.Tapped, ProtocolCallback)
    cb.register(on_start, MeetCallback.filter(F.action == "proto"))
    cb.register(on_paper, states.file, new(ProtocolStep.FILE, values={"paper"}))
    cb.register(on_signed, states.signed, new(ProtocolStep.TODAY))
    cb.register(on_task, states.summary, new(ProtocolStep.TASK))
    cb.register(on_task, states.more, new(ProtocolStep.TASK))
    cb.register(on_pick, states.executors, new(*PICKING))
    cb.register(on_executors_done, states.executors, new(ProtocolStep.DONE))
    cb.register(
        on_deadline_regulation, states.deadline, new(ProtocolStep.DEADLINE, values={"reg"})
    )
    cb.register(on_register, states.confirm, new(ProtocolStep.OK))
    cb.register(steps.drop, states.confirm, new(ProtocolStep.NO))
    return router
