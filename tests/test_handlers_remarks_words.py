"""The words a round's answers read in, on the phone, by kind of draft and profile: «замечаний
нет» on assignments and requests, «согласовано / не согласовано» on Baidibek's draft acts
(§10.4), Almaty's п.24 answers on its draft acts — in the request, its buttons, the toast, the
answered request, the initiator's notice, the sheet and the XLSX record; and what a typed answer
asks for in a restricted round."""

from __future__ import annotations

from io import BytesIO

import pytest
from aiogram.methods import AnswerCallbackQuery, SendDocument
from aiogram.types import BufferedInputFile
from openpyxl import load_workbook

from bot.i18n import cite_marks as cited
from bot.profiles import Profile, load_profile
from bot.remarks.words import Wording, answer_words, wording
from handlers.callbacks import RemarkCallback, RoundNewCallback
from storage.domain.remarks import Answer, RoundKind
from tests.helpers import (
    World,
    alert,
    alerts,
    buttons,
    department,
    edits_to,
    last_buttons,
    messages_to,
    presser,
    state_of,
)
from tests.test_handlers_remarks import CTRL, EDU, FIN, PEOPLE, close_round, start

__all__ = ["PEOPLE"]  # the `joined` fixture joins them

UKA, BAI, ALA = (
    load_profile(name) for name in ("ust-kamenogorsk-2025", "baidibek-2025", "almaty-2016")
)
ACTS = (RoundKind.RESOLUTION, RoundKind.DECISION, RoundKind.ORDER, RoundKind.EMERGENCY)
SUBJECT = "Проект постановления о тарифах"
REASONS = "Нет финансово-экономического расчёта."


def test_the_words_follow_the_kind_and_the_profile() -> None:
    for kind in RoundKind:
        # Ust-Kamenogorsk names no answers of its own: «замечаний нет» for every kind
        assert wording(UKA, kind) is Wording.REMARKS
        # «замечаний нет» on an assignment or a request stays so everywhere (п.7)
        expected_bai = Wording.AGREED if kind in ACTS else Wording.REMARKS
        expected_ala = Wording.APPROVAL if kind in ACTS else Wording.REMARKS
        assert wording(BAI, kind) is expected_bai
        assert wording(ALA, kind) is expected_ala
    agreed = answer_words(BAI, RoundKind.ORDER)
    assert agreed.titles[Answer.NO_REMARKS] == "agreed"
    assert set(agreed.buttons) == {Answer.NO_REMARKS, Answer.REFUSED}  # no remarks (§10.4)
    assert agreed.header == "📨 Approval of a draft order of the akim" and agreed.names_kind
    approval = answer_words(ALA, RoundKind.RESOLUTION)
    assert [approval.titles[a] for a in (Answer.NO_REMARKS, Answer.REMARKS, Answer.REFUSED)] == [
        "agreed without remarks",
        "agreed with remarks",
        "approval refused, with a reasoned refusal",
    ]
    remarks = answer_words(ALA, RoundKind.REPLY)
    assert remarks.titles[Answer.NO_REMARKS] == "no remarks" and not remarks.names_kind
    assert "{name}" in remarks.header
    # at the due date every vocabulary says the same
    for words in (agreed, approval, remarks):
        assert words.titles[Answer.AGREED_BY_DEFAULT] == (
            "agreed by default (no answer by the due date)"
        )


async def requested(world: World, kind: RoundKind, restricted: bool = False) -> int:
    """A round of `kind` to the heads of education (kk) and finance (ru), requests delivered."""
    round_id = await start(
        world.repos, world.profile, world.settings, extra_people=(), kind=kind,
        restricted=restricted,
    )  # fmt: skip
    await world.deliverer.drain()
    return round_id


async def sheet_and_xlsx(world: World, round_id: int) -> tuple[str, set[str]]:
    """The initiator's live sheet and the values of its XLSX record."""
    world.bot.clear()
    await world.tap(RemarkCallback(action="sheet", id=round_id).pack(), CTRL)
    sheet = messages_to(world.bot, CTRL)[-1].text
    await world.tap(RemarkCallback(action="xlsx", id=round_id).pack(), CTRL)
    [document] = [m for m in world.bot.sent() if isinstance(m, SendDocument)]
    assert isinstance(document.document, BufferedInputFile)
    book = load_workbook(BytesIO(document.document.data))
    values = {str(c) for row in book.active.iter_rows(values_only=True) for c in row if c}
    return sheet, values


