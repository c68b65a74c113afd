"""A child process watched while it runs: its resident memory and how far it has read its input.

The speed benchmark's build of 500,000 articles takes tens of minutes, and its peak memory alone
does not say whether memory grows with the index or whether the rate falls as the index grows.
``Watch`` samples the child's ``VmRSS`` (with its own children's: the indexer's merge process)
and the read offset of its input file (from ``/proc/PID/fdinfo``: the indexer streams the JSON
Lines corpus, so the offset is how far it has got) every few seconds; ``by_tenths`` turns the
samples into the rate and the memory over each tenth of the input, and the time after its last
line was read (the last commit and the arrays saved for readers). Linux only; elsewhere there
are no samples and nothing to show.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SAMPLE_SECONDS = 2.0


@dataclass(frozen=True)
class Sample:
    seconds: float  # since the watch started
    rss_mb: float
    offset: int  # bytes of the input read so far (-1: the input is not open)


def rss_mb(pid: int) -> float:
    """Return a process's resident memory in MB (0 when it is gone)."""
    return _proc_mb(f"/proc/{pid}/status", "VmRSS:")


def tree_rss_mb(pid: int) -> float:
    """Return the resident memory of a process and its descendants, summed, in MB (the
    indexer's segment merges run in a child process: ``search/engines/whoosh/merging.py``)."""
    return sum(rss_mb(each) for each in _tree(pid))


def _tree(pid: int) -> list[int]:
    """Return a process and its descendants (as far as /proc tells)."""
    found, todo = [], [pid]
    while todo:
        each = todo.pop()
        found.append(each)
        try:
            tasks = os.listdir(f"/proc/{each}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{each}/task/{task}/children") as handle:
                    todo += [int(child) for child in handle.read().split()]
            except (OSError, ValueError):
                continue
    return found


def pss_mb(pid: int) -> float:
    """Return a process's proportional set size in MB: its private pages plus its share of
    the pages it shares (what summing it over processes counts once); 0 when unknown."""
    return _proc_mb(f"/proc/{pid}/smaps_rollup", "Pss:")


def _proc_mb(path: str, label: str) -> float:
    """Return the kB figure of the row starting with ``label`` in a /proc file, in MB."""
    try:
        with open(path) as handle:
            for row in handle:
                if row.startswith(label):
                    return int(row.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def read_offset(pid: int, path: Path) -> int:
    """Return the offset of the process's open file descriptor on ``path`` (the furthest, if
    it has several), or -1 when it has none open."""
    target = os.path.realpath(path)
    best = -1
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return -1
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") != target:
                continue
            with open(f"/proc/{pid}/fdinfo/{fd}") as handle:
                for row in handle:
                    if row.startswith("pos:"):
                        best = max(best, int(row.split()[1]))
        except (OSError, ValueError, IndexError):
            continue  # closed meanwhile
    return best


class Watch:
    """Samples a running process's memory and read offset in a thread until ``stop``."""

    def __init__(self, pid: int, path: Path, every: float = SAMPLE_SECONDS) -> None:
        self.pid, self.path, self.every = pid, path, every
        self.samples: list[Sample] = []
        self._stop = threading.Event()
        self._start = time.perf_counter()
        self._thread = threading.Thread(target=self._run, name="perf-watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = tree_rss_mb(self.pid)  # 0 once the process is gone
            if rss:
                self.samples.append(Sample(time.perf_counter() - self._start, rss,
                                           read_offset(self.pid, self.path)))
            self._stop.wait(self.every)

    def stop(self) -> list[Sample]:
        self._stop.set()
        self._thread.join()
        return self.samples


def by_tenths(samples: list[Sample], total_bytes: int, articles: int,
              total_seconds: float) -> dict:
    """Return the articles/s and the highest RSS over each tenth of the input, and the seconds
    from the last line read to the end (``total_seconds``). A tenth is the stretch between the
    samples that first show its start and its end read; tenths no sample tells apart (a run
    shorter than a few samples) are left out."""
    tenths: list[dict] = []
    read_all = None
    start, peak, step, opened = 0.0, 0.0, 1, False
    for sample in samples:
        peak = max(peak, sample.rss_mb)
        opened = opened or sample.offset >= 0
        offset = total_bytes if opened and sample.offset < 0 else sample.offset  # closed: read
        while step <= 10 and offset >= total_bytes * step / 10:
            seconds = sample.seconds - start
            tenths.append({"tenth": step, "seconds": seconds,
                           "articles_per_s": articles / 10 / seconds if seconds > 0 else None,
                           "rss_mb": peak})
            if step == 10:
                read_all = sample.seconds
            start, peak, step = sample.seconds, sample.rss_mb, step + 1
    return {"tenths": tenths, "after_last_read_s": (total_seconds - read_all
                                                    if read_all is not None else None),
            "peak_rss_mb": max((s.rss_mb for s in samples), default=0.0)}
