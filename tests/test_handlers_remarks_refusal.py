"""«Не согласовано» with reasons in «Замечаний нет» rounds (Almaty 2016 п.24 3); Ust-Kamenogorsk
п.21, п.24 and Baidibek §10.3 forbid refusing on formal grounds only), and Baidibek §10.4: draft
acts are never approved «с замечаниями». Through the dispatcher, for each profile."""

from __future__ import annotations

from io import BytesIO

import pytest
from aiogram.methods import SendDocument
from aiogram.types import BufferedInputFile
from openpyxl import load_workbook

from bot.profiles import Profile, load_profile
from bot.remarks.rules import REMARKS_MAX
from handlers.callbacks import RemarkCallback
from storage.domain.remarks import Answer, RoundKind
from tests.helpers import World, alert, buttons, edits_to, messages_to, state_of
from tests.test_handlers_remarks import CTRL, EDU, FIN, PEOPLE, start

__all__ = ["PEOPLE"]  # the `joined` fixture joins them

PROFILES = [
    load_profile(name) for name in ("ust-kamenogorsk-2025", "baidibek-2025", "almaty-2016")
]
BAIDIBEK = [load_profile("baidibek-2025")]
# «не согласовано» in these two; almaty-2016 answers draft acts in п.24's words
# (tests/test_handlers_remarks_words.py)
NOT_AGREED = PROFILES[:2]
REASONS = "Проект дублирует постановление № 12; нет финансово-экономического расчёта."
RU_REFUSE, KK_REFUSE = "⛔ Не согласовано (причины)", "⛔ Келісілмеді (себептері)"


async def requested(world: World, profile: Profile, kind: RoundKind) -> int:
    """A round of `kind` to the heads of education (kk) and finance (ru), requests delivered."""
    round_id = await start(world.repos, profile, world.settings, extra_people=(), kind=kind)
    await world.deliverer.drain()
    return round_id


@pytest.mark.parametrize("profile", NOT_AGREED, ids=lambda p: p.name)
async def test_not_agreed_with_reasons_reaches_the_initiator_sheet_and_xlsx(
    joined_world: World, profile: Profile
) -> None:
    round_id = await requested(joined_world, profile, RoundKind.DECISION)
    ru, kk = messages_to(joined_world.bot, FIN)[0], messages_to(joined_world.bot, EDU)[0]
    forbidden = profile.name == "baidibek-2025"  # §10.4: no approval «с замечаниями»
    if forbidden:
        assert list(buttons(ru)) == ["✅ Согласовано", RU_REFUSE]
        assert list(buttons(kk)) == ["✅ Келісілді", KK_REFUSE]
        assert "«с замечаниями» нельзя (Регламент, §10.4, §10.3)" in ru.text
        assert "«ескертулермен» келісуге болмайды (Регламент, 10.4-т., 10.3-т.)" in kk.text
    else:
        assert list(buttons(ru)) == ["✅ Замечаний нет", "💬 Есть замечания", RU_REFUSE]
        assert list(buttons(kk)) == ["✅ Ескертулер жоқ", "💬 Ескертулер бар", KK_REFUSE]
        assert "с замечаниями" not in ru.text

    # a file alone is not a reason: the draft goes on until the reasons are typed
    await joined_world.tap(buttons(ru)[RU_REFUSE], FIN, message_id=41)
    assert "причины" in messages_to(joined_world.bot, FIN)[-1].text
    await joined_world.send_file("WHY-1", "заключение.pdf", FIN)
    prompt = messages_to(joined_world.bot, FIN)[-1]
    await joined_world.press(prompt, "📤 Отправить: не согласовано", FIN)
    assert "нужны причины" in alert(joined_world.bot)
    assert await state_of(joined_world.dp, joined_world.bot, FIN) is not None
    await joined_world.say("x" * (REMARKS_MAX + 1), FIN)
    assert "слишком длинный" in messages_to(joined_world.bot, FIN)[-1].text
    await joined_world.say(REASONS, FIN)
    prompt = messages_to(joined_world.bot, FIN)[-1]
    await joined_world.press(prompt, "📤 Отправить: не согласовано", FIN)
    assert await state_of(joined_world.dp, joined_world.bot, FIN) is None
    # after the commit: the toast, and the request (message 41) shows the answer, its buttons
    # left to change it until the due date
    assert alert(joined_world.bot) == "Записано: не согласовано, с указанием причин"
    [request] = [m for m in edits_to(joined_world.bot, FIN) if m.message_id == 41]
    assert "Ваш ответ: не согласовано, с указанием причин (" in (request.text or "")
    assert RU_REFUSE in buttons(request)
    # in Kazakh too
    await joined_world.press(kk, KK_REFUSE, EDU)
    await joined_world.say("Заңға қайшы.", EDU)
    await joined_world.press(messages_to(joined_world.bot, EDU)[-1], "📤 Жіберу: келісілмеді", EDU)

    item = await joined_world.repos.remarks.get(round_id)
    assert item is not None
    answers = {a.person_id: (a.answer, a.text) for a in item.addressees}
    assert set(answers.values()) == {(Answer.REFUSED, REASONS), (Answer.REFUSED, "Заңға қайшы.")}
    await joined_world.delivered()
    [told] = [m for m in messages_to(joined_world.bot, CTRL) if REASONS in m.text]
    assert told.text.startswith("Не согласовано «Проект постановления о тарифах», причины:")

    joined_world.bot.clear()
    await joined_world.tap(RemarkCallback(action="sheet", id=round_id).pack(), CTRL)
    sheet = messages_to(joined_world.bot, CTRL)[-1].text
    assert "⛔" in sheet and "не согласовано, с указанием причин" in sheet
    assert f"«{REASONS}»" in sheet
    await joined_world.tap(RemarkCallback(action="xlsx", id=round_id).pack(), CTRL)
    [document] = [m for m in joined_world.bot.sent() if isinstance(m, SendDocument)]
    assert isinstance(document.document, BufferedInputFile)
    book = load_workbook(BytesIO(document.document.data))
    values = [c for row in book.active.iter_rows(values_only=True) for c in row if c]
    assert {"Замечания или причины", "не согласовано, с указанием причин", REASONS} <= set(values)


