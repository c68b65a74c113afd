"""URLs that toggle a facet value or change sort or page, keeping the rest of the query."""

from __future__ import annotations

from typing import Iterable
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

FACET_PARAMS = ("entity", "outlet", "year", "month")
KEPT_PARAMS = ("q", *FACET_PARAMS, "since", "until", "sort", "per_page")


def _pairs(args: MultiDict) -> list[tuple[str, str]]:
    return [(k, v) for k in KEPT_PARAMS for v in args.getlist(k) if v != ""]


def _url(pairs: Iterable[tuple[str, str]], path: str = "/search") -> str:
    query = urlencode(list(pairs))
    return f"{path}?{query}" if query else path


def with_args(args: MultiDict, path: str = "/search", **changes: str | None) -> str:
    """Return the URL with single-valued params replaced (None removes); page resets."""
    pairs = [(k, v) for k, v in _pairs(args) if k not in changes]
    pairs += [(k, v) for k, v in changes.items() if v not in (None, "")]
    return _url(pairs, path)


def toggle(args: MultiDict, name: str, value: str) -> str:
    """Return the URL with one facet value added, or removed if it was selected."""
    pairs = _pairs(args)
    selected = (name, value) in pairs
    pairs = [p for p in pairs if p != (name, value)]
    if not selected:
        pairs.append((name, value))
    return _url(pairs)


def clear(args: MultiDict, *names: str) -> str:
    """Return the URL without any value of the given params."""
    return _url((k, v) for k, v in _pairs(args) if k not in names)


def page(args: MultiDict, number: int) -> str:
    """Return the URL of another page of the same results."""
    return _url(_pairs(args) + ([("page", str(number))] if number > 1 else []))
