"""Extensions decided by the issuing body outside the akimat (issue 14): the head asks, the
control department gets a draft letter to the issuer and records the issuer's answer, with the
reference of its letter; deadline, notices and history then follow as for any decided extension.
Under each of the three profiles a President item can only be asked of the issuer."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from aiogram.methods import SendDocument
from docx import Document

from bot import services
from bot.config import Settings
from bot.extensions import steps as extension_steps
from bot.extensions.rules import ExtensionRefusal, asked_of_issuer, decider_kind
from bot.letters import Case, letter_date, letter_reference
from bot.outbox_kinds import Kind
from bot.profiles import PROFILE_NAMES, ExtensionDecider, Profile, load_profile
from bot.staff.csv_import import parse_staff_csv
from bot.sweep import sweep
from handlers.callbacks import ExtCallback, ItemCallback, LeadAction, LeadCallback
from storage.domain.enums import Language, Source
from storage.domain.refusals import Refused
from storage.repo import Repos
from tests.concurrency_kit import EDUCATION, MOMENT, ask_extension, other_process, storage_errors
from tests.conftest import STAFF_CSV
from tests.fakes import RecordingBot, make_callback, make_message
from tests.helpers import (
    World,
    alert,
    buttons,
    last_text,
    messages_to,
    register_assignment,
    register_item,
    today,
)

EDU, FIN, CTRL, AKIM, HOA = 9001, 9002, 9003, 9004, 9005
PEOPLE = {"edu_head": EDU, "fin_head": FIN, "ctrl": CTRL, "akim": AKIM, "hoa": HOA}
ALMATY = ZoneInfo("Asia/Almaty")
REASONS = "Мердігер материалдарды кешіктіріп жеткізді."
PROFILES = [load_profile(name) for name in sorted(PROFILE_NAMES)]
APPROVED = "✉️ Ответ: продлить до …"
REFUSED = "✉️ Ответ: отказано"


def documents_to(bot: RecordingBot, chat_id: int) -> list[SendDocument]:
    return [m for m in bot.sent() if isinstance(m, SendDocument) and m.chat_id == chat_id]


def docx_text(method: SendDocument) -> str:
    data: bytes = method.document.data  # type: ignore[union-attr]
    return "\n".join(p.text for p in Document(BytesIO(data)).paragraphs)


async def ask_through_chat(world: World, item_id: int, dep: int, new_date: str) -> tuple[str, str]:
    """The head asks for an extension through the chat: the summary shown before sending,
    and the confirmation after."""
    ext = ItemCallback(action="ext", id=item_id, dep=dep).pack()
    await world.dp.feed_update(world.bot, make_callback(ext, user_id=EDU))
    for typed in (new_date, REASONS):
        await world.dp.feed_update(world.bot, make_message(typed, user_id=EDU))
    summary = messages_to(world.bot, EDU)[-1]
    await world.dp.feed_update(
        world.bot, make_callback(buttons(summary)["📤 Сұрауды жіберу"], user_id=EDU)
    )
    return summary.text, world.bot.texts()[-1]


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
def test_president_items_are_asked_of_the_issuer_in_every_profile(profile: Profile) -> None:
    for source in (Source.PRESIDENT, Source.PRIME_MINISTER, Source.OBLAST_AKIM):
        kind = profile.extension_decider.value.for_source(source)
        assert kind is ExtensionDecider.ISSUING_BODY, (profile.name, source)
    assert profile.extension_decider.value.for_source(Source.AKIM) is not (
        ExtensionDecider.ISSUING_BODY
    )


def test_baidibek_forbids_exactly_what_12_7_names() -> None:
    deciders = load_profile("baidibek-2025").extension_decider
    forbidden = {s for s in Source if deciders.value.for_source(s) is ExtensionDecider.FORBIDDEN}
    assert forbidden == {Source.PRESIDENTIAL_ADMINISTRATION}
    assert deciders.value.for_source(Source.GOVERNMENT) is ExtensionDecider.ISSUING_BODY
    assert deciders.cite.startswith("§12.7")


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
async def test_president_item_extension_is_asked_of_the_issuer_end_to_end(
    joined_world: World, profile: Profile
) -> None:
    world = joined_world
    assert world.profile is profile
    item = await register_item(
        world.repos, profile, world.settings, "P-1", source=Source.PRESIDENT
    )
    main = item.main_executor
    assert main is not None
    await world.deliverer.drain()
    world.bot.clear()

    # the head's summary and confirmation say the request goes by letter, through control
    summary, done = await ask_through_chat(world, item.id, main.department_id, "24.05.2027")
    by_letter = (
        "Сұрау бақылау бөлімі арқылы Қазақстан Республикасы Президентінің Әкімшілігіне "
        "хатпен жіберіледі."
    )
    assert by_letter in summary
    assert done == (
        "№ P-1 тапсырманың мерзімін ұзарту туралы сұрау жіберілді: ол бақылау бөлімі арқылы "
        "Қазақстан Республикасы Президентінің Әкімшілігіне хатпен жіберіледі."
    )
    await world.deliverer.drain()
    # nobody in the akimat decides: the akim and the head of apparatus are told, once each,
    # with nothing to decide (the card's 🔎 only)
    for leader, said in ((AKIM, "Мәлімет үшін"), (HOA, "К сведению")):
        (info,) = messages_to(world.bot, leader)
        assert info.text.startswith("ℹ️ " + said)
        assert not any(data.startswith("x:") for data in buttons(info).values())
    assert "Администрацию Президента Республики Казахстан" in messages_to(world.bot, HOA)[0].text
    assert "\nОт: Нурланова А., Отдел образования\n" in messages_to(world.bot, HOA)[0].text
    to_control = messages_to(world.bot, CTRL)
    assert len(to_control) == 1
    note = to_control[0]
    assert note.text.startswith("✉️ Продлить этот срок может только")
    assert "Направьте письмо в Администрацию Президента Республики Казахстан" in note.text
    assert "вы фиксируете ответ органа" in note.text
    assert set(buttons(note)) == {APPROVED, REFUSED}
    letter = docx_text(documents_to(world.bot, CTRL)[0])
    for expected in (
        "P-1",
        "12 мая 2027 года",
        "до 24 мая 2027 года",
        REASONS,
        "Администрация Президента Республики Казахстан",
        "Исх. № ______ от «___» ________ 20__ г.",
        "Ерлан Жумабеков",  # the akim signs
    ):
        assert expected in letter
    assert "г.." not in letter and "Кому:" not in letter

    # the akim cannot grant it, nor can the controller in one tap
    request = await world.repos.extensions.pending_for(item.id)
    assert request is not None
    approve = ExtCallback(action="approve", id=request.id).pack()
    for user in (AKIM, CTRL):
        await world.dp.feed_update(world.bot, make_callback(approve, user_id=user))
    ctx = await services.make_context(world.repos, profile, world.settings)
    akim = await world.repos.staff.by_code("akim")
    assert akim is not None
    assert await extension_steps.deciding_for(ctx, akim, item) is None
    still = await world.repos.assignments.get(item.id)
    assert still is not None
    assert (still.deadline, still.extensions) == (date(2027, 5, 12), 0)

    # the card shows whom the extension is asked of
    view = ItemCallback(action="view", id=item.id).pack()
    await world.dp.feed_update(world.bot, make_callback(view, user_id=CTRL))
    assert "до 24 мая 2027 г. запрошено у: Президент" in messages_to(world.bot, CTRL)[-1].text
    # and so does the leaders' overview card
    world.bot.clear()
    lead = LeadCallback(action=LeadAction.ITEM, id=item.id).pack()
    await world.dp.feed_update(world.bot, make_callback(lead, user_id=AKIM))
    assert "2027 жылғы 24 мамырға дейін ұзарту сұралды" in last_text(world.bot)

    # the controller records the issuer's answer: a day off is refused as typed, with the
    # next working day on a button; then the letter's number and its date
    world.bot.clear()
    await world.press(note, APPROVED, CTRL)
    prompt = messages_to(world.bot, CTRL)[-1]
    assert "Вы отмечаете ответ органа" in prompt.text
    assert set(buttons(prompt)) == {"📅 Как просили (24.05.2027)"}
    await world.say("22.05.2027", CTRL)  # a Saturday
    refused = messages_to(world.bot, CTRL)[-1]
    assert "не рабочий день" in refused.text or "нерабоч" in refused.text
    await world.press(refused, "Взять 24.05.2027", CTRL)
    assert "Продлено до 24 мая 2027 г." in messages_to(world.bot, CTRL)[-1].text
    await world.say("№ 01-12/345 от 20.11.2026", CTRL)  # the date is a step of its own
    assert "Введите только номер письма" in messages_to(world.bot, CTRL)[-1].text
    await world.say("№ 01-12/345", CTRL)
    assert "Письмо № 01-12/345" in messages_to(world.bot, CTRL)[-1].text
    future = today(world.settings) + timedelta(days=3)
    await world.say(future.strftime("%d.%m.%Y"), CTRL)
    assert "не может быть позже" in messages_to(world.bot, CTRL)[-1].text
    await world.say("20.11.2025", CTRL)  # a year typed wrong: before the request
    assert "не может быть раньше" in messages_to(world.bot, CTRL)[-1].text
    dated = today(world.settings)
    await world.say(dated.strftime("%d.%m.%Y"), CTRL)
    ru_letter = letter_reference("01-12/345", dated, "ru")  # «№ 01-12/345 от 2 декабря 2026 г.»
    kk_letter = letter_reference("01-12/345", dated, "kk")  # «2026 жылғы 2 желтоқсандағы …»
    recorded_text = messages_to(world.bot, CTRL)[-1].text
    assert recorded_text.startswith("Отмечено: срок поручения № P-1 продлён до 24 мая 2027 г.")
    assert f"(письмо {ru_letter})" in recorded_text
    decided = await world.repos.assignments.get(item.id)
    assert decided is not None
    assert (decided.deadline, decided.extensions) == (date(2027, 5, 24), 1)
    recorded = await world.repos.extensions.get(request.id)
    assert recorded is not None
    assert (recorded.letter_ref, recorded.letter_date) == ("01-12/345", dated)
    world.bot.clear()
    await world.deliverer.drain()
    head_notice = messages_to(world.bot, EDU)[-1].text
    assert "2027 жылғы 24 мамырға дейін ұзартылды" in head_notice
    assert kk_letter in head_notice
    # the leadership hears of the answer too, in its language
    assert kk_letter in messages_to(world.bot, AKIM)[-1].text
    assert ru_letter in messages_to(world.bot, HOA)[-1].text
    history = await world.repos.assignments.history("P-1")
    assert [e.action for e in history][-2:] == ["extension_requested", "extension_approved"]
    await world.dp.feed_update(world.bot, make_callback(view, user_id=CTRL))
    card = messages_to(world.bot, CTRL)[-1].text
    assert f"12.05.2027 → 24.05.2027 · {ru_letter}" in card
    assert "запрошено у" not in card
    assert "запрошено продление срока" in card
    assert "срок продлён письмом органа, давшего поручение — отметка: Бауыржан Исаев" in card
    assert "extension_" not in card  # the history's events read as words, never as codes

    # the notices follow the new date, as for any decided extension
    if profile.deadline_notice is not None:
        world.bot.clear()
        moment = datetime(2027, 5, 19, 9, tzinfo=ALMATY).astimezone(UTC)
        later = await services.make_context(world.repos, profile, world.settings, now=moment)
        await sweep(later)
        await world.deliverer.drain(now=later.now)
        assert any(m.text.startswith("⏰") for m in messages_to(world.bot, EDU))


@pytest.mark.parametrize("profile", [load_profile("baidibek-2025")], ids=lambda p: p.name)
async def test_issuer_refusal_is_recorded_and_restricted_letter_has_no_content(
    joined_world: World, profile: Profile
) -> None:
    world = joined_world
    item = await register_item(
        world.repos,
        profile,
        world.settings,
        "P-2",
        source=Source.PRIME_MINISTER,
        restricted=True,
    )
    main = item.main_executor
    assert main is not None
    await world.deliverer.drain()
    world.bot.clear()
    await ask_through_chat(world, item.id, main.department_id, "24.05.2027")
    await world.deliverer.drain()
    letter = docx_text(documents_to(world.bot, CTRL)[0])
    assert "P-2" in letter
    assert "отопительн" not in letter.lower()
    assert "для служебного пользования" in letter
    assert letter.startswith("Для служебного пользования")  # the mark, first
    assert "Аппарат Правительства Республики Казахстан" in letter
    note = messages_to(world.bot, CTRL)[0]
    # the answer comes by letter: no next-day reminder; at the deadline, control sees it
    ctx = await services.make_context(world.repos, profile, world.settings)
    tomorrow = ctx.calendar.add_working_days(ctx.today, 1)
    for day in (tomorrow, date(2027, 5, 12)):
        moment = datetime.combine(day, datetime.min.time(), ALMATY) + timedelta(hours=10)
        later = await services.make_context(
            world.repos, profile, world.settings, now=moment.astimezone(UTC)
        )
        await sweep(later)
        await world.deliverer.drain(now=later.now)
    texts = [m.text for m in messages_to(world.bot, CTRL)]
    assert not any(text.startswith("Напоминание") for text in texts)
    assert any("ещё не рассмотрен" in text for text in texts)
    # a refusal: the letter's number, its date, then its reasons as a step of their own
    await world.press(note, REFUSED, CTRL)
    await world.say("7-77", CTRL)
    await world.say(today(world.settings).strftime("%d.%m.%Y"), CTRL)
    ask_reasons = messages_to(world.bot, CTRL)[-1]
    assert set(buttons(ask_reasons)) == {"Без указания причин"}
    await world.say("Срок установлен Правительством.", CTRL)
    request = (await world.repos.extensions.for_assignment(item.id))[0]
    assert request.status == "rejected"
    assert (request.letter_ref, request.letter_date) == ("7-77", today(world.settings))
    assert request.reject_reason == "Срок установлен Правительством."
    unchanged = await world.repos.assignments.get(item.id)
    assert unchanged is not None
    assert (unchanged.deadline, unchanged.extensions) == (date(2027, 5, 12), 0)


@pytest.mark.parametrize("profile", [load_profile("almaty-2016")], ids=lambda p: p.name)
async def test_a_refusal_without_reasons_reads_in_each_readers_language(
    joined_world: World, profile: Profile
) -> None:
    world = joined_world
    item = await world.register("P-3", source=Source.OBLAST_AKIM)
    main = item.main_executor
    assert main is not None
    await world.delivered()
    await ask_through_chat(world, item.id, main.department_id, "24.05.2027")
    await world.delivered()
    assert "Аппарат акима области" in docx_text(documents_to(world.bot, CTRL)[0])
    note = messages_to(world.bot, CTRL)[0]
    await world.press(note, REFUSED, CTRL)
    await world.say("№ 7-78", CTRL)
    await world.say(today(world.settings).strftime("%d.%m.%Y"), CTRL)
    await world.press(messages_to(world.bot, CTRL)[-1], "Без указания причин", CTRL)
    recorded = messages_to(world.bot, CTRL)[-1].text
    assert recorded.startswith(
        "Отмечено: в продлении срока поручения № P-3 отказано (письмо "
        + letter_reference("7-78", today(world.settings), "ru")
    )
    # no full stop after the date: the sentence goes on on the next line
    assert recorded.splitlines()[0].endswith(")")
    assert recorded.splitlines()[1].startswith("Руководитель отдела")
    request = (await world.repos.extensions.for_assignment(item.id))[0]
    assert (request.status, request.reject_reason) == ("rejected", None)
    await world.delivered()
    head = messages_to(world.bot, EDU)[-1].text  # kk
    assert "мерзімі өзгеріссіз: " in head and head.splitlines()[0].endswith(")")
    assert "Себептері: көрсетілмеген" in head
    assert letter_reference("7-78", today(world.settings), "kk") in head
    assert "Причины: не указаны" in messages_to(world.bot, HOA)[-1].text  # ru
    # the controller who recorded it was told in the chat, and is not told again
    assert messages_to(world.bot, CTRL) == []


@pytest.mark.parametrize("profile", [load_profile("ust-kamenogorsk-2025")], ids=lambda p: p.name)
async def test_the_date_asked_for_is_taken_in_one_tap_and_shown_on_sent_cards(
    joined_world: World, profile: Profile
) -> None:
    world = joined_world
    item = await world.register("P-4", source=Source.GOVERNMENT)
    main = item.main_executor
    assert main is not None
    await world.delivered()
    await ask_through_chat(world, item.id, main.department_id, "24.05.2027")
    # a card sent out while the request waits says whom the extension is asked of
    head = await world.repos.staff.by_code("edu_head")
    assert head is not None
    payload = {"assignment_id": item.id, "department_id": main.department_id}
    await world.repos.outbox.enqueue("card-again", head.id, Kind.CARD, payload)
    await world.delivered()
    card = messages_to(world.bot, EDU)[-1].text
    assert "2027 жылғы 24 мамырға дейін ұзарту сұралды (кімнен: Үкімет)" in card
    note = messages_to(world.bot, CTRL)[0]
    await world.press(note, APPROVED, CTRL)
    await world.press(messages_to(world.bot, CTRL)[-1], "📅 Как просили (24.05.2027)", CTRL)
    await world.say("01-02", CTRL)
    await world.say(today(world.settings).strftime("%d.%m.%Y"), CTRL)
    assert messages_to(world.bot, CTRL)[-1].text.startswith("Отмечено:")
    assert (await world.item(item.id)).deadline == date(2027, 5, 24)


@pytest.mark.parametrize("profile", [load_profile("baidibek-2025")], ids=lambda p: p.name)
async def test_issuer_buttons_refused_on_an_item_the_akimat_decides(
    joined_world: World, profile: Profile
) -> None:
    world = joined_world
    item = await register_item(world.repos, profile, world.settings, "A-1")
    assert not asked_of_issuer(profile, item)
    assert decider_kind(profile, item) is ExtensionDecider.AKIM_OR_HEAD_OF_APPARATUS
    head = await world.repos.staff.by_code("edu_head")
    assert head is not None and item.main_executor is not None
    ctx = await services.make_context(world.repos, profile, world.settings)
    request = await extension_steps.request_extension(
        ctx, head, item, item.main_executor.department_id, date(2027, 5, 20), REASONS
    )
    world.bot.clear()
    forged = ExtCallback(action="iyes", id=request.id).pack()
    await world.dp.feed_update(world.bot, make_callback(forged, user_id=AKIM))
    assert alert(world.bot)
    assert (await world.repos.extensions.get(request.id)).status == "pending"  # type: ignore[union-attr]


@pytest.mark.parametrize("profile", [load_profile("baidibek-2025")], ids=lambda p: p.name)
async def test_the_draft_letter_in_kazakh(joined_world: World, profile: Profile) -> None:
    world = joined_world
    ctrl = await world.repos.staff.by_code("ctrl")
    assert ctrl is not None
    await world.repos.staff.set_language(ctrl, Language.KK, actor="test")
    item = await world.register("P-5", source=Source.PRESIDENT)
    main = item.main_executor
    assert main is not None
    await world.delivered()
    await ask_through_chat(world, item.id, main.department_id, "24.05.2027")
    await world.delivered()
    note = messages_to(world.bot, CTRL)[0]
    assert set(buttons(note)) == {
        "✉️ Жауап: мерзім ұзартылды",
        "✉️ Жауап: бас тартылды",
    }
    letter = docx_text(documents_to(world.bot, CTRL)[0])
    received = letter_date(item.received, "kk", Case.ON)
    for expected in (
        "Кімнен: әкімдік",
        "Шығыс № ______ «___» ________ 20__ ж.",
        "Қазақстан Республикасы Президентінің Әкімшілігі",
        f"{received} түскен № P-5 тапсырманың орындалу мерзімін ұзартуды сұраймыз.",
        "Белгіленген мерзім: 2027 жылғы 12 мамыр\n",
        "Ұсынылатын мерзім: 2027 жылғы 24 мамырға дейін\n",
        "Аким города    ____________    Ерлан Жумабеков",
    ):
        assert expected in letter
    assert " ж. " not in letter and "Кому" not in letter


@pytest.mark.parametrize("profile", [load_profile("baidibek-2025")], ids=lambda p: p.name)
async def test_whoever_acts_for_the_head_of_apparatus_is_told(
    joined_world: World, profile: Profile
) -> None:
    world = joined_world
    hoa = await world.repos.staff.by_code("hoa")
    fin_head = await world.repos.staff.by_code("fin_head")
    assert hoa is not None and fin_head is not None
    day = today(world.settings)
    await world.repos.staff.add_substitution(hoa, fin_head, day, day, actor="admin")
    item = await world.register("P-6", source=Source.PRESIDENT)
    main = item.main_executor
    assert main is not None
    await world.delivered()
    await ask_through_chat(world, item.id, main.department_id, "24.05.2027")
    await world.delivered()
    assert messages_to(world.bot, HOA) == []
    (info,) = messages_to(world.bot, FIN)
    assert info.text.startswith("ℹ️ К сведению")
    assert set(buttons(info)) == {"🔎 Открыть"}
    assert "Аким города    ____________    Ерлан Жумабеков" in docx_text(
        documents_to(world.bot, CTRL)[0]
    )


@pytest.mark.parametrize("profile", [load_profile("almaty-2016")], ids=lambda p: p.name)
async def test_the_letter_is_signed_by_whoever_acts_for_the_akim(
    joined_world: World, profile: Profile
) -> None:
    world = joined_world
    akim = await world.repos.staff.by_code("akim")
    deputy = await world.repos.staff.by_code("dep1")
    assert akim is not None and deputy is not None
    day = today(world.settings)
    await world.repos.staff.add_substitution(akim, deputy, day, day, actor="admin")
    item = await world.register("P-7", source=Source.PRESIDENT)
    main = item.main_executor
    assert main is not None
    await world.delivered()
    await ask_through_chat(world, item.id, main.department_id, "24.05.2027")
    await world.delivered()
    letter = docx_text(documents_to(world.bot, CTRL)[0])
    assert "Аким города    ____________    Гүлнар Омарова (и. о.)" in letter


async def test_two_controllers_recording_the_issuers_answer_at_once_record_it_once(
    staffed: Repos, profile: Profile, settings: Settings
) -> None:
    """Two controllers, one in another process, record the issuer's answer on the same
    requests at the same moment (one the approval, the other the refusal): each request is
    decided once, the other is told it was decided, and the deadline moves at most once."""
    extra = "ctrl2,Дина Ли,Специалист отдела контроля,Отдел контроля,controller,ru,\n"
    await staffed.staff.import_staff(parse_staff_csv(STAFF_CSV + extra, Language.KK), actor="t")
    ctrl = await staffed.staff.by_code("ctrl")
    ctrl2 = await staffed.staff.by_code("ctrl2")
    head = await staffed.staff.by_code("edu_head")
    assert ctrl is not None and ctrl2 is not None and head is not None
    ctx = await services.make_context(staffed, profile, settings, now=MOMENT)
    dated = date(2027, 2, 10)  # MOMENT's day, when the requests are asked
    async with other_process(settings) as far:
        far_ctx = await services.make_context(far, profile, settings, now=MOMENT)
        for n in range(6):
            item = await register_assignment(
                ctx,
                f"PC-{n}",
                "Подготовить информацию",
                (EDUCATION,),
                deadline=date(2027, 3, 10),
                source=Source.PRESIDENT,
            )
            request = await ask_extension(ctx, head, item)
            pair = [
                extension_steps.decide_extension(
                    ctx,
                    ctrl,
                    request,
                    granted=request.new_deadline,
                    letter="01-02",
                    letter_date=dated,
                ),
                extension_steps.decide_extension(
                    far_ctx, ctrl2, request, refused=True, letter="01-03", letter_date=dated
                ),
            ]
            jobs = pair if n % 2 else pair[::-1]
            results = await asyncio.gather(*jobs, return_exceptions=True)
            assert storage_errors(results) == []
            won = [r for r in results if r is True]
            lost = [r for r in results if isinstance(r, Refused)]
            assert len(won) == 1 and len(lost) == 1
            assert lost[0].refusal is ExtensionRefusal.DECIDED
            decided = await staffed.extensions.get(request.id)
            stored = await staffed.assignments.get(item.id)
            assert decided is not None and stored is not None
            if decided.status == "approved":
                assert (stored.deadline, stored.extensions) == (request.new_deadline, 1)
            else:
                assert (stored.deadline, stored.extensions) == (date(2027, 3, 10), 0)
