"""Delivery benchmark: many outbox messages through a local fake Bot API with a flood limit.

    python -m bench.delivery_bench [--messages 2000 --limit 30 --send-rate 28 --chats N]

`tests.fake_api.FakeBotAPI` listens on 127.0.0.1 and answers 429 (retry after 1 s) to any send
beyond `--limit` successful sends within the last second. A fresh SQLite file holds N people,
each bound to their own Telegram chat (so the 1 message/s per-chat limit does not bind unless
`--chats` is smaller), and N outbox items of kind "unreachable" (rendered from the staff
directory, no assignments needed). `bot.delivery.Deliverer.drain()` then sends them with the
rate limiter the bot builds from SEND_RATE (28/s by default, at most 29), through the real
aiogram Bot made by `bot.factory.create_bot` pointed at the fake (BOT_API_URL). Printed:
elapsed time, achieved rate and its share of the limit, 429 answers, outbox statuses, and
lost / duplicated messages.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.common import (
    add_chat_people,
    add_rate_arguments,
    fake_api_settings,
    out,
    report_check,
    run_bench,
    staff_csv,
    table,
)
from bot.factory import create_bot, create_deliverer
from bot.i18n import make_i18n
from bot.profiles import DEFAULT_PROFILE, load_profile
from bot.staff.csv_import import parse_staff_csv
from storage.db import open_database
from storage.domain.enums import Language
from storage.repo import Repos
from tests.fake_api import ApiCall, FakeBotAPI

FIRST_CHAT = 700_000_000
KIND = "unreachable"  # renders from the staff directory alone: "<name> has blocked the bot…"


def busiest_second(times: list[float]) -> int:
    """The most sends within any window of one second."""
    most = start = 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


async def prepare(repos: Repos, messages: int, chats: int) -> dict[int, int]:
    """People bound to chats and the outbox items; how many items each chat should receive."""
    await repos.staff.import_staff(
        parse_staff_csv(staff_csv(departments=2), Language.KK), actor="bench"
    )
    subject = await repos.staff.by_code("head000")
    assert subject is not None
    stamp = datetime.now(UTC).isoformat()
    async with repos.transaction() as conn:
        people = await add_chat_people(conn, chats, "r", FIRST_CHAT, stamp)
    expected: Counter[int] = Counter()
    async with repos.transaction():
        for index in range(messages):
            person_id, chat_id = people[index % chats]
            await repos.outbox.enqueue(
                f"bench:{index}", person_id, KIND, {"person_id": subject.id}
            )
            expected[chat_id] += 1
    return dict(expected)


@dataclass(slots=True)
class Outcome:
    """What the fake API saw, checked against what the outbox says."""

    requests: int
    ok: int
    too_many: int
    other_errors: int
    duplicated: int  # successful sends beyond what a chat should have received
    missing: int  # messages a chat should have received and did not
    unconfirmed: int  # outbox rows marked sent that no successful send backs
    times: list[float]  # arrival of each successful send (monotonic)


def analyse(
    calls: list[ApiCall], expected: dict[int, int], sent_rows: list[tuple[int, int]]
) -> Outcome:
    sends = [call for call in calls if call.method.lower() == "sendmessage"]
    ok = [call for call in sends if call.ok]
    per_chat = Counter(int(call.params["chat_id"]) for call in ok)
    delivered = {(int(call.params["chat_id"]), call.result["message_id"]) for call in ok}
    return Outcome(
        requests=len(sends),
        ok=len(ok),
        too_many=sum(call.status == 429 for call in sends),
        other_errors=sum(call.status not in (200, 429) for call in sends),
        duplicated=sum(max(0, n - expected.get(chat, 0)) for chat, n in per_chat.items()),
        missing=sum(max(0, n - per_chat.get(chat, 0)) for chat, n in expected.items()),
        unconfirmed=sum(row not in delivered for row in sent_rows),
        times=[call.time for call in ok],
    )


async def run(args: argparse.Namespace) -> bool:
    with tempfile.TemporaryDirectory(prefix="baqylau-bench-") as folder:
        path = Path(folder) / "bench.sqlite3"
        async with FakeBotAPI() as api:
            settings = fake_api_settings(path, api.base_url, args.send_rate)
            db = await open_database(path)
            conn = db.writer
            repos = Repos(db)
            expected = await prepare(repos, args.messages, args.chats)
            bot = create_bot(settings)
            deliverer = create_deliverer(
                bot, repos, make_i18n(Language.KK), settings, load_profile(DEFAULT_PROFILE)
            )
            api.rate_limit = args.limit
            started = time.monotonic()
            stats = await deliverer.drain()
            elapsed = time.monotonic() - started
            await bot.session.close()
            counts = await repos.outbox.counts()
            async with conn.execute(
                "SELECT chat_id, telegram_message_id FROM outbox WHERE status = 'sent'"
            ) as cursor:
                sent_rows = [(row[0], row[1]) for row in await cursor.fetchall()]
            await db.close()
            found = analyse(api.requests, expected, sent_rows)

    times = found.times
    rate = found.ok / elapsed if elapsed else 0.0
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    steady = (len(times) - 1) / span if span else 0.0
    lost = args.messages - counts["sent"]
    out()
    out(
        f"Delivery benchmark: {args.messages:,} messages to {args.chats:,} chats,"
        f" fake Bot API limit {args.limit:g}/s, SEND_RATE {settings.send_rate:g}/s"
    )
    out()
    table(
        [
            ("elapsed (drain)", f"{elapsed:.1f} s"),
            ("achieved rate", f"{rate:.2f} msg/s = {rate / args.limit:.1%} of the limit"),
            ("  first to last send", f"{steady:.2f} msg/s = {steady / args.limit:.1%}"),
            ("  busiest second", f"{busiest_second(times)} sends"),
            ("sendMessage requests", f"{found.requests:,}"),
            ("  answered ok", f"{found.ok:,}"),
            ("  answered 429", f"{found.too_many:,}"),
            ("  other errors", f"{found.other_errors:,}"),
            ("outbox statuses", ", ".join(f"{k} {v:,}" for k, v in counts.items() if v)),
            (
                "deliverer stats",
                f"sent {stats.sent:,}, retried {stats.retried:,},"
                f" failed {stats.failed:,}, cancelled {stats.cancelled:,}",
            ),
            ("lost (outbox items not sent)", f"{lost:,}"),
            ("  chats short of their messages", f"{found.missing:,}"),
            ("  'sent' rows no ok answer backs", f"{found.unconfirmed:,}"),
            ("duplicated (ok sends beyond expected)", f"{found.duplicated:,}"),
        ]
    )
    good = lost == 0 and found.duplicated == 0 and found.missing == 0 and found.unconfirmed == 0
    return report_check(good)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.delivery_bench",
        description="Send outbox messages through a fake Bot API that answers 429 above a rate.",
    )
    parser.add_argument("--messages", type=int, default=2_000)
    add_rate_arguments(parser, "; at most 29")
    parser.add_argument(
        "--chats", type=int, default=None, help="distinct chats (default: one each)"
    )
    args = parser.parse_args(argv)
    args.chats = args.chats or args.messages
    if args.messages < 1 or not 1 <= args.chats <= args.messages:
        parser.error("need --messages >= 1 and 1 <= --chats <= --messages")
    run_bench(run, args)


if __name__ == "__main__":
    main()
