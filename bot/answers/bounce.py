"""The reply to a diagnosed mail: who failed, why in plain words, what to do, the proof.

Order matters for a reader on a phone: a strong warning first when the mail looks like a fake
or dangerous bounce; then each failed address grouped by cause; then remarks about the mail as a
whole (the clock); and always, last, the two standing warnings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.answers.voice import Voice
from bot.kb.model import Entry
from bot.matching.errorline import explained_as
from bot.models import NON_FAILURE_REASONS, Block, Button, Diagnosis, Failure, IntentMatch, Reply

# How much of a long bounce a phone screen should show.
MAX_GROUPS = 4
MAX_ADDRESSES_PER_GROUP = 5
MAX_EVIDENCE_CHARS = 400
MAX_RELATED_BUTTONS = 3

SUSPICIOUS_WARNINGS = ("not_sent_by_you", "dangerous_attachment", "phishing_link")
CLOCK_WARNING = "clock_skew"


@dataclass(slots=True)
class _Group:
    """Recipients that failed for the same cause (one knowledge-base entry)."""

    entry: Entry
    delayed: bool
    failures: list[Failure] = field(default_factory=list)
    # The other possible cause when the proof's wording fits two (knowledge/README.md,
    # also_for_reasons): "user unknown" is a wrong address or a carrier's spam filter.
    also: Entry | None = None


def compose_diagnosis(diagnosis: Diagnosis, voice: Voice, typed: str = "") -> Reply:
    """The whole reply for a diagnosed mail or paste (bounce or not). `typed`: the user's own
    message when it was a question carrying an error line (not quoted back as proof)."""
    blocks: list[Block] = []
    blocks += suspicious_blocks(diagnosis, voice)

    groups = _group(diagnosis.recipients, voice)
    failed = [g for g in groups if g.failures[0].reason not in NON_FAILURE_REASONS]
    informational = [g for g in groups if g.failures[0].reason in NON_FAILURE_REASONS]

    if not diagnosis.is_bounce and not groups:
        reply = _not_a_bounce(diagnosis, voice, blocks)
        reply.blocks += standing_warnings(voice) if diagnosis.suspicious else []
        return reply

    # A bounce of a mail the user never sent is a fake: its "failures" would only mislead.
    forged = diagnosis.warning("not_sent_by_you") is not None
    if failed and not forged:
        blocks += _failure_headline(failed, voice)
        single = sum(len(g.failures) for g in failed) == 1
        for group in failed[:MAX_GROUPS]:
            blocks += _group_blocks(group, voice, list_addresses=not single, typed=typed)
        hidden = sum(len(g.failures) for g in failed[MAX_GROUPS:])
        if hidden:
            blocks.append(
                Block(
                    "detail",
                    voice.ngettext(
                        "{n} more address had another problem; the whole list is in the mail.",
                        "{n} more addresses had other problems; the whole list is in the mail.",
                        hidden,
                    ),
                )
            )
    for group in informational:
        blocks += _informational_blocks(group, voice, with_headline=not failed)
    if not groups and not forged:
        blocks += _no_recipient_found(voice)
    fake = voice.entry("fake_bounce_virus") if forged else None
    if fake is not None and voice.text_of(fake).steps:
        blocks.append(Block("steps", voice.gettext("What to do:"), tuple(voice.text_of(fake).steps)))

    blocks += clock_blocks(diagnosis, voice)
    if diagnosis.problems:
        blocks.append(
            Block(
                "detail",
                voice.gettext("Part of the mail could not be read, so this answer may be incomplete."),
            )
        )
    blocks += standing_warnings(voice)

    leading = failed or informational
    intent = leading[0].entry.id if leading else "how_to_read_error"
    if fake is not None:
        intent = fake.id
    related: list[str] = list(fake.related) if fake is not None else []
    for group in failed or informational:
        if group.also is not None:
            related += [group.also.id, *group.also.related]
        related += list(group.entry.related)
        related += [e.id for e in _domain_entries(group, voice) if e.id != group.entry.id]
    if not groups and fake is None:
        related = ["how_to_read_error", "why_bounced_general"]
    if diagnosis.warning(CLOCK_WARNING) is not None:
        related = ["system_date_wrong", *related]
    if diagnosis.suspicious and fake is None:
        related = ["fake_bounce_virus", *related]
    buttons: list[Button] = voice.topic_buttons([r for r in related if r != intent], MAX_RELATED_BUTTONS)
    buttons += voice.feedback_buttons()
    buttons.append(voice.staff_button())

    confident = bool(groups) and all(
        f.reason and f.reason != "undefined" and f.confidence >= 0.5 for g in groups for f in g.failures
    )
    suggestions = [
        IntentMatch(g.entry.id, round(100 * max(f.confidence for f in g.failures), 1)) for g in groups
    ]
    # the other possible cause comes right after the one it doubts, a little less likely
    for g in groups:
        if g.also is not None:
            score = round(80 * max(f.confidence for f in g.failures), 1)
            at = next(n for n, s in enumerate(suggestions) if s.intent == g.entry.id)
            suggestions.insert(at + 1, IntentMatch(g.also.id, score))
    if fake is not None:
        # Nothing to puzzle over for staff: the advice is to delete it.
        confident = True
        suggestions.insert(0, IntentMatch(fake.id, 100.0))
    return Reply(
        lang=voice.lang,
        blocks=blocks,
        buttons=buttons,
        intent=intent,
        diagnosis=diagnosis,
        confident=confident,
        suggestions=suggestions,
    )


def _group(recipients: list[Failure], voice: Voice) -> list[_Group]:
    groups: dict[tuple[str, bool, str], _Group] = {}
    for failure in recipients:
        delayed = failure.action == "delayed"
        entry = _entry_for(failure, delayed, voice)
        also = None
        if not delayed:
            entry, also = explained_as(voice.kb, failure) or (entry, None)
        key = (entry.id, delayed, also.id if also is not None else "")
        if key not in groups:
            groups[key] = _Group(entry=entry, delayed=delayed, also=also)
        groups[key].failures.append(failure)
    # Final failures before delays; the cause that hit the most addresses first; ties keep the
    # mail's order.
    return sorted(groups.values(), key=lambda g: (g.delayed, -len(g.failures)))


def _entry_for(failure: Failure, delayed: bool, voice: Voice) -> Entry:
    if delayed:
        delayed_entry = voice.entry("delayed")
        if delayed_entry is not None:
            return delayed_entry
    return voice.kb.entry_for_reason(failure.reason or "undefined")


def _failure_headline(groups: list[_Group], voice: Voice) -> list[Block]:
    final = [f for g in groups if not g.delayed for f in g.failures]
    failures = final or [f for g in groups for f in g.failures]
    if not final:
        if len(failures) == 1 and not failures[0].address:
            return [Block("title", voice.gettext("Your mail is delayed (not failed yet)"))]
        if len(failures) == 1:
            return [
                Block(
                    "title",
                    voice.gettext(
                        "Your mail to {address} is delayed (not failed yet)",
                        address=_address(failures[0], voice),
                    ),
                )
            ]
        return [
            Block(
                "title",
                voice.ngettext(
                    "Your mail to {n} address is delayed (not failed yet)",
                    "Your mail to {n} addresses is delayed (not failed yet)",
                    len(failures),
                ),
            )
        ]
    if len(failures) == 1 and not failures[0].address:
        # An error line pasted alone names no address; the cause is still worth telling.
        return [Block("title", voice.gettext("Your mail was not delivered"))]
    if len(failures) == 1:
        return [
            Block(
                "title",
                voice.gettext(
                    "Your mail to {address} was not delivered", address=_address(failures[0], voice)
                ),
            )
        ]
    return [
        Block(
            "title",
            voice.ngettext(
                "Your mail was not delivered to {n} address",
                "Your mail was not delivered to {n} addresses",
                len(failures),
            ),
        )
    ]


def _address(failure: Failure, voice: Voice) -> str:
    if not failure.address:
        return voice.gettext("(an address the mail does not show)")
    if failure.original_address and failure.original_address.lower() != failure.address.lower():
        return voice.gettext(
            "{address} (you wrote {original})", address=failure.address, original=failure.original_address
        )
    return failure.address


def _group_blocks(group: _Group, voice: Voice, list_addresses: bool = True, typed: str = "") -> list[Block]:
    text = voice.text_of(group.entry)
    failures = group.failures
    shown = [_address(f, voice) for f in failures[:MAX_ADDRESSES_PER_GROUP]]
    blocks: list[Block] = []
    label = voice.gettext("Failed address") if len(failures) == 1 else voice.gettext("Failed addresses")
    if group.delayed:
        label = voice.gettext("Delayed address") if len(failures) == 1 else voice.gettext("Delayed addresses")
    blocks.append(Block("title", f"{text.title}"))
    lines = [f"{label}: {shown[0]}"] if len(shown) == 1 else [f"{label}:", *(f"• {a}" for a in shown)]
    more = len(failures) - len(shown)
    if more > 0:
        lines.append(voice.ngettext("…and {n} more address", "…and {n} more addresses", more))
    if list_addresses:
        blocks.append(Block("text", "\n".join(lines)))
    if group.delayed and group.entry.id != "delayed":
        # Without a knowledge entry of its own, a delay still must not read as a failure.
        blocks.append(
            Block(
                "text",
                voice.gettext(
                    "The mail has not failed for good yet: the servers are still trying to deliver it. "
                    "You only need to act if a final failure notice follows."
                ),
            )
        )
    if text.summary:
        blocks.append(Block("text", text.summary))
    if group.delayed:
        cause = _underlying_cause(failures, voice)
        if cause:
            blocks.append(Block("detail", voice.gettext("Reason given so far: {cause}", cause=cause)))
    code = _codes(failures)
    if code:
        blocks.append(Block("detail", voice.gettext("Error code: {code}", code=code)))
    who = voice.actor(group.entry.actor)
    if who:
        blocks.append(Block("detail", voice.gettext("Who can fix it: {who}", who=who)))
    for failure in failures:
        if failure.suggestion and failure.address and failure.suggestion.lower() != failure.address.lower():
            blocks.append(
                Block(
                    "text",
                    voice.gettext(
                        "Check the address: {address} may be a typing mistake for {suggestion}.",
                        address=failure.address,
                        suggestion=failure.suggestion,
                    ),
                )
            )
    if text.steps:
        blocks.append(Block("steps", voice.gettext("What to do:"), tuple(text.steps)))
    evidence = next((f.evidence for f in failures if f.evidence and f.evidence.strip()), "")
    if evidence and evidence.strip() != typed.strip():
        blocks.append(Block("detail", voice.gettext("The line in the mail that shows this:")))
        blocks.append(Block("evidence", _clip(evidence.strip(), MAX_EVIDENCE_CHARS)))
    extras = _domain_entries(group, voice)
    if group.also is not None:
        extras = [group.also, *(e for e in extras if e.id != group.also.id)]
    for extra in extras:
        if extra.id == group.entry.id:
            continue
        extra_text = voice.text_of(extra)
        blocks.append(
            Block(
                "text",
                voice.gettext(
                    "Also possible for this address: {title}. {summary}",
                    title=extra_text.title,
                    summary=extra_text.summary,
                ),
            )
        )
    return blocks


def _informational_blocks(group: _Group, voice: Voice, with_headline: bool) -> list[Block]:
    text = voice.text_of(group.entry)
    blocks: list[Block] = []
    if with_headline:
        blocks.append(Block("title", voice.gettext("This is not an error: {title}", title=text.title)))
    else:
        blocks.append(Block("title", text.title))
    addresses = [f.address for f in group.failures if f.address]
    if addresses:
        listed = voice.items(addresses[:MAX_ADDRESSES_PER_GROUP])
        more = len(addresses) - MAX_ADDRESSES_PER_GROUP
        if more > 0:
            listed += " " + voice.ngettext("…and {n} more address", "…and {n} more addresses", more)
        blocks.append(Block("text", voice.gettext("About: {addresses}", addresses=listed)))
    if text.summary:
        blocks.append(Block("text", text.summary))
    else:
        blocks.append(
            Block(
                "text",
                voice.gettext("Nothing failed here: this is an automatic message, not a returned mail."),
            )
        )
    if text.steps:
        blocks.append(Block("steps", voice.gettext("What to do:"), tuple(text.steps)))
    return blocks


def _underlying_cause(failures: list[Failure], voice: Voice) -> str:
    """For a delay: the cause the servers reported so far (a full mailbox, a refusal), if any."""
    for failure in failures:
        if not failure.reason or failure.reason in ("undefined", "expired", "delayed"):
            continue
        try:
            entry = voice.kb.entry_for_reason(failure.reason)
        except KeyError:
            continue
        if entry.id not in ("delayed", "unknown_reason"):
            return voice.text_of(entry).title
    return ""


def _domain_entries(group: _Group, voice: Voice) -> list[Entry]:
    """Entries tied to the recipient's domain (mobile carriers' filters that say "user unknown")."""
    domains = {f.address.rsplit("@", 1)[1] for f in group.failures if f.address and "@" in f.address}
    found: dict[str, Entry] = {}
    for domain in sorted(domains):
        for entry in voice.kb.for_domain(domain):
            found.setdefault(entry.id, entry)
    return list(found.values())


def _codes(failures: list[Failure]) -> str:
    seen: list[str] = []
    for f in failures:
        parts = [p for p in (f.status, f.reply_code) if p]
        if parts:
            code = " / ".join(parts)
            if code not in seen:
                seen.append(code)
    return ", ".join(seen[:3])


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _no_recipient_found(voice: Voice) -> list[Block]:
    blocks = [
        Block("title", voice.gettext("This is an error mail, but I could not find which address failed")),
        Block(
            "text",
            voice.gettext(
                'Look in the mail for an address with @ near words such as "failed", "unknown" or '
                '"rejected", and for a code such as 550 or 5.1.1. You can also paste that part here.'
            ),
        ),
    ]
    how = voice.entry("how_to_read_error")
    if how is not None and voice.text_of(how).steps:
        blocks.append(Block("steps", voice.gettext("What to do:"), tuple(voice.text_of(how).steps)))
    return blocks


def _not_a_bounce(diagnosis: Diagnosis, voice: Voice, blocks: list[Block]) -> Reply:
    blocks = [*blocks]
    if diagnosis.suspicious:
        # Dressed as an error mail but naming no failed address: a typical fake.
        blocks.append(Block("title", voice.gettext("This is not a real error mail")))
        blocks.append(
            Block(
                "text",
                voice.gettext(
                    "A real error mail names the address that failed and gives an error code. This one "
                    "does not, and it carries something dangerous. Delete it without opening anything."
                ),
            )
        )
    else:
        blocks.append(Block("title", voice.gettext("This does not look like a returned (bounced) mail")))
        blocks.append(
            Block(
                "text",
                voice.gettext(
                    "I could not find an undelivered address or an error code in it. I explain mails that "
                    "come back undelivered, from senders such as MAILER-DAEMON or postmaster."
                ),
            )
        )
        blocks += what_i_can_do(voice)
    buttons = voice.topic_buttons(
        ["fake_bounce_virus", "what_is_mailer_daemon", "how_to_read_error"]
        if diagnosis.suspicious
        else ["what_is_mailer_daemon", "how_to_read_error", "why_bounced_general"],
        MAX_RELATED_BUTTONS,
    )
    buttons.append(voice.staff_button())
    return Reply(
        lang=voice.lang,
        blocks=blocks,
        buttons=buttons,
        intent="fake_bounce_virus"
        if diagnosis.suspicious and voice.entry("fake_bounce_virus")
        else "not_a_bounce",
        diagnosis=diagnosis,
        confident=True,
    )


def what_i_can_do(voice: Voice) -> list[Block]:
    return [
        Block(
            "steps",
            voice.gettext("What I can do:"),
            (
                voice.gettext(
                    "Paste the whole error mail here (from its first line to its last), or forward it."
                ),
                voice.gettext("Send the mail as a file (.eml or .txt)."),
                voice.gettext('Ask a question in your own words, for example "What is MAILER-DAEMON?".'),
            ),
        )
    ]


def suspicious_blocks(diagnosis: Diagnosis, voice: Voice) -> list[Block]:
    """The strong warnings that must come before anything else."""
    present = [w for wid in SUSPICIOUS_WARNINGS if (w := diagnosis.warning(wid)) is not None]
    if not present and not diagnosis.suspicious:
        return []
    blocks = [
        Block(
            "warning",
            voice.gettext(
                "⚠ STOP: this mail may be a fake error mail sent to spread a virus or steal passwords."
            ),
        )
    ]
    for warning in present:
        if warning.id == "not_sent_by_you":
            blocks.append(
                Block(
                    "warning",
                    voice.gettext(
                        "It says a mail of yours came back, but that mail does not look like one you sent. "
                        "Someone probably used your address as a fake sender. Do not reply; delete it."
                    ),
                )
            )
        elif warning.id == "dangerous_attachment":
            name = _detail_text(warning.detail, "name", "filename", "names", "attachments")
            if name:
                blocks.append(
                    Block(
                        "warning",
                        voice.gettext(
                            "It carries a file that could harm your computer ({name}). Do not open it; "
                            "delete the mail.",
                            name=name,
                        ),
                    )
                )
            else:
                blocks.append(
                    Block(
                        "warning",
                        voice.gettext(
                            "It carries a file that could harm your computer. Do not open it; "
                            "delete the mail."
                        ),
                    )
                )
        elif warning.id == "phishing_link":
            hosts = _detail_text(warning.detail, "hosts")
            text = (
                voice.gettext(
                    "It contains a link that may lead to a fake site ({hosts}). Do not tap it and never "
                    "enter a password or card number.",
                    hosts=hosts,
                )
                if hosts
                else voice.gettext(
                    "It contains a link that may lead to a fake site. Do not tap it and never enter a "
                    "password or card number."
                )
            )
            blocks.append(Block("warning", text))
    return blocks


def _detail_text(detail: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = detail.get(key)
        if isinstance(value, str) and value.strip():
            return _clip(value.strip(), 80)
        if isinstance(value, list | tuple):
            names = [_name_of(v) for v in value]
            names = [n for n in names if n]
            if names:
                return _clip(", ".join(names[:3]), 80)
    return ""


def _name_of(item: object) -> str:
    """A file name or host out of a detail item (a string, or a dict describing it)."""
    if isinstance(item, dict):
        for key in ("name", "filename", "host"):
            value = item.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
        return ""
    return str(item).strip()


def clock_blocks(diagnosis: Diagnosis, voice: Voice) -> list[Block]:
    warning = diagnosis.warning(CLOCK_WARNING)
    if warning is None:
        return []
    seconds, behind = clock_skew(warning.detail)
    if seconds is None:
        text = voice.gettext(
            "Your computer's date or time looks wrong. Some providers refuse mail from a computer "
            "whose clock is off: set the correct date and time, then send the mail again."
        )
    elif behind:
        text = voice.gettext(
            "Your computer's clock seems to be {span} behind. Some providers refuse mail from a "
            "computer whose clock is off: set the correct date and time, then send the mail again.",
            span=voice.span(seconds),
        )
    else:
        text = voice.gettext(
            "Your computer's clock seems to be {span} ahead. Some providers refuse mail from a "
            "computer whose clock is off: set the correct date and time, then send the mail again.",
            span=voice.span(seconds),
        )
    blocks = [Block("warning", text)]
    written = _moment(warning.detail.get("original_date"))
    received = _moment(warning.detail.get("received"))
    if written is not None and received is not None:
        blocks.append(
            Block(
                "detail",
                voice.gettext(
                    "Your mail is dated {written}, but the server received it at {received}.",
                    written=voice.when(written),
                    received=voice.when(received),
                ),
            )
        )
    return blocks


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def clock_skew(detail: dict[str, Any]) -> tuple[float | None, bool]:
    """(size of the skew in seconds, whether the sender's clock is behind) from a clock warning.

    A signed number is read as "sender's clock minus the true time" (negative: behind) unless the
    detail names the direction.
    """
    seconds: float | None = None
    for key in ("skew_seconds", "seconds", "offset_seconds", "delta_seconds", "skew"):
        value = detail.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            seconds = float(value)
            break
    if seconds is None:
        for key, unit in (("days", 86400.0), ("hours", 3600.0), ("minutes", 60.0)):
            value = detail.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                seconds = float(value) * unit
                break
    direction = str(detail.get("direction", "")).lower()
    if direction in ("behind", "slow", "past"):
        behind = True
    elif direction in ("ahead", "fast", "future"):
        behind = False
    else:
        behind = seconds is None or seconds < 0
    return (abs(seconds) if seconds is not None else None), behind


def standing_warnings(voice: Voice) -> list[Block]:
    """The two warnings every answer about such a mail carries."""
    return [
        Block(
            "warning",
            voice.gettext(
                "Never reply to MAILER-DAEMON or postmaster: these mails are sent by machines and "
                "nobody reads replies."
            ),
        ),
        Block(
            "warning",
            voice.gettext(
                "Do not open attachments in such mails: fake error mails carry viruses. Read the text "
                "only, then delete the mail."
            ),
        ),
    ]
