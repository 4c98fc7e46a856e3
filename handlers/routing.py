"""A tap goes only through the routers that have a handler for its kind of button.

aiogram offers every update to the routers in order: each one wraps its middlewares, checks
its root filters and tries its handlers' filters one by one (each a coroutine), and then
passes the update to the next, ~20 routers for a tap the last ones answer. A button's
handlers all require a kind of callback data (`XCallback.filter()`, which fails unless the
data starts with that kind's prefix), so a router whose every tap handler requires one of a
known set of prefixes can be passed over at once for a tap with another prefix: none of its
handlers could match, and it has no outer middleware or root filter of its own that would
have run. The answer is the same, only found sooner. A tap handler may require a dialog state
instead (a dialog's buttons, `F.data == …` in one of its steps): its router is tried for a tap
in that state as well. Routers with a tap handler that requires neither (`F.data == …` alone)
are always tried, as before.

A router is passed over likewise for any kind of event (an update type, or the error event a
refused step raises) that nothing in it acts on: no handler, outer middleware or root filter
of that kind in it or in its sub-routers.

Messages likewise: a router whose every message handler requires a command (aiogram's
`Command`, plain names) or a dialog state (a `State`, a group of states or `StateFilter`) is
passed over for a message that is neither one of those commands nor sent in one of those
states (the state aiogram's FSM middleware put in the update's data as `raw_state`, the one its
state filters compare). A handler with neither kind of filter (a menu button's text, a
document, a catch-all), a command given as a pattern or the any-state `"*"` keeps its router
always tried.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.bases import UNHANDLED, NextMiddlewareType, SkipHandler
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, TelegramObject


class Required:
    """What each of a router's handlers of one kind of event requires, one of these at least:
    a key (a command's name, casefolded; a kind of callback data, (separator, prefix)) or a
    dialog state (None: no dialog)."""

    __slots__ = ("keys", "states")

    def __init__(self) -> None:
        self.keys: set[Any] = set()
        self.states: set[str | None] = set()


def callback_kinds(router: Router) -> Required | None:
    """The kinds of callback data and the dialog states that some tap handler of the router
    (or of its sub-routers) requires, each handler one at least; None when a handler may take
    a tap without either, or the router's taps pass an outer middleware or a root filter of
    its own."""
    return _required(router, "callback_query", _callback_kind)


def message_keys(router: Router) -> Required | None:
    """The commands and states that some message handler of the router (or of its
    sub-routers) requires, each handler one at least; None when a handler may take a message
    without either, or the router's messages pass an outer middleware or a root filter."""
    return _required(router, "message", _commands)


def _required(
    router: Router, event: str, key_of: Callable[[Any], set[Any] | None]
) -> Required | None:
    observer = router.observers[event]
    if not isinstance(observer, TelegramEventObserver):
        return None
    if len(observer.outer_middleware) or observer._handler.filters:
        return None
    found = Required()
    for handler in observer.handlers:
        if not _first_requirement(handler, key_of, found):
            return None
    for sub in router.sub_routers:
        more = _required(sub, event, key_of)
        if more is None:
            return None
        found.keys |= more.keys
        found.states |= more.states
    return found


def _first_requirement(
    handler: HandlerObject, key_of: Callable[[Any], set[Any] | None], found: Required
) -> bool:
    """Add what the handler requires (its first filter that requires a key or a state);
    False when none does."""
    for one in handler.filters or []:
        # (`handlers.run_filters_inline` wraps the pure ones, keeping the original)
        callback = getattr(one.callback, "__wrapped__", one.callback)
        keys = key_of(callback)
        if keys is not None:
            found.keys |= keys
            return True
        states = _states(callback)
        if states is not None:
            found.states |= states
            return True
    return False


def _callback_kind(callback: Any) -> set[Any] | None:
    if not isinstance(callback, CallbackQueryFilter):
        return None
    data = callback.callback_data
    return {(data.__separator__, data.__prefix__)}


def _commands(callback: Any) -> set[str] | None:
    if not isinstance(callback, Command):
        return None
    names = callback.commands
    if not all(isinstance(name, str) for name in names):
        return None  # a pattern
    return {str(name).casefold() for name in names}


def _states(callback: Any) -> set[str | None] | None:
    if isinstance(callback, StateFilter):
        found: set[str | None] = set()
        for allowed in callback.states:
            one = _state_names(allowed)
            if one is None:
                return None
            found |= one
        return found
    return _state_names(callback)


def _state_names(allowed: Any) -> set[str | None] | None:
    if allowed is None or isinstance(allowed, str):
        return None if allowed == "*" else {allowed}
    if isinstance(allowed, State):
        return None if allowed.state == "*" else {allowed.state}
    if isinstance(allowed, StatesGroup):
        allowed = type(allowed)
    if isinstance(allowed, type) and issubclass(allowed, StatesGroup):
        return set(allowed.__all_states_names__)
    return None


def command_name(event: TelegramObject) -> str | None:
    """The command a message starts with as aiogram's `Command` reads it (casefolded, without
    its prefix and mention), or None when it has no text."""
    text = (event.text or event.caption) if isinstance(event, Message) else None
    if not text or not text.split(maxsplit=1):
        return None
    return text.split(maxsplit=1)[0][1:].partition("@")[0].casefold()


def may_take_message(keys: Required, event: TelegramObject, raw_state: str | None) -> bool:
    """Whether a message handler requiring one of `keys` could match this message."""
    if raw_state in keys.states:
        return True
    name = command_name(event)
    return name is not None and name in keys.keys


def may_take(taps: Required, event: TelegramObject, raw_state: str | None) -> bool:
    """Whether a tap handler requiring one of `taps` could match this tap."""
    if raw_state in taps.states:
        return True
    data = event.data if isinstance(event, CallbackQuery) else None
    if not data:
        return False  # (a callback data filter fails on a tap without data)
    return any(data.split(separator, 1)[0] == prefix for separator, prefix in taps.keys)


def skip_foreign_taps(routers: list[Router]) -> list[Router]:
    """Each router (and sub-router) with known kinds of taps passes the others over; with
    known commands and states, the other messages."""
    for top in routers:
        _skip_foreign(top)
    return routers


def silent_types(router: Router) -> frozenset[str]:
    """The kinds of event (update types, and "error") that nothing in the router or its
    sub-routers acts on: no handler, no outer middleware, no root filter."""
    return frozenset(
        name
        for name in router.observers
        if not any(_acts_on(one, name) for one in (router, *_descendants(router)))
    )


def _descendants(router: Router) -> list[Router]:
    found: list[Router] = []
    for sub in router.sub_routers:
        found += [sub, *_descendants(sub)]
    return found


def _acts_on(router: Router, name: str) -> bool:
    observer = router.observers[name]
    if not isinstance(observer, TelegramEventObserver):
        return True  # (not aiogram's Telegram observer: left to aiogram)
    return bool(observer.handlers or len(observer.outer_middleware) or observer._handler.filters)


def _skip_foreign(router: Router) -> None:
    kinds = callback_kinds(router)
    keys = message_keys(router)
    silent = silent_types(router)
    for sub in router.sub_routers:
        _skip_foreign(sub)
    if kinds is None and keys is None and not silent:
        return
    propagate: Callable[..., Awaitable[Any]] = router.propagate_event

    async def propagate_event(update_type: str, event: TelegramObject, **kwargs: Any) -> Any:
        if update_type in silent:
            # e.g. a refusal's error event, which only the last router answers: ~30 routers
            # passed over at once instead of each visited in turn
            return UNHANDLED
        if (
            update_type == "callback_query"
            and kinds is not None
            and not may_take(kinds, event, kwargs.get("raw_state"))
        ):
            return UNHANDLED
        if (
            update_type == "message"
            and keys is not None
            and not may_take_message(keys, event, kwargs.get("raw_state"))
        ):
            return UNHANDLED
        return await propagate(update_type=update_type, event=event, **kwargs)

    # (an attribute of this router: aiogram's parent calls `router.propagate_event(...)`)
    setattr(router, "propagate_event", propagate_event)  # noqa: B010


# --- middleware chains built once ---------------------------------------------------------------


def build_chains_once(router: Router) -> Router:
    """Every observer of the router and its sub-routers builds a handler's middleware chain
    once, not on every update.

    aiogram's `TelegramEventObserver.trigger` collects the inner middlewares of the router's
    chain (`_resolve_middlewares`) and wraps them around the handler (`wrap_middlewares`: a
    `functools.wraps`ed wrapper and a partial per middleware) for each update it handles, and
    `wrap_outer_middleware` wraps a router's outer middlewares, none for most, around each
    visit. The chain is the same every time while no middleware is registered, so it is kept
    per handler, rebuilt when the number of middlewares along the chain changes; a visit to a
    router without outer middlewares calls on directly, as the empty wrapping did. Call it
    once the routers are included (the chain of parents is known)."""
    for observer in router.observers.values():
        if isinstance(observer, TelegramEventObserver):
            _chains_once(observer)
    for sub in router.sub_routers:
        build_chains_once(sub)
    return router


def _chains_once(observer: TelegramEventObserver) -> None:
    managers = [
        found.middleware
        for router in observer.router.chain_head
        if (found := router.observers.get(observer.event_name)) is not None
    ]
    # handler's id → (the handler, the middleware counts it was built under, its chain)
    chains: dict[int, tuple[HandlerObject, tuple[int, ...], NextMiddlewareType[Any]]] = {}

    def chain(handler: HandlerObject) -> NextMiddlewareType[Any]:
        shape = tuple(len(manager) for manager in managers)
        kept = chains.get(id(handler))
        if kept is None or kept[0] is not handler or kept[1] != shape:
            built = observer.outer_middleware.wrap_middlewares(
                observer._resolve_middlewares(), handler.call
            )
            kept = chains[id(handler)] = (handler, shape, built)
        return kept[2]

    async def trigger(event: TelegramObject, **kwargs: Any) -> Any:
        # aiogram's own `trigger`, with the chain kept
        for handler in observer.handlers:
            kwargs["handler"] = handler
            result, data = await handler.check(event, **kwargs)
            if result:
                kwargs.update(data)
                try:
                    return await chain(handler)(event, kwargs)
                except SkipHandler:
                    continue
        return UNHANDLED

    outer = observer.outer_middleware
    wrap_outer = observer.wrap_outer_middleware

    def wrap_outer_middleware(
        callback: Callable[..., Any], event: TelegramObject, data: dict[str, Any]
    ) -> Any:
        if not len(outer):
            return callback(event, **data)
        return wrap_outer(callback, event, data)

    setattr(observer, "trigger", trigger)  # noqa: B010 - the instance's own, as above
    setattr(observer, "wrap_outer_middleware", wrap_outer_middleware)  # noqa: B010
