"""/overview: the akim's, the head of apparatus's and a deputy akim's screen — open items per
department by traffic light, a department's items a page at a time, an item's card with its
history (read-only), and what waits on them (requests to decide, rounds to answer)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot import services
from bot.assignments.rules import Light, traffic_light
from bot.i18n_marks import N_
from bot.leaders import views
from bot.leaders.rules import LEADERS, Tally
from bot.middlewares import for_roles
from handlers.assignments.cards import LIGHTS, card_text, history_text, page_number
from handlers.callbacks import LeadAction, LeadCallback
from handlers.extensions.letters import requested_from_line
from handlers.keyboards import Keyboard
from handlers.leaders.waiting import waiting_buttons, waiting_lines
from handlers.replies import fit, reader_language, show
from storage.domain.assignments import Assignment, Status
from storage.models import Person

PAGE_SIZE = 8
HISTORY_SHOWN = 15  # the latest entries on the card (a message holds 4096 characters)
SHORT_STATUS: dict[Status, str] = {
    Status.REGISTERED: N_("not accepted"),
    Status.ACCEPTED: N_("in work"),
    Status.REPORTED: N_("report in"),
    Status.RETURNED: N_("returned"),
    Status.REMOVED: N_("removed"),
}


def tally_text(tally: Tally) -> str:
    return (
        f"{LIGHTS[Light.OVERDUE]} {tally.overdue} · {LIGHTS[Light.SOON]} {tally.soon} · "
        f"{LIGHTS[Light.LATER]} {tally.later}"
    )


async def overview_view(person: Person, ctx: services.Context) -> tuple[str, InlineKeyboardMarkup]:
    seen = await views.overview(ctx, person)
    requests = await views.requests_to_decide(ctx, person)
    rounds = await views.rounds_to_answer(ctx, person)
    lines = [_("📊 Open assignments by department"), ""]
    if not seen.departments:
        lines.append(_("No open assignments in your departments."))
    language = person.language.value
    for department, tally in seen.departments:
        lines.append(f"{department.label(language)}: {tally_text(tally)}")
    if seen.departments:
        lines += [
            "",
            _("Total: {counts} ({count} in all)").format(
                counts=tally_text(seen.total), count=seen.total.total
            ),
        ]
        if sum(tally.total for _department, tally in seen.departments) > seen.total.total:
            # the rows add up to more than the total: say why, or it reads as a mistake
            lines.append(_("An assignment with several executor departments counts in each."))
        lines.append(_("🔴 overdue · 🟡 3 working days or less · 🟢 later"))
    lines += ["", *waiting_lines(requests, rounds)]
    builder = Keyboard()
    for department, tally in seen.departments:
        label = fit(department.label(language), 28)
        builder.button(
            text=f"{label} · {tally.total}",
            callback_data=LeadCallback(action=LeadAction.DEPARTMENT, id=department.id),
        )
    builder.adjust(1)
    builder.attach(waiting_buttons(requests, rounds))
    return "\n".join(lines), builder.as_markup()


def item_line(item: Assignment, ctx: services.Context) -> str:
    """Number, deadline, and (unless restricted) a short summary, the status and executors."""
    light = LIGHTS[traffic_light(ctx.calendar, ctx.today, item.deadline)]
    when = item.deadline.strftime("%d.%m.%Y")
    if item.restricted:
        mark = _("restricted")
        return f"{light} {item.reg_number} · {when} · {mark}"
    summary = item.summary if len(item.summary) <= 50 else item.summary[:49] + "…"
    main = next(
        (e.department_in(reader_language()) for e in item.executors if e.active and e.main), ""
    )
    others = sum(1 for e in item.executors if e.active and not e.main)
    executor = f"{main} +{others}" if others else main
    return (
        f"{light} {item.reg_number} · {when} · {summary} · {_(SHORT_STATUS[item.status])}"
        f" · {executor}"
    )


async def department_view(
    person: Person, ctx: services.Context, department_id: int, page: int, at: int = 0
) -> tuple[str, InlineKeyboardMarkup]:
    department, found = await views.department_items(ctx, person, department_id, at, PAGE_SIZE)
    total, items = found.total, found.items
    pages = max(1, -(-total // PAGE_SIZE))
    page = page_number(page, total, PAGE_SIZE, found)
    lines = [
        f"{department.label(person.language.value)} — " + _("open: {count}").format(count=total)
    ]
    if pages > 1:
        lines[0] += " · " + _("page {page} of {pages}").format(page=page + 1, pages=pages)
    if not items:
        lines.append(_("Nothing here."))
    lines += [item_line(item, ctx) for item in items]
    builder = Keyboard()
    here = items[0].id if items and found.before_first else 0  # «Back» returns to this page
    for item in items:
        builder.button(
            text=f"🔎 {item.reg_number}",
            callback_data=LeadCallback(
                action=LeadAction.ITEM, id=item.id, dep=department.id, page=page, at=here
            ),
        )
    builder.adjust(2)
    nav = Keyboard()
    if found.before_first and items:
        nav.button(
            text="◀️",
            callback_data=LeadCallback(
                action=LeadAction.DEPARTMENT, id=department.id, page=page - 1, at=-items[0].id
            ),
        )
    if found.next_at is not None:
        nav.button(
            text="▶️",
            callback_data=LeadCallback(
                action=LeadAction.DEPARTMENT, id=department.id, page=page + 1, at=found.next_at
            ),
        )
    nav.button(text=_("📊 Overview"), callback_data=LeadCallback(action=LeadAction.OVERVIEW))
    builder.attach(nav)
    return "\n".join(lines), builder.as_markup()


async def item_view(
    person: Person, ctx: services.Context, callback_data: LeadCallback
) -> tuple[str, InlineKeyboardMarkup]:
    item = await views.item(ctx, person, callback_data.id)
    names = await ctx.repos.staff.names()
    text = card_text(
        item, ctx.calendar, ctx.today, ctx.settings.zone, names=names, profile=ctx.profile
    )
    text += await requested_from_line(ctx.repos, ctx.profile, item)
    history = (await ctx.repos.assignments.history(item.reg_number))[-HISTORY_SHOWN:]
    text += "\n\n" + history_text(history, ctx.settings.zone, names)
    builder = Keyboard()
    if callback_data.dep:
        builder.button(
            text=_("↩️ Back"),
            callback_data=LeadCallback(
                action=LeadAction.DEPARTMENT,
                id=callback_data.dep,
                page=callback_data.page,
                at=callback_data.at,
            ),
        )
    builder.button(text=_("📊 Overview"), callback_data=LeadCallback(action=LeadAction.OVERVIEW))
    builder.adjust(2)
    return text, builder.as_markup()


async def cmd_overview(message: Message, person: Person, ctx: services.Context) -> None:
    text, markup = await overview_view(person, ctx)
    await message.answer(text, reply_markup=markup)


async def on_overview(query: CallbackQuery, person: Person, ctx: services.Context) -> None:
    text, markup = await overview_view(person, ctx)
    await query.answer()
    await show(query, text, markup)


async def on_department(
    query: CallbackQuery, callback_data: LeadCallback, person: Person, ctx: services.Context
) -> None:
    text, markup = await department_view(
        person, ctx, callback_data.id, callback_data.page, callback_data.at
    )
    await query.answer()
    await show(query, text, markup)


async def on_item(
    query: CallbackQuery, callback_data: LeadCallback, person: Person, ctx: services.Context
) -> None:
    text, markup = await item_view(person, ctx, callback_data)
    await query.answer()
    await show(query, text, markup)


def create_router() -> Router:
    router = for_roles(Router(name=__name__), LEADERS)
    router.message.register(cmd_overview, Command("overview"))
    cb = router.callback_query
    cb.register(on_overview, LeadCallback.filter(F.action == LeadAction.OVERVIEW))
    cb.register(on_department, LeadCallback.filter(F.action == LeadAction.DEPARTMENT))
    cb.register(on_item, LeadCallback.filter(F.action == LeadAction.ITEM))
    return router
