"""Dataclasses that cross module boundaries: articles in, search results out."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from .facets import FACETS, UNDATED

ENTITY_TYPES = ("group", "person", "org", "place")
SORT_ORDERS = ("relevance", "newest", "oldest")
# How several selected entities combine: articles naming any of them, or every one of them.
ENTITY_MATCHES = ("any", "all")
# The type of an entity nothing else types: a record names it without a type the table,
# the record or the recogniser can give.
OTHER_TYPE = "other"


@dataclass(frozen=True)
class Entity:
    """A canonical entity found in an article."""

    name: str
    type: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "type": self.type}


@dataclass(frozen=True)
class Article:
    """A cleaned article with its metadata, ready to be indexed.

    ``date`` is the publication date, or None when no place that states it was found;
    ``*_source`` fields say where a value came from (e.g. ``"html-meta"``, ``"dateline"``).
    """

    id: str
    source: str
    body: str
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    author: str | None = None
    date: dt.date | None = None
    date_source: str | None = None
    title_source: str | None = None
    outlet_source: str | None = None
    language: str | None = None
    entities: tuple[Entity, ...] = ()
    content_hash: str = ""
    crawl_date: str | None = None
    agency: str | None = None
    story: str | None = None
    agency_source: str | None = None

    @property
    def year(self) -> str:
        return str(self.date.year) if self.date else UNDATED

    @property
    def month(self) -> str:
        return self.date.strftime("%Y-%m") if self.date else UNDATED

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["date"] = self.date.isoformat() if self.date else None
        data["entities"] = [e.to_dict() for e in self.entities]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        values = dict(data)
        values["date"] = dt.date.fromisoformat(data["date"]) if data.get("date") else None
        values["entities"] = tuple(Entity(**e) for e in data.get("entities") or ())
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in values.items() if k in known})


@dataclass(frozen=True)
class SearchRequest:
    """An engine-neutral search: text query, facet selections, dates, order and page.

    Repeated values of one filter are OR'ed; different filters are AND'ed. ``years`` and
    ``months`` hold facet values, including ``"undated"``. Each facet of ``search.facets``
    names the field holding its selection.
    """

    query: str = ""
    entities: tuple[str, ...] = ()
    outlets: tuple[str, ...] = ()
    years: tuple[str, ...] = ()
    months: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    with_facets: bool = True
    with_snippets: bool = True
    facet_size: int | None = None  # most values per facet (selected ones always shown)
    # False: each facet's counts also respect that facet's own selection, so with one entity
    # selected the entity facet counts co-mentions (entity pages); True: the sidebar's counts.
    disjunctive_facets: bool = True
    agencies: tuple[str, ...] = ()
    collapse: bool = False  # one hit per story (syndicated copies folded into the first)
    ids: tuple[str, ...] = ()  # only these articles (empty: all); saved searches over new ones
    # "all": articles naming every selected entity, and the entity facet counts within them.
    entity_match: str = "any"

    @property
    def filters(self) -> dict[str, tuple[str, ...]]:
        """The facet selections by facet name, as in URLs and JSON."""
        return {facet.name: getattr(self, facet.field) for facet in FACETS}

    @property
    def all_entities(self) -> bool:
        """Whether the selected entities are AND'ed (articles naming every one of them)."""
        return self.entity_match == "all" and bool(self.entities)

    def disjunctive(self, name: str) -> bool:
        """Whether a facet's counts ignore that facet's own selection (the sidebar's OR'ed
        values); with "all of" the entity facet counts within the intersection instead."""
        return self.disjunctive_facets and not (name == "entity" and self.all_entities)


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet with the number of matching articles that carry it."""

    value: str
    count: int
    selected: bool = False
    type: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"value": self.value}
        if self.type is not None:
            data["type"] = self.type
        data.update(count=self.count, selected=self.selected)
        return data


@dataclass(frozen=True)
class StoryCopy:
    """Another indexed copy of a hit's story: where else it ran."""

    id: str
    source: str
    outlet: str | None
    title: str | None
    date: dt.date | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "source": self.source, "outlet": self.outlet, "title": self.title,
                "date": self.date.isoformat() if self.date else None}


