"""Every CallbackData factory in one place (prefixes short and unique)."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from bot.reports.rules import Preset
from storage.domain.enums import Language

ROW_KEYS = range(-(2**63), 2**63)  # SQLite's INTEGER: a key beyond it no row can have


def number(text: str) -> int | None:
    """The number a button carries in a text field (a department, an agenda item, a page, a
    round), or None when forged: not plain ASCII digits («²» passes `str.isdigit`), or beyond
    any row key (a query would raise OverflowError)."""
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value in ROW_KEYS else None


def is_number(text: str) -> bool:
    return number(text) is not None


def fits_a_row_key(button: CallbackData) -> bool:
    """Every number field of the button fits SQLite's 64-bit INTEGER (a forged 2**70 would
    raise OverflowError in the first query it reaches)."""
    return all(
        value in ROW_KEYS
        for value in button.__dict__.values()
        if isinstance(value, int) and not isinstance(value, bool)
    )


class LangCallback(CallbackData, prefix="lang"):
    language: Language


class MenuAction(StrEnum):
    HELP = "help"
    INVITES = "invites"
    LANG = "lang"
    # the role's daily work (handlers.main_menu): each does what its command does
    MY = "my"
    WAITING = "waiting"
    NEW = "new"
    CONTROL = "control"
    ROUNDS = "rounds"
    MEETINGS = "meetings"
    OVERVIEW = "overview"
    REPORT = "report"


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
    DEADLINE = "dl"  # the controller changes the deadline (arg: the deadline the card showed)
    DAY = "day"  # a new deadline on a button (arg: ISO date)
    KEEP = "keep"  # refuse a «не наше»: the department (dep) keeps the item
    BACK = "back"  # from the reassign picker back to «Reassign / Keep»
    EXECS = "execs"  # the controller changes the executor departments


class ItemCallback(CallbackData, prefix="a"):
    """An action on an assignment: accept, report, notours, view, remove, ground, return, reassign,
    to (reassign target). `dep` is the executor department acted for (0 when not relevant);
    `arg` carries a ground, a department or a page."""

    action: ItemAction
    id: int
    dep: int = 0
    arg: str = ""


class ListScope(StrEnum):
    MY = "my"
    CONTROL = "control"
    DEPARTMENTS = "deps"  # choose a department to filter /control by
    SOURCES = "srcs"  # choose a source to filter /control by


class ListCallback(CallbackData, prefix="l"):
    """Paging and filters of /my and /control. A page is read by key: `at` is the item it
    starts at (0: the first page), or, negative, the item it ends just before (◀️); `page`
    only numbers it («Page 2 of 5»)."""

    scope: ListScope
    page: int = 0
    flt: str = ""  # "", overdue, week, d<department id>, s<source>
    at: int = 0


class NewStep(StrEnum):
    SOURCE = "src"
    DEPARTMENT = "dep"
    PAGE = "pg"
    ALL = "all"
    DONE = "done"
    MARK = "mark"
    DEADLINE = "dl"
    RESTRICTED = "rst"
    OK = "ok"
    NO = "no"


class NewCallback(CallbackData, prefix="n"):
    """A step of the controller's registration dialog (/new); `value` carries a source, a
    department id, a page, a mark or yes/no."""

    step: NewStep
    value: str = ""


class ExtAction(StrEnum):
    OFFER = "offer"
    SEND = "send"
    DROP = "drop"
    APPROVE = "approve"
    OTHER = "other"
    REJECT = "reject"
    ISSUER_YES = "iyes"  # the control department records the issuer's approval
    ISSUER_NO = "ino"  # ... or its refusal
    ISSUER_DAY = "iday"  # the approved date on a button: as requested, or the next working day
    ISSUER_BARE = "inor"  # the refusal recorded without reasons


class ExtCallback(CallbackData, prefix="x"):
    """Extension requests: offer (take the offered working day), send, drop; the decider's
    approve, other (another date), reject; the controller's record of the answer of an issuer
    outside the akimat (approved, refused)."""

    action: ExtAction
    id: int  # the assignment (asking) or the request (deciding)
    value: str = ""


class RemarkAction(StrEnum):
    OK = "ok"
    HAS = "has"
    REFUSE = "refuse"
    SEND = "send"
    DROP = "drop"
    SHEET = "sheet"
    XLSX = "xlsx"
    NEW = "new"


class RemarkCallback(CallbackData, prefix="r"):
    """«Замечаний нет» rounds: ok (no remarks), has (remarks follow), refuse (the reasons
    follow), send, drop, sheet, xlsx, new (start a round)."""

    action: RemarkAction
    id: int = 0


class RoundStep(StrEnum):
    KIND = "kind"
    RESTRICTED = "rst"
    DOCUMENTS = "docs"
    DEPARTMENT = "dep"
    PERSON = "per"
    PAGE = "pg"
    ALL = "all"
    MODE = "mode"
    DONE = "done"
    DUE = "due"
    SHORT = "short"  # keep a due date shorter than the regulation's
    OK = "ok"
    NO = "no"


class RoundNewCallback(CallbackData, prefix="rn"):
    """A step of the dialog that starts a «замечаний нет» round; `value` carries a kind,
    yes/no, done/none, an id, a page, a mode or a date."""

    step: RoundStep
    value: str = ""


class MeetAction(StrEnum):
    # recipients
    ATTEND = "att"
    MATERIALS = "mat"
    MATERIALS_SEND = "mat_send"
    MATERIALS_DROP = "mat_drop"
    PAPER = "paper"
    PAPER_YES = "paper_yes"
    PAPER_NO = "paper_no"
    APPROVE = "appr"
    RETURN = "ret"  # return the agenda with remarks (value: the approval round, "" for 1)
    RETURN_DROP = "ret_drop"
    # the organizer
    OPEN = "open"
    PEOPLE = "people"
    ASK = "ask"
    PAPER_OK = "paper_ok"
    CHANGE = "chg"
    CANCEL = "cancel"
    PROTOCOL = "proto"
    NEW = "new"
    LISTS = "lists"


class MeetCallback(CallbackData, prefix="m"):
    """Meetings. Recipients: att (value yes/no/sub), mat (send materials for item `id`), paper
    (materials handed over on paper), appr (approve the agenda), ret (return it with remarks;
    both with the approval round as value, "" for the first). Organizer: open, people
    (attendance list), ask (send for approval), paper_ok (approval given on paper), chg (change
    menu; value time/place/add/del), cancel, proto (upload the protocol), new, lists."""

    action: MeetAction
    id: int = 0
    value: str = ""


class MeetNewStep(StrEnum):
    KIND = "kind"
    NO_TITLE = "notitle"
    DAY = "day"  # the working day offered
    TIME = "time"
    FORMAT = "fmt"
    RESTRICTED = "rst"
    CHAIR = "chair"
    NO_SPEAKER = "nospk"
    ITEM_DEPARTMENT = "idep"
    NO_MATERIALS = "nomat"
    MORE = "more"
    AGENDA_DONE = "agdone"
    PAGE = "pg"
    ALL = "all"
    DEPARTMENT = "rdep"
    PERSON = "rper"
    LIST = "rlist"
    ALL_MEMBERS = "allm"
    MODE = "mode"
    DONE = "done"
    CREATE = "ok"
    SAVE = "save"
    DROP = "no"


class MeetNewCallback(CallbackData, prefix="mn"):
    """A step of the organizer's dialog that creates a meeting (handlers.meetings.new_dialog)."""

    step: MeetNewStep
    value: str = ""


