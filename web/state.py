"""One engine and entity table per app, opened lazily and shared by request threads."""

from __future__ import annotations

import threading

from flask import Flask, current_app

from search.engines import Engine, open_engine
from search.entities import EntityTable

_lock = threading.Lock()


def init_app(app: Flask) -> None:
    app.extensions["newsfacet"] = {}


def engine() -> Engine:
    """Return the app's engine, opening it on first use (IndexMissing if there is none)."""
    store = current_app.extensions["newsfacet"]
    with _lock:
        if "engine" not in store:
            store["engine"] = open_engine(current_app.config["SETTINGS"])
        return store["engine"]


def entity_table() -> EntityTable:
    """Return the app's entity table, loaded on first use."""
    store = current_app.extensions["newsfacet"]
    with _lock:
        if "entities" not in store:
            store["entities"] = EntityTable.load(current_app.config["SETTINGS"].entities_file)
        return store["entities"]
