"""How passing to executors reads on the phone: the picker, the executor's card buttons, the
draft's buttons for the head."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot import services
from handlers.callbacks import PassAction, PassCallback
from handlers.keyboards import Keyboard
from storage.domain.assignments import Assignment
from storage.models import Person


def picker_text(item: Assignment, staff: Sequence[Person], chosen: Sequence[int]) -> str:
    names = [p.short_name for p in staff if p.id in chosen]
    return "\n".join(
        [
            _("Pass assignment No. {number} to executors of your department.").format(
                number=item.reg_number
            ),
            _("Tap to choose one or more, then «Done». You still answer for the deadline."),
            _("Chosen: {names}").format(names=", ".join(names))
            if names
            else _("Chosen: none yet."),
        ]
    )


def picker_keyboard(
    item: Assignment,
    department_id: int,
    staff: Sequence[Person],
    chosen: Sequence[int],
    *,
    passed: bool = False,
) -> InlineKeyboardMarkup:
    """The department's executors (✅ chosen), «Done», and «Take back» while it is passed."""
    builder = Keyboard()
    for person in staff:
        mark = "✅ " if person.id in chosen else ""
        builder.button(
            text=f"{mark}{person.short_name}",
            callback_data=PassCallback(
                action=PassAction.PICK, id=item.id, dep=department_id, value=person.id
            ),
        )
    builder.button(
        text=_("✔️ Done"),
        callback_data=PassCallback(action=PassAction.DONE, id=item.id, dep=department_id),
    )
    if passed:
        builder.button(
            text=_("↩️ Take back from everyone"),
            callback_data=PassCallback(action=PassAction.TAKE, id=item.id, dep=department_id),
        )
    builder.adjust(1)
    return builder.as_markup()


def pass_button(builder: Keyboard, item_id: int, department_id: int) -> None:
    """«Pass to an executor» on a head's card."""
    builder.button(
        text=_("👤 Pass to an executor"),
        callback_data=PassCallback(action=PassAction.OPEN, id=item_id, dep=department_id),
    )


def executor_card_keyboard(item: Assignment) -> InlineKeyboardMarkup | None:
    """The executor's card: draft the report (none once the item is closed)."""
    if not item.is_open:
        return None
    builder = Keyboard()
    builder.button(
        text=_("📝 Draft the report"),
        callback_data=PassCallback(action=PassAction.DRAFT, id=item.id),
    )
    return builder.as_markup()


def draft_keyboard(item: Assignment, draft_id: int) -> InlineKeyboardMarkup:
    """The head's choice on an executor's draft."""
    builder = Keyboard()
    builder.button(
        text=_("📤 Approve and send on"),
        callback_data=PassCallback(action=PassAction.APPROVE, id=item.id, value=draft_id),
    )
    builder.button(
        text=_("🔁 Return with a comment"),
        callback_data=PassCallback(action=PassAction.RETURN, id=item.id, value=draft_id),
    )
    builder.adjust(1)
    return builder.as_markup()


async def passed_line(ctx: services.Context, item: Assignment, department_id: int) -> str:
    """«Passed to executors: …» under the head's card ("" when it is with nobody)."""
    people = [
        await ctx.repos.staff.get(p.person_id)
        for p in await ctx.repos.executors.passed(item.id, department_id)
    ]
    names = ", ".join(p.short_name for p in people if p is not None)
    return "\n" + _("Passed to executors: {names}").format(names=names) if names else ""
