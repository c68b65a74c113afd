"""One engine per request thread and one entity table per app, opened lazily."""

from __future__ import annotations

import threading

from flask import Flask, current_app, request

from search.engines import Engine, open_engine
from search.errors import IndexCorrupt, IndexUntrusted, SearchError
from search.entities import EntityTable, load_table, overlay_path

_lock = threading.Lock()


def init_app(app: Flask) -> None:
    app.extensions["newsfacet"] = {"threads": threading.local()}


def engine() -> Engine:
    """Return this thread's engine, opening it on first use (IndexMissing if there is none).

    Not one engine for all threads: a Whoosh reader shares its file handles between queries
    (seek, then read), so two threads searching through one reader read each other's bytes
    (zlib errors, 500s under load; see tests/test_concurrency.py).
    """
    local = current_app.extensions["newsfacet"]["threads"]
    if getattr(local, "engine", None) is None:
        local.engine = open_engine(current_app.config["SETTINGS"])
    return local.engine


def refuse_damaged_index() -> None:
    """Answer every request (but static files and /healthz, which says it its own way) with
    the error of a damaged or untrusted index: 503 on every route, not only where a route
    reads the index (a before-request hook, after the access check)."""
    if request.endpoint in ("static", "api.healthz"):
        return
    try:
        opened = engine()
        if current_app.config["SETTINGS"].engine == "whoosh":
            opened.count()  # opens its segments (once a generation): a local read, no server
    except (IndexCorrupt, IndexUntrusted):
        raise
    except SearchError:  # a missing index, a server down: each route that needs it says so
        return


def entity_table() -> EntityTable:
    """Return the app's entity table, loaded on first use and again when the entities added
    beside the index (``newsfacet entities add``) change."""
    store = current_app.extensions["newsfacet"]
    settings = current_app.config["SETTINGS"]
    try:
        stamp = overlay_path(settings.index_dir).stat().st_mtime_ns
    except OSError:
        stamp = None
    with _lock:
        if "entities" not in store or store.get("entities_stamp") != stamp:
            store["entities"] = load_table(settings.entities_file, settings.index_dir)
            store["entities_stamp"] = stamp
        return store["entities"]
