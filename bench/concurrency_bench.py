"""Concurrency benchmark: people tapping while a sweep and a delivery run on the same store.

    python -m bench.concurrency_bench [--people 50 --seconds 60 --taps N --think 0
                                       --items 100000 --due 2000 --messages 2000
                                       --send-rate 1000 --baseline 5 --profile]

The database of `bench.sweep_bench` (built the same way, in a child process: a staff directory
of one head and one executor per department, N open assignments bulk-inserted, D of them owing
the deadline notice at the sweep moment), with everyone bound to a chat, plus `--messages`
recipients with one outbox message each ("… has blocked the bot", as in
`bench.delivery_bench`). The fake Bot API (`tests.fake_api`) runs in a child process, as
Telegram would be elsewhere, so its work does not share the bot's event loop.

Each of the `--people` simulated people is the head of a department with cards (open
assignments addressed to the department, not yet accepted). They tap in a loop through the
real aiogram Dispatcher (`bot.factory.create_dispatcher`, fed with `dp.feed_update`, the Bot
from `bot.factory.create_bot` pointed at the fake): Accept on their cards (some as a double
tap: the same button fed twice at once), Accept again on a card already accepted, «Open» (view),
/my, paging of /my, /help, and forged buttons (Accept for another department, an item that
does not exist, unparseable data, the controllers' list). First a baseline with the taps
alone (`--baseline` seconds); then, at the same time, the taps, `Deliverer.drain()` of the
prepared messages and, 1 s in, `sweep(ctx)` at the sweep moment. The people tap while the sweep
or the delivery runs, for at most `--seconds` (60) or `--taps` each, with a pause of `--think`
ms on average between taps (0 by default: each taps again as soon as answered); whatever is left
of the delivery then finishes alone.

Measured per tap: the time from feeding the update to its answer (answerCallbackQuery for a
button, sendMessage for a command) acknowledged by the API, seen by an aiogram request
middleware on the bot's session. Printed: taps answered per second, p50 / p99 time to
answer, taps sent vs answered, answers that were not the expected one, acceptances expected
vs saved, the sweep's and the delivery's time and what they queued and sent, who waited how
long for the writer, the longest event-loop stall, and every log record at WARNING or above.
Exit status 1 if a tap, an acceptance, a notice or a message was lost, or anything failed.

`--profile` adds a cProfile of the event loop's thread during the taps.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import pstats
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

from bench.common import fake_api_settings, mib, out, run_bench, table
from bench.concurrency_parts import (
    AnswerWatch,
    ApiProcess,
    LogRecords,
    Tap,
    TimedLock,
    Verdict,
    accepted_rows,
    bench_database,
    kind_rows,
    lock_rows,
    ms,
    percentile,
    phase_rows,
    prepare,
    scalar,
)
from bench.concurrency_taps import Bench
from bench.delivery_bench import analyse, busiest_second
from bench.notice_delivery_bench import LoopLag
from bench.sweep_bench import DEFAULT_AT, SPREAD_DAYS, digest, local_moment
from bot import services
from bot.delivery import RateLimiter
from bot.factory import create_bot, create_deliverer, create_dispatcher
from bot.i18n import make_i18n
from bot.profiles import DEFAULT_PROFILE, load_profile
from storage.db import open_database
from storage.domain.enums import Language, Role
from storage.repo import Repos


async def run(args: argparse.Namespace) -> bool:
    sweep_at = local_moment(args.at).astimezone(UTC)
    # The delivery runs at a moment before the sweep's, so the sweep's notices (and the
    # acceptances' notices, queued later) are not due for it: it sends exactly its messages.
    drain_at = min(datetime.now(UTC), sweep_at - timedelta(minutes=1))
    records = LogRecords()
    logging.getLogger().addHandler(records)
    verdict = Verdict()
    async with bench_database(args) as (path, built), ApiProcess() as api:
        settings = fake_api_settings(path, api.base_url)
        db = await open_database(path)
        lock = TimedLock()
        db._write = lock  # the bench times the writer's lock
        repos = Repos(db)
        expected_messages, staff = await prepare(repos, args.messages, drain_at)
        profile = load_profile(DEFAULT_PROFILE)
        i18n = make_i18n(Language.KK)
        bot = create_bot(settings)
        bot.session.middleware(AnswerWatch())
        # Handlers kick this one after a change: it sends nothing (background=False), so the
        # acceptances' notices to the two controllers stay queued instead of trickling out at
        # 1 message/s per chat after the run.
        handlers_deliverer = create_deliverer(
            bot, repos, i18n, settings, profile, background=False
        )
        dp = create_dispatcher(
            settings, repos, i18n, profile=profile, deliverer=handlers_deliverer
        )
        deliverer = create_deliverer(
            bot, repos, i18n, settings, profile, RateLimiter(args.send_rate)
        )
        bench = Bench(args, repos, dp, bot, lock)
        await bench.make_tappers()
        ctx = await services.make_context(repos, profile, settings, now=sweep_at)

        profiler = cProfile.Profile() if args.profile else None
        if profiler is not None:
            profiler.enable()
        baseline_seconds = await bench.baseline() if args.baseline else 0.0
        with LoopLag() as lag:
            load_seconds, cpu_load, api_cpu_load = await bench.loaded(
                ctx, deliverer, drain_at, api.cpu_seconds
            )
        if profiler is not None:
            profiler.disable()
        await bot.session.close()

        codes = [tapper.person.code for tapper in bench.tappers]
        saved = await accepted_rows(repos, codes)
        accepted_notices = await scalar(
            repos, "SELECT COUNT(*) FROM outbox WHERE kind = 'accepted'"
        )
        controllers = len(await repos.staff.with_role(Role.CONTROLLER))
        async with repos.conn.execute(
            "SELECT key FROM outbox WHERE key LIKE 'notice:%'"
        ) as cursor:
            notice_keys = [row[0] for row in await cursor.fetchall()]
        async with repos.conn.execute(
            "SELECT chat_id, telegram_message_id FROM outbox"
            " WHERE status = 'sent' AND key LIKE 'bench:%'"
        ) as cursor:
            sent_rows = [(row[0], row[1]) for row in await cursor.fetchall()]
        still = await scalar(
            repos, "SELECT COUNT(*) FROM outbox WHERE key LIKE 'bench:%' AND status != 'sent'"
        )
        await db.close()
        calls = await api.calls()
    logging.getLogger().removeHandler(records)

    # What the API saw: answers to the taps, and the delivery's messages.
    answered_ids = {
        str(call.params.get("callback_query_id"))
        for call in calls
        if call.ok and call.method.lower() == "answercallbackquery"
    }
    sends_per_chat = Counter(
        int(call.params["chat_id"])
        for call in calls
        if call.ok and call.method.lower() == "sendmessage"
    )
    taps = bench.taps
    base = [t for t in taps if t.phase == "baseline"]
    load = [t for t in taps if t.phase == "load"]
    unanswered = [t for t in taps if t.answered is None]
    unconfirmed = [
        t for t in taps if t.callback_id is not None and t.callback_id not in answered_ids
    ]
    expected_sends = Counter(
        t.tapper.chat for t in taps for method in t.methods if method == "sendMessage"
    )
    chats = {t.chat for t in bench.tappers}
    missing_sends = sum(
        max(0, n - sends_per_chat.get(chat, 0)) for chat, n in expected_sends.items()
    )
    wrong = [
        t
        for t in taps
        if t.expect_alert is not None and t.alert is not None and t.alert != t.expect_alert
    ]
    errors = [t for t in taps if t.error is not None]
    # Acceptance: every card tapped Accept (once, or twice at once) must be saved, exactly.
    meant = {
        t.tapper.cards[t.card]
        for t in taps
        if t.kind in {"accept", "double"}
        if t.card is not None
    }
    pairs: dict[tuple[str, int], list[Tap]] = defaultdict(list)
    for t in taps:
        if t.kind == "double" and t.card is not None:
            pairs[(t.tapper.person.code, t.card)].append(t)
    bad_pairs = sum(
        1 for pair in pairs.values() if sorted(bool(t.alert) for t in pair) != [False, True]
    )
    lost_accepts = meant - saved
    extra_accepts = saved - meant
    # The sweep and the delivery.
    bg = bench.background
    swept = bg.sweep_stats
    same_keys = digest(notice_keys) == built["expected_digest"]
    recipient_calls = [
        c
        for c in calls
        if c.params.get("chat_id") is not None and int(c.params["chat_id"]) in expected_messages
    ]
    delivered = analyse(recipient_calls, expected_messages, sent_rows)
    tapped_until = bench.load_started + load_seconds
    during = sum(
        1
        for c in recipient_calls
        if c.ok and c.method.lower() == "sendmessage" and c.time <= tapped_until
    )
    stray = sum(
        n
        for chat, n in sends_per_chat.items()
        if chat not in chats and chat not in expected_messages
    )
    warnings = list(records.records)

    out()
    out(
        f"Concurrency benchmark: {args.people} people tapping while a sweep over"
        f" {args.items:,} items ({args.due:,} due) and a delivery of {args.messages:,} messages"
        " run"
    )
    out(
        f"  taps through the real Dispatcher (dp.feed_update) and Bot; fake Bot API in a child"
        f" process; SEND_RATE raised to {args.send_rate:g}/s (production: ≤ 29/s)"
        f"; think time {args.think:g} ms"
    )
    out()
    rows: list[tuple[str, str]] = [
        (
            "setup (not measured)",
            f"{built['build_seconds']:.1f} s: {staff} staff + {args.messages:,} recipients,"
            f" {len(bench.tappers)} tappers with {args.cards} cards each,"
            f" file {mib(built['db_bytes'])}",
        ),
    ]
    if base:
        rows += phase_rows(base, baseline_seconds, "baseline (taps alone)")
        rows += kind_rows(base)
    rows += phase_rows(load, load_seconds, "under load")
    rows += kind_rows(load)
    rows += [
        ("taps sent / answered", f"{len(taps):,} / {len(taps) - len(unanswered):,}"),
        ("  lost (no answer)", f"{len(unanswered):,}"),
        ("  answers the API has no record of", f"{len(unconfirmed) + missing_sends:,}"),
        ("  wrong answers (alert vs none)", f"{len(wrong):,}"),
        ("  taps that raised", f"{len(errors):,}"),
        (
            "acceptances expected / saved",
            f"{len(meant):,} / {len(saved):,}: lost {len(lost_accepts):,},"
            f" not meant {len(extra_accepts):,}",
        ),
        (
            "  double taps (one saved, one refused)",
            f"{len(pairs) - bad_pairs:,} of {len(pairs):,} pairs",
        ),
        (
            "  'accepted' notices queued",
            f"{accepted_notices:,} (expected {len(saved) * controllers:,}: {controllers}"
            " controllers each)",
        ),
        (
            f"sweep ({args.sweep_after:g} s into the load)",
            f"{bg.sweep_seconds * 1000:.0f} ms; queued {swept.queued if swept else 0:,}"
            f" = {(swept.queued - swept.weekly_lists) if swept else 0:,} notices"
            f" (expected {built['expected_queue']:,}, same keys: {'yes' if same_keys else 'NO'})"
            f" + {swept.weekly_lists if swept else 0} weekly lists",
        ),
        (
            "delivery",
            f"{bg.drain_seconds:.1f} s; sent {bg.drain_stats.sent if bg.drain_stats else 0:,}"
            f" of {args.messages:,}"
            f" ({(bg.drain_stats.sent if bg.drain_stats else 0) / bg.drain_seconds:.0f}/s,"
            f" busiest second {busiest_second(delivered.times)})"
            if bg.drain_seconds
            else "-",
        ),
        (
            "  while the people tapped",
            f"{during:,} sent in {load_seconds:.1f} s ({during / load_seconds:.1f}/s)"
            if load_seconds
            else "-",
        ),
        (
            "  lost / duplicated / not sent",
            f"{delivered.missing + delivered.unconfirmed:,} / {delivered.duplicated:,}"
            f" / {still:,}",
        ),
        ("writer lock under load (wait, hold)", ""),
        *lock_rows(lock, "load"),
    ]
    if any(phase == "after" for phase, _ in lock.waits):
        rows += [("  after the taps stopped", ""), *lock_rows(lock, "after")]
    if base:
        rows += [("writer lock in the baseline", ""), *lock_rows(lock, "baseline")]
    rows += [
        ("event loop blocked at most (load)", ms(lag.worst)),
        (
            "CPU under load",
            f"bot process {cpu_load:.1f} s ({cpu_load / load_seconds:.0%} of a core),"
            f" fake API {api_cpu_load:.1f} s",
        ),
        ("messages to nobody's chat", f"{stray:,}"),
        ("log records at WARNING or above", f"{len(warnings):,}"),
    ]
    table(rows)
    for record in warnings[:10]:
        out(f"    {record.levelname} {record.name}: {record.getMessage()[:300]}")
    for tap in (wrong + errors)[:10]:
        out(
            f"    {tap.kind} by {tap.tapper.person.code}: alert={tap.alert}"
            f" {tap.answer_text[:120]!r} {tap.error or ''}"
        )

    if profiler is not None:
        for order in ("tottime", "cumulative"):
            buffer = io.StringIO()
            pstats.Stats(profiler, stream=buffer).sort_stats(order).print_stats(args.top)
            out()
            out(f"cProfile of the baseline and the load (main thread), top {args.top} by {order}:")
            out(buffer.getvalue().split("\n\n", 1)[-1].rstrip())

    answer_times = [t.answer_seconds for t in load if t.answer_seconds is not None]
    out()
    out(
        f"  in short: {args.people} people,"
        f" {len(answer_times) / load_seconds:.1f} taps answered/s,"
        f" p50 {ms(percentile(answer_times, 0.5))}, p99 {ms(percentile(answer_times, 0.99))};"
        f" lost {len(unanswered)} taps, {len(lost_accepts)} acceptances;"
        f" sweep {bg.sweep_seconds:.1f} s, delivery {bg.drain_seconds:.1f} s"
        if load_seconds
        else "  in short: no taps under load"
    )
    verdict.check(not unanswered, f"{len(unanswered)} taps got no answer")
    verdict.check(not unconfirmed and not missing_sends, "answers missing at the API")
    verdict.check(not wrong, f"{len(wrong)} wrong answers")
    verdict.check(not errors, f"{len(errors)} taps raised")
    verdict.check(not lost_accepts, f"{len(lost_accepts)} acceptances lost")
    verdict.check(not extra_accepts, f"{len(extra_accepts)} acceptances nobody meant")
    verdict.check(not bad_pairs, f"{bad_pairs} double taps not saved exactly once")
    verdict.check(accepted_notices == len(saved) * controllers, "'accepted' notices do not match")
    verdict.check(
        swept is not None
        and same_keys
        and swept.queued - swept.weekly_lists == built["expected_queue"],
        "the sweep did not queue exactly the expected notices",
    )
    verdict.check(
        bg.drain_stats is not None
        and bg.drain_stats.sent == args.messages
        and still == 0
        and delivered.missing == 0
        and delivered.unconfirmed == 0
        and delivered.duplicated == 0,
        "the delivery lost or duplicated messages",
    )
    verdict.check(not stray, "messages went to chats nobody expected")
    verdict.check(not warnings, f"{len(warnings)} log records at WARNING or above")
    out()
    out(
        "  check: "
        + (
            "nothing lost: every tap answered, every acceptance saved once, the sweep and the"
            " delivery complete"
            if not verdict.lines
            else "FAILED: " + "; ".join(verdict.lines)
        )
    )
    return not verdict.lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.concurrency_bench",
        description="People tapping while a sweep and a delivery run: answers per second, "
        "time to answer, nothing lost.",
    )
    parser.add_argument("--people", type=int, default=50, help="simulated people tapping")
    parser.add_argument(
        "--seconds",
        type=float,
        default=60.0,
        help="tap for at most this long under load (less if the sweep and delivery end first)",
    )
    parser.add_argument("--taps", type=int, default=None, help="at most this many taps each")
    parser.add_argument(
        "--baseline", type=float, default=5.0, help="seconds of taps alone first (0: none)"
    )
    parser.add_argument(
        "--think", type=float, default=0.0, help="mean pause between a person's taps, ms"
    )
    parser.add_argument("--items", type=int, default=100_000, help="open assignments")
    parser.add_argument("--due", type=int, default=2_000, help="of which owe a notice")
    parser.add_argument("--messages", type=int, default=2_000, help="messages to deliver")
    parser.add_argument(
        "--send-rate",
        type=float,
        default=1_000.0,
        help="the sender's global rate, messages/s (production SEND_RATE: 28)",
    )
    parser.add_argument("--cards", type=int, default=200, help="cards per person")
    parser.add_argument(
        "--sweep-after", type=float, default=1.0, help="seconds into the load the sweep starts"
    )
    parser.add_argument("--departments", type=int, default=None, help="default: max(40, people)")
    parser.add_argument("--at", default=DEFAULT_AT, help="the sweep's local moment")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="cProfile the taps' phases")
    parser.add_argument("--top", type=int, default=30, help="rows of the profile to print")
    args = parser.parse_args(argv)
    args.departments = args.departments or max(40, args.people)
    args.spread = SPREAD_DAYS
    if not 2 <= args.people <= args.departments:
        parser.error("need 2 <= --people <= --departments")
    if not 0 <= args.due <= args.items or args.messages < 1 or args.cards < 1:
        parser.error("need 0 <= --due <= --items, --messages >= 1 and --cards >= 1")
    run_bench(run, args)


if __name__ == "__main__":
    main()
