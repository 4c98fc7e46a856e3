"""Every kind of message the bot sends on its own initiative, declared once.

A step queues a message of one of these kinds in the outbox (in the same unit of work as the
change that caused it); the sender renders it at send time with the renderer registered for the
kind (`handlers/outbox.py`), in the recipient's language. Scheduled kinds wait for working hours
(quiet hours and days off); a grouped kind's messages due together for one person go as one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum


class Kind(StrEnum):
    # assignments
    CARD = "card"
    ACCEPTED = "accepted"
    REPORT = "report"
    CO_REPORT = "co_report"
    REMOVED = "removed"
    RETURNED = "returned"
    DECLINED = "declined"
    NO_HEAD = "no_head"
    NOTICE = "notice"
    WEEKLY = "weekly"
    MONTHLY = "monthly"  # the monthly list of higher-level items to a department's head
    DEADLINE_CHANGED = "deadline_changed"  # the control department moved the deadline
    # a card sent earlier, edited in place to show the item as it is now (a new deadline):
    # the sender edits the stored message instead of sending one
    CARD_EDIT = "card_edit"
    KEPT = "kept"  # a «не наше» refused: the department keeps the item
    REMOVAL_ASKED = "removal_asked"  # a removal waits for the akim's / head of apparatus's consent
    REMOVAL_DECIDED = "removal_decided"  # the removal agreed or refused: to the controller
    EXECUTOR_DROPPED = "executor_dropped"  # the control department took a department off an item
    # people
    UNREACHABLE = "unreachable"
    UNBOUND = "unbound"  # no longer queued (the held digest replaced it); kept for old rows
    HELD_DIGEST = "held_digest"  # who has not joined (or blocked the bot) and what waits
    STAFF_LEFT = "staff_left"  # a person left the directory: where their open work went
    # extension requests
    EXTENSION_REQUEST = "extension_request"
    EXTENSION_REMINDER = "extension_reminder"
    EXTENSION_DECIDED = "extension_decided"
    EXTENSION_LATE = "extension_late"
    EXTENSION_ASKED = "extension_asked"  # to the leadership: a request asked of the issuer
    # «замечаний нет» rounds
    REMARKS_REQUEST = "remarks_request"
    REMARKS_REMINDER = "remarks_reminder"
    REMARKS_ANSWER = "remarks_answer"
    REMARKS_FINAL = "remarks_final"
    # meetings
    MEETING_MATERIALS = "meeting_materials"
    MEETING_MATERIALS_REMINDER = "meeting_materials_reminder"
    MEETING_MATERIALS_LATE = "meeting_materials_late"
    MEETING_MATERIALS_IN = "meeting_materials_in"
    MEETING_MATERIALS_ADDED = "meeting_materials_added"
    MEETING_APPROVAL = "meeting_approval"
    MEETING_APPROVED = "meeting_approved"
    MEETING_RETURNED = "meeting_returned"  # the agenda returned with remarks: to the organizer
    MEETING_UNAPPROVED = "meeting_unapproved"
    MEETING_AGENDA = "meeting_agenda"
    MEETING_CHANGE = "meeting_change"
    MEETING_NUDGE = "meeting_nudge"
    MEETING_QUORUM = "meeting_quorum"
    MEETING_MORNING = "meeting_morning"
    MEETING_SUMMARY = "meeting_summary"
    MEETING_CANCELLED = "meeting_cancelled"
    MEETING_PROTOCOL = "meeting_protocol"
    MEETING_PROTOCOL_REMINDER = "meeting_protocol_reminder"
    MEETING_PACKAGE = "meeting_package"
    MEETING_INVITEE_NOTICE = "meeting_invitee_notice"
    MEETING_PROTOCOL_WEEKLY = "meeting_protocol_weekly"
    # executors (an item a head passed to staff of the department)
    PASSED = "passed"  # the item's card to the executor
    TAKEN_BACK = "taken_back"
    HANDED_BACK = "handed_back"  # the executor left the staff: the item is back with the head
    EXECUTOR_DRAFT = "executor_draft"  # an executor's draft of the report, to the head
    DRAFT_DECIDED = "draft_decided"  # sent on, or returned with a comment, to the executor
    EXECUTOR_REMINDER = "executor_reminder"
    # reports
    QUARTERLY_REMINDER = "quarterly_reminder"  # the quarterly report is due in 5 working days
    QUARTERLY_REPORT = "quarterly_report"  # the past quarter's report, to the control department
    QUARTERLY_SUMMARY = "quarterly_summary"  # its paragraph and chart, to the akim and HoA

    @property
    def scheduled(self) -> bool:
        """Sent by a sweep: never at night or on a day off, it waits for the working morning."""
        return self in SCHEDULED

    @property
    def grouped(self) -> bool:
        """Several due together for one person go as one message."""
        return self in GROUPED


# Events the control department hears of as digests: those of one minute (`digest_moment`) go
# to each controller as one message, not one message each (N acceptances would otherwise reach
# a controller N seconds later, at one message a second per chat).
DIGESTS = frozenset({Kind.ACCEPTED})
DIGEST_WINDOW = timedelta(minutes=1)


def digest_moment(now: datetime) -> datetime:
    """When a digest event that happened at `now` goes out: at the end of its minute, together
    with the others of that minute (they share the moment, so the sender claims them as one
    group)."""
    start = now.replace(second=0, microsecond=0)
    return start + DIGEST_WINDOW


SCHEDULED = frozenset(
    {
        Kind.NOTICE,
        Kind.WEEKLY,
        Kind.MONTHLY,
        Kind.EXTENSION_REMINDER,
        Kind.EXTENSION_LATE,
        Kind.REMARKS_REMINDER,
        Kind.REMARKS_FINAL,
        Kind.MEETING_MATERIALS_REMINDER,
        Kind.MEETING_MATERIALS_LATE,
        Kind.MEETING_UNAPPROVED,
        Kind.MEETING_AGENDA,
        Kind.MEETING_NUDGE,
        Kind.MEETING_MORNING,
        Kind.MEETING_SUMMARY,
        Kind.MEETING_PROTOCOL_REMINDER,
        Kind.MEETING_PROTOCOL_WEEKLY,
        Kind.MEETING_PACKAGE,
        Kind.MEETING_INVITEE_NOTICE,
        Kind.HELD_DIGEST,
        Kind.EXECUTOR_REMINDER,
        Kind.QUARTERLY_REMINDER,
        Kind.QUARTERLY_REPORT,
        Kind.QUARTERLY_SUMMARY,
    }
)
GROUPED = frozenset({Kind.NOTICE, *DIGESTS})

# What a person finds waiting when they join: their assignments' cards, and requests that ask
# them for an answer (a decision, remarks, attendance, an approval, materials).
WAITING_ITEMS = frozenset({Kind.CARD, Kind.PASSED})
WAITING_REQUESTS = frozenset(
    {
        Kind.EXTENSION_REQUEST,
        Kind.EXTENSION_REMINDER,
        Kind.REMARKS_REQUEST,
        Kind.REMARKS_REMINDER,
        Kind.MEETING_AGENDA,
        Kind.MEETING_CHANGE,
        Kind.MEETING_APPROVAL,
        Kind.MEETING_MATERIALS,
        Kind.EXECUTOR_DRAFT,
        Kind.REMOVAL_ASKED,
    }
)


def waiting_counts(by_kind: dict[str, int]) -> tuple[int, int, int]:
    """(assignments, requests, all messages) among one person's waiting messages by kind."""
    items = sum(n for kind, n in by_kind.items() if kind in WAITING_ITEMS)
    requests = sum(n for kind, n in by_kind.items() if kind in WAITING_REQUESTS)
    return items, requests, sum(by_kind.values())
