"""/lang and the language buttons; the choice persists and re-localises the command menu."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from handlers.callbacks import LangCallback
from handlers.keyboards import make_language_keyboard, make_main_menu_keyboard
from handlers.menu import main_menu_text, set_person_commands
from storage.models import Person
from storage.repo import Repos


async def cmd_lang(message: Message, person: Person) -> None:
    await message.answer(
        _("Please choose the language of your messages:"),
        reply_markup=make_language_keyboard(person.language),
    )


async def on_language(
    query: CallbackQuery,
    callback_data: LangCallback,
    bot: Bot,
    repos: Repos,
    i18n: I18n,
    person: Person,
) -> None:
    first_choice = not person.language_chosen
    await repos.staff.set_language(person, callback_data.language, actor=person.code)
    updated = await repos.staff.get(person.id)
    assert updated is not None
    with i18n.use_locale(callback_data.language.value):
        await query.answer(_("Language saved."))
        if query.message is not None:
            await bot.edit_message_text(
                text=_("Messages will now come in this language. To change it, use /lang."),
                chat_id=query.message.chat.id,
                message_id=query.message.message_id,
            )
            if first_choice:
                await bot.send_message(
                    query.message.chat.id,
                    main_menu_text(updated),
                    reply_markup=make_main_menu_keyboard(updated.roles),
                )
    await set_person_commands(bot, i18n, updated, callback_data.language)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_lang, Command("lang"))
    router.callback_query.register(on_language, LangCallback.filter())
    return router
