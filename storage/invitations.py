"""One-time invitation tokens that bind a Telegram account to a staff record."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from storage.audit import AuditedStore, now_utc
from storage.models import Invitation, Person
from storage.rows import from_row


class Redemption(StrEnum):
    BOUND = "bound"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    TAKEN = "taken"  # this Telegram account is already bound to somebody else
    VOIDED = "voided"  # a newer link replaced it
    REMOVED = "removed"  # the person is no longer in the directory


class InvitationRepo(AuditedStore):
    entity = "person"

    async def issue(
        self, person: Person, *, ttl: timedelta, actor: str, now: datetime | None = None
    ) -> Invitation:
        """A new token for `person`; earlier unused ones stop working."""
        now = now or now_utc()
        token = secrets.token_urlsafe(18)
        async with self.db.transaction():
            await self.void_for(person, now=now)
            await self.conn.execute(
                "INSERT INTO invitations (token, person_id, created_at, expires_at)"
                " VALUES (?, ?, ?, ?)",
                (token, person.id, now.isoformat(), (now + ttl).isoformat()),
            )
            await self._record(
                person.code, "invite", actor=actor, new={"expires": (now + ttl).isoformat()}
            )
        return Invitation(token, person.id, now, now + ttl, None)

    async def void_for(self, person: Person, *, now: datetime | None = None) -> int:
        """The person's unused, unexpired links stop working (a newer one replaced them, or
        the person left); how many."""
        now = now or now_utc()
        return await self.write(
            "UPDATE invitations SET expires_at = ?, voided_at = ? WHERE person_id = ?"
            " AND used_at IS NULL AND expires_at > ?",
            (now.isoformat(), now.isoformat(), person.id, now.isoformat()),
        )

    async def valid_for(self, person: Person, *, now: datetime | None = None) -> Invitation | None:
        """The newest unused, unexpired invitation of `person`, if any."""
        now = now or now_utc()
        row = await self.fetch_one(
            "SELECT * FROM invitations WHERE person_id = ? AND used_at IS NULL AND expires_at > ?"
            " ORDER BY created_at DESC LIMIT 1",
            (person.id, now.isoformat()),
        )
        return from_row(Invitation, row) if row else None

    async def get(self, token: str) -> Invitation | None:
        row = await self.fetch_one("SELECT * FROM invitations WHERE token = ?", (token,))
        return from_row(Invitation, row) if row else None

    async def redeem(
        self, token: str, telegram_id: int, *, now: datetime | None = None
    ) -> tuple[Redemption, int | None]:
        """Bind the account if the token is good: (outcome, person id)."""
        now = now or now_utc()
        async with self.db.transaction():
            invitation = await self.get(token)
            if invitation is None:
                return Redemption.UNKNOWN, None
            if invitation.used_at is not None:
                return Redemption.USED, invitation.person_id
            person = await self.fetch_one(
                "SELECT id, code, telegram_id, active FROM people WHERE id = ?",
                (invitation.person_id,),
            )
            assert person is not None
            if not person["active"]:
                return Redemption.REMOVED, invitation.person_id
            if invitation.voided_at is not None:
                return Redemption.VOIDED, invitation.person_id
            if invitation.expires_at <= now:
                return Redemption.EXPIRED, invitation.person_id
            async with self.conn.execute(
                "SELECT id FROM people WHERE telegram_id = ? AND id <> ?",
                (telegram_id, invitation.person_id),
            ) as cursor:
                if await cursor.fetchone():
                    return Redemption.TAKEN, invitation.person_id
            await self.conn.execute(
                "UPDATE invitations SET used_at = ?, used_by_telegram = ? WHERE token = ?",
                (now.isoformat(), telegram_id, token),
            )
            await self.conn.execute(
                "UPDATE people SET telegram_id = ?, bound_at = ?, unreachable = 0,"
                " language_chosen = 0, updated_at = ? WHERE id = ?",
                (telegram_id, now.isoformat(), now.isoformat(), invitation.person_id),
            )
            await self._record(
                person["code"],
                "bind",
                actor=person["code"],
                old=person["telegram_id"],
                new=telegram_id,
                at=now,
            )
        return Redemption.BOUND, invitation.person_id
