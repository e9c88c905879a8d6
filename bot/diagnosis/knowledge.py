"""The diagnosis data in knowledge/diagnosis/: reasons, their phrases and status codes.

Loaded once per process (`diagnosis_knowledge()`), validated on load: a mistake raises
`DiagnosisKnowledgeError` naming the file and the line.
"""

from __future__ import annotations

import functools
import operator
import os
import re
from collections import Counter
from itertools import chain, repeat

from bot import TYPE_CHECKING, patterns
from bot.built_store import KeptTables
from bot.knowledge_file import line_of, read_text, read_toml
from bot.models import FrozenRecord
from bot.paths import KNOWLEDGE_ROOT

if TYPE_CHECKING:
    from typing import Any, Final

    from bot.paths import StrPath

    # Parsed files of this load: filled from the cache, or by parsing (and then written to it).
    _Parsed = dict[str, Any]

DIAGNOSIS_DIR = os.path.join(KNOWLEDGE_ROOT, "diagnosis")  # (a str: see bot.paths)
_STATUS = patterns.compile(r"^[245]\.\d{1,3}\.\d{1,3}$")
_COMMANDS = frozenset({"CONN", "EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA"})


class DiagnosisKnowledgeError(ValueError):
    """A file in knowledge/diagnosis/ is wrong; the message names the file and the line."""


# The records of this module are FrozenRecords (bot.models), not NamedTuples or frozen
# dataclasses: every start-up makes their classes, and a slotted class costs far less to make.
class ReasonRule(FrozenRecord):
    __slots__ = (  # noqa: RUF023 (field order)
        "name", "hard", "pseudo", "failure", "statuses", "reply_codes", "phrases", "pairs",
        "not_phrases", "not_statuses", "yields_to", "status_needs_phrase_of", "also_phrases_of",
        "phrase_commands", "phrase_not_commands", "weak_status_ok", "needs_status",
    )  # fmt: skip

    def __init__(
        self,
        name: str,
        hard: bool | str,  # True, False or "5xx"
        pseudo: str,
        failure: bool,
        statuses: frozenset[str],
        reply_codes: frozenset[str],
        phrases: tuple[str, ...],
        pairs: tuple[tuple[str, ...], ...],
        not_phrases: tuple[str, ...],
        not_statuses: frozenset[str],
        yields_to: tuple[str, ...],
        status_needs_phrase_of: tuple[str, ...],
        also_phrases_of: tuple[str, ...],
        phrase_commands: frozenset[str],
        phrase_not_commands: frozenset[str],
        weak_status_ok: bool,
        needs_status: bool,
    ) -> None:
        self.name: Final = name
        self.hard: Final = hard
        self.pseudo: Final = pseudo
        self.failure: Final = failure
        self.statuses: Final = statuses
        self.reply_codes: Final = reply_codes
        self.phrases: Final = phrases
        self.pairs: Final = pairs
        self.not_phrases: Final = not_phrases
        self.not_statuses: Final = not_statuses
        self.yields_to: Final = yields_to
        self.status_needs_phrase_of: Final = status_needs_phrase_of
        self.also_phrases_of: Final = also_phrases_of
        self.phrase_commands: Final = phrase_commands
        self.phrase_not_commands: Final = phrase_not_commands
        self.weak_status_ok: Final = weak_status_ok
        self.needs_status: Final = needs_status

    def matches(self, low: str, exclusions: bool = True) -> bool:
        """True when the lower-cased text carries one of this reason's phrases (and, unless
        `exclusions` is False, none of its not_phrases). To ask this of every reason at once,
        PhraseIndex.reasons_in is much faster."""
        if not low:
            return False
        if exclusions and any(p in low for p in self.not_phrases):
            return False
        return any(p in low for p in self.phrases) or any(in_order(low, parts) for parts in self.pairs)


def in_order(low: str, parts: tuple[str, ...]) -> bool:
    """True when every part occurs in the text, each after the one before (a row of `pairs`)."""
    pos = 0
    for part in parts:
        pos = low.find(part, pos)
        if pos < 0:
            return False
        pos += len(part)
    return True


