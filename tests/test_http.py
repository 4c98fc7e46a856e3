"""The Bot API's HTTP client (bot/http.py) against a server on 127.0.0.1 that answers as told:
kept-alive connections, the ways an answer's length is given, servers that close, hang or
refuse, TLS, and the Bot API errors a session makes of these."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter

from bot.http import HttpClient, HttpError
from bot.session import JsonSession
from tests.fake_api.wire import DEFAULT_TOKEN

OK = b'{"ok":true,"result":true}'
# How the server answers one request: the raw bytes to write (None: write nothing), and
# whether to close the connection afterwards.
Reply = Callable[[bytes], tuple[bytes | None, bool]]


def sized(body: bytes = OK, status: str = "200 OK", extra: str = "") -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra}"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


class Server:
    """Reads requests (headers and a Content-Length body) and answers each by `reply`."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.connections = 0
        self.requests: list[bytes] = []
        self.writers: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self, context: ssl.SSLContext | None = None) -> Server:
        self.server = await asyncio.start_server(self.serve, "127.0.0.1", 0, ssl=context)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    def url(self, scheme: str = "http", path: str = "/botT/sendMessage") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                request = head + await reader.readexactly(length)
                self.requests.append(request)
                answer, close = self.reply(request)
                if answer is not None:
                    writer.write(answer)
                    await writer.drain()
                if close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass  # the client left, or the test is over
        finally:
            writer.close()

    async def close(self) -> None:
        if self.server is None:
            return
        for writer in self.writers:
            writer.close()
        self.server.close()
        await self.server.wait_closed()


@pytest.fixture
async def serving() -> AsyncIterator[Callable[[Reply], Server]]:
    started: list[Server] = []

    def make(reply: Reply) -> Server:
        server = Server(reply)
        started.append(server)
        return server

    yield make
    for server in started:
        await server.close()


async def test_calls_share_one_kept_alive_connection(serving: Callable[[Reply], Server]) -> None:
    server = await serving(lambda _: (sized(), False)).start()
    client = HttpClient()
    for n in range(5):
        status, body = await client.post(server.url(), b'{"n":%d}' % n, 5)
        assert (status, body) == (200, OK)
    assert server.connections == 1
    first = server.requests[0]
    assert first.startswith(b"POST /botT/sendMessage HTTP/1.1\r\n")
    assert f"Host: 127.0.0.1:{server.port}\r\n".encode() in first
    assert b"Content-Type: application/json\r\n" in first
    assert first.endswith(b'Content-Length: 7\r\n\r\n{"n":0}')
    await client.close()


async def test_calls_at_once_take_connections_of_their_own_up_to_the_limit(
    serving: Callable[[Reply], Server],
) -> None:
    server = await serving(lambda _: (sized(), False)).start()
    client = HttpClient(limit=3)
    answers = await asyncio.gather(*(client.post(server.url(), b"{}", 5) for _ in range(10)))
    assert answers == [(200, OK)] * 10
    assert server.connections == 3  # the limit, then reused
    await client.close()


@pytest.mark.parametrize(
    ("answer", "close", "connections"),
    [
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b'a\r\n{"ok":true\r\nf\r\n,"result":true}\r\n0\r\n\r\n',
            False,
            1,
        ),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 25\r\n\r\n" + OK, False, 1),
        # read to the close, and that connection not kept
        (b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + OK, True, 2),
    ],
    ids=["chunked", "sized", "to the close"],
)
async def test_an_answer_is_read_whole_however_its_length_is_given(
    serving: Callable[[Reply], Server], answer: bytes, close: bool, connections: int
) -> None:
    server = await serving(lambda _: (answer, close)).start()
    client = HttpClient()
    assert await client.post(server.url(), b"{}", 5) == (200, OK)
    assert await client.post(server.url(), b"{}", 5) == (200, OK)
    assert server.connections == connections
    await client.close()


async def test_an_answer_split_into_small_pieces_is_put_together(
    serving: Callable[[Reply], Server],
) -> None:
    body = ('{"ok":true,"result":{"text":"' + "Бақылау " * 500 + '"}}').encode()

    class Trickle(Server):
        async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            self.writers.append(writer)
            await reader.readuntil(b"\r\n\r\n")
            answer = sized(body)
            for start in range(0, len(answer), 700):
                writer.write(answer[start : start + 700])
                await writer.drain()
                await asyncio.sleep(0)
            await reader.read()

    server = await Trickle(lambda _: (None, False)).start()
    client = HttpClient()
    assert await client.post(server.url(), b"{}", 5) == (200, body)
    await client.close()
    await server.close()


async def test_a_connection_the_server_closed_while_idle_is_not_reused(
    serving: Callable[[Reply], Server],
) -> None:
    server = await serving(lambda _: (sized(), True)).start()  # keep-alive, then closes
    client = HttpClient()
    assert await client.post(server.url(), b"{}", 5) == (200, OK)
    await asyncio.sleep(0.05)  # the close reaches the client
    assert await client.post(server.url(), b"{}", 5) == (200, OK)
    assert server.connections == 2
    await client.close()


async def test_a_connection_idle_longer_than_keepalive_is_closed_not_trusted(
    serving: Callable[[Reply], Server],
) -> None:
    server = await serving(lambda _: (sized(), False)).start()
    client = HttpClient(keepalive=0.05)
    await client.post(server.url(), b"{}", 5)
    await asyncio.sleep(0.1)
    await client.post(server.url(), b"{}", 5)
    assert server.connections == 2
    await client.close()


