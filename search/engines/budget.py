"""A time budget per query: no request holds a worker for seconds.

The engine opens a ``Deadline`` when a query arrives and makes it current (``within``) for
that thread while it reads the query, expands its fuzzy and wildcard words and reads posting
lists; each of those steps calls ``check`` between units of work (a chunk of the query, a
pattern, a posting list not yet in the cache), and past the budget the query stops with a
QueryError that says what to do. A unit of work is short (a posting list of 100,000
documents is read in well under 0.1 s), so a query ends soon after its budget.

The budget is the query's own CPU time (its thread's, ``time.thread_time``), not the time on
the wall clock: what the query itself costs decides whether it is refused, not how many other
requests share the cores with it. Measured on wall time, plain queries under load ran out of
it: 3 of the 480 requests of bench.perf's 8-client round at 500k articles, on a quiet 2-core
machine with 2 workers (2026-12-07, e0b7b09), whose cold posting reads waited behind the
other clients' queries.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Callable, Iterator

from ..errors import QueryError

# Seconds of its own CPU time a query may spend being read, expanded and matched (facets and
# one page of snippets come after, and take milliseconds).
TIME_BUDGET = 0.8

_current: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("deadline",
                                                                           default=None)


class Deadline:
    """A point in time after which a query's work stops with a message."""

    def __init__(self, seconds: float = TIME_BUDGET,
                 clock: Callable[[], float] = time.thread_time) -> None:
        self.seconds, self._clock = seconds, clock
        self._end = clock() + seconds

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Leave the time spent in the block out of the budget: work done once for an index
        generation (a word list, field lengths) is not the query's."""
        start = self._clock()
        try:
            yield
        finally:
            self._end += self._clock() - start

    def check(self, what: str = "the query") -> None:
        if self._clock() > self._end:
            raise QueryError(f"{what} takes too long (over {self.seconds:g} s): shorten the "
                             "query, or use fewer or longer fuzzy (word~) and wildcard (word*) "
                             "terms")


@contextlib.contextmanager
def within(deadline: Deadline) -> Iterator[Deadline]:
    """Make ``deadline`` the current one (this thread or task) for the block."""
    token = _current.set(deadline)
    try:
        yield deadline
    finally:
        _current.reset(token)


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Leave the block's time out of the current query's budget (if any)."""
    deadline = _current.get()
    if deadline is None:
        yield
        return
    with deadline.paused():
        yield


def check(what: str = "the query") -> None:
    """Stop the current query if its deadline has passed (no deadline: nothing to check)."""
    deadline = _current.get()
    if deadline is not None:
        deadline.check(what)
