"""Collection-level evidence for recognised names, applied batch by batch while indexing.

Three rules, for names the recogniser found or a record gave (table entities stay as they
are):

- One name has one spelling across the collection: "Canada" in the text, "canada" in a
  record's list and "CANADA" in a headline are one facet value, so are "M-3" and "M3", and
  a name that is the table's but for case, accents or punctuation becomes the table's entity.
  Names are compared as Typesense counts facet values (``facet_key``: case, accents and
  punctuation left out, spaces kept); Whoosh counts each spelling apart, so several
  spellings would also make the engines disagree. The spelling is the most frequent good
  one: mixed case ("Canada", "McDonald") or an acronym ("OPEC", not the "Opec" some articles
  write) before several words in capitals, lower case last. Once a spelling is written to
  the index it stays, and the index's own spellings are read back at the start of a run
  that adds to it.
- One name keeps one type across the collection: the type that at least two thirds of its
  articles gave it. A name without such a majority (a city and its baseball club, "Chicago")
  keeps the type each article gives it. A name a record gave without a type (``other``)
  takes the recognised type the collection agrees on.
- A one-word name that is the surname of one dominant full person name seen in the
  collection becomes that person ("Reagan" -> "Ronald Reagan" once "Ronald Reagan" is seen
  in at least two articles and three times as many as any other "... Reagan").

Articles arrive in input order whatever the number of workers, and each batch is resolved
with the evidence of every article up to the end of that batch, so the result does not
depend on the number of workers.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache

from ...models import OTHER_TYPE, Article, Entity, FacetValue
from ..table import EntityTable

# A full name must be seen in this many articles before its surname alone is linked to it.
MIN_FULL_NAME_ARTICLES = 2
# ... and in this many times the articles of any other full name with that surname (a stray
# "Friday Reagan" does not stop "Reagan" joining "Ronald Reagan"; James and Kenneth Baker,
# each in many articles, leave "Baker" alone).
DOMINANCE = 3
RECOGNISED_TYPES = ("person", "org", "place")
IN_TABLE_CACHE = 200_000


@lru_cache(maxsize=100_000)
def facet_key(name: str) -> str:
    """Return the form under which Typesense (0.24) counts a facet value: accents dropped,
    lower case, only letters, digits and single spaces ("M-3" and "m3", "São Paulo" and
    "Sao Paulo" are one value; "Al-Ahram" and "Al Ahram" are not)."""
    if name.isascii():
        folded = name.lower()
    else:
        folded = "".join(c for c in unicodedata.normalize("NFKD", name)
                         if not unicodedata.combining(c)).casefold()
    return " ".join("".join(c for c in folded if c.isalnum() or c.isspace()).split())


def spelling_rank(name: str) -> int:
    """Return how good a spelling of a facet value is: 0 mixed case or one word in capitals
    (an acronym: "OPEC"), 1 several words in capitals (a headline's "ZORBLAT CORP"), 2 lower
    case (a record's "canada")."""
    if name.islower():
        return 2
    if name.isupper() and " " in name:
        return 1
    return 0


class CollectionNames:
    """Type votes, spellings and full person names of the recognised names of one indexing run."""

    def __init__(self, table: EntityTable) -> None:
        self.table = table
        self.votes: dict[str, Counter[str]] = defaultdict(Counter)  # facet_key -> types
        self.full_names: dict[str, Counter[str]] = defaultdict(Counter)  # surname -> full names
        self.spellings: dict[str, Counter[str]] = defaultdict(Counter)
        self.written: dict[str, str] = {}  # facet_key -> the spelling in the index
        self._in_table: dict[str, bool] = {}
        self.table_keys: dict[str, Entity] = {}  # facet_key of a table spelling -> its entity
        for entry in table.entries:
            for given in (entry["name"], *entry.get("aliases", ())):
                known = table.resolve(given)
                if known is not None:
                    self.table_keys.setdefault(facet_key(given), known)

    def _collective(self, entity: Entity) -> bool:
        """Tell whether the entity is no table entity (its spelling is the collection's)."""
        known = self._in_table.get(entity.name)
        if known is None:
            if len(self._in_table) > IN_TABLE_CACHE:
                self._in_table.clear()
            known = self._in_table[entity.name] = self.table.resolve(entity.name) is not None
        return not known

    def _recognised(self, entity: Entity) -> bool:
        """Tell whether the entity's type is one the collection's evidence may change."""
        return (entity.type in RECOGNISED_TYPES or entity.type == OTHER_TYPE) \
            and self._collective(entity)

    def seed(self, values: Iterable[FacetValue]) -> None:
        """Take the spellings and types of the entity facet values already in the index."""
        for value in values:
            entity = Entity(value.value, value.type or OTHER_TYPE)
            if value.count <= 0 or not self._collective(entity):
                continue
            key = facet_key(entity.name)
            self.written.setdefault(key, entity.name)
            if entity.type in RECOGNISED_TYPES:
                self.votes[key][entity.type] += value.count

    def observe(self, article: Article) -> None:
        """Count the types, spellings and full person names of one article's recognised names."""
        for entity in article.entities:
            if not self._collective(entity):
                continue
            key = facet_key(entity.name)
            self.spellings[key][entity.name] += 1
            if entity.type not in RECOGNISED_TYPES:
                continue
            self.votes[key][entity.type] += 1
            words = entity.name.split()
            if entity.type == "person" and len(words) > 1 and words[-1][:1].isupper():
                self.full_names[facet_key(words[-1])][key] += 1

    def resolve(self, articles: list[Article]) -> list[Article]:
        """Return the articles with their recognised names spelled, typed and joined by the
        evidence; the spellings used are kept for the rest of the run."""
        out = []
        for article in articles:
            entities = tuple(dict.fromkeys(self._entity(e) for e in article.entities))
            out.append(article if entities == article.entities else
                       replace(article, entities=entities))
        for article in out:
            for entity in article.entities:
                if self._collective(entity):
                    self.written.setdefault(facet_key(entity.name), entity.name)
        return out

    def spelling(self, key: str) -> str | None:
        """Return the one spelling of a name by its facet_key: the index's, else the best seen."""
        written = self.written.get(key)
        if written is not None:
            return written
        seen = self.spellings.get(key)
        if not seen:
            return None
        # the most frequent good spelling; mixed case on a tie ("Ex-Im" over "EXIM")
        return min(seen, key=lambda s: (spelling_rank(s), -seen[s], s.isupper(), s))

    def _entity(self, entity: Entity) -> Entity:
        if not self._collective(entity):
            return entity
        key = facet_key(entity.name)
        known = self.table_keys.get(key)
        if known is not None:
            return known
        name = self.spelling(key) or entity.name
        if entity.type not in RECOGNISED_TYPES and entity.type != OTHER_TYPE:
            return Entity(name, entity.type)  # a record's own type: kept
        votes = self.votes.get(key)
        kind = entity.type
        if votes:
            top, count = votes.most_common(1)[0]
            if count > votes[kind] and count * 3 >= sum(votes.values()) * 2:
                kind = top
        if " " not in name and kind in RECOGNISED_TYPES:
            full = self.full_names.get(key)
            if full and votes and votes.get("person", 0) * 2 >= sum(votes.values()):
                ranked = full.most_common(2)
                full_key, seen = ranked[0]
                runner_up = ranked[1][1] if len(ranked) > 1 else 0
                if seen >= MIN_FULL_NAME_ARTICLES and seen >= DOMINANCE * runner_up:
                    full_name = self.spelling(full_key) or full_key
                    return self.table.resolve(full_name) or Entity(full_name, "person")
        return Entity(name, kind)
