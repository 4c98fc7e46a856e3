"""A file kept by its Telegram file id: a report's, an agenda item's materials, a round's."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Attachment:
    file_id: str
    file_name: str
