"""A lean HTTP/1.1 client for the Bot API's JSON calls: keep-alive connections on asyncio's own
transports, answers parsed by `httptools` (llhttp, the parser uvicorn uses).

Every tap costs the bot one or two Bot API calls, and aiohttp's client spends ~0.25 ms of CPU on
each beyond the socket's own work (its request and response objects, URL handling, cookie jar,
tracing, timers): about a sixth of an update's CPU under load (bench/README.md, (n)). A JSON call
needs none of that: one POST with a known body to one host, over a connection kept open. So this
client writes the request line and headers itself and lets llhttp read the answer (its status,
Content-Length or chunked body, keep-alive). What it does not do (uploads, downloads) stays on
aiohttp in `bot.session.JsonSession`.

Like aiohttp's connector: at most `limit` requests at once, idle connections reused for
`keepalive` seconds (a connection idle longer may have been dropped by a middlebox without a
word, so it is closed rather than trusted), TLS verified against certifi's roots. A request is
never retried: a POST such as sendMessage may have been carried out before its connection broke.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

import certifi
import httptools

KEEPALIVE: Final = 15.0  # seconds an idle connection is trusted (aiohttp's default too)
LIMIT: Final = 100  # requests at once (aiogram's AiohttpSession's connector limit)


class HttpError(ConnectionError):
    """The request failed before a whole answer came: connection refused, reset or closed, a
    malformed answer. (A timeout is asyncio's TimeoutError.)"""


@dataclass(frozen=True, slots=True)
class Target:
    """Where a URL's request goes, worked out once per URL."""

    key: tuple[str, str, int]  # scheme, host, port: the connections it may share
    head: bytes  # the request line and headers up to Content-Length's value


class Connection(asyncio.Protocol):
    """One keep-alive connection: one request at a time, its answer read by llhttp."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.body: list[bytes] = []
        self.sized = False  # the answer names its length (Content-Length or chunked)
        self.headed = False  # its headers have all come
        self.reusable = False  # a whole answer came and the server keeps the connection
        self.closed = False
        self.idle_since = 0.0
        # for the error when the server closes before answering: what had come of the answer
        self.sent_at = 0.0
        self.received = 0  # bytes of the answer awaited
        self.answered = 0  # whole answers this connection carried before
        self.ended = False  # the server's end of the stream (FIN) came

    # --- asyncio.Protocol ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self.waiter is None:  # nothing was asked: the connection cannot be trusted
            self.fail(HttpError("an answer that no request asked for"))
            return
        self.received += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self.fail(HttpError("the server switched protocols"))
        except httptools.HttpParserError as exc:
            self.fail(HttpError(f"a malformed answer: {exc}"))

    def eof_received(self) -> bool | None:
        self.ended = True
        return False  # close the transport; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        self.waiter = None
        if exc is None and self.headed and not self.sized:  # the body ran to the close
            waiter.set_result((self.parser.get_status_code(), b"".join(self.body)))
            return
        reason = HttpError(
            f"the server closed the connection before answering ({self.how_closed(exc)})"
        )
        if exc is not None:
            reason.__cause__ = exc
        waiter.set_exception(reason)

    def how_closed(self, exc: Exception | None) -> str:
        """How it ended, for the log: a close on the server's side (its end of the stream, or
        a reset), how much of the answer had come, how long after the request, and on how
        used a connection (a kept-alive one the server dropped just as the request went)."""
        if exc is not None:
            how = f"{type(exc).__name__}: {exc}"
        else:
            how = "its end of the stream" if self.ended else "closed"
        elapsed = time.monotonic() - self.sent_at
        return (
            f"{how}; {self.received} bytes of the answer in {elapsed:.3f} s, "
            f"after {self.answered} answers on this connection"
        )

    # --- llhttp's callbacks --------------------------------------------------------------------

    def on_header(self, name: bytes, _value: bytes) -> None:
        if name.lower() in {b"content-length", b"transfer-encoding"}:
            self.sized = True

    def on_headers_complete(self) -> None:
        self.headed = True

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        waiter = self.waiter
        self.waiter = None
        self.reusable = self.parser.should_keep_alive()
        self.answered += 1
        if waiter is not None and not waiter.done():
            waiter.set_result((self.parser.get_status_code(), b"".join(self.body)))

    # --- the client's side ---------------------------------------------------------------------

    def send(self, request: bytes) -> asyncio.Future[tuple[int, bytes]]:
        assert self.transport is not None
        waiter = self.waiter = asyncio.get_running_loop().create_future()
        self.body = []
        self.sized = self.headed = self.reusable = False
        self.sent_at, self.received = time.monotonic(), 0
        self.transport.write(request)
        return waiter

    def fail(self, reason: Exception) -> None:
        waiter = self.waiter
        self.waiter = None
        if waiter is not None and not waiter.done():
            waiter.set_exception(reason)
        self.close()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class HttpClient:
    """POSTs to a few hosts over kept-alive connections; `post` gives the status and body."""

    def __init__(
        self,
        *,
        limit: int = LIMIT,
        keepalive: float = KEEPALIVE,
        ssl_context: ssl.SSLContext | None = None,
        user_agent: str = "Baqylau",
    ) -> None:
        self.keepalive = keepalive
        self.user_agent = user_agent
        self._ssl = ssl_context
        self._slots = asyncio.Semaphore(limit)
        self._idle: dict[tuple[str, str, int], deque[Connection]] = {}
        self._open: set[Connection] = set()
        self._targets: dict[str, Target] = {}

    def target(self, url: str) -> Target:
        found = self._targets.get(url)
        if found is None:
            parts = urlsplit(url)
            if parts.scheme not in {"http", "https"} or not parts.hostname:
                raise HttpError(f"not an HTTP URL: {url}")
            port = parts.port or (443 if parts.scheme == "https" else 80)
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
            head = (
                f"POST {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {self.user_agent}\r\n"
                "Accept-Encoding: identity\r\nContent-Type: application/json\r\nContent-Length: "
            ).encode("latin-1")
            found = Target((parts.scheme, parts.hostname, port), head)
            if len(self._targets) < 256:  # a Bot API URL per method: a few dozen
                self._targets[url] = found
        return found

    async def post(self, url: str, body: bytes, timeout: float) -> tuple[int, bytes]:  # noqa: ASYNC109
        """The answer's status and body. Raises HttpError (or OSError, ssl.SSLError from the
        connection) when no whole answer came, TimeoutError after `timeout` seconds."""
        target = self.target(url)
        request = b"%b%d\r\n\r\n%b" % (target.head, len(body), body)
        async with self._slots:
            connection: Connection | None = None
            try:
                async with asyncio.timeout(timeout):
                    connection = self._idle_connection(target.key)
                    if connection is None:
                        connection = await self._connect(target.key)
                    answer = await connection.send(request)
            except BaseException:
                if connection is not None:
                    self._drop(connection)
                raise
            if connection.reusable and not connection.closed:
                connection.idle_since = time.monotonic()
                self._idle.setdefault(target.key, deque()).append(connection)
            else:
                self._drop(connection)
            return answer

    def _idle_connection(self, key: tuple[str, str, int]) -> Connection | None:
        idle = self._idle.get(key)
        if not idle:
            return None
        now = time.monotonic()
        while idle:
            connection = idle.pop()  # the most recently used: the likeliest to be alive
            if not connection.closed and now - connection.idle_since < self.keepalive:
                return connection
            self._drop(connection)
        return None

    def _drop(self, connection: Connection) -> None:
        connection.close()
        self._open.discard(connection)

    async def _connect(self, key: tuple[str, str, int]) -> Connection:
        scheme, host, port = key
        context: ssl.SSLContext | None = None
        if scheme == "https":
            if self._ssl is None:
                self._ssl = ssl.create_default_context(cafile=certifi.where())
            context = self._ssl
        loop = asyncio.get_running_loop()
        _, connection = await loop.create_connection(
            Connection, host, port, ssl=context, server_hostname=host if context else None
        )
        self._open.add(connection)
        return connection

    async def close(self) -> None:
        for connection in self._open:
            connection.close()
        self._open.clear()
        self._idle.clear()
        await asyncio.sleep(0)  # let the transports run their connection_lost
