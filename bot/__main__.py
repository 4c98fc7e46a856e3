"""`python -m bot [run | staff … | calendar … | profile]` — see README.md."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from bot import cli
from bot.config import Settings, SettingsError, load_settings
from bot.profiles import ProfileError, describe, load_profile
from storage.db import DatabaseError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Baqylau: execution control for an akimat in Telegram."
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="long polling, with the scheduler inside (the default)")
    sweep = sub.add_parser("sweep", help="run every due scheduled action once, send, and exit")
    sweep.add_argument("--at", help="as of this local moment, YYYY-MM-DDTHH:MM (default: now)")

    staff = sub.add_parser("staff", help="the staff directory").add_subparsers(
        dest="action", required=True
    )
    staff_import = staff.add_parser("import", help="create or update staff from a CSV file")
    staff_import.add_argument("file", type=Path)
    staff_import.add_argument(
        "--sync", action="store_true", help="also remove everyone missing from the file"
    )
    staff.add_parser("invites", help="print invitation links for everyone not yet joined")
    invite = staff.add_parser("invite", help="these people's current invitation links")
    invite.add_argument("codes", nargs="+")
    invite.add_argument(
        "--new", action="store_true", help="new links (a changed phone): the old ones stop working"
    )
    remove = staff.add_parser("remove", help="remove people who left: their access ends")
    remove.add_argument("codes", nargs="+")
    staff.add_parser("list", help="everyone in the directory")
    acting = staff.add_parser("acting", help="SUBSTITUTE acts for ABSENT from FROM to TO")
    acting.add_argument("absent")
    acting.add_argument("substitute")
    acting.add_argument("starts", metavar="FROM")
    acting.add_argument("ends", metavar="TO")

    calendar = sub.add_parser("calendar", help="working-day calendar overrides").add_subparsers(
        dest="action", required=True
    )
    show = calendar.add_parser("show", help="days off on weekdays, working weekends, overrides")
    show.add_argument("year", type=int)
    set_day = calendar.add_parser("set", help="make a day a working day or a day off")
    set_day.add_argument("day")
    set_day.add_argument("kind", choices=["working", "off"])
    set_day.add_argument("reason", help="the decree or act, e.g. 'Постановление № 123'")
    set_day.add_argument("--author", default="")
    unset = calendar.add_parser("unset", help="remove an override")
    unset.add_argument("day")
    unset.add_argument("--author", default="")

    assignments = sub.add_parser("assignments", help="assignments on control").add_subparsers(
        dest="action", required=True
    )
    assignments_import = assignments.add_parser(
        "import", help="register assignments in bulk from a CSV file (an EDMS export)"
    )
    assignments_import.add_argument("file", type=Path)

    backup = sub.add_parser(
        "backup", help="a consistent copy of the database while the bot runs (then checked)"
    )
    backup.add_argument("file", type=Path, help="the copy to write (must not exist)")
    backup.add_argument(
        "--check", action="store_true", help="only check an existing copy FILE, write nothing"
    )

    sub.add_parser("profile", help="print the regulation profile in force, with citations")

    report = sub.add_parser(
        "report", help="the execution-discipline report of a period: summary, chart, XLSX"
    )
    report.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
    report.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD")
    report.add_argument("--xlsx", type=Path, help="write the workbook here")
    report.add_argument("--png", type=Path, help="write the chart here")
    report.add_argument(
        "--lang", choices=["kk", "ru"], default=None, help="default: DEFAULT_LANGUAGE"
    )
    return parser


def check_profile(settings: Settings) -> None:
    load_profile(settings.regulation_profile, settings.regulation_overrides)


def dispatch_staff(args: argparse.Namespace, settings: Settings) -> Coroutine[Any, Any, None]:
    match args.action:
        case "import":
            return cli.staff_import(settings, args.file, sync=args.sync)
        case "invites":
            return cli.staff_invites(settings)
        case "invite":
            return cli.staff_invites(settings, args.codes, new=args.new)
        case "remove":
            return cli.staff_remove(settings, args.codes)
        case "list":
            return cli.staff_list(settings)
        case _:
            return cli.staff_acting(settings, args.absent, args.substitute, args.starts, args.ends)


def dispatch(args: argparse.Namespace, settings: Settings) -> Coroutine[Any, Any, None]:
    if args.command == "staff":
        return dispatch_staff(args, settings)
    if args.command == "calendar":
        match args.action:
            case "show":
                return cli.calendar_show(settings, args.year)
            case "set":
                return cli.calendar_set(settings, args.day, args.kind, args.reason, args.author)
            case _:
                return cli.calendar_unset(settings, args.day, args.author)
    if args.command == "sweep":
        return cli.run_sweep(settings, args.at)
    if args.command == "assignments":
        return cli.assignments_import(settings, args.file)
    if args.command == "report":
        return cli.report(settings, args.start, args.end, args.xlsx, args.png, args.lang)
    if args.command == "backup":
        return cli.backup_check(args.file) if args.check else cli.backup(settings, args.file)
    from bot.runner import run_bot

    return run_bot(settings)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = load_settings()
        check_profile(settings)
        if args.command == "profile":
            profile = load_profile(settings.regulation_profile, settings.regulation_overrides)
            for name, value, cite in describe(profile):
                cli.out(f"{name}\t{value}\t{cite}")
            return 0
        asyncio.run(dispatch(args, settings))
    except (SettingsError, ProfileError, DatabaseError, cli.CliError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2 if isinstance(exc, SettingsError | ProfileError) else 1
    except BrokenPipeError:  # `… | head`: the reader has what it wanted
        sys.stderr.close()
        return 0
    except (OSError, sqlite3.Error) as exc:
        sys.stderr.write(f"error: the database cannot be used: {exc}\n")
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