async def test_a_close_before_the_answer_is_an_error_and_the_call_is_not_repeated(
    serving: Callable[[Reply], Server],
) -> None:
    server = await serving(lambda _: (None, True)).start()
    client = HttpClient()
    with pytest.raises(HttpError, match=r"its end of the stream; 0 bytes .* after 0 answers"):
        await client.post(server.url(), b"{}", 5)
    assert len(server.requests) == 1  # a sendMessage may have been carried out: not repeated
    await client.close()


async def test_a_close_on_a_used_connection_says_how_much_had_come(
    serving: Callable[[Reply], Server],
) -> None:
    answers = iter([(sized(), False), (sized()[:-5], True)])
    server = await serving(lambda _: next(answers)).start()
    client = HttpClient()
    await client.post(server.url(), b"{}", 5)
    half = len(sized()) - 5
    with pytest.raises(HttpError, match=rf"; {half} bytes of the answer in .* after 1 answers"):
        await client.post(server.url(), b"{}", 5)
    assert server.connections == 1
    await client.close()


async def test_a_half_answer_then_a_close_is_an_error(serving: Callable[[Reply], Server]) -> None:
    server = await serving(lambda _: (sized()[:-5], True)).start()
    client = HttpClient()
    with pytest.raises(HttpError):
        await client.post(server.url(), b"{}", 5)
    await client.close()


async def test_garbage_is_an_error(serving: Callable[[Reply], Server]) -> None:
    server = await serving(lambda _: (b"SMTP ready\r\n\r\n", False)).start()
    client = HttpClient()
    with pytest.raises(HttpError):
        await client.post(server.url(), b"{}", 5)
    await client.close()


async def test_no_answer_in_time_is_a_timeout_and_the_connection_is_dropped(
    serving: Callable[[Reply], Server],
) -> None:
    answers = iter([(None, False), (sized(), False)])
    server = await serving(lambda _: next(answers)).start()
    client = HttpClient()
    with pytest.raises(TimeoutError):
        await client.post(server.url(), b"{}", 0.1)
    # the late connection is not reused: its answer, should it come, would be read as the next
    assert await client.post(server.url(), b"{}", 5) == (200, OK)
    assert server.connections == 2
    await client.close()


async def test_a_cancelled_call_drops_its_connection(serving: Callable[[Reply], Server]) -> None:
    answers = iter([(None, False), (sized(), False)])
    server = await serving(lambda _: next(answers)).start()
    client = HttpClient()
    call = asyncio.ensure_future(client.post(server.url(), b"{}", 5))
    await asyncio.sleep(0.05)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    assert await client.post(server.url(), b"{}", 5) == (200, OK)
    assert server.connections == 2
    await client.close()


async def test_refused_is_an_os_error() -> None:
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    with pytest.raises(OSError):
        await HttpClient().post(f"http://127.0.0.1:{port}/x", b"{}", 5)


def test_only_http_urls() -> None:
    with pytest.raises(HttpError):
        HttpClient().target("ftp://example.org/x")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    openssl = shutil.which("openssl")
    assert openssl is not None
    command = [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    command += ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
    command += ["-keyout", str(key), "-out", str(cert)]
    subprocess.run(command, check=True, capture_output=True)  # the test's own certificate
    return key, cert


async def test_https_is_verified(
    serving: Callable[[Reply], Server], certificate: tuple[Path, Path]
) -> None:
    key, cert = certificate
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    served.load_cert_chain(cert, key)
    server = await serving(lambda _: (sized(), False)).start(served)
    # the default context (certifi's roots) does not know the test's certificate
    with pytest.raises(ssl.SSLError):
        await HttpClient().post(server.url("https"), b"{}", 5)
    trusting = ssl.create_default_context(cafile=str(cert))
    client = HttpClient(ssl_context=trusting)
    assert await client.post(server.url("https"), b"{}", 5) == (200, OK)
    assert await client.post(server.url("https"), b"{}", 5) == (200, OK)
    assert server.connections == 1  # (counted once its handshake is done) one, kept alive
    await client.close()


# --- what the session makes of it -------------------------------------------------------------


async def _session_call(server: Server, timeout: float = 5) -> None:
    session = JsonSession(api=TelegramAPIServer.from_base(f"http://127.0.0.1:{server.port}"))
    session.timeout = timeout
    bot = Bot(DEFAULT_TOKEN, session=session)
    try:
        await bot.answer_callback_query("cb1")
    finally:
        await session.close()


async def test_a_broken_call_is_a_network_error_to_aiogram(
    serving: Callable[[Reply], Server],
) -> None:
    server = await serving(lambda _: (None, True)).start()
    with pytest.raises(TelegramNetworkError, match="HttpError"):
        await _session_call(server)


async def test_a_slow_call_is_aiograms_timeout_error(serving: Callable[[Reply], Server]) -> None:
    server = await serving(lambda _: (None, False)).start()
    with pytest.raises(TelegramNetworkError, match="Request timeout error"):
        await _session_call(server, timeout=0.1)


async def test_telegrams_flood_answer_is_aiograms_retry_after(
    serving: Callable[[Reply], Server],
) -> None:
    flood = b'{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7",'
    flood += b'"parameters":{"retry_after":7}}'
    server = await serving(lambda _: (sized(flood, "429 Too Many Requests"), False)).start()
    with pytest.raises(TelegramRetryAfter) as raised:
        await _session_call(server)
    assert raised.value.retry_after == 7
    assert b"POST /bot" + DEFAULT_TOKEN.encode() + b"/answerCallbackQuery " in server.requests[0]
