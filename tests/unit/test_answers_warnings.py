"""Properties every diagnosis reply keeps, whatever the diagnosis: the standing warnings last,
a strong warning first on suspicious mail, the clock span, caps on long lists."""

from __future__ import annotations

import pytest
from desk_support import fixture_kb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answers import Voice, compose_diagnosis, standing_warnings
from bot.answers.bounce import MAX_ADDRESSES_PER_GROUP, MAX_GROUPS, clock_skew
from bot.kb.reasons import SISIMAI_REASONS
from bot.models import Diagnosis, Failure, Warning

addresses = st.one_of(
    st.none(),
    st.from_regex(r"[a-z0-9._]{1,12}@[a-z0-9-]{1,10}\.(com|jp|ne\.jp|org)", fullmatch=True),
    st.text(max_size=30),
)
failures = st.builds(
    Failure,
    address=addresses,
    reason=st.one_of(st.sampled_from(SISIMAI_REASONS), st.text(max_size=12)),
    status=st.one_of(st.none(), st.from_regex(r"[245]\.[0-9]\.[0-9]{1,2}", fullmatch=True)),
    reply_code=st.one_of(st.none(), st.sampled_from(["550", "552", "421", "554"])),
    action=st.one_of(st.none(), st.sampled_from(["failed", "delayed", "delivered"])),
    evidence=st.text(max_size=600),
    confidence=st.floats(0, 1),
    suggestion=st.one_of(st.none(), st.just("someone@gmail.com")),
    original_address=st.one_of(st.none(), addresses),
)
warning_ids = st.sampled_from(
    ["clock_skew", "dangerous_attachment", "phishing_link", "not_sent_by_you", "other"]
)
warnings = st.builds(
    Warning,
    id=warning_ids,
    detail=st.dictionaries(
        st.sampled_from(["seconds", "name", "direction", "days", "names"]),
        st.one_of(
            st.integers(-(10**9), 10**9), st.text(max_size=20), st.lists(st.text(max_size=8), max_size=3)
        ),
        max_size=3,
    ),
)
diagnoses = st.builds(
    Diagnosis,
    source=st.just("t"),
    is_bounce=st.booleans(),
    format=st.just("x"),
    recipients=st.lists(failures, max_size=40),
    warnings=st.lists(warnings, max_size=4, unique_by=lambda w: w.id),
    suspicious=st.booleans(),
    problems=st.lists(st.text(max_size=5), max_size=2),
)


@pytest.mark.parametrize("lang", ["ja", "en"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(diagnosis=diagnoses)
def test_reply_properties(lang: str, diagnosis: Diagnosis) -> None:
    voice = Voice.of(lang, fixture_kb())
    reply = compose_diagnosis(diagnosis, voice)
    assert reply.lang == lang
    assert reply.blocks
    standing = [b.text for b in standing_warnings(voice)]
    is_about_a_bounce = diagnosis.is_bounce or bool(diagnosis.recipients) or diagnosis.suspicious
    if is_about_a_bounce:
        assert [b.text for b in reply.blocks[-2:]] == standing
    suspicious = diagnosis.suspicious or any(
        w.id in ("dangerous_attachment", "phishing_link", "not_sent_by_you") for w in diagnosis.warnings
    )
    if suspicious:
        assert reply.blocks[0].kind == "warning"
        assert reply.blocks[0].text.startswith("⚠")
    else:
        assert reply.blocks[0].kind != "warning"
    actions = [b.action for b in reply.buttons]
    assert "staff" in actions
    assert len(actions) == len(set(actions))
    # However many recipients, the listing stays short.
    shown = sum(
        1 for b in reply.blocks if b.kind == "text" for line in b.text.splitlines() if line.startswith("• ")
    )
    assert shown <= MAX_GROUPS * MAX_ADDRESSES_PER_GROUP
    assert len(reply.text) < 12000


@pytest.mark.parametrize(
    ("detail", "expected"),
    [
        ({"seconds": -259200}, (259200.0, True)),
        ({"seconds": 7200}, (7200.0, False)),
        ({"skew_seconds": 86400, "direction": "behind"}, (86400.0, True)),
        ({"days": 3, "direction": "ahead"}, (259200.0, False)),
        ({}, (None, True)),
        ({"seconds": "soon"}, (None, True)),
    ],
)
def test_clock_skew_detail(detail: dict[str, object], expected: tuple[float | None, bool]) -> None:
    assert clock_skew(detail) == expected


@pytest.mark.parametrize(
    ("lang", "seconds", "phrase"),
    [
        ("en", -3 * 86400, "3 days behind"),
        ("ja", -3 * 86400, "3日遅れ"),
        ("en", 5 * 3600, "5 hours ahead"),
        ("ja", 5 * 3600, "5時間進ん"),
    ],
)
def test_clock_warning_speaks_the_span(lang: str, seconds: int, phrase: str) -> None:
    diagnosis = Diagnosis(
        source="t",
        is_bounce=True,
        format="x",
        recipients=[Failure(address="a@example.com", reason="rejected", status="5.7.1")],
        warnings=[Warning("clock_skew", {"seconds": seconds})],
    )
    reply = compose_diagnosis(diagnosis, Voice.of(lang, fixture_kb()))
    warnings_text = [b.text for b in reply.blocks if b.kind == "warning"]
    assert any(phrase in t for t in warnings_text)
    assert any(b.action == "topic:system_date_wrong" for b in reply.buttons) is False  # not in the fixture KB


def test_many_recipients_are_counted_with_plural_forms() -> None:
    recipients = [
        Failure(address=f"u{i}@example.org", reason="userunknown", status="5.1.1") for i in range(9)
    ]
    recipients.append(Failure(address="one@example.org", reason="mailboxfull", status="5.2.2"))
    diagnosis = Diagnosis(source="t", is_bounce=True, format="x", recipients=recipients)
    en = compose_diagnosis(diagnosis, Voice.of("en", fixture_kb())).text
    assert "Your mail was not delivered to 10 addresses" in en
    assert "…and 4 more addresses" in en
    assert "Failed address: one@example.org" in en
    ja = compose_diagnosis(diagnosis, Voice.of("ja", fixture_kb())).text
    assert "10件の宛先にメールが届きませんでした" in ja
    assert "…ほか4件" in ja
    one_more = Diagnosis(source="t", is_bounce=True, format="x", recipients=recipients[:6])
    assert "…and 1 more address\n" in compose_diagnosis(one_more, Voice.of("en", fixture_kb())).text + "\n"
