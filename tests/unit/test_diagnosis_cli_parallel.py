"""`bouncedesk diagnose` over many inputs shares them between worker processes: the output is
exactly what one process writes, in input order, and no input is lost when a worker fails."""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import TextIO

import pytest

from bot.adapters.cli_diagnose import MIN_INPUTS_PER_JOB, workers_for
from bot.adapters.parallel import MAX_RUNS, diagnose_in_workers, shrinking_runs

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "diagnosis"

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="workers need os.fork")


def many_mails(folder: Path, copies: int) -> list[str]:
    """`copies` rounds of every fixture, named so that sorting keeps rounds together."""
    names = []
    for n in range(copies):
        for src in sorted(FIXTURES.iterdir()):
            dst = folder / f"{n:03d}-{src.name}"
            shutil.copyfile(src, dst)
            names.append(str(dst))
    return names


def diagnose_cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "diagnose", *args], capture_output=True, timeout=120
    )


@pytest.mark.parametrize("mode", [["--json"], []], ids=["json", "readable"])
def test_workers_write_what_one_process_writes(tmp_path: Path, mode: list[str]) -> None:
    names = many_mails(tmp_path, 6)
    alone = diagnose_cli(*mode, "--jobs", "1", *names)
    shared = diagnose_cli(*mode, "--jobs", "3", *names)
    assert alone.returncode == shared.returncode == 0
    assert shared.stdout == alone.stdout
    assert alone.stdout.count(b"three.mbox#3") == 6  # every round of every mail is there


def test_unreadable_input_among_workers_is_reported_once_and_the_rest_diagnosed(tmp_path: Path) -> None:
    names = many_mails(tmp_path, 5)
    names.insert(40, str(tmp_path / "missing.eml"))
    r = diagnose_cli("--json", "--jobs", "2", *names)
    assert r.returncode == 2
    assert r.stderr.decode().splitlines() == [
        f"bouncedesk diagnose: cannot read {names[40]}: No such file or directory"
    ]
    sources = [line.split(b'"source": "', 1)[1].split(b'"', 1)[0].decode() for line in r.stdout.splitlines()]
    expected = [n for n in names if "missing" not in n]
    assert [s.split("#", 1)[0] for s in sources if not s.endswith(("#2", "#3"))] == expected


def record_names(run: list[str], out: TextIO) -> int:
    for name in run:
        out.write(f"{name} é\n")  # not ASCII: the worker's bytes must come back as the same text
    return 0


def test_output_keeps_input_order_through_a_text_stream() -> None:
    names = [f"mail-{i:03d}" for i in range(100)]
    out = io.StringIO()
    assert diagnose_in_workers(names, 4, record_names, out) == 0
    assert out.getvalue() == "".join(f"{n} é\n" for n in names)


def test_a_worker_that_dies_has_its_inputs_done_by_the_parent() -> None:
    parent = os.getpid()

    def die_in_worker(run: list[str], out: TextIO) -> int:
        if os.getpid() != parent:
            out.write("half of a run\n")
            out.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        return record_names(run, out)

    names = [f"mail-{i:03d}" for i in range(60)]
    out = io.StringIO()
    assert diagnose_in_workers(names, 3, die_in_worker, out) == 0
    assert out.getvalue() == "".join(f"{n} é\n" for n in names)


def test_the_worst_exit_status_wins() -> None:
    def two_for_the_last(run: list[str], out: TextIO) -> int:
        record_names(run, out)
        return 2 if "mail-059" in run else 0

    names = [f"mail-{i:03d}" for i in range(60)]
    assert diagnose_in_workers(names, 2, two_for_the_last, io.StringIO()) == 2


def test_runs_are_contiguous_and_shrink_towards_the_end(tmp_path: Path) -> None:
    names = []
    for i, size in enumerate([100, 5000, 300, 300, 4000, 200, 200, 6000, 100, 900] * 8):
        path = tmp_path / f"{i:02d}.eml"
        path.write_bytes(b"x" * size)
        names.append(str(path))
    runs = shrinking_runs(names, 2)
    assert [n for run in runs for n in run] == names
    assert all(runs)
    left = sum(os.path.getsize(n) for n in names)
    for run in runs:  # each run: an eighth (1/(4 * 2 processes)) of the bytes left, no more
        size = sum(os.path.getsize(n) for n in run)
        assert (size - os.path.getsize(run[-1])) * 8 < left <= size * 8 or run is runs[-1]
        left -= size
    assert len(runs[0]) > 4 and len(runs[-1]) <= 2  # big runs first, the last ones small


def test_runs_never_outnumber_the_inputs_or_the_queue() -> None:
    assert shrinking_runs(["a", "b"], 8) == [["a"], ["b"]]
    assert shrinking_runs([], 3) == []
    many = shrinking_runs([f"missing-{i}" for i in range(100_000)], 8)
    assert len(many) <= MAX_RUNS and sum(map(len, many)) == 100_000


def test_how_many_workers() -> None:
    many = [f"m{i}.eml" for i in range(10 * MIN_INPUTS_PER_JOB)]
    assert workers_for(many, 1) == 1
    assert workers_for(many, 3) == 3
    assert workers_for([*many, "-"], 0) == 1  # standard input is read by this process
    assert workers_for(many[: MIN_INPUTS_PER_JOB + 1], 0) == 1  # too few to be worth a worker
    assert 1 <= workers_for(many, 0) <= (os.cpu_count() or 1)


def test_a_slow_process_takes_fewer_runs_than_a_fast_one() -> None:
    import time

    parent = os.getpid()

    def slow_in_parent(run: list[str], out: TextIO) -> int:
        here = "parent" if os.getpid() == parent else "worker"
        if here == "parent":
            time.sleep(0.1)
        out.write("".join(f"{name} {here}\n" for name in run))
        return 0

    names = [f"mail-{i:03d}" for i in range(161)]
    out = io.StringIO()
    assert diagnose_in_workers(names, 2, slow_in_parent, out) == 0
    lines = out.getvalue().splitlines()
    assert [line.split()[0] for line in lines] == names  # still in input order
    by_parent = sum(line.endswith(" parent") for line in lines[1:])  # (the first: before the fork)
    assert by_parent <= len(names) // 4  # the worker took the runs the parent had no time for
