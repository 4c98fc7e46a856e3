"""Notice timing per profile across holidays and transferred working days; quiet hours."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.assignments.notices import (
    Audience,
    NoticeKind,
    deadline_news_audiences,
    due,
    fitted_lines,
    planned,
    quiet_until,
)
from bot.calendar import WorkCalendar
from bot.profiles import load_profile
from storage.domain.assignments import Assignment, ControlType, Executor, Status
from tests.helpers import assignment

CAL = WorkCalendar()
ALMATY = ZoneInfo("Asia/Almaty")


def item(deadline: date, status: Status = Status.ACCEPTED, *, co: bool = True) -> Assignment:
    executors = [Executor(1, "Отдел образования", True)]
    if co:
        executors.append(Executor(2, "Отдел финансов", False))
    registered = date(2027, 1, 4)
    return assignment(
        *executors,
        reg_number="1",
        received=registered,
        registered_on=registered,
        deadline=deadline,
        control_type=ControlType.LONG,
        status=status,
    )


def kinds(
    profile: str, deadline: date, today: date, status: Status = Status.ACCEPTED
) -> dict[NoticeKind, date]:
    found = due(load_profile(profile), CAL, item(deadline, status), today)
    return {notice.kind: notice.due for notice in found}


def test_the_three_working_day_notice_skips_the_may_holidays() -> None:
    deadline = date(2027, 5, 12)
    assert kinds("ust-kamenogorsk-2025", deadline, date(2027, 5, 4)) == {}
    assert kinds("ust-kamenogorsk-2025", deadline, date(2027, 5, 5)) == {
        NoticeKind.DEADLINE: date(2027, 5, 5)
    }


@pytest.mark.parametrize(
    ("deadline", "notice"),
    [
        (date(2025, 3, 27), date(2025, 3, 19)),  # Nauryz carry-over days
        (date(2026, 3, 26), date(2026, 3, 18)),
        (date(2026, 5, 13), date(2026, 5, 6)),
        (date(2026, 10, 28), date(2026, 10, 22)),
        (date(2026, 12, 18), date(2026, 12, 14)),
        (date(2025, 1, 8), date(2024, 12, 31)),  # Sun 5 Jan 2025 was a working day
    ],
)
def test_deadline_notice_vectors(deadline: date, notice: date) -> None:
    plan = planned(load_profile("ust-kamenogorsk-2025"), CAL, deadline)
    assert plan[0].kind is NoticeKind.DEADLINE
    assert plan[0].due == notice


def test_baidibek_report_due_notices_and_removal_note() -> None:
    profile = load_profile("baidibek-2025")
    plan = {n.kind: n.due for n in planned(profile, CAL, date(2027, 5, 12))}
    # 5 wd: 11, 6, 5, 4, 30 Apr (7, 10 and 3 May are days off); 7 wd: … 29, 28 Apr
    assert plan[NoticeKind.REPORT_MAIN] == date(2027, 4, 30)
    assert plan[NoticeKind.REPORT_CO] == date(2027, 4, 28)
    assert plan[NoticeKind.DEADLINE] == date(2027, 5, 5)
    assert plan[NoticeKind.OVERDUE] == date(2027, 5, 13)
    assert plan[NoticeKind.REMOVAL_NOTE] == date(2027, 5, 13)
    ust = {n.kind for n in planned(load_profile("ust-kamenogorsk-2025"), CAL, date(2027, 5, 12))}
    assert NoticeKind.REPORT_MAIN not in ust
    assert NoticeKind.REMOVAL_NOTE not in ust


def test_missed_notices_are_caught_up_while_they_still_apply() -> None:
    deadline = date(2027, 5, 12)
    # the bot was down on 5 May: the notice still goes on 6 May and on 11 May
    assert NoticeKind.DEADLINE in kinds("ust-kamenogorsk-2025", deadline, date(2027, 5, 11))
    # on the deadline day the deadline notice no longer applies; the deadline-day one does
    assert kinds("ust-kamenogorsk-2025", deadline, deadline) == {NoticeKind.DEADLINE_DAY: deadline}
    assert kinds("ust-kamenogorsk-2025", deadline, date(2027, 5, 13)) == {
        NoticeKind.OVERDUE: date(2027, 5, 13)
    }
    # long after, nothing floods out
    assert kinds("ust-kamenogorsk-2025", deadline, date(2027, 7, 1)) == {}


def test_closed_or_reported_items_get_no_reminders() -> None:
    deadline = date(2027, 5, 12)
    assert kinds("ust-kamenogorsk-2025", deadline, date(2027, 5, 5), Status.REMOVED) == {}
    assert kinds("ust-kamenogorsk-2025", deadline, date(2027, 5, 5), Status.REPORTED) == {}
    assert NoticeKind.REMOVAL_NOTE in kinds(
        "baidibek-2025", deadline, date(2027, 5, 13), Status.REPORTED
    )


def test_co_executor_notice_only_when_there_are_co_executors() -> None:
    profile = load_profile("baidibek-2025")
    alone = due(profile, CAL, item(date(2027, 5, 12), co=False), date(2027, 4, 28))
    assert NoticeKind.REPORT_CO not in {n.kind for n in alone}


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2027, 5, 5, 9, 0, tzinfo=ALMATY), datetime(2027, 5, 5, 9, 0, tzinfo=ALMATY)),
        (datetime(2027, 5, 5, 7, 30, tzinfo=ALMATY), datetime(2027, 5, 5, 9, 0, tzinfo=ALMATY)),
        (datetime(2027, 5, 6, 20, 0, tzinfo=ALMATY), datetime(2027, 5, 11, 9, 0, tzinfo=ALMATY)),
        (datetime(2027, 5, 7, 10, 0, tzinfo=ALMATY), datetime(2027, 5, 11, 9, 0, tzinfo=ALMATY)),
        (datetime(2027, 5, 8, 10, 0, tzinfo=ALMATY), datetime(2027, 5, 11, 9, 0, tzinfo=ALMATY)),
    ],
)
def test_quiet_hours_wait_for_the_next_working_morning(
    moment: datetime, expected: datetime
) -> None:
    assert quiet_until(load_profile("ust-kamenogorsk-2025"), CAL, moment) == expected


@pytest.mark.parametrize(
    ("name", "leadership"),
    [("ust-kamenogorsk-2025", False), ("almaty-2016", False), ("baidibek-2025", True)],
)
def test_a_new_deadline_reaches_whom_the_items_notices_reach(name: str, leadership: bool) -> None:
    """The executors' heads, the control department, the curating deputies (the overdue
    escalation) and, where the deadline notice goes to them (baidibek §12.4), the akim and the
    head of apparatus."""
    audiences = deadline_news_audiences(load_profile(name), CAL, date(2027, 5, 12))
    expected = {Audience.EXECUTORS, Audience.CONTROLLERS, Audience.CURATORS}
    assert set(audiences) == expected | ({Audience.LEADERSHIP} if leadership else set())
    assert audiences[0] is Audience.EXECUTORS and len(set(audiences)) == len(audiences)


def test_a_digest_shows_the_lines_that_fit_and_counts_the_rest() -> None:
    def more(count: int) -> str:
        return f"… и ещё {count} — /my"

    lines = [f"• № {index}: " + "х" * 40 for index in range(300)]
    text, shown = fitted_lines("⏰ Сроки: 300", lines, more, limit=1400)
    assert len(text) <= 1400
    assert 1 < shown < 300
    assert text.endswith(f"\n\n… и ещё {300 - shown} — /my")
    assert text.split("\n\n")[1 : shown + 1] == lines[:shown]
    # everything that fits is shown without the «more» line
    assert fitted_lines("⏰", lines[:3], more) == ("\n\n".join(["⏰", *lines[:3]]), 3)
    # one line longer than the room is cut, never dropped
    text, shown = fitted_lines("⏰", ["х" * 2000, "у"], more, limit=500)
    assert shown == 1 and len(text) <= 500 and text.endswith("… и ещё 1 — /my")
    assert "…\n\n" in text
