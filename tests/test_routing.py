"""A tap skips the routers with no handler for its kind of button (`handlers.routing`), and is
answered by the same handler as before."""

from __future__ import annotations

from typing import Any

from aiogram import Dispatcher, F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey

from handlers import get_routers
from handlers.callbacks import ListCallback
from handlers.routing import callback_kinds, silent_types, skip_foreign_taps
from tests.fakes import DEFAULT_USER_ID, RecordingBot, make_callback
from tests.helpers import noting_filters


class Pick(CallbackData, prefix="pk"):
    n: int


class Drop(CallbackData, prefix="dr"):
    n: int


class Asking(StatesGroup):
    one = State()


def test_the_kinds_of_a_router_are_its_handlers_callback_data() -> None:
    known, any_data, in_state, nested = Router(), Router(), Router(), Router()
    known.callback_query.register(lambda q: None, Pick.filter(F.n > 1))
    known.callback_query.register(lambda q: None, F.message, Drop.filter())
    any_data.callback_query.register(lambda q: None, F.data == "x")
    in_state.callback_query.register(lambda q: None, Asking.one, F.data == "y")
    found = callback_kinds(known)
    assert found is not None and found.keys == {(":", "pk"), (":", "dr")} and not found.states
    assert callback_kinds(any_data) is None
    nested.include_router(known)
    nested.include_router(in_state)
    found = callback_kinds(nested)
    assert found is not None and found.keys == {(":", "pk"), (":", "dr")}
    assert found.states == {"Asking:one"}
    nested.include_router(any_data)
    assert callback_kinds(nested) is None


async def test_a_tap_reaches_the_same_handler_and_skips_the_others() -> None:
    seen: list[str] = []
    tried: list[str] = []
    picks, drops, state_only = Router(name="picks"), Router(name="drops"), Router(name="state")

    watch = noting_filters(tried)

    @picks.callback_query(watch("picks"), Pick.filter())
    async def on_pick(query: Any, callback_data: Pick) -> None:
        seen.append(f"pick {callback_data.n}")

    @drops.callback_query(watch("drops"), Drop.filter())
    async def on_drop(query: Any, callback_data: Drop) -> None:
        seen.append(f"drop {callback_data.n}")

    @state_only.callback_query(watch("state"), F.data == "nothing")
    async def on_nothing(query: Any) -> None:
        seen.append("nothing")

    dp = Dispatcher()
    dp.include_routers(*skip_foreign_taps([picks, state_only, drops]))
    bot = RecordingBot()
    await dp.feed_update(bot, make_callback(Drop(n=2).pack()))
    assert seen == ["drop 2"]
    assert tried == ["state", "drops"]  # the picks' router passed over, the other tried
    await dp.feed_update(bot, make_callback(Pick(n=1).pack()))
    await dp.feed_update(bot, make_callback("nothing"))
    await dp.feed_update(bot, make_callback("zz:1"))  # nobody's: unhandled, as before
    assert seen == ["drop 2", "pick 1", "nothing"]


async def test_a_dialogs_router_is_tried_for_a_tap_only_in_its_dialog() -> None:
    """A router whose tap handlers each require a dialog state or a kind of button is passed
    over for another button outside its dialog, and tried (and answers) inside it."""
    seen: list[str] = []
    tried: list[str] = []
    dialog, picks = Router(name="dialog"), Router(name="picks")
    watch = noting_filters(tried)

    @dialog.callback_query(watch("dialog"), Asking.one, F.data == "done")
    async def on_done(query: Any) -> None:
        seen.append("done")

    @picks.callback_query(watch("picks"), Pick.filter())
    async def on_pick(query: Any) -> None:
        seen.append("pick")

    dp = Dispatcher()
    dp.include_routers(*skip_foreign_taps([dialog, picks]))
    bot = RecordingBot()
    await dp.feed_update(bot, make_callback(Pick(n=1).pack()))
    await dp.feed_update(bot, make_callback("done"))  # outside the dialog: nobody's
    assert seen == ["pick"] and tried == ["picks"]
    key = StorageKey(bot_id=bot.id, chat_id=DEFAULT_USER_ID, user_id=DEFAULT_USER_ID)
    await dp.storage.set_state(key, Asking.one)
    await dp.feed_update(bot, make_callback("done"))
    await dp.feed_update(bot, make_callback(Pick(n=2).pack()))  # a button of another kind
    assert seen == ["pick", "done", "pick"]
    assert tried == ["picks", "dialog", "dialog", "picks"]


def test_a_list_button_skips_most_of_the_bots_routers() -> None:
    data = ListCallback.__prefix__
    routers = get_routers()
    kinds = [callback_kinds(router) for router in routers]
    skipped = [k for k in kinds if k is not None and all(p != data for _, p in k.keys)]
    assert len(skipped) >= len(routers) // 2


async def test_an_error_goes_straight_to_the_router_that_handles_errors() -> None:
    """A refused step's error event passes over the routers with no error handler (nor an
    outer middleware on errors) in them, and is answered as before by the one that has."""
    visited: list[str] = []
    answered: list[str] = []
    failing, quiet, nested, catching = (
        Router(name="failing"),
        Router(name="quiet"),
        Router(name="nested"),
        Router(name="catching"),
    )
    inner = Router(name="inner")
    nested.include_router(inner)

    @failing.callback_query(Pick.filter())
    async def on_pick(query: Any) -> None:
        raise LookupError("refused")

    @inner.errors()
    async def on_inner_error(event: Any) -> bool:
        answered.append("inner")
        return True

    @catching.errors()
    async def on_error(event: Any) -> bool:
        answered.append("catching")
        return True

    routers = skip_foreign_taps([failing, quiet, nested, catching])
    assert "error" in silent_types(quiet) and "error" in silent_types(failing)
    assert "error" not in silent_types(nested)  # its sub-router handles errors
    for router in routers:
        propagate = router._propagate_event

        async def noted(
            *args: Any, _name: str = router.name, _go: Any = propagate, **kwargs: Any
        ) -> Any:
            if kwargs.get("update_type") == "error":
                visited.append(_name)
            return await _go(*args, **kwargs)

        router._propagate_event = noted  # type: ignore[method-assign]
    dp = Dispatcher()
    dp.include_routers(*routers)
    await dp.feed_update(RecordingBot(), make_callback(Pick(n=1).pack()))
    assert answered == ["inner"]
    assert visited == ["nested"]  # the others passed over without a visit