# The phrase index cuts texts into words at single spaces (normalise leaves nothing else),
# and keys some phrases by the first or last characters of a word: this many.
_EDGE = 3
_first_chars = operator.itemgetter(slice(None, _EDGE))
_last_chars = operator.itemgetter(slice(-_EDGE, None))

# (reason, first part, all parts): a phrase is one part (all parts: None), a row of `pairs`
# two or more (the first part must occur for the row to: a quick first test)
_Entry = tuple[str, str, tuple[str, ...] | None]
_Entries = tuple[_Entry, ...]


def _edge_keys(part: str) -> list[tuple[str, str, str]]:
    """For a part without an inner word (see PhraseIndex), as (table, key, word): the last
    characters of its first word, which ends a word of any text holding the part (a space comes
    after it), and the first characters of its last word, which starts one."""
    words = part.split(" ")
    if len(words) < 2:
        return []
    first, last = words[0], words[-1]
    keys = []
    if len(first) >= _EDGE:
        keys.append(("end", first[-_EDGE:], first))
    if len(last) >= _EDGE:
        keys.append(("start", last[:_EDGE], last))
    return keys


def _gated(entries: list[_Entry]) -> tuple[tuple[str, _Entries], ...]:
    """The unkeyed entries in groups behind a gate, the first characters their first parts share
    (entries alike in their first two characters: "//www.spamcop.net/bl." and "//dsbl.org/..."
    behind "//"): a text without the gate needs none of the group looked for."""
    groups: dict[str, list[_Entry]] = {}
    for entry in entries:
        groups.setdefault(entry[1][:2], []).append(entry)
    return tuple((_shared_start([e[1] for e in group]), tuple(group)) for group in groups.values())


def _shared_start(texts: list[str]) -> str:
    """The longest start all the texts share (that of the first and last in sorted order)."""
    a, b = min(texts), max(texts)
    n = 0
    while n < len(a) and a[n] == b[n]:
        n += 1
    return a[:n]


class PhraseIndex(KeptTables):
    """Which reasons' phrases (and pairs) a lower-cased text carries, all reasons in one go.

    The same answers as ReasonRule.matches asked of every reason, without looking for all
    ~700 phrases in every text. Texts and phrases are cut into words at spaces; a word with a
    space on both sides inside a phrase (an inner word: "address" in "recipient address
    rejected") is a word of every text that holds the phrase, so the text's words pick the few
    phrases worth looking for. Each phrase is keyed by its inner word that the phrases share
    least (rare among phrases, rare in texts). A phrase without one ("user unknown") is keyed by
    the first or last characters of an outer word (_edge_keys); the handful with no key at all
    (one word) are looked for when the
    text holds the characters they begin with (_gated)."""

    __slots__ = ("by_end", "by_start", "by_word", "ends", "exclusions", "starts", "unkeyed", "words")

    # (a plain class: an index built from the rules, not a record; a dataclass costs start-up)
    def __init__(self, rules: dict[str, ReasonRule]) -> None:
        phrases = [(r.name, p) for r in rules.values() for p in r.phrases]
        pairs = [(r.name, parts) for r in rules.values() for parts in r.pairs]
        # how often each word comes up in all the phrases
        every_part = [p for _, p in phrases] + [part for _, parts in pairs for part in parts]
        rarity = Counter(" ".join(every_part).split(" ")).__getitem__
        by_word: dict[str, list[_Entry]] = {}
        by_edge: dict[str, dict[str, list[_Entry]]] = {"start": {}, "end": {}}
        unkeyed = []
        keyed: list[tuple[_Entry, list[str], tuple[str, ...]]] = [
            ((name, phrase, None), phrase.split(" ")[1:-1], (phrase,)) for name, phrase in phrases
        ]
        # any part's key will do for a pair: it needs every part
        keyed += [((name, parts[0], parts), [w for part in parts for w in part.split(" ")[1:-1]], parts)
                  for name, parts in pairs]
        for entry, inner, parts in keyed:
            if inner:
                key = inner[0] if len(inner) == 1 else min(inner, key=rarity)
                by_word.setdefault(key, []).append(entry)
                continue
            edges = [k for part in parts for k in _edge_keys(part)]
            if edges:
                table, key, _word = min(edges, key=lambda k: rarity(k[2]))
                by_edge[table].setdefault(key, []).append(entry)
            else:
                unkeyed.append(entry)
        self.by_word = {k: tuple(v) for k, v in by_word.items()}
        self.by_start = {k: tuple(v) for k, v in by_edge["start"].items()}
        self.by_end = {k: tuple(v) for k, v in by_edge["end"].items()}
        self.words = frozenset(self.by_word)
        self.starts = frozenset(self.by_start)
        self.ends = frozenset(self.by_end)
        self.unkeyed = _gated(unkeyed)
        # (reason, not_phrases)
        self.exclusions = tuple((r.name, r.not_phrases) for r in rules.values() if r.not_phrases)

    # the tables kept between runs (see _load_cached); the key sets are made again
    _STATE = ("by_word", "by_start", "by_end", "unkeyed", "exclusions")

    def _restored(self) -> None:
        self.words = frozenset(self.by_word)
        self.starts = frozenset(self.by_start)
        self.ends = frozenset(self.by_end)

    def reasons_in(self, low: str, exclusions: bool = True) -> set[str]:
        """The reasons r for which rules[r].matches(low, exclusions) is True."""
        found: set[str] = set()
        if not low:
            return found
        words = low.split(" ")
        # the entries whose key the text holds (set intersections and maps: no Python loop
        # over the text's words), then the unkeyed ones whose gate the text holds
        starts = self.starts.intersection(map(_first_chars, words))
        ends = self.ends.intersection(map(_last_chars, words))
        candidates = chain(
            chain.from_iterable(map(self.by_word.__getitem__, self.words.intersection(words))),
            chain.from_iterable(map(self.by_start.__getitem__, starts)),
            chain.from_iterable(map(self.by_end.__getitem__, ends)),
        )
        for name, first, parts in candidates:
            if name not in found and first in low and (parts is None or in_order(low, parts)):
                found.add(name)
        for gate, entries in self.unkeyed:
            if gate in low:
                for name, first, parts in entries:
                    if name not in found and first in low and (parts is None or in_order(low, parts)):
                        found.add(name)
        if exclusions:
            for name, not_phrases in self.exclusions:
                if name in found and any(p in low for p in not_phrases):
                    found.discard(name)
        return found


