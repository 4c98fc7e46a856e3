"""Closed vocabularies shared by rules, storage and handlers (no aiogram here)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CONTROLLER = "controller"
    AKIM = "akim"
    HEAD_OF_APPARATUS = "head_of_apparatus"
    DEPUTY_AKIM = "deputy_akim"
    HEAD = "head"
    EXECUTOR = "executor"
    ORGANIZER = "organizer"
    MEMBER = "member"
    ADMIN = "admin"


class Language(StrEnum):
    KK = "kk"
    RU = "ru"


class Source(StrEnum):
    """Where an assignment comes from (PRODUCT.md, Assignments CSV)."""

    PRESIDENT = "president"
    PRESIDENTIAL_ADMINISTRATION = "presidential_administration"
    GOVERNMENT = "government"
    PRIME_MINISTER = "prime_minister"
    OBLAST_AKIM = "oblast_akim"
    AKIM = "akim"
    AKIMAT = "akimat"
    DEPUTY_AKIM = "deputy_akim"
    HEAD_OF_APPARATUS = "head_of_apparatus"
    OTHER = "other"


class Mark(StrEnum):
    """Control mark: none, «срочно», «весьма срочно»."""

    NONE = ""
    URGENT = "urgent"
    VERY_URGENT = "very_urgent"
