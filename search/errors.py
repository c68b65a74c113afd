"""The exception family of newsfacet.

    SearchError                    base class: every error the core raises on purpose
    ├── ConfigError                a bad setting or option value (lists the valid choices)
    ├── InputError                 a file, folder or record that cannot be read or used
    ├── EntityTableError           the entity table is missing or malformed
    ├── QueryError                 a query or filter the user must fix (bad syntax, bad date)
    │   └── UnknownEntity          an entity filter naming no entity of the index or the table
    ├── IndexMissing               no index at the given place (run `newsfacet index` first)
    ├── IndexCorrupt               an index that exists but cannot be opened or read
    ├── ArticleNotFound            no article with the given id
    ├── EntityNotFound             no entity of that name in the table or the index
    ├── EngineUnavailable          a search server that cannot be reached or refuses us
    └── IndexBusy                  another indexing run is writing to the index

The core raises these and never prints or exits; the CLI turns them into one ``Error:`` line
and exit code 1, the web front end into a 4xx/503 page.
"""

from __future__ import annotations


class SearchError(Exception):
    """Base class of all newsfacet errors; the message says what to do next."""


class ConfigError(SearchError):
    """A setting or option has a value we cannot use."""


class InputError(SearchError):
    """A file, folder or record cannot be read or used."""


class EntityTableError(SearchError):
    """The entity table is missing or malformed."""


class QueryError(SearchError):
    """A query or filter value that the user must correct."""


class UnknownEntity(QueryError):
    """An entity filter names something that is neither an entity in the index nor a name or
    alias in the entity table; ``suggestions`` maps each such name to close known names."""

    def __init__(self, message: str, suggestions: dict[str, tuple[str, ...]]) -> None:
        super().__init__(message)
        self.suggestions = suggestions

    @property
    def names(self) -> tuple[str, ...]:
        """The unknown names, as given."""
        return tuple(self.suggestions)


class IndexMissing(SearchError):
    """No index exists at the given place."""


class IndexCorrupt(SearchError):
    """An index exists but cannot be opened or read."""


class ArticleNotFound(SearchError):
    """No article has the given id."""


class EngineUnavailable(SearchError):
    """A search server cannot be reached or refuses our credentials."""


class IndexBusy(SearchError):
    """Another process holds the index's write lock for longer than we wait."""


class EntityNotFound(SearchError):
    """Neither the entity table nor the index knows an entity name."""

    def __init__(self, message: str, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.suggestions = suggestions


# The HTTP status of each kind of error (the web front end answers with it; the CLI's --json
# error object carries it too, so both describe an error the same way).
HTTP_STATUS: dict[type[SearchError], int] = {
    QueryError: 400, ConfigError: 400, ArticleNotFound: 404, EntityNotFound: 404,
    IndexMissing: 503, IndexCorrupt: 503, EngineUnavailable: 503, EntityTableError: 503}


def status_of(exc: SearchError) -> int:
    """Return the HTTP status that stands for ``exc`` (400 for a kind not listed)."""
    for kind, status in HTTP_STATUS.items():
        if isinstance(exc, kind):
            return status
    return 400


def error_details(exc: SearchError) -> dict:
    """Return what an error object adds to status, title and message: close names for unknown
    entities, by name as given."""
    if isinstance(exc, UnknownEntity):
        return {"unknown_entities": [{"name": name, "suggestions": list(close)}
                                     for name, close in exc.suggestions.items()]}
    return {}


def error_object(exc: SearchError) -> dict:
    """Return ``{"error": {"status", "title", "message", …}}``, the JSON shape of an error in
    the web API and in the CLI's ``--json`` output."""
    return {"error": {"status": status_of(exc), "title": type(exc).__name__, "message": str(exc),
                      **error_details(exc)}}
