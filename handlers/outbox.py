"""Every outbox kind's renderer, in one registry the composition root hands to the sender
(`bot/factory.py create_deliverer`). A new kind: add it to `bot.outbox_kinds.Kind` and its
renderer here; `tests/test_layers.py` fails while a kind has none."""

from __future__ import annotations

from bot.delivery import Renderers
from bot.outbox_kinds import Kind
from handlers.assignments.outbox import (
    render_acceptances,
    render_card,
    render_card_edit,
    render_deadline_changed,
    render_declined,
    render_kept,
    render_monthly,
    render_no_head,
    render_notices,
    render_removed,
    render_report,
    render_returned,
    render_unreachable,
    render_weekly,
)
from handlers.executor_sets.outbox import render_executor_dropped
from handlers.executors.outbox import (
    render_draft_decided,
    render_executor_draft,
    render_executor_reminder,
    render_handed_back,
    render_passed,
    render_taken_back,
)
from handlers.extensions.outbox import (
    render_extension_asked,
    render_extension_decided,
    render_extension_late,
    render_extension_reminder,
    render_extension_request,
)
from handlers.meetings.outbox import MEETING_RENDERERS
from handlers.remarks.outbox import (
    render_remarks_answer,
    render_remarks_final,
    render_remarks_request,
)
from handlers.removals.outbox import render_removal_asked, render_removal_decided
from handlers.reports.outbox import (
    render_quarterly_reminder,
    render_quarterly_report,
    render_quarterly_summary,
)
from handlers.reports.weekly import with_week_chart
from handlers.staff.outbox import render_held_digest, render_staff_left

RENDERERS = Renderers(
    single={
        Kind.CARD: render_card,
        Kind.REPORT: render_report,
        Kind.CO_REPORT: render_report,
        Kind.REMOVED: render_removed,
        Kind.RETURNED: render_returned,
        Kind.DECLINED: render_declined,
        Kind.NO_HEAD: render_no_head,
        Kind.WEEKLY: with_week_chart(render_weekly),
        Kind.QUARTERLY_REMINDER: render_quarterly_reminder,
        Kind.QUARTERLY_REPORT: render_quarterly_report,
        Kind.QUARTERLY_SUMMARY: render_quarterly_summary,
        Kind.MONTHLY: render_monthly,
        Kind.UNREACHABLE: render_unreachable,
        Kind.UNBOUND: render_unreachable,
        Kind.HELD_DIGEST: render_held_digest,
        Kind.STAFF_LEFT: render_staff_left,
        Kind.EXTENSION_REQUEST: render_extension_request,
        Kind.EXTENSION_REMINDER: render_extension_reminder,
        Kind.EXTENSION_DECIDED: render_extension_decided,
        Kind.EXTENSION_LATE: render_extension_late,
        Kind.EXTENSION_ASKED: render_extension_asked,
        Kind.REMARKS_REQUEST: render_remarks_request,
        Kind.REMARKS_REMINDER: render_remarks_request,
        Kind.REMARKS_ANSWER: render_remarks_answer,
        Kind.REMARKS_FINAL: render_remarks_final,
        **MEETING_RENDERERS,
        Kind.DEADLINE_CHANGED: render_deadline_changed,
        Kind.CARD_EDIT: render_card_edit,
        Kind.KEPT: render_kept,
        Kind.PASSED: render_passed,
        Kind.TAKEN_BACK: render_taken_back,
        Kind.HANDED_BACK: render_handed_back,
        Kind.EXECUTOR_DRAFT: render_executor_draft,
        Kind.DRAFT_DECIDED: render_draft_decided,
        Kind.EXECUTOR_REMINDER: render_executor_reminder,
        Kind.REMOVAL_ASKED: render_removal_asked,
        Kind.REMOVAL_DECIDED: render_removal_decided,
        Kind.EXECUTOR_DROPPED: render_executor_dropped,
    },
    grouped={Kind.NOTICE: render_notices, Kind.ACCEPTED: render_acceptances},
)
