"""Storage of «Замечаний нет» rounds: starting, answering (and changing), closing once."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from storage.db import connect, migrations
from storage.domain.remarks import Addressee, Answer, Round, RoundFile, RoundKind
from storage.repo import Repos
from storage.rows import utc_text
from tests.helpers import department_id, found, person_id, person_ids, write

EDU = "Отдел образования"
FIN = "Отдел финансов"
DUE = date(2026, 3, 5)
AT = datetime(2026, 3, 2, 5, 30, tzinfo=UTC)
DRAFT = RoundFile("file-draft", "Проект постановления.docx")


async def start(
    repos: Repos,
    *codes: str,
    subject: str = "Проект бюджета на 2026 год",
    due: date = DUE,
    at: datetime = AT,
    restricted: bool = False,
    initiator: str = "ctrl",
) -> Round:
    addressees = [(await person_id(repos, code), None) for code in codes or ("edu_head",)]
    return await repos.remarks.create(
        subject,
        initiator_id=await person_id(repos, initiator),
        restricted=restricted,
        due=due,
        files=(DRAFT,),
        addressees=addressees,
        actor=initiator,
        at=at,
    )


async def answer(
    repos: Repos, round_id: int, person: int, answer: Answer = Answer.NO_REMARKS, **given: Any
) -> bool:
    """`person`'s answer to round `round_id`: whether it was taken. `given`: its text (none),
    files (none), who gave it (edu_head) and when (AT), where they differ."""
    fields: dict[str, Any] = {"text": None, "files": (), "by": "edu_head", "at": AT} | given
    return await repos.remarks.answer(round_id, person, answer=answer, **fields)


async def addressee(repos: Repos, round_id: int, person: int) -> Addressee:
    """`person`'s row in round `round_id`, read back."""
    return found(found(await repos.remarks.get(round_id)).addressee_for(person))


async def rows_in(repos: Repos, table: str) -> int:
    async with repos.conn.execute(f"SELECT COUNT(*) FROM {table}") as cursor:  # noqa: S608
        row = await cursor.fetchone()
    return int(found(row)[0])


async def test_create_reads_back_with_departments_and_people(staffed: Repos) -> None:
    ctrl, edu_head, fin_head, dep1 = await person_ids(
        staffed, "ctrl", "edu_head", "fin_head", "dep1"
    )
    edu = await department_id(staffed, EDU)
    fin = await department_id(staffed, FIN)
    files = (DRAFT, RoundFile("file-note", "Пояснительная записка.pdf"))

    created = await staffed.remarks.create(
        "  Қала бюджетінің жобасы  ",
        initiator_id=ctrl,
        restricted=True,
        due=DUE,
        files=files,
        # The education head comes twice: once through the department, once directly.
        addressees=[(edu_head, edu), (fin_head, fin), (dep1, None), (edu_head, None)],
        actor="ctrl",
        at=AT,
    )
    assert created.subject == "Қала бюджетінің жобасы"
    assert created.initiator_id == ctrl
    assert created.restricted
    assert created.due == DUE
    assert created.created_at == AT
    assert created.closed_at is None
    assert created.files == files
    assert [(a.person_id, a.department_id) for a in created.addressees] == [
        (edu_head, edu),
        (fin_head, fin),
        (dep1, None),
    ]
    # Each in this round, not answered yet: no time, author, text or files.
    assert {
        (a.round_id, a.answer, a.answered_at, a.answered_by, a.text, a.files)
        for a in created.addressees
    } == {(created.id, Answer.PENDING, None, None, None, ())}
    assert [a.id for a in created.addressees] == sorted(a.id for a in created.addressees)
    assert created.addressee_for(dep1) == created.addressees[2]
    assert created.addressee_for(ctrl) is None

    assert await staffed.remarks.get(created.id) == created
    assert await staffed.remarks.get(999) is None
    assert await staffed.remarks.pending_addressees(created.id) == list(created.addressees)
    assert await staffed.remarks.pending_addressees(999) == []


