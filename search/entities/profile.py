"""One entity's coverage: when it is mentioned, by which outlets, with which other entities.

Everything comes from one ``engine.search`` filtered to the entity, with facet counts that also
respect the entity filter itself (``disjunctive_facets=False``): the month facet is the
timeline, the outlet facet the outlets, and the entity facet the co-mentions. So it works on
any engine that implements the protocol.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from .table import EntityTable
from ..errors import EntityNotFound
from ..models import UNDATED, Entity, FacetValue, Hit, SearchRequest

MAX_NAME_CHARS = 200
# Facet values to count: all of them in practice (months of a century, co-mentions of a
# popular entity), so the page's lists and the timeline are complete.
FACET_SIZE = 10_000


@dataclass(frozen=True)
class EntityProfile:
    """What a page about one entity shows; lists ordered by count, then name (months by time)."""

    entity: Entity
    aliases: tuple[str, ...]
    in_table: bool
    total: int
    months: tuple[FacetValue, ...]
    outlets: tuple[FacetValue, ...]
    unknown_outlet: int
    related: tuple[FacetValue, ...]
    articles: tuple[Hit, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity.to_dict(), "aliases": list(self.aliases),
            "in_table": self.in_table, "total": self.total,
            "timeline": [{"month": v.value, "count": v.count} for v in self.months],
            "outlets": [{"name": v.value, "count": v.count} for v in self.outlets],
            "unknown_outlet": self.unknown_outlet,
            "related": [{"name": v.value, "type": v.type, "count": v.count} for v in self.related],
            "articles": [hit.to_dict() for hit in self.articles],
        }


def build_profile(engine, table: EntityTable, name: str, *, articles: int = 10,
                  related: int = 50, outlets: int = 50) -> EntityProfile:
    """Return the profile of the entity ``name`` (canonical name or alias, any case).

    An entity in the table has a profile even when no article names it yet; a name the table
    does not know has one only if indexed articles carry it (records may bring their own).

    Raises:
        EntityNotFound: neither the table nor the index knows the name; the message suggests
            close names from the table.
    """
    name = " ".join(str(name).split())
    if not name or len(name) > MAX_NAME_CHARS:
        raise EntityNotFound(_not_found_message(name[:MAX_NAME_CHARS], ()), ())
    known = table.resolve(name)
    request = SearchRequest(entities=(known.name if known else name,), sort="newest",
                            per_page=articles, facet_size=FACET_SIZE, disjunctive_facets=False)
    results = engine.search(request)
    selected = [v for v in results.facets.get("entity", ()) if v.selected and v.count]
    if known is None and not selected:
        close = close_names(table, name)
        raise EntityNotFound(_not_found_message(name, close), close)
    if known is not None:
        entity = known
    else:  # the index's own spelling and type of the name
        top = max(selected, key=lambda v: v.count)
        entity = Entity(top.value, top.type or "other")
    chosen = {v.value.casefold() for v in selected} | {entity.name.casefold()}
    outlet_values = tuple(v for v in results.facets.get("outlet", ()) if v.count)
    months = sorted((v for v in results.facets.get("month", ()) if v.count),
                    key=lambda v: (v.value == UNDATED, v.value))
    return EntityProfile(
        entity=entity, aliases=table.aliases(entity.name) if known else (),
        in_table=known is not None, total=results.total, months=tuple(months),
        outlets=outlet_values[:outlets],
        unknown_outlet=results.total - sum(v.count for v in outlet_values),
        related=tuple(v for v in results.facets.get("entity", ())
                      if v.count and v.value.casefold() not in chosen)[:related],
        articles=results.hits)


def close_names(table: EntityTable, name: str, limit: int = 3) -> tuple[str, ...]:
    """Return canonical names of the table whose name or an alias is spelled like ``name``."""
    spellings: dict[str, str] = {}
    for entry in table.entries:
        for spelling in (entry["name"], *entry["aliases"]):
            spellings.setdefault(spelling.casefold(), entry["name"])
    close = difflib.get_close_matches(name.casefold(), list(spellings), n=limit * 3, cutoff=0.75)
    return tuple(dict.fromkeys(spellings[c] for c in close))[:limit]


def _not_found_message(name: str, close: tuple[str, ...]) -> str:
    hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
    return (f"no entity named {name!r} in the entity table or the index{hint} — check the "
            "spelling or pick one from the search page's entity filters; "
            "`newsfacet entities add` adds a new one")


__all__ = ["EntityProfile", "build_profile", "close_names"]
