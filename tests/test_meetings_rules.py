"""Pure meeting rules (bot.meetings): the start, the dates of the materials and the agenda, who
may answer or approve, the quorum forecast, what a change touched, lateness."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time
from enum import StrEnum

import pytest

from bot.calendar import WorkCalendar
from bot.meetings.rules import (
    MeetingRefusal,
    QuorumState,
    changed_fields,
    check_approval,
    check_attendance,
    check_materials,
    check_organizer,
    check_protocol,
    check_start,
    distribution_day,
    end_of,
    has_started,
    is_late,
    materials_due,
    materials_reminder_day,
    nudge_day,
    protocol_reg_number,
    protocol_source,
    quorum_forecast,
)
from bot.profiles import Profile, load_profile
from storage.domain.enums import Role, Source
from storage.domain.meetings import (
    AgendaItem,
    Attendance,
    Meeting,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    Recipient,
)
from storage.domain.refusals import Refused

CAL = WorkCalendar()
START = datetime(2025, 2, 12, 10, 0)  # Wednesday, naive local


def item(number: int, *, department: int | None = 5, materials: bool = False) -> AgendaItem:
    return AgendaItem(
        id=100 + number,
        meeting_id=1,
        position=number,
        title=f"Вопрос {number}",
        speaker="",
        department_id=department,
        department_name="Отдел образования" if department else None,
        materials_at=datetime(2025, 2, 3, 5, tzinfo=UTC) if materials else None,
    )


def recipient(
    person_id: int, answer: Attendance = Attendance.PENDING, *, member: bool = True
) -> Recipient:
    return Recipient(id=person_id, meeting_id=1, person_id=person_id, member=member, answer=answer)


def meeting(**changes: object) -> Meeting:
    base = Meeting(
        id=1,
        kind=MeetingKind.SESSION,
        title="",
        starts_at=START,
        duration=120,
        format=MeetingFormat.IN_PERSON,
        place="Зал 301",
        link="",
        chair_id=2,
        organizer_id=3,
        restricted=False,
        status=MeetingStatus.DISTRIBUTED,
        version=1,
        created_at=datetime(2025, 1, 27, 5, tzinfo=UTC),
        distributed_version=1,
        distributed_at=datetime(2025, 2, 7, 4, tzinfo=UTC),
        items=(item(1), item(2, department=None)),
        recipients=(recipient(10), recipient(11, member=False)),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def refusal(call: object) -> StrEnum:
    assert callable(call)
    with pytest.raises(Refused) as error:
        call()
    return error.value.refusal


# --- the start ---------------------------------------------------------------------------------


def test_a_meeting_starts_in_the_future_on_a_working_day() -> None:
    now = datetime(2025, 2, 3, 12, 0)
    assert check_start(CAL, now, START) == START
    assert (
        refusal(lambda: check_start(CAL, now, datetime(2025, 2, 3, 12, 0))) is MeetingRefusal.PAST
    )
    assert refusal(lambda: check_start(CAL, now, datetime(2025, 1, 31, 10))) is MeetingRefusal.PAST
    with pytest.raises(Refused) as saturday:
        check_start(CAL, now, datetime(2025, 2, 8, 10))
    assert saturday.value.refusal is MeetingRefusal.DAY_OFF
    assert saturday.value.values["offer"] == date(2025, 2, 10)  # the next working day, Monday
    with pytest.raises(Refused) as nauryz:  # Nauryz: Friday 21.03 and Monday–Tuesday off
        check_start(CAL, now, datetime(2025, 3, 21, 10))
    assert nauryz.value.values["offer"] == date(2025, 3, 26)


def test_started_and_end() -> None:
    subject = meeting()
    assert not has_started(subject, datetime(2025, 2, 12, 9, 59))
    assert has_started(subject, START)
    assert end_of(subject) == datetime(2025, 2, 12, 12, 0)


# --- dates -------------------------------------------------------------------------------------


@pytest.fixture
def ust() -> Profile:
    return load_profile("ust-kamenogorsk-2025")


def test_materials_five_and_agenda_three_working_days_before_a_wednesday(ust: Profile) -> None:
    day = date(2025, 2, 12)  # Wednesday, no holidays around
    assert materials_due(ust, CAL, day, MeetingKind.SESSION) == date(
        2025, 2, 5
    )  # Wednesday before
    assert distribution_day(ust, CAL, day, MeetingKind.SESSION) == date(2025, 2, 7)  # Friday
    assert materials_reminder_day(CAL, date(2025, 2, 5)) == date(2025, 2, 4)
    assert nudge_day(CAL, date(2025, 2, 7)) == date(2025, 2, 10)  # over the weekend


def test_holidays_in_between_push_the_dates_back(ust: Profile) -> None:
    # Wednesday 26.03.2025: Nauryz makes Friday 21.03, Monday 24.03 and Tuesday 25.03 days off
    day = date(2025, 3, 26)
    assert distribution_day(ust, CAL, day, MeetingKind.SESSION) == date(2025, 3, 18)
    assert materials_due(ust, CAL, day, MeetingKind.SESSION) == date(2025, 3, 14)
    assert materials_reminder_day(CAL, date(2025, 3, 14)) == date(2025, 3, 13)
    assert nudge_day(CAL, date(2025, 3, 20)) == date(2025, 3, 26)
    # an override from the database counts too: Friday 07.02 declared a day off
    moved = CAL.with_overrides({date(2025, 2, 7): False})
    assert distribution_day(ust, moved, date(2025, 2, 12), MeetingKind.SESSION) == date(2025, 2, 6)
    assert materials_due(ust, moved, date(2025, 2, 12), MeetingKind.SESSION) == date(2025, 2, 4)


def test_without_lead_times_the_agenda_goes_once_approved() -> None:
    profile = load_profile("ust-kamenogorsk-2025", {"agenda_lead": None, "materials_lead": None})
    assert distribution_day(profile, CAL, date(2025, 2, 12), MeetingKind.SESSION) == date.min
    assert materials_due(profile, CAL, date(2025, 2, 12), MeetingKind.SESSION) is None
    assert not is_late(item(1), None, date(2025, 2, 12))


def test_is_late_only_after_the_due_date_for_expected_missing_materials() -> None:
    due = date(2025, 2, 5)
    assert not is_late(item(1), due, due)
    assert is_late(item(1), due, date(2025, 2, 6))
    assert not is_late(item(1, materials=True), due, date(2025, 2, 6))
    assert not is_late(item(2, department=None), due, date(2025, 2, 6))


# --- who may -----------------------------------------------------------------------------------


def test_attendance_is_for_recipients_after_distribution_until_the_start() -> None:
    before = datetime(2025, 2, 10, 9)
    assert check_attendance(meeting(), 10, before).person_id == 10
    assert refusal(lambda: check_attendance(None, 10, before)) is MeetingRefusal.NOT_FOUND
    assert refusal(lambda: check_attendance(meeting(), 99, before)) is MeetingRefusal.NOT_RECIPIENT
    draft = meeting(status=MeetingStatus.APPROVED, distributed_version=None)
    assert refusal(lambda: check_attendance(draft, 10, before)) is MeetingRefusal.NOT_DISTRIBUTED
    assert refusal(lambda: check_attendance(meeting(), 10, START)) is MeetingRefusal.STARTED
    cancelled = meeting(status=MeetingStatus.CANCELLED)
    assert refusal(lambda: check_attendance(cancelled, 10, before)) is MeetingRefusal.CANCELLED
    held = meeting(status=MeetingStatus.HELD)
    assert refusal(lambda: check_attendance(held, 10, before)) is MeetingRefusal.STARTED


def test_approval_by_an_approver_once_before_the_start() -> None:
    now = datetime(2025, 2, 6, 12)
    draft = meeting(status=MeetingStatus.DRAFT, distributed_version=None)
    assert check_approval(draft, True, now) is draft
    assert refusal(lambda: check_approval(None, True, now)) is MeetingRefusal.NOT_FOUND
    assert refusal(lambda: check_approval(draft, False, now)) is MeetingRefusal.NOT_APPROVER
    approved = replace(draft, approved_at=datetime(2025, 2, 6, 5, tzinfo=UTC), approved_by="akim")
    assert refusal(lambda: check_approval(approved, True, now)) is MeetingRefusal.ALREADY_APPROVED
    assert refusal(lambda: check_approval(draft, True, START)) is MeetingRefusal.STARTED
    cancelled = replace(draft, status=MeetingStatus.CANCELLED)
    assert refusal(lambda: check_approval(cancelled, True, now)) is MeetingRefusal.CANCELLED


def test_organizers_materials_and_protocol_checks() -> None:
    now = datetime(2025, 2, 6, 12)
    organizer = frozenset({Role.ORGANIZER})
    assert check_organizer(meeting(), 3, organizer).id == 1
    assert check_organizer(meeting(), 4, organizer).id == 1  # any organizer
    assert refusal(lambda: check_organizer(meeting(), 3, frozenset({Role.HEAD}))) is (
        MeetingRefusal.NOT_ORGANIZER
    )
    assert refusal(lambda: check_organizer(None, 3, organizer)) is MeetingRefusal.NOT_FOUND
    assert check_materials(meeting(), 101, now).position == 1
    assert refusal(lambda: check_materials(meeting(), 999, now)) is MeetingRefusal.NOT_FOUND
    assert refusal(lambda: check_materials(meeting(), 101, START)) is MeetingRefusal.STARTED

    after = datetime(2025, 2, 12, 13)
    assert check_protocol(meeting(), after).id == 1
    assert refusal(lambda: check_protocol(meeting(), now)) is MeetingRefusal.NOT_STARTED
    assert refusal(lambda: check_protocol(None, after)) is MeetingRefusal.NOT_FOUND
    held = meeting(status=MeetingStatus.HELD)
    assert refusal(lambda: check_protocol(held, after)) is MeetingRefusal.HAS_PROTOCOL
    cancelled = meeting(status=MeetingStatus.CANCELLED)
    assert refusal(lambda: check_protocol(cancelled, after)) is MeetingRefusal.CANCELLED


# --- the quorum --------------------------------------------------------------------------------


def members(*answers: Attendance, invitees: int = 0) -> tuple[Recipient, ...]:
    found = tuple(recipient(10 + n, answer) for n, answer in enumerate(answers))
    return found + tuple(
        recipient(100 + n, Attendance.ATTEND, member=False) for n in range(invitees)
    )


def test_two_thirds_of_twenty_members_is_fourteen(ust: Profile) -> None:
    forecast = quorum_forecast(ust, meeting(recipients=members(*[Attendance.PENDING] * 20)))
    assert (forecast.members, forecast.required) == (20, 14)
    assert forecast.state is QuorumState.OPEN
    assert (
        quorum_forecast(ust, meeting(recipients=members(*[Attendance.PENDING] * 3))).required == 2
    )
    assert (
        quorum_forecast(ust, meeting(recipients=members(*[Attendance.PENDING] * 9))).required == 6
    )


def test_quorum_states_count_members_only_and_substitutes_do_not_count(ust: Profile) -> None:
    attend, absent, sub, pending = (
        Attendance.ATTEND,
        Attendance.ABSENT,
        Attendance.SUBSTITUTE,
        Attendance.PENDING,
    )
    met = quorum_forecast(ust, meeting(recipients=members(attend, attend, pending)))
    assert met.state is QuorumState.MET
    assert (met.attending, met.absent, met.pending) == (2, 0, 1)
    open_ = quorum_forecast(ust, meeting(recipients=members(attend, absent, pending)))
    assert open_.state is QuorumState.OPEN
    at_risk = quorum_forecast(ust, meeting(recipients=members(attend, absent, sub, invitees=10)))
    assert at_risk.state is QuorumState.AT_RISK
    assert (at_risk.members, at_risk.attending, at_risk.absent, at_risk.pending) == (3, 1, 2, 0)
    # 20 members: 13 attending and 7 absent is not enough; one more makes it
    thirteen = members(*[attend] * 13, *[absent] * 7)
    assert quorum_forecast(ust, meeting(recipients=thirteen)).state is QuorumState.AT_RISK
    fourteen = members(*[attend] * 14, *[absent] * 6)
    assert quorum_forecast(ust, meeting(recipients=fourteen)).state is QuorumState.MET
    nobody = quorum_forecast(ust, meeting(recipients=members(invitees=2)))
    assert (nobody.members, nobody.required, nobody.state) == (0, 0, QuorumState.MET)


# --- changes and the protocol ------------------------------------------------------------------


def test_changed_fields_name_what_changed_old_and_new() -> None:
    before = meeting()
    assert changed_fields(before, before) == {}
    later = replace(before, starts_at=datetime.combine(date(2025, 2, 12), time(15)))
    assert changed_fields(before, later) == {
        "starts_at": ["2025-02-12T10:00:00", "2025-02-12T15:00:00"]
    }
    moved = replace(before, format=MeetingFormat.VIDEO, place="", link="https://vc.example.kz/1")
    assert changed_fields(before, moved) == {
        "format": ["in_person", "video"],
        "place": ["Зал 301", ""],
        "link": ["", "https://vc.example.kz/1"],
    }
    fewer = replace(before, items=before.items[:1])
    assert changed_fields(before, fewer) == {"agenda": [["Вопрос 1", "Вопрос 2"], ["Вопрос 1"]]}
    # the materials of an item are not a change recipients must confirm again
    submitted = replace(before, items=(item(1, materials=True), before.items[1]))
    assert changed_fields(before, submitted) == {}


def test_protocol_numbers_and_sources() -> None:
    assert protocol_reg_number("3/2025", 2) == "П-3/2025/2"
    assert protocol_source(MeetingKind.SESSION) is Source.AKIMAT
    assert protocol_source(MeetingKind.APPARATUS) is Source.AKIM
    assert protocol_source(MeetingKind.OTHER) is Source.AKIM


def test_typed_times_and_links() -> None:
    from bot.meetings.rules import as_link, is_link, parse_time

    assert parse_time(" 9:30 ") == time(9, 30)
    assert parse_time("14.30") == time(14, 30)
    for wrong in ("25:00", "10:75", "10", "десять", ""):
        assert parse_time(wrong) is None
    assert is_link("https://vc.example.kz/akimat")
    for wrong in ("vc.example.kz", "https://", "https://a b", "https://" + "x" * 600):
        assert not is_link(wrong)
    # typed without its scheme, an address is taken as https://
    assert as_link(" zoom.us/j/123 ") == "https://zoom.us/j/123"
    assert as_link("vc.akimat.kz") == "https://vc.akimat.kz"
    assert as_link("HTTP://vc.akimat.kz/room") == "HTTP://vc.akimat.kz/room"
    for wrong in ("зал 301", "zoom", "a b.kz", "mailto:x@y.kz", "x@y.kz", ".kz", "https://"):
        assert as_link(wrong) is None
