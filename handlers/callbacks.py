"""Every CallbackData factory in one place (prefixes short and unique)."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from storage.domain.enums import Language


class LangCallback(CallbackData, prefix="lang"):
    language: Language


class MenuAction(StrEnum):
    HELP = "help"
    INVITES = "invites"
    LANG = "lang"


class MenuCallback(CallbackData, prefix="menu"):
    action: MenuAction


class ItemAction(StrEnum):
    ACCEPT = "accept"
    REPORT = "report"
    SEND = "send"  # the report typed so far
    DROP = "drop"  # the report dropped
    NOT_OURS = "notours"
    VIEW = "view"
    REMOVE = "remove"
    GROUND = "ground"
    RETURN = "return"
    REASSIGN = "reassign"
    TO = "to"  # the department an item is reassigned to
    EXT = "ext"  # ask for an extension


class ItemCallback(CallbackData, prefix="a"):
    """An action on an assignment: accept, report, notours, view, remove, ground, return, reassign,
    to (reassign target). `dep` is the executor department acted for (0 when not relevant);
    `arg` carries a ground, a department or a page."""

    action: ItemAction
    id: int
    dep: int = 0
    arg: str = ""


class ListCallback(CallbackData, prefix="l"):
    """Paging and filters of /my and /control."""

    scope: str  # my | control
    page: int = 0
    flt: str = ""  # "", overdue, week, d<department id>, s<source>


class NewCallback(CallbackData, prefix="n"):
    """A step of the controller's registration dialog (/new): src, dep, pg, all, done, mark,
    dl, rst, ok, no; `value` carries a source, a department id, a page, a mark or yes/no."""

    step: str
    value: str = ""


class ExtAction(StrEnum):
    OFFER = "offer"
    SEND = "send"
    DROP = "drop"
    APPROVE = "approve"
    OTHER = "other"
    REJECT = "reject"


class ExtCallback(CallbackData, prefix="x"):
    """Extension requests: offer (take the offered working day), send, drop; and the decider's
    approve, other (another date), reject."""

    action: ExtAction
    id: int  # the assignment (asking) or the request (deciding)
    value: str = ""


class RemarkAction(StrEnum):
    OK = "ok"
    HAS = "has"
    SEND = "send"
    DROP = "drop"
    SHEET = "sheet"
    XLSX = "xlsx"
    NEW = "new"


class RemarkCallback(CallbackData, prefix="r"):
    """«Замечаний нет» rounds: ok (no remarks), has (remarks follow), send, drop, sheet, xlsx,
    new (start a round)."""

    action: RemarkAction
    id: int = 0


class RoundNewCallback(CallbackData, prefix="rn"):
    """A step of the dialog that starts a «замечаний нет» round: rst, docs, dep, per, pg, all,
    mode, done, due, ok, no; `value` carries yes/no, done/none, an id, a page, a mode or a
    date."""

    step: str
    value: str = ""


class MeetCallback(CallbackData, prefix="m"):
    """Meetings. Recipients: att (value yes/no/sub), mat (send materials for item `id`), paper
    (materials handed over on paper), appr (approve the agenda). Organizer: open, people
    (attendance list), ask (send for approval), paper_ok (approval given on paper), chg (change
    menu; value time/place/add/del), cancel, proto (upload the protocol), new, lists."""

    action: str
    id: int = 0
    value: str = ""


class MeetNewCallback(CallbackData, prefix="mn"):
    """A step of the organizer's dialog that creates a meeting (handlers.meeting_new)."""

    step: str
    value: str = ""


class ProtocolCallback(CallbackData, prefix="pr"):
    """A step of the organizer's dialog that registers a protocol (handlers.meeting_protocol)."""

    step: str
    value: str = ""


class MeetChangeCallback(CallbackData, prefix="mc"):
    """A step of the organizer's dialog that changes a meeting (handlers.meetings)."""

    step: str
    value: str = ""


class InviteCallback(CallbackData, prefix="inv"):
    """The administrator's «new link» for a person (a changed phone): the old link stops."""

    person: int
