"""Turning a diagnosis or a matched question into a localized Reply (blocks and buttons)."""

from bot.answers.bounce import compose_diagnosis, standing_warnings
from bot.answers.topics import (
    ask_back,
    compose_topic,
    empty_message,
    greeting,
    help_reply,
    out_of_scope,
    something_went_wrong,
    staff_draft,
    talk_to_human,
)
from bot.answers.voice import Voice

__all__ = [
    "Voice",
    "ask_back",
    "compose_diagnosis",
    "compose_topic",
    "empty_message",
    "greeting",
    "help_reply",
    "out_of_scope",
    "something_went_wrong",
    "staff_draft",
    "standing_warnings",
    "talk_to_human",
]
