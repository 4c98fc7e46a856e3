"""One refusal, one answer: the sentence for any `Refused` in the reader's language, and the
errors handler that gives it to the person whose step a rule refused.

A handler just runs its step: when a rule says no, `Refused` leaves the handler, the unit of
work has rolled back, and `on_refused` answers the tap with an alert (or the typed message
with a message). Handlers catch `Refused` themselves only when the dialog goes on differently
(re-asking a date, say); they word it with `refusal_text`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from enum import StrEnum

from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import I18n

from bot.executor_sets.rules import ExecutorSetRefusal
from bot.executors.rules import ExecutorRefusal
from bot.extensions.rules import ExtensionRefusal
from bot.leaders.rules import LeaderRefusal
from bot.meetings.rules import MeetingRefusal
from bot.remarks.rules import RoundRefusal
from bot.removals.rules import RemovalRefusal
from bot.reports.steps import ReportRefusal
from bot.staff.rules import StaffRefusal
from handlers.assignments.refusals import rule_refusal
from handlers.executor_sets.refusals import executor_set_refusal
from handlers.executors.refusals import executor_refusal
from handlers.extensions.refusals import extension_refusal
from handlers.leaders.refusals import leader_refusal
from handlers.meetings.refusals import meeting_refusal
from handlers.remarks.refusals import round_refusal
from handlers.removals.refusals import removal_refusal
from handlers.replies import refuse
from handlers.reports.refusals import report_refusal
from handlers.staff.refusals import staff_refusal
from storage.domain.assignments import Refusal
from storage.domain.refusals import Refused
from storage.models import Person

Translator = Callable[[Refused, str], str]

# Each feature's vocabulary of reasons, and who words it.
TRANSLATORS: dict[type[StrEnum], Translator] = {
    Refusal: rule_refusal,
    ExtensionRefusal: extension_refusal,
    RoundRefusal: round_refusal,
    MeetingRefusal: meeting_refusal,
    StaffRefusal: staff_refusal,
    ExecutorRefusal: executor_refusal,
    LeaderRefusal: leader_refusal,
    RemovalRefusal: removal_refusal,
    ExecutorSetRefusal: executor_set_refusal,
    ReportRefusal: report_refusal,
}


def refusal_text(error: Refused, language: str) -> str:
    """The sentence for a refusal of any feature, in the current locale."""
    return TRANSLATORS[type(error.refusal)](error, language)


async def on_refused(event: ErrorEvent, i18n: I18n, person: Person | None = None) -> bool:
    """A step was refused by a rule: nothing was saved; tell the person why."""
    assert isinstance(event.exception, Refused)
    update = event.update
    target = update.callback_query or update.message
    if target is None:
        return True
    language = person.language.value if person is not None else i18n.default_locale
    with i18n.context(), i18n.use_locale(language):
        text = refusal_text(event.exception, language)
        with contextlib.suppress(TelegramAPIError):
            await refuse(target, text)
    return True
