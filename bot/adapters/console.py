"""`bouncedesk chat`: the desk in a terminal (the same answers the Telegram bot gives)."""

from __future__ import annotations

import argparse
import os
import select
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from bot.desk import Desk
    from bot.models import Button, Reply

HELP = "chat with the desk in the terminal: ask questions, paste a whole error mail"

EPILOG = """\
Interactive use (a terminal):
  Type a question and press Enter: it is answered at once.
  Paste a whole error mail: the lines are gathered into one message, which ends at the
  first empty line you enter after the paste (press Enter on an empty line).
  A reply's buttons are numbered: type the number to choose one.
  Commands: /lang ja|en (the answer language), /help, /quit (or Ctrl-D).

Script use (stdin is not a terminal):
  The messages are read from stdin, separated by a line that holds only ---
  Each message (one line or many, e.g. a whole bounce) is answered in turn; commands and
  button numbers work the same way. A script with no --- line is one message per line,
  unless the whole input is a mail (then it is one message). Example:
      printf 'What is MAILER-DAEMON?\\n---\\n/lang ja\\n---\\n550 5.1.1 User unknown\\n' \\
          | bouncedesk chat
"""

SCRIPT_SEPARATOR = "---"
# A paste arrives as a burst of lines; a typed line arrives alone. Lines still waiting after
# this many seconds mean the user pasted.
PASTE_GAP_SECONDS = 0.25


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("--lang", help="answer language (ja, en, ...); default: from the environment")
    parser.add_argument("--me", metavar="ADDRESS", help="your own mail address (spots fake bounces)")
    parser.add_argument("--no-greeting", action="store_true", help="do not print the greeting first")


def run(args: argparse.Namespace) -> int:
    from bot import i18n
    from bot.desk import Desk

    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    desk = Desk()
    lang = i18n.negotiate(args.lang or _environment_language(), desk.languages)
    chat = Chat(desk, lang, me=args.me, out=sys.stdout)
    if not args.no_greeting:
        chat.show(desk.welcome(lang))
    interactive = sys.stdin.isatty()
    messages = _interactive_messages(chat) if interactive else script_messages(sys.stdin)
    try:
        for message in messages:
            if not interactive and message.strip():
                chat.echo(message)
            if not chat.take(message):
                break
    except KeyboardInterrupt:
        print(file=sys.stdout)
    return 0


def _environment_language() -> str | None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value and value not in ("C", "POSIX"):
            return value.split(".", 1)[0]
    return None


class Chat:
    """One conversation: the current language, the last reply's buttons, and the output."""

    def __init__(self, desk: Desk, lang: str, me: str | None, out: TextIO) -> None:
        self.desk = desk
        self.lang = lang
        self.me = me
        self.out = out
        self.buttons: list[Button] = []

    def _(self, message: str, **values: str) -> str:
        from bot import i18n

        text = i18n.translator(self.lang).gettext(message)
        return text.format(**values) if values else text

    def take(self, message: str) -> bool:
        """Answer one message; False when the user wants to leave."""
        from bot.models import Inquiry

        text = message.strip()
        if not text:
            return True
        if text.startswith("/") and "\n" not in text:
            return self._command(text)
        if text.isdigit() and self.buttons:
            self._press(int(text))
            return True
        reply = self.desk.handle(Inquiry(text=message, lang=self.lang, user_id="console", me=self.me))
        if reply.intent == "talk_to_human":
            # The desk promises a person; a terminal has none to offer.
            self._no_staff()
            return True
        self.show(reply)
        return True

    def _command(self, text: str) -> bool:
        name, _, rest = text[1:].partition(" ")
        name = name.lower()
        if name in ("quit", "exit", "q"):
            self.say(self._("Bye."))
            return False
        if name == "lang":
            self._set_language(rest.strip())
        elif name in ("help", "start"):
            self.show(self.desk.help(self.lang) if name == "help" else self.desk.welcome(self.lang))
        else:
            self.say(self._("Unknown command. Commands: /lang ja|en, /help, /quit"))
        return True

    def _set_language(self, wanted: str) -> None:
        from bot import i18n

        names = ", ".join(self.desk.languages)
        if not wanted:
            self.say(self._("Language: {lang}. Available: {names}", lang=self.lang, names=names))
            return
        by_name = _language_by_name(wanted, self.desk.languages)
        code = by_name or i18n.negotiate(wanted, self.desk.languages)
        if by_name is None and code.lower() != wanted.lower().replace("_", "-").split("-")[0]:
            self.say(self._("I do not speak that language. Available: {names}", names=names))
            return
        self.lang = code
        display = i18n.babel_locale(code).get_display_name(code) or code
        self.say(self._("From now on I answer in {language}.", language=display))

    def _press(self, number: int) -> None:
        if not 1 <= number <= len(self.buttons):
            self.say(self._("There is no choice with that number."))
            return
        action = self.buttons[number - 1].action
        if action.startswith("topic:"):
            self.show(self.desk.topic(action.removeprefix("topic:"), self.lang))
        elif action.startswith("feedback:"):
            self.say(self._("Thank you for telling me."))
        elif action == "staff":
            self._no_staff()

    def _no_staff(self) -> None:
        self.say(
            self._(
                "No member of staff is connected to this console chat. Please contact your "
                "support desk by phone or mail, and show them this conversation."
            )
        )

    def echo(self, message: str) -> None:
        """Show a scripted message the way a typed one would appear, so a transcript reads well."""
        lines = message.strip().splitlines()
        shown = f"> {lines[0]}"
        if len(lines) > 1:
            shown += f"  (+{len(lines) - 1})"
        print(shown, file=self.out)
        print(file=self.out)

    def say(self, text: str) -> None:
        print(text, file=self.out)
        print(file=self.out)
        self.out.flush()

    def show(self, reply: Reply) -> None:
        self.buttons = list(reply.buttons)
        self.say(render(reply))


