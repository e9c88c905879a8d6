"""How fast the desk answers: uploaded bounces, pasted bounces and questions, end to end
(Desk.handle: reading, diagnosis or matching, answer composition in the user's language).

    .venv/bin/python benchmarks/bench_desk.py [--corpus DIR] [--questions FILE] [--rounds N]

Prints per-kind counts, p50/p99/max latency in milliseconds and the peak memory of the process.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.desk import Desk  # noqa: E402
from bot.mail.reader import read_mail  # noqa: E402
from bot.models import Inquiry  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(kind: str, times: list[float]) -> None:
    if not times:
        print(f"{kind:10s} n=0")
        return
    ms = [t * 1000 for t in times]
    print(
        f"{kind:10s} n={len(ms):5d}  p50={statistics.median(ms):7.2f} ms  p99={percentile(ms, 0.99):7.2f} ms"
        f"  max={max(ms):7.2f} ms  rate={len(ms) / sum(times):8.0f}/s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--questions", type=Path, default=REPO / "tests" / "data" / "questions.tsv")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    started = time.perf_counter()
    desk = Desk()
    desk.handle(Inquiry(text="hello", lang="en"))  # loads the knowledge base and the matcher
    print(f"start      {1000 * (time.perf_counter() - started):.0f} ms (knowledge base, catalogs, matcher)")

    mails = sorted(args.corpus.glob("*.eml")) if args.corpus.is_dir() else []
    blobs = [p.read_bytes() for p in mails]
    pastes = [read_mail(b).text for b in blobs]
    questions: list[tuple[str, str]] = []
    if args.questions.is_file():
        for line in args.questions.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                parts = line.split("\t")
                if len(parts) == 3:
                    questions.append((parts[1], parts[2]))

    uploads: list[float] = []
    pasted: list[float] = []
    asked: list[float] = []
    for round_number in range(args.rounds):
        lang = "ja" if round_number % 2 == 0 else "en"
        for blob in blobs:
            t = time.perf_counter()
            desk.handle(Inquiry(mail_bytes=blob, file_name="x.eml", lang=lang))
            uploads.append(time.perf_counter() - t)
        for text in pastes:
            t = time.perf_counter()
            desk.handle(Inquiry(text=text, lang=lang))
            pasted.append(time.perf_counter() - t)
        for qlang, text in questions:
            t = time.perf_counter()
            desk.handle(Inquiry(text=text, lang=qlang))
            asked.append(time.perf_counter() - t)

    report("upload", uploads)
    report("paste", pasted)
    report("question", asked)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS   {peak_kib / 1024:.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