async def test_create_refuses_bad_input_and_rolls_back(staffed: Repos) -> None:
    ctrl, edu_head = await person_ids(staffed, "ctrl", "edu_head")

    async def create(subject: str, addressees: list[tuple[int, int | None]]) -> Round:
        return await staffed.remarks.create(
            subject,
            initiator_id=ctrl,
            restricted=False,
            due=DUE,
            files=(),
            addressees=addressees,
            actor="ctrl",
            at=AT,
        )

    with pytest.raises(ValueError, match="addressee"):
        await create("Тема", [])
    with pytest.raises(ValueError, match="subject"):
        await create("   ", [(edu_head, None)])
    with pytest.raises(ValueError, match="unknown"):
        await create("Тема", [(edu_head, None), (999, None)])
    with pytest.raises(ValueError, match="unknown"):
        await create("Тема", [(edu_head, 999)])
    assert await staffed.remarks.for_initiator(ctrl) == []
    assert await rows_in(staffed, "remark_addressees") == 0
    assert await staffed.audit.for_entity("remarks", "1") == []

    # Without files is fine.
    created = await create("Тема", [(edu_head, None)])
    assert created.files == ()


async def test_answer_and_change_it(staffed: Repos) -> None:
    item = await start(staffed, "edu_head", "fin_head")
    edu_head, fin_head = await person_ids(staffed, "edu_head", "fin_head")
    first = AT + timedelta(hours=1)

    assert await answer(staffed, item.id, edu_head, by="edu_exec", at=first)
    mine = await addressee(staffed, item.id, edu_head)
    assert mine.answer is Answer.NO_REMARKS
    assert (mine.answered_at, mine.answered_by) == (first, "edu_exec")
    assert (mine.text, mine.files) == (None, ())
    assert [a.person_id for a in await staffed.remarks.pending_addressees(item.id)] == [fin_head]

    # Changed to remarks, with a text and two files.
    second = AT + timedelta(hours=2)
    files = (RoundFile("f1", "Замечания.docx"), RoundFile("f2", "Таблица.xlsx"))
    text = "  п. 3 изложить в новой редакции  "
    assert await answer(
        staffed, item.id, edu_head, Answer.REMARKS, text=text, files=files, at=second
    )
    mine = await addressee(staffed, item.id, edu_head)
    assert mine.answer is Answer.REMARKS
    assert (mine.answered_at, mine.answered_by) == (second, "edu_head")
    assert mine.text == "п. 3 изложить в новой редакции"
    assert mine.files == files

    # Changed again: the files are replaced, not added to; a file alone is enough.
    only = (RoundFile("f3", "Новая редакция.docx"),)
    assert await answer(staffed, item.id, edu_head, Answer.REMARKS, text="", files=only, at=second)
    mine = await addressee(staffed, item.id, edu_head)
    assert (mine.text, mine.files) == (None, only)
    # The other addressee is untouched.
    theirs = await addressee(staffed, item.id, fin_head)
    assert (theirs.answer, theirs.files) == (Answer.PENDING, ())

    # Back to no remarks: text and files go.
    assert await answer(staffed, item.id, edu_head, at=second)
    mine = await addressee(staffed, item.id, edu_head)
    assert (mine.answer, mine.text, mine.files) == (Answer.NO_REMARKS, None, ())
    assert await rows_in(staffed, "remark_answer_files") == 0


async def test_answer_refusals(staffed: Repos) -> None:
    item = await start(staffed, "edu_head")
    edu_head, fin_head = await person_ids(staffed, "edu_head", "fin_head")

    for text in ("  ", None):
        with pytest.raises(ValueError, match="text or a file"):
            await answer(staffed, item.id, edu_head, Answer.REMARKS, text=text)
    for wrong in (Answer.PENDING, Answer.AGREED_BY_DEFAULT, Answer.NO_ANSWER):
        with pytest.raises(ValueError, match="cannot answer"):
            await answer(staffed, item.id, edu_head, wrong, text="x")
    # Not an addressee, or no such round.
    assert not await answer(staffed, item.id, fin_head, by="fin_head")
    assert not await answer(staffed, 999, edu_head)
    assert await staffed.remarks.get(item.id) == item
    assert [e.action for e in await staffed.audit.for_entity("remarks", item.id)] == [
        "round_started"
    ]


