"""The facet sidebar and the active-filter chips as plain objects, so templates just loop."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from search.facets import DISPLAY_ORDER, FACETS, UNDATED, Facet
from search.errors import QueryError
from search.models import FacetValue, SearchResults
from search.query import human_date, parse_date_filter

from . import links

# Entities are listed by type, armed groups first: they are what this corpus is read for.
ENTITY_GROUPS = (("group", "Armed groups"), ("person", "People"), ("org", "Organisations"),
                 ("place", "Places"), (None, "Other entities"))
# Lists longer than this get a filter box and are folded to their top values (by script).
SHORT_LIST = 8


@dataclass(frozen=True)
class FacetLink:
    """A facet value as the sidebar shows it: a checkbox with its count and its toggle URL."""

    param: str
    value: str
    label: str
    count: int
    selected: bool
    link: str
    type: str | None = None


@dataclass(frozen=True)
class FacetGroup:
    """One list in the sidebar (an entity type, outlets, years or months)."""

    key: str
    param: str
    title: str
    values: tuple[FacetLink, ...]
    clear_link: str | None

    @property
    def long(self) -> bool:
        return len(self.values) > SHORT_LIST


@dataclass(frozen=True)
class Chip:
    """An active filter, with the URL that removes it."""

    param: str
    label: str
    link: str
    type: str | None = None


def period_label(value: str) -> str:
    """Return "May 2019" for "2019-05"; years and "undated" stay as they are."""
    if value == UNDATED or len(value) != 7:
        return value
    try:
        return dt.date(int(value[:4]), int(value[5:]), 1).strftime("%b %Y")
    except ValueError:
        return value


def _link(args: MultiDict, param: str, value: FacetValue, type_: str | None) -> FacetLink:
    return FacetLink(param, value.value, period_label(value.value), value.count, value.selected,
                     links.toggle(args, param, value.value), type_)


def facet_groups(results: SearchResults, args: MultiDict, entity_type) -> list[FacetGroup]:
    """Return the sidebar lists; ``entity_type`` names the type of an entity missing a count."""
    out: list[FacetGroup] = []
    for facet in DISPLAY_ORDER:
        if facet.typed:
            out += _typed_groups(facet, results, args, entity_type)
        else:
            out.append(_group(facet, results, args))
    return out


def _typed_groups(facet: Facet, results: SearchResults, args: MultiDict,
                  entity_type) -> list[FacetGroup]:
    """Return one list per entity type, in ``ENTITY_GROUPS`` order, leaving out empty ones."""
    groups: dict[str | None, list[FacetLink]] = {key: [] for key, _ in ENTITY_GROUPS}
    for value in results.facets.get(facet.name, ()):
        type_ = value.type or entity_type(value.value)
        groups[type_ if type_ in groups else None].append(_link(args, facet.name, value, type_))
    out = []
    for key, title in ENTITY_GROUPS:
        values = tuple(groups[key])
        chosen = [v.value for v in values if v.selected]
        if values:
            out.append(FacetGroup(key or "other", facet.name, title, values,
                                  links.without(args, facet.name, chosen) if chosen else None))
    return out


def _group(facet: Facet, results: SearchResults, args: MultiDict) -> FacetGroup:
    param = facet.name
    values = tuple(_link(args, param, v, None) for v in results.facets.get(param, ()))
    if facet.time_ordered:  # like the timeline, rather than by count
        values = tuple(sorted(values, key=lambda v: (v.value == UNDATED, v.value)))
    return FacetGroup(param, param, facet.label, values,
                      links.clear(args, param) if args.getlist(param) else None)


def chips(args: MultiDict, entity_type) -> list[Chip]:
    """Return the active filters in URL order, each with its removal link. A date filter's
    chip shows the date understood ("from 1 April 1987" for "1987-04", "to 30 April 1987"),
    or the text typed marked "not understood" (the search then ran without it)."""
    out = []
    for facet in FACETS:
        param = facet.name
        for value in dict.fromkeys(v for v in args.getlist(param) if v.strip()):
            type_ = entity_type(value) if facet.typed else None
            out.append(Chip(param, period_label(value), links.toggle(args, param, value), type_))
    for param, word in (("since", "from"), ("until", "to")):
        if args.get(param, "").strip():
            try:
                understood = parse_date_filter(args[param], end=param == "until", name=param)
            except QueryError:
                understood = None
            label = (f"{word} {human_date(understood)}" if understood is not None
                     else f"{word} {args[param].strip()} (not understood)")
            out.append(Chip(param, label, links.with_args(args, **{param: None})))
    return out
