"""/start with an invitation token (binding), /start, /help and the main menu buttons."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.config import Settings
from bot.i18n import both_languages, telegram_language
from bot.i18n_marks import N_
from bot.middlewares import NOT_INVITED
from handlers.callbacks import MenuCallback
from handlers.keyboards import make_language_keyboard, make_main_menu_keyboard
from handlers.menu import help_text, main_menu_text, set_person_commands
from handlers.staff.outbox import waiting_parts
from storage.invitations import Redemption
from storage.models import Person
from storage.repo import Repos

REFUSALS = {
    Redemption.UNKNOWN: N_(
        "This invitation link is not valid. Check that it was copied whole, "
        "or ask the administrator for a new one."
    ),
    Redemption.USED: N_(
        "This invitation link has already been used. If you changed your phone or account, "
        "ask the administrator for a new link."
    ),
    Redemption.EXPIRED: N_(
        "This invitation link has expired. Ask the administrator for a new one."
    ),
    Redemption.TAKEN: N_(
        "This Telegram account is already linked to another staff member. "
        "Ask the administrator to check the invitation."
    ),
}


async def cmd_start_token(
    message: Message,
    command: CommandObject,
    bot: Bot,
    repos: Repos,
    i18n: I18n,
    settings: Settings,
    person: Person | None,
) -> None:
    assert message.from_user is not None
    outcome, person_id = await repos.invitations.redeem(command.args or "", message.from_user.id)
    if outcome is not Redemption.BOUND:
        refusal = REFUSALS[outcome]
        await message.answer(_(refusal) if person else both_languages(i18n, refusal))
        return
    assert person_id is not None
    bound = await repos.staff.get(person_id)
    assert bound is not None
    # Preselected from Telegram's language when it is kk or ru, else DEFAULT_LANGUAGE;
    # saved now, so that scheduled messages use it even before the person taps a button.
    language = telegram_language(message.from_user.language_code) or settings.default_language
    if language != bound.language:
        await repos.staff.set_language(bound, language, actor=bound.code, chosen=False)
    # what waited for them goes out now, after this welcome (the sender is woken at the end)
    waiting = await repos.outbox.waiting(bound.id)
    await repos.outbox.released(bound.id)
    with i18n.use_locale(language.value):
        greeting = _("Welcome, {name}!").format(name=bound.full_name)
        if bound.position:
            greeting += "\n" + _("You are connected to Baqylau as {position}.").format(
                position=bound.position
            )
        if waiting:
            greeting += "\n\n" + waiting_note(waiting)
        await message.answer(
            greeting + "\n\n" + _("Please choose the language of your messages:"),
            reply_markup=make_language_keyboard(language),
        )
    await set_person_commands(bot, i18n, bound, language)


def waiting_note(by_kind: dict[str, int]) -> str:
    """What waited for a person who has just joined, in the current locale."""
    total, parts = waiting_parts(by_kind)
    what = ", ".join(parts or [total])
    return _("Waiting for you: {what}. They follow this message.").format(what=what)


async def cmd_start(message: Message, i18n: I18n, person: Person | None) -> None:
    if person is None:
        await message.answer(both_languages(i18n, NOT_INVITED))
        return
    if not person.language_chosen:
        await message.answer(
            _("Please choose the language of your messages:"),
            reply_markup=make_language_keyboard(person.language),
        )
        return
    await message.answer(
        main_menu_text(person), reply_markup=make_main_menu_keyboard(person.roles)
    )


async def cmd_help(message: Message, person: Person) -> None:
    await message.answer(help_text(person))


async def on_menu_help(query: CallbackQuery, person: Person) -> None:
    await query.answer()
    if query.message is not None:
        await query.message.answer(help_text(person))


async def on_menu_language(query: CallbackQuery, person: Person) -> None:
    await query.answer()
    if query.message is not None:
        await query.message.answer(
            _("Please choose the language of your messages:"),
            reply_markup=make_language_keyboard(person.language),
        )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_start_token, CommandStart(deep_link=True))
    router.message.register(cmd_start, CommandStart())
    router.message.register(cmd_help, Command("help"))
    router.callback_query.register(on_menu_help, MenuCallback.filter(F.action == "help"))
    router.callback_query.register(on_menu_language, MenuCallback.filter(F.action == "lang"))
    return router
