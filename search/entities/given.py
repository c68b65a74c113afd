"""Entities a record lists itself (the ``entities`` field of a .jsonl line), kept and typed.

Each item is a plain name (``"reagan"``) or an object with a name and optionally a type
(``{"name": "Reagan", "type": "person"}``). Every usable name is kept; its type is, in order:

1. the entity table's, when the name or an alias is in the table (the table is the
   authority: its canonical name is used too);
2. the record's own type, when it gives one (common spellings such as "organization", "PER",
   "GPE" or "location" read as the table's types; another plain word is kept as it is);
3. the type of the same name found in the article's text (recognised or matched);
4. ``other``.

A name the text gave (same name, any case) is spelled as the text's entity: "reagan" joins
"Reagan" found in the article. Otherwise the record's spelling is kept here, also in lower
case; indexing then gives each name one spelling across the collection
(``ner.collection.CollectionNames``: "canada" becomes the "Canada" other articles write).
Names are facet values, so "," and "|" (the index's separators) become spaces, and a name
longer than 200 characters is dropped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence

from ..models import ENTITY_TYPES, OTHER_TYPE, Entity
from .table import NAME_FORBIDDEN, EntityTable

logger = logging.getLogger(__name__)

MAX_NAME_CHARS = 200  # the longest filter value a search accepts (query._clean_values)
# How records commonly spell the table's types (spaCy/CoNLL labels, plural and British forms).
TYPE_SYNONYMS = {
    "person": "person", "persons": "person", "people": "person", "per": "person",
    "org": "org", "orgs": "org", "organization": "org", "organisation": "org",
    "organizations": "org", "organisations": "org", "company": "org",
    "place": "place", "places": "place", "loc": "place", "location": "place", "gpe": "place",
    "country": "place", "city": "place",
    "group": "group", "groups": "group", "armed group": "group", "armed-group": "group",
    "militia": "group",
}
_PLAIN_TYPE = re.compile(r"^[a-z][a-z0-9_-]{0,29}$")


def given_entities(items: Iterable[object], table: EntityTable,
                   found: Sequence[Entity] = ()) -> tuple[Entity, ...]:
    """Return the entities a record lists, typed as the module docstring says.

    ``found`` are the entities found in the article's text.
    """
    by_name = {e.name.casefold(): e for e in found}
    out = []
    for item in items or ():
        name, kind = _read_item(item)
        if name is None:
            continue
        known = table.resolve(name)
        if known is not None:
            out.append(known)
            continue
        seen = by_name.get(name.casefold())
        if seen is not None and kind is None:
            out.append(seen)
            continue
        out.append(Entity(seen.name if seen else name, kind or OTHER_TYPE))
    return tuple(dict.fromkeys(out))


def entity_type(value: object) -> str | None:
    """Return a record's type as ours: a table type, a synonym of one, another plain word, or
    None when there is no usable type."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.split()).lower()
    if not text:
        return None
    if text in ENTITY_TYPES or text == OTHER_TYPE:
        return text
    if text in TYPE_SYNONYMS:
        return TYPE_SYNONYMS[text]
    return text if _PLAIN_TYPE.match(text) else None


def _read_item(item: object) -> tuple[str | None, str | None]:
    """Return the name and type of one item, or (None, None) for one that cannot be used."""
    name: object
    kind: str | None = None
    if isinstance(item, str):
        name = item
    elif isinstance(item, dict):
        name, kind = item.get("name"), entity_type(item.get("type"))
    else:
        return None, None
    if not isinstance(name, str):
        return None, None
    for char in NAME_FORBIDDEN:
        name = name.replace(char, " ")
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME_CHARS:
        if name:
            logger.debug("record entity dropped: longer than %d characters", MAX_NAME_CHARS)
        return None, None
    return name, kind


__all__ = ["given_entities", "entity_type"]
