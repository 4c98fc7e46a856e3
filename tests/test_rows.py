"""Rows read into the domain's dataclasses (`storage.rows.from_row`): each column as its field's
type says, enums by their value through a lookup, the same member as `Enum(value)`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from storage.domain.assignments import Status
from storage.domain.enums import Source
from storage.rows import from_row


@dataclass(frozen=True, slots=True)
class Sample:
    status: Status
    source: Source | None
    deadline: date
    done: bool


def test_enum_columns_read_as_their_members() -> None:
    row = {"status": "accepted", "source": "", "deadline": "2027-05-05", "done": 1}
    sample = from_row(Sample, row)
    assert sample == Sample(Status("accepted"), None, date(2027, 5, 5), True)
    assert sample.status is Status("accepted")
    assert from_row(Sample, row | {"source": Source.AKIM.value}).source is Source.AKIM
    # a value given as the member itself is taken as it is
    assert from_row(Sample, row | {"status": Status("accepted")}).status is Status("accepted")


def test_an_unknown_value_is_refused_as_the_enum_refuses_it() -> None:
    with pytest.raises(ValueError, match="not a valid Status"):
        from_row(Sample, {"status": "lost", "source": "", "deadline": "2027-05-05", "done": 0})
    with pytest.raises(ValueError, match="not a valid Status"):
        from_row(Sample, {"status": ["x"], "source": "", "deadline": "2027-05-05", "done": 0})
