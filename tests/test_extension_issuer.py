"""Extensions decided by the issuing body outside the akimat (issue 14): the head asks, the
control department gets a draft letter to the issuer and records the issuer's answer, with the
reference of its letter; deadline, notices and history then follow as for any decided extension.
Under each of the three profiles a President item can only be asked of the issuer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from aiogram.methods import SendDocument
from docx import Document

from bot import services
from bot.extensions import steps as extension_steps
from bot.extensions.rules import asked_of_issuer, decider_kind
from bot.profiles import PROFILE_NAMES, ExtensionDecider, Profile, load_profile
from bot.sweep import sweep
from handlers.callbacks import ExtCallback, ItemCallback, LeadAction, LeadCallback
from storage.domain.enums import Source
from tests.fakes import RecordingBot, make_callback, make_message
from tests.helpers import World, alert, buttons, last_text, messages_to, register_item

EDU, FIN, CTRL, AKIM, HOA = 9001, 9002, 9003, 9004, 9005
PEOPLE = {"edu_head": EDU, "fin_head": FIN, "ctrl": CTRL, "akim": AKIM, "hoa": HOA}
ALMATY = ZoneInfo("Asia/Almaty")
REASONS = "Мердігер материалдарды кешіктіріп жеткізді."
PROFILES = [load_profile(name) for name in sorted(PROFILE_NAMES)]


def documents_to(bot: RecordingBot, chat_id: int) -> list[SendDocument]:
    return [m for m in bot.sent() if isinstance(m, SendDocument) and m.chat_id == chat_id]


def docx_text(method: SendDocument) -> str:
    data: bytes = method.document.data  # type: ignore[union-attr]
    return "\n".join(p.text for p in Document(BytesIO(data)).paragraphs)


async def ask_through_chat(world: World, item_id: int, dep: int, new_date: str) -> str:
    """The head asks for an extension through the chat; the last answer's text."""
    ext = ItemCallback(action="ext", id=item_id, dep=dep).pack()
    await world.dp.feed_update(world.bot, make_callback(ext, user_id=EDU))
    for typed in (new_date, REASONS):
        await world.dp.feed_update(world.bot, make_message(typed, user_id=EDU))
    summary = messages_to(world.bot, EDU)[-1]
    await world.dp.feed_update(
        world.bot, make_callback(buttons(summary)["📤 Сұрауды жіберу"], user_id=EDU)
    )
    return world.bot.texts()[-1]


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

    # the head asks as for any item; the answer says whom the request goes to
    done = await ask_through_chat(world, item.id, main.department_id, "24.05.2027")
    assert "бақылау бөліміне" in done and "Президент" in done
    await world.deliverer.drain()
    # nobody in the akimat decides: the akim and the head of apparatus are not asked
    assert messages_to(world.bot, AKIM) == messages_to(world.bot, HOA) == []
    to_control = messages_to(world.bot, CTRL)
    assert len(to_control) == 1
    note = to_control[0]
    assert note.text.startswith("✉️ Продлить этот срок может только")
    assert "Президент" in note.text
    assert set(buttons(note)) == {"✅ Продление одобрено", "❌ В продлении отказано"}
    letter = docx_text(documents_to(world.bot, CTRL)[0])
    for expected in ("P-1", "12 мая 2027", "24 мая 2027", REASONS, "Президент"):
        assert expected in letter

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
    assert "запрошено у: Президент" in messages_to(world.bot, CTRL)[-1].text
    # and so does the leaders' overview card
    world.bot.clear()
    lead = LeadCallback(action=LeadAction.ITEM, id=item.id).pack()
    await world.dp.feed_update(world.bot, make_callback(lead, user_id=AKIM))
    assert "ұзарту сұралды" in last_text(world.bot)

    # the controller records the issuer's answer: the date, then the letter's reference
    world.bot.clear()
    await world.dp.feed_update(
        world.bot, make_callback(buttons(note)["✅ Продление одобрено"], user_id=CTRL)
    )
    await world.dp.feed_update(world.bot, make_message("26.05.2027", user_id=CTRL))
    await world.dp.feed_update(world.bot, make_message("№", user_id=CTRL))
    assert "номер и дату" in messages_to(world.bot, CTRL)[-1].text
    await world.dp.feed_update(world.bot, make_message("№ 01-12/345 от 20.05.2027", user_id=CTRL))
    assert messages_to(world.bot, CTRL)[-1].text == "Отмечено."
    decided = await world.repos.assignments.get(item.id)
    assert decided is not None
    assert (decided.deadline, decided.extensions) == (date(2027, 5, 26), 1)
    recorded = await world.repos.extensions.get(request.id)
    assert recorded is not None
    assert recorded.letter_ref == "№ 01-12/345 от 20.05.2027"
    await world.deliverer.drain()
    head_notice = messages_to(world.bot, EDU)[-1].text
    assert "2027 жылғы 26 мамырға дейін ұзартылды" in head_notice
    assert "№ 01-12/345" in head_notice
    history = await world.repos.assignments.history("P-1")
    assert [e.action for e in history][-2:] == ["extension_requested", "extension_approved"]
    await world.dp.feed_update(world.bot, make_callback(view, user_id=CTRL))
    card = messages_to(world.bot, CTRL)[-1].text
    assert "12.05.2027 → 26.05.2027 · № 01-12/345 от 20.05.2027" in card
    assert "запрошено у" not in card
    assert "запрошено продление срока" in card and "срок продлён" in card
    assert "extension_" not in card  # the history's events read as words, never as codes

    # the notices follow the new date, as for any decided extension
    if profile.deadline_notice is not None:
        world.bot.clear()
        moment = datetime(2027, 5, 21, 9, tzinfo=ALMATY).astimezone(UTC)
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
    await world.dp.feed_update(
        world.bot, make_callback(buttons(note)["❌ В продлении отказано"], user_id=CTRL)
    )
    await world.dp.feed_update(
        world.bot,
        make_message("№ 7-77 от 20.05.2027\nСрок установлен Правительством.", user_id=CTRL),
    )
    request = (await world.repos.extensions.for_assignment(item.id))[0]
    assert request.status == "rejected"
    assert request.letter_ref == "№ 7-77 от 20.05.2027"
    assert request.reject_reason == "Срок установлен Правительством."
    unchanged = await world.repos.assignments.get(item.id)
    assert unchanged is not None
    assert (unchanged.deadline, unchanged.extensions) == (date(2027, 5, 12), 0)


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