async def test_close_marks_silence_once(staffed: Repos) -> None:
    edu_head, fin_head, dep1 = await person_ids(staffed, "edu_head", "fin_head", "dep1")
    consent = await start(staffed, "edu_head", "fin_head", "dep1")
    strict = await start(staffed, "edu_head", "fin_head")
    assert await answer(staffed, consent.id, fin_head, Answer.REMARKS, text="Есть", by="fin_head")
    assert await answer(staffed, strict.id, edu_head)

    with pytest.raises(ValueError, match="silence"):
        await staffed.remarks.close(consent.id, silent=Answer.NO_REMARKS, at=AT)
    with pytest.raises(ValueError, match="silence"):
        await staffed.remarks.close(consent.id, silent=Answer.PENDING, at=AT)

    closed_at = AT + timedelta(days=4)
    assert await staffed.remarks.close(consent.id, silent=Answer.AGREED_BY_DEFAULT, at=closed_at)
    current = await staffed.remarks.get(consent.id)
    assert current is not None
    assert current.closed_at == closed_at
    assert [(a.person_id, a.answer) for a in current.addressees] == [
        (edu_head, Answer.AGREED_BY_DEFAULT),
        (fin_head, Answer.REMARKS),
        (dep1, Answer.AGREED_BY_DEFAULT),
    ]
    # Silence is not an answer: no time or author is recorded for it.
    silent = await addressee(staffed, consent.id, edu_head)
    assert (silent.answered_at, silent.answered_by) == (None, None)
    assert await staffed.remarks.pending_addressees(consent.id) == []

    # The first close wins; answers are no longer taken, nor changed.
    assert not await staffed.remarks.close(consent.id, silent=Answer.NO_ANSWER, at=closed_at)
    assert not await answer(staffed, consent.id, dep1, by="dep1", at=closed_at)
    assert not await answer(staffed, consent.id, fin_head, by="fin_head", at=closed_at)
    assert await staffed.remarks.get(consent.id) == current
    assert not await staffed.remarks.close(999, silent=Answer.NO_ANSWER, at=closed_at)

    # Another round under a profile without silent consent.
    assert await staffed.remarks.close(strict.id, silent=Answer.NO_ANSWER, at=closed_at)
    other = await staffed.remarks.get(strict.id)
    assert other is not None
    assert [(a.person_id, a.answer) for a in other.addressees] == [
        (edu_head, Answer.NO_REMARKS),
        (fin_head, Answer.NO_ANSWER),
    ]


async def test_open_rounds_and_for_initiator(staffed: Repos) -> None:
    ctrl, hoa = await person_ids(staffed, "ctrl", "hoa")
    late = await start(staffed, due=date(2026, 3, 10), at=AT)
    early = await start(staffed, due=date(2026, 3, 4), at=AT + timedelta(hours=1))
    newest = await start(staffed, due=date(2026, 3, 6), at=AT + timedelta(hours=2))
    theirs = await start(
        staffed, due=date(2026, 3, 3), at=AT + timedelta(hours=3), initiator="hoa"
    )

    assert [r.id for r in await staffed.remarks.open_rounds()] == [
        theirs.id,
        early.id,
        newest.id,
        late.id,
    ]
    assert [r.id for r in await staffed.remarks.for_initiator(ctrl)] == [
        newest.id,
        early.id,
        late.id,
    ]
    assert await staffed.remarks.for_initiator(hoa) == [theirs]
    assert await staffed.remarks.for_initiator(await person_id(staffed, "akim")) == []

    assert await staffed.remarks.close(early.id, silent=Answer.AGREED_BY_DEFAULT, at=AT)
    assert [r.id for r in await staffed.remarks.open_rounds()] == [theirs.id, newest.id, late.id]
    assert [r.id for r in await staffed.remarks.for_initiator(ctrl, open_only=True)] == [
        newest.id,
        late.id,
    ]
    everything = await staffed.remarks.for_initiator(ctrl)
    assert [r.id for r in everything] == [newest.id, early.id, late.id]
    assert everything[1].closed_at == AT
    # Loaded in bulk, each round keeps its own files and addressees.
    assert all(r.files == (DRAFT,) and len(r.addressees) == 1 for r in everything)
    assert {r.addressees[0].round_id for r in everything} == {r.id for r in everything}


