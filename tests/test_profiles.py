"""Regulation profiles: shipped data, overrides, errors (their dates: test_profile_dates.py)."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from bot.calendar import WorkCalendar
from bot.profiles import (
    DEFAULT_PROFILE,
    PARAMETER_NAMES,
    PROFILE_NAMES,
    BeyondLimit,
    DraftKind,
    ExtensionDecider,
    Profile,
    ProfileError,
    QuarterMonth,
    Quorum,
    Term,
    Unit,
    WorkingHours,
    default_deadline,
    describe,
    internal_deadline,
    load_profile,
    report_due_dates,
)
from storage.domain.enums import Mark, Source
from tests.conftest import ALA, BAI, UKA

PROFILES_DIR = Path(__file__).resolve().parents[1] / "bot" / "profiles"


# ---- shipped profiles ------------------------------------------------------------------------


def _deciders(administration: str, own: str) -> str:
    """The deciders by source as `describe` renders them: the issuing body for every source
    outside the akimat but the Presidential Administration; `own` for the akimat's own."""
    ours = {Source.AKIM, Source.AKIMAT, Source.DEPUTY_AKIM, Source.HEAD_OF_APPARATUS}
    return ", ".join(
        f"{source}="
        + (
            administration
            if source is Source.PRESIDENTIAL_ADMINISTRATION
            else own
            if source in ours
            else "issuing_body"
        )
        for source in Source
    )


# PRODUCT.md "Regulation profiles" table, in the override-value form `describe` renders.
EXPECTED: dict[str, dict[str, str]] = {
    UKA: {
        "deadline_notice": "3wd",
        "deadline_notice_leadership": "off",
        "internal_deadline": "off",
        "roadmap_due": "off",
        "working_day_sources": "off",
        "default_term": "1m",
        "urgent_term": "10cd",
        "very_urgent_term": "3wd",
        "deadline_rollover": "next_working_day",
        "report_due": "off",
        "extension_cutoff": "1wd",
        "extensions_allowed": "2",
        "extension_beyond_limit": "refuse",
        "extension_decider": _deciders("issuing_body", "akim_or_head_of_apparatus"),
        "removal_note_due": "off",
        "removal_consent": "off",
        "remarks_round_due": "default=3wd, order=3wd",
        "silent_consent": "true",
        "silent_consent_kinds": "resolution, decision, order, emergency, other_draft",
        "refusal_answer": "true",
        "remarks_forbidden_kinds": "off",
        "approval_answers": "off",
        "agenda_lead": "3wd",
        "materials_lead": "5wd",
        "package_lead": "off",
        "invitee_notice": "off",
        "attendance_confirmation": "true",
        "quorum": "2/3",
        "protocol_due": "off",
        "protocol_distribution": "3wd",
        "protocol_weekly_report": "off",
        "weekly_control_list": "true",
        "monthly_higher_list": "off",
        "quarterly_report": "off",
        "not_ours_window": "3wd",
        "control_types": "short=1m, medium=6m",
        "working_hours": "09:00-18:00",
    },
    BAI: {
        "deadline_notice": "3wd",
        "deadline_notice_leadership": "true",
        "internal_deadline": (
            "10wd/president, presidential_administration, government, prime_minister"
        ),
        "roadmap_due": "5wd/president",
        "working_day_sources": "off",
        "default_term": "1m",
        "urgent_term": "10wd",
        "very_urgent_term": "3wd",
        "deadline_rollover": "next_working_day",
        "report_due": "main=5wd, co_executors=7wd",
        "extension_cutoff": "3wd",
        "extensions_allowed": "1",
        "extension_beyond_limit": "flag_disciplinary",
        "extension_decider": _deciders("forbidden", "akim_or_head_of_apparatus"),
        "removal_note_due": "1wd",
        "removal_consent": "true",
        "remarks_round_due": (
            "default=5wd, resolution=10wd, decision=5wd, order=5wd, emergency=3wd"
        ),
        "silent_consent": "false",
        "silent_consent_kinds": "off",
        "refusal_answer": "true",
        "remarks_forbidden_kinds": "resolution, decision, order, emergency",
        "approval_answers": "off",
        "agenda_lead": "default=4wd, apparatus=4wd",
        "materials_lead": "default=5wd, session=5wd, apparatus=2wd",
        "package_lead": "session=1wd",
        "invitee_notice": "apparatus=1wd",
        "attendance_confirmation": "true",
        "quorum": "2/3",
        "protocol_due": "1wd",
        "protocol_distribution": "1wd",
        "protocol_weekly_report": "true",
        "weekly_control_list": "true",
        "monthly_higher_list": (
            "president, presidential_administration, government, prime_minister"
        ),
        "quarterly_report": "day=20, month=after_quarter, day_off=next_working_day",
        "not_ours_window": "3wd",
        "control_types": "short=1m, medium=6m",
        "working_hours": "09:00-19:00",
    },
    ALA: {
        "deadline_notice": "3wd",
        "deadline_notice_leadership": "off",
        "internal_deadline": "off",
        "roadmap_due": "off",
        "working_day_sources": (
            "president, presidential_administration, government, prime_minister"
        ),
        "default_term": "1m",
        "urgent_term": "10cd",
        "very_urgent_term": "3wd",
        "deadline_rollover": "next_working_day",
        "report_due": "off",
        "extension_cutoff": "1cd",
        "extensions_allowed": "1",
        "extension_beyond_limit": "flag_disciplinary",
        "extension_decider": _deciders("issuing_body", "issuer"),
        "removal_note_due": "off",
        "removal_consent": "off",
        "remarks_round_due": "3wd",
        "silent_consent": "false",
        "silent_consent_kinds": "off",
        "refusal_answer": "true",
        "remarks_forbidden_kinds": "off",
        "approval_answers": "resolution, decision, order, emergency",
        "agenda_lead": "3cd",
        "materials_lead": "2wd",
        "package_lead": "off",
        "invitee_notice": "off",
        "attendance_confirmation": "off",
        "quorum": "2/3",
        "protocol_due": "3cd",
        "protocol_distribution": "0cd",
        "protocol_weekly_report": "off",
        "weekly_control_list": "off",
        "monthly_higher_list": "off",
        "quarterly_report": "day=25, month=after_quarter, day_off=previous_working_day",
        "not_ours_window": "3wd",
        "control_types": "short=1m, medium=6m",
        "working_hours": "09:00-18:00",
    },
}


