"""«Замечаний нет» rounds: starting one, the addressees' answers, and closing at the due date."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime

import aiosqlite

from storage.assignments import _utc
from storage.audit import AuditRepo
from storage.db import Database, Store
from storage.domain.remarks import Addressee, Answer, Round, RoundFile

ENTITY = "remarks"
# What an addressee may answer, and what silence becomes when the round is closed.
_GIVEN = frozenset({Answer.NO_REMARKS, Answer.REMARKS})
_SILENT = frozenset({Answer.AGREED_BY_DEFAULT, Answer.NO_ANSWER})


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _addressee(row: aiosqlite.Row, files: Sequence[RoundFile]) -> Addressee:
    return Addressee(
        id=row["id"],
        round_id=row["round_id"],
        person_id=row["person_id"],
        department_id=row["department_id"],
        answer=Answer(row["answer"]),
        answered_at=_moment(row["answered_at"]),
        answered_by=row["answered_by"],
        text=row["text"],
        files=tuple(files),
    )


def _round(
    row: aiosqlite.Row, files: Sequence[RoundFile], addressees: Sequence[Addressee]
) -> Round:
    return Round(
        id=row["id"],
        subject=row["subject"],
        initiator_id=row["initiator_id"],
        restricted=bool(row["restricted"]),
        due=date.fromisoformat(row["due"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        closed_at=_moment(row["closed_at"]),
        files=tuple(files),
        addressees=tuple(addressees),
    )


def _text(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


class RemarksRepo(Store):
    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.audit = AuditRepo(db)

    # --- reading -------------------------------------------------------------------------------
    async def _answer_files(self, addressee_ids: Sequence[int]) -> dict[int, list[RoundFile]]:
        found: dict[int, list[RoundFile]] = {addressee_id: [] for addressee_id in addressee_ids}
        if not addressee_ids:
            return found
        async with self.conn.execute(
            "SELECT * FROM remark_answer_files"
            " WHERE addressee_id IN (SELECT value FROM json_each(?))"
            " ORDER BY addressee_id, position",
            (json.dumps(list(addressee_ids)),),
        ) as cursor:
            for row in await cursor.fetchall():
                found[row["addressee_id"]].append(RoundFile(row["file_id"], row["file_name"]))
        return found

    async def _addressees(self, where: str, params: Iterable[object]) -> list[Addressee]:
        async with self.conn.execute(
            f"SELECT * FROM remark_addressees WHERE {where}"  # noqa: S608 - fixed fragments
            " ORDER BY round_id, id",
            tuple(params),
        ) as cursor:
            rows = await cursor.fetchall()
        files = await self._answer_files([row["id"] for row in rows])
        return [_addressee(row, files[row["id"]]) for row in rows]

    async def _load(self, rows: Iterable[aiosqlite.Row]) -> list[Round]:
        """Rounds with their files and addressees (with their answer files), in few queries."""
        rows = list(rows)
        ids = [row["id"] for row in rows]
        files: dict[int, list[RoundFile]] = {round_id: [] for round_id in ids}
        addressees: dict[int, list[Addressee]] = {round_id: [] for round_id in ids}
        if ids:
            wanted = json.dumps(ids)
            async with self.conn.execute(
                "SELECT * FROM remark_round_files WHERE round_id IN"
                " (SELECT value FROM json_each(?)) ORDER BY round_id, position",
                (wanted,),
            ) as cursor:
                for row in await cursor.fetchall():
                    files[row["round_id"]].append(RoundFile(row["file_id"], row["file_name"]))
            for addressee in await self._addressees(
                "round_id IN (SELECT value FROM json_each(?))", (wanted,)
            ):
                addressees[addressee.round_id].append(addressee)
        return [_round(row, files[row["id"]], addressees[row["id"]]) for row in rows]

    async def _many(self, where: str, params: Iterable[object], order: str) -> list[Round]:
        async with self.conn.execute(
            f"SELECT * FROM remark_rounds WHERE {where} ORDER BY {order}",  # noqa: S608 - fixed
            tuple(params),
        ) as cursor:
            rows = await cursor.fetchall()
        return await self._load(rows)

    async def get(self, round_id: int) -> Round | None:
        found = await self._many("id = ?", (round_id,), "id")
        return found[0] if found else None

    async def for_initiator(self, person_id: int, *, open_only: bool = False) -> list[Round]:
        """The rounds a person started, newest first; `open_only` keeps those not closed."""
        where = "initiator_id = ?" + (" AND closed_at IS NULL" if open_only else "")
        return await self._many(where, (person_id,), "created_at DESC, id DESC")

    async def open_rounds(self) -> list[Round]:
        """Every round not yet closed, by due date (then the order they were started)."""
        return await self._many("closed_at IS NULL", (), "due, id")

    async def pending_addressees(self, round_id: int) -> list[Addressee]:
        """Addressees of the round who have not answered yet, in the order they were added."""
        return await self._addressees(
            "round_id = ? AND answer = ?", (round_id, Answer.PENDING.value)
        )

    async def pending_for_person(self, person_id: int) -> list[Addressee]:
        """Where a person is still awaited: their unanswered places in rounds not closed."""
        return await self._addressees(
            "person_id = ? AND answer = ? AND round_id IN"
            " (SELECT id FROM remark_rounds WHERE closed_at IS NULL)",
            (person_id, Answer.PENDING.value),
        )

    async def hand_over(
        self, addressee: Addressee, to_person_id: int, *, actor: str, at: datetime
    ) -> bool:
        """An unanswered place passes to another person (the addressee left): the same row,
        now theirs. When they are an addressee of the round already, the place is merged into
        theirs. False when the place was answered meanwhile."""
        async with self.db.transaction():
            async with self.conn.execute(
                "SELECT 1 FROM remark_addressees WHERE round_id = ? AND person_id = ?",
                (addressee.round_id, to_person_id),
            ) as cursor:
                merged = await cursor.fetchone() is not None
            if merged:
                cursor = await self.conn.execute(
                    "DELETE FROM remark_addressees WHERE id = ? AND answer = ?",
                    (addressee.id, Answer.PENDING.value),
                )
            else:
                cursor = await self.conn.execute(
                    "UPDATE remark_addressees SET person_id = ? WHERE id = ? AND answer = ?",
                    (to_person_id, addressee.id, Answer.PENDING.value),
                )
            if cursor.rowcount != 1:
                return False
            await self.audit.record(
                actor=actor,
                action="addressee_handed_over",
                entity=ENTITY,
                entity_id=str(addressee.round_id),
                old={"person_id": addressee.person_id},
                new={"person_id": to_person_id, "merged": merged},
                at=at,
            )
        return True

    # --- starting ------------------------------------------------------------------------------
    async def create(
        self,
        subject: str,
        *,
        initiator_id: int,
        restricted: bool,
        due: date,
        files: Sequence[RoundFile],
        addressees: Sequence[tuple[int, int | None]],
        actor: str,
        at: datetime,
    ) -> Round:
        """Start a round. `addressees` are (person_id, department_id or None); a person listed
        twice is asked once, through the first department given.

        ValueError: an empty subject, no addressees, or an unknown person or department.
        """
        subject = subject.strip()
        if not subject:
            raise ValueError("the subject is empty")
        merged: dict[int, int | None] = {}
        for person_id, department_id in addressees:
            merged.setdefault(person_id, department_id)
        if not merged:
            raise ValueError("a round needs at least one addressee")
        async with self.db.transaction():
            try:
                cursor = await self.conn.execute(
                    "INSERT INTO remark_rounds (subject, initiator_id, restricted, due,"
                    " created_at) VALUES (?, ?, ?, ?, ?)",
                    (subject, initiator_id, int(restricted), due.isoformat(), _utc(at)),
                )
                round_id = cursor.lastrowid
                assert round_id is not None
                await self.conn.executemany(
                    "INSERT INTO remark_round_files (round_id, position, file_id, file_name)"
                    " VALUES (?, ?, ?, ?)",
                    [
                        (round_id, position, item.file_id, item.file_name)
                        for position, item in enumerate(files)
                    ],
                )
                await self.conn.executemany(
                    "INSERT INTO remark_addressees (round_id, person_id, department_id, answer)"
                    " VALUES (?, ?, ?, ?)",
                    [
                        (round_id, person_id, department_id, Answer.PENDING.value)
                        for person_id, department_id in merged.items()
                    ],
                )
            except aiosqlite.IntegrityError as exc:
                if "FOREIGN KEY" in str(exc):
                    raise ValueError("unknown initiator, addressee or department") from exc
                raise
            await self.audit.record(
                actor=actor,
                action="round_started",
                entity=ENTITY,
                entity_id=str(round_id),
                new={
                    "subject": subject,
                    "due": due.isoformat(),
                    "addressees": list(merged),
                    "files": [item.file_name for item in files],
                },
                at=at,
            )
            created = await self.get(round_id)
        assert created is not None
        return created

    # --- answering -----------------------------------------------------------------------------
    async def answer(
        self,
        round_id: int,
        person_id: int,
        *,
        answer: Answer,
        text: str | None,
        files: Sequence[RoundFile],
        by: str,
        at: datetime,
    ) -> bool:
        """Record (or change) an addressee's answer; its text and files replace the previous.

        False when the person is not an addressee of the round, or the round is closed (the
        due date itself is the caller's check). ValueError: an answer other than no_remarks /
        remarks, or remarks with neither text nor a file.
        """
        answer = Answer(answer)
        if answer not in _GIVEN:
            raise ValueError(f"an addressee cannot answer {answer.value!r}")
        text = _text(text)
        if answer is Answer.REMARKS and text is None and not files:
            raise ValueError("remarks need a text or a file")
        async with self.db.transaction():
            async with self.conn.execute(
                "SELECT a.id, a.answer FROM remark_addressees a"
                " JOIN remark_rounds r ON r.id = a.round_id"
                " WHERE a.round_id = ? AND a.person_id = ? AND r.closed_at IS NULL",
                (round_id, person_id),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return False
            addressee_id, previous = row["id"], row["answer"]
            cursor = await self.conn.execute(
                "UPDATE remark_addressees SET answer = ?, answered_at = ?, answered_by = ?,"
                " text = ? WHERE id = ? AND EXISTS (SELECT 1 FROM remark_rounds r"
                " WHERE r.id = ? AND r.closed_at IS NULL)",
                (answer.value, _utc(at), by, text, addressee_id, round_id),
            )
            if cursor.rowcount == 0:
                return False
            await self.conn.execute(
                "DELETE FROM remark_answer_files WHERE addressee_id = ?", (addressee_id,)
            )
            await self.conn.executemany(
                "INSERT INTO remark_answer_files (addressee_id, position, file_id, file_name)"
                " VALUES (?, ?, ?, ?)",
                [
                    (addressee_id, position, item.file_id, item.file_name)
                    for position, item in enumerate(files)
                ],
            )
            await self.audit.record(
                actor=by,
                action="remarks_answer",
                entity=ENTITY,
                entity_id=str(round_id),
                old={"answer": previous},
                new={
                    "answer": answer.value,
                    "text": text,
                    "files": [item.file_name for item in files],
                },
                at=at,
            )
        return True

    # --- closing -------------------------------------------------------------------------------
    async def close(
        self, round_id: int, *, silent: Answer, at: datetime, actor: str = "system"
    ) -> bool:
        """Close the round: every addressee still pending gets `silent` (agreed_by_default or
        no_answer). False when it is already closed or unknown (the first close wins)."""
        silent = Answer(silent)
        if silent not in _SILENT:
            raise ValueError(f"silence cannot become {silent.value!r}")
        async with self.db.transaction():
            cursor = await self.conn.execute(
                "UPDATE remark_rounds SET closed_at = ? WHERE id = ? AND closed_at IS NULL",
                (_utc(at), round_id),
            )
            if cursor.rowcount == 0:
                return False
            cursor = await self.conn.execute(
                "UPDATE remark_addressees SET answer = ? WHERE round_id = ? AND answer = ?",
                (silent.value, round_id, Answer.PENDING.value),
            )
            count = cursor.rowcount
            await self.audit.record(
                actor=actor,
                action="round_closed",
                entity=ENTITY,
                entity_id=str(round_id),
                new={"silent": silent.value, "count": count},
                at=at,
            )
        return True