@dataclass(frozen=True)
class Hit:
    """One search result: the article's display fields, its score and an HTML-safe snippet."""

    id: str
    source: str
    title: str | None
    outlet: str | None
    date: dt.date | None
    entities: tuple[Entity, ...]
    score: float | None
    snippet: str
    url: str | None = None
    crawl_date: str | None = None
    agency: str | None = None
    story: str | None = None
    copies: int | None = None
    also_in: tuple[StoryCopy, ...] = ()  # the story's other copies (at most 20)
    headline_only: bool = False  # a record with a title and no text (a wire brief)

    def also_in_labels(self) -> list[str]:
        """Return the outlets of the other copies, once each ("Reuters (2)" for two)."""
        counts: dict[str, int] = {}
        for copy in self.also_in:
            name = copy.outlet or "unknown outlet"
            counts[name] = counts.get(name, 0) + 1
        return [name if n == 1 else f"{name} ({n})" for name, n in counts.items()]

    @classmethod
    def from_article(cls, article: Article, score: float | None, snippet: str) -> Hit:
        """Return the hit showing an article, with its score and snippet."""
        return cls(id=article.id, source=article.source, url=article.url, title=article.title,
                   outlet=article.outlet, date=article.date, entities=article.entities,
                   score=score, snippet=snippet, crawl_date=article.crawl_date,
                   agency=article.agency, story=article.story,
                   headline_only=not article.body.strip())

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "source": self.source, "url": self.url, "title": self.title,
            "outlet": self.outlet, "date": self.date.isoformat() if self.date else None,
            "entities": [e.to_dict() for e in self.entities],
            "score": None if self.score is None else round(self.score, 4),
            "snippet": self.snippet, "crawl_date": self.crawl_date, "agency": self.agency,
            "story": self.story, "copies": self.copies,
            "also_in": [c.to_dict() for c in self.also_in],
            "headline_only": self.headline_only,
        }


@dataclass(frozen=True)
class Matching:
    """How a query of plain words (no operators, quotes or fields) was matched.

    ``relaxed`` is True when fewer than ``bm25f.MIN_FULL_MATCHES`` (10) articles (after
    filters) hold every word: then the results are the articles holding any of the query's
    telling words, those with every word first, then by BM25F, which weighs each word by its
    rarity. ``searched`` is set when the query had more words than ``max_query_words``
    (a pasted paragraph): only that many of its rarest words were searched, and
    ``with_all_words`` counts the articles holding all of those.
    """

    words: int
    with_all_words: int
    relaxed: bool
    searched: int | None = None

    @property
    def message(self) -> str | None:
        """Return the sentence that tells the reader, or None when every word is required."""
        if self.searched is not None:
            return self._long_message()
        if not self.relaxed:
            return None
        if not self.with_all_words:
            return f"no article has all {self.words} words; showing those with most of them"
        if self.with_all_words == 1:
            return (f"only 1 article has all {self.words} words; showing it first, then those "
                    "with most of them")
        return (f"only {self.with_all_words} articles have all {self.words} words; showing "
                "them first, then those with most of them")

    def _long_message(self) -> str:
        head = f"a long query: searched its {self.searched} rarest words of {self.words}"
        if not self.relaxed:
            return head
        if not self.with_all_words:
            return f"{head}; no article has all of them, showing those with most of them"
        held = ("1 article has" if self.with_all_words == 1
                else f"{self.with_all_words} articles have")
        return f"{head}; {held} all of them, shown first, then those with most of them"

    def to_dict(self) -> dict[str, Any]:
        return {"strategy": "most" if self.relaxed else "all", "words": self.words,
                "with_all_words": self.with_all_words, "searched_words": self.searched,
                "message": self.message}


@dataclass(frozen=True)
class SearchResults:
    """A page of hits, the total, facet counts over every match, and notes for the user."""

    request: SearchRequest
    total: int
    hits: tuple[Hit, ...]
    facets: dict[str, tuple[FacetValue, ...]] = field(default_factory=dict)
    messages: tuple[str, ...] = ()
    suggestion: str | None = None
    articles: int | None = None  # matching articles; differs from total when collapsed
    matching: Matching | None = None  # None: not a query of plain words

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.per_page))

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "query": self.request.query, "total": self.total, "page": self.request.page,
            "per_page": self.request.per_page, "hits": [h.to_dict() for h in self.hits],
            "facets": {name: [v.to_dict() for v in values] for name, values in self.facets.items()},
            # Collapsed: total counts stories (one hit each); facet counts still count articles.
            "collapse": self.request.collapse,
            "articles": self.total if self.articles is None else self.articles,
            "matching": self.matching.to_dict() if self.matching else None,
            "entity_match": self.request.entity_match,
        }
        if self.messages:
            data["messages"] = list(self.messages)
        if self.suggestion:
            data["suggestion"] = self.suggestion
        return data


@dataclass(frozen=True)
class IndexStats:
    """What an index holds: article count, facet value counts, size and last update."""

    articles: int
    facets: dict[str, tuple[FacetValue, ...]]
    size_bytes: int
    last_update: str | None
    location: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "articles": self.articles, "location": self.location,
            "size_bytes": self.size_bytes, "last_update": self.last_update,
            "facets": {name: [v.to_dict() for v in values] for name, values in self.facets.items()},
        }
