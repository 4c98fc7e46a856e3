"""Settings from the environment and `.env` (names fixed by PRODUCT.md)."""

from __future__ import annotations

import json
from datetime import time
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from storage.domain.enums import Language

TELEGRAM_API_URL = "https://api.telegram.org"


class Settings(BaseSettings):
    """Everything a deployment may set; only `BOT_TOKEN` is required, to talk to Telegram."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    bot_token: SecretStr | None = None
    bot_api_url: str = TELEGRAM_API_URL
    bot_username: str | None = None
    database_path: Path = Path("data/baqylau.sqlite3")
    timezone: str = "Asia/Almaty"
    regulation_profile: str = "ust-kamenogorsk-2025"
    regulation_overrides: dict[str, Any] = Field(default_factory=dict)
    default_language: Language = Language.KK
    invite_ttl_days: int = Field(default=7, ge=1, le=365)
    send_rate: float = Field(default=28.0, gt=0, le=29)
    updates_at_once: int = Field(default=16, ge=1, le=1000)
    sweep_times: Annotated[list[time], NoDecode] = Field(
        default_factory=lambda: [time(9, 0), time(15, 0)]
    )

    @field_validator("sweep_times", mode="before")
    @classmethod
    def _times(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return [
                    time.fromisoformat(part.strip()) for part in value.split(",") if part.strip()
                ]
            except ValueError as exc:
                raise ValueError(
                    "must be local times HH:MM separated by commas, e.g. 09:00,15:00"
                ) from exc
        return value

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        head, _, tail = value.get_secret_value().strip().partition(":")
        if not head.isdigit() or not tail:
            raise ValueError("a bot token looks like 123456789:ABC-DEF… (from @BotFather)")
        return value

    @field_validator("bot_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("not a known time zone name, e.g. Asia/Almaty") from exc
        return value

    @field_validator("regulation_overrides", mode="before")
    @classmethod
    def _overrides(cls, value: object) -> object:
        if isinstance(value, str):
            if not value.strip():
                return {}
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError('must be a JSON object, e.g. {"deadline_notice": "5wd"}') from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def token(self) -> str:
        """The bot token, or `SettingsError` explaining how to set it."""
        if self.bot_token is None:
            raise SettingsError(
                "BOT_TOKEN is not set: put BOT_TOKEN=<token from @BotFather> "
                "in the environment or in a .env file next to where you run the bot."
            )
        return self.bot_token.get_secret_value().strip()


class SettingsError(Exception):
    """A setting is missing or wrong; the message is one line naming it and the fix."""


def describe_validation_error(exc: ValidationError) -> str:
    """One line per bad setting, named as in the environment."""
    lines = []
    for error in exc.errors():
        name = str(error["loc"][0]).upper() if error["loc"] else "settings"
        message = str(error["msg"]).removeprefix("Value error, ")
        shown = "" if name == "BOT_TOKEN" else f" (got {error.get('input')!r})"
        lines.append(f"{name}: {message}{shown}; fix it in the environment or .env")
    return "\n".join(lines)


def load_settings(**overrides: Any) -> Settings:
    """Read settings; a bad value becomes `SettingsError` with a readable message."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(describe_validation_error(exc)) from None
