"""What the sender shows for the quarterly report's messages, in the recipient's language:
the reminder, the report for the control department (the paragraph, the chart and the
workbook), and the summary with the chart for the akim and the head of apparatus. The figures
are read at send time (the quarter is over: as of its last day), every department."""

from __future__ import annotations

from datetime import date

from aiogram.types import BufferedInputFile
from aiogram.utils.i18n import gettext as _

from bot.delivery import Deliverer, Rendered
from bot.reports import rules, steps, texts
from handlers.replies import dotted
from storage.models import Person
from storage.outbox import OutboxItem


def quarter_of(item: OutboxItem) -> tuple[int, int, date]:
    payload = item.payload
    return int(payload["year"]), int(payload["quarter"]), date.fromisoformat(payload["due"])


async def render_quarterly_reminder(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    year, quarter, due = quarter_of(item)
    return Rendered(
        _(
            "📅 The report on the execution of assignments for quarter {quarter} of {year} is due"
            " by {date}. It will come here that day, ready to file; /report builds it any time."
        ).format(quarter=quarter, year=year, date=dotted(due))
    )


async def _quarter(
    deliverer: Deliverer, item: OutboxItem, person: Person, with_items: bool
) -> steps.Gathered:
    year, quarter, _due = quarter_of(item)
    start, end = rules.quarter_days(year, quarter)
    zone = deliverer.settings.zone
    return await steps.gather(
        deliverer.repos,
        zone,
        end,
        start,
        end,
        None,
        language=person.language.value,
        with_items=with_items,
    )


def heading(item: OutboxItem) -> str:
    year, quarter, due = quarter_of(item)
    return _("📊 Quarter {quarter} of {year}: the report on the execution of assignments").format(
        quarter=quarter, year=year
    ) + ("\n" + _("Due by {date}.").format(date=dotted(due)))


async def render_quarterly_report(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    gathered = await _quarter(deliverer, item, person, with_items=True)
    built = await steps.built(_, gathered)
    text = "\n\n".join([heading(item), texts.paragraph(_, gathered.report)])
    return Rendered(
        text,
        pictures=[BufferedInputFile(built.png, filename=f"{built.stem}.png")],
        attachments=[BufferedInputFile(built.xlsx, filename=f"{built.stem}.xlsx")],
    )


async def render_quarterly_summary(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    gathered = await _quarter(deliverer, item, person, with_items=False)
    built = await steps.built(_, gathered)
    text = "\n\n".join([heading(item), texts.paragraph(_, gathered.report)])
    return Rendered(text, pictures=[BufferedInputFile(built.png, filename=f"{built.stem}.png")])
