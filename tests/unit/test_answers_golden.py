"""Golden replies: diagnoses (tests/fixtures/desk/diagnoses/*.json) composed with the fixture
knowledge base, in Japanese and English, compared with tests/fixtures/desk/golden/.

After a deliberate change to the way answers are composed, rewrite the golden files with
    BOUNCEDESK_UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/test_answers_golden.py
and read the diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from desk_support import DIAGNOSES, GOLDEN, diagnosis_from_json, fixture_kb, reply_as_text

from bot.answers import Voice, compose_diagnosis

CASES = sorted(p.stem for p in DIAGNOSES.glob("*.json"))


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("case", CASES)
def test_golden_reply(case: str, lang: str) -> None:
    diagnosis = diagnosis_from_json(DIAGNOSES / f"{case}.json")
    reply = compose_diagnosis(diagnosis, Voice.of(lang, fixture_kb()))
    got = reply_as_text(reply)
    golden: Path = GOLDEN / f"{case}.{lang}.txt"
    if os.environ.get("BOUNCEDESK_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(got, encoding="utf-8")
    assert golden.is_file(), f"no golden file {golden}; run with BOUNCEDESK_UPDATE_GOLDEN=1 and review it"
    assert got == golden.read_text(encoding="utf-8")


def test_every_case_has_both_languages() -> None:
    assert len(CASES) >= 6
    for case in CASES:
        for lang in ("ja", "en"):
            assert (GOLDEN / f"{case}.{lang}.txt").is_file()
