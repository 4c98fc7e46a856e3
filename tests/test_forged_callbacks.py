"""Forged buttons: every CallbackData factory, every role, values outside the person's rights.

On a realistic directory (meeting staff: a head of another department, an executor, a deputy
akim curating one department, a person who left) with open assignments of two departments (one
restricted), an extension request, a «замечаний нет» round and a meeting with an agenda, every
factory's forged values are tapped by every person, least rights first. Each tap must be
answered; one outside the person's rights must leave every table as it was (audit and outbox
included); nothing shown to the person may carry an item they may not see. Dialog steps are
forged outside their dialog, and again inside another dialog (FOREIGN_STATES): they change
nothing for anyone. `may_change` is the coarse oracle of the taps within a person's rights.

One test per factory (a chunk), so each stays short; a factory added to handlers/callbacks.py
without a value generator here fails `test_every_factory_has_forged_values`.
"""

from __future__ import annotations

import inspect
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from aiogram import Dispatcher
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    SendDocument,
    SendMessage,
)
from aiogram.types import InlineKeyboardMarkup

from bot import services
from bot.assignments import steps as assignment_steps
from bot.config import Settings
from bot.dialogs import SqliteStorage
from bot.extensions import steps as extension_steps
from bot.meetings import steps as ms
from bot.profiles import Profile
from bot.remarks import steps as remark_steps
from bot.reports.rules import Preset
from bot.staff import steps as staff_steps
from bot.staff.csv_import import parse_staff_csv
from handlers import callbacks
from handlers.assignments.actions import ReportStates
from handlers.assignments.new_dialog import RegistrationStates
from handlers.meetings.change_dialog.dialog import ChangeStates
from handlers.meetings.new_dialog.draft import MeetingStates
from handlers.meetings.protocol_dialog import ProtocolStates
from handlers.remarks.new_dialog import RoundStates
from storage.domain.assignments import NewAssignment
from storage.domain.enums import Language, Mark, Role, Source
from storage.domain.meetings import MeetingFormat, MeetingKind, NewAgendaItem, NewMeeting
from storage.domain.remarks import RoundFile
from storage.models import Person
from storage.repo import Repos
from tests.conftest import MEETING_STAFF_CSV
from tests.fakes import RecordingBot, make_callback
from tests.helpers import everyone_joined

# the least rights first: a legitimate tap of a later person cannot hide an earlier one's hole
ORDER = (
    "gone",  # left the akimat (Person.active = 0)
    "m1",  # the head of another department (construction), an akimat member
    "edu_exec",  # an executor of education
    "fin_head",
    "edu_head",
    "dep1",  # a deputy akim curating education only
    "admin",
    "org",
    "akim",
    "hoa",
    "ctrl",
)
GONE_CSV = "gone,Кайрат Беков,Главный специалист,Отдел финансов,executor,ru,\n"

# what only some may see: unique markers
EDU_NUMBER, EDU_SUMMARY = "QZ-EDU-17", "Ремонт кровли школы-лицея"
FIN_NUMBER, FIN_SUMMARY = "QZ-FIN-29", "Закрытая смета резервного фонда"
EXT_REASONS = "Подрядчик сорвал поставку кровельного железа"
ROUND_SUBJECT = "Проект постановления о тарифах на воду"
AGENDA_TITLE = "О ходе отопительного сезона в школах"
MISSING = 99_999
HUGE = 2**70  # beyond SQLite's 64-bit integers


@dataclass
class World:
    edu: int
    fin: int
    constr: int
    edu_item: int
    fin_item: int  # restricted
    request: int  # edu_head's extension request on edu_item
    round_: int
    meeting: int
    agenda: dict[int, int] = field(default_factory=dict)  # agenda item id -> its department
    people: dict[str, Person] = field(default_factory=dict)

    def tg(self, code: str) -> int:
        telegram_id = self.people[code].telegram_id
        assert telegram_id is not None
        return telegram_id