class Provider(FrozenRecord):
    """A big mail provider's own codes and wordings (knowledge/diagnosis/rhost.toml)."""

    __slots__ = (  # noqa: RUF023 (field order)
        "name", "hosts", "code_pattern", "codes", "messages", "permanent_only", "temporary_only",
        "codes_anywhere", "statuses", "rules",
    )  # fmt: skip

    def __init__(
        self,
        name: str,
        hosts: tuple[str, ...],
        code_pattern: re.Pattern[str] | None,
        codes: dict[str, str],
        messages: tuple[tuple[str, tuple[str, ...]], ...],
        permanent_only: frozenset[str],
        temporary_only: frozenset[str],
        codes_anywhere: bool,
        statuses: dict[str, str],
        # (reason, status prefix "5.7.", lowest detail, highest detail, wording): code and words together
        rules: tuple[tuple[str, str, int, int, str], ...],
    ) -> None:
        self.name: Final = name
        self.hosts: Final = hosts
        self.code_pattern: Final = code_pattern
        self.codes: Final = codes
        self.messages: Final = messages
        self.permanent_only: Final = permanent_only
        self.temporary_only: Final = temporary_only
        self.codes_anywhere: Final = codes_anywhere
        self.statuses: Final = statuses
        self.rules: Final = rules

    def reason(self, low: str, status: str | None = None, reply_code: str | None = None) -> str | None:
        permanent = (status or "")[:1] == "5" and (reply_code or "")[:1] == "5"
        temporary = (status or "")[:1] != "5" and (reply_code or "")[:1] != "5"
        if self.code_pattern is not None:
            found = self.code_pattern.findall(low)
            if found:
                reason = self.codes.get(found[-1])
                if reason:
                    return reason
        if status and self.rules:
            head, _, detail = status.rpartition(".")
            number = int(detail) if detail.isdigit() else -1
            for reason, prefix, low_detail, high_detail, wording in self.rules:
                if head + "." == prefix and low_detail <= number <= high_detail and wording in low:
                    return reason
        if status and status in self.statuses:
            return self.statuses[status]
        for reason, phrases in self.messages:
            if reason in self.permanent_only and not permanent:
                continue
            if reason in self.temporary_only and not temporary:
                continue
            if any(map(low.__contains__, phrases)):  # (any(p in low for p in ...) without a generator)
                return reason
        return None

    def code_reason(self, low: str) -> str | None:
        """The reason named by one of the provider's codes in the text, host unknown."""
        if self.code_pattern is None or not self.codes_anywhere:
            return None
        found = self.code_pattern.findall(low)
        return self.codes.get(found[-1]) if found else None


