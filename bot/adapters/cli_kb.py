"""`bouncedesk kb check|show`: validate the knowledge folder, or print one entry."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.kb import KnowledgeBase

HELP = "check the knowledge base, or show one entry"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--knowledge",
        type=Path,
        default=None,
        metavar="DIR",
        help="knowledge folder to read (default: the bundled one)",
    )
    sub = parser.add_subparsers(dest="kb_command", metavar="ACTION", required=True)
    check = sub.add_parser("check", help="validate every entry; exit 1 naming the file and line on an error")
    show = sub.add_parser("show", help="print one entry in one language")
    for action in (check, show):
        # Also accepted after the action; SUPPRESS keeps a value given before it.
        action.add_argument("--knowledge", type=Path, default=argparse.SUPPRESS, metavar="DIR")
    show.add_argument("id", metavar="ID", help="entry id, e.g. mailbox_full")
    show.add_argument("--lang", default="ja", help="language code (default: ja)")


def run(args: argparse.Namespace) -> int:
    from bot.kb import KnowledgeError, load_knowledge

    try:
        kb = load_knowledge(args.knowledge)
    except KnowledgeError as exc:
        print(f"kb check failed: {exc}", file=sys.stderr)
        return 1
    if args.kb_command == "check":
        # the question-matching data lives in the same folder and is checked with it
        from bot.matching.data import MatchingDataError, load_matching_data
        from bot.paths import KNOWLEDGE_DIR

        try:
            load_matching_data(args.knowledge or KNOWLEDGE_DIR)
        except MatchingDataError as exc:
            print(f"kb check failed: {exc}", file=sys.stderr)
            return 1
        askable = len(kb.askable())
        print(
            f"ok: {len(kb.entries)} entries ({askable} askable), "
            f"languages {', '.join(kb.languages)}, {len(kb.reason_map)} reasons mapped"
        )
        return 0
    return _show(kb, args.id, args.lang)


def _show(kb: KnowledgeBase, entry_id: str, lang: str) -> int:
    entry = kb.entries.get(entry_id)
    if entry is None:
        print(f"no entry {entry_id!r}; known: {', '.join(sorted(kb.entries))}", file=sys.stderr)
        return 1
    if lang not in kb.languages:
        print(f"no language {lang!r}; known: {', '.join(kb.languages)} (showing en)", file=sys.stderr)
    text = entry.text(lang)
    lines = [
        f"{text.title}  [{entry.id}]",
        f"kind: {entry.kind}   who acts: {entry.actor}   askable: {'yes' if entry.askable else 'no'}",
    ]
    if entry.reasons:
        lines.append(f"reasons: {', '.join(entry.reasons)}")
    if entry.domains:
        lines.append(f"domains: {', '.join(entry.domains)}")
    lines += ["", text.summary]
    if text.steps:
        lines.append("")
        lines += [f"{n}. {step}" for n, step in enumerate(text.steps, 1)]
    if entry.related:
        titles = [f"{kb.entries[r].text(lang).title} [{r}]" for r in entry.related]
        lines += ["", "related: " + "; ".join(titles)]
    if text.questions:
        lines += ["", f"example questions ({len(text.questions)}):"]
        lines += [f"  - {q}" for q in text.questions]
    if text.keywords:
        lines += ["", "keywords: " + ", ".join(text.keywords)]
    print("\n".join(lines))
    return 0