async def build_world(repos: Repos, profile: Profile, settings: Settings) -> World:
    await repos.staff.import_staff(
        parse_staff_csv(MEETING_STAFF_CSV + GONE_CSV, Language.KK), actor="test"
    )
    await everyone_joined(repos)
    ctx = await services.make_context(repos, profile, settings)
    deps = {d.name: d.id for d in await repos.staff.departments()}
    edu, fin = deps["Отдел образования"], deps["Отдел финансов"]
    people = {p.code: p for p in await repos.staff.all_people()}

    async def register(number: str, summary: str, department: str, restricted: bool) -> int:
        item = await assignment_steps.register(
            ctx,
            NewAssignment(
                reg_number=number,
                received=ctx.today,
                source=Source.AKIM,
                summary=summary,
                executors=(department,),
                deadline=date(2027, 5, 12),
                mark=Mark.NONE,
                restricted=restricted,
            ),
            actor="ctrl",
        )
        return item.id

    edu_item = await register(EDU_NUMBER, EDU_SUMMARY, "Отдел образования", False)
    fin_item = await register(FIN_NUMBER, FIN_SUMMARY, "Отдел финансов", True)
    item = await repos.assignments.get(edu_item)
    assert item is not None
    request = await extension_steps.request_extension(
        ctx, people["edu_head"], item, edu, date(2027, 5, 24), EXT_REASONS
    )
    round_ = await remark_steps.start_round(
        ctx,
        people["ctrl"],
        subject=ROUND_SUBJECT,
        restricted=False,
        due=ctx.calendar.add_working_days(ctx.today, 3),
        files=[RoundFile("DRAFT-1", "проект.docx")],
        department_ids=[edu, fin],
        person_ids=[people["dep1"].id, people["akim"].id],
    )
    day = ctx.calendar.add_working_days(ctx.today, 15)
    recipients = [people[c].id for c in ("m1", "m2", "m3", "edu_head", "fin_head")]
    meeting = await ms.create_meeting(
        ctx,
        people["org"],
        NewMeeting(
            kind=MeetingKind.SESSION,
            starts_at=datetime.combine(day, time(10)),
            format=MeetingFormat.IN_PERSON,
            place="Зал заседаний",
            chair_id=people["hoa"].id,
            restricted=False,
            items=(
                NewAgendaItem(AGENDA_TITLE, "Асель Нурланова", edu),
                NewAgendaItem("Об исполнении бюджета", "Олег Ким", fin),
            ),
            recipients=tuple(await ms.member_flags(ctx, recipients)),
        ),
    )
    await ms.approve(ctx, people["akim"], meeting.id)
    found = await repos.meetings.get(meeting.id)
    assert found is not None
    await ms.distribute(ctx, found)
    agenda = {a.id: a.department_id for a in found.items if a.department_id is not None}
    await staff_steps.remove_people(ctx, [people["gone"]], actor="test")
    people = {p.code: p for p in await repos.staff.all_people()}
    assert not people["gone"].active
    return World(
        edu=edu,
        fin=fin,
        constr=deps["Отдел строительства"],
        edu_item=edu_item,
        fin_item=fin_item,
        request=request.id,
        round_=round_.id,
        meeting=meeting.id,
        agenda=agenda,
        people=people,
    )


# --- forged values, per factory ------------------------------------------------------------


def members(enum: type[StrEnum]) -> list[str]:
    return [m.value for m in enum]


def lang_values(w: World) -> Iterator[CallbackData]:
    for language in Language:
        yield callbacks.LangCallback(language=language)


def menu_values(w: World) -> Iterator[CallbackData]:
    for action in callbacks.MenuAction:
        yield callbacks.MenuCallback(action=action)


def item_values(w: World) -> Iterator[CallbackData]:
    for action in callbacks.ItemAction:
        yield callbacks.ItemCallback(action=action, id=MISSING)
        yield callbacks.ItemCallback(action=action, id=HUGE)
        yield callbacks.ItemCallback(action=action, id=w.edu_item, dep=HUGE)
        for item in (w.edu_item, w.fin_item):
            for dep in (0, w.edu, w.fin):
                yield callbacks.ItemCallback(action=action, id=item, dep=dep)
        for arg in (str(w.constr), str(MISSING), str(HUGE), "x", "-1"):
            yield callbacks.ItemCallback(action=action, id=w.fin_item, dep=w.fin, arg=arg)


