"""`bouncedesk diagnose [PATH ...] [--json] [--me ADDRESS]`: explain bounced mails on the command line.

A PATH is a raw mail (.eml), an mbox, a text file with a pasted bounce, or a folder of those;
`-` or no PATH reads standard input. Exit 0 when every input was read (whatever it held),
2 when one could not be read (one line on stderr per such input).
"""

from __future__ import annotations

import gc
import json
import os
import sys

from bot import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse
    from typing import TextIO

    from bot.models import Diagnosis

HELP = "explain bounced mails (.eml, mbox or pasted text); --json for machines"
MAX_INPUT = 64 * 1024 * 1024  # bytes read from one input; the mail reader keeps less
# A worker process costs a few milliseconds to start; below this many inputs per worker the
# work it takes over is not worth that.
MIN_INPUTS_PER_JOB = 24
# json.dumps(..., ensure_ascii=False) builds an encoder for every call; one does for all mails
_JSON = json.JSONEncoder(ensure_ascii=False)
MAX_JOBS = 8
# Run as the program (not called from Python): leave without the interpreter's tear-down once
# the output is flushed; nothing here needs it (see bot.cli).
NOTHING_TO_CLEAN_UP = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="mail, mbox or text file; '-' or none: stdin"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per mail per line")
    parser.add_argument(
        "--me", metavar="ADDRESS", default=None, help="your own address (for the sender check)"
    )
    parser.add_argument(
        "--jobs", "-j", type=int, default=0, metavar="N",
        help="processes for many inputs (default 0: one per CPU core when there are "
        f"{MIN_INPUTS_PER_JOB * 2} inputs or more; 1: this process only)",
    )


# The options of add_arguments: those that take a value (int: a whole number), and flags.
_VALUE_OPTIONS = {"--me": str, "--jobs": int, "-j": int}
_FLAGS = {"--json": "json"}


def plain_arguments(argv: list[str]) -> dict[str, object] | None:
    """What the parser of add_arguments makes of `argv` (the words after `diagnose`) when it is
    a plain command line: options, then the paths, then options, every option spelled out and
    every value a plain one. None for anything else (help, --, abbreviations, a path or value
    starting with "-", mistakes), which is then left to argparse. (A folder run spends a tenth of
    its time importing and building argparse otherwise; see bot.cli.)"""
    values: dict[str, object] = {"paths": [], "json": False, "me": None, "jobs": 0}
    paths: list[str] = []
    seen_paths = ended_paths = False
    words = iter(argv)
    for word in words:
        if word == "-" or not word.startswith("-"):
            if ended_paths:  # paths on both sides of an option: argparse refuses that
                return None
            paths.append(word)
            seen_paths = True
            continue
        ended_paths = seen_paths
        if word in _FLAGS:
            values[_FLAGS[word]] = True
            continue
        if word.startswith("-j"):  # "-j N" or "-jN"
            name, equals, value = "-j", "=" if len(word) > 2 else "", word[2:]
        else:  # "--me X" or "--me=X"
            name, equals, value = word.partition("=")
        kind = _VALUE_OPTIONS.get(name)
        if kind is None:
            return None
        if not equals:
            value = next(words, "-")  # (none left: argparse says the value is missing)
            if value.startswith("-"):
                return None
        if kind is int:
            if not (value.isascii() and value.isdigit()):
                return None
            values["jobs"] = int(value)
        else:
            values[name.lstrip("-")] = value
    values["paths"] = paths
    return values


def _inputs(paths: list[str]) -> list[str]:
    out: list[str] = []
    for p in paths or ["-"]:
        if p != "-" and os.path.isdir(p):
            from pathlib import Path  # only for a folder: see bot.paths for its cost

            out.extend(str(f) for f in sorted(Path(p).iterdir()) if f.is_file())
        else:
            out.append(p)
    return out


def workers_for(names: list[str], requested: int) -> int:
    """How many processes share the inputs: `requested` when given (>= 1), otherwise one per
    usable CPU core, as long as each gets a fair share. Standard input is read by one process,
    and where there is no os.fork everything runs in this one."""
    if "-" in names or len(names) < 2 or not hasattr(os, "fork"):
        return 1
    if requested >= 1:
        return min(requested, len(names), MAX_JOBS)
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_JOBS, len(names) // MIN_INPUTS_PER_JOB))


