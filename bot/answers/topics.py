"""Replies that do not come from a mail: help topics, greetings, asking back, hand-off to staff."""

from __future__ import annotations

from bot.answers.bounce import MAX_RELATED_BUTTONS, standing_warnings, what_i_can_do
from bot.answers.voice import Voice
from bot.models import Block, IntentMatch, Reply

# Topics offered when the user has not said anything specific yet.
STARTER_TOPICS = ("what_is_mailer_daemon", "why_bounced_general", "wrong_address", "fake_bounce_virus")
MAX_CHOICES = 3
CHOICE_FLOOR = 5.0
CHOICE_SHARE_OF_BEST = 0.3
# Conversation intents: answered by the desk itself, never offered as a topic to choose.
SMALLTALK = frozenset({"greeting", "talk_to_human", "out_of_scope"})


def compose_topic(entry_id: str, voice: Voice, score: float | None = None) -> Reply:
    """A help topic: title, what it means, what to do, related topics as buttons."""
    entry = voice.entry(entry_id)
    if entry is None:
        reply = ask_back([], voice)
        reply.blocks.insert(0, Block("text", voice.gettext("I do not know that topic.")))
        return reply
    if entry_id == "greeting":
        return greeting(voice)
    if entry_id == "talk_to_human":
        return talk_to_human(voice)
    if entry_id == "out_of_scope":
        return out_of_scope(voice)
    text = voice.text_of(entry)
    blocks = [Block("title", text.title)]
    if text.summary:
        blocks.append(Block("text", text.summary))
    who = voice.actor(entry.actor) if entry.kind == "cause" else None
    if who:
        blocks.append(Block("detail", voice.gettext("Who can fix it: {who}", who=who)))
    if text.steps:
        blocks.append(Block("steps", voice.gettext("What to do:"), tuple(text.steps)))
    # Any topic about the error mails themselves carries the two standing warnings.
    if entry.kind in ("cause", "warning") or entry_id in ("what_is_mailer_daemon", "what_is_postmaster"):
        blocks += standing_warnings(voice)
    buttons = voice.topic_buttons(list(entry.related), MAX_RELATED_BUTTONS)
    buttons += voice.feedback_buttons()
    buttons.append(voice.staff_button())
    suggestions = [IntentMatch(entry_id, score)] if score is not None else []
    return Reply(lang=voice.lang, blocks=blocks, buttons=buttons, intent=entry_id, suggestions=suggestions)


def greeting(voice: Voice) -> Reply:
    blocks = [
        Block("title", voice.gettext("Hello! I am bouncedesk.")),
        Block(
            "text",
            voice.gettext(
                'I explain mails that came back undelivered ("Mail Delivery Subsystem", '
                '"Undelivered Mail Returned to Sender", mails from MAILER-DAEMON or postmaster): '
                "which address failed, why, and what to do."
            ),
        ),
        *what_i_can_do(voice),
    ]
    buttons = voice.topic_buttons(list(STARTER_TOPICS), len(STARTER_TOPICS))
    return Reply(lang=voice.lang, blocks=blocks, buttons=buttons, intent="greeting")


def help_reply(voice: Voice) -> Reply:
    reply = greeting(voice)
    reply.intent = "help"
    reply.blocks[0] = Block("title", voice.gettext("How to use bouncedesk"))
    reply.blocks.append(
        Block("text", voice.gettext("If you are not sure, tap a topic below or ask for a member of staff."))
    )
    reply.buttons.append(voice.staff_button())
    return reply


def talk_to_human(voice: Voice) -> Reply:
    blocks = [
        Block("title", voice.gettext("I will pass this to a member of staff")),
        Block(
            "text",
            voice.gettext(
                "A person from our support team will read your message and answer here. If you have the "
                "error mail, paste it or send it as a file so they can see it."
            ),
        ),
    ]
    return Reply(lang=voice.lang, blocks=blocks, buttons=[], intent="talk_to_human", confident=False)


def out_of_scope(voice: Voice, suggestions: list[IntentMatch] | None = None) -> Reply:
    blocks = [
        Block("title", voice.gettext("Sorry, I cannot help with that")),
        Block(
            "text",
            voice.gettext(
                "I only know about mails that come back undelivered (error mails) and what to do about "
                "them. A member of staff may be able to help with other questions."
            ),
        ),
        *what_i_can_do(voice),
    ]
    buttons = [voice.staff_button(), *voice.topic_buttons(list(STARTER_TOPICS[:2]), 2)]
    return Reply(
        lang=voice.lang,
        blocks=blocks,
        buttons=buttons,
        intent="out_of_scope",
        confident=True,
        suggestions=list(suggestions or []),
    )


def ask_back(choices: list[IntentMatch], voice: Voice, in_order: bool = False) -> Reply:
    """Not sure what was meant: offer the likely topics and a person. `in_order`: the choices
    are already the ones to offer, first first (the general topics for a vague question)."""
    topics = [c for c in choices if c.intent not in SMALLTALK and voice.entry(c.intent) is not None]
    # Candidates far behind the best one are noise, not choices.
    best = max((c.score for c in topics), default=0.0)
    picked = [c for c in topics if c.score >= max(CHOICE_FLOOR, best * CHOICE_SHARE_OF_BEST)]
    if in_order:
        picked = topics
    blocks = [Block("title", voice.gettext("I am not sure I understood"))]
    if picked:
        blocks.append(
            Block(
                "text",
                voice.ngettext(
                    "Is it this topic? Tap it, or write your question in other words.",
                    "Is it one of these {n} topics? Tap one, or write your question in other words.",
                    min(len(picked), MAX_CHOICES),
                ),
            )
        )
        buttons = voice.topic_buttons([c.intent for c in picked], MAX_CHOICES)
    else:
        blocks.append(
            Block(
                "text",
                voice.gettext(
                    "Could you say it in other words? If you received an error mail, paste it here."
                ),
            )
        )
        buttons = voice.topic_buttons(list(STARTER_TOPICS), MAX_CHOICES)
    buttons.append(voice.staff_button())
    return Reply(
        lang=voice.lang,
        blocks=blocks,
        buttons=buttons,
        intent=None,
        confident=False,
        suggestions=list(choices),
    )


def empty_message(voice: Voice) -> Reply:
    reply = help_reply(voice)
    reply.blocks.insert(0, Block("text", voice.gettext("Your message was empty.")))
    return reply


def something_went_wrong(voice: Voice) -> Reply:
    blocks = [
        Block(
            "text",
            voice.gettext(
                "Sorry, something went wrong on my side. Please try again in a moment, or ask a member of "
                "staff."
            ),
        )
    ]
    return Reply(lang=voice.lang, blocks=blocks, buttons=[voice.staff_button()], intent=None, confident=False)


def staff_draft(reply: Reply, voice: Voice) -> str:
    """The plain text a member of staff could send to the user as it is."""
    body: Reply | None = reply
    if reply.diagnosis is None and (not reply.confident or reply.intent in SMALLTALK):
        # The bot's own words were a question back or a hand-off: draft the best guess instead.
        best = next(
            (s for s in reply.suggestions if voice.entry(s.intent) is not None and s.intent not in SMALLTALK),
            None,
        )
        body = compose_topic(best.intent, voice) if best is not None else None
    parts = [voice.gettext("Hello, thank you for contacting us."), body.text if body else ""]
    parts.append(voice.gettext("If this does not solve it, reply to this message and we will look further."))
    return "\n\n".join(p for p in parts if p)
