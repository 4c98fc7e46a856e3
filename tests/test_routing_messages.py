"""A message skips the routers with no handler for its command or dialog state
(`handlers.routing`), and is answered by the same handler as before."""

from __future__ import annotations

from collections.abc import Iterator

from aiogram import Dispatcher, F, Router
from aiogram.dispatcher.event.handler import FilterObject, HandlerObject
from aiogram.filters import Command, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message

from handlers import get_routers
from handlers.routing import (
    command_name,
    may_take_message,
    message_keys,
    skip_foreign_taps,
)
from tests.fakes import RecordingBot, make_message
from tests.helpers import noting_filters


class Asking(StatesGroup):
    one = State()
    two = State()


class Other(StatesGroup):
    three = State()


def test_the_keys_of_a_router_are_its_handlers_commands_and_states() -> None:
    known, text, nested, any_state = Router(), Router(), Router(), Router()
    known.message.register(lambda m: None, Command("My", "help", ignore_case=True))
    known.message.register(lambda m: None, F.text, Asking.one)
    known.message.register(lambda m: None, StateFilter(Other, None))
    text.message.register(lambda m: None, F.text == "Menu")
    any_state.message.register(lambda m: None, StateFilter("*"))
    nested.include_router(known)
    keys = message_keys(nested)
    assert keys is not None
    assert keys.keys == {"my", "help"}
    assert keys.states == {"Asking:one", "Other:three", None}
    assert message_keys(text) is None
    assert message_keys(any_state) is None
    nested.include_router(text)
    assert message_keys(nested) is None


def _message(text: str) -> Message:
    message = make_message(text).message
    assert message is not None
    return message


def test_the_command_of_a_message_as_aiogram_reads_it() -> None:
    assert command_name(_message("/My@Bot args")) == "my"
    assert command_name(_message("/help")) == "help"
    assert command_name(_message("plain words")) == "lain"  # no command of ours
    assert command_name(_message("   ")) is None


async def _answers(skip: bool) -> tuple[list[str], list[str]]:
    seen: list[str] = []
    tried: list[str] = []
    commands, dialog, texts = Router(name="commands"), Router(name="dialog"), Router(name="texts")

    watch = noting_filters(tried)

    @commands.message(watch("commands"), Command("my"))
    async def on_my(message: Message) -> None:
        seen.append("my")

    @commands.message(watch("commands"), CommandStart())
    async def on_start(message: Message, state: FSMContext) -> None:
        await state.set_state(Asking.one)
        seen.append("start")

    @dialog.message(watch("dialog"), Asking.one, F.text)
    async def on_answer(message: Message, state: FSMContext) -> None:
        await state.clear()
        seen.append(f"answer {message.text}")

    @texts.message(watch("texts"), F.text == "menu")
    async def on_menu(message: Message) -> None:
        seen.append("menu")

    routers = [dialog, texts, commands]
    dp = Dispatcher()
    dp.include_routers(*(skip_foreign_taps(routers) if skip else routers))
    bot = RecordingBot()
    for text in ("/my", "menu", "/start", "words", "words", "/none", "/MY"):
        tried.append(text)
        await dp.feed_update(bot, make_message(text))
    return seen, tried


async def test_a_message_reaches_the_same_handler_and_skips_the_others() -> None:
    seen, tried = await _answers(skip=True)
    assert seen == (await _answers(skip=False))[0]
    assert seen == ["my", "menu", "start", "answer words"]
    assert tried == [
        *("/my", "texts", "commands"),  # the dialog passed over, the text tried
        *("menu", "texts"),
        *("/start", "texts", "commands", "commands"),
        *("words", "dialog"),  # in the dialog
        *("words", "texts"),  # out of it: nobody's, as before
        *("/none", "texts"),
        *("/MY", "texts", "commands", "commands"),  # tried, refused by its filter as before
    ]


# --- every handler of the bot -----------------------------------------------------------------


def _walk(
    router: Router, path: tuple[Router, ...] = ()
) -> Iterator[tuple[tuple[Router, ...], HandlerObject]]:
    path = (*path, router)
    for handler in router.message.handlers:
        yield path, handler
    for sub in router.sub_routers:
        yield from _walk(sub, path)


def _keyed(handler: HandlerObject) -> list[FilterObject]:
    """The handler's command and state filters (the originals, not the inline wrappers)."""
    found = []
    for one in handler.filters or []:
        callback = getattr(one.callback, "__wrapped__", one.callback)
        if isinstance(callback, Command | StateFilter | State | StatesGroup):
            found.append(FilterObject(callback=callback))
    return found


async def test_no_handler_of_the_bot_is_ever_skipped() -> None:
    """For every command and state the bot's filters name (and others), each handler whose
    command and state filters accept the message has no router on its way that skips it."""
    routers = get_routers()
    walked = [one for top in routers for one in _walk(top)]
    commands: set[str] = {"unknown"}
    states: set[str | None] = {None, "Nobody:nothing"}
    for _, handler in walked:
        for one in _keyed(handler):
            if isinstance(one.callback, Command):
                commands |= {str(c) for c in one.callback.commands}
            elif isinstance(one.callback, State):
                states.add(one.callback.state)
            elif isinstance(one.callback, StateFilter):
                for allowed in one.callback.states:
                    if isinstance(allowed, State):
                        states.add(allowed.state)
                    elif isinstance(allowed, type) and issubclass(allowed, StatesGroup):
                        states |= set(allowed.__all_states_names__)
                    elif allowed is None or isinstance(allowed, str):
                        states.add(allowed)
    assert len(commands) > 10 and len(states) > 30
    texts = [f"/{c}" for c in sorted(commands)] + [f"/{c.upper()} x" for c in sorted(commands)]
    texts += ["words", "📋 My", "/"]
    messages = [_message(text) for text in texts]
    bot = RecordingBot()
    ways = [
        (_keyed(handler), [k for k in map(message_keys, path) if k is not None], handler)
        for path, handler in walked
    ]

    async def accepts(filters: list[FilterObject], message: Message, state: str | None) -> bool:
        return all([await f.call(message, bot=bot, raw_state=state) for f in filters])

    checked = skipped = 0
    for filters, keys, handler in ways:
        # a command filter reads only the message, a state filter only the state
        commands_ = [f for f in filters if isinstance(f.callback, Command)]
        states_ = [f for f in filters if not isinstance(f.callback, Command)]
        by_message = [await accepts(commands_, message, None) for message in messages]
        by_state = {state: await accepts(states_, messages[0], state) for state in states}
        for message, command_accepts in zip(messages, by_message, strict=True):
            for raw_state in states:
                taken = all(may_take_message(k, message, raw_state) for k in keys)
                if command_accepts and by_state[raw_state]:
                    checked += 1
                    assert taken, (message.text, raw_state, handler.callback)
                elif not taken:
                    skipped += 1
    assert checked and skipped
