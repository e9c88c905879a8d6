"""Share a long list of inputs between forked worker processes, output kept in input order.

`bouncedesk diagnose` over a folder of bounces is CPU-bound and every mail is independent, so
on a machine with several cores the inputs are cut into contiguous runs of about equal size.
This process diagnoses the first input (which loads the readers and the knowledge once, before
the fork, so workers share them) and then the first run; each worker writes its run to an
anonymous in-memory file. The runs are then copied to standard output in order, so the output
is byte for byte what one process would write. A worker that cannot start or dies is replaced
by doing its run here: no input is ever skipped.

POSIX only (os.fork); elsewhere everything runs in this process.
"""

from __future__ import annotations

import gc
import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~15 M instructions)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import BinaryIO, TextIO

    # work(inputs, out) diagnoses `inputs` in order, writes to `out`, returns the exit status.
    Work = Callable[[list[str], TextIO], int]


def split_evenly(names: list[str], parts: int) -> list[list[str]]:
    """`names` cut into at most `parts` contiguous runs of about equal total file size."""
    sizes = []
    for name in names:
        try:
            sizes.append(max(os.stat(name).st_size, 1))
        except OSError:
            sizes.append(1)
    total = sum(sizes)
    runs: list[list[str]] = [[]]
    filled = 0
    for name, size in zip(names, sizes, strict=True):
        # Start the next run once this one holds its share of the bytes.
        if runs[-1] and len(runs) < parts and filled >= total * len(runs) / parts:
            runs.append([])
        runs[-1].append(name)
        filled += size
    return runs


def _memory_file() -> BinaryIO:
    try:
        fd = os.memfd_create("bouncedesk-output")
    except (AttributeError, OSError):
        import tempfile

        return tempfile.TemporaryFile()
    return open(fd, "w+b")  # handed to the worker, read back and closed afterwards


def _start_worker(names: list[str], work: Work, sink: BinaryIO, encoding: str, errors: str) -> int | None:
    """The pid of a worker diagnosing `names` into `sink`, or None when none could start."""
    try:
        pid = os.fork()
    except OSError:
        return None
    if pid:
        return pid
    # In the worker: never return into the caller, never flush the parent's buffers.
    status = 70
    try:
        out = open(sink.fileno(), "w", encoding=encoding, errors=errors, closefd=False)  # noqa: SIM115
        status = work(names, out)
        out.flush()
        sys.stderr.flush()
    except BaseException:  # whatever went wrong, the parent redoes this run
        status = 70
    os._exit(status)


def diagnose_in_workers(names: list[str], jobs: int, work: Work, stdout: TextIO) -> int:
    """Run `work` over `names` with up to `jobs` processes, all output to `stdout` in input
    order; the worst exit status of all."""
    status = work(names[:1], stdout)
    runs = split_evenly(names[1:], jobs)
    stdout.flush()
    sys.stderr.flush()
    # What is loaded by now (modules, knowledge, patterns) lives as long as the process: out of
    # the collector's sight, its pages stay shared with the workers instead of being copied
    # when a collection walks them.
    gc.freeze()
    workers: list[tuple[list[str], BinaryIO, int | None]] = []
    for run in runs[1:]:
        sink = _memory_file()
        pid = _start_worker(run, work, sink, _encoding(stdout), getattr(stdout, "errors", None) or "strict")
        workers.append((run, sink, pid))
    status = max(status, work(runs[0], stdout) if runs else 0)
    stdout.flush()
    for run, sink, pid in workers:
        worker_status = _wait(pid)
        if worker_status in (0, 2):
            sink.seek(0)
            _copy(sink.read(), stdout)
            status = max(status, worker_status)
        else:  # no worker, or it died: do its run here so nothing is lost
            status = max(status, work(run, stdout))
            stdout.flush()
        sink.close()
    return status


def _encoding(stdout: TextIO) -> str:
    return getattr(stdout, "encoding", None) or "utf-8"


def _copy(data: bytes, stdout: TextIO) -> None:
    binary = getattr(stdout, "buffer", None)
    if binary is not None:
        binary.write(data)
        binary.flush()
    else:  # a text-only stream such as io.StringIO
        stdout.write(data.decode(_encoding(stdout)))
        stdout.flush()


def _wait(pid: int | None) -> int | None:
    if pid is None:
        return None
    try:
        _, raw = os.waitpid(pid, 0)
    except ChildProcessError:
        return None
    return os.waitstatus_to_exitcode(raw)