def test_profile_names_match_shipped_files() -> None:
    assert DEFAULT_PROFILE == UKA
    assert DEFAULT_PROFILE in PROFILE_NAMES
    assert sorted(p.stem for p in PROFILES_DIR.glob("*.toml")) == sorted(PROFILE_NAMES)


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_profile_loads_and_matches_product_table(name: str) -> None:
    profile = load_profile(name)
    assert profile.name == name
    assert {row[0]: row[1] for row in describe(profile)} == EXPECTED[name]


def test_expected_table_covers_every_parameter() -> None:
    for expected in EXPECTED.values():
        assert set(expected) == set(PARAMETER_NAMES)


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_every_parameter_is_cited_or_explained(name: str) -> None:
    profile = load_profile(name)
    for param_name in PARAMETER_NAMES:
        param = profile.param(param_name)
        if param is None:
            assert profile.off_notes.get(param_name, "").strip(), param_name
        else:
            assert param.cite.strip(), param_name
            assert "seed 00" in param.cite or "product default" in param.cite, param_name
    rows = describe(profile)
    assert [row[0] for row in rows] == list(PARAMETER_NAMES)
    assert all(row[2].strip() for row in rows)


def test_regulation_silence_is_cited_as_product_default(uka: Profile, ala: Profile) -> None:
    for profile in (uka, ala):
        assert profile.not_ours_window.cite.startswith("product default")
        assert "Baidibek" in profile.not_ours_window.cite
        assert profile.working_hours.cite.startswith("product default")
        assert profile.deadline_notice is not None
        assert "Baidibek §12.4" in profile.deadline_notice.cite


def test_cites_point_at_the_seed_lines(uka: Profile, bai: Profile, ala: Profile) -> None:
    assert uka.extension_cutoff is not None
    assert uka.extension_cutoff.cite == "п.35, seed 002 l.189"
    assert bai.extension_cutoff is not None
    assert bai.extension_cutoff.cite == "§12.6, seed 003 l.1278-1283"
    assert ala.default_term.cite == "п.40, seed 001 l.408-411"


