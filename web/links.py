"""URLs that toggle a facet value or change sort or page, keeping the rest of the query."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from flask import url_for
from werkzeug.datastructures import MultiDict

from search.facets import FACET_NAMES
from search.query import whole_number

FACET_PARAMS = FACET_NAMES
DATE_PARAMS = ("since", "until")
FILTER_PARAMS = (*FACET_PARAMS, *DATE_PARAMS)
KEPT_PARAMS = ("q", *FILTER_PARAMS, "sort", "per_page", "collapse", "entity_match")


def _pairs(args: MultiDict) -> list[tuple[str, str]]:
    return [(k, v) for k in KEPT_PARAMS for v in args.getlist(k) if v != ""]


def _url(pairs: Iterable[tuple[str, str]], path: str | None = None) -> str:
    """Return ``path`` (the search page's by default) with the pairs as its query, in order.

    The query is encoded here rather than by ``url_for``, which would group repeated
    parameters; a toggled value goes last, so the order is the order of the user's clicks.
    """
    path = path or url_for("newsfacet.search_page")
    query = urlencode(list(pairs))
    return f"{path}?{query}" if query else path


def search(pairs: Iterable[tuple[str, str]]) -> str:
    """Return the URL of the search page for these parameters."""
    return _url(pairs)


def with_args(args: MultiDict, **changes: str | None) -> str:
    """Return the URL with single-valued params replaced (None removes); page resets."""
    pairs = [(k, v) for k, v in _pairs(args) if k not in changes]
    pairs += [(k, v) for k, v in changes.items() if v not in (None, "")]
    return _url(pairs)


def toggle(args: MultiDict, name: str, value: str) -> str:
    """Return the URL with one facet value added, or removed if it was selected."""
    pairs = _pairs(args)
    selected = (name, value) in pairs
    pairs = [p for p in pairs if p != (name, value)]
    if not selected:
        pairs.append((name, value))
    return _url(pairs)


def only(args: MultiDict, name: str, value: str, *replaced: str) -> str:
    """Return the URL filtered to one value of ``name``, dropping ``name`` and ``replaced``."""
    dropped = {name, *replaced}
    return _url([p for p in _pairs(args) if p[0] not in dropped] + [(name, value)])


def without(args: MultiDict, name: str, values: Iterable[str]) -> str:
    """Return the URL without the given values of one param."""
    gone = {(name, v) for v in values}
    return _url(p for p in _pairs(args) if p not in gone)


def clear(args: MultiDict, *names: str) -> str:
    """Return the URL without any value of the given params."""
    return _url((k, v) for k, v in _pairs(args) if k not in names)


def page(args: MultiDict, number: int) -> str:
    """Return the URL of another page of the same results."""
    return _url(_pairs(args) + ([("page", str(number))] if number > 1 else []))


def facet(name: str, value: str) -> str:
    """Return the URL of every article with one facet value (a fresh search)."""
    return _url([(name, value)])


def article(args: MultiDict, article_id: str) -> str:
    """Return an article's URL carrying the search it was opened from, to mark and go back."""
    back = _pairs(args) + [("page", args["page"])] if args.get("page") else _pairs(args)
    return _url(back, url_for("newsfacet.article_page", article_id=article_id))


def back(args: MultiDict) -> str:
    """Return the results page an article was opened from."""
    number = whole_number(args.get("page", ""))
    return page(args, number) if number is not None else _url(_pairs(args))


def export(args: MultiDict, fmt: str, **extra: str) -> str:
    """Return the URL exporting every article of the current search as ``fmt`` (``extra``:
    export options such as ``bom``)."""
    return _url(_pairs(args) + [("format", fmt), *extra.items()], url_for("api.search"))


def external(url: str | None) -> str | None:
    """Return the URL if it is safe to link to (http or https), else None (shown as text)."""
    if url and url.strip().lower().startswith(("http://", "https://")):
        return url.strip()
    return None


def entity(name: str) -> str:
    """Return the URL of an entity's page."""
    return url_for("entities.entity_page", name=name)