class ProtocolStep(StrEnum):
    FILE = "file"  # value paper: signed on paper, no file
    TODAY = "today"  # value: the date
    TASK = "task"  # value add / end / none / paper (a restricted protocol's assignment)
    DEPARTMENT = "dep"
    PAGE = "pg"
    ALL = "all"
    DONE = "done"
    DEADLINE = "dl"  # value reg: the regulation's term
    OK = "ok"
    NO = "no"


class ProtocolCallback(CallbackData, prefix="pr"):
    """A step of the organizer's dialog that registers a protocol
    (handlers.meetings.protocol_dialog)."""

    step: ProtocolStep
    value: str = ""


class MeetChangeStep(StrEnum):
    AT = "at"  # the moment offered instead of a day off
    FORMAT = "fmt"
    KEEP = "keep"  # the current place or link kept
    NO_SPEAKER = "skip"
    PAGE = "pg"
    ALL = "all"
    DEPARTMENT = "dep"
    NO_MATERIALS = "nodep"
    REMOVE = "rm"


class MeetChangeCallback(CallbackData, prefix="mc"):
    """A step of the organizer's dialog that changes a meeting (handlers.meetings.change_dialog);
    `value` is «{meeting}.{value}»."""

    step: MeetChangeStep
    value: str = ""


