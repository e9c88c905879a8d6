"""bot.diagnosis.knowledge.ProviderHosts: the provider of a host name, as the plain loop finds it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.diagnosis.knowledge import Provider, ProviderHosts, diagnosis_knowledge


def _first_by_loop(providers: tuple[Provider, ...], host: str) -> Provider | None:
    """The plain definition: every provider in order, every suffix of it."""
    for provider in providers:
        for suffix in provider.hosts:
            if host.endswith(suffix) or suffix.endswith("." + host) or suffix == host:
                return provider
    return None


def _provider(name: str, hosts: tuple[str, ...]) -> Provider:
    return Provider(name, hosts, None, {}, (), frozenset(), frozenset(), False, {}, ())


SHIPPED = diagnosis_knowledge().providers
# the pieces shipped suffixes are made of, and a few others, so that generated names often
# end like a suffix, are the parent of one, or come close
_PIECES = sorted({piece for p in SHIPPED for s in p.hosts for piece in s.split(".")} | {"x", "mx1", "com"})


def _names(pieces: list[str]) -> st.SearchStrategy[str]:
    label = st.one_of(st.sampled_from(pieces), st.text(alphabet="abcmox-", min_size=0, max_size=4))
    return st.builds(
        lambda labels, lead, trail: "." * lead + ".".join(labels) + "." * trail,
        st.lists(label, min_size=0, max_size=6),
        st.integers(0, 1),
        st.integers(0, 1),
    )


@settings(max_examples=800, deadline=None)
@given(_names(_PIECES))
def test_shipped_providers_as_the_loop_finds_them(host: str) -> None:
    assert ProviderHosts(SHIPPED).first(host) == _first_by_loop(SHIPPED, host)


_FEW = ["a", "b", "ab", "c"]  # suffixes of a few labels overlap often


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.lists(_names(_FEW).filter(bool), min_size=1, max_size=4), min_size=1, max_size=5),
    _names(_FEW),
)
def test_overlapping_providers_the_first_in_order_wins(suffixes: list[list[str]], host: str) -> None:
    providers = tuple(_provider(f"p{i}", tuple(hosts)) for i, hosts in enumerate(suffixes))
    assert ProviderHosts(providers).first(host) == _first_by_loop(providers, host)


def test_provider_for_reads_the_host_as_written() -> None:
    kb = diagnosis_knowledge()
    google = kb.provider_for("ASPMX.L.GOOGLE.COM.")
    assert google is not None and google.name == "google"
    assert kb.provider_for(None, "mx.example.jp") is None
    parent = kb.provider_for("[outlook.com]")  # the parent name of microsoft's suffixes
    assert parent is not None and parent.name == "microsoft"
    dotted = "a." * 5000 + "qq.com"
    assert ProviderHosts(SHIPPED).first(dotted) == _first_by_loop(SHIPPED, dotted)
