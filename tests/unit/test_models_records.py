"""The records of bot.models and of the diagnose path: dataclass-like behaviour without the
dataclass machinery, and classes that cost little to make (every run pays for making them)."""

from __future__ import annotations

import copy
import importlib
import inspect
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from bot.mail.reader import Mail, read_mail
from bot.models import Block, Button, Diagnosis, Failure, FrozenRecord, Inquiry, IntentMatch, Reply, Warning

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "diagnosis"


def test_mutable_records_compare_and_print_like_dataclasses() -> None:
    a = Diagnosis(source="-", is_bounce=True, format="x", recipients=[Failure("a@example.jp", "userunknown")])
    b = Diagnosis(source="-", is_bounce=True, format="x", recipients=[Failure("a@example.jp", "userunknown")])
    assert a == b and a != Diagnosis(source="-", is_bounce=False, format="x")
    assert repr(a).startswith("Diagnosis(source='-', is_bounce=True, format='x', recipients=[Failure(")
    assert Reply("en") == Reply("en") and Reply("en") != Reply("ja")
    assert Warning("clock_skew") == Warning("clock_skew", {})
    for record in (a, Reply("en"), Warning("x")):
        try:
            hash(record)
        except TypeError:
            continue
        raise AssertionError(f"{type(record).__name__} is mutable and must not be hashable")


def test_list_and_dict_defaults_are_never_shared() -> None:
    one, two = Diagnosis(source="1", is_bounce=False, format="none"), Diagnosis("2", False, "none")
    one.recipients.append(Failure(None, ""))
    one.problems.append("x")
    assert two.recipients == [] and two.problems == [] and two.warnings == []
    first, second = Warning("a"), Warning("b")
    first.detail["k"] = 1
    assert second.detail == {}
    r1, r2 = Reply("en"), Reply("en")
    r1.blocks.append(Block("text", "x"))
    assert r2.blocks == [] and r2.buttons == [] and r2.suggestions == []
    m1, m2 = Mail(), Mail()
    m1.problems.append("x")
    m1.headers.append(("a", "b"))
    assert m2.problems == [] and m2.headers == [] and m2.dsn_message == {}


def test_a_mail_copied_with_other_text_keeps_everything_else() -> None:
    mail = read_mail((FIXTURES / "rfc3464-two-recipients.eml").read_bytes())
    view = mail.with_text("other text")
    assert view.text == "other text" and mail.text != "other text"
    for name in Mail.__slots__:
        if name != "text":
            assert getattr(view, name) is getattr(mail, name), name
    assert mail.with_text(mail.text) == mail


def test_failure_json_lists_every_field_in_order() -> None:
    f = Failure("a@example.jp", "mailboxfull", status="4.2.2")
    assert list(f.to_json()) == list(Failure._fields)
    assert f.to_json()["status"] == "4.2.2" and f._replace(status=None).status is None


def _frozen_record_classes() -> list[type[FrozenRecord]]:
    names = ("bot.models", "bot.diagnosis.knowledge", "bot.safety.rules", "bot.safety.backscatter",
             "bot.safety.dangerous_attachment")  # fmt: skip
    return [
        value
        for module in map(importlib.import_module, names)
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, FrozenRecord) and value is not FrozenRecord
    ]


def test_frozen_records_take_their_fields_positionally_in_order() -> None:
    # _astuple, copies, pickles and the kept knowledge (bot.built_store) rebuild a record as
    # cls(*fields): every __init__ must take exactly the fields, in __slots__ order.
    classes = _frozen_record_classes()
    assert {c.__name__ for c in classes} >= {
        "Failure", "Inquiry", "IntentMatch", "Button", "Block", "ReasonRule", "Provider",
        "DiagnosisKnowledge", "AttachmentKind", "MagicSignature", "AttachmentRules", "DomainRules",
        "Rules", "FirstHop", "Finding",
    }  # fmt: skip
    for cls in classes:
        parameters = list(inspect.signature(cls).parameters.values())
        assert tuple(p.name for p in parameters) == cls._fields == cls.__slots__, cls
        assert all(p.kind is p.POSITIONAL_OR_KEYWORD for p in parameters), cls


def test_frozen_records_compare_hash_and_copy_like_named_tuples() -> None:
    f = Failure("a@example.jp", "userunknown", status="5.1.1", confidence=0.9)
    same = Failure("a@example.jp", "userunknown", status="5.1.1", confidence=0.9)
    assert f == same and hash(f) == hash(same) and len({f, same}) == 1
    assert f != f._replace(confidence=0.8) and f._replace() == f
    assert f._astuple() == tuple(getattr(f, n) for n in Failure._fields)
    for copied in (copy.copy(f), copy.deepcopy(f), pickle.loads(pickle.dumps(f))):
        assert copied == f and type(copied) is Failure
    block = Block("steps", "x", ("one", "two"))
    assert pickle.loads(pickle.dumps(block)) == block and repr(block) == (
        "Block(kind='steps', text='x', items=('one', 'two'))"
    )
    assert Button("a", "b") != Button("b", "a") and IntentMatch("x", 1.0) == IntentMatch("x", 1.0)
    assert Inquiry(text="hi") == Inquiry("hi") and hash(Inquiry("hi")) == hash(Inquiry(text="hi"))


def test_kept_knowledge_records_rebuild_from_their_fields() -> None:
    from bot.diagnosis.knowledge import diagnosis_knowledge
    from bot.safety.rules import rules

    kb, safety = diagnosis_knowledge(), rules()
    records: list[FrozenRecord] = [*kb.reasons.values(), *kb.providers, safety.attachments,
                                   *safety.attachments.kinds.values(), *safety.attachments.magic,
                                   safety.domains]  # fmt: skip
    for record in records:
        assert type(record)(*record._astuple()) == record, record


def test_frozen_record_fields_cannot_be_assigned_for_the_type_checker(tmp_path: Path) -> None:
    # Immutable for mypy (Final fields), as a NamedTuple was; at run time not checked.
    mypy = Path(sys.executable).with_name("mypy")
    if not mypy.exists():
        pytest.skip("mypy is not installed")
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from bot.models import Failure\n"
        "f = Failure('a@example.jp', 'userunknown')\n"
        "f.reason = 'mailboxfull'\n"
        "g = f._replace(reason=None)\n"
    )
    r = subprocess.run(
        [str(mypy), "--no-incremental", "--follow-imports=silent", str(sample)],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert 'sample.py:3: error: Cannot assign to final attribute "reason"' in r.stdout, r.stdout
    assert "sample.py:4: error:" in r.stdout and '"reason"' in r.stdout.splitlines()[1], r.stdout
