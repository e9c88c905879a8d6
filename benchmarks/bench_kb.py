"""Memory and load time of the knowledge base.

    .venv/bin/python benchmarks/bench_kb.py [--knowledge DIR] [--repeat N]

Prints the size the loaded KnowledgeBase keeps alive (tracemalloc: allocations still held
after the load), the peak during loading, and the load time. Target: under 50 MB.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import tracemalloc
from pathlib import Path

from bot.kb import load_knowledge
from bot.paths import KNOWLEDGE_DIR

TARGET_MB = 50.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--knowledge", type=Path, default=KNOWLEDGE_DIR)
    parser.add_argument("--repeat", type=int, default=20, help="load this many times for the timing")
    args = parser.parse_args()

    load_knowledge(args.knowledge)  # warm imports and the file cache before measuring
    gc.collect()
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    kb = load_knowledge(args.knowledge)
    gc.collect()
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        load_knowledge(args.knowledge)
        times.append(time.perf_counter() - start)

    held_mb = (held - before) / 1e6
    questions = sum(len(t.questions) for e in kb.entries.values() for t in e.texts.values())
    print(f"entries: {len(kb.entries)}  languages: {', '.join(kb.languages)}  questions: {questions}")
    print(f"kb size (held after load): {held_mb:.2f} MB  (target < {TARGET_MB:.0f} MB)")
    print(f"peak while loading: {(peak - before) / 1e6:.2f} MB")
    print(f"load time: median {statistics.median(times) * 1e3:.1f} ms, max {max(times) * 1e3:.1f} ms "
          f"over {args.repeat} loads")
    return 0 if held_mb < TARGET_MB else 1


if __name__ == "__main__":
    raise SystemExit(main())
