"""`bouncedesk ask`: answer one question, or one question per stdin line with --json.

    bouncedesk ask "メールが戻ってきました"
    printf 'what is mailer daemon\\n添付が大きすぎる\\n' | bouncedesk ask --json

--json prints one line per input line: {"text", "lang", "intent", "score", "confident",
"alternatives": [[intent, score], ...]} (plus "diagnosed_reason" when the question carried
a bounce's own words). Blank input lines are skipped.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from bot.kb import KnowledgeBase
    from bot.matching import MatchResult, QuestionMatcher

HELP = "answer a question about bounced mail (with --json: one question per stdin line)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("text", nargs="*", help="the question (read from stdin when absent)")
    parser.add_argument(
        "--json", action="store_true", help="read one question per stdin line, print JSON lines"
    )
    parser.add_argument("--lang", choices=("ja", "en"), help="language to assume when the text does not tell")


def run(args: argparse.Namespace) -> int:
    from bot.kb import KnowledgeError, knowledge
    from bot.matching import MatchingDataError, QuestionMatcher

    try:
        kb = knowledge()
        matcher = QuestionMatcher(kb)
    except (KnowledgeError, MatchingDataError) as exc:
        print(f"bouncedesk ask: {exc}", file=sys.stderr)
        return 2
    out = sys.stdout
    if args.json:
        for line in _stream_stdin_lines():
            text = line.strip()
            if text:
                out.write(json.dumps(json_line(matcher, text, args.lang), ensure_ascii=False) + "\n")
                out.flush()
        return 0
    text = " ".join(args.text) if args.text else "\n".join(_stdin_lines())
    if not text.strip():
        print("bouncedesk ask: no question given", file=sys.stderr)
        return 2
    result = matcher.match(text, args.lang)
    print_answer(out, kb, result)
    return 0


def json_line(matcher: QuestionMatcher, text: str, lang: str | None = None) -> dict[str, object]:
    line: dict[str, object] = {"text": text, **matcher.match(text, lang).to_json()}
    if line.get("diagnosed_reason") is None:
        line.pop("diagnosed_reason", None)
    return line


def print_answer(out: TextIO, kb: KnowledgeBase, result: MatchResult) -> None:
    sure = "confident" if result.confident else "not sure"
    out.write(f"intent: {result.intent}  score: {result.score:.1f} ({sure})  lang: {result.lang}\n")
    if result.diagnosis is not None:
        for failure in result.diagnosis.recipients[:3]:
            code = " ".join(c for c in (failure.reply_code, failure.status) if c)
            out.write(f"diagnosis: {failure.reason} {code}".rstrip() + "\n")
    entry = kb.entries.get(result.intent)
    if entry is not None:
        text = entry.text(result.lang)
        out.write(f"\n{text.title}\n")
        if text.summary:
            out.write(f"\n{text.summary}\n")
        if text.steps:
            out.write("\n")
            for n, step in enumerate(text.steps, 1):
                out.write(f"{n}. {step}\n")
    if result.alternatives:
        others = ", ".join(f"{a.intent} ({a.score:.1f})" for a in result.alternatives)
        out.write(f"\nalso possible: {others}\n")


def _stream_stdin_lines() -> Iterator[str]:
    """Lines as they arrive, so a caller can write a question and read its answer."""
    if not hasattr(sys.stdin, "buffer"):
        yield from sys.stdin
        return
    for raw in sys.stdin.buffer:
        yield raw.decode("utf-8", errors="replace")


def _stdin_lines() -> list[str]:
    # Decoded leniently: a stray byte in one line must not end the whole run.
    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
    return data.decode("utf-8", errors="replace").splitlines()
