"""Text and files gathered over several messages (an execution report, remarks) before sending:
one part at a time into the draft kept in the state, the «Send» / «Cancel» buttons under it,
and «Cancel» itself."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from handlers.keyboards import Keyboard
from handlers.loaders import Dialog
from handlers.replies import draft_gone
from storage.domain.assignments import Assignment, ReportFile

MAX_REPORT_FILES = 10  # per report on an assignment, the head's or an executor's draft


async def add_part(
    message: Message,
    draft: dict[str, Any],
    *,
    restricted_refusal: str | None,
    max_files: int,
    too_many_files: str,
    max_chars: int | None = None,
    too_long: str = "",
) -> bool:
    """Add the message's text, or its document (and caption), to `draft["text"]` /
    `draft["files"]`. A refusal is answered with its reason and changes nothing (False).

    `restricted_refusal` is the answer to a file when files are not accepted (restricted
    items); None accepts files.
    """
    if message.document is not None:
        if restricted_refusal is not None:
            await message.answer(restricted_refusal)
            return False
        if len(draft["files"]) >= max_files:
            await message.answer(too_many_files)
            return False
        texts = [*draft["text"], message.caption] if message.caption else draft["text"]
        name = message.document.file_name or "document"
        parts = {"files": [*draft["files"], [message.document.file_id, name]], "text": texts}
    elif message.text:
        parts = {"files": draft["files"], "text": [*draft["text"], message.text]}
    else:
        await message.answer(_("Send text or a document (file)."))
        return False
    if max_chars is not None and len("\n\n".join(parts["text"])) > max_chars:
        await message.answer(too_long)
        return False
    draft.update(parts)
    return True


async def acknowledge(
    message: Message, draft: dict[str, Any], markup: InlineKeyboardMarkup
) -> None:
    await message.answer(
        _("Received: {parts} text part(s), {files} file(s).").format(
            parts=len(draft["text"]), files=len(draft["files"])
        ),
        reply_markup=markup,
    )


def cancel_only(drop: CallbackData) -> InlineKeyboardMarkup:
    """«Cancel» under a draft's prompt, before anything is in it (then `send_or_cancel`)."""
    builder = Keyboard()
    builder.button(text=_("✖️ Cancel"), callback_data=drop)
    return builder.as_markup()


def send_or_cancel(
    send_label: str, send: CallbackData, drop: CallbackData
) -> InlineKeyboardMarkup:
    """«Send …» and «Cancel», side by side, under a draft."""
    builder = Keyboard()
    builder.button(text=send_label, callback_data=send)
    builder.button(text=_("✖️ Cancel"), callback_data=drop)
    builder.adjust(2)
    return builder.as_markup()


async def take_part(
    message: Message,
    state: FSMContext,
    draft: dict[str, Any],
    markup: InlineKeyboardMarkup,
    **limits: Any,
) -> None:
    """One more part of the draft kept in the state (see `add_part` for the limits); once
    taken, the state keeps it and the person sees the count with `markup` under it."""
    if await add_part(message, draft, **limits):
        await state.set_data(draft)
        await acknowledge(message, draft, markup)


async def take_report_part(
    message: Message,
    dialog: Dialog[Assignment],
    send_label: str,
    send: CallbackData,
    drop: CallbackData,
) -> None:
    """One more part of a report on the dialog's assignment, «Send …» and «Cancel» under it: no
    files on a restricted item, and at most `MAX_REPORT_FILES` of them."""
    await take_part(
        message,
        dialog.state,
        dialog.data,
        send_or_cancel(send_label, send, drop),
        restricted_refusal=_(
            "Files are not accepted for a restricted item. Hand over the paper copy."
        )
        if dialog.item.restricted
        else None,
        max_files=MAX_REPORT_FILES,
        too_many_files=_("At most {count} files per report.").format(count=MAX_REPORT_FILES),
    )


async def finished_report(
    query: CallbackQuery, state: FSMContext, collecting: State, item_id: int
) -> tuple[str, list[ReportFile]] | None:
    """«Send» under a report drafted in `collecting` on this item: its text and files, and the
    draft ends (sent or refused). None, the tap answered, when the draft is not this one or
    has no text yet."""
    data: dict[str, Any] = await state.get_data()
    if await state.get_state() != collecting or data.get("id") != item_id:
        await draft_gone(query)
        return None
    text = "\n\n".join(data["text"]).strip()
    if not text:
        await query.answer(_("The report needs text. Send it as a message."), show_alert=True)
        return None
    files = [ReportFile(file_id, name) for file_id, name in data["files"]]
    await state.clear()  # sent or refused, the draft ends here
    return text, files


async def send_report(
    query: CallbackQuery,
    state: FSMContext,
    collecting: State,
    item: Assignment,
    submit: Callable[[str, list[ReportFile]], Awaitable[object]],
    done: str,
) -> None:
    """«Send» under a report drafted in `collecting` on `item` (see `finished_report`): its text
    and files go to `submit` (the step), and the draft's message then reads `done`."""
    report = await finished_report(query, state, collecting, item.id)
    if report is None:
        return
    await submit(*report)
    await query.answer(_("Sent."))
    if query.message is not None:
        await query.message.edit_text(done)  # type: ignore[union-attr]


async def drop_draft(query: CallbackQuery, state: FSMContext, callback_data: CallbackData) -> None:
    """«Cancel» under a draft: it ends, and nothing is saved. The Cancel of another draft (an
    earlier item's, or one already sent or left) is stale: the draft in progress stays."""
    data = await state.get_data()
    if data.get("id", data.get("round")) != getattr(callback_data, "id", None):
        await draft_gone(query)
        return
    await state.clear()
    await query.answer(_("Cancelled. Nothing was saved."))
    if query.message is not None:
        await query.message.edit_text(_("Cancelled. Nothing was saved."))  # type: ignore[union-attr]


async def add_file(
    message: Message,
    state: FSMContext,
    draft: dict[str, Any],
    max_files: int,
    markup: InlineKeyboardMarkup,
) -> list[list[str]] | None:
    """A draft of files only (materials, a round's documents): the message's document joins
    the state's `files` ([file id, name] pairs), which are returned; None when there are
    `max_files` already (the person is told, with `markup` under it)."""
    assert message.document is not None  # the handler's filter
    files: list[list[str]] = list(draft.get("files", []))
    if len(files) >= max_files:
        await message.answer(
            _("At most {count} files.").format(count=max_files), reply_markup=markup
        )
        return None
    files.append([message.document.file_id, message.document.file_name or "file"])
    await state.update_data(files=files)
    return files


def file_names(files: list[list[str]]) -> str:
    return ", ".join(name for _id, name in files)
