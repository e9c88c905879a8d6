"""Every real bounce of ../shared/corpus through the desk, uploaded and pasted, in ja and en:
never a crash, the failed addresses named, the standing warnings always there.
Skipped when the corpus is not beside the repository."""

from __future__ import annotations

import json

import pytest
from desk_support import CORPUS

from bot.answers import Voice, standing_warnings
from bot.desk import Desk
from bot.models import NON_FAILURE_REASONS, Inquiry

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not (CORPUS / "labels.jsonl").is_file(), reason="../shared/corpus is missing"),
]


@pytest.fixture(scope="module")
def labels() -> list[dict[str, object]]:
    lines = (CORPUS / "labels.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def desk() -> Desk:
    return Desk()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_uploaded_corpus_mails(desk: Desk, labels: list[dict[str, object]], lang: str) -> None:
    standing = [b.text for b in standing_warnings(Voice.of(lang, desk.kb))]
    named = expected_named = 0
    for label in labels:
        name = str(label["file"])
        data = (CORPUS / name).read_bytes()
        reply = desk.handle(Inquiry(mail_bytes=data, file_name=name, lang=lang))
        assert reply.lang == lang, name
        assert reply.blocks, name
        assert reply.intent is not None, name
        text = reply.text
        if reply.diagnosis is not None and (reply.diagnosis.is_bounce or reply.diagnosis.recipients):
            assert [b.text for b in reply.blocks[-2:]] == standing, name
        for recipient in label.get("recipients", []) or []:  # type: ignore[union-attr]
            address = recipient.get("address")
            if address and recipient.get("reason") not in NON_FAILURE_REASONS:
                expected_named += 1
                named += address.lower() in text.lower()
    # The listing is capped for long bounces; nearly every labelled address still shows.
    assert expected_named > 100
    assert named / expected_named >= 0.9, (named, expected_named)


def test_pasted_corpus_text_is_diagnosed(desk: Desk, labels: list[dict[str, object]]) -> None:
    """The readable text of a bounce, pasted as a message, is recognised as a bounce."""
    from bot.mail.reader import read_mail

    diagnosed = total = 0
    for label in labels:
        if not label.get("is_bounce") or str(label.get("kind")) in ("rfc3834", "arf"):
            continue
        mail = read_mail((CORPUS / str(label["file"])).read_bytes())
        if len(mail.text.strip()) < 40:
            continue
        total += 1
        reply = desk.handle(Inquiry(text=mail.text, lang="ja"))
        diagnosed += reply.diagnosis is not None and reply.diagnosis.is_bounce
    assert total > 100
    assert diagnosed / total >= 0.88, (diagnosed, total)