async def test_audit_trail_in_order(staffed: Repos) -> None:
    edu_head, fin_head = await person_ids(staffed, "edu_head", "fin_head")
    steps = [AT + timedelta(minutes=minute) for minute in range(4)]
    item = await start(staffed, "edu_head", "fin_head", "dep1", at=steps[0])
    assert await answer(staffed, item.id, edu_head, by="edu_exec", at=steps[1])
    files = (RoundFile("f1", "Замечания.docx"),)
    text = "Уточнить сроки"
    assert await answer(
        staffed, item.id, edu_head, Answer.REMARKS, text=text, files=files, at=steps[2]
    )
    assert await staffed.remarks.close(item.id, silent=Answer.AGREED_BY_DEFAULT, at=steps[3])

    trail = await staffed.audit.for_entity("remarks", str(item.id))
    assert [(e.action, e.actor, e.on_behalf_of, e.at) for e in trail] == [
        ("round_started", "ctrl", None, steps[0]),
        ("remarks_answer", "edu_exec", None, steps[1]),
        ("remarks_answer", "edu_head", None, steps[2]),
        ("round_closed", "system", None, steps[3]),
    ]
    assert {e.entity for e in trail} == {"remarks"}
    values = [
        (None if e.old_value is None else json.loads(e.old_value), json.loads(e.new_value or ""))
        for e in trail
    ]
    assert values == [
        (
            None,
            {
                "subject": "Проект бюджета на 2026 год",
                "kind": "other_draft",
                "due": "2026-03-05",
                "addressees": [edu_head, fin_head, await person_id(staffed, "dep1")],
                "files": ["Проект постановления.docx"],
            },
        ),
        ({"answer": "pending"}, {"answer": "no_remarks", "text": None, "files": []}),
        (
            {"answer": "no_remarks"},
            {"answer": "remarks", "text": "Уточнить сроки", "files": ["Замечания.docx"]},
        ),
        (None, {"silent": "agreed_by_default", "count": 2}),
    ]


async def test_deleting_a_round_deletes_its_parts(staffed: Repos) -> None:
    item = await start(staffed, "edu_head")
    edu_head = await person_id(staffed, "edu_head")
    assert await answer(
        staffed, item.id, edu_head, Answer.REMARKS, files=(RoundFile("f1", "a.pdf"),)
    )
    await write(staffed.db, "DELETE FROM remark_rounds WHERE id = ?", (item.id,))
    assert await staffed.remarks.get(item.id) is None
    for table in ("remark_round_files", "remark_addressees", "remark_answer_files"):
        assert await rows_in(staffed, table) == 0, table


async def test_rounds_started_before_kinds_become_other_drafts(tmp_path: Path) -> None:
    """Migration 0011: a round from before kinds reads back as «other draft», which keeps its
    due date and its silence rule in every profile."""
    path = tmp_path / "old.sqlite3"
    moment = utc_text(datetime(2026, 3, 2, 5, tzinfo=UTC))
    raw = await aiosqlite.connect(path, isolation_level=None)
    try:
        for version, _name, sql in migrations()[:10]:
            await raw.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;")
        await raw.execute(
            "INSERT INTO people (id, code, full_name, language, created_at, updated_at)"
            " VALUES (1, 'ctrl', 'Бауыржан Исаев', 'ru', ?, ?)",
            (moment, moment),
        )
        await raw.execute(
            "INSERT INTO remark_rounds (id, subject, initiator_id, restricted, due, created_at)"
            " VALUES (1, 'Проект до видов', 1, 0, '2026-03-05', ?)",
            (moment,),
        )
    finally:
        await raw.close()
    async with connect(path) as db:
        item = await Repos(db).remarks.get(1)
    assert item is not None
    assert item.kind is RoundKind.OTHER_DRAFT
    assert item.due == date(2026, 3, 5)