def list_values(w: World) -> Iterator[CallbackData]:
    filters = ["", "overdue", f"d{w.fin}", f"d{w.edu}", f"d{MISSING}", f"d{HUGE}", "d²"]
    filters += ["sakim", "sx", "zz"]
    for scope in callbacks.ListScope:
        for flt in filters:
            yield callbacks.ListCallback(scope=scope, flt=flt)
        yield callbacks.ListCallback(scope=scope, page=40, flt=f"d{w.fin}")
        yield callbacks.ListCallback(scope=scope, page=-1)
        # a page's key names another department's (restricted) item, or none at all
        for at in (w.fin_item, -w.fin_item, MISSING, -MISSING, HUGE, -HUGE):
            yield callbacks.ListCallback(scope=scope, page=1, at=at)
            yield callbacks.ListCallback(scope=scope, page=1, flt=f"d{w.fin}", at=at)


def step_values(factory: type[CallbackData], steps: type[StrEnum]) -> Callable[[World], Any]:
    def values(w: World) -> Iterator[CallbackData]:
        for step in steps:
            # outside the dialog: none may count
            for value in ("", f"{w.meeting}.{w.fin}", f"{HUGE}.{HUGE}", str(HUGE), "²"):
                yield factory(step=step, value=value)

    return values


def ext_values(w: World) -> Iterator[CallbackData]:
    for action in callbacks.ExtAction:
        for thing in (w.request, w.edu_item, w.fin_item, MISSING, HUGE):
            for value in ("", "2027-05-24"):
                yield callbacks.ExtCallback(action=action, id=thing, value=value)


def remark_values(w: World) -> Iterator[CallbackData]:
    for action in callbacks.RemarkAction:
        for round_id in (w.round_, 0, MISSING, HUGE):
            yield callbacks.RemarkCallback(action=action, id=round_id)


def meet_values(w: World) -> Iterator[CallbackData]:
    for action in callbacks.MeetAction:
        yield callbacks.MeetCallback(action=action, id=MISSING)
        yield callbacks.MeetCallback(action=action, id=HUGE)
        for value in ("", "yes", "del", str(MISSING), str(HUGE), *map(str, w.agenda)):
            yield callbacks.MeetCallback(action=action, id=w.meeting, value=value)


def invite_values(w: World) -> Iterator[CallbackData]:
    for code in ("ctrl", "fin_head", "gone"):
        yield callbacks.InviteCallback(person=w.people[code].id)
    yield callbacks.InviteCallback(person=MISSING)
    yield callbacks.InviteCallback(person=HUGE)


def pass_values(w: World) -> Iterator[CallbackData]:
    executor = w.people["edu_exec"].id
    for action in callbacks.PassAction:
        for item in (w.edu_item, w.fin_item, MISSING, HUGE):
            yield callbacks.PassCallback(action=action, id=item, dep=HUGE, value=executor)
            for dep in (w.edu, w.fin):
                for value in (0, executor, MISSING, HUGE):
                    yield callbacks.PassCallback(action=action, id=item, dep=dep, value=value)


def lead_values(w: World) -> Iterator[CallbackData]:
    for action in callbacks.LeadAction:
        for thing in (w.edu, w.fin, w.edu_item, w.fin_item, MISSING, HUGE):
            for dep in (0, w.fin):
                yield callbacks.LeadCallback(action=action, id=thing, dep=dep)
        yield callbacks.LeadCallback(action=action, id=w.fin, dep=w.fin, page=40)
        yield callbacks.LeadCallback(action=action, id=w.fin, dep=w.fin, page=-1)
        for at in (w.fin_item, -w.fin_item, MISSING, -MISSING, HUGE, -HUGE):
            yield callbacks.LeadCallback(action=action, id=w.fin, dep=w.fin, page=1, at=at)