def test_typed_values(uka: Profile, bai: Profile, ala: Profile) -> None:
    assert uka.urgent_term.value == Term(value=10, unit=Unit.CALENDAR_DAYS)
    assert bai.urgent_term.value == Term(value=10, unit=Unit.WORKING_DAYS)
    deciders = bai.extension_decider.value
    assert deciders.for_source(Source.PRESIDENTIAL_ADMINISTRATION) is ExtensionDecider.FORBIDDEN
    assert deciders.for_source(Source.GOVERNMENT) is ExtensionDecider.ISSUING_BODY
    assert bai.extension_beyond_limit.value is BeyondLimit.FLAG_DISCIPLINARY
    assert uka.extension_beyond_limit.value is BeyondLimit.REFUSE
    assert ala.extension_decider.value.for_source(Source.DEPUTY_AKIM) is ExtensionDecider.ISSUER
    assert ala.extension_decider.value.for_source(Source.PRESIDENT) is (
        ExtensionDecider.ISSUING_BODY
    )
    assert uka.quorum.value == Quorum(numerator=2, denominator=3)
    assert bai.working_hours.value == WorkingHours(start=time(9), end=time(19))
    remarks = bai.remarks_round_due.value
    assert str(remarks.for_kind(DraftKind.RESOLUTION)) == "10wd"
    assert str(remarks.for_kind(DraftKind.EMERGENCY)) == "3wd"
    assert str(remarks.for_kind(DraftKind.ORDER)) == "5wd"
    assert str(remarks.for_kind()) == "5wd"
    assert str(uka.remarks_round_due.value.for_kind(DraftKind.RESOLUTION)) == "3wd"
    assert str(uka.remarks_round_due.value.for_kind(DraftKind.ORDER)) == "3wd"
    # Ust-Kamenogorsk п.21, п.24: silence is consent on drafts, never on п.7 answers.
    assert uka.silent_consent_kinds is not None
    assert DraftKind.ORDER in uka.silent_consent_kinds.value
    assert DraftKind.OTHER_DRAFT in uka.silent_consent_kinds.value
    assert DraftKind.REPLY not in uka.silent_consent_kinds.value
    assert bai.silent_consent_kinds is None and ala.silent_consent_kinds is None
    # Every profile takes a refusal with reasons (Almaty п.24 3); Ust-Kamenogorsk п.21, п.24 and
    # Baidibek §10.3 forbid refusing on formal grounds only); Baidibek §10.4 forbids approving
    # draft acts «с замечаниями».
    assert all(p.refusal_answer is not None and p.refusal_answer.value for p in (uka, bai, ala))
    assert bai.remarks_forbidden_kinds is not None
    assert set(bai.remarks_forbidden_kinds.value) == {
        DraftKind.RESOLUTION,
        DraftKind.DECISION,
        DraftKind.ORDER,
        DraftKind.EMERGENCY,
    }
    assert uka.remarks_forbidden_kinds is None and ala.remarks_forbidden_kinds is None


def test_features_off(uka: Profile, bai: Profile, ala: Profile) -> None:
    assert set(uka.features_off()) == {
        "report_due",
        "removal_note_due",
        "removal_consent",
        "quarterly_report",
        "protocol_due",
        "protocol_weekly_report",
        "package_lead",
        "invitee_notice",
        "deadline_notice_leadership",
        "internal_deadline",
        "working_day_sources",
        "roadmap_due",
        "monthly_higher_list",
        "remarks_forbidden_kinds",
        "approval_answers",
    }
    assert set(bai.features_off()) == {
        "working_day_sources",
        "approval_answers",
        "silent_consent",
        "silent_consent_kinds",
    }
    assert set(ala.features_off()) == {
        "report_due",
        "removal_note_due",
        "removal_consent",
        "weekly_control_list",
        "silent_consent",
        "silent_consent_kinds",
        "attendance_confirmation",
        "protocol_weekly_report",
        "package_lead",
        "invitee_notice",
        "deadline_notice_leadership",
        "roadmap_due",
        "internal_deadline",
        "monthly_higher_list",
        "remarks_forbidden_kinds",
    }
    assert uka.is_on("silent_consent")
    assert not ala.is_on("silent_consent")


# ---- overrides -------------------------------------------------------------------------------


def test_overrides_replace_value_and_cite() -> None:
    profile = load_profile(
        UKA, {"deadline_notice": "5wd", "extensions_allowed": 3, "silent_consent": False}
    )
    assert profile.deadline_notice is not None
    assert str(profile.deadline_notice.value) == "5wd"
    assert profile.deadline_notice.cite == "override"
    assert profile.extensions_allowed.value == 3
    assert profile.extensions_allowed.cite == "override"
    assert profile.silent_consent.value is False
    assert "silent_consent" in profile.features_off()
    # The shipped profile is untouched.
    base = load_profile(UKA)
    assert base.deadline_notice is not None
    assert str(base.deadline_notice.value) == "3wd"
    assert base.silent_consent.value is True


