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
    └── EngineUnavailable          a search server that cannot be reached or refuses us

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


class EntityNotFound(SearchError):
    """Neither the entity table nor the index knows an entity name."""

    def __init__(self, message: str, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.suggestions = suggestions
