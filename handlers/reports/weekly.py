"""The week's chart beside the weekly control list: open items per department by traffic light
(🔴 overdue, 🟡 3 working days or less, 🟢 later), as a picture, for the reader's departments
(the akim and the head of apparatus every one, a deputy akim the curated ones). Kept apart
from the list's own renderer: `with_week_chart` adds the picture to whatever the list is."""

from __future__ import annotations

import asyncio
from datetime import date

from aiogram.types import BufferedInputFile
from aiogram.utils.i18n import gettext as _

from bot.assignments.rules import light_bounds
from bot.delivery import Deliverer, Rendered, Renderer, SharedFile, content_digest
from bot.i18n_marks import N_
from bot.leaders.rules import by_urgency, scope, tally
from bot.reports.chart import AMBER, GREEN, RED, Series, stacked_png
from bot.services import load_calendar
from handlers.about import local_today
from handlers.assignments.outbox import scope_key
from handlers.replies import dotted
from storage.models import Person
from storage.outbox import OutboxItem

LIGHT_LABELS = (N_("overdue"), N_("3 working days or less"), N_("later"))


async def week_chart(deliverer: Deliverer, person: Person, week_start: date) -> SharedFile | None:
    """The picture, or None when nothing is open in the reader's departments. The same picture
    for every reader of this scope, week and language: drawn and uploaded once, then sent by
    its file_id."""
    cal = await load_calendar(deliverer.repos)
    today = local_today(deliverer)
    rows = await deliverer.repos.overview.open_counts(
        scope(person.roles, person.curates), light_bounds(cal, today)
    )
    tallies, _total = tally(rows, cal, today)
    language = person.language.value
    names = {d.id: d.label(language) for d in await deliverer.repos.staff.departments()}
    order = [d for d in by_urgency(tallies, names) if d in names]
    if not order:
        return None
    title = _("Open assignments by department, {date}").format(date=dotted(week_start))
    series = [
        Series(_(LIGHT_LABELS[0]), RED, [tallies[d].overdue for d in order]),
        Series(_(LIGHT_LABELS[1]), AMBER, [tallies[d].soon for d in order]),
        Series(_(LIGHT_LABELS[2]), GREEN, [tallies[d].later for d in order]),
    ]
    labels = [names[d] for d in order]

    async def build() -> BufferedInputFile:
        data = await asyncio.to_thread(stacked_png, title, labels, series)
        return BufferedInputFile(data, filename=f"week-{week_start.isoformat()}.png")

    return SharedFile(
        f"week-chart:{week_start.isoformat()}:{scope_key(person)}:{person.language.value}",
        content_digest(title, labels, [(s.label, s.color, s.values) for s in series]),
        build,
        photo=True,
    )


def with_week_chart(render: Renderer) -> Renderer:
    """The weekly list as `render` makes it, with the week's chart after it."""

    async def rendered(deliverer: Deliverer, item: OutboxItem, person: Person) -> Rendered | None:
        found = await render(deliverer, item, person)
        if found is None:
            return None
        week_start = date.fromisoformat(item.payload["week_start"])
        picture = await week_chart(deliverer, person, week_start)
        if picture is not None:  # after the text, before the workbook
            found.shared.insert(0, picture)
        return found

    return rendered
