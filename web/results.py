"""Running a search for the pages and the API: the engine's results, with a did-you-mean."""

from __future__ import annotations

from dataclasses import replace

from search.entities.filter import search_checked
from search.models import SearchRequest, SearchResults

from . import state


def run_search(search_request: SearchRequest) -> SearchResults:
    """Return the engine's results with a did-you-mean suggestion for unknown words; raise
    UnknownEntity for an entity filter that names no entity."""
    engine = state.engine()
    results = search_checked(engine, state.entity_table(), search_request)
    if search_request.query:
        suggestion = engine.suggest(search_request.query)
        if suggestion:
            results = replace(results, suggestion=suggestion)
    return results
