"""The whole labelled corpus (../shared/corpus) through `diagnose`, scored by the shared tool."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.diagnosis import diagnose

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
SCORER = REPO.parent / "shared" / "tools" / "score_diagnosis.py"

TARGETS = {
    "reason": 0.95,
    "cause": 0.97,
    "addr-recall": 0.98,
    "addr-precision": 0.99,
    "status": 0.95,
    "reply": 0.95,
}

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(
        not (CORPUS / "labels.jsonl").is_file() or not SCORER.is_file(), reason="shared corpus not present"
    ),
]


def test_corpus_meets_the_targets(tmp_path: Path) -> None:
    pred = tmp_path / "pred.jsonl"
    with pred.open("w", encoding="utf-8") as out:
        for path in sorted(CORPUS.glob("*.eml")):
            d = diagnose(path.read_bytes(), source=path.name)
            out.write(json.dumps(d.to_json(), ensure_ascii=False) + "\n")
    args = [sys.executable, str(SCORER), "--labels", str(CORPUS / "labels.jsonl"), "--pred", str(pred),
            "--json", str(tmp_path / "score.json")]
    for key, value in TARGETS.items():
        args += [f"--min-{key}", str(value)]
    result = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads((tmp_path / "score.json").read_text(encoding="utf-8"))["summary"]
    for key, value in TARGETS.items():
        assert summary[key] >= value, (key, summary[key])
