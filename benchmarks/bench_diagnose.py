"""How fast `diagnose` is: mails/second in one process, latency per mail, memory, the wall
time of one `bouncedesk diagnose` process on one mail, and of one `bouncedesk diagnose --json`
process over the whole folder (start-up included: the number a user running it sees), both
as it runs by default (forked workers on every core) and with --jobs 1.

Usage: python benchmarks/bench_diagnose.py [FOLDER] [--passes N] [--runs N] [--whole-runs N]
FOLDER defaults to ../shared/corpus beside the repository (every file in it except
labels.jsonl, README.md and LICENSE is read as one mail).

The first pass over the folder is reported on its own: it pays for what is loaded or compiled
on first need (the format readers, patterns built from the knowledge files); later passes show
the steady state.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DEFAULT_FOLDER = REPO.parent / "shared" / "corpus"
SKIP = {"labels.jsonl", "README.md", "LICENSE"}


def load(folder: Path) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(folder.iterdir()) if p.is_file() and p.name not in SKIP]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    ap.add_argument("--passes", type=int, default=5, help="passes over the folder (default 5)")
    ap.add_argument("--runs", type=int, default=5, help="single-mail processes to time (default 5)")
    ap.add_argument("--whole-runs", type=int, default=5,
                    help="whole-folder processes to time, each way (default 5; the median is reported)")
    args = ap.parse_args()
    if not args.folder.is_dir():
        print(f"no folder {args.folder}", file=sys.stderr)
        return 2
    mails = load(args.folder)
    if not mails:
        print(f"no mails in {args.folder}", file=sys.stderr)
        return 2

    t0 = time.perf_counter()
    from bot.diagnosis import diagnose

    diagnose(b"550 5.1.1 <x@example.jp>: User unknown")  # loads the knowledge and every reader
    startup = time.perf_counter() - t0

    latencies: list[float] = []
    first_wall = first_cpu = 0.0
    wall_total = cpu_total = 0.0
    for n in range(args.passes):
        w0, c0 = time.perf_counter(), time.process_time()
        for _, data in mails:
            s = time.perf_counter()
            diagnose(data)
            latencies.append(time.perf_counter() - s)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        if n == 0:
            first_wall, first_cpu = wall, cpu
        wall_total += wall
        cpu_total += cpu

    tracemalloc.start()
    for _, data in mails:
        diagnose(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    maxrss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    n_mails = len(mails)
    total = n_mails * args.passes
    print(f"folder: {args.folder} ({n_mails} mails, {sum(len(d) for _, d in mails) / 1024:.0f} KiB)")
    print(f"startup (imports + knowledge): {startup * 1000:.0f} ms")
    print(f"first pass: {n_mails / first_wall:,.0f} mails/s wall, "
          f"{n_mails / max(first_cpu, 1e-9):,.0f} mails/s CPU")
    print(f"{args.passes} passes: {total / wall_total:,.0f} mails/s wall, "
          f"{total / max(cpu_total, 1e-9):,.0f} mails/s CPU")
    print(f"latency per mail: p50 {statistics.median(latencies) * 1000:.2f} ms, "
          f"p99 {percentile(latencies, 0.99) * 1000:.2f} ms, max {max(latencies) * 1000:.1f} ms")
    print(f"memory: peak traced during one pass {peak / 1024 / 1024:.1f} MiB, "
          f"max RSS {maxrss_kb / 1024:.0f} MiB")

    # One `bouncedesk diagnose` process on one mail, as a user runs it.
    one = next((args.folder / name for name, _ in mails if name.endswith(".eml")), args.folder / mails[0][0])
    walls = []
    cpus = []
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for _ in range(max(1, args.runs)):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        s = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bot", "diagnose", "--json", str(one)], capture_output=True,
                       check=False, env=env, cwd=str(REPO))
        walls.append(time.perf_counter() - s)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    print(f"single-mail process ({one.name}): wall median {statistics.median(walls) * 1000:.0f} ms, "
          f"best {min(walls) * 1000:.0f} ms; CPU median {statistics.median(cpus) * 1000:.0f} ms "
          f"over {len(walls)} runs")

    # One `bouncedesk diagnose --json` process over every mail of the folder: as it runs by
    # default (workers on every core) and held to this one process (--jobs 1).
    paths = [str(args.folder / name) for name, _ in mails]
    for label, extra in (("default, one worker per core", []), ("--jobs 1", ["--jobs", "1"])):
        whole_walls = []
        whole_cpus = []
        for _ in range(max(1, args.whole_runs)):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            s = time.perf_counter()
            subprocess.run([sys.executable, "-m", "bot", "diagnose", "--json", *extra, *paths],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=env,
                           cwd=str(REPO))
            whole_walls.append(time.perf_counter() - s)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            whole_cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        whole = statistics.median(whole_walls)
        print(f"whole-folder process ({n_mails} mails, {label}): wall median {whole * 1000:.0f} ms = "
              f"{n_mails / whole:,.0f} mails/s, best {min(whole_walls) * 1000:.0f} ms = "
              f"{n_mails / min(whole_walls):,.0f} mails/s; "
              f"CPU median {statistics.median(whole_cpus) * 1000:.0f} ms over {len(whole_walls)} runs")
    load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine load average while measuring: {load_avg:.2f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
