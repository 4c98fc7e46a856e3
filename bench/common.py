"""Helpers shared by the benchmarks: output, a generated staff directory, settings, memory."""

from __future__ import annotations

import argparse
import asyncio
import logging
import resource
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import aiosqlite

from bot.config import Settings
from storage.domain.enums import Language
from tests.fake_api import DEFAULT_TOKEN

PROFILE_NOTE = "profile ust-kamenogorsk-2025 (deadline notice 3 working days before)"


def out(line: str = "") -> None:
    """Print a line (the project's lint forbids print())."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def table(rows: list[tuple[str, str]]) -> None:
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        out(f"  {name.ljust(width)}  {value}")


def department_name(index: int) -> str:
    return f"Бөлім {index:03d}"


def staff_csv(departments: int, deputies: int = 4, controllers: int = 2) -> str:
    """A directory: an akim, a head of apparatus, deputies curating the departments in turn,
    controllers, and per department a head and an executor."""
    lines = ["code,full_name,position,department,roles,language,curates"]
    lines.append("akim,Аким Бенчмарк,Аким города,,akim,kk,")
    lines.append("hoa,Руководитель Аппарата,Руководитель аппарата,,head_of_apparatus,ru,")
    for deputy in range(deputies):
        curated = ";".join(
            department_name(d) for d in range(departments) if d % deputies == deputy
        )
        lines.append(f"dep{deputy},Орынбасар {deputy},Заместитель акима,,deputy_akim,kk,{curated}")
    lines.extend(
        f"ctrl{index},Бақылаушы {index},Главный специалист,Отдел контроля,controller,ru,"
        for index in range(controllers)
    )
    for d in range(departments):
        language = "kk" if d % 2 else "ru"
        name = department_name(d)
        lines.append(f"head{d:03d},Басшы {d:03d},Руководитель,{name},head,{language},")
        lines.append(f"exec{d:03d},Маман {d:03d},Главный специалист,{name},executor,{language},")
    return "\n".join(lines) + "\n"


async def add_chat_people(
    conn: aiosqlite.Connection, count: int, code_prefix: str, first_chat: int, stamp: str
) -> list[tuple[int, int]]:
    """`count` people bound to chats of their own (first_chat + index), languages alternating;
    their (id, chat id) by chat, read on the same connection."""
    await conn.executemany(
        "INSERT INTO people (code, full_name, position, language, telegram_id, bound_at,"
        " language_chosen, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
        [
            (
                f"{code_prefix}{index:05d}",
                f"Алушы {index:05d}",
                "Маман",
                "kk" if index % 2 else "ru",
                first_chat + index,
                stamp,
                stamp,
                stamp,
            )
            for index in range(count)
        ],
    )
    async with conn.execute(
        "SELECT id, telegram_id FROM people WHERE code LIKE ? ORDER BY telegram_id",
        (f"{code_prefix}%",),
    ) as cursor:
        return [(row[0], row[1]) for row in await cursor.fetchall()]


def report_check(good: bool) -> bool:
    """Print the verdict line of a delivery benchmark; `good` again."""
    out()
    out("  check: " + ("none lost, none duplicated" if good else "LOST OR DUPLICATED messages"))
    return good


def make_settings(database_path: Path, **overrides: Any) -> Settings:
    return Settings(
        _env_file=None,
        bot_token=overrides.pop("bot_token", "42:BENCH"),
        bot_username="baqylau_bench_bot",
        database_path=database_path,
        default_language=Language.KK,
        **overrides,
    )


def default_send_rate() -> float:
    """SEND_RATE when the environment does not set it (the setting's default)."""
    return float(Settings.model_fields["send_rate"].default)


def fake_api_settings(
    database_path: Path, base_url: str, send_rate: float | None = None
) -> Settings:
    """Settings for a bot that talks to the fake Bot API at `base_url` (SEND_RATE if given)."""
    overrides: dict[str, Any] = {"bot_token": DEFAULT_TOKEN, "bot_api_url": base_url}
    if send_rate is not None:
        overrides["send_rate"] = send_rate
    return make_settings(database_path, **overrides)


def add_rate_arguments(parser: argparse.ArgumentParser, send_rate_note: str = "") -> None:
    """--limit (the fake API's flood limit) and --send-rate (SEND_RATE, the setting's default
    when not given)."""
    parser.add_argument("--limit", type=float, default=30.0, help="fake API limit, sends/s")
    parser.add_argument(
        "--send-rate",
        type=float,
        default=None,
        help=f"SEND_RATE (default: the setting's, {default_send_rate():g}{send_rate_note})",
    )


def run_bench(
    run: Callable[[argparse.Namespace], Coroutine[Any, Any, bool]], args: argparse.Namespace
) -> None:
    """Run the benchmark with warnings logged; exit status 1 when its check failed."""
    logging.basicConfig(level=logging.WARNING)
    if not asyncio.run(run(args)):
        raise SystemExit(1)


def rss_now_mib() -> float:
    """The process's resident set size now (Linux /proc), in MiB; 0 when unknown."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def rss_peak_mib() -> float:
    """The process's peak resident set size so far (getrusage; kilobytes on Linux), in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def mib(size: float) -> str:
    return f"{size / 1024 / 1024:.1f} MiB"
