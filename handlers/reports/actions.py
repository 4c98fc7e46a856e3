"""/report: choose a period (a preset, or two typed dates), then the summary, the chart and the
workbook in the reader's language. Reading only: nothing is changed. The files are built in a
worker thread, so the bot keeps answering meanwhile."""

from __future__ import annotations

from datetime import date, datetime

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot import services
from bot.i18n_marks import N_
from bot.middlewares import Tap, for_roles
from bot.reports import rules, steps
from bot.reports.rules import Preset
from handlers.callbacks import ReportAction, ReportCallback
from handlers.keyboards import Keyboard
from handlers.replies import answered, reader_language, stale
from handlers.reports.health import MAY_SEE, health_view, on_health, on_invite
from handlers.steps import typed_day
from storage.domain.enums import Role
from storage.domain.refusals import Refused
from storage.models import Person

# Who may open /report: the readers, and an executor who may be acting for a head (the
# step says no to anyone with no department to report on).
MAY_OPEN = rules.READERS | {Role.EXECUTOR, Role.ADMIN}
PRESET_LABELS: dict[Preset, str] = {
    Preset.THIS_MONTH: N_("This month"),
    Preset.LAST_MONTH: N_("Last month"),
    Preset.THIS_QUARTER: N_("This quarter"),
    Preset.LAST_QUARTER: N_("Last quarter"),
    Preset.THIS_YEAR: N_("This year"),
}
SCOPE_SHOWN = 3  # departments named in the summary's heading; more are counted


class ReportStates(StatesGroup):
    start = State()
    end = State()


def period_keyboard(health: bool = False) -> InlineKeyboardMarkup:
    builder = Keyboard()
    for preset, label in PRESET_LABELS.items():
        builder.button(
            text=_(label), callback_data=ReportCallback(action=ReportAction.PERIOD, preset=preset)
        )
    builder.button(text=_("📅 Two dates"), callback_data=ReportCallback(action=ReportAction.DATES))
    if health:
        builder.button(
            text=_("📶 Delivery"), callback_data=ReportCallback(action=ReportAction.HEALTH)
        )
    builder.adjust(2)
    return builder.as_markup()


async def cmd_report(
    message: Message, person: Person, ctx: services.Context, seen: dict[int, datetime]
) -> None:
    health = bool(person.roles & MAY_SEE)
    try:
        await steps.scope_of(ctx, person)  # refused before any button for someone with none
    except Refused:
        if not health:
            raise
        text, markup = await health_view(ctx.repos, ctx.settings, seen)  # the administrator
        await message.answer(text, reply_markup=markup)
        return
    await message.answer(
        _("📊 Execution discipline report. Choose the period:"),
        reply_markup=period_keyboard(health),
    )


async def scope_label(ctx: services.Context, departments: frozenset[int] | None) -> str:
    if departments is None:
        return ""
    names = sorted(
        d.label(reader_language())
        for d in await ctx.repos.staff.departments()
        if d.id in departments
    )
    if len(names) <= SCOPE_SHOWN:
        return ", ".join(names)
    return _("{count} departments").format(count=len(names))


async def send_report(
    message: Message, person: Person, ctx: services.Context, start: date, end: date
) -> None:
    """The summary, the chart and the workbook of `start`..`end` for this person's scope."""
    departments = await steps.scope_of(ctx, person)
    gathered = await steps.gather(
        ctx.repos,
        ctx.settings.zone,
        ctx.today,
        start,
        end,
        departments,
        language=person.language.value,
    )
    built = await steps.built(_, gathered, await scope_label(ctx, departments))
    await message.answer(built.summary)
    if gathered.report.empty:
        return
    await message.answer_photo(BufferedInputFile(built.png, filename=f"{built.stem}.png"))
    await message.answer_document(BufferedInputFile(built.xlsx, filename=f"{built.stem}.xlsx"))


async def on_preset(query: CallbackQuery, tap: Tap[ReportCallback]) -> None:
    preset = tap.button.preset
    if preset is None:
        await stale(query)
        return
    message = await answered(query)
    if isinstance(message, Message):
        start, end = rules.preset_period(preset, tap.ctx.today)
        await send_report(message, tap.person, tap.ctx, start, end)


async def on_dates(query: CallbackQuery, tap: Tap[ReportCallback]) -> None:
    await steps.scope_of(tap.ctx, tap.person)
    message = await answered(query)
    if message is None:
        return
    await tap.state.set_state(ReportStates.start)
    await tap.state.set_data({})
    await message.answer(_("Type the first day of the period as dd.mm.yyyy. /cancel leaves it."))


async def on_start(message: Message, state: FSMContext) -> None:
    start = await typed_day(message)
    if start is None:
        return
    await state.update_data(start=start.isoformat())
    await state.set_state(ReportStates.end)
    await message.answer(_("Now type the last day of the period as dd.mm.yyyy."))


async def on_end(
    message: Message, person: Person, state: FSMContext, ctx: services.Context
) -> None:
    end = await typed_day(message)
    if end is None:
        return
    start = date.fromisoformat((await state.get_data())["start"])
    if end < start:
        raise Refused(steps.ReportRefusal.BAD_PERIOD)
    await state.clear()
    await send_report(message, person, ctx, start, end)


def create_router() -> Router:
    router = for_roles(Router(name=__name__), frozenset(MAY_OPEN))
    router.message.register(cmd_report, Command("report"))
    router.message.register(on_start, StateFilter(ReportStates.start), F.text)
    router.message.register(on_end, StateFilter(ReportStates.end), F.text)
    cb = router.callback_query
    cb.register(on_preset, ReportCallback.filter(F.action == ReportAction.PERIOD))
    cb.register(on_dates, ReportCallback.filter(F.action == ReportAction.DATES))
    cb.register(on_health, ReportCallback.filter(F.action == ReportAction.HEALTH))
    cb.register(on_invite, ReportCallback.filter(F.action == ReportAction.INVITE))
    return router