class ProviderHosts:
    """The provider a host name belongs to: the first provider, in file order, with a host
    suffix s for which host.endswith(s) or s.endswith("." + host) (the host is one of s's parent
    names), found without trying every suffix of every provider.

    host.endswith(s) needs the host to end with what follows s's first dot, a name after one
    of the host's own dots: the suffixes are filed under that tail ("mx.aol.com" under
    "aol.com"), and only those filed under the host's tails are tried. The parent names of each
    suffix are filed with the first provider that has them."""

    __slots__ = ("by_tail", "longest_tail", "parents", "providers", "undotted")

    # (a plain class: an index built from the providers, not a record)
    def __init__(self, providers: tuple[Provider, ...]) -> None:
        self.providers = providers
        by_tail: dict[str, list[tuple[int, str]]] = {}
        parents: dict[str, int] = {}
        undotted: list[tuple[int, str]] = []
        for i, provider in enumerate(providers):
            for suffix in provider.hosts:
                dot = suffix.find(".")
                if dot < 0:
                    undotted.append((i, suffix))
                else:
                    by_tail.setdefault(suffix[dot + 1 :], []).append((i, suffix))
                while dot >= 0:
                    parents.setdefault(suffix[dot + 1 :], i)
                    dot = suffix.find(".", dot + 1)
        self.by_tail = {k: tuple(v) for k, v in by_tail.items()}
        self.longest_tail = max(map(len, by_tail), default=0)
        self.parents = parents
        self.undotted = tuple(undotted)

    def first(self, host: str) -> Provider | None:
        """The provider of a host name (lower-case, without brackets and outer dots)."""
        none = len(self.providers)
        best = self.parents.get(host, none)
        for i, suffix in self.undotted:
            if i < best and host.endswith(suffix):
                best = i
        by_tail = self.by_tail
        # the host's tails no longer than the longest filed one (a hostile name may have
        # thousands of dots)
        dot = host.find(".", max(0, len(host) - self.longest_tail - 1))
        while dot >= 0:
            for i, suffix in by_tail.get(host[dot + 1 :], ()):
                if i < best and host.endswith(suffix):
                    best = i
            dot = host.find(".", dot + 1)
        return self.providers[best] if best < none else None


class DiagnosisKnowledge(FrozenRecord):
    __slots__ = (  # noqa: RUF023 (field order)
        "reasons", "status_reason", "reply_reason", "status_order", "phrase_order", "retry",
        "common_domains", "phrase_index", "lda", "providers", "code_providers", "host_providers",
        "provider_hosts",
    )  # fmt: skip

    def __init__(
        self,
        reasons: dict[str, ReasonRule],
        status_reason: dict[str, str],  # "5.1.1" -> "userunknown"
        reply_reason: dict[str, str],  # "525" -> "suspend"
        status_order: tuple[str, ...],
        phrase_order: tuple[str, ...],
        retry: frozenset[str],
        common_domains: tuple[str, ...],
        # the phrases and pairs of every reason, indexed (PhraseIndex(reasons))
        phrase_index: PhraseIndex,
        # local delivery agents: (marker, ((reason, messages), ...)), lower-cased
        lda: tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...],
        providers: tuple[Provider, ...],
        # the providers whose codes count wherever they appear (Provider.code_reason)
        code_providers: tuple[Provider, ...],
        # host name -> its provider (or None), remembered: a few thousand names at most (an empty
        # dict of its own for each load)
        host_providers: dict[str, Provider | None],
        # the providers' host suffixes, indexed (ProviderHosts(providers))
        provider_hosts: ProviderHosts,
    ) -> None:
        self.reasons: Final = reasons
        self.status_reason: Final = status_reason
        self.reply_reason: Final = reply_reason
        self.status_order: Final = status_order
        self.phrase_order: Final = phrase_order
        self.retry: Final = retry
        self.common_domains: Final = common_domains
        self.phrase_index: Final = phrase_index
        self.lda: Final = lda
        self.providers: Final = providers
        self.code_providers: Final = code_providers
        self.host_providers: Final = host_providers
        self.provider_hosts: Final = provider_hosts

    def provider_for(self, *hosts: str | None) -> Provider | None:
        """The provider whose host suffixes match one of the names (remote host, domain)."""
        for host in hosts:
            if not host:
                continue
            if host in self.host_providers:
                provider = self.host_providers[host]
            else:
                provider = self._provider_of(host)
                if len(host) <= 255:
                    if len(self.host_providers) >= 4096:
                        self.host_providers.clear()
                    self.host_providers[host] = provider
            if provider is not None:
                return provider
        return None

    def _provider_of(self, host: str) -> Provider | None:
        return self.provider_hosts.first(host.lower().strip(".[]"))


