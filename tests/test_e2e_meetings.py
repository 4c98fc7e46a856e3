"""End to end: an akimat session with three agenda items for twenty members and five invitees,
run by the organizer from the phone against the real `python -m bot` process.

create (dialog) → materials from the three responsible departments → the agenda returned with
remarks and sent again → approval by the akim in one
tap → `sweep --at` three working days before: everyone gets the agenda, the materials and a
calendar file → confirmations and the quorum in the live view → a time change, re-confirmed →
the protocol with its assignments put on control.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

from tests.e2e import bot_env, onboard, prepare_staff, run_cli, running_bot
from tests.fake_api import ApiCall, FakeBotAPI

MEMBER_DEPARTMENTS = [f"Управление № {i:02d}" for i in range(1, 20)]
ORG, AKIM, CTRL = 7001, 7002, 7003
MEMBERS = {f"m{i:02d}": 7100 + i for i in range(1, 20)}  # with the akim: twenty members
INVITEES = {f"i{i}": 7200 + i for i in range(1, 6)}
CSV = (
    "code,full_name,position,department,roles,language,curates\n"
    "org,Жанар Касымова,Руководитель организационного отдела,Организационный отдел,"
    "organizer,ru,\n"
    "akim,Ерлан Жумабеков,Аким города,,akim;member,kk,\n"
    "ctrl,Бауыржан Исаев,Главный специалист,Отдел контроля,controller,ru,\n"
    + "".join(
        f"m{i:02d},Член акимата {i:02d},Руководитель,{name},head;member,"
        f"{'kk' if i % 2 else 'ru'},\n"
        for i, name in enumerate(MEMBER_DEPARTMENTS, start=1)
    )
    + "".join(
        f"i{i},Приглашённый {i},Депутат маслихата,Маслихат {i},head,ru,\n" for i in range(1, 6)
    )
)
MEETING_DAY = "17.02.2027"  # a Wednesday: materials due 10.02, distribution 12.02 (Friday)
ITEMS = (
    ("О ходе отопительного сезона", "Член акимата 01, руководитель", MEMBER_DEPARTMENTS[0]),
    ("О бюджете города на 2027 год", "Член акимата 02, руководитель", MEMBER_DEPARTMENTS[1]),
    ("О благоустройстве дворов", "Член акимата 03, руководитель", MEMBER_DEPARTMENTS[2]),
)


def buttons(call: ApiCall) -> dict[str, str]:
    markup = call.params.get("reply_markup") or {}
    return {
        str(b["text"]): str(b["callback_data"])
        for row in markup.get("inline_keyboard", [])
        for b in row
        if "callback_data" in b
    }


def message_id(call: ApiCall) -> int:
    if call.method.lower() == "editmessagetext":
        return int(call.params["message_id"])
    return int(call.result["message_id"])


async def screen(
    api: FakeBotAPI, chat: int, after: int, has: str | None = None, timeout: float = 60
) -> ApiCall:
    """The first message sent or edited in `chat` after `after` — with a button whose data
    starts with `has`, when given."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        for call in api.requests[after:]:
            if call.method.lower() not in {"sendmessage", "editmessagetext"}:
                continue
            if call.params.get("chat_id") != chat:
                continue
            if has is None or any(d.startswith(has) for d in buttons(call).values()):
                return call
        if loop.time() > deadline:
            tail = [
                (c.method, str(c.params.get("text", c.params.get("data", "")))[:80])
                for c in api.requests[max(0, after - 3) :]
            ]
            raise AssertionError(f"no screen with {has!r} in chat {chat}; last calls: {tail}")
        await asyncio.sleep(0.02)


def data_with(call: ApiCall, prefix: str, label: str | None = None) -> str:
    for text, data in buttons(call).items():
        if data.startswith(prefix) and (label is None or label in text):
            return data
    raise AssertionError(f"no button {prefix!r} {label!r} in {buttons(call)}")


