"""The main menu, /help, localised command menus — shared by the start and language handlers."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.access import ROLE_TITLES, base_commands, commands_for
from bot.i18n import LANGUAGES, translate
from handlers.replies import reader_language
from storage.domain.enums import Language
from storage.models import Person

log = logging.getLogger(__name__)


def who_line(person: Person) -> str:
    """«Name — roles, department»; a role named as a department («организационный отдел») is
    left out when it is the person's own department, named right after it."""
    department = person.department_in(reader_language())
    titles = [_(ROLE_TITLES[role]) for role in sorted(person.roles)]
    shown = [t for t in titles if t.casefold() != (department or "").casefold()]
    if department and not shown:  # their one role is their department: named once
        return _("{name} — {roles}").format(name=person.full_name, roles=department)
    roles = ", ".join(shown)
    if department:
        return _("{name} — {roles}, {department}").format(
            name=person.full_name, roles=roles, department=department
        )
    return _("{name} — {roles}").format(name=person.full_name, roles=roles)


def main_menu_text(person: Person) -> str:
    return _("Main menu\n{who}\n\nChoose an action or type a command; /help lists them.").format(
        who=who_line(person)
    )


def help_text(person: Person) -> str:
    lines = [_("What you can do here, {name}:").format(name=person.full_name), ""]
    lines += [f"/{spec.command} — {_(spec.description)}" for spec in commands_for(person.roles)]
    lines += [
        "",
        _("Dates are typed as dd.mm.yyyy. Buttons stay valid only while the matter is open."),
    ]
    return "\n".join(lines)


async def set_default_commands(bot: Bot, i18n: I18n) -> None:
    """The menu everybody sees, in Kazakh and Russian (and the default language for others)."""
    for language in LANGUAGES:
        await bot.set_my_commands(
            [
                BotCommand(
                    command=spec.command, description=translate(i18n, language, spec.description)
                )
                for spec in base_commands()
            ],
            scope=BotCommandScopeDefault(),
            language_code=language.value,
        )
    await bot.set_my_commands(
        [
            BotCommand(
                command=spec.command,
                description=translate(i18n, i18n.default_locale, spec.description),
            )
            for spec in base_commands()
        ],
        scope=BotCommandScopeDefault(),
    )


async def set_person_commands(bot: Bot, i18n: I18n, person: Person, language: Language) -> None:
    """This person's commands, by role, in their language (a failure is logged, not fatal)."""
    if person.telegram_id is None:
        return
    try:
        await bot.set_my_commands(
            [
                BotCommand(
                    command=spec.command, description=translate(i18n, language, spec.description)
                )
                for spec in commands_for(person.roles)
            ],
            scope=BotCommandScopeChat(chat_id=person.telegram_id),
        )
    except TelegramAPIError as exc:
        log.warning("could not set commands for %s: %s", person.code, exc)