def _is_status(code: str) -> bool:
    r"""A status code like 5.1.1 (re.fullmatch(r"[245]\.\d{1,3}\.\d{1,3}", code)); string tests
    spare start-up the compiling of patterns used a few times on load."""
    parts = code.split(".")
    return len(parts) == 3 and parts[0] in ("2", "4", "5") and all(
        0 < len(p) <= 3 and p.isdecimal() for p in parts[1:]
    )


def _fail(path: StrPath, text: str, needle: str, message: str) -> DiagnosisKnowledgeError:
    # no text: read from the cache, line_of fetches the text for the line number
    return DiagnosisKnowledgeError(f"{path}:{line_of(text, needle, path)}: {message}")



def _read(path: StrPath, parsed: _Parsed | None = None) -> tuple[dict, str]:
    if parsed is not None and str(path) in parsed:
        return parsed[str(path)], ""
    # tomllib is imported only here, when the cache cannot answer: the import alone costs a
    # single run ~30 ms
    data, text = read_toml(path, DiagnosisKnowledgeError)
    if parsed is not None:
        parsed[str(path)] = data
    return data, text


def _strings(path: StrPath, text: str, data: dict, key: str, lower: bool = True) -> tuple[str, ...]:
    value = data.get(key, [])
    # (map rather than generators: this runs some 500 times per start-up)
    if not isinstance(value, list) or not all(map(isinstance, value, repeat(str))) or "" in value:
        raise _fail(path, text, key, f"'{key}' must be a list of non-empty strings")
    return tuple(map(str.lower, value)) if lower else tuple(value)


_REASON_KEYS = frozenset(
    {
        "reason", "statuses", "reply_codes", "phrases", "pairs", "not_phrases", "not_statuses",
        "yields_to", "status_needs_phrase_of", "also_phrases_of", "phrase_commands",
        "phrase_not_commands", "weak_status_ok", "needs_status",
    }
)  # fmt: skip


