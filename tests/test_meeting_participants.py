"""Only a session of the akimat has a quorum (two thirds of its members, 002 п.13). An apparatus
meeting or another meeting has participants (003 §5.25): its card, its «who answered» counts and
its new-meeting confirmation speak of participants, and no «quorum at risk» goes to the
organizer however many cannot come."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time

import pytest
from aiogram.utils.i18n import I18n

from bot.meetings import steps as meeting_services
from bot.meetings.rules import counts_quorum, quorum_forecast
from handlers.meetings.cards import attendance_lines, attendance_list
from handlers.meetings.new_dialog.review import counts_line
from storage.domain.meetings import Attendance, MeetingKind, NewAgendaItem
from storage.repo import Repos
from tests import organizer_meetings as om
from tests.conftest import MEETING_STAFF_CSV
from tests.helpers import World, make_meeting, person

DIRECTORY_CSV, PEOPLE = MEETING_STAFF_CSV, om.PEOPLE  # (read by the conftest's fixtures)


async def quorum_warnings(repos: Repos) -> int:
    async with repos.conn.execute(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'meeting_quorum'"
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


def test_only_a_session_counts_a_quorum() -> None:
    assert counts_quorum(MeetingKind.SESSION)
    assert not counts_quorum(MeetingKind.APPARATUS)
    assert not counts_quorum(MeetingKind.OTHER)


@pytest.mark.parametrize("kind", [MeetingKind.APPARATUS, MeetingKind.OTHER])
async def test_a_meeting_that_is_no_session_has_participants_and_no_quorum(
    joined_world: World, i18n: I18n, kind: MeetingKind
) -> None:
    world, repos = joined_world, joined_world.repos
    ctx = await world.context()
    meeting = await make_meeting(
        ctx,
        repos,
        kind=kind,
        starts_at=datetime.combine(om.DAY, time(10, 0)),
        chair="dep1",
        items=(NewAgendaItem(om.FIRST),),
        members=("m1", "m2", "m3", "edu_head"),
        title=om.SUBJECT,
    )
    later = await om.distributed(world, meeting)
    for code in ("m1", "m2", "m3"):  # every member cannot come: a session's quorum is lost
        await meeting_services.answer_attendance(
            later, await person(repos, code), meeting.id, Attendance.ABSENT, "командировка"
        )
    assert await quorum_warnings(repos) == 0

    answered = await om.fresh(repos, meeting.id)
    with i18n.context(), i18n.use_locale("ru"):
        lines = attendance_lines(answered, quorum_forecast(world.profile, answered))
    assert lines[1] == "Участники: 4 · ✅ 0 · ❌ 3 · 🔁 0 · ⏳ 1"
    assert not any("Кворум" in line or "Члены" in line for line in lines)
    with i18n.context(), i18n.use_locale("kk"):
        lines = attendance_lines(answered, quorum_forecast(world.profile, answered))
    assert lines[1].startswith("Қатысушылар: 4")
    assert not any("Кворум" in line for line in lines)
    # «👥 Who answered» lists them as participants too
    people = {p.id: p for p in await repos.staff.all_people()}
    with i18n.context(), i18n.use_locale("ru"):
        listed = attendance_list(answered, people)
    assert "\nУчастники:\n" in listed
    assert "Члены акимата" not in listed and "Приглашённые" not in listed
    # the chair first, then by name
    names = [line.split(" — ")[0] for line in listed.splitlines()[3:]]
    chair = people[meeting.chair_id].full_name if meeting.chair_id else None
    if chair in names:
        assert names[0] == chair
        names = names[1:]
    assert names == sorted(names, key=str.casefold)
    # a recipient who chairs it comes first
    last = max(answered.recipients, key=lambda r: people[r.person_id].full_name.casefold())
    chaired = replace(answered, chair_id=last.person_id)
    with i18n.context(), i18n.use_locale("ru"):
        first = attendance_list(chaired, people).splitlines()[3]
    assert first.startswith(people[last.person_id].full_name + " — ")


async def test_a_session_still_counts_members_and_its_quorum(
    joined_world: World, i18n: I18n
) -> None:
    world, repos = joined_world, joined_world.repos
    meeting = await om.create(world)
    later = await om.distributed(world, meeting)
    for code in ("m1", "m2"):
        await meeting_services.answer_attendance(
            later, await person(repos, code), meeting.id, Attendance.ABSENT, "командировка"
        )
    assert await quorum_warnings(repos) == 1  # the organizer hears the quorum is at risk
    answered = await om.fresh(repos, meeting.id)
    with i18n.context(), i18n.use_locale("ru"):
        lines = attendance_lines(answered, quorum_forecast(world.profile, answered))
    assert lines[1].startswith("Члены акимата: 3")
    assert lines[-1].startswith("Кворум:")


def test_the_new_meetings_counts_speak_of_members_only_for_a_session(i18n: I18n) -> None:
    flags = [(1, True), (2, True), (3, False)]
    with i18n.context(), i18n.use_locale("ru"):
        assert counts_line(flags, MeetingKind.SESSION) == (
            "Адресатов: 3 — членов акимата: 2, приглашённых: 1."
        )
        assert counts_line(flags, MeetingKind.APPARATUS) == "Адресатов: 3."
    with i18n.context(), i18n.use_locale("kk"):
        assert counts_line(flags, MeetingKind.OTHER) == "Алушылар саны: 3."
