"""The kit pieces the meeting dialogs brought: buttons one a row and yes/no, the dialogs' typed
callback steps (a forged step does not parse), the change dialog's button filter, and the
creation dialog's refusal wording (its own sentences, the others as everywhere)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from aiogram.utils.i18n import I18n

from bot.meetings.rules import MeetingRefusal
from handlers.callbacks import MeetChangeCallback, MeetChangeStep, MeetNewCallback, MeetNewStep
from handlers.meetings.change_dialog.dialog import Tap, dialog_tap, split_value
from handlers.meetings.refusals import creation_refusal, meeting_refusal
from handlers.pickers import Option, picked
from handlers.steps import collapsed, column, yes_no_keyboard
from storage.domain.refusals import Refused


class FakeState:
    """Just the FSM data a filter reads."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    async def get_data(self) -> dict[str, Any]:
        return self.data


def test_buttons_one_a_row_and_yes_no_side_by_side() -> None:
    yes = MeetNewCallback(step=MeetNewStep.CREATE)
    no = MeetNewCallback(step=MeetNewStep.DROP)
    rows = column([("Yes", yes), ("No", no)]).inline_keyboard
    assert [[b.text for b in row] for row in rows] == [["Yes"], ["No"]]
    [row] = yes_no_keyboard(("Yes", yes), ("No", no)).inline_keyboard
    assert [(b.text, b.callback_data) for b in row] == [("Yes", yes.pack()), ("No", no.pack())]


def test_a_typed_answer_is_collapsed_and_chosen_labels_keep_their_order() -> None:
    assert collapsed("  Akimat \n session ") == "Akimat session"
    assert collapsed(None) == ""
    options = [Option(1, "Education"), Option(2, "Culture")]
    assert picked(options, [2, 9, 1]) == ["Culture", "Education"]


def test_the_dialogs_steps_are_typed_and_a_forged_step_does_not_parse() -> None:
    packed = MeetNewCallback(step=MeetNewStep.ITEM_DEPARTMENT, value="7").pack()
    assert MeetNewCallback.unpack(packed).step is MeetNewStep.ITEM_DEPARTMENT
    with pytest.raises(ValueError):
        MeetNewCallback.unpack("mn:forged:7")
    with pytest.raises(ValueError):
        MeetChangeCallback.unpack("mc:forged:1.x")


async def test_a_change_dialog_button_acts_only_for_the_dialogs_meeting() -> None:
    assert split_value("12.video") == (12, "video")
    assert split_value("video") is None
    tapped = MeetChangeCallback(step=MeetChangeStep.FORMAT, value="12.video")
    state: Any = FakeState({"meeting": 12})
    assert await dialog_tap(None, tapped, state) == {  # type: ignore[arg-type]
        "tap": Tap(12, MeetChangeStep.FORMAT, "video")
    }
    other: Any = FakeState({"meeting": 13})
    assert await dialog_tap(None, tapped, other) is False  # type: ignore[arg-type]
    forged = MeetChangeCallback(step=MeetChangeStep.FORMAT, value="video")
    assert await dialog_tap(None, forged, state) is False  # type: ignore[arg-type]


def test_the_creation_dialog_words_its_refusals_and_falls_back(i18n: I18n) -> None:
    with i18n.context(), i18n.use_locale("ru"):
        for own in (MeetingRefusal.NO_ITEMS, MeetingRefusal.NO_RECIPIENTS):
            assert creation_refusal(Refused(own), "ru") != meeting_refusal(Refused(own), "ru")
        gone = Refused(MeetingRefusal.NOT_FOUND)
        assert creation_refusal(gone, "ru") == meeting_refusal(gone, "ru")
        day_off = Refused(MeetingRefusal.DAY_OFF, at=date(2027, 1, 2), offer=date(2027, 1, 4))
        assert creation_refusal(day_off, "ru") == meeting_refusal(day_off, "ru")
        past = Refused(MeetingRefusal.PAST, at=datetime(2027, 1, 4, 10, 0))
        assert "10:00" in creation_refusal(past, "ru")
