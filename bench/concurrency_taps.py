"""The concurrency benchmark's simulated people: what each taps, fed through the real
dispatcher, and the sweep and delivery running meanwhile. See `bench.concurrency_bench`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiogram import Bot, Dispatcher

from bench.concurrency_parts import (
    CURRENT_TAP,
    ROLE,
    Tap,
    Tapper,
    TimedLock,
)
from bot import services
from bot.delivery import Deliverer, DeliveryStats
from bot.sweep import SweepStats, sweep
from handlers.callbacks import ItemCallback, ListCallback
from storage.repo import Repos
from tests.fakes import make_callback, make_message

CARD_MESSAGE = 1_000_000  # the (fake) message id of a person's card number i: this + i
NO_SUCH_ITEM = 999_999_999
LAST_PAGE = 6  # paging goes 0 → 1 → … → 6 → 0 (each step changes the text)
# What people tap, and how often (weights).
ACTIONS = {"accept": 30, "accept_again": 5, "view": 20, "my": 12, "page": 13, "help": 10}
FORGED = 10  # weight of a forged button
DOUBLE_TAP = 0.15  # share of Accept taps that arrive twice at once (a double tap)

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Background:
    sweep_stats: SweepStats | None = None
    sweep_seconds: float = 0.0
    drain_stats: DeliveryStats | None = None
    drain_seconds: float = 0.0
    drain_started: float = 0.0
    done: bool = False


@dataclass(eq=False)
class Bench:
    args: argparse.Namespace
    repos: Repos
    dp: Dispatcher
    bot: Bot
    lock: TimedLock
    taps: list[Tap] = field(default_factory=list)
    tappers: list[Tapper] = field(default_factory=list)
    phase: str = "setup"
    load_started: float = 0.0
    background: Background = field(default_factory=Background)

    # setup

    async def make_tappers(self) -> None:
        """The heads of the first `--people` departments, each with `--cards` cards."""
        heads = [
            await self.repos.staff.by_code(f"head{index:03d}") for index in range(self.args.people)
        ]
        for index, head in enumerate(heads):
            assert head is not None and head.department_id is not None
            async with self.repos.conn.execute(
                "SELECT e.assignment_id FROM assignment_executors e"
                " JOIN assignments a ON a.id = e.assignment_id"
                " WHERE e.department_id = ? AND e.accepted_at IS NULL"
                " AND e.declined_at IS NULL AND a.status IN"
                " ('registered', 'accepted', 'returned', 'report_submitted')"
                " ORDER BY e.assignment_id",
                (head.department_id,),
            ) as cursor:
                items = [row[0] for row in await cursor.fetchall()]
            rng = random.Random(self.args.seed * 1_000 + index)
            chosen = rng.sample(items, min(self.args.cards, len(items)))
            self.tappers.append(Tapper(head, [(item, head.department_id) for item in chosen], rng))

    # one tap

    async def feed(self, tap: Tap) -> None:
        token = CURRENT_TAP.set(tap)
        tap.started = time.monotonic()
        try:
            await self.dp.feed_update(self.bot, tap.update)
        except Exception as error:  # counted and shown; the run goes on
            tap.error = f"{type(error).__name__}: {error}"
            log.error("tap %s by %s failed: %s", tap.kind, tap.tapper.person.code, tap.error)
        finally:
            tap.done = time.monotonic()
            CURRENT_TAP.reset(token)
        self.taps.append(tap)

    def button(self, tapper: Tapper, kind: str, data: str, message_id: int, **extra: Any) -> Tap:
        update = make_callback(
            data,
            user_id=tapper.chat,
            message_id=message_id,
            language_code=tapper.person.language.value,
            first_name=tapper.person.full_name,
        )
        assert update.callback_query is not None
        return Tap(tapper, kind, self.phase, update, callback_id=update.callback_query.id, **extra)

    def command(self, tapper: Tapper, kind: str, text: str) -> Tap:
        update = make_message(
            text,
            user_id=tapper.chat,
            language_code=tapper.person.language.value,
            first_name=tapper.person.full_name,
        )
        return Tap(tapper, kind, self.phase, update)

    def accept_data(self, tapper: Tapper, card: int) -> str:
        item, department = tapper.cards[card]
        return ItemCallback(action="accept", id=item, dep=department).pack()

    def forged(self, tapper: Tapper) -> Tap:
        """A button nobody was shown: Accept for another department, an item that does not
        exist, data that does not parse, the controllers' list. Each must be refused."""
        choice = tapper.rng.randrange(4)
        if choice == 0:
            other = tapper.rng.choice([t for t in self.tappers if t is not tapper])
            item, department = tapper.rng.choice(other.cards)
            data = ItemCallback(action="accept", id=item, dep=department).pack()
        elif choice == 1:
            data = ItemCallback(action="view", id=NO_SUCH_ITEM).pack()
        elif choice == 2:
            data = "a:accept:" + "x" * tapper.rng.randint(1, 20)
        else:
            data = ListCallback(scope="control").pack()
        return self.button(tapper, "forged", data, CARD_MESSAGE, expect_alert=True)

    async def tap_once(self, tapper: Tapper) -> int:
        """One action of this person; how many updates it fed."""
        names = [*ACTIONS, "forged"]
        kind = tapper.rng.choices(names, weights=[*ACTIONS.values(), FORGED])[0]
        if kind == "accept_again" and not tapper.accepted:
            kind = "accept"
        if kind == "accept" and tapper.next_card >= len(tapper.cards):
            kind = "view"
        if kind == "page" and tapper.list_message is None:
            kind = "my"
        if kind == "accept":
            card = tapper.next_card
            tapper.next_card += 1
            tapper.accepted.append(card)
            data = self.accept_data(tapper, card)
            if tapper.rng.random() < DOUBLE_TAP:
                pair = [
                    self.button(tapper, "double", data, CARD_MESSAGE + card, card=card)
                    for _ in range(2)
                ]
                await asyncio.gather(*(self.feed(tap) for tap in pair))
                return 2
            tap = self.button(
                tapper, "accept", data, CARD_MESSAGE + card, card=card, expect_alert=False
            )
        elif kind == "accept_again":
            card = tapper.rng.choice(tapper.accepted)
            tap = self.button(
                tapper,
                "accept_again",
                self.accept_data(tapper, card),
                CARD_MESSAGE + card,
                card=card,
                expect_alert=True,
            )
        elif kind == "view":
            card = tapper.rng.randrange(len(tapper.cards))
            data = ItemCallback(action="view", id=tapper.cards[card][0]).pack()
            tap = self.button(tapper, "view", data, CARD_MESSAGE + card, expect_alert=False)
        elif kind == "page":
            assert tapper.list_message is not None
            tapper.page = tapper.page + 1 if tapper.page < LAST_PAGE else 0
            data = ListCallback(scope="my", page=tapper.page).pack()
            tap = self.button(tapper, "page", data, tapper.list_message, expect_alert=False)
        elif kind == "forged":
            tap = self.forged(tapper)
        else:
            tap = self.command(tapper, kind, f"/{kind}")
        await self.feed(tap)
        return 1

    async def person(
        self, tapper: Tapper, keep_going: Callable[[], bool], cap: int | None
    ) -> None:
        ROLE.set("tap")
        fed = 0
        while keep_going() and (cap is None or fed < cap):
            fed += await self.tap_once(tapper)
            if self.args.think:
                await asyncio.sleep(tapper.rng.uniform(0, 2 * self.args.think / 1000))

    async def people(self, keep_going: Callable[[], bool], cap: int | None = None) -> None:
        await asyncio.gather(*(self.person(tapper, keep_going, cap) for tapper in self.tappers))

    # the phases

    async def baseline(self) -> float:
        """The taps alone, for `--baseline` seconds; the seconds it took."""
        self.phase = self.lock.phase = "baseline"
        started = time.monotonic()
        until = started + self.args.baseline
        await self.people(lambda: time.monotonic() < until)
        return time.monotonic() - started

    async def run_sweep(self, ctx: services.Context) -> None:
        ROLE.set("sweep")
        await asyncio.sleep(self.args.sweep_after)
        started = time.monotonic()
        self.background.sweep_stats = await sweep(ctx)
        self.background.sweep_seconds = time.monotonic() - started

    async def run_drain(self, deliverer: Deliverer, now: datetime) -> None:
        ROLE.set("drain")
        self.background.drain_started = time.monotonic()
        self.background.drain_stats = await deliverer.drain(now=now)
        self.background.drain_seconds = time.monotonic() - self.background.drain_started

    async def loaded(
        self,
        ctx: services.Context,
        deliverer: Deliverer,
        drain_at: datetime,
        api_cpu: Callable[[], float],
    ) -> tuple[float, float, float]:
        """The taps, the delivery and the sweep at once. The people tap while the sweep or the
        delivery runs, for at most `--seconds` (or `--taps` each); what is left of the
        delivery then finishes alone. (Seconds of tapping; CPU seconds of this process and of
        the fake API meanwhile.)"""
        self.phase = self.lock.phase = "load"
        started, cpu, api = time.monotonic(), time.process_time(), api_cpu()
        self.load_started = started
        until = started + self.args.seconds
        tapping = 0.0

        async def work() -> None:
            try:
                await asyncio.gather(self.run_drain(deliverer, drain_at), self.run_sweep(ctx))
            finally:
                self.background.done = True

        async def tap() -> None:
            nonlocal tapping, cpu, api
            await self.people(
                lambda: time.monotonic() < until and not self.background.done, self.args.taps
            )
            tapping, cpu = time.monotonic() - started, time.process_time() - cpu
            api = api_cpu() - api
            self.phase = self.lock.phase = "after"

        await asyncio.gather(work(), tap())
        return tapping, cpu, api
