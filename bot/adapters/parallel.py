"""Share a long list of inputs between forked worker processes, output kept in input order.

`bouncedesk diagnose` over a folder of bounces is CPU-bound and every mail is independent, so
on a machine with several cores the inputs are cut into contiguous runs, big ones first and
single inputs at the end. This process diagnoses the first input (which loads the readers and
the knowledge once, before the fork, so workers share them), then it and the workers take runs
one at a time, in order, from a pipe holding one byte per run: whoever is free takes the next
one, so all finish within about one small run of each other however fast each goes. Each
process writes every run it finishes to its own anonymous in-memory file, framed with the
run's number; once every worker has said it is done (by closing its end of another pipe), the
runs are copied to standard output in order, so the output is byte for byte what one process
would write. A run that no process delivered (a worker that could not start or died) is done
here: no input is ever skipped.

POSIX only (os.fork); elsewhere everything runs in this process.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import sys

from bot import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import BinaryIO, TextIO

    # work(inputs, out) diagnoses `inputs` in order, writes to `out`, returns the exit status.
    Work = Callable[[list[str], TextIO], int]


# A run's number is one byte in the queue.
MAX_RUNS = 255
# Each run takes about this share of the bytes still left, divided by the number of processes.
RUN_SHARE = 4


def shrinking_runs(names: list[str], jobs: int) -> list[list[str]]:
    """`names` cut into contiguous runs that shrink towards the end: each about 1/(RUN_SHARE *
    jobs) of the file bytes still left, down to single inputs. Processes that take the next run
    when free then all finish within about one small run of each other, while the runs stay
    few (a run costs a pipe read and a frame)."""
    sizes = []
    for name in names:
        try:
            sizes.append(max(os.stat(name).st_size, 1))
        except OSError:
            sizes.append(1)
    left = sum(sizes)
    runs: list[list[str]] = []
    run: list[str] = []
    filled = 0
    for name, size in zip(names, sizes, strict=True):
        run.append(name)
        filled += size
        if filled * RUN_SHARE * jobs >= left and len(runs) < MAX_RUNS - 1:
            runs.append(run)
            left -= filled
            run, filled = [], 0
    if run:
        runs.append(run)
    return runs


def _memory_file() -> BinaryIO:
    try:
        fd = os.memfd_create("bouncedesk-output")
    except (AttributeError, OSError):
        import tempfile

        return tempfile.TemporaryFile()
    return open(fd, "w+b")  # shared with the workers, read back and closed afterwards


def diagnose_in_workers(names: list[str], jobs: int, work: Work, stdout: TextIO) -> int:
    """Run `work` over `names` with up to `jobs` processes, all output to `stdout` in input
    order; the worst exit status of all."""
    status = work(names[:1], stdout)
    runs = shrinking_runs(names[1:], jobs)
    stdout.flush()
    sys.stderr.flush()
    encoding, errors = _encoding(stdout), getattr(stdout, "errors", None) or "strict"
    # What is loaded by now (modules, knowledge, patterns) lives as long as the process: out of
    # the collector's sight, its pages stay shared with the workers instead of being copied
    # when a collection walks them.
    gc.freeze()
    queue = _run_queue(len(runs))
    sinks = [_memory_file() for _ in range(jobs)]
    finished = _pipe()  # every worker holds its writing end until its output is all in its sink
    pids = [_start_worker(runs, queue, finished, work, sink, encoding, errors) for sink in sinks[1:]]
    if queue is not None:
        _take_runs(runs, queue, work, sinks[0], encoding, errors)
        os.close(queue)
    _wait_until_finished(finished, pids)
    done: dict[int, tuple[int, bytes]] = {}
    for sink in sinks:
        sink.seek(0)
        done.update(_frames(sink.read()))
        sink.close()
    for number, run in enumerate(runs):
        if number in done:
            run_status, output = done[number]
            _copy(output, stdout)
        else:  # nobody delivered it (a worker died, or no pipe): do it here, nothing is lost
            run_status = work(run, stdout)
            stdout.flush()
        status = max(status, run_status)
    _reap(pids)
    return status


def _pipe() -> tuple[int, int] | None:
    try:
        return os.pipe()
    except OSError:
        return None


def _wait_until_finished(finished: tuple[int, int] | None, pids: list[int | None]) -> None:
    """Until every worker has written all it will: its end of `finished` is closed (by itself
    once its output is in its sink, or as it exits or dies). Without that pipe: until every
    worker has exited."""
    if finished is None:
        for pid in pids:
            _wait(pid)
        return
    read_end, write_end = finished
    os.close(write_end)
    while os.read(read_end, 1):
        pass
    os.close(read_end)


def _run_queue(count: int) -> int | None:
    """The reading end of a pipe holding the numbers 0..count-1, one byte each, in order; None
    when there is no pipe (everything is then done at the end, in this process)."""
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return None
    try:
        os.write(write_end, bytes(range(count)))  # (at most 255 bytes: never blocks)
    except OSError:
        os.close(read_end)
        return None
    finally:
        os.close(write_end)  # all numbers taken: reads find the end of the pipe
    return read_end


def _take_runs(runs: list[list[str]], queue: int, work: Work, sink: BinaryIO, encoding: str,
               errors: str) -> None:
    """Take the next run from the queue until none is left; each output framed into `sink`.
    (A read of one byte from a pipe is atomic: no run is taken twice.)"""
    while number := os.read(queue, 1):
        out = io.StringIO()
        run_status = work(runs[number[0]], out)
        output = out.getvalue().encode(encoding, errors)
        sink.write(b"%d %d %d\n" % (number[0], run_status, len(output)) + output)
    sink.flush()


def _frames(data: bytes) -> dict[int, tuple[int, bytes]]:
    """{run number: (exit status, output)} of every whole frame in `data`. A frame cut short
    (a worker that died while writing) is left out, so its run is done again."""
    frames = {}
    pos = 0
    while (end := data.find(b"\n", pos)) >= 0:
        number, run_status, size = (int(x) for x in data[pos:end].split())
        if end + 1 + size > len(data):
            break
        frames[number] = (run_status, data[end + 1 : end + 1 + size])
        pos = end + 1 + size
    return frames


def _start_worker(runs: list[list[str]], queue: int | None, finished: tuple[int, int] | None,
                  work: Work, sink: BinaryIO, encoding: str, errors: str) -> int | None:
    """The pid of a worker taking runs from `queue` into `sink`, or None when none started."""
    if queue is None:
        return None
    try:
        pid = os.fork()
    except OSError:
        return None
    if pid:
        return pid
    # In the worker: never return into the caller, never flush the parent's buffers.
    status = 0
    try:
        _take_runs(runs, queue, work, sink, encoding, errors)
        sys.stderr.flush()
    except BaseException:  # whatever went wrong, the parent redoes the runs not delivered
        status = 70
    if finished is not None:
        os.close(finished[1])  # all written: the parent need not wait for this process to end
    os._exit(status)


def _encoding(stdout: TextIO) -> str:
    return getattr(stdout, "encoding", None) or "utf-8"


def _copy(data: bytes, stdout: TextIO) -> None:
    binary = getattr(stdout, "buffer", None)
    if binary is not None:
        stdout.flush()
        binary.write(data)
        binary.flush()
    else:  # a text-only stream such as io.StringIO
        stdout.write(data.decode(_encoding(stdout)))


# Workers that had written all their output but had not yet ended when the last call returned.
_ending: list[int] = []


def _reap(pids: list[int | None]) -> None:
    """Collect the workers that have ended; the others are collected at the next call, or by
    the system when this process ends first (as `bouncedesk diagnose` does right after): a
    worker's memory takes a few milliseconds to free as it exits, and nothing needs to wait
    for that."""
    for earlier in _ending:
        _wait(earlier)
    _ending.clear()
    for pid in pids:
        if pid is None:
            continue
        try:
            ended, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue
        if not ended:
            _ending.append(pid)


def _wait(pid: int | None) -> None:
    if pid is None:
        return
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