def load_diagnosis_knowledge(
    base: StrPath = DIAGNOSIS_DIR, parsed: _Parsed | None = None
) -> DiagnosisKnowledge:
    """Read and validate knowledge/diagnosis/. parsed: files already parsed (see the cache)."""
    vocab_path = os.path.join(base, "vocabulary.toml")
    vocab, vtext = _read(vocab_path, parsed)
    table = vocab.get("reasons")
    if not isinstance(table, dict) or not table:
        raise _fail(vocab_path, vtext, "[reasons]", "missing [reasons] table")
    reasons: dict[str, ReasonRule] = {}
    status_reason: dict[str, str] = {}
    reply_reason: dict[str, str] = {}
    status_origin: dict[str, str] = {}
    reasons_dir = os.path.join(base, "reasons")
    for name, meta in table.items():
        if not isinstance(meta, dict) or meta.get("hard") not in (True, False, "5xx"):
            message = f"reason '{name}': hard must be true, false or \"5xx\""
            raise _fail(vocab_path, vtext, f"{name} ", message)
        path = os.path.join(reasons_dir, f"{name}.toml")
        # (a file the cache has a copy of was there: the copy is only used for the same files)
        if (parsed is None or str(path) not in parsed) and not os.path.isfile(path):
            raise _fail(vocab_path, vtext, f"{name} ", f"reason '{name}' has no file {name}.toml")
        data, text = _read(path, parsed)
        unknown = set(data) - _REASON_KEYS
        if unknown:
            key = sorted(unknown)[0]
            raise _fail(path, text, key, f"unknown key '{key}'")
        if data.get("reason") != name:
            raise _fail(path, text, "reason", f"'reason' must be \"{name}\" (the file name)")
        statuses = _strings(path, text, data, "statuses")
        for s in statuses:
            if not _STATUS.match(s):
                raise _fail(path, text, s, f"'{s}' is not a status code like 5.1.1")
            if s in status_reason:
                raise _fail(path, text, s, f"status {s} already belongs to {status_reason[s]} "
                            f"({os.path.basename(status_origin[s])})")
            status_reason[s] = name
            status_origin[s] = path
        replies = _strings(path, text, data, "reply_codes")
        for r in replies:
            if not (len(r) == 3 and r[0] in "245" and r[1:].isdecimal()):  # [245]\d\d
                raise _fail(path, text, r, f"'{r}' is not a reply code like 550")
            reply_reason[r] = name
        pairs_raw = data.get("pairs", [])
        if not isinstance(pairs_raw, list) or not all(
            isinstance(p, list) and len(p) >= 2 and all(isinstance(x, str) and x for x in p)
            for p in pairs_raw
        ):
            raise _fail(path, text, "pairs", "'pairs' must be a list of lists of two or more strings")
        commands = {}
        for key in ("phrase_commands", "phrase_not_commands"):
            values = _strings(path, text, data, key, lower=False)
            bad = [c for c in values if c not in _COMMANDS]
            if bad:
                raise _fail(path, text, key, f"'{key}': unknown SMTP command {bad[0]}")
            commands[key] = frozenset(values)
        for key in ("weak_status_ok", "needs_status"):
            if not isinstance(data.get(key, False), bool):
                raise _fail(path, text, key, f"'{key}' must be true or false")
        reasons[name] = ReasonRule(
            name=name,
            hard=meta["hard"],
            pseudo=str(meta.get("pseudo", "")),
            failure=bool(meta.get("failure", True)),
            statuses=frozenset(statuses),
            reply_codes=frozenset(replies),
            phrases=_strings(path, text, data, "phrases"),
            pairs=tuple(tuple(x.lower() for x in p) for p in pairs_raw),
            not_phrases=_strings(path, text, data, "not_phrases"),
            not_statuses=frozenset(_strings(path, text, data, "not_statuses")),
            yields_to=_strings(path, text, data, "yields_to"),
            status_needs_phrase_of=_strings(path, text, data, "status_needs_phrase_of"),
            also_phrases_of=_strings(path, text, data, "also_phrases_of"),
            phrase_commands=commands["phrase_commands"],
            phrase_not_commands=commands["phrase_not_commands"],
            weak_status_ok=bool(data.get("weak_status_ok", False)),
            needs_status=bool(data.get("needs_status", False)),
        )
    # Cross references: every reason a file names must exist.
    for rule in reasons.values():
        for ref in (*rule.yields_to, *rule.status_needs_phrase_of, *rule.also_phrases_of):
            if ref not in reasons:
                path = os.path.join(base, "reasons", f"{rule.name}.toml")
                text = read_text(path)
                raise _fail(path, text, ref, f"unknown reason '{ref}'")
    orders = {}
    for key in ("status_order", "phrase_order", "retry"):
        names = vocab.get(key)
        if not isinstance(names, list) or not names:
            raise _fail(vocab_path, vtext, key, f"'{key}' must be a non-empty list of reason names")
        for n in names:
            if n not in reasons:
                raise _fail(vocab_path, vtext, f'"{n}"', f"'{key}': unknown reason '{n}'")
        orders[key] = tuple(names)
    domains_path = os.path.join(base, "common_domains.toml")
    ddata, dtext = _read(domains_path, parsed)
    domains = _strings(domains_path, dtext, ddata, "domains")
    for d in domains:
        if "." not in d or " " in d:
            raise _fail(domains_path, dtext, d, f"'{d}' is not a domain name")
    lda_path = os.path.join(base, "lda.toml")
    ldata, ltext = _read(lda_path, parsed)
    agents = []
    for agent in ldata.get("agent", []):
        marker = agent.get("marker")
        messages = agent.get("messages")
        if not isinstance(marker, str) or not marker or not isinstance(messages, dict):
            raise _fail(lda_path, ltext, str(agent.get("name", "[[agent]]")),
                        "each [[agent]] needs a marker and a messages table")
        rows = []
        for reason, _texts in messages.items():
            if reason not in reasons:
                raise _fail(lda_path, ltext, f"{reason} =", f"unknown reason '{reason}'")
            rows.append((reason, _strings(lda_path, ltext, messages, reason)))
        agents.append((marker.lower(), tuple(rows)))
    providers = _load_providers(os.path.join(base, "rhost.toml"), reasons, parsed)
    return DiagnosisKnowledge(
        providers=providers,
        code_providers=_code_providers(providers),
        lda=tuple(agents),
        reasons=reasons,
        phrase_index=PhraseIndex(reasons),
        status_reason=status_reason,
        reply_reason=reply_reason,
        status_order=orders["status_order"],
        phrase_order=orders["phrase_order"],
        retry=frozenset(orders["retry"]),
        common_domains=domains,
        host_providers={},
        provider_hosts=ProviderHosts(providers),
    )