@pytest.mark.parametrize("profile", BAIDIBEK, ids=lambda p: p.name)
async def test_baidibek_refuses_remarks_on_draft_acts_only(
    joined_world: World, profile: Profile
) -> None:
    """§10.4: a draft resolution, decision or order (and an emergency act) is never approved
    «с замечаниями» — a forged or old «has remarks» button is refused with the paragraph; other
    drafts and «замечаний нет» answers keep remarks."""
    round_id = await requested(joined_world, profile, RoundKind.RESOLUTION)
    joined_world.bot.clear()
    await joined_world.tap(RemarkCallback(action="has", id=round_id).pack(), FIN)
    assert "«с замечаниями» нельзя (Регламент, §10.4, §10.3)" in alert(joined_world.bot)
    assert await state_of(joined_world.dp, joined_world.bot, FIN) is None
    assert not messages_to(joined_world.bot, FIN)
    item = await joined_world.repos.remarks.get(round_id)
    assert item is not None and {a.answer for a in item.addressees} == {Answer.PENDING}

    joined_world.bot.clear()
    await requested(joined_world, profile, RoundKind.OTHER_DRAFT)
    request = messages_to(joined_world.bot, FIN)[0]
    assert list(buttons(request)) == ["✅ Замечаний нет", "💬 Есть замечания", RU_REFUSE]
    # a «замечаний нет» answer on an assignment or a request has remarks or none: «not agreed»
    # is an answer on a draft
    joined_world.bot.clear()
    reply_id = await requested(joined_world, profile, RoundKind.REPLY)
    request = messages_to(joined_world.bot, FIN)[0]
    assert list(buttons(request)) == ["✅ Замечаний нет", "💬 Есть замечания"]
    await joined_world.tap(RemarkCallback(action="refuse", id=reply_id).pack(), FIN)
    assert alert(joined_world.bot) == "Ответ «не согласовано» на этот запрос не предусмотрен."
    assert await state_of(joined_world.dp, joined_world.bot, FIN) is None
