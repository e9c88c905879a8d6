"""Coverage-guided fuzzing of the untrusted-input path with atheris (libFuzzer), by hand.

    .venv/bin/pip install atheris
    .venv/bin/python tests/fuzz_atheris.py -max_total_time=120 [-dict=...] [corpus_dir ...]

Each input goes through read_mail, diagnose (with and without an own address), the safety
checks and the question matcher; any exception that escapes is a crash that libFuzzer saves
as crash-<hash> for replay (`python tests/fuzz_atheris.py crash-<hash>`). Not part of the test
run: tests/test_safety_fuzz.py is the bounded CI counterpart.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris  # type: ignore[import-not-found]

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

with atheris.instrument_imports(include=["bot"]):
    from bot.diagnosis import diagnose
    from bot.kb import knowledge
    from bot.mail.reader import read_mail, split_mailbox
    from bot.matching import QuestionMatcher
    from bot.safety import assess

MATCHER = QuestionMatcher(knowledge())


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    choice = fdp.ConsumeIntInRange(0, 3)
    raw = fdp.ConsumeBytes(fdp.remaining_bytes())
    if choice == 0:
        mail = read_mail(raw)
        assess(mail, [], "taro@example.jp")
        split_mailbox(raw)
    elif choice == 1:
        d = diagnose(raw, me=None)
        assert not any(p.startswith(("internal_error", "safety_failed")) for p in d.problems), d.problems
    elif choice == 2:
        diagnose(raw, me="taro@example.jp").to_json()
    else:
        MATCHER.match(raw.decode("utf-8", "replace"))


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
