"""The dev corpus as people paste it (../shared/tools/make_fragments.py): the displayed text,
the same quoted and re-wrapped under a Japanese question, and a lone Diagnostic-Code line,
each run through `bouncedesk diagnose --json` and scored with ../shared/tools/score_diagnosis.py.
Skipped when the shared corpus or tools are not beside the repository."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
MAKE_FRAGMENTS = SHARED / "tools" / "make_fragments.py"
SCORE = SHARED / "tools" / "score_diagnosis.py"
BOUNCEDESK = Path(sys.executable).parent / "bouncedesk"

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(
        not (CORPUS / "labels.jsonl").is_file() or not MAKE_FRAGMENTS.is_file() or not SCORE.is_file(),
        reason="../shared/corpus or its tools are missing",
    ),
]

# Reason agreement each kind of paste must reach.
TARGETS = {"paste": 0.90, "quoted": 0.85, "line": 0.80}


@pytest.fixture(scope="module")
def fragments(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fragments")
    subprocess.run(
        [sys.executable, str(MAKE_FRAGMENTS), str(CORPUS), str(out)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out


def _diagnose(folder: Path, pred: Path) -> None:
    files = sorted(str(p) for p in folder.glob("*.eml"))
    assert files, f"no fragments in {folder}"
    command = [str(BOUNCEDESK)] if BOUNCEDESK.exists() else [sys.executable, "-m", "bot"]
    result = subprocess.run(
        [*command, "diagnose", "--json", *files], capture_output=True, timeout=600, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")[-2000:]
    pred.write_bytes(result.stdout)


@pytest.mark.parametrize("kind", sorted(TARGETS))
def test_pasted_bounces_get_their_reason(fragments: Path, kind: str) -> None:
    pred = fragments / f"pred-{kind}.jsonl"
    summary = fragments / f"score-{kind}.json"
    _diagnose(fragments / kind, pred)
    lines = pred.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(list((fragments / kind).glob("*.eml")))
    scored = subprocess.run(
        [
            sys.executable,
            str(SCORE),
            "--labels",
            str(fragments / kind / "labels.jsonl"),
            "--pred",
            str(pred),
            "--json",
            str(summary),
            "--min-reason",
            str(TARGETS[kind]),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    result = json.loads(summary.read_text(encoding="utf-8"))["summary"]
    assert scored.returncode == 0, f"{kind}: {scored.stdout.strip()}"
    assert result["reason"] >= TARGETS[kind]


def test_pastes_keep_the_failed_addresses(fragments: Path) -> None:
    """Where a paste still shows the addresses, they are found (and not made up)."""
    pred = fragments / "pred-paste-addr.jsonl"
    summary = fragments / "score-paste-addr.json"
    _diagnose(fragments / "paste", pred)
    subprocess.run(
        [
            sys.executable,
            str(SCORE),
            "--labels",
            str(fragments / "paste" / "labels.jsonl"),
            "--pred",
            str(pred),
            "--json",
            str(summary),
        ],
        capture_output=True,
        timeout=300,
    )
    result = json.loads(summary.read_text(encoding="utf-8"))["summary"]
    assert result["addr-recall"] >= 0.95
    assert result["addr-precision"] >= 0.95


# Share of pasted bounces that must be taken for a bounce at all (not answered as a question).
RECOGNISED = 0.97


def _recognised_share(texts: list[str]) -> tuple[float, list[int]]:
    from bot.diagnosis import diagnose_text

    missed = [i for i, text in enumerate(texts) if not diagnose_text(text).recipients]
    return 1 - len(missed) / len(texts), missed


@pytest.mark.parametrize("kind", ["paste", "quoted"])
def test_pasted_bounces_are_taken_for_bounces(fragments: Path, kind: str) -> None:
    files = sorted((fragments / kind).glob("*.eml"))
    share, missed = _recognised_share([p.read_text(encoding="utf-8") for p in files])
    assert share >= RECOGNISED, f"{kind}: {share:.3f}, missed {[files[i].name for i in missed]}"


def _displayed_text(raw: bytes) -> str:
    """What a mail program shows of a bounce and a person copies: its first plain-text part
    only (the delivery-status part is an attachment there), without the mail headers."""
    import email
    import email.policy

    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            charset = part.get_content_charset() or "utf-8"
            try:
                return data.decode(charset, "replace").strip()
            except LookupError:
                return data.decode("utf-8", "replace").strip()
    return ""


def test_displayed_bounce_text_is_taken_for_a_bounce() -> None:
    """The notice alone, without the RFC 3464 fields that the paste/ folder keeps: many systems
    then state the failure only in words ("Delivery to the following recipients failed.")."""
    labels = [
        json.loads(line)
        for line in (CORPUS / "labels.jsonl").read_text(encoding="utf-8").splitlines()
        if line
    ]
    names, texts = [], []
    for label in labels:
        failed = [r for r in label["recipients"] if r["reason"] not in ("vacation", "feedback", "delivered")]
        if not label.get("is_bounce", True) or not failed:
            continue
        text = _displayed_text((CORPUS / label["file"]).read_bytes())
        if text:
            names.append(label["file"])
            texts.append(text)
    share, missed = _recognised_share(texts)
    assert share >= RECOGNISED, f"{share:.3f}, missed {[names[i] for i in missed]}"
