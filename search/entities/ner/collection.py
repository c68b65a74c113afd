"""Collection-level evidence for recognised names, applied batch by batch while indexing.

Two rules, for names the recogniser found (table entities are never touched):

- One name keeps one type across the collection: the type that at least two thirds of its
  articles gave it. A name without such a majority (a city and its baseball club, "Chicago")
  keeps the type each article gives it.
- A one-word name that is the surname of one dominant full person name seen in the
  collection becomes that person ("Reagan" -> "Ronald Reagan" once "Ronald Reagan" is seen
  in at least two articles and three times as many as any other "... Reagan").

Articles arrive in input order whatever the number of workers, and each batch is resolved
with the evidence of every article up to the end of that batch, so the result does not
depend on the number of workers.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace

from ...models import Article, Entity
from ..table import EntityTable

# A full name must be seen in this many articles before its surname alone is linked to it.
MIN_FULL_NAME_ARTICLES = 2
# ... and in this many times the articles of any other full name with that surname (a stray
# "Friday Reagan" does not stop "Reagan" joining "Ronald Reagan"; James and Kenneth Baker,
# each in many articles, leave "Baker" alone).
DOMINANCE = 3
RECOGNISED_TYPES = ("person", "org", "place")


class CollectionNames:
    """Type votes and full person names of the recognised names of one indexing run."""

    def __init__(self, table: EntityTable) -> None:
        self.table = table
        self.votes: dict[str, Counter[str]] = defaultdict(Counter)
        self.full_names: dict[str, Counter[str]] = defaultdict(Counter)  # surname -> full names
        self._in_table: dict[str, bool] = {}

    def _recognised(self, entity: Entity) -> bool:
        if entity.type not in RECOGNISED_TYPES:
            return False
        known = self._in_table.get(entity.name)
        if known is None:
            if len(self._in_table) > 200_000:
                self._in_table.clear()
            known = self._in_table[entity.name] = self.table.resolve(entity.name) is not None
        return not known

    def observe(self, article: Article) -> None:
        """Count the types and full person names of one article's recognised names."""
        for entity in article.entities:
            if not self._recognised(entity):
                continue
            self.votes[entity.name][entity.type] += 1
            words = entity.name.split()
            if entity.type == "person" and len(words) > 1 and words[-1][:1].isupper():
                self.full_names[words[-1]][entity.name] += 1

    def resolve(self, articles: list[Article]) -> list[Article]:
        """Return the articles with their recognised names typed and joined by the evidence."""
        out = []
        for article in articles:
            entities = tuple(dict.fromkeys(self._entity(e) for e in article.entities))
            out.append(article if entities == article.entities else
                       replace(article, entities=entities))
        return out

    def _entity(self, entity: Entity) -> Entity:
        if not self._recognised(entity):
            return entity
        votes = self.votes.get(entity.name)
        kind = entity.type
        if votes:
            top, count = votes.most_common(1)[0]
            if count > votes[kind] and count * 3 >= sum(votes.values()) * 2:
                kind = top
        if " " not in entity.name and kind in ("person", "org", "place"):
            full = self.full_names.get(entity.name)
            if full and votes and votes.get("person", 0) * 2 >= sum(votes.values()):
                ranked = full.most_common(2)
                name, seen = ranked[0]
                runner_up = ranked[1][1] if len(ranked) > 1 else 0
                if seen >= MIN_FULL_NAME_ARTICLES and seen >= DOMINANCE * runner_up:
                    return self.table.resolve(name) or Entity(name, "person")
        return Entity(entity.name, kind)