def _language_by_name(wanted: str, languages: tuple[str, ...]) -> str | None:
    """A language named in words ("日本語", "English", "japanese") rather than by its code."""
    from bot import i18n

    folded = wanted.strip().casefold()
    for code in languages:
        locale = i18n.babel_locale(code)
        names = {locale.get_display_name(other) or "" for other in languages} | {locale.english_name or ""}
        if folded in {n.casefold() for n in names if n}:
            return code
    return None


def render(reply: Reply) -> str:
    """A Reply as terminal text: titles underlined, evidence indented, buttons numbered."""
    out: list[str] = []
    for block in reply.blocks:
        if block.kind == "title":
            out.append(f"{block.text}\n{'-' * min(60, _width(block.text))}")
        elif block.kind == "evidence":
            out.append("\n".join(f"    | {line}" for line in block.text.splitlines()))
        elif block.kind == "warning":
            text = block.text if block.text.startswith("⚠") else f"⚠ {block.text}"
            out.append(text)
        elif block.kind == "steps":
            lines = [block.text] if block.text else []
            lines += [f"  {i}. {item}" for i, item in enumerate(block.items, 1)]
            out.append("\n".join(lines))
        else:
            out.append(block.text)
    if reply.buttons:
        out.append("  ".join(f"[{i}] {b.label}" for i, b in enumerate(reply.buttons, 1)))
    return "\n\n".join(part for part in out if part)


def _width(text: str) -> int:
    # East Asian characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def script_messages(stream: TextIO) -> Iterator[str]:
    """Messages from a script: blocks of lines separated by a line holding only ---.

    A script without any --- line is one message per line, unless it is as a whole a mail
    (headers, or a long multi-line text): then it is that one message.
    """
    from bot.desk import looks_like_whole_mail

    lines = stream.readlines()
    if not any(line.strip() == SCRIPT_SEPARATOR for line in lines):
        whole = "".join(lines)
        if looks_like_whole_mail(whole.strip(), False):
            yield whole
        else:
            yield from (line for line in lines if line.strip())
        return
    block: list[str] = []
    for line in lines:
        if line.strip() == SCRIPT_SEPARATOR:
            yield "".join(block)
            block = []
        else:
            block.append(line)
    if block:
        yield "".join(block)


def _interactive_messages(chat: Chat) -> Iterator[str]:
    reader = _TerminalLines(sys.stdin)
    while True:
        print("> ", end="", flush=True, file=chat.out)
        first = reader.readline()
        if first is None:
            return
        if not first.strip():
            continue
        if not reader.more_waiting(PASTE_GAP_SECONDS) and not _starts_a_mail(first):
            yield first
            continue
        # A paste: gather until an empty line entered after the burst of pasted lines.
        lines = [first]
        while True:
            line = reader.readline()
            if line is None:
                break
            lines.append(line)
            if not line.strip() and not reader.more_waiting(PASTE_GAP_SECONDS):
                break
        yield "".join(lines)


def _starts_a_mail(line: str) -> bool:
    head = line.split(":", 1)[0].strip().lower()
    return line.startswith("From ") or head in {
        "return-path", "received", "from", "to", "subject", "date", "delivered-to", "message-id",
        "reporting-mta", "final-recipient", "x-failed-recipients", "mime-version", "content-type",
    }  # fmt: skip


class _TerminalLines:
    """Lines from a terminal, with a way to ask whether more are already waiting (a paste)."""

    def __init__(self, stream: TextIO) -> None:
        self.fd = stream.fileno()
        self.encoding = stream.encoding or "utf-8"
        self.buffer = b""
        self.eof = False

    def more_waiting(self, timeout: float) -> bool:
        if b"\n" in self.buffer:
            return True
        if self.eof:
            return False
        try:
            ready, _, _ = select.select([self.fd], [], [], timeout)
        except (OSError, ValueError):
            return False
        return bool(ready)

    def readline(self) -> str | None:
        while b"\n" not in self.buffer and not self.eof:
            chunk = os.read(self.fd, 65536)
            if not chunk:
                self.eof = True
            self.buffer += chunk
        if not self.buffer:
            return None
        line, sep, rest = self.buffer.partition(b"\n")
        self.buffer = rest
        return (line + sep).decode(self.encoding, errors="replace")
