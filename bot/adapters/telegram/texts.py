"""What the Telegram bot itself says (the answers come from the knowledge base).

Each text is a gettext message: its key is the context (msgctxt) and the English text the msgid,
so `make locales-extract` collects them with every other interface string and the translations
live in locales/<lang>/LC_MESSAGES/messages.po. Placeholders in {braces} are filled by the bot
(already escaped for HTML); the texts themselves are Telegram HTML: only <b>, <i>, <code>, and a
literal < must be written &lt;.
"""

from __future__ import annotations

import gettext
from functools import lru_cache

from bot import i18n

ENGLISH = gettext.NullTranslations()


@lru_cache(maxsize=16)
def texts(t: gettext.NullTranslations) -> dict[str, str]:
    """Every text of the bot through the catalog `t` (a missing translation reads as English).
    Cached per catalog object: a reloaded catalog is a new object and gets its own entry."""
    return {
        "start": t.pgettext(
            "start",
            'Hello{name}! I explain <b>bounced e-mail</b>: those messages from "MAILER-DAEMON", "Mail'
            ' Delivery System" or "postmaster" that say your mail could not be delivered.\n'
            "\n"
            "What you can do:\n"
            "• <b>Paste</b> the bounce text here, or <b>forward</b> the bounce message to me\n"
            "• <b>Send the mail as a file</b> (.eml or .txt)\n"
            '• <b>Ask a question</b> in your own words, e.g. "What is MAILER-DAEMON?"\n'
            "\n"
            "I tell you what went wrong and what to do. If I cannot help, I pass you on to our staff."
            "\n"
            "Or pick a topic:",
        ),
        "help": t.pgettext(
            "help",
            "<b>How to use me</b>\n"
            "• Paste the text of the returned mail, or forward it here.\n"
            "• Or send the mail as a file: .eml (saved mail) or .txt. Up to 20 MB.\n"
            "• Or ask a question in your own words.\n"
            "\n"
            "Commands:\n"
            "/start – welcome and common topics\n"
            "/lang – choose the language\n"
            "/myaddress you@example.com – tell me your own address (helps me spot fake bounces)\n"
            "/staff – talk to a person\n"
            "/forget – delete everything I have stored about you",
        ),
        "lang_prompt": t.pgettext("lang_prompt", "Which language would you like?"),
        "lang_set": t.pgettext("lang_set", "From now on I will answer in English."),
        "forget_done": t.pgettext(
            "forget_done",
            "Done: everything I had stored about you (language, address, your messages, tickets, "
            "feedback) is deleted.",
        ),
        "error": t.pgettext(
            "error",
            "Sorry, something went wrong on my side while reading your message. Please try again in a"
            " moment. If it keeps happening, type /staff to reach a person.",
        ),
        "file_too_large": t.pgettext(
            "file_too_large",
            "This file is too large for me ({size}). I can read files up to 20 MB. Please paste the "
            "text of the returned mail instead, or save only that mail as .eml.",
        ),
        "file_unsupported": t.pgettext(
            "file_unsupported",
            "I cannot read this kind of file ({name}). Please send the returned mail as .eml (saved "
            "mail) or .txt, or simply paste its text here. I never open attachments such as programs "
            "or archives – please do not open them yourself either.",
        ),
        "msg_unsupported": t.pgettext(
            "msg_unsupported",
            "This is an Outlook .msg file, which I cannot read. In Outlook, open the returned mail "
            "and copy its text here, or use File → Save As and choose a text format (.txt), then send"
            " that file.",
        ),
        "media_unsupported": t.pgettext(
            "media_unsupported",
            "I can only read text. Please paste the text of the returned mail, forward it, or send it"
            " as an .eml or .txt file. A screenshot or photo I cannot read.",
        ),
        "text_too_long": t.pgettext(
            "text_too_long",
            "This message is very long ({size} characters); I read only the first {limit}. If the "
            "answer does not fit, send the mail as an .eml file.",
        ),
        "empty": t.pgettext(
            "empty",
            "I did not find any text in that. Please paste the returned mail or ask a question.",
        ),
        "ticket_opened": t.pgettext(
            "ticket_opened",
            "I have passed your question to our staff (ticket #{ticket}). Someone will answer you "
            "here in this chat.",
        ),
        "ticket_low_confidence": t.pgettext(
            "ticket_low_confidence",
            "I am not sure I understood, so I have also asked our staff to look at it (ticket "
            "#{ticket}). They will answer you here.",
        ),
        "no_staff": t.pgettext(
            "no_staff",
            "Our staff cannot be reached through this chat at the moment. Please contact your mail "
            "provider's support or your administrator.",
        ),
        "staff_answer": t.pgettext("staff_answer", "<b>Our staff answered (ticket #{ticket}):</b>"),
        "feedback_up": t.pgettext("feedback_up", "Thank you! Glad it helped."),
        "feedback_down": t.pgettext(
            "feedback_down",
            "Thank you for telling me. Type /staff if you want a person to look at it.",
        ),
        "address_set": t.pgettext(
            "address_set",
            "Noted: your address is <code>{address}</code>. I use it only to tell real bounces from "
            "fake ones. /forget deletes it.",
        ),
        "address_show": t.pgettext(
            "address_show",
            "Your address on file: <code>{address}</code>. To change it: /myaddress new@example.com",
        ),
        "address_none": t.pgettext(
            "address_none",
            "Tell me your own e-mail address like this: /myaddress you@example.com",
        ),
        "address_invalid": t.pgettext(
            "address_invalid",
            "That does not look like an e-mail address. Example: /myaddress you@example.com",
        ),
        "unknown_command": t.pgettext(
            "unknown_command", "I do not know that command. /help shows what I can do."
        ),
        "button_expired": t.pgettext(
            "button_expired", "This button no longer works. Please send your question again."
        ),
        "staff_refused": t.pgettext("staff_refused", "Only the staff chat can do this."),
        "staff_sent": t.pgettext("staff_sent", "Sent to the customer."),
        "staff_already": t.pgettext("staff_already", "This ticket was already answered."),
        "staff_user_gone": t.pgettext(
            "staff_user_gone", "This ticket is gone (the customer deleted their data)."
        ),
        "staff_blocked": t.pgettext(
            "staff_blocked",
            "The customer has blocked the bot or deleted the chat; the answer could not be delivered.",
        ),
        "staff_hint": t.pgettext(
            "staff_hint",
            "Staff chat: paste a bounce or a question to get the suggested answer. Answer a ticket by"
            " tapping a suggestion or by replying to the ticket message. /lang ja, /lang en or /lang "
            "both chooses the answer language here; /stats shows open tickets and feedback.",
        ),
        "staff_lang_set": t.pgettext("staff_lang_set", "Suggested answers in this chat: {langs}."),
    }


def english(key: str) -> str:
    """The source text of `key`, as it stands in the catalogs' msgid."""
    return texts(ENGLISH)[key]


def say(key: str, lang: str, **values: str) -> str:
    """The text `key` in `lang` (English when the catalog lacks it), placeholders filled with
    `values`. Values must already be escaped for HTML."""
    return texts(i18n.translator(lang))[key].format_map(_Blank(values))


class _Blank(dict[str, str]):
    """Placeholders nobody filled in read as empty rather than raising."""

    def __missing__(self, key: str) -> str:
        return ""