@pytest.mark.parametrize("profile", [BAI], ids=lambda p: p.name)
async def test_a_draft_act_in_baidibek_reads_agreed_everywhere(
    joined_world: World, profile: Profile
) -> None:
    round_id = await requested(joined_world, RoundKind.RESOLUTION)
    ru, kk = messages_to(joined_world.bot, FIN)[0], messages_to(joined_world.bot, EDU)[0]
    assert ru.text.startswith("📨 Согласование проекта постановления акимата\nОт: Исаев Б.")
    assert kk.text.startswith("📨 Әкімдік қаулысының жобасын келісу\nКімнен: Исаев Б.")
    for message in (ru, kk):
        assert "Запрос замечаний" not in message.text and "Вид:" not in message.text
    assert list(buttons(ru)) == ["✅ Согласовано", "⛔ Не согласовано (причины)"]

    await joined_world.tap(buttons(ru)["✅ Согласовано"], FIN, message_id=51)
    assert alert(joined_world.bot) == "Записано: согласовано"
    [answered] = [m for m in edits_to(joined_world.bot, FIN) if m.message_id == 51]
    assert "Ваш ответ: согласовано (" in (answered.text or "")
    assert "замечаний нет" not in (answered.text or "")
    assert list(buttons(answered)) == ["✅ Согласовано", "⛔ Не согласовано (причины)"]
    await joined_world.tap(buttons(kk)["✅ Келісілді"], EDU, message_id=52)
    assert alert(joined_world.bot) == "Тіркелді: келісілді"
    [answered_kk] = [m for m in edits_to(joined_world.bot, EDU) if m.message_id == 52]
    assert "Сіздің жауабыңыз: келісілді (" in (answered_kk.text or "")

    sheet, values = await sheet_and_xlsx(joined_world, round_id)
    assert "✅ согласовано: 2" in sheet
    assert "замечаний нет" not in sheet
    assert "согласовано" in values and "замечаний нет" not in values

    # a «замечаний нет» answer on an assignment keeps its words in the same profile
    joined_world.bot.clear()
    await requested(joined_world, RoundKind.REPLY)
    reply = messages_to(joined_world.bot, FIN)[0]
    assert reply.text.startswith("📨 Запрос замечаний. От: Исаев Б.")
    await joined_world.press(reply, "✅ Замечаний нет", FIN)
    assert alert(joined_world.bot) == "Записано: замечаний нет"


@pytest.mark.parametrize("profile", [ALA], ids=lambda p: p.name)
async def test_almaty_draft_acts_are_answered_in_the_words_of_p24(
    joined_world: World, profile: Profile
) -> None:
    round_id = await requested(joined_world, RoundKind.DECISION)
    ru, kk = messages_to(joined_world.bot, FIN)[0], messages_to(joined_world.bot, EDU)[0]
    assert ru.text.startswith("📨 Согласование проекта решения акима\n")
    assert kk.text.startswith("📨 Әкім шешімінің жобасын келісу\n")
    assert list(buttons(ru)) == [
        "✅ Согласовано без замечаний",
        "💬 Согласовано с замечаниями",
        "⛔ Отказано (с причинами)",
    ]
    assert list(buttons(kk)) == [
        "✅ Ескертусіз келісілді",
        "💬 Ескертулермен келісілді",
        "⛔ Бас тартылды (себептері)",
    ]

    # п.24 3): a reasoned refusal
    await joined_world.tap(buttons(ru)["⛔ Отказано (с причинами)"], FIN, message_id=61)
    prompt = messages_to(joined_world.bot, FIN)[-1].text
    assert "причины отказа в согласовании проекта (мотивированный отказ" in prompt
    assert "Можно приложить файлы." in prompt
    assert "«Отправить: отказано»" in prompt
    await joined_world.say(REASONS, FIN)
    draft = messages_to(joined_world.bot, FIN)[-1]
    await joined_world.press(draft, "📤 Отправить: отказано", FIN)
    assert alert(joined_world.bot) == "Записано: мотивированный отказ в согласовании"
    [answered] = [m for m in edits_to(joined_world.bot, FIN) if m.message_id == 61]
    assert "Ваш ответ: мотивированный отказ в согласовании (" in (answered.text or "")
    assert ") (" not in (answered.text or "")  # one bracket, the moment of the answer
    assert any(
        m.text == "Ваш мотивированный отказ в согласовании отправлен инициатору."
        for m in edits_to(joined_world.bot, FIN)
    )
    # п.24 2): agreed with remarks, in Kazakh
    await joined_world.press(kk, "💬 Ескертулермен келісілді", EDU)
    assert "Жоба қандай ескертулермен келісілгенін жазыңыз" in (
        messages_to(joined_world.bot, EDU)[-1].text
    )
    await joined_world.say("3-тармақты нақтылау керек.", EDU)
    draft_kk = messages_to(joined_world.bot, EDU)[-1]
    await joined_world.press(draft_kk, "📤 Ескертулермен жіберу", EDU)
    assert alert(joined_world.bot) == "Тіркелді: ескертулермен келісілді"

    await joined_world.delivered()
    told = [m.text for m in messages_to(joined_world.bot, CTRL)]
    assert any(t.startswith(f"Отказано в согласовании, «{SUBJECT}», причины:") for t in told)
    assert any(t.startswith(f"Согласовано с замечаниями, «{SUBJECT}»:") for t in told)
    sheet, values = await sheet_and_xlsx(joined_world, round_id)
    for shown in ("мотивированный отказ в согласовании", "согласовано с замечаниями"):
        assert shown in sheet and shown in values
    assert REASONS in values

    # other drafts keep «замечаний нет» (п.24 is about the drafts of acts)
    joined_world.bot.clear()
    await requested(joined_world, RoundKind.OTHER_DRAFT)
    other = messages_to(joined_world.bot, FIN)[0]
    assert list(buttons(other))[:2] == ["✅ Замечаний нет", "💬 Есть замечания"]


