"""aiogram's objects bound to their bot in one step instead of four.

Every aiogram object (an update, a message, a user, a button, a method) keeps the bot it came
from in a private attribute `_bot`, set after validation by `BotContextController`'s
`model_post_init`. pydantic wraps that hook once more at each level of the class tree that
inherits a private attribute (`BotContextController`, `TelegramObject`, the type itself), and
each wrapper calls its `init_private_attributes` again before the next: a tap's update (the
update, the query, the person, the message with its chat and its keyboard's buttons: ~20
objects) paid ~90 µs for it, each answer to a sent message ~70 µs, each method built ~5 µs.

`install()` gives every such class one hook that does what the chain ends with: the object's
private attributes are `{"_bot": <the bot of the validation context, or None>}`. It is applied
only to classes whose only private attribute is `_bot` (all of aiogram's); a class made later
inherits the hook (pydantic wraps it once, the same result). `tests/test_telegram_objects.py`
checks the result against aiogram's own hook for every class.
"""

from __future__ import annotations

from typing import Any

from aiogram.client.context_controller import BotContextController

_PRIVATE = frozenset({"_bot"})
_installed = False


def bind_bot(self: BotContextController, context: Any, /) -> None:
    """The object's private attributes, as the wrapped chain leaves them."""
    object.__setattr__(
        self, "__pydantic_private__", {"_bot": context.get("bot") if context else None}
    )


def _classes(root: type) -> list[type]:
    found: list[type] = []
    todo: list[type] = [root]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def install() -> None:
    """Once per process (later calls do nothing): the one-step hook on every aiogram class
    that holds only `_bot`."""
    global _installed  # noqa: PLW0603 - once per process
    if _installed:
        return
    for cls in _classes(BotContextController):
        private = getattr(cls, "__private_attributes__", None)
        if private is not None and set(private) == _PRIVATE:
            setattr(cls, "model_post_init", bind_bot)  # noqa: B010 - on every class
    _installed = True
