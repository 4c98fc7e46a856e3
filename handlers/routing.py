"""A tap goes only through the routers that have a handler for its kind of button.

aiogram offers every update to the routers in order: each one wraps its middlewares, checks
its root filters and tries its handlers' filters one by one (each a coroutine), and then
passes the update to the next, ~20 routers for a tap the last ones answer. A button's
handlers all require a kind of callback data (`XCallback.filter()`, which fails unless the
data starts with that kind's prefix), so a router whose every tap handler requires one of a
known set of prefixes can be passed over at once for a tap with another prefix: none of its
handlers could match, and it has no outer middleware or root filter of its own that would
have run. The answer is the same, only found sooner. Routers with a tap handler that takes
any data (a dialog state alone, `F.data == …`) are always tried, as before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.types import CallbackQuery, TelegramObject

# (separator, prefix) pairs of the callback data a router's tap handlers accept
Kinds = frozenset[tuple[str, str]]


def callback_kinds(router: Router) -> Kinds | None:
    """The kinds of callback data that some tap handler of the router (or of its sub-routers)
    requires, each handler one at least; None when a handler takes any data, or the router's
    taps pass an outer middleware or a root filter of its own."""
    observer = router.callback_query
    if len(observer.outer_middleware) or observer._handler.filters:
        return None
    found: set[tuple[str, str]] = set()
    for handler in observer.handlers:
        required = [
            one.callback.callback_data
            for one in handler.filters or []
            if isinstance(one.callback, CallbackQueryFilter)
        ]
        if not required:
            return None
        found.add((required[0].__separator__, required[0].__prefix__))
    for sub in router.sub_routers:
        kinds = callback_kinds(sub)
        if kinds is None:
            return None
        found |= kinds
    return frozenset(found)


def may_take(kinds: Kinds, event: TelegramObject) -> bool:
    """Whether a tap handler requiring one of `kinds` could match this tap."""
    data = event.data if isinstance(event, CallbackQuery) else None
    if not data:
        return False  # (a callback data filter fails on a tap without data)
    return any(data.split(separator, 1)[0] == prefix for separator, prefix in kinds)


def skip_foreign_taps(routers: list[Router]) -> list[Router]:
    """Each router (and sub-router) with known kinds of taps passes the others over."""
    for top in routers:
        _skip_foreign(top)
    return routers


def _skip_foreign(router: Router) -> None:
    kinds = callback_kinds(router)
    for sub in router.sub_routers:
        _skip_foreign(sub)
    if kinds is None:
        return
    propagate: Callable[..., Awaitable[Any]] = router.propagate_event

    async def propagate_event(update_type: str, event: TelegramObject, **kwargs: Any) -> Any:
        if update_type == "callback_query" and not may_take(kinds, event):
            return UNHANDLED
        return await propagate(update_type=update_type, event=event, **kwargs)

    # (an attribute of this router: aiogram's parent calls `router.propagate_event(...)`)
    setattr(router, "propagate_event", propagate_event)  # noqa: B010
