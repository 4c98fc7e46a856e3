"""End to end: `python -m bot sweep --at` sends a deadline notice once, never on a holiday."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.e2e import bot_env, notices, onboard, prepare_staff, run_cli, running_bot
from tests.fake_api import FakeBotAPI

EDU, CTRL = 5201, 5203


async def test_sweep_at_sends_the_notice_exactly_once(api: FakeBotAPI, tmp_path: Path) -> None:
    env = bot_env(api, tmp_path)
    tokens = await prepare_staff(env, tmp_path)

    async with running_bot(api, env, tmp_path):
        for staff_code, user in (("edu_head", EDU), ("ctrl", CTRL)):
            await onboard(api, user, tokens[staff_code], "ru")

        today = datetime.now(ZoneInfo("Asia/Almaty")).date()
        (tmp_path / "items.csv").write_text(
            "reg_number,received,source,issuer_code,summary,executors,deadline,mark,restricted\n"
            f"05-12/1,{today},akim,,Отчёт о подготовке к паводкам,Отдел образования,"
            "2027-05-12,,0\n",
            encoding="utf-8",
        )
        assert (await run_cli(env, tmp_path, "assignments", "import", "items.csv"))[0] == 0

        code, out, err = await run_cli(env, tmp_path, "sweep", "--at", "2027-05-04T09:00")
        assert code == 0, err
        assert notices(api, EDU) == []
        for _ in range(3):  # however often it runs, and while the bot runs too
            code, out, err = await run_cli(env, tmp_path, "sweep", "--at", "2027-05-05T09:00")
            assert code == 0, err
        [notice] = notices(api, EDU)
        assert "№ 05-12/1: срок 12 мая 2027 г. (среда)" in notice
        assert len(notices(api, CTRL)) == 1

        # 7 May 2027 is a holiday: a sweep then sends nothing and says when it will
        code, out, err = await run_cli(env, tmp_path, "sweep", "--at", "2027-05-07T10:00")
        assert code == 0, err
        assert "wait until 2027-05-11 09:00" in out
        assert len(notices(api, EDU)) == 1

        code, _, err = await run_cli(env, tmp_path, "sweep", "--at", "2027-13-01T09:00")
        assert code == 1
        assert "YYYY-MM-DDTHH:MM" in err