def _code_providers(providers: tuple[Provider, ...]) -> tuple[Provider, ...]:
    return tuple(p for p in providers if p.code_pattern is not None and p.codes_anywhere)


def _load_providers(
    path: StrPath, reasons: dict[str, ReasonRule], parsed: _Parsed | None
) -> tuple[Provider, ...]:
    data, text = _read(path, parsed)
    out = []
    for entry in data.get("provider", []):
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise _fail(path, text, "[[provider]]", "each [[provider]] needs a name")
        hosts = _strings(path, text, entry, "hosts")
        if not hosts:
            raise _fail(path, text, f'"{name}"', f"provider '{name}' has no hosts")
        pattern = None
        if "code_pattern" in entry:
            try:
                pattern = patterns.compile(str(entry["code_pattern"]))
            except re.error as exc:
                message = f"provider '{name}': bad code_pattern: {exc}"
                raise _fail(path, text, "code_pattern", message) from exc
            if pattern.groups != 1:
                raise _fail(path, text, "code_pattern", f"provider '{name}': code_pattern needs one group")
        codes = entry.get("codes", {})
        messages = entry.get("messages", {})
        statuses = entry.get("statuses", {})
        if not all(isinstance(t, dict) for t in (codes, messages, statuses)):
            message = f"provider '{name}': codes, statuses and messages must be tables"
            raise _fail(path, text, f'"{name}"', message)
        for code in statuses:
            if not _is_status(code):
                raise _fail(path, text, code, f"provider '{name}': '{code}' is not a status code")
        for reason in (*codes.values(), *messages.keys(), *statuses.values()):
            if reason not in reasons:
                raise _fail(path, text, f'"{reason}"', f"provider '{name}': unknown reason '{reason}'")
        rows = tuple((reason, _strings(path, text, messages, reason)) for reason in messages)
        only = {}
        for key in ("permanent_only", "temporary_only"):
            only[key] = frozenset(_strings(path, text, entry, key))
            for reason in only[key]:
                if reason not in reasons:
                    raise _fail(path, text, f'"{reason}"', f"provider '{name}': unknown reason '{reason}'")
        codes_lower = {str(k).lower(): v for k, v in codes.items()}
        rules = []
        for row in entry.get("rules", []):
            if not (isinstance(row, list) and len(row) == 3 and all(isinstance(x, str) and x for x in row)):
                raise _fail(path, text, "rules", f"provider '{name}': each rule is [reason, status, wording]")
            reason, code, wording = row
            # "5.7.1" or a range of details, "5.7.1-9"
            head, _, details = code.rpartition(".")
            low_detail, dash, high_detail = details.partition("-")
            in_range = not dash or (0 < len(high_detail) <= 3 and high_detail.isdecimal())
            if not (_is_status(f"{head}.{low_detail}") and in_range) or reason not in reasons:
                raise _fail(path, text, code, f"provider '{name}': bad rule {row}")
            first = int(low_detail)
            rules.append((reason, head + ".", first, int(high_detail or first), wording.lower()))
        anywhere = entry.get("codes_anywhere", False)
        if not isinstance(anywhere, bool):
            message = f"provider '{name}': codes_anywhere must be true or false"
            raise _fail(path, text, "codes_anywhere", message)
        out.append(
            Provider(name, hosts, pattern, codes_lower, rows, only["permanent_only"], only["temporary_only"],
                     anywhere, dict(statuses), tuple(rules))
        )
    return tuple(out)


