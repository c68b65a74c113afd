"""Saved searches ("watches") of an index, and their matches among newly indexed articles.

A watch keeps the query and filters as the user gave them (a relative date such as
"2 weeks ago" stays relative) in the index's crawl state; it is checked when ``newsfacet
update`` adds articles, against those articles only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .config import Settings
from .ingest.crawl_state import connect, exists, now
from .errors import QueryError
from .facets import FACETS
from .models import Hit, SearchRequest, SearchResults
from .query import build_request, check_query_syntax

# Facet names as in URLs and CLI options, and the SearchRequest fields they map to.
MULTI_FILTERS = {facet.name: facet.field for facet in FACETS}
DATE_FILTERS = ("since", "until")
# Options kept with the filters: entity_match=all (every selected entity) is stored; "any",
# the default, is left out, so saved searches from before it read as they did.
ENTITY_MATCH = "entity_match"
MAX_WATCHES = 1000


@dataclass(frozen=True)
class Watch:
    """A saved search: its number, query and filters (by URL parameter name)."""

    id: int
    query: str
    filters: Mapping[str, tuple[str, ...] | str]
    created: str

    def describe(self) -> str:
        """Return the search as one line: ``"embassy" entity=PMF since=2019``."""
        parts = [f'"{self.query}"' if self.query else "(everything)"]
        for name, value in self.filters.items():
            for v in (value if isinstance(value, tuple) else (value,)):
                parts.append(f"{name}={v}")
        return " ".join(parts)

    def params(self) -> list[tuple[str, str]]:
        """Return the search as URL parameters."""
        pairs = [("q", self.query)] if self.query else []
        for name, value in self.filters.items():
            pairs += [(name, v) for v in (value if isinstance(value, tuple) else (value,))]
        return pairs

    def request(self, settings: Settings, resolve_entity=None) -> SearchRequest:
        """Return the search request; raise QueryError if it no longer reads."""
        multi: dict[str, Any] = {MULTI_FILTERS[k]: v for k, v in self.filters.items()
                                 if k in MULTI_FILTERS}
        dates: dict[str, Any] = {k: v for k, v in self.filters.items() if k in DATE_FILTERS}
        match = self.filters.get(ENTITY_MATCH)
        check_query_syntax(self.query)
        return build_request(self.query, **multi, **dates, settings=settings,
                             resolve_entity=resolve_entity,
                             entity_match=match if isinstance(match, str) else None)

    def to_dict(self) -> dict:
        return {"id": self.id, "query": self.query,
                "filters": {k: list(v) if isinstance(v, tuple) else v
                            for k, v in self.filters.items()},
                "created": self.created}


def normal_filters(values: Mapping[str, Sequence[str] | str | None]
                   ) -> dict[str, tuple[str, ...] | str]:
    """Return the filters that are set, multi-valued ones as tuples, in a stable order."""
    out: dict[str, tuple[str, ...] | str] = {}
    for name in MULTI_FILTERS:
        given = values.get(name) or ()
        given = (given,) if isinstance(given, str) else given
        cleaned = tuple(v.strip() for v in given if v and v.strip())
        if cleaned:
            out[name] = cleaned
    for name in DATE_FILTERS:
        value = values.get(name)
        if isinstance(value, str) and value.strip():
            out[name] = value.strip()
    match = values.get(ENTITY_MATCH)
    if isinstance(match, str) and match.strip().lower() not in ("", "any"):
        out[ENTITY_MATCH] = match.strip().lower()  # a bad value is refused by request()
    return out


def add_watch(index_dir: str, query: str, filters: Mapping[str, Sequence[str] | str | None],
              settings: Settings, resolve_entity=None,
              check: Callable[[SearchRequest], None] | None = None) -> Watch:
    """Save a search after checking that it can run; raise QueryError if not.

    ``check`` may refuse the request too (raising a QueryError), e.g. for an entity filter
    that names no entity."""
    query = (query or "").strip()
    clean = normal_filters(filters)
    if not query and not clean:
        raise QueryError("give a query or at least one filter to watch")
    # fails now, not at update
    request = Watch(0, query, clean, "").request(settings, resolve_entity)
    if check is not None:
        check(request)
    conn = connect(index_dir)
    try:
        with conn:
            count = conn.execute("SELECT COUNT(*) FROM watches").fetchone()[0]
            if count >= MAX_WATCHES:
                raise QueryError(f"there are already {count} saved searches: remove some first")
            created = now()
            cursor = conn.execute("INSERT INTO watches (query, filters, created) VALUES (?, ?, ?)",
                                  (query, json.dumps(clean), created))
            assert cursor.lastrowid is not None  # set by the INSERT
            return Watch(cursor.lastrowid, query, clean, created)
    finally:
        conn.close()


def list_watches(index_dir: str) -> list[Watch]:
    """Return the saved searches, oldest first."""
    if not exists(index_dir):
        return []
    conn = connect(index_dir)
    try:
        rows = conn.execute("SELECT * FROM watches ORDER BY id").fetchall()
    finally:
        conn.close()
    return [Watch(r["id"], r["query"], _filters(r["filters"]), r["created"]) for r in rows]


def remove_watch(index_dir: str, number: int) -> bool:
    """Remove a saved search; return whether it existed."""
    if not exists(index_dir):
        return False
    conn = connect(index_dir)
    try:
        with conn:
            return conn.execute("DELETE FROM watches WHERE id = ?", (number,)).rowcount > 0
    finally:
        conn.close()


def _filters(text: str) -> dict[str, tuple[str, ...] | str]:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return normal_filters(data) if isinstance(data, dict) else {}


@dataclass(frozen=True)
class WatchMatches:
    """The new articles one saved search matches, or why it could not run."""

    watch: Watch
    hits: tuple[Hit, ...]
    error: str | None = None

    def to_dict(self) -> dict:
        data = {**self.watch.to_dict(), "new_matches": len(self.hits),
                "hits": [h.to_dict() for h in self.hits]}
        if self.error:
            data["error"] = self.error
        return data


def new_matches(search: Callable[[SearchRequest], SearchResults], watches: Sequence[Watch],
                new_ids: Sequence[str], settings: Settings,
                resolve_entity=None) -> list[WatchMatches]:
    """Return, for each watch, the hits among ``new_ids`` (newest first)."""
    out = []
    for watch in watches:
        if not new_ids:
            out.append(WatchMatches(watch, ()))
            continue
        try:
            request = replace(watch.request(settings, resolve_entity), ids=tuple(new_ids),
                              page=1, per_page=len(new_ids), with_facets=False, sort="newest")
            results = search(request)
        except QueryError as exc:
            out.append(WatchMatches(watch, (), str(exc)))
            continue
        wanted = set(new_ids)  # an engine that ignores ``ids`` must not report old articles
        out.append(WatchMatches(watch, tuple(h for h in results.hits if h.id in wanted)))
    return out


__all__ = ["Watch", "WatchMatches", "add_watch", "list_watches", "remove_watch", "new_matches",
           "normal_filters"]
