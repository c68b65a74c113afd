"""Entity filters checked against what exists.

A filter on a name that is neither an entity of the index (a value of its entity facet) nor a
name or alias of the entity table would match nothing, silently; it is refused instead with an
``UnknownEntity`` error naming close spellings from both ("no entity 'Brazilx'; did you mean
Brazil?"). A name the table knows is accepted even when no article names it yet.

The check costs nothing when the search itself counted the name (its entity facet lists each
selected value with its count); otherwise one search filtered to the doubtful names counts them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from ..errors import UnknownEntity
from ..models import SearchRequest, SearchResults
from .table import EntityTable

MAX_SUGGESTIONS = 3
# Unknown names given close names and listed in the message; a request naming more (a
# script's mistake, or an attack on the spelling search) gets the first ones only.
MAX_NAMES = 5
# The closeness entity pages' 404 uses for "did you mean" (entity_profile.close_names).
CLOSE_CUTOFF = 0.75


def search_checked(engine, table: EntityTable, request: SearchRequest) -> SearchResults:
    """Return the engine's results for ``request``; raise UnknownEntity if an entity filter
    names no entity of the index or the table."""
    results = engine.search(request)
    if request.entities:
        counted = {v.value.casefold(): v.count for v in results.facets.get("entity", ())
                   if v.selected}
        check_entities(engine, table, request.entities, counted)
    return results


def check_entities(engine, table: EntityTable, names: Iterable[str],
                   counted: Mapping[str, int] | None = None) -> None:
    """Raise UnknownEntity naming each of ``names`` that is no entity, with close names.

    ``counted`` holds article counts of names by casefolded name (a search's entity facet);
    a name counted there is known without asking the engine again. ``engine`` None means
    there is no index yet: only the table knows names then.
    """
    unknown = unknown_entities(engine, table, names, counted)
    if not unknown:
        return
    spellings = known_spellings(engine, table)
    suggestions = {name: close_entities(spellings, name) if i < MAX_NAMES else ()
                   for i, name in enumerate(unknown)}
    raise UnknownEntity(unknown_entity_message(suggestions), suggestions)


def unknown_entities(engine, table: EntityTable, names: Iterable[str],
                     counted: Mapping[str, int] | None = None) -> tuple[str, ...]:
    """Return the names that neither the table resolves nor any indexed article carries
    (``engine`` None: there is no index yet)."""
    doubtful = [name for name in dict.fromkeys(names)
                if table.resolve(name) is None and not (counted or {}).get(name.casefold())]
    if not doubtful or engine is None:
        return tuple(doubtful)
    # One search filtered to the doubtful names, its entity facet counting within them: each
    # name an article carries is a selected value with a count.
    probe = SearchRequest(entities=tuple(doubtful), per_page=1, with_snippets=False,
                          disjunctive_facets=False, facet_size=1)
    indexed = {v.value.casefold() for v in engine.search(probe).facets.get("entity", ())
               if v.selected and v.count}
    return tuple(name for name in doubtful if name.casefold() not in indexed)


def known_spellings(engine, table: EntityTable) -> dict[str, str]:
    """Return every spelling a filter may use (casefolded) with the name it stands for: the
    table's names and aliases, and the index's entity values."""
    spellings: dict[str, str] = {}
    for entry in table.entries:
        for spelling in (entry["name"], *entry["aliases"], *entry.get("case_sensitive", ())):
            spellings.setdefault(spelling.casefold(), entry["name"])
    for value in engine.stats().facets.get("entity", ()) if engine is not None else ():
        spellings.setdefault(value.value.casefold(), value.value)
    return spellings


def close_entities(spellings: Mapping[str, str], name: str,
                   limit: int = MAX_SUGGESTIONS) -> tuple[str, ...]:
    """Return up to ``limit`` names whose spelling is close to ``name``, closest first."""
    close = difflib.get_close_matches(name.casefold(), list(spellings), n=limit * 3,
                                      cutoff=CLOSE_CUTOFF)
    return tuple(dict.fromkeys(spellings[c] for c in close))[:limit]


def unknown_entity_message(suggestions: Mapping[str, tuple[str, ...]]) -> str:
    """Return the error line for unknown names ("no entity 'Brazilx'; did you mean Brazil?"),
    saying what to do for a name with no close one."""
    def guess(close: tuple[str, ...]) -> str:
        return f"did you mean {' or '.join(close)}?"

    if len(suggestions) == 1:
        [(name, close)] = suggestions.items()
        text = f"no entity {name!r}" + (f"; {guess(close)}" if close else "")
    else:
        listed = list(suggestions.items())[:MAX_NAMES]
        text = "no entities " + ", ".join(f"{name!r}" + (f" ({guess(close)})" if close else "")
                                         for name, close in listed)
        if len(suggestions) > MAX_NAMES:
            text += f" and {len(suggestions) - MAX_NAMES} more"
    if all(suggestions.values()):
        return text
    return (text + " in the index or the entity table — check the spelling (`newsfacet stats` "
            "lists the indexed entities), or add a name with `newsfacet entities add NAME "
            "--type TYPE` and index again")


__all__ = ["check_entities", "close_entities", "known_spellings", "search_checked",
           "unknown_entities", "unknown_entity_message"]