class InviteCallback(CallbackData, prefix="inv"):
    """The administrator's «new link» for a person (a changed phone): the old link stops."""

    person: int


class PassAction(StrEnum):
    OPEN = "open"  # the head opens the picker of the department's executors
    PICK = "pick"  # one executor chosen or unchosen (value: person id)
    DONE = "done"
    TAKE = "take"  # take the item back from every executor
    DRAFT = "draft"  # the executor starts a draft of the report
    SEND = "send"  # the draft typed so far goes to the head
    DROP = "drop"
    APPROVE = "ok"  # the head sends the draft on (value: draft id)
    RETURN = "ret"  # the head returns the draft with a comment (value: draft id)


class PassCallback(CallbackData, prefix="ex"):
    """Executors: a head passes an item (`id`) of department `dep` to executors, takes it back,
    decides their drafts; an executor drafts the report. `value`: a person or a draft id."""

    action: PassAction
    id: int
    dep: int = 0
    value: int = 0


class LeadAction(StrEnum):
    OVERVIEW = "all"  # the counts per department
    DEPARTMENT = "dep"  # a department's open items, `id` the department, `page` and `at`
    ITEM = "item"  # an item's card, `id` the item, `dep`, `page` and `at` where it was opened from


class LeadCallback(CallbackData, prefix="ld"):
    """The leaders' overview (/overview): counts, a department's items, an item's card."""

    action: LeadAction
    id: int = 0
    dep: int = 0
    page: int = 0
    at: int = 0  # the item the page starts at, or, negative, ends just before (ListCallback)


class WaitAction(StrEnum):
    LIST = "list"  # everything waiting on me
    REQUEST = "req"  # an extension request to decide, `id` the request
    ROUND = "rnd"  # a «замечаний нет» round to answer, `id` the round


class WaitCallback(CallbackData, prefix="wt"):
    """What waits on a person: extension requests to decide and rounds to answer."""

    action: WaitAction
    id: int = 0


class RemovalAction(StrEnum):
    AGREE = "agree"
    REFUSE = "refuse"


class RemovalCallback(CallbackData, prefix="rm"):
    """The akim's or the head of apparatus's decision on a removal waiting for consent."""

    action: RemovalAction
    id: int


class ExecStep(StrEnum):
    """The controller's executors dialog: the picker's toggle, page and «show all», the main
    executor's chooser, save."""

    DEPARTMENT = "dep"
    PAGE = "pg"
    ALL = "all"
    MAIN = "main"  # open the chooser of the main executor
    STAR = "star"  # this department is the main one (value: its id)
    BACK = "back"  # from the chooser back to the picker
    SAVE = "save"


class ExecCallback(CallbackData, prefix="ax"):
    step: ExecStep
    value: str = ""


class ReportAction(StrEnum):
    PERIOD = "per"  # a preset period, `preset` names it
    DATES = "dates"  # two typed dates
    HEALTH = "health"  # delivery health: who the bot reaches («Связь»)
    INVITE = "inv"  # the invitation link of a person who has not joined, `person`


class ReportCallback(CallbackData, prefix="rp"):
    """/report: the period of an execution-discipline report, or delivery health."""

    action: ReportAction
    preset: Preset | None = None
    person: int = 0
