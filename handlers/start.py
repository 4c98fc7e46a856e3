"""/start with an invitation token (binding), /start, /help and the main menu buttons."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.config import Settings
from bot.i18n import LANGUAGES, both_languages, telegram_language, translate
from bot.i18n_marks import N_
from bot.middlewares import NOT_INVITED, administrator_line
from bot.staff import invites
from handlers.callbacks import MenuAction, MenuCallback
from handlers.keyboards import make_language_keyboard, make_main_menu_keyboard
from handlers.menu import help_text, main_menu_text, set_person_commands
from handlers.staff.outbox import waiting_parts
from storage.domain.enums import Language
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
    Redemption.VOIDED: N_(
        "This invitation link was replaced by a newer one and no longer works. "
        "Ask the administrator for your current link."
    ),
    Redemption.REMOVED: N_(
        "This invitation is for a person who is no longer in the akimat's staff directory. "
        "If this is a mistake, ask the administrator."
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
    outcome, person_id, held_until = await invites.join(
        repos, command.args or "", message.from_user.id
    )
    if outcome is not Redemption.BOUND:
        await message.answer(await refusal_text(i18n, repos, REFUSALS[outcome], person))
        return
    assert person_id is not None
    bound = await repos.staff.get(person_id)
    assert bound is not None
    # The directory's language when it gave one; else Telegram's when it is kk or ru, else
    # DEFAULT_LANGUAGE; saved now, so that scheduled messages use it before any tap.
    language = first_language(bound, message.from_user.language_code, settings)
    if language != bound.language:
        await repos.staff.set_language(bound, language, actor=bound.code, chosen=False)
    # what waited for them is held until this welcome has gone (then the sender is woken)
    waiting = await repos.outbox.waiting(bound.id)
    with i18n.use_locale(language.value):
        greeting = _("Welcome, {name}!").format(name=bound.full_name)
        if position := bound.position_in(language.value):
            greeting += "\n" + _("You are connected to Baqylau as {position}.").format(
                position=position
            )
        if waiting:
            greeting += "\n\n" + waiting_note(waiting)
        await message.answer(
            greeting + "\n\n" + _("Please choose the language of your messages:"),
            reply_markup=make_language_keyboard(language),
        )
    await repos.outbox.released(bound.id, held_until)
    await set_person_commands(bot, i18n, bound, language)


def first_language(person: Person, telegram_code: str | None, settings: Settings) -> Language:
    """The language of a person's first screen: the directory's, when the staff CSV gave one."""
    if person.language_given:
        return person.language
    return telegram_language(telegram_code) or settings.default_language


async def refusal_text(i18n: I18n, repos: Repos, refusal: str, person: Person | None) -> str:
    """Why a link does not work, and whom to ask (the administrator, by name when there is
    one): in the person's language, or in both for someone not known yet."""
    languages = [person.language] if person else list(LANGUAGES)
    parts = []
    for language in languages:
        text = translate(i18n, language, refusal)
        admins = await administrator_line(i18n, repos, language)
        parts.append(f"{text}\n{admins}" if admins else text)
    return "\n\n".join(parts)


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
    router.callback_query.register(on_menu_help, MenuCallback.filter(F.action == MenuAction.HELP))
    router.callback_query.register(
        on_menu_language, MenuCallback.filter(F.action == MenuAction.LANG)
    )
    return router
