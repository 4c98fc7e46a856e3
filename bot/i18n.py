"""Gettext catalogues (locales/kk, locales/ru), the locale middleware, Babel dates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware

from bot.dates import (
    KK_CASES,
    KK_MONTHS,
    DateText,
    cite_marks,
    date_time,
    date_with_weekday,
    long_date,
    month_year,
    on_day,
    short_date,
    since,
    until,
    weekday,
)
from storage.domain.enums import Language
from storage.models import Person

# The dates live in bot.dates (pure); the handlers import them from here as well.
__all__ = [
    "KK_CASES",
    "KK_MONTHS",
    "DateText",
    "cite_marks",
    "date_time",
    "date_with_weekday",
    "long_date",
    "month_year",
    "on_day",
    "short_date",
    "since",
    "until",
    "weekday",
]

LOCALES_DIR = Path(__file__).resolve().parents[1] / "locales"
DOMAIN = "messages"
LANGUAGES: tuple[Language, ...] = (Language.KK, Language.RU)


def make_i18n(default_language: Language) -> I18n:
    return I18n(path=LOCALES_DIR, default_locale=default_language.value, domain=DOMAIN)


def telegram_language(code: str | None) -> Language | None:
    """kk or ru from Telegram's `language_code` (kk, kk-KZ, ru-RU …), else None."""
    base = (code or "").split("-")[0].lower()
    return Language(base) if base in {"kk", "ru"} else None


def translate(i18n: I18n, language: Language | str, message: str, **values: Any) -> str:
    """Translate outside a handler (jobs, CLI, bilingual notes) and fill in the values."""
    text = i18n.gettext(message, locale=str(language))
    return text.format(**values) if values else text


def both_languages(i18n: I18n, message: str, **values: Any) -> str:
    """Kazakh, then Russian: for people whose language is not known yet."""
    return "\n\n".join(translate(i18n, language, message, **values) for language in LANGUAGES)


ALERT_LIMIT = 200  # Telegram's limit for an answerCallbackQuery text


def alert_text(i18n: I18n, message: str, user: User | None, **values: Any) -> str:
    """For a button pressed by someone whose language is not known: both languages when they
    fit in an alert, else the language Telegram reports for them (else the default)."""
    text = both_languages(i18n, message, **values)
    if len(text) <= ALERT_LIMIT:
        return text
    language = telegram_language(user.language_code if user else None)
    return translate(i18n, language or Language(i18n.default_locale), message, **values)


class PersonI18nMiddleware(I18nMiddleware):
    """The bound person's stored language; otherwise Telegram's language; otherwise the default."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:  # noqa: ARG002
        person: Person | None = data.get("person")
        if person is not None:
            return person.language.value
        user = data.get("event_from_user")
        language = telegram_language(getattr(user, "language_code", None))
        return language.value if language else self.i18n.default_locale
