"""The meetings the storage tests of meetings work on: planned, distributed, with protocols."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from storage.domain.meetings import (
    Attendance,
    MaterialFile,
    Meeting,
    MeetingFormat,
    MeetingKind,
    NewAgendaItem,
    NewMeeting,
    Protocol,
)
from storage.repo import Repos
from tests.helpers import department_id, found, person_id

EDU = "Отдел образования"
FIN = "Отдел финансов"
CTRL = "Отдел контроля"
AT = datetime(2026, 3, 2, 5, 30, tzinfo=UTC)
STARTS = datetime(2026, 3, 12, 10, 0)  # naive local
BUDGET = MaterialFile("file-budget", "Бюджет.docx")
NOTE = MaterialFile("file-note", "Справка.pdf")


async def count(repos: Repos, table: str) -> int:
    async with repos.conn.execute(f"SELECT COUNT(*) FROM {table}") as cursor:  # noqa: S608
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def create(
    repos: Repos,
    items: tuple[NewAgendaItem, ...],
    recipients: tuple[tuple[int, bool], ...],
    *,
    at: datetime = AT,
    **fields: Any,
) -> Meeting:
    """`repos.meetings.create` by admin: a session in person in «Зал 1» at STARTS unless the
    other NewMeeting `fields` say otherwise."""
    new = NewMeeting(
        MeetingKind.SESSION,
        STARTS,
        MeetingFormat.IN_PERSON,
        place="Зал 1",
        items=items,
        recipients=recipients,
    )
    organizer = await person_id(repos, "admin")
    return await repos.meetings.create(
        replace(new, **fields), organizer_id=organizer, actor="admin", at=at
    )


async def protocol(
    repos: Repos, meeting_id: int, signed_on: date, *, actor: str = "a", at: datetime = AT
) -> Protocol | None:
    """`repos.meetings.register_protocol` with no file."""
    return await repos.meetings.register_protocol(
        meeting_id, signed_on=signed_on, file_id=None, file_name=None, actor=actor, at=at
    )


async def answer(
    repos: Repos,
    meeting_id: int,
    person: int,
    attendance: Attendance,
    reason: str | None = None,
    *,
    by: str,
    at: datetime = AT,
) -> bool:
    """`repos.meetings.answer` for version 1."""
    return await repos.meetings.answer(
        meeting_id, person, attendance, reason=reason, version=1, by=by, at=at
    )


async def plan(
    repos: Repos,
    *,
    starts_at: datetime = STARTS,
    titles: tuple[str, ...] = ("О бюджете", "Об образовании"),
    codes: tuple[str, ...] = ("akim", "dep1", "edu_head"),
    kind: MeetingKind = MeetingKind.SESSION,
    at: datetime = AT,
) -> Meeting:
    """A draft: the first item from finance, the second from education; akim and dep1 are
    members, the rest invitees."""
    departments = [await department_id(repos, FIN), await department_id(repos, EDU)]
    items = tuple(
        NewAgendaItem(title, f"Докладчик {n}", departments[n % 2])
        for n, title in enumerate(titles)
    )
    recipients = tuple(
        [(await person_id(repos, code), code in {"akim", "dep1"}) for code in codes]
    )
    return await create(
        repos, items, recipients, kind=kind, starts_at=starts_at, title="Заседание акимата", at=at
    )


async def distributed(repos: Repos) -> Meeting:
    meeting = await plan(repos)
    assert await repos.meetings.approve(meeting.id, by="akim", on_paper=False, at=AT)
    assert await repos.meetings.mark_distributed(meeting.id, 1, at=AT)
    return found(await repos.meetings.get(meeting.id))