def test_overrides_accept_text_forms_and_name_spellings(cal: WorkCalendar) -> None:
    profile = load_profile(
        BAI,
        {
            "extensions-allowed": "2",
            "Silent Consent": "true",
            "quorum": "3/4",
            "working_hours": "08:30-17:30",
            "extension_decider": "president=forbidden, default=issuer",
            "quarterly_report": 25,
        },
    )
    assert profile.extensions_allowed.value == 2
    assert profile.silent_consent.value is True
    assert str(profile.quorum.value) == "3/4"
    assert profile.working_hours.value.start == time(8, 30)
    deciders = profile.extension_decider.value
    assert deciders.for_source(Source.PRESIDENT) is ExtensionDecider.FORBIDDEN
    assert deciders.for_source(Source.GOVERNMENT) is ExtensionDecider.ISSUER
    one = load_profile(BAI, {"extension_decider": "akim_or_head_of_apparatus"})
    assert {one.extension_decider.value.for_source(s) for s in Source} == {
        ExtensionDecider.AKIM_OR_HEAD_OF_APPARATUS
    }
    dotted = load_profile(BAI, {"extension_decider.presidential_administration": "issuing_body"})
    assert dotted.extension_decider.value.for_source(Source.PRESIDENTIAL_ADMINISTRATION) is (
        ExtensionDecider.ISSUING_BODY
    )
    assert profile.quarterly_report is not None
    assert profile.quarterly_report.value.day == 25


def test_dotted_overrides(cal: WorkCalendar) -> None:
    profile = load_profile(
        BAI,
        {
            "report_due.main": "6wd",
            "remarks_round_due.resolution": "8wd",
            "control_types.short": "20wd",
            "quarterly_report.month": "last_of_quarter",
        },
    )
    assert profile.report_due is not None
    assert str(profile.report_due.value) == "main=6wd, co_executors=7wd"
    assert profile.report_due.cite == "override"
    remarks = profile.remarks_round_due.value
    assert str(remarks.for_kind(DraftKind.RESOLUTION)) == "8wd"
    assert str(remarks.for_kind(DraftKind.EMERGENCY)) == "3wd"
    assert str(profile.control_types.value.short) == "20wd"
    assert profile.quarterly_report is not None
    assert profile.quarterly_report.value.month is QuarterMonth.LAST_OF_QUARTER


def test_overrides_switch_features_on_and_off(cal: WorkCalendar) -> None:
    on = load_profile(UKA, {"report_due": "main=5wd, co_executors=7wd"})
    assert "report_due" not in on.off_notes
    assert report_due_dates(on, cal, date(2026, 4, 10)) == (date(2026, 4, 3), date(2026, 4, 1))
    off = load_profile(BAI, {"weekly_control_list": "off", "removal_note_due": None})
    assert off.weekly_control_list is None
    assert off.off_notes["weekly_control_list"] == "override"
    assert {"weekly_control_list", "removal_note_due"} <= set(off.features_off())
    assert {row[0]: row[2] for row in describe(off)}["removal_note_due"] == "override"


# ---- errors ----------------------------------------------------------------------------------


def _one_sentence(message: str) -> None:
    assert "\n" not in message
    assert message[-1] in ".?"


def test_unknown_profile_lists_known_names() -> None:
    with pytest.raises(ProfileError) as info:
        load_profile("astana-2030")
    message = str(info.value)
    _one_sentence(message)
    assert "astana-2030" in message
    for name in PROFILE_NAMES:
        assert name in message
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [
        ("deadline_notise", "deadline_notice"),
        ("extension_allowed", "extensions_allowed"),
        ("silent_consnt", "silent_consent"),
        ("report_due.mian", "report_due.main"),
    ],
)
def test_unknown_parameter_suggests_close_matches(key: str, suggestion: str) -> None:
    with pytest.raises(ProfileError) as info:
        load_profile(BAI, {key: "1wd"})
    message = str(info.value)
    _one_sentence(message)
    assert f"'{key}'" in message
    assert f"'{suggestion}'" in message


