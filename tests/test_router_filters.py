"""The routers' pure filters (magic filters, dialog states) run on the event loop: aiogram would
send each synchronous one to a worker thread and back, several per update."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from aiogram import Dispatcher, F, Router
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, User

from handlers import OnceUnpacked, get_routers, pure_sync_filter, run_filters_inline
from handlers.assignments.new_dialog import RegistrationStates
from handlers.callbacks import ItemAction, ItemCallback, number
from handlers.keyboards import pack
from tests.helpers import CTRL, World, join_all, say, state_of


def sync_filters(dp: Dispatcher) -> list[object]:
    found: list[object] = []
    for router in dp.chain_tail:
        for observer in router.observers.values():
            for handler in [*observer.handlers, observer._handler]:
                found += [f.callback for f in handler.filters or [] if not f.awaitable]
    return found


def test_no_filter_of_the_bot_goes_to_a_thread() -> None:
    dp = Dispatcher()
    dp.include_routers(*get_routers())
    assert sync_filters(dp) == []


class Steps(StatesGroup):
    one = State()


async def test_inlined_filters_answer_as_before() -> None:
    router = Router()
    seen: list[str] = []

    @router.message(Steps.one, F.text == "yes")
    async def in_state(message: Any) -> None:
        seen.append("state+yes")

    @router.message(F.text.startswith("/"))
    async def command(message: Any) -> None:
        seen.append("command")

    plain = Dispatcher()
    plain.include_router(router)
    assert len(sync_filters(plain)) == 3
    run_filters_inline([router])
    assert sync_filters(plain) == []
    checks = router.message.handlers
    event = type("Event", (), {"text": "yes"})()
    other = type("Event", (), {"text": "/my"})()
    assert (await checks[0].check(event, raw_state=Steps.one.state))[0] is True
    assert (await checks[0].check(event, raw_state=None))[0] is False
    assert (await checks[0].check(other, raw_state=Steps.one.state))[0] is False
    assert (await checks[1].check(other))[0] is True
    assert (await checks[1].check(event))[0] is False


def test_only_pure_kinds_are_inlined() -> None:
    assert pure_sync_filter(F.text.resolve)
    assert pure_sync_filter(Steps.one)
    assert pure_sync_filter(Steps())

    def custom(event: object) -> bool:
        return True

    assert not pure_sync_filter(custom)


async def test_a_dialog_is_routed_without_a_thread_trip(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    trips: list[Callable[..., Any]] = []
    real = asyncio.to_thread

    async def counted(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        trips.append(func)
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(asyncio, "to_thread", counted)  # what aiogram calls for a sync filter
    await join_all(world.dp, world.bot, world.repos, {"ctrl": CTRL})
    await say(world.dp, world.bot, "/new")
    assert await state_of(world.dp, world.bot) == RegistrationStates.number.state
    await say(world.dp, world.bot, "17-01/2345")
    assert await state_of(world.dp, world.bot) == RegistrationStates.restricted.state
    await say(world.dp, world.bot, "/my")  # a command during the dialog, as before
    filters = [f for f in trips if isinstance(f, partial) and pure_sync_filter(f.func)]
    assert filters == []


def button_filters(dp: Dispatcher) -> list[object]:
    found: list[object] = []
    for router in dp.chain_tail:
        for observer in router.observers.values():
            for handler in [*observer.handlers, observer._handler]:
                found += [
                    f.callback
                    for f in handler.filters or []
                    if isinstance(f.callback, CallbackQueryFilter)
                ]
    return found


def test_every_button_filter_unpacks_a_tap_once() -> None:
    dp = Dispatcher()
    dp.include_routers(*get_routers())
    filters = button_filters(dp)
    assert len(filters) > 40
    assert all(type(one) is OnceUnpacked for one in filters)


def tap(data: str, query_id: str = "q1") -> CallbackQuery:
    user = User(id=7, is_bot=False, first_name="Асхат")
    return CallbackQuery(id=query_id, from_user=user, chat_instance="c", data=data)


async def test_a_tap_is_unpacked_once_and_answered_as_aiogram_would(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    unpacked: list[str] = []
    real = ItemCallback.unpack.__func__  # type: ignore[attr-defined]

    def counting(cls: type[ItemCallback], value: str) -> ItemCallback:
        unpacked.append(value)
        return real(cls, value)  # type: ignore[no-any-return]

    monkeypatch.setattr(ItemCallback, "unpack", classmethod(counting))
    rules = [F.action == action for action in ItemAction] + [None]
    ours = [OnceUnpacked(callback_data=ItemCallback, rule=rule) for rule in rules]
    theirs = [CallbackQueryFilter(callback_data=ItemCallback, rule=rule) for rule in rules]
    view = pack(ItemCallback(action=ItemAction.VIEW, id=12))
    for query in (
        tap(view),
        tap(view, "q2"),  # another tap of the same button
        tap("l:my:0:", "q3"),  # another kind of button
        tap("a:nonsense", "q4"),  # a forged one
        tap("a:view:13:0:", "q5"),
    ):
        unpacked.clear()
        answers = [await one(query) for one in ours]
        calls = len(unpacked)
        assert answers == [await one(query) for one in theirs]
        assert calls <= 1, query.data  # once for all the handlers tried
    assert sum(bool(a) for a in [await one(tap(view, "q6")) for one in ours]) == 2  # VIEW, any


def test_a_number_on_a_button_is_plain_digits_that_fit_a_row_key() -> None:
    assert number("42") == 42
    assert number(str(2**63 - 1)) == 2**63 - 1
    for forged in ("", "-1", "x", "²", "٣", " 4", str(2**63), str(2**70)):
        assert number(forged) is None, forged


async def test_a_button_numbering_beyond_sqlite_matches_no_handler() -> None:
    huge = ItemCallback(action=ItemAction.VIEW, id=2**70).pack()
    sane = ItemCallback(action=ItemAction.VIEW, id=7).pack()
    check = OnceUnpacked(callback_data=ItemCallback, rule=None)
    user = User(id=1, is_bot=False, first_name="A")
    assert (
        await check(CallbackQuery(id="q1", from_user=user, chat_instance="c", data=huge)) is False
    )
    found = await check(CallbackQuery(id="q2", from_user=user, chat_instance="c", data=sane))
    assert found == {"callback_data": ItemCallback(action=ItemAction.VIEW, id=7)}
