"""«Замечаний нет» rounds: starting one, the addressees' answers, and closing at the due date."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime

import aiosqlite

from storage.attachments import attachments_of, save_attachments
from storage.audit import AuditedStore
from storage.domain.remarks import Addressee, Answer, Round, RoundFile, RoundKind
from storage.rows import clean, from_row, unknown_reference, utc_text, written

ENTITY = "remarks"
# What an addressee may answer, and what silence becomes when the round is closed.
_GIVEN = frozenset({Answer.NO_REMARKS, Answer.REMARKS, Answer.REFUSED})
_SILENT = frozenset({Answer.AGREED_BY_DEFAULT, Answer.NO_ANSWER})


class RemarksRepo(AuditedStore):
    entity = ENTITY

    # --- reading -------------------------------------------------------------------------------
    async def _addressees(self, where: str, params: Iterable[object]) -> list[Addressee]:
        rows = await self.fetch_all(
            f"SELECT * FROM remark_addressees WHERE {where}"  # noqa: S608 - fixed fragments
            " ORDER BY round_id, id",
            tuple(params),
        )
        files = await attachments_of(
            self.conn, "remark_answer_files", "addressee_id", [row["id"] for row in rows]
        )
        return [from_row(Addressee, row, files=tuple(files[row["id"]])) for row in rows]

    async def _load(self, rows: Iterable[aiosqlite.Row]) -> list[Round]:
        """Rounds with their files and addressees (with their answer files), in few queries."""
        rows = list(rows)
        ids = [row["id"] for row in rows]
        files = await attachments_of(self.conn, "remark_round_files", "round_id", ids)
        addressees: dict[int, list[Addressee]] = {round_id: [] for round_id in ids}
        if ids:
            for addressee in await self._addressees(
                "round_id IN (SELECT value FROM json_each(?))", (json.dumps(ids),)
            ):
                addressees[addressee.round_id].append(addressee)
        return [
            from_row(
                Round, row, files=tuple(files[row["id"]]), addressees=tuple(addressees[row["id"]])
            )
            for row in rows
        ]

    async def _many(self, where: str, params: Iterable[object], order: str) -> list[Round]:
        rows = await self.fetch_all(
            f"SELECT * FROM remark_rounds WHERE {where} ORDER BY {order}",  # noqa: S608 - fixed
            tuple(params),
        )
        return await self._load(rows)

    async def get(self, round_id: int) -> Round | None:
        found = await self._many("id = ?", (round_id,), "id")
        return found[0] if found else None

    async def get_many(self, round_ids: Iterable[int]) -> list[Round]:
        """Several rounds by id (with their files and addressees), in few queries, by id."""
        return await self._many(
            "id IN (SELECT value FROM json_each(?))", (json.dumps(sorted(set(round_ids))),), "id"
        )

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
            await self._record(
                str(addressee.round_id),
                "addressee_handed_over",
                actor=actor,
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
        kind: RoundKind = RoundKind.OTHER_DRAFT,
        files: Sequence[RoundFile],
        addressees: Sequence[tuple[int, int | None]],
        actor: str,
        at: datetime,
        reg_number: str | None = None,
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
            with unknown_reference("unknown initiator, addressee or department"):
                cursor = await self.conn.execute(
                    "INSERT INTO remark_rounds (subject, initiator_id, restricted, due, kind,"
                    " created_at, reg_number) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        subject,
                        initiator_id,
                        int(restricted),
                        due.isoformat(),
                        RoundKind(kind).value,
                        utc_text(at),
                        reg_number,
                    ),
                )
                round_id = cursor.lastrowid
                assert round_id is not None
                await save_attachments(
                    self.conn, "remark_round_files", "round_id", round_id, files
                )
                await self.conn.executemany(
                    "INSERT INTO remark_addressees (round_id, person_id, department_id, answer)"
                    " VALUES (?, ?, ?, ?)",
                    [
                        (round_id, person_id, department_id, Answer.PENDING.value)
                        for person_id, department_id in merged.items()
                    ],
                )
            await self._record(
                str(round_id),
                "round_started",
                actor=actor,
                new={
                    "subject": subject,
                    "kind": RoundKind(kind).value,
                    "due": due.isoformat(),
                    "addressees": list(merged),
                    "files": [item.file_name for item in files],
                }
                | ({"reg_number": reg_number} if reg_number else {}),
                at=at,
            )
            return written(await self.get(round_id))

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
        remarks / refused, remarks with neither text nor a file, or a refusal without reasons.
        """
        answer = Answer(answer)
        if answer not in _GIVEN:
            raise ValueError(f"an addressee cannot answer {answer.value!r}")
        text = clean(text)
        if answer is Answer.REMARKS and text is None and not files:
            raise ValueError("remarks need a text or a file")
        if answer is Answer.REFUSED and text is None:
            raise ValueError("a refusal needs its reasons")
        async with self.db.transaction():
            row = await self.fetch_one(
                "SELECT a.id, a.answer FROM remark_addressees a"
                " JOIN remark_rounds r ON r.id = a.round_id"
                " WHERE a.round_id = ? AND a.person_id = ? AND r.closed_at IS NULL",
                (round_id, person_id),
            )
            if row is None:
                return False
            addressee_id, previous = row["id"], row["answer"]
            cursor = await self.conn.execute(
                "UPDATE remark_addressees SET answer = ?, answered_at = ?, answered_by = ?,"
                " text = ? WHERE id = ? AND EXISTS (SELECT 1 FROM remark_rounds r"
                " WHERE r.id = ? AND r.closed_at IS NULL)",
                (answer.value, utc_text(at), by, text, addressee_id, round_id),
            )
            if cursor.rowcount == 0:
                return False
            await self.conn.execute(
                "DELETE FROM remark_answer_files WHERE addressee_id = ?", (addressee_id,)
            )
            await save_attachments(
                self.conn, "remark_answer_files", "addressee_id", addressee_id, files
            )
            await self._record(
                str(round_id),
                "remarks_answer",
                actor=by,
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
                (utc_text(at), round_id),
            )
            if cursor.rowcount == 0:
                return False
            cursor = await self.conn.execute(
                "UPDATE remark_addressees SET answer = ? WHERE round_id = ? AND answer = ?",
                (silent.value, round_id, Answer.PENDING.value),
            )
            count = cursor.rowcount
            await self._record(
                str(round_id),
                "round_closed",
                actor=actor,
                new={"silent": silent.value, "count": count},
                at=at,
            )
        return True