class Phone:
    """One person's chat with the bot: type, press, and wait for the next screen."""

    def __init__(self, api: FakeBotAPI, chat: int) -> None:
        self.api = api
        self.chat = chat
        self.last: ApiCall | None = None

    async def type(self, text: str, has: str | None = None) -> ApiCall:
        mark = self.api.mark()
        self.api.send_text(self.chat, text)
        self.last = await screen(self.api, self.chat, mark, has)
        return self.last

    async def send_file(self, content: bytes, name: str, has: str | None = None) -> ApiCall:
        mark = self.api.mark()
        self.api.send_document(self.chat, content, name)
        self.last = await screen(self.api, self.chat, mark, has)
        return self.last

    async def press(
        self,
        prefix: str,
        has: str | None = None,
        on: ApiCall | None = None,
        label: str | None = None,
    ) -> ApiCall:
        """Press the button of the last screen (or `on`) whose data starts with `prefix`."""
        source = on or self.last
        assert source is not None
        data = data_with(source, prefix, label)
        mark = self.api.mark()
        self.api.press(self.chat, data, message_id=message_id(source))
        self.last = await screen(self.api, self.chat, mark, has)
        return self.last

    async def answer_of_press(self, data: str, on: ApiCall) -> ApiCall:
        """Press and return the callback query's answer (an alert or a toast)."""
        mark = self.api.mark()
        self.api.press(self.chat, data, message_id=message_id(on))
        return await self.api.wait_for("answerCallbackQuery", after=mark)


def received(api: FakeBotAPI, chat: int, after: int = 0) -> list[ApiCall]:
    return [
        call
        for call in api.requests[after:]
        if call.params.get("chat_id") == chat
        and call.method.lower() in {"sendmessage", "senddocument"}
    ]


async def sweep_at(env: dict[str, str], tmp_path: Path, moment: str) -> str:
    code, out, err = await run_cli(env, tmp_path, "sweep", "--at", moment)
    assert code == 0, err
    return out


