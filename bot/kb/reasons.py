"""The diagnosis reason vocabulary the knowledge base must cover.

The vocabulary belongs to the diagnosis data (knowledge/diagnosis/vocabulary.toml, table
`[reasons]`, one key per reason). When that
file is absent (a trimmed data folder), the Sisimai names below are used, so `kb check`
still tells whether every reason has its entry.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

# Sisimai 5's 36 reason names.
SISIMAI_REASONS: tuple[str, ...] = (
    "authfailure", "badreputation", "blocked", "contenterror", "delivered", "exceedlimit",
    "expired", "failedstarttls", "feedback", "filtered", "hasmoved", "hostunknown",
    "mailboxfull", "mailererror", "mesgtoobig", "networkerror", "norelaying", "notaccept",
    "notcompliantrfc", "onhold", "policyviolation", "rejected", "requireptr", "securityerror",
    "spamdetected", "speeding", "suppressed", "suspend", "syntaxerror", "systemerror",
    "systemfull", "toomanyconn", "undefined", "userunknown", "vacation", "virusdetected",
)  # fmt: skip

VOCABULARY_FILE = Path("diagnosis") / "vocabulary.toml"


def reason_vocabulary(knowledge_dir: Path) -> tuple[tuple[str, ...], Path | None]:
    """The reason names, and the file they came from (None: the built-in list).

    `reasons` may be a table of per-reason tables (`name = { ... }`) or a list of names.
    """
    path = knowledge_dir / VOCABULARY_FILE
    if not path.is_file():
        return SISIMAI_REASONS, None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        # A broken diagnosis file is reported by the diagnosis loader, not here.
        return SISIMAI_REASONS, None
    names = _names(data.get("reasons"))
    return (tuple(names), path) if names else (SISIMAI_REASONS, None)


def _names(node: object) -> list[str]:
    if isinstance(node, list):
        out = []
        for item in node:
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, dict) and isinstance(item.get("name"), str):
                out.append(item["name"])
        return out
    if isinstance(node, dict):
        return [k for k, v in node.items() if isinstance(v, dict)]
    return []
