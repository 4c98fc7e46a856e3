"""The fake Bot API server: its routes, starting and stopping, and ``main`` for running it on
its own."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import signal
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Self

from aiohttp import web

if TYPE_CHECKING:
    from types import TracebackType

from tests import language_guard
from tests.fake_api.control import Control
from tests.fake_api.methods import BotMethods
from tests.fake_api.wire import (
    DEFAULT_BOT_ID,
    DEFAULT_TOKEN,
    DEFAULT_USERNAME,
    MAX_UPLOAD_SIZE,
)


class FakeBotAPI(Control, BotMethods):
    """An aiohttp Telegram Bot API double bound to ``host:port`` (port 0 = a free port)."""

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_UPLOAD_SIZE)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_post("/_control/send_text", self._control_send_text)
        app.router.add_post("/_control/press", self._control_press)
        app.router.add_post("/_control/push_update", self._control_push_update)
        app.router.add_post("/_control/fail_next", self._control_fail_next)
        app.router.add_post("/_control/block_user", self._control_block_user)
        app.router.add_get("/_control/requests", self._control_requests)
        app.router.add_route("*", "/{tail:.*}", self._handle_not_found)
        runner = web.AppRunner(
            app,
            access_log=None,
            handle_signals=False,
            handler_cancellation=True,
            shutdown_timeout=5.0,
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self._closing = False
        host, port = runner.addresses[0][:2]
        self.port = port
        self._base_url = f"http://{host}:{port}"

    async def stop(self) -> None:
        self._closing = True
        self._updates_event.set()  # release pending long polls
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()


def _frozen_after_full(phase: str, info: dict[str, int]) -> None:
    """After each full collection, what survived it is moved out of the next ones."""
    if phase == "stop" and info["generation"] == 2:
        gc.freeze()


def keep_a_long_run_steady() -> None:
    """For the fake served as a process of its own (a benchmark's, a deployment's try-out),
    which keeps every call for ``/_control/requests`` as long as it runs:

    - each full collection would walk that whole log again, and it grows with every call: in
      a floor benchmark's run of ~900k objects, a full collection stopped the fake for up to
      0.7 s, and the bot whose phase it fell in showed it as its own p99. After each one the
      survivors are frozen, so the next walks only what came since;
    - the language guard's record of texts is read by the test process's own fake only
      (``tests/conftest.py``): here it would only grow."""
    language_guard.current_test = None
    if _frozen_after_full not in gc.callbacks:
        gc.callbacks.append(_frozen_after_full)


async def _serve(args: argparse.Namespace) -> None:
    keep_a_long_run_steady()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    api = FakeBotAPI(
        token=args.token,
        bot_id=args.bot_id,
        username=args.username,
        host=args.host,
        port=args.port,
    )
    async with api:
        sys.stderr.write(f"{api.base_url}\n")
        sys.stderr.flush()
        await stop.wait()


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fake_api", description="Serve a fake Telegram Bot API."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--bot-id", type=int, default=DEFAULT_BOT_ID)
    parser.add_argument("--username", default=DEFAULT_USERNAME)
    args = parser.parse_args(None if argv is None else list(argv))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))
