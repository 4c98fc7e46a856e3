"""What the sources, statuses and removal grounds of an assignment are called (marked for
gettext; translated where they are shown: the chat, the reports, the command line)."""

from __future__ import annotations

from bot.i18n_marks import N_
from storage.domain.assignments import RemovalGround, Status
from storage.domain.enums import Source

SOURCE_TITLES: dict[Source, str] = {
    Source.PRESIDENT: N_("President"),
    Source.PRESIDENTIAL_ADMINISTRATION: N_("Presidential Administration"),
    Source.GOVERNMENT: N_("Government"),
    Source.PRIME_MINISTER: N_("Prime Minister"),
    Source.OBLAST_AKIM: N_("Oblast akim"),
    Source.AKIM: N_("Akim"),
    Source.AKIMAT: N_("Akimat protocol"),
    Source.DEPUTY_AKIM: N_("Deputy akim"),
    Source.HEAD_OF_APPARATUS: N_("Head of apparatus"),
    Source.OTHER: N_("Other state body"),
}
STATUS_TITLES: dict[Status, str] = {
    Status.REGISTERED: N_("registered, awaiting acceptance"),
    Status.ACCEPTED: N_("accepted for execution"),
    Status.REPORTED: N_("execution report submitted"),
    Status.RETURNED: N_("returned for rework"),
    Status.REMOVED: N_("removed from control"),
}
GROUND_TITLES: dict[RemovalGround, str] = {
    RemovalGround.EXECUTED: N_("fully executed"),
    RemovalGround.IMPOSSIBLE: N_("impossible for objective reasons"),
}