def removal_values(w: World) -> Iterator[CallbackData]:
    for action in callbacks.RemovalAction:
        for thing in (1, w.edu_item, w.fin_item, MISSING, HUGE):  # no removal waits in this world
            yield callbacks.RemovalCallback(action=action, id=thing)


def wait_values(w: World) -> Iterator[CallbackData]:
    for action in callbacks.WaitAction:
        for thing in (0, w.request, w.round_, MISSING, HUGE):
            yield callbacks.WaitCallback(action=action, id=thing)


def report_values(w: World) -> Iterator[CallbackData]:
    for action in callbacks.ReportAction:
        yield callbacks.ReportCallback(action=action)
        yield callbacks.ReportCallback(action=action, preset=Preset.THIS_MONTH)
        for code in ("ctrl", "gone"):
            yield callbacks.ReportCallback(action=action, person=w.people[code].id)
        yield callbacks.ReportCallback(action=action, person=MISSING)
        yield callbacks.ReportCallback(action=action, person=HUGE)


VALUES: dict[type[CallbackData], Callable[[World], Any]] = {
    callbacks.LangCallback: lang_values,
    callbacks.MenuCallback: menu_values,
    callbacks.ItemCallback: item_values,
    callbacks.ListCallback: list_values,
    callbacks.NewCallback: step_values(callbacks.NewCallback, callbacks.NewStep),
    callbacks.ExtCallback: ext_values,
    callbacks.RemarkCallback: remark_values,
    callbacks.RoundNewCallback: step_values(callbacks.RoundNewCallback, callbacks.RoundStep),
    callbacks.MeetCallback: meet_values,
    callbacks.MeetNewCallback: step_values(callbacks.MeetNewCallback, callbacks.MeetNewStep),
    callbacks.ProtocolCallback: step_values(callbacks.ProtocolCallback, callbacks.ProtocolStep),
    callbacks.MeetChangeCallback: step_values(
        callbacks.MeetChangeCallback, callbacks.MeetChangeStep
    ),
    callbacks.InviteCallback: invite_values,
    callbacks.PassCallback: pass_values,
    callbacks.LeadCallback: lead_values,
    callbacks.WaitCallback: wait_values,
    callbacks.RemovalCallback: removal_values,
    callbacks.ExecCallback: step_values(callbacks.ExecCallback, callbacks.ExecStep),
    callbacks.ReportCallback: report_values,
}


# a dialog's steps forged while the person is in another dialog (the one it is not valid in)
FOREIGN_STATES: dict[type[CallbackData], State] = {
    callbacks.NewCallback: MeetingStates.kind,
    callbacks.RoundNewCallback: RegistrationStates.source,
    callbacks.MeetNewCallback: RoundStates.restricted,
    callbacks.MeetChangeCallback: ProtocolStates.file,
    callbacks.ProtocolCallback: ChangeStates.fmt,
    callbacks.ItemCallback: ReportStates.collecting,
}
IN_DIALOGS = ("edu_head", "org", "ctrl")  # those who may be in one


def factories() -> list[type[CallbackData]]:
    return [
        value
        for _, value in inspect.getmembers(callbacks, inspect.isclass)
        if issubclass(value, CallbackData)
        and value is not CallbackData
        and value.__module__ == callbacks.__name__
    ]


def test_every_factory_has_forged_values() -> None:
    missing = {f.__name__ for f in factories()} - {f.__name__ for f in VALUES}
    assert not missing, f"no forged values for {sorted(missing)}: add a generator to VALUES"


def test_every_action_and_step_is_forged() -> None:
    """Each generator covers every member of its factory's action/step enum."""
    people = {c: _fake_person(i, c) for i, c in enumerate(ORDER)}
    w = World(1, 2, 3, 4, 5, 6, 7, 8, agenda={9: 1, 10: 2}, people=people)
    for factory, generate in VALUES.items():
        enums = {
            name: info.annotation
            for name, info in factory.model_fields.items()
            if isinstance(info.annotation, type) and issubclass(info.annotation, StrEnum)
        }
        for name, enum in enums.items():
            seen = {getattr(cb, name) for cb in generate(w)}
            assert seen == set(enum), f"{factory.__name__}.{name}: {set(enum) - seen}"