def _read(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read(MAX_INPUT)
    # Unbuffered reads sized by the file: a buffered read(MAX_INPUT) sets aside MAX_INPUT bytes
    # for every file however small it is, which costs more than reading a typical bounce.
    with open(name, "rb", buffering=0) as fh:
        try:
            size = os.fstat(fh.fileno()).st_size
        except OSError:
            size = 0
        want = min(size + 1 if size else 64 * 1024, MAX_INPUT)
        parts: list[bytes] = []
        left = MAX_INPUT
        while left > 0:
            chunk = fh.read(min(want, left))
            if not chunk:
                break
            parts.append(chunk)
            left -= len(chunk)
            want = max(want, 64 * 1024)
        return b"".join(parts)


def _human(d: Diagnosis, out: TextIO) -> None:
    out.write(f"== {d.source}\n")
    if d.subject:
        out.write(f"Subject: {d.subject}\n")
    if not d.is_bounce:
        out.write("Not a bounce: no failed or reported recipient found.\n")
    else:
        out.write(f"Bounce ({d.format}), {len(d.recipients)} recipient(s):\n")
    for r in d.recipients:
        kind = "hard" if r.hard_bounce else "soft"
        if r.reason in ("vacation", "delivered", "feedback"):
            kind = "not a failure"
        codes = " ".join(x for x in (r.reply_code, r.status) if x) or "no code"
        out.write(f"  {r.address or '(address not shown)'}: {r.reason} [{kind}, {codes}]"
                  f" confidence {r.confidence:.2f}\n")
        if r.original_address:
            out.write(f"    written as: {r.original_address}\n")
        if r.suggestion:
            out.write(f"    did you mean: {r.suggestion}\n")
        if r.remote_mta:
            out.write(f"    server: {r.remote_mta}\n")
        if r.evidence:
            evidence = r.evidence if len(r.evidence) <= 300 else r.evidence[:297] + "..."
            out.write(f"    says: {evidence}\n")
    for w in d.warnings:
        detail = ", ".join(f"{k}={v}" for k, v in w.detail.items())
        out.write(f"  warning: {w.id}{' (' + detail + ')' if detail else ''}\n")
    if d.suspicious:
        out.write("  suspicious: this may not be a genuine bounce of your own mail\n")
    for p in d.problems:
        out.write(f"  note: {p}\n")


def _diagnose_inputs(names: list[str], args: argparse.Namespace, out: TextIO) -> int:
    """Diagnose each input in order, writing results to `out`; 2 when an input was unreadable."""
    from bot.diagnosis import diagnose_many
    from bot.patterns import store_compiled

    status = 0
    for name in names:
        try:
            data = _read(name)
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            print(f"bouncedesk diagnose: cannot read {name}: {reason}", file=sys.stderr)
            status = 2
            continue
        try:
            results = diagnose_many(data, source=name, me=args.me)
        except Exception as exc:  # diagnose never raises; this guards the command itself
            print(f"bouncedesk diagnose: cannot diagnose {name}: {type(exc).__name__}", file=sys.stderr)
            status = 2
            continue
        for d in results:
            if args.json:
                out.write(_JSON.encode(d.to_json()) + "\n")
            else:
                _human(d, out)
    store_compiled()  # the next run need not compile the patterns this one met
    return status


# Diagnosing makes many short-lived objects and hardly any reference cycles: the collector's
# default pace (a young collection every 700 new objects) costs a folder run ~2.5% and finds
# next to nothing. A collection every 20,000 still bounds what cycles could hold.
GC_THRESHOLDS = (20_000, 50, 50)


def run(args: argparse.Namespace) -> int:
    names = _inputs(list(args.paths))
    jobs = workers_for(names, args.jobs)
    previous = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        if jobs > 1:
            from bot.adapters.parallel import diagnose_in_workers

            status = diagnose_in_workers(
                names, jobs, lambda run, out: _diagnose_inputs(run, args, out), sys.stdout
            )
        else:
            status = _diagnose_inputs(names, args, sys.stdout)
        sys.stdout.flush()
    finally:
        gc.set_threshold(*previous)
    return status
