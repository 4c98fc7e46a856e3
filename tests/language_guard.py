"""The language guard: every text and button the tests make the bot send is checked for what a
reader must never see (README, "Languages").

`record_method` (the recording bot) and `record_call` (the fake Bot API) collect every message,
caption, button and alert of the test session with the reader's language when it is known (the
locale of the handler that answers, or the person the sender rendered it for: `remember_chat`);
`tests/conftest.py` fails the session when `problems()` is not empty. The checks are pure
functions, tested in `tests/test_language_guard.py`.

Directory data (department, position and person names, summaries typed in a test) are not
template text: the language checks look only for tokens no data in these tests contains.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ALERT_LIMIT = 200  # Telegram's limit for an answerCallbackQuery text
BUTTON_LIMIT = 32  # what a phone shows of an inline button in a row of one
MESSAGE_LIMIT = 1500  # about two phone screens
ROW_LIMIT = 44  # the labels of one row of buttons together, as a phone shows them uncut

# Latin words a reader may see: product names, file types, the bot's own commands.
ALLOWED_LATIN = frozenset(
    {
        "telegram",
        "xlsx",
        "docx",
        "pdf",
        "ics",
        "csv",
        "id",
        "edms",
        "ok",
        "zoom",
        "webex",
        "teams",
        "url",
        "http",
        "https",
    }
)
# Staff codes of the tests' directories (data an administrator sees, as «/invite CODE»), read
# from every staff CSV in the tests.
_STAFF_ROW = re.compile(
    r"(?m)(?:^|\\n|\")\s*([a-z][\w.\-]*),[^,\n\"]+,[^,\n\"]*,[^,\n\"]*,[a-z_;]*,"
)


def _staff_codes() -> frozenset[str]:
    codes: set[str] = set()
    for path in Path(__file__).parent.glob("*.py"):
        codes.update(_STAFF_ROW.findall(path.read_text(encoding="utf-8")))
    return frozenset(codes - {"code", "reg_number", "a"})  # the CSV headers, a one-letter word


DATA_WORDS = _staff_codes()

_URL = re.compile(r"https?://\S+|t\.me/\S+|@\w+")
_COMMAND = re.compile(r"(?<![\w/])/[a-z_]+")
_FILE = re.compile(r"[\w.\-]+\.(?:xlsx|docx|pdf|ics|csv|txt|png|jpg|doc|xls|zip)\b", re.IGNORECASE)
# data: registration numbers («№ L-20», «QZ-FIN-29», «M0-4»): any word with a digit in it
_REG_NUMBER = re.compile(r"[\w/\-]*\d[\w/\-]*")
# the command line an administrator is told to run («staff import», «staff acting …»)
_CLI = re.compile(
    r"\b(?:staff|calendar|assignments) (?:import|acting|invites?|remove|list|set|unset|show)\b"
)
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z_]*")
_ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")  # «г..», «Омарова Д. М..»; not «...»
# Russian tokens a Kazakh template must not carry (data never has them in these tests)
_KK_FOREIGN = {
    "«п.» (Kazakh: «35-т.»)": re.compile(r"(?<![\w.])п\.\s?\d"),
    "«ДСП» (Kazakh: «ҚБП»)": re.compile(r"(?<![\w/\-])ДСП(?![\w/\-])"),
    "a Russian date («г.»)": re.compile(r"\d{4}\s?г\."),
    "a Russian month": re.compile(
        r"\d{1,2} (?:января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября"
        r"|ноября|декабря)\b"
    ),
}
# One Kazakh word for one thing (README, "Languages"): a button is «батырма»; leaving a dialog is
# «Болдырмау», «Бас тарту» only refuses a request
_KK_VOCABULARY = {
    "«түйме» (Kazakh: «батырма»)": re.compile(r"(?i)\bтүйме"),
    "«Бас тарту» for /cancel (Kazakh: «Болдырмау»)": re.compile(
        r"(?i)бас тарту — /cancel|/cancel — бас тарту|✖️ Бас тарту"
    ),
}
# Kazakh tokens a Russian template must not carry
_RU_FOREIGN = {
    "a Kazakh date («жылғы»)": re.compile(r"\d{4} жылғы"),
    "a Kazakh paragraph mark («-т.»)": re.compile(r"\d-т\."),
    "«ҚБП»": re.compile(r"(?<![\w/\-])ҚБП(?![\w/\-])"),
}


@dataclass(frozen=True, slots=True)
class Seen:
    kind: str  # "message", "button", "row" (a keyboard row's labels) or "alert"
    text: str
    language: str | None  # "kk", "ru", or None when not known
    where: str | None  # the test that made it


def latin_words(text: str) -> list[str]:
    """Latin words outside the allow-list, after links, commands and file names are taken out."""
    bare = _CLI.sub(" ", _FILE.sub(" ", _COMMAND.sub(" ", _URL.sub(" ", text))))
    bare = _REG_NUMBER.sub(" ", bare)
    allowed = ALLOWED_LATIN | DATA_WORDS | TYPED
    return [w for w in _LATIN_WORD.findall(bare) if w.lower() not in allowed]


def check(seen: Seen) -> list[str]:
    """What is wrong with one text (empty: nothing)."""
    text = seen.text
    found: list[str] = []
    latin = latin_words(text)
    if latin:
        found.append(f"Latin words or codes {sorted(set(latin))}")
    if _ISO_DATE.search(_FILE.sub(" ", text)):
        found.append("an ISO date (write «4 декабря 2026 г.» or 04.12.2026)")
    if _DOUBLE_STOP.search(text):
        found.append("a double full stop («г..», «Д. М..»)")
    if seen.language == "kk":
        found += [
            f"Russian in Kazakh: {what}" for what, p in _KK_FOREIGN.items() if p.search(text)
        ]
        found += [f"Kazakh word: {what}" for what, p in _KK_VOCABULARY.items() if p.search(text)]
    if seen.language == "ru":
        found += [
            f"Kazakh in Russian: {what}" for what, p in _RU_FOREIGN.items() if p.search(text)
        ]
    limits = {"alert": ALERT_LIMIT, "button": BUTTON_LIMIT, "message": MESSAGE_LIMIT}
    if seen.kind == "row":
        width = len(text) - 3 * text.count(" | ")
        if width > ROW_LIMIT:
            found.append(f"a row of {text.count(' | ') + 1} buttons, {width} characters")
    elif len(text) > limits[seen.kind]:
        found.append(f"{len(text)} characters, over {limits[seen.kind]} for a {seen.kind}")
    return found


# --- what the session saw ------------------------------------------------------------------------

SEEN: list[Seen] = []
TYPED: set[str] = set()
CHAT_LANGUAGE: dict[int, str] = {}
current_test: str | None = ""


def typed(text: str) -> None:
    """A person typed this in a test: its words are data when the bot shows them back."""
    TYPED.update(word.lower() for word in _LATIN_WORD.findall(text))


def remember_chat(chat_id: int | None, language: str) -> None:
    """This chat reads this language (the sender rendered for it, or the person wrote)."""
    if chat_id is not None:
        CHAT_LANGUAGE[chat_id] = language


def _context_language() -> str | None:
    try:
        from aiogram.utils.i18n.context import get_i18n

        return str(get_i18n().current_locale)
    except LookupError:
        return None


def _rows(markup: Any) -> Iterator[list[str]]:
    if isinstance(markup, str):
        markup = json.loads(markup)
    if hasattr(markup, "model_dump"):
        markup = markup.model_dump()
    if not isinstance(markup, dict):
        return
    for row in markup.get("inline_keyboard") or markup.get("keyboard") or []:
        texts = [button.get("text") if isinstance(button, dict) else button for button in row]
        yield [text for text in texts if isinstance(text, str)]


def _record(params: dict[str, Any], method: str, language: str | None) -> None:
    if current_test is None:  # a test whose texts are its own (marked no_language_guard)
        return
    chat = params.get("chat_id")
    if isinstance(chat, int) and chat in CHAT_LANGUAGE:  # the reader's language, when known
        language = CHAT_LANGUAGE[chat]
    name = method.lower()
    for key in ("text", "caption"):
        value = params.get(key)
        if isinstance(value, str) and value:
            kind = "alert" if name == "answercallbackquery" else "message"
            SEEN.append(Seen(kind, value, language, current_test))
    for row in _rows(params.get("reply_markup")):
        SEEN.extend(Seen("button", text, language, current_test) for text in row)
        if len(row) > 1:  # a row is checked by its labels together
            SEEN.append(Seen("row", " | ".join(row), language, current_test))


def record_method(method: Any) -> None:
    """A method the recording bot was asked to call."""
    params = {
        key: getattr(method, key, None) for key in ("chat_id", "text", "caption", "reply_markup")
    }
    _record(params, type(method).__name__, _context_language())


def record_call(method: str, params: dict[str, Any]) -> None:
    """A call the fake Bot API received."""
    _record(params, method, None)


def problems(seen: Iterable[Seen] | None = None) -> list[str]:
    """Every problem once, with the first test that showed it."""
    reported: dict[tuple[str, str], str] = {}
    for item in SEEN if seen is None else seen:
        for problem in check(item):
            key = (problem, re.sub(r"\d+", "#", item.text)[:80])
            if key not in reported:
                shown = item.text if len(item.text) <= 300 else item.text[:300] + "…"
                reported[key] = (
                    f"{item.where}: {item.kind} [{item.language or '?'}]: {problem}\n    {shown!r}"
                )
    return list(reported.values())
