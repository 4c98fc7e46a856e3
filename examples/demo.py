"""Try Baqylau without a real bot: the fake Bot API and the bot together, on the examples.

    examples/demo                     # sets up .venv, then runs this file
    python examples/demo.py [--port 8081] [--data data/demo]

A fresh database in `--data` gets `examples/staff.csv` and `examples/assignments.csv`; every
person in it opens their invitation (as a Telegram user of their own, in their language); then
the bot runs against the fake Bot API until Ctrl-C. Talk to it as anyone in the directory with
`examples/say.py` (it prints the bot's answers and their buttons):

    python examples/say.py --as edu_head /my
    python examples/say.py --as edu_head --tap "01-07/415"
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fake_api import ApiCall, FakeBotAPI  # noqa: E402

EXAMPLES = ROOT / "examples"
FIRST_USER_ID = 1001
START_TIMEOUT = 120.0  # s for the bot to start polling on a busy machine


def out(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def bot_env(api: FakeBotAPI, data: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("BOT_")}
    env.update(
        PYTHONPATH=str(ROOT),
        BOT_TOKEN=api.token,
        BOT_API_URL=api.base_url,
        DATABASE_PATH=str(data / "baqylau.sqlite3"),
    )
    return env


async def cli(env: dict[str, str], data: Path, *args: str) -> str:
    """`python -m bot ARGS`; its output, or the demo stops with its error."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        cwd=data,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"python -m bot {' '.join(args)} failed:\n{err.decode()}")
    return out.decode()


def answered(chat_id: int) -> object:
    def check(call: ApiCall) -> bool:
        return call.params.get("chat_id") == chat_id

    return check


async def open_invitation(api: FakeBotAPI, user_id: int, token: str, language: str) -> None:
    """The person opens their link and keeps the directory's language."""
    mark = api.mark()
    api.send_text(user_id, f"/start {token}", language_code=language)
    greeting = await api.wait_for("sendMessage", answered(user_id), 60, after=mark)  # type: ignore[arg-type]
    api.press(user_id, f"lang:{language}", message_id=greeting.result["message_id"])
    await api.wait_for("editMessageText", answered(user_id), 60, after=mark)  # type: ignore[arg-type]


def fresh_folder(data: Path) -> None:
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)


async def demo(port: int, data: Path) -> None:
    await asyncio.to_thread(fresh_folder, data)
    async with FakeBotAPI(port=port) as api:
        env = bot_env(api, data)
        for kind in ("staff", "assignments"):
            said = await cli(env, data, kind, "import", str(EXAMPLES / f"{kind}.csv"))
            out(said.rstrip())
        links = (await cli(env, data, "staff", "invites")).splitlines()
        bot = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", env=env, cwd=data, stderr=(data / "bot.log").open("wb")
        )
        try:
            await api.wait_for("getUpdates", timeout=START_TIMEOUT)
            people: dict[str, dict[str, object]] = {}
            languages = {
                line.split(",")[0]: line.split(",")[5]
                for line in (EXAMPLES / "staff.csv").read_text(encoding="utf-8").splitlines()[1:]
            }
            for number, line in enumerate(links):
                code, name, _ = line.split("\t")
                people[code] = {
                    "user_id": FIRST_USER_ID + number,
                    "name": name,
                    "language": languages.get(code) or "ru",
                }
            await asyncio.gather(
                *(
                    open_invitation(
                        api,
                        int(str(person["user_id"])),
                        line.split("start=", 1)[1],
                        str(person["language"]),
                    )
                    for line, person in zip(links, people.values(), strict=True)
                )
            )
            (data / "people.json").write_text(
                json.dumps({"api": api.base_url, "people": people}, ensure_ascii=False, indent=1),
                encoding="utf-8",
            )
            say = Path(os.path.relpath(EXAMPLES / "say.py"))  # noqa: ASYNC240
            out(f"\nThe fake Bot API is at {api.base_url}; the bot's log is {data / 'bot.log'}.")
            out("Everyone below has joined. Talk to the bot as any of them, e.g.:\n")
            out(f"  python {say} --as edu_head /my")
            out(
                f"  python {say} --as edu_head --tap 01-07/415   # a button by (part of) its label"
            )
            out(f"  python {say} --as edu_head --tap ✅")
            out(f"  python {say} --as ctrl /control\n")
            for code, person in people.items():
                out(f"  {code:<14}{person['name']} ({person['language']})")
            out("\nCtrl-C stops the bot and the fake Bot API.")
            await wait_for_stop()
        finally:
            if bot.returncode is None:
                bot.send_signal(signal.SIGTERM)
            await bot.wait()


async def wait_for_stop() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8081, help="the fake Bot API's port")
    parser.add_argument(
        "--data", type=Path, default=ROOT / "data" / "demo", help="the demo's database folder"
    )
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(demo(args.port, args.data.resolve()))


if __name__ == "__main__":
    main()
