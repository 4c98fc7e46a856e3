"""Talk to the demo bot (`examples/demo`) as someone in the directory, and see its answers.

    python examples/say.py --as edu_head /my               # send a message
    python examples/say.py --as edu_head --tap "01-07/415"  # tap a button (label or part of it)
    python examples/say.py --as edu_head                   # show the last messages again

It prints what the bot sent to that person since (text and buttons), waiting until the bot
falls quiet. Only the standard library: no virtual environment needed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
QUIET = 1.5  # s without a new message to this person: the bot has answered
PATIENCE = 30.0  # s to wait for a first answer


def out(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def call(api: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(urllib.request.Request(f"{api}{path}", data=data), timeout=10) as answer:  # noqa: S310
        return json.load(answer)


def to_person(
    requests: list[dict[str, Any]], chat_id: int, *, alerts: bool = False
) -> list[dict[str, Any]]:
    """The messages sent or edited for this person, in order (with `alerts`: also the answers
    to taps that show a text — after one tap of this person's, they are theirs)."""
    return [
        r
        for r in requests
        if r["status"] == 200
        and (
            (
                str(r["params"].get("chat_id")) == str(chat_id)
                and r["method"].lower().startswith(("send", "edit"))
                and r["method"].lower() != "sendchataction"
            )
            or (
                alerts
                and r["method"].lower() == "answercallbackquery"
                and bool(r["params"].get("text"))
            )
        )
    ]


def rows(request: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """The buttons as the phone shows them, row by row."""
    markup = request["params"].get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return list(markup.get("inline_keyboard", []))


def buttons(request: dict[str, Any]) -> list[dict[str, Any]]:
    return [button for row in rows(request) for button in row]


def message_id(request: dict[str, Any]) -> int:
    result = request.get("result")
    if isinstance(result, dict) and "message_id" in result:
        return int(result["message_id"])
    return int(request["params"]["message_id"])


def show(request: dict[str, Any]) -> None:
    params = request["params"]
    if request["method"].lower() == "answercallbackquery":
        out(f"— {'alert' if params.get('show_alert') else 'note'} on the tap")
        out(params["text"])
        out("")
        return
    what = params.get("text") or params.get("caption") or ""
    sent = request["params"].get("document") or request["params"].get("photo")
    if request["method"].lower() in {"senddocument", "sendphoto"} and isinstance(sent, dict):
        icon = "📄" if request["method"].lower() == "senddocument" else "🖼"
        what = f"{icon} {sent.get('filename', 'a file')}\n{what}".rstrip()
    edited = " (edited)" if request["method"].lower().startswith("edit") else ""
    out(f"— message {message_id(request)}{edited}")
    out(what)
    for row in rows(request):
        out("  " + " ".join(f"[{button['text']}]" for button in row))
    out("")


def wait_for_answers(api: str, chat_id: int, after: int) -> None:
    started = last = time.monotonic()
    seen = 0
    while True:
        time.sleep(0.3)
        answers = to_person(call(api, f"/_control/requests?after={after}"), chat_id, alerts=True)
        now = time.monotonic()
        if len(answers) > seen:
            seen, last = len(answers), now
        if (seen and now - last >= QUIET) or now - started >= PATIENCE:
            break
    for request in answers:
        show(request)
    if not answers:
        out("(no answer)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--as", dest="code", required=True, help="a staff code from the demo")
    parser.add_argument("--tap", help="the label of a button (or part of it) to tap")
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "demo")
    parser.add_argument("text", nargs="?", help="the message to send, e.g. /my")
    args = parser.parse_args()
    demo = json.loads((args.data / "people.json").read_text(encoding="utf-8"))
    api = demo["api"]
    person = demo["people"].get(args.code)
    if person is None:
        sys.exit(f"no {args.code!r} in the demo; one of: {', '.join(demo['people'])}")
    chat_id, language = int(person["user_id"]), person["language"]
    requests = call(api, "/_control/requests?after=0")
    mark = len(requests)
    if args.tap:
        for request in reversed(to_person(requests, chat_id)):
            found = [b for b in buttons(request) if args.tap.casefold() in b["text"].casefold()]
            if found and "callback_data" in found[0]:
                body = {
                    "user_id": chat_id,
                    "data": found[0]["callback_data"],
                    "message_id": message_id(request),
                    "language_code": language,
                }
                call(api, "/_control/press", body)
                break
        else:
            sys.exit(f"no button {args.tap!r} in {args.code}'s messages")
    elif args.text:
        call(
            api,
            "/_control/send_text",
            {"user_id": chat_id, "text": args.text, "language_code": language},
        )
    else:
        for request in to_person(requests, chat_id)[-3:]:
            show(request)
        return
    wait_for_answers(api, chat_id, mark)


if __name__ == "__main__":
    main()
