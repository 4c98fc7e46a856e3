"""«Замечаний нет» round steps: start a round, answer it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.outbox_kinds import Kind
from bot.remarks.rules import RoundRefusal, check_answer, check_due, check_given
from bot.services import (
    Context,
    department_recipients,
    notify_about,
    one_unit,
    stamp,
)
from storage.domain.refusals import Refused
from storage.domain.remarks import Answer, Round, RoundFile, RoundKind
from storage.models import Person


async def round_addressees(
    ctx: Context, department_ids: Sequence[int], person_ids: Sequence[int]
) -> list[tuple[Person, int | None]]:
    """Departments answer through their heads (or acting substitutes); people answer themselves."""
    found: dict[int, tuple[Person, int | None]] = {}
    for department_id in department_ids:
        for head in await department_recipients(ctx, department_id):
            found.setdefault(head.id, (head, department_id))
    for person_id in person_ids:
        person = await ctx.repos.staff.get(person_id)
        if person is not None and person.active:  # one who left meanwhile is not asked
            acting = await ctx.repos.staff.acting_for(person, ctx.today)
            found.setdefault(acting.id, (acting, None))
    return list(found.values())


@one_unit
async def start_round(
    ctx: Context,
    initiator: Person,
    *,
    subject: str,
    restricted: bool,
    due: date,
    files: Sequence[RoundFile],
    department_ids: Sequence[int],
    person_ids: Sequence[int],
    kind: RoundKind = RoundKind.OTHER_DRAFT,
    reg_number: str | None = None,
) -> Round:
    check_due(ctx.calendar, ctx.today, due)
    addressees = await round_addressees(ctx, department_ids, person_ids)
    item = await ctx.repos.remarks.create(
        subject,
        initiator_id=initiator.id,
        restricted=restricted,
        due=due,
        kind=kind,
        files=[] if restricted else list(files),
        addressees=[(person.id, department) for person, department in addressees],
        actor=initiator.code,
        at=ctx.now,
        reg_number=reg_number,
    )
    people = [person for person, _ in addressees]
    await notify_about(ctx, people, Kind.REMARKS_REQUEST, {"round_id": item.id}, key="rmreq")
    return item


@one_unit
async def answer_round(
    ctx: Context,
    person: Person,
    round_id: int,
    answer: Answer,
    text: str | None = None,
    files: Sequence[RoundFile] = (),
) -> Round:
    item = await ctx.repos.remarks.get(round_id)
    if item is None:
        raise Refused(RoundRefusal.NOT_ADDRESSEE, round_id=round_id)
    addressee = check_answer(item, person.id, ctx.today)
    check_given(ctx.profile, item, answer, text, bool(files))
    if not await ctx.repos.remarks.answer(
        round_id,
        person.id,
        answer=answer,
        text=text,
        files=[] if item.restricted else list(files),
        by=person.code,
        at=ctx.now,
    ):
        raise Refused(RoundRefusal.CLOSED, due=item.due)
    if answer in {Answer.REMARKS, Answer.REFUSED}:  # remarks and refusals reach the initiator
        initiator = await ctx.repos.staff.get(item.initiator_id)
        ids = {"round_id": round_id, "addressee_id": addressee.id}
        await notify_about(ctx, [initiator], Kind.REMARKS_ANSWER, ids, stamp(ctx), key="rmans")
    updated = await ctx.repos.remarks.get(round_id)
    assert updated is not None
    return updated