def _load_cached(base: StrPath) -> DiagnosisKnowledge:
    """The knowledge as an earlier run built it when nothing it was built from has changed
    (bot.built_store: validating the files and indexing ~700 phrases costs a single run several
    times what reading the result back does); else built from the files, read from a JSON copy
    of their parse when they are unchanged (bot.toml_cache, which spares parsing TOML), and kept."""
    from bot.built_store import BuiltStore, file_versions

    store = BuiltStore("diagnosis", base)
    kept = store.restore(_from_state)
    if kept is not None:
        return kept
    from bot.toml_cache import load_through_cache

    try:
        paths: list[str] = sorted(
            os.path.join(d, f) for d, _, files in os.walk(base) for f in files if f.endswith(".toml")
        )
        versions = file_versions([*paths, __file__])  # taken before the files are read
    except OSError:
        paths, versions = [], None
    kb = load_through_cache("diagnosis", paths, lambda parsed: load_diagnosis_knowledge(base, parsed))
    if versions is not None:
        store.save(_state(kb), _files_read(base, kb), versions)
    return kb


def _files_read(base: StrPath, kb: DiagnosisKnowledge) -> list[str]:
    """The files load_diagnosis_knowledge(base) reads, and this module, whose code builds kb."""
    folder = os.fspath(base)
    names = ["vocabulary.toml", *(os.path.join("reasons", f"{n}.toml") for n in kb.reasons),
             "common_domains.toml", "lda.toml", "rhost.toml"]
    return [*(os.path.join(folder, n) for n in names), __file__]


def _state(kb: DiagnosisKnowledge) -> tuple[Any, ...]:
    """kb as tuples, sets and dicts (marshal keeps nothing else); _from_state makes it again."""
    providers = tuple(map(_stored_provider, kb.providers))
    return (
        tuple(map(ReasonRule._astuple, kb.reasons.values())), kb.status_reason, kb.reply_reason,
        kb.status_order, kb.phrase_order, kb.retry, kb.common_domains, kb.phrase_index.state(),
        kb.lda, providers,
    )  # fmt: skip


def _stored_provider(p: Provider) -> tuple[Any, ...]:
    """A provider's fields, its code pattern as its source (marshal keeps no compiled pattern)."""
    fields = p._astuple()
    return (*fields[:2], p.code_pattern.pattern if p.code_pattern is not None else None, *fields[3:])


def _from_state(state: tuple[Any, ...]) -> DiagnosisKnowledge:
    (rules, status_reason, reply_reason, status_order, phrase_order, retry, common_domains,
     index, lda, stored_providers) = state  # fmt: skip
    providers = tuple(
        Provider(p[0], p[1], patterns.compile(p[2]) if p[2] is not None else None, *p[3:])
        for p in stored_providers
    )
    return DiagnosisKnowledge(
        reasons={r[0]: ReasonRule(*r) for r in rules},
        status_reason=status_reason,
        reply_reason=reply_reason,
        status_order=status_order,
        phrase_order=phrase_order,
        retry=retry,
        common_domains=common_domains,
        phrase_index=PhraseIndex.from_state(index),
        lda=lda,
        providers=providers,
        code_providers=_code_providers(providers),
        host_providers={},
        provider_hosts=ProviderHosts(providers),
    )


@functools.cache
def diagnosis_knowledge() -> DiagnosisKnowledge:
    """The knowledge of knowledge/diagnosis/, read once per process."""
    return _load_cached(DIAGNOSIS_DIR)
