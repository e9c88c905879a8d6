"""bot.patterns: patterns compiled on first use behave as re.compile's."""

from __future__ import annotations

import re

from bot.patterns import lazy_compile


def test_every_method_answers_as_the_compiled_pattern_does() -> None:
    source, flags = r"^(?:final|original)-recipient\s*:\s*(\S+)", re.M | re.I
    text = "Reporting-MTA: dns; mx.example.jp\nFinal-Recipient: rfc822; neko@example.jp\n"
    lazy, compiled = lazy_compile(source, flags), re.compile(source, flags)
    match = lazy.search(text)
    assert match is not None and match.group(1) == compiled.search(text).group(1)  # type: ignore[union-attr]
    assert lazy.match(text) is None and compiled.match(text) is None
    assert lazy.fullmatch("final-recipient: x") is not None
    assert lazy.findall(text) == compiled.findall(text) == ["rfc822;"]
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in compiled.finditer(text)]
    assert lazy.sub("-", text) == compiled.sub("-", text)
    assert lazy.subn("-", text) == compiled.subn("-", text)
    assert lazy.split(text) == compiled.split(text)


def test_a_pattern_built_from_another_one_reads_its_source() -> None:
    address = lazy_compile(r"[a-z]+@[a-z.]+")
    delivered = lazy_compile(r"delivered to <?(" + address.pattern + ")")
    found = delivered.search("was not delivered to <neko@example.jp>")
    assert found is not None and found.group(1) == "neko@example.jp"


def test_nothing_is_compiled_before_the_first_use() -> None:
    broken = lazy_compile(r"(unclosed")  # re.compile would raise here
    assert broken.pattern == "(unclosed"
    try:
        broken.search("text")
    except re.error:
        pass
    else:
        raise AssertionError("re.error expected at the first use")
