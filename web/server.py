"""Production serving: gunicorn with several worker processes, or waitress where it cannot run.

Whoosh searches are pure Python and hold the GIL, so threads alone keep one core busy: on a
2-core machine, 8 concurrent clients need two processes to be answered in time. Each worker
process opens the index itself (after the fork) and warms its caches before taking requests.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask

from .limits import GUNICORN_LIMITS

logger = logging.getLogger(__name__)


def default_workers() -> int:
    """Return one worker per core, at most 4 (each holds its own facet caches in memory)."""
    return max(1, min(4, os.cpu_count() or 1))


def warm(app: Flask) -> None:
    """Open the index and load (or build and save) its facet arrays, so the first search
    is quick."""
    from . import state

    with app.app_context():
        try:
            state.engine().prepare()
        except Exception as exc:  # a missing index is reported per request, with its message
            logger.warning("could not warm the index: %s", exc)


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

    _Server().run()