def _fake_person(number: int, code: str) -> Person:
    return Person(number, code, code, "", None, None, Language.RU, None, False, False)


# --- who may change what, who may see what --------------------------------------------------


def heads(w: World) -> dict[int, str]:
    return {w.edu: "edu_head", w.fin: "fin_head"}


def may_change(w: World, code: str, cb: CallbackData) -> bool:
    """Whether this tap is within the person's rights (then it may write); a coarse oracle:
    everything else must leave the database as it was."""
    person = w.people[code]
    roles = person.roles
    heads_of = heads(w)
    if not person.active:
        return False
    match cb:
        case callbacks.LangCallback():
            return True
        case callbacks.MenuCallback():
            return Role.ADMIN in roles
        case callbacks.InviteCallback():
            return Role.ADMIN in roles
        case callbacks.ReportCallback(action=callbacks.ReportAction.INVITE):
            return bool(roles & {Role.ADMIN, Role.CONTROLLER})
        case callbacks.ItemCallback(action=action, id=item, dep=dep):
            own = {w.edu_item: w.edu, w.fin_item: w.fin}.get(item)
            if action is callbacks.ItemAction.ACCEPT:
                return own is not None and dep == own and code == heads_of.get(own)
            return Role.CONTROLLER in roles and item in {w.edu_item, w.fin_item}
        case callbacks.PassCallback(id=item, dep=dep):  # the head passes their own item
            own = {w.edu_item: w.edu, w.fin_item: w.fin}.get(item)
            return own is not None and dep == own and code == heads_of.get(own)
        case callbacks.ExtCallback(action=callbacks.ExtAction.APPROVE, id=thing):
            return bool(roles & {Role.AKIM, Role.HEAD_OF_APPARATUS}) and thing == w.request
        case callbacks.RemarkCallback(action=callbacks.RemarkAction.OK, id=round_id):
            return code in {"edu_head", "fin_head", "dep1", "akim"} and round_id == w.round_
        case callbacks.MeetCallback(action=action, id=meeting, value=value) if (
            meeting == w.meeting
        ):
            if action is callbacks.MeetAction.ATTEND:
                return code in {"m1", "edu_head", "fin_head"}
            if action is callbacks.MeetAction.PAPER_YES:
                # materials of the department's own item (its staff), or the organizer's
                item_department = w.agenda.get(int(value)) if value.isdigit() else None
                staff = item_department is not None and person.department_id == item_department
                return code == "org" or (staff and bool(roles & {Role.HEAD, Role.EXECUTOR}))
            if action is callbacks.MeetAction.APPROVE:
                return code in {"akim", "hoa"}
            return code == "org"
    return False  # dialog steps outside their dialog; lists


def forbidden(w: World, code: str) -> list[str]:
    """What the person may not see (another department's items, a request, a round)."""
    person = w.people[code]
    if not person.active:
        return [
            *(EDU_NUMBER, EDU_SUMMARY, FIN_NUMBER, FIN_SUMMARY),
            *(EXT_REASONS, ROUND_SUBJECT, AGENDA_TITLE),
        ]
    if person.roles & {Role.CONTROLLER, Role.AKIM, Role.HEAD_OF_APPARATUS}:
        return []
    sees = {d for d in (person.department_id,) if d is not None} | set(person.curates)
    hidden: list[str] = []
    if w.edu not in sees:
        hidden += [EDU_NUMBER, EDU_SUMMARY, EXT_REASONS]
    if w.fin not in sees:
        hidden += [FIN_NUMBER, FIN_SUMMARY]
    if code in {"m1", "org", "admin"}:
        hidden.append(ROUND_SUBJECT)
    if code in {"edu_exec", "dep1", "admin"}:  # not on the meeting's list
        hidden.append(AGENDA_TITLE)
    return hidden


# --- the taps ----------------------------------------------------------------------------------


