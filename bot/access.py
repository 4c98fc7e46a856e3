"""Who may do what: pure rules over roles (no aiogram, no SQL)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.i18n_marks import N_
from bot.meetings.rules import MAY_ORGANIZE
from bot.remarks.rules import MAY_START
from bot.reports.rules import READERS as REPORT_READERS
from storage.domain.enums import Role

EVERYONE: frozenset[Role] = frozenset(Role)

# Role names as a person reads them (translated through the catalogues).
ROLE_TITLES: dict[Role, str] = {
    Role.CONTROLLER: N_("control department"),
    Role.AKIM: N_("akim"),
    Role.HEAD_OF_APPARATUS: N_("head of apparatus"),
    Role.DEPUTY_AKIM: N_("deputy akim"),
    Role.HEAD: N_("head of department"),
    Role.EXECUTOR: N_("executor"),
    Role.ORGANIZER: N_("organisational department"),
    Role.MEMBER: N_("akimat member"),
    Role.ADMIN: N_("administrator"),
}


@dataclass(frozen=True, slots=True)
class CommandSpec:
    command: str
    description: str  # an untranslated msgid
    roles: frozenset[Role] = EVERYONE


# Order is the order of the menu and of /help. Later capabilities add their commands here.
COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("start", N_("Main menu")),
    CommandSpec("help", N_("What I can do for you")),
    CommandSpec("lang", N_("Change language")),
    CommandSpec(
        "my", N_("My department's open assignments"), frozenset({Role.HEAD, Role.EXECUTOR})
    ),
    CommandSpec("new", N_("Register an assignment"), frozenset({Role.CONTROLLER})),
    CommandSpec("control", N_("Everything on control"), frozenset({Role.CONTROLLER})),
    CommandSpec(
        "overview",
        N_("Open assignments by department"),
        frozenset({Role.AKIM, Role.HEAD_OF_APPARATUS, Role.DEPUTY_AKIM}),
    ),
    CommandSpec("remarks", N_("«No remarks» rounds: start one, see the sheets"), MAY_START),
    CommandSpec("meeting", N_("Meetings: agenda, materials, attendance, protocol"), MAY_ORGANIZE),
    CommandSpec(
        "report",
        N_("Execution discipline report: figures, chart, XLSX"),
        REPORT_READERS | {Role.ADMIN},
    ),
    CommandSpec("invite", N_("Invitation link for a staff member"), frozenset({Role.ADMIN})),
    CommandSpec("cancel", N_("Cancel the current action")),
)


def may(roles: Iterable[Role], required: Iterable[Role]) -> bool:
    """True when the person holds at least one of the required roles."""
    return bool(frozenset(roles) & frozenset(required))


def commands_for(roles: Iterable[Role]) -> list[CommandSpec]:
    held = frozenset(roles)
    return [spec for spec in COMMANDS if spec.roles & held]


def base_commands() -> list[CommandSpec]:
    """What everybody gets: the menu before the bot knows who is writing."""
    return [spec for spec in COMMANDS if spec.roles == EVERYONE]
