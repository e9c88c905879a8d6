"""The `bouncedesk` command: one sub-command per adapter module, loaded only when used.

Each module named in COMMANDS exposes HELP (one line), add_arguments(parser) and
run(args) -> exit code, and imports nothing heavy at module level: `diagnose` must never
pull in telegram.
"""

from __future__ import annotations

import importlib
import os
import sys
from types import SimpleNamespace

from bot import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from typing import NoReturn

COMMANDS: dict[str, str] = {
    "diagnose": "bot.adapters.cli_diagnose",
    "ask": "bot.adapters.cli_ask",
    "chat": "bot.adapters.console",
    "kb": "bot.adapters.cli_kb",
    "telegram": "bot.adapters.telegram",
}


def _help_formatter() -> type[argparse.HelpFormatter]:
    import argparse

    class HelpFormatter(argparse.HelpFormatter):
        """argparse's own layout, sized without its `import shutil` (which brings the bz2 and
        lzma modules): argparse builds a formatter for every add_argument call, so even a short
        run would pay for archive modules it never uses."""

        def __init__(self, prog: str) -> None:
            super().__init__(prog, width=_terminal_width() - 2)

    return HelpFormatter


def _terminal_width() -> int:
    # What shutil.get_terminal_size() answers: $COLUMNS, else the terminal, else 80.
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    stdout = sys.__stdout__
    try:
        return (os.get_terminal_size(stdout.fileno()).columns if stdout else 0) or 80
    except (ValueError, OSError):
        return 80


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser, or (only=COMMAND) one that loads just that command's module: a
    single `bouncedesk diagnose` run should not pay for importing the chat or the bot."""
    import argparse

    formatter = _help_formatter()
    parser = argparse.ArgumentParser(
        prog="bouncedesk",
        formatter_class=formatter,
        description="Explains bounced e-mail. With no command: the Telegram bot when "
        "TELEGRAM_BOT_TOKEN is set, otherwise the console chat.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        if only is not None and name != only:
            continue
        module = importlib.import_module(module_name)
        p = sub.add_parser(name, help=module.HELP, description=module.HELP, formatter_class=formatter)
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list:
        args_list = ["telegram" if os.environ.get("TELEGRAM_BOT_TOKEN") else "chat"]
    args = _plain_arguments(args_list) or build_parser(
        args_list[0] if args_list[0] in COMMANDS else None
    ).parse_args(args_list)
    try:
        status = int(args._module.run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # A reader such as `head` went away; not an error worth a traceback.
        sys.stderr.close()
        return 0
    if argv is None and getattr(args._module, "NOTHING_TO_CLEAN_UP", False):
        _leave_now(status)
    return status


def _plain_arguments(args_list: list[str]) -> SimpleNamespace | None:
    """What argparse would make of a plain command line, read by the command's own
    `plain_arguments(rest)` where it has one; None for anything else (help, a mistake, an
    unusual spelling), which argparse then reads. Importing argparse and building the parser
    take some 20 M instructions: a tenth of a `bouncedesk diagnose` run over a folder."""
    name = args_list[0]
    if name not in COMMANDS:
        return None
    module = importlib.import_module(COMMANDS[name])
    read = getattr(module, "plain_arguments", None)
    values = read(args_list[1:]) if read is not None else None
    if values is None:
        return None
    return SimpleNamespace(command=name, **values, _module=module)


def _leave_now(status: int) -> NoReturn:
    """End the process without the interpreter's tear-down. A command that has written and
    flushed all it had to say and keeps no other state (no atexit work) gains nothing from
    freeing its objects one by one: for a `bouncedesk diagnose` run over a folder that is ~3%
    of the run."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # e.g. the reader went away: what could be written was
        pass
    os._exit(status)
