"""The records of bot.models and of the diagnose path: dataclass-like behaviour without the
dataclass machinery, and classes that cost little to make (every run pays for making them)."""

from __future__ import annotations

import subprocess
import sys
import typing
from pathlib import Path

from bot.mail.reader import Mail, read_mail
from bot.models import Block, Diagnosis, Failure, Reply, Warning

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


def test_no_record_on_the_diagnose_path_is_built_from_string_annotations() -> None:
    # typing.NamedTuple compiles each string annotation (what `from __future__ import
    # annotations` makes of every annotation) into a ForwardRef when the class is made: about
    # half a million instructions a field, paid by every run. Such modules leave that import out.
    code = (
        "import sys, typing\n"
        "from bot.cli import main\n"
        f"main(['diagnose', '--json', {str(FIXTURES / 'rfc3464-two-recipients.eml')!r}])\n"
        # and what other mails need
        "import bot.diagnosis.clock, bot.diagnosis.fragment, bot.diagnosis.lhost, bot.diagnosis.suggest\n"
        "import bot.safety.backscatter, bot.safety.dangerous_attachment, bot.safety.phishing_link\n"
        "slow = []\n"
        "for name, module in sorted(sys.modules.items()):\n"
        "    if not name.startswith('bot'):\n"
        "        continue\n"
        "    for value in vars(module).values():\n"
        "        if isinstance(value, type) and issubclass(value, tuple) and hasattr(value, '_fields'):\n"
        "            refs = [k for k, t in getattr(value, '__annotations__', {}).items()\n"
        "                    if isinstance(t, typing.ForwardRef)]\n"
        "            if refs:\n"
        "                slow.append(f'{name}.{value.__name__}: {refs}')\n"
        "print('SLOW', sorted(set(slow)), file=sys.stderr)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert b"SLOW []" in r.stderr, r.stderr.decode()


def test_the_check_above_sees_string_annotations() -> None:
    namespace: dict[str, object] = {}
    exec(  # a NamedTuple as a module with `from __future__ import annotations` would define it
        "from __future__ import annotations\nfrom typing import NamedTuple\n"
        "class R(NamedTuple):\n    a: str\n",
        namespace,
    )
    record = namespace["R"]
    assert isinstance(record, type)
    assert isinstance(record.__annotations__["a"], typing.ForwardRef)
