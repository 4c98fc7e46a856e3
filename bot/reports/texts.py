"""The report in words, in the reader's language: the short summary, the column titles of the
workbook and the chart's labels. Pure: given a translating function (`aiogram`'s gettext in
the chat, the standard library's in the command line), so the command line never imports
aiogram. Dates are written dd.mm.yyyy, which reads the same in Kazakh and Russian."""

from __future__ import annotations

import gettext
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path

from bot.assignments.titles import SOURCE_TITLES
from bot.i18n_marks import N_
from bot.reports.rules import Report
from storage.domain.enums import Source
from storage.domain.reports import Counts

Translate = Callable[[str], str]
LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"

COLUMNS = (
    N_("Received"),
    N_("On time"),
    N_("Late"),
    N_("Overdue"),
    N_("Open within the deadline"),
    N_("Extended (times)"),
    N_("Removed as impossible"),
    N_("Returned for rework (times)"),
    N_("Execution rate, %"),
    N_("Average days late"),
)
BARS = (N_("executed on time"), N_("executed late"), N_("overdue"))


@cache
def translator(language: str) -> Translate:
    """The catalogue of a language without aiogram (the command line)."""
    return gettext.translation("messages", LOCALES_DIR, [language], fallback=True).gettext


def dotted(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def period_text(report: Report) -> str:
    return f"{dotted(report.start)} – {dotted(report.end)}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} %"


def days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def figures(counts: Counts) -> list[int | float | None]:
    """The values under COLUMNS (the rate and the average rounded to one decimal)."""
    return [
        counts.received,
        counts.on_time,
        counts.late,
        counts.overdue,
        counts.in_time,
        counts.extended,
        counts.impossible,
        counts.returned,
        None if counts.rate is None else round(counts.rate, 1),
        None if counts.average_days_late is None else round(counts.average_days_late, 1),
    ]


def figure_text(value: int | float | None) -> str:
    return "—" if value is None else str(value)


def title(_: Translate, report: Report) -> str:
    return _("Execution discipline, {period}").format(period=period_text(report))


def summary(_: Translate, report: Report, *, scope: str = "", attached: bool = True) -> str:
    """One short message: the period, the totals, the weakest departments, the worst overdue."""
    total = report.total
    lines = [f"📊 {title(_, report)}" + (f" · {scope}" if scope else "")]
    if report.empty:
        lines.append(_("Nothing was on control in this period."))
        return "\n".join(lines)
    lines.append(
        _(
            "Received {received} · executed on time {on_time}, late {late} · overdue {overdue}"
            " · open within the deadline {in_time}"
        ).format(
            received=total.received,
            on_time=total.on_time,
            late=total.late,
            overdue=total.overdue,
            in_time=total.in_time,
        )
    )
    lines.append(
        _(
            "Execution rate {rate} · average days late {days} · extended {extended}"
            " · removed as impossible {impossible} · returned for rework {returned}"
        ).format(
            rate=percent(total.rate),
            days=days(total.average_days_late),
            extended=total.extended,
            impossible=total.impossible,
            returned=total.returned,
        )
    )
    if report.as_of < report.end:
        lines.append(_("Open and overdue items as of {date}.").format(date=dotted(report.as_of)))
    if report.worst:
        lines += ["", _("Overdue the longest:")]
        lines += [
            "• "
            + _("No. {number} · {department} · {days} days overdue").format(
                number=item.reg_number, department=item.department, days=item.days
            )
            for item in report.worst
        ]
    if attached:
        lines += ["", _("By department and by source: in the attached file.")]
    return "\n".join(lines)


def paragraph(_: Translate, report: Report) -> str:
    """The quarterly report's one paragraph."""
    total = report.total
    return _(
        "In the period {period}, {received} assignments were received; {executed} were executed,"
        " {on_time} of them on time and {late} late (on average {days} days late); {overdue}"
        " are overdue and {in_time} are open within the deadline; deadlines were extended"
        " {extended} times, {impossible} removed as impossible, {returned} returned for rework."
        " Execution rate: {rate}."
    ).format(
        period=period_text(report),
        received=total.received,
        executed=total.executed,
        on_time=total.on_time,
        late=total.late,
        days=days(total.average_days_late),
        overdue=total.overdue,
        in_time=total.in_time,
        extended=total.extended,
        impossible=total.impossible,
        returned=total.returned,
        rate=percent(total.rate),
    )


def source_name(_: Translate, source: Source) -> str:
    return _(SOURCE_TITLES[source])