def db_rows(tmp_path: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(tmp_path / "data" / "baqylau.sqlite3") as db:
        return list(db.execute(sql, params))


ANSWERS = "SELECT answer, COUNT(*) FROM meeting_recipients WHERE meeting_id = ? GROUP BY answer"


async def settled(
    tmp_path: Path, expected: list[tuple[Any, ...]], sql: str, *params: Any, timeout: float = 60
) -> None:
    """Wait until the bot has written what the phones sent (each person's updates are handled
    on their own, so another person's next screen may come first): a condition, not a pause."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (rows := db_rows(tmp_path, sql, *params)) != expected:
        if loop.time() > deadline:
            raise AssertionError(f"not within {timeout} s: {expected}, but {rows}")
        await asyncio.sleep(0.05)


async def create_session(org: Phone) -> int:
    """The organizer's dialog, button by button, as on the phone."""
    await org.type("/meeting", has="m:new")
    await org.press("m:new", has="mn:kind:")
    await org.press("mn:kind:session", has="mn:rst:")  # asked before any content
    await org.press("mn:rst:0", has="mn:notitle")
    await org.press("mn:notitle")
    await org.type(MEETING_DAY, has="mn:time:")
    await org.press("mn:time:1000", has="mn:fmt:")
    await org.press("mn:fmt:in_person")
    await org.type("Зал заседаний акимата, каб. 301", has="mn:chair:")
    await org.press("mn:chair:", label="Жумабеков Е.")
    for index, (title, speaker, department) in enumerate(ITEMS):
        await org.type(title, has="mn:nospk")
        await org.type(speaker, has="mn:idep:")
        await org.type(department, has="mn:idep:")
        await org.press("mn:idep:", label=department, has="mn:agdone")
        if index + 1 < len(ITEMS):
            await org.press("mn:more")
    await org.press("mn:agdone", has="mn:allm")
    await org.press("mn:allm", has="mn:mode:")
    await org.press("mn:mode:per", has="mn:rper:")
    await org.type("Приглашённый", has="mn:rper:")
    for number in range(1, 6):
        await org.press("mn:rper:", label=f"Приглашённый {number}", has="mn:rper:")
    await org.press("mn:done", has="mn:ok")
    view = await org.press("mn:ok", has="m:open")
    return int(data_with(view, "m:open").split(":")[2])


async def test_session_for_twenty_members(api: FakeBotAPI, tmp_path: Path) -> None:
    env = bot_env(api, tmp_path)
    tokens = await prepare_staff(env, tmp_path, CSV)
    everyone = {"org": ORG, "akim": AKIM, "ctrl": CTRL, **MEMBERS, **INVITEES}
    languages = dict.fromkeys(everyone, "ru")
    languages.update({"akim": "kk"}, **{code: "kk" for code in MEMBERS if int(code[1:]) % 2})
    recipients = {"akim": AKIM, **MEMBERS, **INVITEES}
    async with running_bot(api, env, tmp_path):
        for code, user in everyone.items():
            await onboard(api, user, tokens[code], languages[code])
        org = Phone(api, ORG)

        # 1. the organizer creates the session: 3 items, 20 members (the akim chairs), 5 invitees
        created = api.mark()
        meeting_id = await create_session(org)
        rows = db_rows(
            tmp_path, "SELECT kind, starts_at, status FROM meetings WHERE id = ?", meeting_id
        )
        assert rows == [("session", "2027-02-17T10:00:00", "draft")]
        counts = db_rows(
            tmp_path,
            "SELECT member, COUNT(*) FROM meeting_recipients WHERE meeting_id = ? GROUP BY member",
            meeting_id,
        )
        assert dict(counts) == {1: 20, 0: 5}

        # 2. materials: the three responsible heads are asked at once; two send files, one paper
        heads = [Phone(api, MEMBERS[code]) for code in ("m01", "m02", "m03")]
        for head in heads:
            head.last = await screen(api, head.chat, created, has="m:mat:")
        for head, name in zip(
            heads[:2], ("справка_отопление.pdf", "бюджет_2027.xlsx"), strict=True
        ):
            await head.press("m:mat:")
            await head.send_file(b"%PDF-1.4 " + name.encode(), name, has="m:mat_send")
            mark = api.mark()
            await head.press("m:mat_send")
            await api.wait_for("sendMessage", lambda c: c.params.get("chat_id") == ORG, after=mark)
        await heads[2].press("m:paper:", has="m:paper_yes")
        await heads[2].press("m:paper_yes")
        view = await org.type("/meeting", has="m:open")
        view = await org.press("m:open", has="m:ask")
        text = str(view.params["text"])
        assert text.count("✅") >= 3, text  # three items in (two with files, one on paper)

        # 3. approval: the akim returns the agenda with remarks, then approves it sent again
        mark = api.mark()
        await org.press("m:ask")
        akim = Phone(api, AKIM)
        akim.last = await screen(api, AKIM, mark, has="m:appr:")
        assert "О бюджете города на 2027 год" in str(akim.last.params["text"])
        await akim.press("m:ret:", has="m:ret_drop")
        told = api.mark()
        remarks = "Докладчика по второму вопросу уточнить."
        await akim.type(remarks)
        notice = await screen(api, ORG, told, has="m:open")
        assert remarks in str(notice.params["text"])
        await settled(
            tmp_path,
            [(1, remarks)],
            "SELECT round, remarks FROM meeting_returns WHERE meeting_id = ?",
            meeting_id,
        )
        mark = api.mark()
        await org.answer_of_press(data_with(view, "m:ask"), view)
        akim.last = await screen(api, AKIM, mark, has="m:appr:")
        assert data_with(akim.last, "m:appr:").endswith(":2")  # the second round
        answer = await akim.answer_of_press(data_with(akim.last, "m:appr:"), akim.last)
        assert answer.params.get("text"), answer.params
        assert db_rows(tmp_path, "SELECT status FROM meetings WHERE id = ?", meeting_id) == [
            ("approved",)
        ]

        # 4. nothing goes out before the day; three working days before, everyone gets it all
        await sweep_at(env, tmp_path, "2027-02-11T09:00")
        assert not [c for c in api.requests[mark:] if buttons(c) and "m:att:" in str(buttons(c))]
        sent = api.mark()
        await sweep_at(env, tmp_path, "2027-02-12T09:00")
        agenda: dict[str, ApiCall] = {}
        for code, chat in recipients.items():
            agenda[code] = await screen(api, chat, sent, has="m:att:")
            files = [
                c
                for c in api.requests[sent:]
                if c.method == "sendDocument" and c.params.get("chat_id") == chat
            ]
            names = sorted(str(c.params.get("caption") or "") for c in files)
            assert len(files) == 3, (code, names)  # two materials and the calendar file
        uploads = [
            c
            for c in api.requests[sent:]
            if c.method == "sendDocument" and not isinstance(c.params.get("document"), str)
        ]
        assert len(uploads) == 2, uploads  # one .ics per language; materials go by file_id
        assert all(str(u.params["document"].filename).endswith(".ics") for u in uploads)

        # 5. confirmations: 12 members will attend, 3 cannot, 1 sends a substitute, 4 silent
        member_codes = ["akim", *MEMBERS]
        for code in [*member_codes[:12], "i1", "i2"]:
            phone = Phone(api, recipients[code])
            await phone.answer_of_press(f"m:att:{meeting_id}:yes", agenda[code])
        for code in member_codes[12:15]:
            phone = Phone(api, recipients[code])
            phone.last = agenda[code]
            await phone.press(f"m:att:{meeting_id}:no")
            await phone.type("Командировка в область")
        phone = Phone(api, recipients[member_codes[15]])
        phone.last = agenda[member_codes[15]]
        await phone.press(f"m:att:{meeting_id}:sub")
        await phone.type("Заместитель руководителя Серикбаев Д.")
        # 12 members and 2 invitees attend
        counted = [("absent", 3), ("attend", 14), ("pending", 7), ("substitute", 1)]
        await settled(tmp_path, counted, ANSWERS, meeting_id)
        view = await org.type("/meeting", has="m:open")
        view = await org.press("m:open", has="m:people")
        text = str(view.params["text"])
        assert "12" in text and "14" in text, text  # 12 of 20 members will attend, 14 needed

        # 6. the silent are nudged the next working day, and only they
        nudged = api.mark()
        await sweep_at(env, tmp_path, "2027-02-15T09:00")
        silent = {recipients[c] for c in [*member_codes[16:], "i3", "i4", "i5"]}
        for chat in silent:
            await screen(api, chat, nudged, has="m:att:")
        answered = set(recipients.values()) - silent
        assert not [
            c
            for c in api.requests[nudged:]
            if c.params.get("chat_id") in answered and "m:att:" in str(buttons(c))
        ]

        # 7. the time changes: everyone hears what changed and confirms again
        await org.press("m:chg:", has="m:chg:")
        await org.press(f"m:chg:{meeting_id}:time")
        changed = api.mark()
        await org.type("17.02.2027 15:00")
        for chat in recipients.values():
            call = await screen(api, chat, changed, has="m:att:")
            assert "15:00" in str(call.params["text"])
        assert db_rows(
            tmp_path,
            "SELECT version, starts_at FROM meetings WHERE id = ?",
            meeting_id,
        ) == [(2, "2027-02-17T15:00:00")]
        again = Phone(api, recipients["m01"])
        again.last = await screen(api, recipients["m01"], changed, has="m:att:")
        await again.answer_of_press(f"m:att:{meeting_id}:yes", again.last)
        await settled(tmp_path, [("attend", 1), ("pending", 24)], ANSWERS, meeting_id)

        # 8. the meeting is held (time moves on: the test sets it to yesterday); the protocol
        # is registered with two assignments, which go on control at once
        with sqlite3.connect(tmp_path / "data" / "baqylau.sqlite3") as db:
            db.execute(
                "UPDATE meetings SET starts_at = datetime('now', '+5 hours', '-1 day')"
                " WHERE id = ?",
                (meeting_id,),
            )
        await org.type("/meeting", has="m:open")
        await org.press("m:open", has="m:proto")
        await org.press("m:proto", has="pr:file")
        await org.send_file(b"%PDF-1.4 protocol", "протокол_1.pdf", has="pr:today")
        await org.press("pr:today")
        for summary, department in (
            ("Обеспечить бесперебойное теплоснабжение", MEMBER_DEPARTMENTS[0]),
            ("Внести уточнения в бюджет", MEMBER_DEPARTMENTS[1]),
        ):
            await org.type(summary, has="pr:dep:")
            await org.type(department, has="pr:dep:")
            await org.press("pr:dep:", label=department, has="pr:done")
            await org.press("pr:done", has="pr:dl")
            await org.press("pr:dl", has="pr:task")
            if summary.startswith("Обеспечить"):
                await org.press("pr:task:add")
        await org.press("pr:task:end", has="pr:ok")
        registered = api.mark()
        done = await org.press("pr:ok")
        year = db_rows(tmp_path, "SELECT year, number FROM protocols")
        assert year and year[0][1] == 1
        label = f"{year[0][1]}/{year[0][0]}"
        assert label in str(done.params["text"])
        numbers = [
            row[0] for row in db_rows(tmp_path, "SELECT reg_number FROM assignments ORDER BY id")
        ]
        assert numbers == [f"П-{label}/1", f"П-{label}/2"]
        for chat in (MEMBERS["m01"], MEMBERS["m02"]):
            await screen(api, chat, registered, has="a:")  # the assignment card
        await api.wait_for(
            "sendDocument", lambda c: c.params.get("chat_id") == CTRL, after=registered
        )
