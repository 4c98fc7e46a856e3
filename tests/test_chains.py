"""Middleware chains built once per handler (`handlers.routing.build_chains_once`): the same
middlewares run in the same order as with aiogram's own trigger, a middleware registered later
is still applied, SkipHandler still passes on, and the bot's dispatcher is built this way."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command
from aiogram.types import Message, TelegramObject

from handlers.routing import build_chains_once
from tests.fake_api.wire import DEFAULT_TOKEN
from tests.fakes import make_message

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def recorder(seen: list[str], name: str) -> Callable[..., Awaitable[Any]]:
    async def middleware(handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        seen.append(name)
        data[name] = True
        return await handler(event, data)

    return middleware


def dispatcher(seen: list[str], *, chains_once: bool) -> Dispatcher:
    dp = Dispatcher()
    dp.message.middleware(recorder(seen, "inner_root"))
    outer = Router()
    outer.message.outer_middleware(recorder(seen, "outer_router"))
    inner = Router()
    inner.message.middleware(recorder(seen, "inner_router"))

    @inner.message(Command("skip"))
    async def skipping(message: Message) -> None:
        seen.append("skipping")
        raise SkipHandler

    @inner.message(Command("skip", "go"))
    async def going(message: Message, **data: Any) -> str:
        seen.append(
            "going:" + ",".join(sorted(k for k in data if k.startswith(("inner", "outer"))))
        )
        return "done"

    outer.include_router(inner)
    dp.include_router(outer)
    if chains_once:
        build_chains_once(dp)
    return dp


async def feed(dp: Dispatcher, text: str) -> Any:
    return await dp.feed_update(Bot(DEFAULT_TOKEN), make_message(text))


async def test_the_same_middlewares_run_as_with_aiograms_trigger() -> None:
    runs: dict[bool, list[str]] = {}
    for chains_once in (False, True):
        seen: list[str] = []
        dp = dispatcher(seen, chains_once=chains_once)
        for text in ("/go", "/skip", "/go", "hello"):
            answer = await feed(dp, text)  # (the middlewares append to `seen` meanwhile)
            seen.append(f"-> {text}: {answer}")
        runs[chains_once] = seen
    assert runs[True] == runs[False]
    assert runs[True][:6] == [
        "outer_router",
        "inner_root",
        "inner_router",
        "going:inner_root,inner_router,outer_router",
        "-> /go: done",
        "outer_router",
    ]
    assert "skipping" in runs[True]


async def test_a_middleware_registered_later_is_still_applied() -> None:
    seen: list[str] = []
    dp = dispatcher(seen, chains_once=True)
    await feed(dp, "/go")
    dp.message.middleware(recorder(seen, "inner_late"))
    seen.clear()
    await feed(dp, "/go")
    assert seen == [
        "outer_router",
        "inner_root",
        "inner_late",
        "inner_router",
        "going:inner_late,inner_root,inner_router,outer_router",
    ]


def test_the_bots_dispatcher_builds_its_chains_once(dp: Dispatcher) -> None:
    for router in dp.chain_tail:
        for observer in (router.message, router.callback_query):
            assert observer.trigger.__qualname__.startswith("_chains_once")