def test_unknown_parameter_without_match_lists_parameters() -> None:
    with pytest.raises(ProfileError) as info:
        load_profile(UKA, {"zzz": 1})
    message = str(info.value)
    _one_sentence(message)
    assert "deadline_notice" in message


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("deadline_notice", "abc", "'3wd'"),
        ("deadline_notice", "3 days", "'3wd'"),
        ("extensions_allowed", -1, "whole number"),
        ("extensions_allowed", True, "whole number"),
        ("extensions_allowed", "two", "whole number"),
        ("silent_consent", "maybe", "true or false"),
        ("quorum", "3/2", "'2/3'"),
        ("quorum", "two thirds", "'2/3'"),
        ("working_hours", "18:00-09:00", "'09:00-18:00'"),
        ("extension_decider", "deputy", "'issuing_body'"),
        ("extension_decider", "president=issuer, nobody=issuer", "president=issuing_body"),
        ("extension_decider.president", "deputy", "'forbidden'"),
        ("quarterly_report", 40, "day of the month"),
        ("report_due.main", "soon", "'3wd'"),
        ("control_types", "10wd/1m/6m", "short=1m"),
    ],
)
def test_bad_values_name_parameter_and_form(key: str, value: object, expected: str) -> None:
    with pytest.raises(ProfileError) as info:
        load_profile(BAI, {key: value})
    message = str(info.value)
    _one_sentence(message)
    assert f"'{key}'" in message
    assert expected in message


def test_required_parameter_cannot_be_switched_off() -> None:
    with pytest.raises(ProfileError, match="'default_term' cannot be switched off"):
        load_profile(UKA, {"default_term": None})
    with pytest.raises(ProfileError, match="Bad value 'off' for 'default_term'"):
        load_profile(UKA, {"default_term": "off"})
    # A required flag takes "off" as false.
    assert load_profile(UKA, {"silent_consent": "off"}).silent_consent.value is False


def test_dotted_override_of_an_off_parameter() -> None:
    with pytest.raises(ProfileError, match="override 'report_due' as a whole"):
        load_profile(UKA, {"report_due.main": "5wd"})


# ---- higher-level items: the internal deadline (003 §12.2) -------------------------------------


def test_internal_deadline_ten_working_days_before(
    cal: WorkCalendar, bai: Profile, uka: Profile
) -> None:
    registered = date(2027, 3, 1)
    # 12 May 2027: 10 wd back skips 7 and 10 May and 1-3 May → Friday 23 April.
    for source in (Source.PRESIDENT, Source.GOVERNMENT, Source.PRIME_MINISTER):
        assert internal_deadline(bai, cal, source, registered, date(2027, 5, 12)) == date(
            2027, 4, 23
        )
    # 31 March 2026: 10 wd back skips Nauryz (21-25 March) → 12 March.
    got = internal_deadline(
        bai, cal, Source.PRESIDENTIAL_ADMINISTRATION, date(2026, 3, 2), date(2026, 3, 31)
    )
    assert got == date(2026, 3, 12)
    assert internal_deadline(bai, cal, Source.AKIM, registered, date(2027, 5, 12)) is None
    assert internal_deadline(uka, cal, Source.PRESIDENT, registered, date(2027, 5, 12)) is None
    # Registered after the day it would fall on: too late to be earlier, none.
    assert (
        internal_deadline(bai, cal, Source.PRESIDENT, date(2027, 4, 26), date(2027, 5, 12)) is None
    )


def test_internal_deadline_override(cal: WorkCalendar) -> None:
    profile = load_profile(UKA, {"internal_deadline": "5wd/president"})
    assert profile.internal_deadline is not None
    assert profile.internal_deadline.cite == "override"
    assert internal_deadline(
        profile, cal, Source.PRESIDENT, date(2027, 3, 1), date(2027, 5, 12)
    ) == (date(2027, 4, 30))
    with pytest.raises(ProfileError) as info:
        load_profile(UKA, {"internal_deadline": "5wd/nobody"})
    assert "'internal_deadline'" in str(info.value)


def test_almaty_counts_higher_terms_in_working_days(cal: WorkCalendar, ala: Profile) -> None:
    """п.43: President and Government terms are working days from receipt. «Срочно» from Friday
    13 March 2026 is 10 working days (1 April, past Nauryz) for a President item, but 10
    calendar days (23 March, a day off → 26 March) for the akim's; a month stays a month."""
    received = date(2026, 3, 13)
    assert default_deadline(ala, cal, received, Mark.URGENT, Source.PRESIDENT) == date(2026, 4, 1)
    assert default_deadline(ala, cal, received, Mark.URGENT, Source.AKIM) == date(2026, 3, 26)
    assert default_deadline(ala, cal, received, Mark.URGENT) == date(2026, 3, 26)
    assert default_deadline(ala, cal, received, Mark.NONE, Source.GOVERNMENT) == date(2026, 4, 13)
    uka = load_profile(UKA)
    assert default_deadline(uka, cal, received, Mark.URGENT, Source.PRESIDENT) == date(2026, 3, 26)
