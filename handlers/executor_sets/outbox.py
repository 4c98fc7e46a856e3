"""What a department is told when the control department takes it off an item's executors."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.delivery import Deliverer, Rendered
from handlers.about import about_assignment
from storage.domain.assignments import Assignment
from storage.models import Person
from storage.outbox import OutboxItem


@about_assignment
async def render_executor_dropped(
    deliverer: Deliverer, item: OutboxItem, person: Person, assignment: Assignment
) -> Rendered | None:
    if assignment.executor(int(item.payload["department_id"])) is not None:
        return None  # added back meanwhile
    department = await deliverer.repos.staff.department(int(item.payload["department_id"]))
    return Rendered(
        _(
            "The control department took {department} off the executors of assignment No. "
            "{number}; it no longer needs your department's work."
        ).format(
            department=department.label(person.language.value) if department else "",
            number=assignment.reg_number,
        )
    )
