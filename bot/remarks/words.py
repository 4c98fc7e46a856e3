"""The words a round's answers are given and shown in, by the round's kind and the profile. Pure:
the strings are msgids (marked with N_), translated where they are shown.

Three vocabularies:
- «замечаний нет» / «есть замечания» / «не согласовано»: answers on assignments and requests
  (Ust-Kamenogorsk п.7), and drafts where the regulation names no answers of its own;
- «согласовано» / «не согласовано»: a draft act never approved «с замечаниями» (Baidibek §10.4,
  `remarks_forbidden_kinds`);
- «согласовано без замечаний» / «согласовано с замечаниями» / «отказано в согласовании»: the
  regulation's own three answers for draft acts (Almaty п.24, `approval_answers`).

Every renderer — the request and its buttons, the toast, the answered request, the prompts for
typed answers, the initiator's notice, the live sheet and the XLSX record — takes its words from
`answer_words`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from bot.i18n_marks import N_
from bot.profiles import Profile
from bot.remarks.rules import remarks_forbidden_paragraphs
from storage.domain.remarks import Answer, RoundKind


class Wording(StrEnum):
    REMARKS = "remarks"  # «замечаний нет» / «есть замечания» / «не согласовано»
    AGREED = "agreed"  # «согласовано» / «не согласовано» (Baidibek §10.4)
    APPROVAL = "approval"  # «согласовано без замечаний» / «… с замечаниями» / «отказано» (п.24)


@dataclass(frozen=True, slots=True)
class Typed:
    """A typed answer (remarks, or a refusal's reasons): what the addressee is asked, the
    send button, what they are told once it is sent, and the initiator's notice."""

    prompt: str
    send: str
    sent: str
    notice: str  # «… «{title}»:», followed by the answer's line


@dataclass(frozen=True, slots=True)
class AnswerWords:
    wording: Wording
    header: str  # the request's first line; with «{name}», the initiator's name is in it
    names_kind: bool  # the header names the kind of draft: no «Kind:» line under it
    buttons: Mapping[Answer, str]
    titles: Mapping[Answer, str]  # on the answered request, in the toast, the sheet, the XLSX
    typed: Mapping[Answer, Typed]


# The answers every vocabulary shows alike: before, and at, the due date.
_SHARED_TITLES = {
    Answer.PENDING: N_("awaiting an answer"),
    Answer.AGREED_BY_DEFAULT: N_("agreed by default (no answer by the due date)"),
    Answer.NO_ANSWER: N_("no answer"),
}

_FILES_TAKEN = N_("Files may be attached.")
_FILES_REFUSED = N_("Files are not accepted for a restricted round.")


def files_line(restricted: bool) -> str:
    """What a typed answer's prompt says about files: refused in a restricted (ДСП) round."""
    return _FILES_REFUSED if restricted else _FILES_TAKEN


_REMARKS_TYPED = Typed(
    N_("Write your remarks, in one or several messages."),
    N_("📤 Send remarks"),
    N_("Your remarks are sent to the initiator."),
    N_("Remarks on «{title}»:"),
)
_NOT_AGREED_TYPED = Typed(
    N_("Write the reasons why the draft is not agreed (required), in one or several messages."),
    N_("📤 Send: not agreed"),
    N_("Your «not agreed» with the reasons is sent to the initiator."),
    N_("Not agreed, with reasons, on «{title}»:"),
)

# The header of a request about a draft act, by its kind («Согласование проекта …»).
_APPROVAL_HEADERS = {
    RoundKind.RESOLUTION: N_("📨 Approval of a draft resolution of the akimat"),
    RoundKind.DECISION: N_("📨 Approval of a draft decision of the akim"),
    RoundKind.ORDER: N_("📨 Approval of a draft order of the akim"),
    RoundKind.EMERGENCY: N_("📨 Approval of a draft act on an emergency or humanitarian aid"),
}
_APPROVAL_HEADER = N_("📨 Approval of a draft")

_REMARKS = AnswerWords(
    Wording.REMARKS,
    N_("📨 Request for remarks from {name}"),
    False,
    MappingProxyType(
        {
            Answer.NO_REMARKS: N_("✅ No remarks"),
            Answer.REMARKS: N_("💬 Have remarks"),
            Answer.REFUSED: N_("⛔ Not agreed (reasons)"),
        }
    ),
    MappingProxyType(
        _SHARED_TITLES
        | {
            Answer.NO_REMARKS: N_("no remarks"),
            Answer.REMARKS: N_("has remarks"),
            Answer.REFUSED: N_("not agreed, with reasons"),
        }
    ),
    MappingProxyType({Answer.REMARKS: _REMARKS_TYPED, Answer.REFUSED: _NOT_AGREED_TYPED}),
)


def _agreed(header: str, names_kind: bool) -> AnswerWords:
    return AnswerWords(
        Wording.AGREED,
        header,
        names_kind,
        MappingProxyType(
            {
                Answer.NO_REMARKS: N_("✅ Agreed"),
                Answer.REFUSED: N_("⛔ Not agreed (reasons)"),
            }
        ),
        MappingProxyType(
            _SHARED_TITLES
            | {
                Answer.NO_REMARKS: N_("agreed"),
                Answer.REMARKS: N_("has remarks"),  # an answer from before the rule
                Answer.REFUSED: N_("not agreed, with reasons"),
            }
        ),
        MappingProxyType({Answer.REMARKS: _REMARKS_TYPED, Answer.REFUSED: _NOT_AGREED_TYPED}),
    )


def _approval(header: str, names_kind: bool) -> AnswerWords:
    return AnswerWords(
        Wording.APPROVAL,
        header,
        names_kind,
        MappingProxyType(
            {
                Answer.NO_REMARKS: N_("✅ Agreed without remarks"),
                Answer.REMARKS: N_("💬 Agreed with remarks"),
                Answer.REFUSED: N_("⛔ Approval refused (reasons)"),
            }
        ),
        MappingProxyType(
            _SHARED_TITLES
            | {
                Answer.NO_REMARKS: N_("agreed without remarks"),
                Answer.REMARKS: N_("agreed with remarks"),
                Answer.REFUSED: N_("approval refused, with a reasoned refusal"),
            }
        ),
        MappingProxyType(
            {
                Answer.REMARKS: Typed(
                    N_("Write the remarks the draft is agreed with, in one or several messages."),
                    N_("📤 Send: agreed with remarks"),
                    N_("Your «agreed with remarks» is sent to the initiator."),
                    N_("Agreed with remarks, «{title}»:"),
                ),
                Answer.REFUSED: Typed(
                    N_(
                        "Write the reasons for refusing approval of the draft (a reasoned "
                        "refusal, required), in one or several messages."
                    ),
                    N_("📤 Send: approval refused"),
                    N_("Your refusal with the reasons is sent to the initiator."),
                    N_("Approval refused, «{title}», reasons:"),
                ),
            }
        ),
    )


def wording(profile: Profile, kind: RoundKind) -> Wording:
    """The vocabulary a round of this kind is answered in under this profile."""
    if kind is RoundKind.REPLY:  # «замечаний нет» on an assignment or a request (п.7)
        return Wording.REMARKS
    if remarks_forbidden_paragraphs(profile, kind) is not None:
        return Wording.AGREED
    approval = profile.approval_answers
    if approval is not None and kind in approval.value:
        return Wording.APPROVAL
    return Wording.REMARKS


def answer_words(profile: Profile, kind: RoundKind) -> AnswerWords:
    """The words of a round of this kind under this profile, for every renderer."""
    found = wording(profile, kind)
    if found is Wording.REMARKS:
        return _REMARKS
    header = _APPROVAL_HEADERS.get(kind)
    named = header is not None
    make = _agreed if found is Wording.AGREED else _approval
    return make(header or _APPROVAL_HEADER, named)
