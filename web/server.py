"""Production serving: gunicorn with several worker processes, or waitress where it cannot run.

Whoosh searches are pure Python and hold the GIL, so threads alone keep one core busy: on a
2-core machine, 8 concurrent clients need two processes to be answered in time.

The first process loads and builds what searches of the current index generation read (the
saved arrays, memory-mapped, and what queries build from them: orders, facet lookups, stories,
the vocabulary) before it starts the workers (``preload``). Forked from it, the workers share
those pages as long as nobody writes them, which nobody does: at 500,000 articles each worker
held its own copy of about 160 MB before (docs/benchmarks.md). Each worker then opens the index
itself, with its own files, and warms what is still missing (nothing, unless the index changed
in between) before taking requests. A newer generation, after a re-index, is loaded by each
worker on its own, as before: only the generation current at start is shared.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import os
from collections.abc import Callable
from typing import Any

from flask import Flask

from .limits import GUNICORN_LIMITS

logger = logging.getLogger(__name__)

# glibc's malloc gives each thread that allocates its own arena (up to 8 per core), and keeps
# the freed blocks of each; a worker's 4 threads allocating the per-query NumPy arrays held
# about 50 MB more each at 500,000 articles (docs/benchmarks.md). The GIL lets one thread
# allocate at a time anyway.
_M_ARENA_MAX = -8  # mallopt's parameter number (malloc.h)
ARENAS = 1


def default_workers() -> int:
    """Return one worker per core, at most 4 (each holds its own facet caches in memory)."""
    return max(1, min(4, os.cpu_count() or 1))


def warm(app: Flask) -> None:
    """Open the index, load (or build and save) its arrays and build what the first searches
    would, so the first search is quick."""
    from . import state

    def load() -> None:
        engine = state.engine()
        engine.prepare()
        engine.warm()

    _logged(app, load, "could not warm the index")


def preload(app: Flask) -> None:
    """Load and build what every worker reads of the current index generation, in the process
    the workers are forked from (they share it), and the entity table.

    Its own engine, closed before the fork: Whoosh reads a file by seeking, then reading, and a
    file descriptor inherited by two workers would share its offset between them.
    """
    from search.engines import open_engine

    from . import state

    def load() -> None:
        engine = open_engine(app.config["SETTINGS"])
        try:
            engine.prepare()
            engine.warm()
        finally:
            engine.close()
        state.entity_table()

    _logged(app, load, "could not load the index before starting the workers")


def _logged(app: Flask, step: Callable[[], None], failure: str) -> None:
    """Run a step of the start in the app's context; a failure is logged, not raised."""
    with app.app_context():
        try:
            step()
        except Exception as exc:  # a missing index is reported per request, with its message
            logger.warning("%s: %s", failure, exc)


def limit_arenas() -> None:
    """Make this process's threads share malloc arenas (glibc only; elsewhere nothing)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL("libc.so.6").mallopt(_M_ARENA_MAX, ARENAS)


class HeaderedSocket:
    """A client socket as gunicorn's error writer sees it: the answer it writes gets our
    security headers after its status line. Everything else goes to the socket as it is."""

    def __init__(self, sock: Any) -> None:
        self._sock = sock

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def sendall(self, data: bytes, *args: Any) -> None:
        from .security import HEADERS

        status, sep, rest = data.partition(b"\r\n")
        if sep and status.startswith(b"HTTP/"):
            extra = "".join(f"{name}: {value}\r\n" for name, value in HEADERS.items())
            data = status + sep + extra.encode("latin-1") + rest
        self._sock.sendall(data, *args)


def headered_worker() -> type:
    """Return gunicorn's threaded worker whose own error answers carry our headers."""
    from gunicorn.workers.gthread import ThreadWorker

    class HeaderedWorker(ThreadWorker):
        def handle_error(self, req, client, addr, exc):
            super().handle_error(req, HeaderedSocket(client), addr, exc)

    return HeaderedWorker


def serve(app: Flask, host: str, port: int, workers: int, threads: int) -> None:
    """Serve ``app`` until interrupted."""
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:  # gunicorn needs fork(): not on Windows
        BaseApplication = None
    if BaseApplication is None or workers < 1:
        import waitress

        warm(app)
        waitress.serve(app, host=host, port=port, threads=threads, ident="newsfacet")
        return

    class _Server(BaseApplication):
        def load_config(self) -> None:
            options: dict[str, Any] = {
                "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
                "workers": workers, "threads": threads,
                "timeout": 60, "graceful_timeout": 10, "keepalive": 5,
                "accesslog": None, "errorlog": "-", "loglevel": "warning",
                "post_fork": lambda server, worker: limit_arenas(),
                "post_worker_init": lambda worker: warm(app),
                # A pasted query of up to 10,000 characters fills a URL far past gunicorn's
                # 4,094-byte request line; gunicorn's limits are set a little above the app's
                # own (web/limits.py), which answers those cases with its headers and a message.
                **GUNICORN_LIMITS,
                # What gunicorn still refuses itself (a malformed request line, beyond its
                # limits) gets our security headers too.
                "worker_class": headered_worker(),
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return app

    preload(app)
    # Python's cycle collector, run in a worker, writes to every object it tracks, which
    # copies each page of the first process's objects into that worker; frozen, they are left
    # alone (and stay shared).
    gc.freeze()
    _Server().run()
