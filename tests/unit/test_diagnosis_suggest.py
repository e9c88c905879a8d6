"""bot.diagnosis.suggest: 'did you mean' for near misses of common mail domains."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from bot.diagnosis.knowledge import diagnosis_knowledge
from bot.diagnosis.suggest import _closest_domain, _may_be_close, suggest_address


def _may_be_close_by_counting(domain: str, domains: tuple[str, ...]) -> bool:
    """The plain definition: the letters the names do not share, counted with Counter."""
    counts = Counter(domain)
    for candidate in domains:
        if abs(len(candidate) - len(domain)) > 2:
            continue
        other = Counter(candidate)
        if (counts - other).total() + (other - counts).total() <= 4:
            return True
    return False


COMMON = diagnosis_knowledge().common_domains
# Names made of few letters repeat them often: the case where counting repeats matters.
_LETTERS = "aeo.mnc-j"


@st.composite
def near_domains(draw: st.DrawFn) -> str:
    """A common domain with a few random edits, or a name of few letters."""
    if draw(st.booleans()):
        return draw(st.text(alphabet=_LETTERS, min_size=0, max_size=16))
    name = list(draw(st.sampled_from(COMMON)))
    for _ in range(draw(st.integers(0, 5))):
        at = draw(st.integers(0, len(name)))
        kind = draw(st.sampled_from(("insert", "delete", "replace", "swap")))
        letter = draw(st.sampled_from(_LETTERS + "ö"))
        if kind == "insert":
            name.insert(at, letter)
        elif at < len(name):
            if kind == "delete":
                del name[at]
            elif kind == "replace":
                name[at] = letter
            elif at + 1 < len(name):
                name[at], name[at + 1] = name[at + 1], name[at]
    return "".join(name)


@settings(max_examples=600, deadline=None)
@given(near_domains(), st.lists(st.text(alphabet=_LETTERS, max_size=12), max_size=6))
def test_the_quick_test_answers_as_the_counters_do(domain: str, others: list[str]) -> None:
    for domains in (COMMON, tuple(others)):
        assert _may_be_close(domain, domains) == _may_be_close_by_counting(domain, domains)


@settings(max_examples=300, deadline=None)
@given(near_domains())
def test_no_domain_within_two_edits_is_ruled_out(domain: str) -> None:
    if any(OSA.distance(domain, c) <= 2 for c in COMMON):
        assert _may_be_close(domain, COMMON)


def test_near_misses_get_the_common_domain() -> None:
    assert suggest_address("taro@docomo.ne.jo", "userunknown") == "taro@docomo.ne.jp"
    assert suggest_address("taro@gmial.com", "hostunknown") == "taro@gmail.com"
    assert suggest_address("taro@docomo.ne.jp", "userunknown") is None  # already right
    assert suggest_address("taro@docomo.ne.jo", "mailboxfull") is None  # not an address problem
    assert _closest_domain("example.org", COMMON) is None
