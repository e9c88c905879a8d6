"""Shared helpers for the desk, answers and i18n tests: the fixture knowledge base, diagnoses
read from JSON, and a stable text form of a Reply for golden files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.kb import KnowledgeBase, load_knowledge
from bot.models import Diagnosis, Failure, Reply, Warning

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "desk"
FIXTURE_KB_DIR = FIXTURES / "knowledge"
DIAGNOSES = FIXTURES / "diagnoses"
GOLDEN = FIXTURES / "golden"
MAILS = FIXTURES / "mails"
REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"

_kb: KnowledgeBase | None = None


def fixture_kb() -> KnowledgeBase:
    global _kb
    if _kb is None:
        _kb = load_knowledge(FIXTURE_KB_DIR)
    return _kb


def diagnosis_from_json(path: Path) -> Diagnosis:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    recipients = [Failure(**r) for r in data.pop("recipients", [])]
    warnings = [Warning(id=w["id"], detail=w.get("detail", {})) for w in data.pop("warnings", [])]
    return Diagnosis(recipients=recipients, warnings=warnings, **data)


def reply_as_text(reply: Reply) -> str:
    """Everything a user would see, plus what adapters act on, in a reviewable form."""
    lines = [f"# lang={reply.lang} intent={reply.intent} confident={reply.confident}"]
    for block in reply.blocks:
        lines.append(f"[{block.kind}]")
        if block.text:
            lines.append(block.text)
        lines += [f"  {i}. {item}" for i, item in enumerate(block.items, 1)]
    lines.append("[buttons]")
    lines += [f"  {b.label} -> {b.action}" for b in reply.buttons]
    if reply.suggestions:
        lines.append("[suggestions]")
        lines += [f"  {s.intent} {s.score}" for s in reply.suggestions]
    return "\n".join(lines) + "\n"
