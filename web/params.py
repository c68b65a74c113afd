"""Request arguments to a SearchRequest, with the relaxed retries a page falls back on."""

from __future__ import annotations

from flask import current_app
from werkzeug.datastructures import MultiDict

from search.errors import QueryError, UnknownEntity
from search.facets import FACET_NAMES, FACETS
from search.models import SearchRequest
from search.query import build_request

from . import state

# What a page drops, in turn, when the request as given cannot be run: first the query (so a
# typo in it still leaves the facets to browse by), then the dates, then everything.
FALLBACKS = (("q",), ("since", "until"), ("q", "since", "until"),
             ("q", *FACET_NAMES, "since", "until", "sort", "page", "per_page", "collapse",
              "entity_match"))


def flag(args: MultiDict, name: str, default: bool) -> bool:
    """Return a yes/no parameter (1/0, true/false, on/off); raise QueryError."""
    value = args.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "on", "yes"):
        return True
    if value in ("0", "false", "off", "no"):
        return False
    raise QueryError(f"{name} must be 1 or 0, not {value[:20]!r}")


def collapse_flag(args: MultiDict, default: bool) -> bool:
    """Return the ``collapse`` parameter as a flag (1/0, true/false, on/off); raise QueryError."""
    return flag(args, "collapse", default)


def search_request(args: MultiDict, *, collapse_default: bool = False,
                   **overrides) -> SearchRequest:
    """Return the SearchRequest the URL parameters describe; raise QueryError.

    ``collapse_default`` is what a missing ``collapse`` means: on for the page, off for the API.
    """
    values = dict(
        query=args.get("q", ""), since=args.get("since"), until=args.get("until"),
        sort=args.get("sort") or None, page=args.get("page"), per_page=args.get("per_page"),
        collapse=collapse_flag(args, collapse_default), entity_match=args.get("entity_match"),
        **{facet.field: args.getlist(facet.name) for facet in FACETS})
    values.update(overrides)
    query = values.pop("query")
    return build_request(query, **values, settings=current_app.config["SETTINGS"],
                         resolve_entity=state.entity_table().resolve)


def relaxed(args: MultiDict, dropped: tuple[str, ...]) -> MultiDict:
    """Return the arguments without the named parameters."""
    return MultiDict([(k, v) for k, v in args.items(multi=True) if k not in dropped])


def without_entities(args: MultiDict, names: tuple[str, ...]) -> MultiDict:
    """Return the arguments without the entity values that name any of ``names``."""
    gone = {" ".join(n.split()).casefold() for n in names}
    return MultiDict([(k, v) for k, v in args.items(multi=True)
                      if k != "entity" or " ".join(v.split()).casefold() not in gone])


def first_runnable(args: MultiDict, run, **options):
    """Return ``(result, error)``: ``run`` on the request as given, or on the first fallback
    that works, with the QueryError of the original; raise if none works.

    An unknown entity is dropped first (the rest of the search still runs, and the error
    carries the close names the page offers instead)."""
    try:
        return run(search_request(args, **options)), None
    except QueryError as exc:
        error = exc
    if isinstance(error, UnknownEntity):
        args = without_entities(args, error.names)
        try:
            return run(search_request(args, **options)), error
        except QueryError:
            pass
    for dropped in FALLBACKS:
        try:
            return run(search_request(relaxed(args, dropped), **options)), error
        except QueryError:
            continue
    raise error