async def test_a_restricted_round_never_offers_files_with_an_answer(joined_world: World) -> None:
    await requested(joined_world, RoundKind.OTHER_DRAFT, restricted=True)
    request = messages_to(joined_world.bot, FIN)[0]
    for label in ("⛔ Не согласовано (причины)", "💬 Есть замечания"):
        await joined_world.press(request, label, FIN)
        prompt = messages_to(joined_world.bot, FIN)[-1].text
        assert "В опросе для служебного пользования (ДСП) файлы не принимаются." in prompt
        assert "приложить" not in prompt
    kk = messages_to(joined_world.bot, EDU)[0]
    await joined_world.press(kk, "⛔ Келісілмеді (себептері)", EDU)
    prompt_kk = messages_to(joined_world.bot, EDU)[-1].text
    assert "файлдар қабылданбайды" in prompt_kk and "Файл қосуға болады" not in prompt_kk


async def test_not_agreed_sent_after_the_round_closed_is_refused_and_changes_nothing(
    joined_world: World,
) -> None:
    """The toast and the answered request come only after the commit: a «not agreed» whose
    round closed meanwhile is refused and the request is left as it was."""
    round_id = await requested(joined_world, RoundKind.OTHER_DRAFT)
    request = messages_to(joined_world.bot, FIN)[0]
    await joined_world.tap(buttons(request)["⛔ Не согласовано (причины)"], FIN, message_id=71)
    await joined_world.say(REASONS, FIN)
    draft = messages_to(joined_world.bot, FIN)[-1]
    await close_round(joined_world, joined_world.profile, round_id)
    joined_world.bot.clear()
    await joined_world.press(draft, "📤 Отправить: не согласовано", FIN)
    assert any("опрос закрыт" in text for text in alerts(joined_world.bot))
    toasts = [m.text or "" for m in joined_world.bot.sent() if isinstance(m, AnswerCallbackQuery)]
    assert toasts and not any("Записано" in text for text in toasts)
    assert not [m for m in edits_to(joined_world.bot, FIN) if m.message_id == 71]
    assert await state_of(joined_world.dp, joined_world.bot, FIN) is None
    item = await joined_world.repos.remarks.get(round_id)
    assert item is not None
    assert {a.answer for a in item.addressees} <= {Answer.NO_ANSWER, Answer.AGREED_BY_DEFAULT}


def test_kazakh_writes_paragraphs_with_a_case_ending() -> None:
    assert cited("п.21, п.24", "kk") == "21-т., 24-т."
    assert cited("п.24 3)", "kk") == "24-т. 3)"
    assert cited("§10.4, §10.3", "kk") == "10.4-т., 10.3-т."
    assert cited("п.21, п.24", "ru") == "п.21, п.24"


async def test_the_initiators_list_shows_short_titles(joined_world: World) -> None:
    """/remarks: a restricted round by its number, a long subject cut at a word with «…»."""
    await requested(joined_world, RoundKind.OTHER_DRAFT, restricted=True)
    secret_id = (await joined_world.repos.remarks.for_initiator(await ctrl_id(joined_world)))[0].id
    long_id = await start(
        joined_world.repos,
        joined_world.profile,
        joined_world.settings,
        extra_people=(),
        subject="Проект постановления о внесении изменений в правила благоустройства города",
    )
    joined_world.bot.clear()
    await joined_world.say("/remarks", CTRL)
    labels = {
        data: text for text, data in buttons(messages_to(joined_world.bot, CTRL)[-1]).items()
    }
    assert labels[f"r:sheet:{secret_id}"].endswith(f"· Опрос № {secret_id} (ДСП)")
    assert labels[f"r:sheet:{long_id}"].endswith("· Проект постановления…")


async def ctrl_id(world: World) -> int:
    person = await world.repos.staff.by_code("ctrl")
    assert person is not None
    return person.id


@pytest.mark.parametrize("profile", [BAI], ids=lambda p: p.name)
async def test_the_initiator_is_shown_the_answers_a_draft_act_takes(
    joined_world: World, profile: Profile
) -> None:
    press = presser(RoundNewCallback, CTRL)
    dp, bot = joined_world.dp, joined_world.bot
    education = await department(joined_world.repos, "Отдел образования")
    await joined_world.tap(RemarkCallback(action="new").pack(), CTRL)
    await press(dp, bot, "rst", "0")
    await joined_world.say(SUBJECT, CTRL)
    await press(dp, bot, "kind", "resolution")
    await press(dp, bot, "docs", "none")
    await press(dp, bot, "dep", str(education.id))
    await press(dp, bot, "done")
    [(_, due)] = last_buttons(bot)
    await press(dp, bot, "due", due.removeprefix("rn:due:"))
    confirmation = bot.texts()[-1]
    assert confirmation.startswith("6/6 · ")
    assert "Варианты ответа адресатов: согласовано / не согласовано, с указанием причин" in (
        confirmation
    )