async def test_refused_answers_need_reasons(staffed: Repos) -> None:
    """The third answer «отказано» (Almaty 2016 п.24 3)) carries its reasons: typed text is
    required (files alone are not reasons), and the reasons read back."""
    item = await start(staffed)
    edu_head = await person_id(staffed, "edu_head")
    with pytest.raises(ValueError, match="reasons"):
        await answer(staffed, item.id, edu_head, Answer.REFUSED, files=(DRAFT,))
    reasons = "Противоречит бюджетному кодексу"
    assert await answer(staffed, item.id, edu_head, Answer.REFUSED, text=f"  {reasons} ")
    mine = await addressee(staffed, item.id, edu_head)
    assert (mine.answer, mine.text) == (Answer.REFUSED, reasons)


async def test_migration_12_keeps_answers_and_their_files(tmp_path: Path) -> None:
    """Migration 0012 rebuilds the addressees' table for the «refused» answer: a database at
    version 11 (foreign keys on, as the bot runs) keeps every answer with its files, the files
    still belong to their answer (deleting the round deletes them), and «refused» is taken."""
    path = tmp_path / "v11.sqlite3"
    moment = utc_text(datetime(2026, 3, 2, 5, tzinfo=UTC))
    raw = await aiosqlite.connect(path, isolation_level=None)
    try:
        await raw.execute("PRAGMA foreign_keys = ON")
        for version, _name, sql in migrations()[:11]:
            await raw.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;")
        await raw.executemany(
            "INSERT INTO people (id, code, full_name, language, created_at, updated_at)"
            " VALUES (?, ?, ?, 'ru', ?, ?)",
            [
                (1, "ctrl", "Бауыржан Исаев", moment, moment),
                (2, "edu", "Айгуль Сериккызы", moment, moment),
                (3, "fin", "Ержан Омаров", moment, moment),
            ],
        )
        await raw.execute(
            "INSERT INTO remark_rounds (id, subject, initiator_id, restricted, due, created_at,"
            " kind) VALUES (1, 'Проект решения', 1, 0, '2026-03-05', ?, 'decision')",
            (moment,),
        )
        await raw.executemany(
            "INSERT INTO remark_addressees (id, round_id, person_id, answer, answered_at,"
            " answered_by, text) VALUES (?, 1, ?, ?, ?, ?, ?)",
            [
                (7, 2, "remarks", moment, "edu", "Уточнить сроки"),
                (8, 3, "pending", None, None, None),
            ],
        )
        await raw.execute(
            "INSERT INTO remark_answer_files (addressee_id, position, file_id, file_name)"
            " VALUES (7, 0, 'f-7', 'Замечания.docx')"
        )
    finally:
        await raw.close()
    async with connect(path) as db:
        repos = Repos(db)
        item = found(await repos.remarks.get(1))
        kept = found(item.addressee_for(2))
        assert (kept.id, kept.answer, kept.text) == (7, Answer.REMARKS, "Уточнить сроки")
        assert [f.file_name for f in kept.files] == ["Замечания.docx"]
        assert found(item.addressee_for(3)).answer is Answer.PENDING
        assert await answer(repos, 1, 3, Answer.REFUSED, text="Нет обоснования", by="fin")
        assert found(found(await repos.remarks.get(1)).addressee_for(3)).answer is Answer.REFUSED
        assert await db.writer.execute_fetchall("PRAGMA foreign_key_check") == []
        await write(db, "DELETE FROM remark_rounds WHERE id = 1")
        assert await db.writer.execute_fetchall("SELECT * FROM remark_answer_files") == []
