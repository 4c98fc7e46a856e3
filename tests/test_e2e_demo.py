"""`examples/demo.py` runs the fake Bot API and the bot on the examples; `examples/say.py`
talks to it as someone in the directory and taps buttons."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from pathlib import Path

from tests.e2e import ROOT, START_TIMEOUT

DEMO = ROOT / "examples" / "demo.py"
SAY = ROOT / "examples" / "say.py"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def say(data: Path, *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(SAY),
        "--data",
        str(data),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=90)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_the_demo_lets_anyone_in_the_examples_use_the_bot(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    demo = await asyncio.create_subprocess_exec(
        sys.executable,
        str(DEMO),
        "--port",
        str(free_port()),
        "--data",
        str(data),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=tmp_path,
    )
    assert demo.stdout is not None
    printed: list[str] = []
    try:
        async with asyncio.timeout(START_TIMEOUT * 2):
            while not printed or not printed[-1].startswith("Ctrl-C"):
                line = await demo.stdout.readline()
                assert line, "the demo stopped:\n" + "".join(printed)
                printed.append(line.decode())
        assert any(line.startswith("  edu_head") for line in printed)

        listed = await say(data, "--as", "edu_head", "/my")
        assert "01-07/415" in listed
        assert "[🔎 01-07/415]" in listed
        card = await say(data, "--as", "edu_head", "--tap", "01-07/415")
        assert "Представить информацию о подготовке школ" in card
        accepted = await say(data, "--as", "edu_head", "--tap", "✅")
        assert "(edited)" in accepted
        assert "[✅" not in accepted  # accepted: the button is gone
        restricted = await say(data, "--as", "social_head", "/my")
        assert "04-ДСП/2" in restricted
        assert "Сведения ограниченного распространения" not in restricted
    finally:
        if demo.returncode is None:
            demo.send_signal(signal.SIGTERM)
        await asyncio.wait_for(demo.wait(), timeout=60)
    assert demo.returncode == 0
