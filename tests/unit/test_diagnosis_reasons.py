"""bot.diagnosis.reasons and the knowledge it reads: decision order, hard bounces, validation."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.diagnosis.knowledge import DIAGNOSIS_DIR, DiagnosisKnowledgeError, load_diagnosis_knowledge
from bot.diagnosis.reasons import classify, is_hard_bounce, pseudo_status


@pytest.mark.parametrize(
    ("status", "reply", "text", "command", "expected"),
    [
        # a specific status code decides
        ("5.1.1", "550", "<x@example.jp>: Recipient address rejected: User unknown", None, "userunknown"),
        ("5.2.2", "552", "Requested mail action aborted", None, "mailboxfull"),
        ("5.3.4", "552", "Message size exceeds fixed limit", None, "mesgtoobig"),
        ("5.2.3", "552", "Message size exceeds fixed maximum message size", None, "exceedlimit"),
        ("5.7.26", "550", "Unauthenticated email is not accepted", None, "authfailure"),
        ("5.1.2", "550", "Host unknown (Name server: example.jpp.: host not found)", None, "hostunknown"),
        ("4.4.7", None, "Delivery time expired", None, "expired"),
        ("2.0.0", "250", "Ok: queued", None, "delivered"),
        # ... unless the words name an earlier, stronger reason
        ("5.1.1", "550", "Mailbox full: user is over quota", None, "mailboxfull"),
        ("5.1.1", "554", "Relay access denied", None, "norelaying"),
        # a status that says little (5.0.0) or a bare reply code: the words decide
        ("5.0.0", "554", "Client host rejected: blocked using zen.spamhaus.org", None, "blocked"),
        (None, "550", "5.7.1 Relaying denied", None, "norelaying"),
        (None, "550", "sorry, no mailbox here by that name", "RCPT", "userunknown"),
        ("5.0.0", "550", "Sender address rejected: Domain not found", "MAIL", "rejected"),
        ("5.0.0", "550", "Connection timed out", None, "expired"),
        ("5.7.1", "550", "Message rejected as spam by Content Filtering", "DATA", "spamdetected"),
        # "User unknown" refused at DATA, or with the address missing, is a filter
        ("5.0.0", "550", "User unknown", "DATA", "filtered"),
        (None, "550", "550 : User unknown", None, "filtered"),
        # local delivery agents speak for themselves
        (None, None, "mail.local: unknown user: kijitora", None, "userunknown"),
        # class fallbacks and leftovers
        ("5.7.99", "554", "denied", None, "securityerror"),
        ("5.6.99", "554", "bad content", None, "contenterror"),
        (None, None, "something odd happened", None, "onhold"),
        (None, None, "", None, "undefined"),
    ],
)
def test_classify(status, reply, text, command, expected) -> None:
    reason, confidence = classify(status, reply, text, command=command)
    assert reason == expected
    assert 0.0 < confidence <= 1.0


def test_confidence_is_higher_when_code_and_words_agree() -> None:
    both = classify("5.1.1", "550", "User unknown", command="RCPT")[1]
    code_only = classify("5.1.1", "550", "rejected", command="RCPT")[1]
    words_only = classify(None, "550", "User unknown", command="RCPT")[1]
    assert both > code_only > words_only > classify(None, None, "hmm")[1]


def test_delayed_without_words_is_expired() -> None:
    assert classify(None, None, "", action="delayed")[0] == "expired"


def test_hint_from_a_format_reader_is_kept_unless_words_say_otherwise() -> None:
    assert classify(None, None, "no details", hint="userunknown")[0] == "userunknown"
    assert classify(None, None, "mailbox is full", hint="userunknown")[0] == "mailboxfull"


def test_hard_bounce() -> None:
    assert is_hard_bounce("userunknown")
    assert is_hard_bounce("hostunknown")
    assert is_hard_bounce("notaccept", "5.1.10")
    assert not is_hard_bounce("notaccept", "4.3.2")
    assert not is_hard_bounce("mailboxfull", "5.2.2")
    assert pseudo_status("mailboxfull") == "5.0.922"
    assert pseudo_status("mailboxfull", temporary=True) == "4.0.922"


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "diagnosis"
    shutil.copytree(DIAGNOSIS_DIR, target)
    return target


def test_the_shipped_knowledge_loads() -> None:
    kb = load_diagnosis_knowledge()
    assert kb.status_reason["5.1.1"] == "userunknown"
    assert "gmail.com" in kb.common_domains
    assert set(kb.status_order) <= set(kb.reasons)


def test_duplicate_status_code_is_reported_with_file_and_line(tmp_path: Path) -> None:
    base = _copy(tmp_path)
    path = base / "reasons" / "mailboxfull.toml"
    text = path.read_text(encoding="utf-8").replace('"5.2.2"]', '"5.2.2", "5.1.1"]')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DiagnosisKnowledgeError) as err:
        load_diagnosis_knowledge(base)
    message = str(err.value)
    assert "userunknown.toml" in message or "mailboxfull.toml" in message
    assert "5.1.1" in message
    line = int(message.split(":")[1])
    assert "5.1.1" in (path if "mailboxfull" in message else base / "reasons" / "userunknown.toml").read_text(
        encoding="utf-8"
    ).splitlines()[line - 1]


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    base = _copy(tmp_path)
    path = base / "reasons" / "filtered.toml"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(3, "statuses = [oops")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DiagnosisKnowledgeError, match=r"filtered\.toml:4:"):
        load_diagnosis_knowledge(base)


def test_unknown_reason_reference_and_missing_file(tmp_path: Path) -> None:
    base = _copy(tmp_path)
    path = base / "reasons" / "userunknown.toml"
    text = path.read_text(encoding="utf-8").replace('"notaccept"]', '"nosuchreason"]')
    path.write_text(text, encoding="utf-8")
    expected = r"userunknown\.toml:\d+: unknown reason 'nosuchreason'"
    with pytest.raises(DiagnosisKnowledgeError, match=expected):
        load_diagnosis_knowledge(base)
    base2 = _copy(tmp_path / "second")
    (base2 / "reasons" / "speeding.toml").unlink()
    with pytest.raises(DiagnosisKnowledgeError, match=r"vocabulary\.toml:\d+: reason 'speeding' has no file"):
        load_diagnosis_knowledge(base2)


def test_status_preference_between_field_and_text() -> None:
    from bot.diagnosis.codes import prefer_status

    assert prefer_status("5.0.0", ["5.1.1"]) == "5.1.1"  # the field only knows the class
    assert prefer_status("5.1.1", ["5.2.2"]) == "5.2.2"  # "unknown user" against a named cause
    assert prefer_status("5.1.1", ["5.1.0"]) == "5.1.1"  # ... but not against a vaguer one
    assert prefer_status("4.4.7", ["4.4.7", "4.4.2"]) == "4.4.2"  # expired: the text says why
    assert prefer_status("5.2.2", ["5.1.1"]) == "5.2.2"  # a specific field stays
    assert prefer_status("4.2.2", ["5.2.2"], reply="552") == "5.2.2"  # the reply code's class decides
    assert prefer_status(None, ["5.7.1"]) == "5.7.1"
    assert prefer_status("5.1.1", []) == "5.1.1"


def test_provider_tables() -> None:
    outlook = "mx.prod.protection.outlook.com"
    # Microsoft: the status code and the wording together
    dmarc = "550 5.7.509 Access denied, sending domain EXAMPLE.JP does not pass DMARC verification"
    assert classify("5.7.509", "550", dmarc, remote_host=outlook)[0] == "authfailure"
    assert classify("5.5.3", "550", "Too many recipients", remote_host=outlook)[0] == "speeding"
    assert classify("5.5.3", "550", "Too many recipients")[0] == "toomanyconn"  # no provider
    # docomo: its status codes decide
    docomo = "550 Unknown user x@docomo.ne.jp"
    assert classify("5.2.0", "550", docomo, remote_host="mfsmax.docomo.ne.jp")[0] == "filtered"
    # Orange / La Poste codes count even in a lone pasted line
    assert classify(None, "550", "550 5.5.0 Le compte du destinataire est bloque. LPN007_426")[0] == "suspend"
    # au: the recipient's domain names the provider
    au = "550 <x@ezweb.ne.jp>: User unknown"
    assert classify(None, "550", au, destination="ezweb.ne.jp")[0] == "userunknown"


def test_parsed_knowledge_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.diagnosis.knowledge import _load_cached

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    base = _copy(tmp_path)
    first = _load_cached(base)
    files = list((tmp_path / "cache" / "bouncedesk").glob("diagnosis-*.json"))
    assert len(files) == 1
    second = _load_cached(base)  # from the JSON copy
    assert second.status_reason == first.status_reason
    assert [p.name for p in second.providers] == [p.name for p in first.providers]
    assert second.reasons["userunknown"].phrases == first.reasons["userunknown"].phrases
    # an edited file is a new version: parsed again, and its errors are still reported
    path = base / "reasons" / "filtered.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\nbogus_key = 1\n", encoding="utf-8")
    with pytest.raises(DiagnosisKnowledgeError, match=r"filtered\.toml:\d+: unknown key 'bogus_key'"):
        _load_cached(base)


def _phrase_texts() -> list[str]:
    """Texts around every phrase, pair and not_phrase of the shipped knowledge: whole, cut short
    at either end, glued to other words, and the bare words."""
    kb = load_diagnosis_knowledge()
    out = []
    for rule in kb.reasons.values():
        for parts in [(p,) for p in (*rule.phrases, *rule.not_phrases)] + list(rule.pairs):
            whole = " ".join(parts)
            out += [whole, f"550 5.1.1 <a@b.example>: {whole}.", f"x{whole}x", "-".join(parts),
                    whole[1:], whole[:-1], whole.replace(" ", "  "), *whole.split(" ")]
    return sorted(set(out))


def test_phrase_index_agrees_with_each_rule() -> None:
    from bot.diagnosis.reasons import normalise

    kb = load_diagnosis_knowledge()
    texts = _phrase_texts()
    assert len(texts) > 3000
    hits = 0
    for text in texts:
        low = normalise(text)
        for exclusions in (True, False):
            expected = {r.name for r in kb.reasons.values() if r.matches(low, exclusions)}
            assert kb.phrase_index.reasons_in(low, exclusions) == expected, text
            hits += bool(expected)
    assert hits > 2000  # most texts carry some reason's words
    # the index assumes nothing about the text: any whitespace, upper case
    for text in ("user\tunknown", "USER UNKNOWN", "", " ", "mailbox  full", "user (x) unknown"):
        expected = {r.name for r in kb.reasons.values() if r.matches(text)}
        assert kb.phrase_index.reasons_in(text) == expected, text


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("reasons/suspend.toml", '["525"]', '["5250"]', r"suspend\.toml:\d+: '5250' is not a reply code"),
        ("reasons/suspend.toml", '["525"]', '["625"]', r"suspend\.toml:\d+: '625' is not a reply code"),
        ("rhost.toml", '"5.1.1" = "userunknown"', '"5.1.1.1" = "userunknown"',
         r"rhost\.toml:\d+: provider '\w+': '5\.1\.1\.1' is not a status code"),
        ("rhost.toml", '"4.7.850-899"', '"4.7.850-"', r"rhost\.toml:\d+: provider 'microsoft': bad rule"),
        ("rhost.toml", '"4.7.850-899"', '"4.7.8500"', r"rhost\.toml:\d+: provider 'microsoft': bad rule"),
    ],
)
def test_bad_codes_are_reported(tmp_path: Path, file: str, old: str, new: str, expected: str) -> None:
    base = _copy(tmp_path)
    path = base / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DiagnosisKnowledgeError, match=expected):
        load_diagnosis_knowledge(base)


def test_provider_rule_ranges() -> None:
    microsoft = next(p for p in load_diagnosis_knowledge().providers if p.name == "microsoft")
    assert ("blocked", "4.7.", 850, 899, "access denied, please try again later") in microsoft.rules
    assert ("authfailure", "4.7.", 26, 26, microsoft.rules[0][4]) == microsoft.rules[0]


def _plain_first_pass(kb, status, status_reason, reply_code, found, command, hint):  # type: ignore[no-untyped-def]
    """The first pass as first written: every reason of status_order in turn."""
    from bot.diagnosis import reasons as R

    for name in kb.status_order:
        rule = kb.reasons[name]
        if hint == name:
            return name, R.CONF_STATUS_AND_PHRASE if R._said(found, rule) else R.CONF_PHRASE
        if reply_code and reply_code in rule.reply_codes:
            return name, R.CONF_REPLY
        if status_reason == name:
            if not found.isdisjoint(rule.yields_to):
                continue
            if rule.status_needs_phrase_of and found.isdisjoint(rule.status_needs_phrase_of):
                continue
            return name, R.CONF_STATUS_AND_PHRASE if R._said(found, rule) else R.CONF_STATUS
        if R._said(found, rule) and R._phrase_allowed(rule, command, status_reason, status, kb):
            return name, R.CONF_PHRASE
    return None


def _plain_late_phrase(kb, status, found):  # type: ignore[no-untyped-def]
    for name in kb.phrase_order:
        if name in found and not (status and status in kb.reasons[name].not_statuses):
            return name
    return None


def test_the_passes_decide_as_a_walk_over_every_reason() -> None:
    # _first_pass looks only at the reasons something concerns; the second pass only at the
    # phrase reasons found: both against the plain walks, over the statuses, reply codes,
    # commands and hints of the shipped knowledge and many sets of found reasons.
    import random

    from bot.diagnosis import reasons as R
    from bot.diagnosis.knowledge import diagnosis_knowledge

    kb = diagnosis_knowledge()
    orders = R._orders(kb)
    names = sorted(kb.reasons)
    statuses = [None, "5.0.0", "4.4.7", "5.7.1", *sorted(kb.status_reason)]
    replies = [None, "550", "421", *sorted({c for r in kb.reasons.values() for c in r.reply_codes})]
    commands = [None, "RCPT", "DATA", "MAIL", "EHLO", "CONN"]
    rng = random.Random(3464)
    decided = 0
    for _ in range(20000):
        status = rng.choice(statuses)
        status_reason = kb.status_reason.get(status) if status else None
        reply = rng.choice(replies)
        found = set(rng.sample(names, rng.choice((0, 1, 1, 2, 3, 5))))
        command = rng.choice(commands)
        hint = rng.choice([None, None, *names])
        fast = R._first_pass(kb, orders, status, status_reason, reply, found, command, hint)
        assert fast == _plain_first_pass(kb, status, status_reason, reply, found, command, hint)
        assert R._late_phrase(kb, orders, status, found) == _plain_late_phrase(kb, status, found)
        decided += fast is not None
    assert decided > 5000