class Watch:
    """The database as another connection sees it: `PRAGMA data_version` moves only when
    someone else commits, so a full snapshot is taken (and compared) only then."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path)
        self.version = self._version()
        self.rows = self.snapshot()

    def _version(self) -> int:
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        tables = [
            row[0]
            for row in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " AND name != 'dialogs'"  # where a person is in a dialog: not a record changed
            )
        ]
        return {
            t: sorted(self.conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr)  # noqa: S608
            for t in tables
        }

    def dialog(self, fsm: FSMContext) -> tuple[str | None, str | None] | None:
        """The (state, data) row of this person's dialog, if any (an empty one has none)."""
        assert isinstance(fsm.storage, SqliteStorage)
        rows = self.conn.execute(
            "SELECT state, CASE WHEN data = '{}' THEN NULL ELSE data END FROM dialogs"
            " WHERE key = ?",
            (fsm.storage.keys.build(fsm.key),),
        ).fetchall()
        return (rows[0][0], rows[0][1]) if rows else None

    def changes(self) -> dict[str, Any]:
        """What changed since the last call (rows gone and new, per table)."""
        version = self._version()
        if version == self.version:
            return {}
        self.version, before, self.rows = version, self.rows, self.snapshot()
        return {
            table: {
                "gone": [r for r in rows if r not in self.rows[table]],
                "new": [r for r in self.rows[table] if r not in rows],
            }
            for table, rows in before.items()
            if self.rows[table] != rows
        }


def shown(bot: RecordingBot) -> list[str]:
    """Every text the person was shown: messages, edits, captions, alerts and button labels."""
    texts: list[str] = []
    for method in bot.sent():
        if isinstance(method, SendMessage | EditMessageText):
            texts.append(method.text or "")
        elif isinstance(method, SendDocument):
            texts.append(method.caption or "")
        elif isinstance(method, AnswerCallbackQuery):
            texts.append(method.text or "")
        markup = getattr(method, "reply_markup", None)
        if isinstance(method, SendMessage | EditMessageText | EditMessageReplyMarkup) and (
            isinstance(markup, InlineKeyboardMarkup)
        ):
            texts += [b.text for row in markup.inline_keyboard for b in row]
    return texts


@pytest.mark.parametrize("factory", list(VALUES), ids=lambda f: f.__name__)
async def test_forged_taps_change_nothing_and_show_nothing_foreign(
    factory: type[CallbackData],
    dp: Dispatcher,
    bot: RecordingBot,
    repos: Repos,
    profile: Profile,
    settings: Settings,
) -> None:
    w = await build_world(repos, profile, settings)
    taps = list(VALUES[factory](w))
    problems: list[str] = []
    watch = Watch(settings.database_path)
    rounds: list[tuple[str, State | None]] = [(code, None) for code in ORDER]
    if factory in FOREIGN_STATES:
        rounds += [(code, FOREIGN_STATES[factory]) for code in IN_DIALOGS]
    for code, in_state in rounds:
        user = w.tg(code)
        hidden = forbidden(w, code)
        fsm = dp.fsm.get_context(bot=bot, user_id=user, chat_id=user)
        for cb in taps:
            # each tap from no dialog (or from `in_state` with no data): written only when the
            # last tap left the person elsewhere, as the writes move the watch's data_version
            if watch.dialog(fsm) != (None if in_state is None else (in_state.state, None)):
                await fsm.clear()
                if in_state is not None:
                    await fsm.set_state(in_state)
            bot.clear()
            await dp.feed_update(bot, make_callback(cb.pack(), user_id=user))
            where = f"{code} {cb.pack()}" + (f" in {in_state.state}" if in_state else "")
            if not any(isinstance(m, AnswerCallbackQuery) for m in bot.sent()):
                problems.append(f"{where}: not answered")
            leaked = [h for h in hidden for text in shown(bot) if h in text]
            if leaked:
                problems.append(f"{where}: shows {sorted(set(leaked))}")
            changed = watch.changes()
            if changed and (in_state is not None or not may_change(w, code, cb)):
                problems.append(f"{where}: changed {changed}")
    watch.conn.close()
    assert not problems, "\n".join(problems[:40]) + f"\n({len(problems)} in all)"
