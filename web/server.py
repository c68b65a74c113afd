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
                "workers": workers, "threads": threads, "worker_class": "gthread",
                "timeout": 60, "graceful_timeout": 10, "keepalive": 5,
                "accesslog": None, "errorlog": "-", "loglevel": "warning",
                "post_worker_init": lambda worker: warm(app),
                # A pasted query of up to 10,000 characters fills a URL far past gunicorn's
                # 4,094-byte request line (up to 9 bytes a character once percent-encoded);
                # 0 lifts the limit to gunicorn's own 1 MB ceiling. Our query limit still holds.
                "limit_request_line": 0,
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return app

    _Server().run()
