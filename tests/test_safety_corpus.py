"""Real bounces must not be taken for fakes: false alarms on the corpus at most 1%."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.diagnosis import diagnose
from bot.safety import WARNING_IDS

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
MAX_FALSE_ALARM_RATE = 0.01

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not (CORPUS / "labels.jsonl").is_file(), reason="corpus not available"),
]


def _bounces() -> list[str]:
    labels = [json.loads(line) for line in (CORPUS / "labels.jsonl").read_text().splitlines() if line.strip()]
    return [label["file"] for label in labels if label["is_bounce"]]


def test_false_alarms_on_real_bounces_at_most_one_percent() -> None:
    files = _bounces()
    assert len(files) >= 300  # the whole labelled set, not a sample
    flagged = {}
    for name in files:
        d = diagnose((CORPUS / name).read_bytes(), source=name)
        ids = sorted({w.id for w in d.warnings} & set(WARNING_IDS))
        if ids or d.suspicious:
            flagged[name] = ids
    rate = len(flagged) / len(files)
    print(f"false alarms: {len(flagged)} of {len(files)} ({rate:.2%}): {flagged}")
    assert rate <= MAX_FALSE_ALARM_RATE, flagged


def test_real_bounces_seen_by_their_own_sender_are_rarely_flagged() -> None:
    """As if the person who sent the returned original asked (--me = its From address)."""
    from bot.mail.reader import read_mail
    from bot.safety.domains import bare_address

    checked = 0
    flagged = []
    for name in _bounces():
        data = (CORPUS / name).read_bytes()
        me = bare_address(read_mail(data).returned_header("from"))
        if not me:
            continue
        checked += 1
        d = diagnose(data, source=name, me=me)
        if d.warning("not_sent_by_you") is not None:
            flagged.append(name)
    print(f"flagged with --me: {len(flagged)} of {checked}: {flagged}")
    assert checked >= 100
    # Masked example addresses make some genuine originals look injected from elsewhere; the
    # bound keeps that from growing unnoticed.
    assert len(flagged) / checked <= 0.03, flagged
