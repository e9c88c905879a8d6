"""A third language needs only new files: a catalog in locales/ and a table in each knowledge
entry. Built here in temporary folders (French), without touching any code."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from desk_support import DIAGNOSES, FIXTURE_KB_DIR, diagnosis_from_json

from bot import i18n
from bot.answers import Voice, compose_diagnosis
from bot.desk import Desk
from bot.kb import load_knowledge
from bot.models import Diagnosis, Failure, Inquiry, Warning
from bot.paths import LOCALES_DIR

FRENCH = {
    "What to do:": "Que faire :",
    # A slip in a placeholder: the answer falls back to the English sentence, never fails.
    "Error code: {code}": "Code d'erreur : {cod}",
    "Talk to staff": "Parler à un conseiller",
    "Your mail to {address} was not delivered": "Votre message à {address} n'a pas été remis",
    ("Your mail was not delivered to {n} address", "Your mail was not delivered to {n} addresses"): (
        # babel's French rule has three forms: one (0, 1), many (millions), other.
        "Votre message n'a pas été remis à {n} adresse",
        "Votre message n'a pas été remis à {n} d'adresses",
        "Votre message n'a pas été remis à {n} adresses",
    ),
    "Your computer's clock seems to be {span} behind. Some providers refuse mail from a computer "
    "whose clock is off: set the correct date and time, then send the mail again.": (
        "L'horloge de votre ordinateur semble avoir {span} de retard. Réglez la date et l'heure, "
        "puis renvoyez le message."
    ),
}


@pytest.fixture()
def french(tmp_path: Path) -> tuple[Path, Path]:
    """(locales dir, knowledge dir) with ja, en and a new fr."""
    locales = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, locales, ignore=shutil.ignore_patterns("*.mo"))
    template = read_po((LOCALES_DIR / "messages.pot").open("rb"))
    catalog = Catalog(locale="fr", domain="messages")
    for message in template:
        if message.id:
            catalog.add(message.id, FRENCH.get(message.id, ""))
    (locales / "fr" / "LC_MESSAGES").mkdir(parents=True)
    with (locales / "fr" / "LC_MESSAGES" / "messages.po").open("wb") as fp:
        write_po(fp, catalog)

    knowledge = tmp_path / "knowledge"
    shutil.copytree(FIXTURE_KB_DIR, knowledge)
    for path in (knowledge / "entries").glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        english = text[text.index("[en]") :]
        french_table = english.replace("[en]", "[fr]", 1).replace('title = "', 'title = "FR ', 1)
        path.write_text(text + "\n" + french_table, encoding="utf-8")
    return locales, knowledge


def test_the_new_language_is_discovered_and_negotiated(french: tuple[Path, Path]) -> None:
    locales, _ = french
    languages = i18n.available_languages(locales)
    assert languages == ("en", "fr", "ja")
    assert i18n.negotiate("fr-CA", languages) == "fr"
    assert i18n.negotiate("fr_FR", languages) == "fr"
    assert i18n.negotiate("de", languages) == "en"


def test_french_plural_rule_comes_from_the_catalog(french: tuple[Path, Path]) -> None:
    locales, _ = french
    t = i18n.translator("fr", locales)
    singular = "Your mail was not delivered to {n} address"
    plural = "Your mail was not delivered to {n} addresses"
    # French counts zero as singular, unlike English.
    assert t.ngettext(singular, plural, 0).format(n=0) == "Votre message n'a pas été remis à 0 adresse"
    assert t.ngettext(singular, plural, 1).format(n=1) == "Votre message n'a pas été remis à 1 adresse"
    assert t.ngettext(singular, plural, 2).format(n=2) == "Votre message n'a pas été remis à 2 adresses"
    many = t.ngettext(singular, plural, 2_000_000).format(n=2_000_000)
    assert many == "Votre message n'a pas été remis à 2000000 d'adresses"
    # Untranslated strings read as English rather than failing.
    assert t.gettext("Bye.") == "Bye."


def test_desk_answers_in_the_third_language(french: tuple[Path, Path]) -> None:
    locales, knowledge = french
    kb = load_knowledge(knowledge)
    assert "fr" in kb.languages
    desk = Desk(kb=kb, locales_dir=locales)
    assert desk.languages == ("en", "fr", "ja")

    topic = desk.topic("mailbox_full", "fr-BE")
    assert topic.lang == "fr"
    assert topic.blocks[0].text == "FR Mailbox full"
    assert any(b.text == "Que faire :" for b in topic.blocks)
    assert any(b.label == "Parler à un conseiller" and b.action == "staff" for b in topic.buttons)

    diagnosis = Diagnosis(
        source="t",
        is_bounce=True,
        format="rfc3464",
        recipients=[Failure(address="a@example.org", reason="userunknown", status="5.1.1", confidence=0.9)],
        warnings=[Warning("clock_skew", {"seconds": -3 * 86400})],
    )
    reply = compose_diagnosis(diagnosis, desk.voice("fr"))
    text = reply.text
    assert "Votre message à a@example.org n'a pas été remis" in text
    assert "FR No such address" in text
    assert "Error code: 5.1.1" in text
    # babel formats the span in French (with a no-break space, as French typography wants).
    assert "3\u00a0jours de retard" in text

    # Japanese and English still work beside it.
    assert desk.topic("mailbox_full", "ja").blocks[0].text == "相手の受信箱が満杯"
    empty = desk.handle(Inquiry(text="", lang="fr"))
    assert empty.lang == "fr"


def test_golden_fixture_diagnoses_compose_in_french(french: tuple[Path, Path]) -> None:
    locales, knowledge = french
    kb = load_knowledge(knowledge)
    for path in sorted(DIAGNOSES.glob("*.json")):
        reply = compose_diagnosis(diagnosis_from_json(path), Voice.of("fr", kb, locales))
        assert reply.lang == "fr"
        assert reply.blocks


def test_telegram_texts_come_from_the_new_catalog(
    french: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from babel.messages.pofile import read_po as read

    from bot.adapters.telegram.texts import english, say

    locales, _ = french
    po_path = locales / "fr" / "LC_MESSAGES" / "messages.po"
    catalog = read(po_path.open("rb"), locale="fr")
    source = english("lang_set")
    catalog.add(source, "Désormais, je réponds en français.", context="lang_set")
    with po_path.open("wb") as fp:
        write_po(fp, catalog)
    monkeypatch.setattr(i18n, "LOCALES_DIR", locales)
    i18n.clear_cache()
    try:
        assert say("lang_set", "fr") == "Désormais, je réponds en français."
        assert say("lang_set", "ja") == "これから日本語でお答えします。"
        assert say("lang_set", "en") == source
    finally:
        i18n.clear_cache()
