"""Our query language (Whoosh's syntax) translated to a Typesense ``q`` and ``query_by``.

The query is parsed by the very parser the Whoosh engine uses (``analysis.parse_query``), so both
engines read a query the same way (words stemmed by the same analyzer, phrases, fields, NOT).
Typesense's ``q`` can say: all these words and phrases, minus these (``-word``, ``-"a phrase"``), in
these fields. What it cannot say is refused with a QueryError naming the construct, never dropped:
OR, wildcards, fuzzy terms, ranges, NOT over a group, and a field restriction on only part of
the query.

Texts are indexed as their stems (``title_stems``, ``body_stems``), so a stemmed query word
matches exactly what it matches in Whoosh.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from whoosh import query

from ...errors import QueryError
from ...query import SEARCH_FIELDS
from ..analysis import parse_query

if TYPE_CHECKING:
    from .relaxed import Relaxed

STEM_FIELDS = {"title": "title_stems", "body": "body_stems"}
ON_TYPESENSE = "is not supported on the Typesense engine"
# Matching exactly what the query says: no typos, no prefixes, no words dropped for more hits.
EXACT = {"num_typos": 0, "prefix": "false", "drop_tokens_threshold": 0,
         "typo_tokens_threshold": 0}


@dataclass(frozen=True)
class Clause:
    """One word or phrase (as stems), the fields it may match in, and whether it excludes."""

    words: tuple[str, ...]
    fields: frozenset[str]
    negated: bool = False

    def text(self) -> str:
        body = " ".join(self.words) if len(self.words) == 1 else '"' + " ".join(self.words) + '"'
        return ("-" if self.negated else "") + body


@dataclass(frozen=True)
class TypesenseQuery:
    """A translated query: ``q``, the fields to search, and the terms to mark in snippets;
    ``relaxed`` when a query of plain words matches most of its words (``relaxed``)."""

    q: str
    fields: tuple[str, ...]
    clauses: tuple[Clause, ...]
    relaxed: Relaxed | None = None

    @property
    def is_every(self) -> bool:
        return self.q == "*"

    @property
    def terms(self) -> frozenset[str]:
        """Every stem the query names (as Whoosh marks them: negated ones too)."""
        return frozenset(w for c in self.clauses for w in c.words)

    @property
    def positive(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if not c.negated)

    @property
    def query_by(self) -> str:
        return ",".join(STEM_FIELDS[f] for f in self.fields)


EVERY = TypesenseQuery("*", SEARCH_FIELDS, ())


def quoted(value: str) -> str:
    """Return a value as a literal of a ``filter_by`` clause; raise QueryError if it cannot be."""
    if "`" in value:
        raise QueryError(f"filter values with a backtick ({value[:40]!r}) cannot be sent to "
                         "Typesense: leave the backtick out")
    return f"`{value}`"


def translate(text: str) -> TypesenseQuery:
    """Return the Typesense form of a query; raise QueryError for what it cannot express."""
    if not text.strip():
        return EVERY
    parsed = parse_query(text)
    if isinstance(parsed, query.Every):
        return EVERY
    clauses = _clauses(parsed)
    positive = [c for c in clauses if not c.negated]
    if not positive:
        raise QueryError("a query of only NOT words " + ON_TYPESENSE +
                         ": add a word to search for (e.g. oil NOT bank)")
    scopes = {c.fields for c in clauses}
    if len(scopes) > 1:
        raise QueryError("restricting only part of the query to a field (title:word next to "
                         "plain words) " + ON_TYPESENSE + ": restrict every word or none")
    scope = scopes.pop()
    fields = tuple(f for f in SEARCH_FIELDS if f in scope)
    return TypesenseQuery(" ".join(c.text() for c in clauses), fields, tuple(clauses))


def _clauses(q) -> list[Clause]:
    if isinstance(q, query.Term):
        return [Clause((_text(q.text),), frozenset([q.fieldname]))]
    if isinstance(q, query.Phrase):
        return [Clause(tuple(_text(w) for w in q.words), frozenset([q.fieldname]))]
    if isinstance(q, query.And):
        return [c for child in q.children() for c in _clauses(child)]
    if isinstance(q, query.AndNot):
        return _clauses(q.a) + _negated(q.b)
    if isinstance(q, query.Not):
        return _negated(q.query)
    if isinstance(q, query.Or):
        return _same_in_fields(q)
    raise QueryError(_unsupported(q))


def _same_in_fields(q) -> list[Clause]:
    """An Or that only repeats one clause list over several fields (how the parser searches
    title and body) becomes that list with the fields joined; any other Or is refused."""
    lists = [_clauses(child) for child in q.children()]
    first = lists[0]
    key = [(c.words, c.negated) for c in first]
    if any([(c.words, c.negated) for c in other] != key for other in lists[1:]):
        raise QueryError("OR " + ON_TYPESENSE + ": search the words separately, or use the "
                         "whoosh engine (Typesense's query finds articles with every word)")
    fields = frozenset().union(*(c.fields for other in lists for c in other))
    return [Clause(c.words, fields, c.negated) for c in first]


def _negated(q) -> list[Clause]:
    inner = _clauses(q)
    if len(inner) != 1 or inner[0].negated:
        raise QueryError("NOT before a group of words " + ON_TYPESENSE +
                         ": put NOT before each word or \"phrase\" to leave out")
    c = inner[0]
    return [Clause(c.words, c.fields, True)]


def _unsupported(q) -> str:
    if isinstance(q, query.FuzzyTerm):
        return "fuzzy terms (word~) " + ON_TYPESENSE + ": spell the word out"
    if isinstance(q, (query.Prefix, query.Wildcard)):
        return "wildcards (word*, w?rd) " + ON_TYPESENSE + ": spell the word out"
    if isinstance(q, query.AndMaybe):
        return "ANDMAYBE " + ON_TYPESENSE + ": use AND, or leave the optional word out"
    if isinstance(q, query.RangeMixin):
        return "ranges ([a TO b]) " + ON_TYPESENSE
    return f"this query ({type(q).__name__}) " + ON_TYPESENSE


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
