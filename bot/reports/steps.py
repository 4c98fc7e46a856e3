"""Reading a report (no writes): who may read which departments, the figures, the items and
the deadlines moved, and the files built off the event loop."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.leaders.views import lens
from bot.reports import files, rules, texts
from bot.services import Context, head_departments
from storage.domain.refusals import Refused
from storage.domain.reports import ExtensionRow, ItemRow
from storage.models import Person
from storage.repo import Repos


class ReportRefusal(StrEnum):
    NOT_FOR_YOU = "report_not_for_you"  # no department to report on for this person
    BAD_PERIOD = "report_bad_period"  # the period ends before it starts


@dataclass(frozen=True, slots=True)
class Gathered:
    report: rules.Report
    items: list[ItemRow]
    moves: list[ExtensionRow]


@dataclass(frozen=True, slots=True)
class Built:
    summary: str
    png: bytes
    xlsx: bytes
    stem: str


async def scope_of(ctx: Context, person: Person) -> frozenset[int] | None:
    """The departments `person` (or whoever they act for today) reports on; None for all.
    Refused when there are none."""
    view = await lens(ctx, person)
    roles = view.roles | person.roles
    departments = rules.reader_scope(roles, view.curates, await head_departments(ctx, person))
    if departments is not None and not departments:
        raise Refused(ReportRefusal.NOT_FOR_YOU)
    return departments


async def gather(
    repos: Repos,
    zone: ZoneInfo,
    today: date,
    start: date,
    end: date,
    departments: frozenset[int] | None,
    *,
    language: str,
    with_items: bool = True,
) -> Gathered:
    if end < start:
        raise Refused(ReportRefusal.BAD_PERIOD)
    win = rules.window(start, end, today, zone, departments)
    names = {d.id: d.label(language) for d in await repos.staff.departments()}
    report = rules.build(
        win,
        await repos.reports.groups(win),
        await repos.reports.worst_overdue(win, rules.WORST_SHOWN),
        names,
    )
    items = await repos.reports.items(win, language) if with_items else []
    moves = await repos.reports.deadline_moves(win, language) if with_items else []
    return Gathered(report, items, moves)


def build_files(_: texts.Translate, gathered: Gathered, scope: str = "") -> Built:
    """The summary, the chart and the workbook (blocking: run in a worker thread)."""
    report = gathered.report
    return Built(
        texts.summary(_, report, scope=scope),
        files.chart_png(_, report),
        files.workbook(_, report, gathered.items, gathered.moves),
        files.file_stem(report),
    )


async def built(_: texts.Translate, gathered: Gathered, scope: str = "") -> Built:
    """`build_files` off the event loop, so the bot keeps answering meanwhile."""
    return await asyncio.to_thread(build_files, _, gathered, scope)
