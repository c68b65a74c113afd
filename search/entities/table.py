"""Entities from clean text, resolved to canonical names and types through the alias table.

The table is a JSON list of canonical entities (the bundled one is ``search/data/entities.json``)::

    [{"name": "Popular Mobilization Forces", "type": "group",
      "aliases": ["PMF", "Popular Mobilisation Forces", "People's Mobilization Forces",
                  "Hashed al-Shaabi", "Hashd al-Shaabi"],
      "case_sensitive": [],
      "note": "why an alias was left out, or anything a maintainer should know"}]

``name`` and ``type`` (one of group, person, org, place) are required; ``aliases``,
``case_sensitive`` and ``note`` are optional. A name cannot contain "," or "|" (it becomes a facet
value). A CSV table has one entity per line, ``name,type,aliases`` with aliases separated by "|",
optionally followed by ``case_sensitive`` (also "|"-separated) and ``note`` columns; a first line
starting with ``name`` is a header, blank lines and lines starting with "#" are skipped::

    name,type,aliases
    Kataib Hezbollah,group,Kata'ib Hizballah|Kataeb Hezbollah|KH

How names are matched in an article's title and body:

- On word boundaries: an alias never matches inside a word ("KH" not in "KHAN", "Iran" not in
  "Iranian"), a ticker ("<AFP>") or a dotted identifier ("UN.A", "www.un.org"). Adjectives
  and demonyms (Iranian, Iraqi, American) are deliberately not aliases of places: a place
  facet names the place, not every Iranian official. "Iran-backed" and "pro-Iran" do give
  Iran, since hyphens count as separators.
- Case-insensitively, except short acronyms (at most 5 characters, no lower-case letter: PMF,
  AAH, KH, ISIS, U.S.), which match only in capitals, and the spellings listed under
  ``case_sensitive`` (e.g. "Trump", never the card-game "trump").
- Typographic apostrophes, dashes, odd spaces and soft hyphens are normalised first, and runs
  of spaces and hyphens are one separator: "al Hashd al Shaabi" matches "al-Hashd al-Shaabi".
  An apostrophe written in an alias is optional in the text: "Kata'ib" matches Kata'ib,
  Kata’ib and Kataib (but "Kataib" in the table does not match "Kata'ib").
- The longest match wins and shorter overlapping ones are dropped, so "Kataib Hezbollah" never
  also gives Hezbollah. Each entity is reported once, in order of first appearance (title first).

All aliases go into two compiled regular expressions (a character trie, one case-folded, one
exact), so matching costs one scan of the text, not one per alias.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import io
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import EntityTableError
from ..models import ENTITY_TYPES, Entity

logger = logging.getLogger(__name__)

BUNDLED_TABLE = Path(__file__).resolve().parents[1] / "data" / "entities.json"
# Entities added with `newsfacet entities add` when no table file is named: kept beside the
# index they were added for, and merged on top of the bundled table wherever it is loaded.
OVERLAY_NAME = "entities.json"
ACRONYM_MAX_LEN = 5
NAME_FORBIDDEN = (",", "|")  # the index stores entities as a comma-separated "type|name" list

_APOSTROPHES = "\u2018\u2019\u201b\u02bb\u02bc\u2032\u00b4`"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
# "İ".lower() is two characters (the only such one); mapping it to "I" keeps a text and its
# lower-cased copy aligned, so matches from both scans can be compared by position.
_TRANSLATION = str.maketrans({**dict.fromkeys(_APOSTROPHES, "'"), **dict.fromkeys(_DASHES, "-"),
                              **dict.fromkeys(_INVISIBLE, None), "\u0130": "I"})
# Word boundaries, also refusing tickers and identifiers: "<AFP>" and "<UN.A>" in Reuters
# headlines, "www.un.org". The left edge is checked apart (see _Matcher.candidates).
_LEFT_EDGE = re.compile(r"(?<![\w<])(?<!\w\.)")
_RIGHT_EDGE = r"(?![\w>])(?!\.\w)"
_SEPARATORS = re.compile(r"[\s\-]+")
_SEPARATOR_PATTERN = r"[\s\-]+"

Candidate = tuple[int, int, Entity]


class EntityTable:
    """Canonical entities with types and aliases, matched on word boundaries.

    ``entries`` are the validated table rows (dicts with name, type, aliases and, when given,
    case_sensitive and note); ``fingerprint`` is a short hash of what matching depends on, so a
    changed table makes re-indexing re-extract entities.
    """

    def __init__(self, entries: Iterable[dict[str, Any]] | None = None,
                 source: str = "entity table") -> None:
        self.source = source
        self.entries = [_validate_entry(raw, number, source)
                        for number, raw in enumerate(entries or (), start=1)]
        self._by_key, self._matchers = _build_index(self.entries, source)
        self.fingerprint = _fingerprint(self.entries)

    @classmethod
    def load(cls, path: str | Path | None = None) -> EntityTable:
        """Return the table in ``path`` (JSON, or CSV by its .csv suffix), or the bundled one.

        Raises:
            EntityTableError: the file is missing, unreadable or malformed; the message says
                which entry to fix.
        """
        location = Path(path) if path is not None else BUNDLED_TABLE
        table = cls(read_entries(location), source=str(location))
        logger.debug("loaded %d entities from %s (fingerprint %s)",
                     len(table), location, table.fingerprint)
        return table

    def merged(self, raw_entries: Iterable[Any], source: str) -> EntityTable:
        """Return the table with ``raw_entries`` added on top: an entry naming an existing
        entity adds its aliases to it (same type only), any other entry is a new entity.

        Raises:
            EntityTableError: an entry is malformed, changes an entity's type, or claims an
                alias of another entity.
        """
        entries = [dict(entry, aliases=list(entry["aliases"])) for entry in self.entries]
        by_key = {name_key(entry["name"]): entry for entry in entries}
        for number, raw in enumerate(raw_entries, start=1):
            extra = _validate_entry(raw, number, source)
            existing = by_key.get(name_key(extra["name"]))
            if existing is None:
                entries.append(extra)
                by_key[name_key(extra["name"])] = extra
            elif existing["type"] != extra["type"]:
                raise EntityTableError(
                    f"{extra['name']!r} in {source} has type {extra['type']}, but it is a "
                    f"{existing['type']} in {self.source} — use type {existing['type']}")
            else:
                existing["aliases"] = list(dict.fromkeys([*existing["aliases"], *extra["aliases"]]))
                for field in ("case_sensitive",):
                    if extra.get(field):
                        existing[field] = list(dict.fromkeys([*existing.get(field, ()),
                                                              *extra[field]]))
        return self.__class__(entries, source=f"{self.source} + {source}")

    def __len__(self) -> int:
        return len(self.entries)

    def __repr__(self) -> str:
        return f"EntityTable({len(self)} entities from {self.source}, {self.fingerprint})"

    def __reduce__(self) -> tuple[type[EntityTable], tuple[list[dict[str, Any]], str]]:
        # Worker processes rebuild the patterns from the rows instead of unpickling them.
        return (type(self), (self.entries, self.source))

    def find(self, title: str | None, body: str) -> tuple[Entity, ...]:
        """Return the entities named in ``title`` and ``body``, once each, in order of
        appearance."""
        found = [*self._find_in(title or ""), *self._find_in(body or "")]
        return tuple(dict.fromkeys(found))

    def resolve(self, name: str) -> Entity | None:
        """Return the entity whose canonical name or alias is ``name`` (any case), else None."""
        return self._by_key.get(name_key(name)) if name else None

    def aliases(self, name: str) -> tuple[str, ...]:
        """Return the other spellings of the entity named ``name`` (or an alias of it)."""
        entity = self.resolve(name)
        entry = next((e for e in self.entries if entity and e["name"] == entity.name), None)
        if entry is None:
            return ()
        spellings = [*entry["aliases"], *entry.get("case_sensitive", ())]
        return tuple(s for s in dict.fromkeys(spellings) if s != entry["name"])

    def add(self, name: str, type: str, aliases: Iterable[str] = ()) -> EntityTable:
        """Return a new table with the entity added, or its new aliases merged into it.

        Raises:
            EntityTableError: the type is unknown, the name exists with another type, or an
                alias already belongs to another entity.
        """
        entries = [dict(entry) for entry in self.entries]
        existing = next((e for e in entries if name_key(e["name"]) == name_key(name)), None)
        if existing is None:
            entries.append({"name": name, "type": type, "aliases": list(aliases)})
        elif existing["type"] != type:
            raise EntityTableError(f"{existing['name']!r} is already in {self.source} with type "
                                   f"{existing['type']}, not {type} — "
                                   f"use --type {existing['type']}")
        else:
            existing["aliases"] = [*existing["aliases"], *aliases]
        return self.__class__(entries, source=self.source)

    def save(self, path: str | Path) -> None:
        """Write the table to ``path`` as JSON (atomically: a reader never sees half a file)."""
        path = Path(path)
        text = json.dumps(self.entries, indent=2, ensure_ascii=False) + "\n"
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", text=True)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(temporary, path)
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            raise EntityTableError(f"cannot write entity table {path}: {exc.strerror}") from exc

    def mentions(self, text: str) -> list[Candidate]:
        """Return (start, end, entity) of each match in ``normalise(text)``, in text order;
        of overlapping matches only the longest."""
        if not text or not self._matchers:
            return []
        text = _normalise(text)
        lowered = text.lower()
        return _select_longest([c for m in self._matchers for c in m.candidates(text, lowered)])

    def _find_in(self, text: str) -> list[Entity]:
        """Return the entities of one text in order, longest match first among overlaps."""
        return [entity for _, _, entity in self.mentions(text)]


@dataclass(frozen=True)
class _Matcher:
    """One compiled trie of spellings, scanned over the text as written or lower-cased."""

    pattern: re.Pattern[str]
    lookup: dict[str, Entity]
    folded: bool

    @classmethod
    def build(cls, spellings: dict[str, Entity], folded: bool) -> _Matcher | None:
        if not spellings:
            return None
        trie = _trie_regex(_trie(spellings))
        # Measured on Reuters text: exact spellings start with capitals, which `re` skips to
        # directly when the pattern starts with the trie; in lower-cased text nearly every
        # letter can start one, so testing the word boundary first is cheaper there.
        pattern = rf"\b(?=({trie}){_RIGHT_EDGE})" if folded else rf"({trie}){_RIGHT_EDGE}"
        return cls(re.compile(pattern), {_form(s): e for s, e in spellings.items()}, folded)

    def candidates(self, text: str, lowered: str) -> Iterator[Candidate]:
        """Yield every match on word edges, overlapping ones included, so the longest can win."""
        haystack = lowered if self.folded else text
        search, lookup, left_edge = self.pattern.search, self.lookup, _LEFT_EDGE.match
        match = search(haystack)
        while match:
            start, end = match.span(1)
            if left_edge(haystack, start):
                found = match.group(1)
                yield start, end, lookup.get(found) or lookup[_form(found)]
            match = search(haystack, start + 1)


def _select_longest(candidates: list[Candidate]) -> list[Candidate]:
    """Return the candidates left after longer ones claim their text, in text order."""
    starts: list[int] = []
    kept: list[Candidate] = []
    for candidate in sorted(candidates, key=lambda c: (c[0] - c[1], c[0])):
        start, end, _ = candidate
        index = bisect.bisect_left(starts, end)
        # Kept spans are disjoint, so only the one starting last before `end` can overlap.
        if index and kept[index - 1][1] > start:
            continue
        starts.insert(index, start)
        kept.insert(index, candidate)
    return kept


def overlay_path(index_dir: str | Path) -> Path:
    """Return where `newsfacet entities add` keeps additions for the index in ``index_dir``."""
    return Path(index_dir) / OVERLAY_NAME


def load_table(entities_file: str | Path | None = None,
               index_dir: str | Path | None = None) -> EntityTable:
    """Return the entity table in use: the named file as it is, else the bundled table with
    the additions kept beside the index (if any) merged on top.

    Raises:
        EntityTableError: a table file is missing or malformed, or the additions clash.
    """
    if entities_file:
        return EntityTable.load(entities_file)
    table = EntityTable.load()
    overlay = overlay_path(index_dir) if index_dir else None
    if overlay is None or not overlay.is_file():
        return table
    return table.merged(read_entries(overlay), str(overlay))


def normalise(text: str) -> str:
    """Return ``text`` as the matcher reads it (the positions ``mentions`` gives refer to it)."""
    return _normalise(text)


def _normalise(text: str) -> str:
    """Return ``text`` with typographic apostrophes and dashes made plain, invisibles dropped."""
    if text.isascii() and "`" not in text:  # the common case, and translate is slow
        return text
    return text.translate(_TRANSLATION)


def _spelling(text: str) -> str:
    """Return ``text`` normalised as the matcher sees it: one space for each separator run."""
    return _SEPARATORS.sub(" ", _normalise(text)).strip().strip("'")


def _form(text: str) -> str:
    """Return the spelling with apostrophes dropped: the lookup key of a match."""
    return _spelling(text).replace("'", "")


def name_key(text: str) -> str:
    """Return the case-folded form used to resolve names and to detect clashing aliases."""
    return " ".join(_form(text).lower().split())


def _is_acronym(spelling: str) -> bool:
    """Tell whether an alias is a short all-capital acronym (PMF, KH, U.S.)."""
    return (len(spelling) <= ACRONYM_MAX_LEN and not any(c.islower() for c in spelling)
            and any(c.isupper() for c in spelling))


def _trie(spellings: Iterable[str]) -> dict[str, dict]:
    """Return a character trie of ``spellings``; the key "" marks the end of one."""
    root: dict[str, dict] = {}
    for spelling in spellings:
        node = root
        for char in spelling:
            node = node.setdefault(char, {})
        node[""] = {}
    return root


def _trie_regex(node: dict[str, dict]) -> str:
    """Return a regex matching the trie below ``node``, preferring longer spellings."""
    branches = [_atom(char) + _trie_regex(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    optional = "" in node
    if len(branches) == 1 and not optional:
        return branches[0]
    return "(?:" + "|".join(branches) + ")" + ("?" if optional else "")


def _atom(char: str) -> str:
    """Return the regex for one character of a spelling."""
    if char == " ":
        return _SEPARATOR_PATTERN
    if char == "'":
        return "'?"
    return re.escape(char)


def _build_index(entries: list[dict[str, Any]], where: str
                 ) -> tuple[dict[str, Entity], tuple[_Matcher, ...]]:
    """Return the resolve map and the matchers, refusing an alias claimed by two entities."""
    by_key: dict[str, Entity] = {}
    exact: dict[str, Entity] = {}
    folded: dict[str, Entity] = {}
    names: set[str] = set()
    for entry in entries:
        entity = Entity(entry["name"], entry["type"])
        if name_key(entity.name) in names:
            raise EntityTableError(f"entity {entity.name!r} is listed twice in {where} — "
                                   "merge the two entries")
        names.add(name_key(entity.name))
        cased = set(entry.get("case_sensitive", ()))
        for alias in (entry["name"], *entry["aliases"], *entry.get("case_sensitive", ())):
            key = name_key(alias)
            if not key:
                raise EntityTableError(f"an alias of {entity.name!r} in {where} is empty "
                                       "after removing punctuation — write it out or drop it")
            owner = by_key.setdefault(key, entity)
            if owner != entity:
                raise EntityTableError(
                    f"alias {alias!r} is claimed by both {owner.name!r} and {entity.name!r} in "
                    f"{where} — keep it on one entity, or drop it if it is ambiguous")
            spelling = _spelling(alias)
            if alias in cased or _is_acronym(spelling):
                exact[spelling] = entity
            else:
                folded[spelling.lower()] = entity
    matchers = (_Matcher.build(folded, folded=True), _Matcher.build(exact, folded=False))
    return by_key, tuple(m for m in matchers if m)


def _fingerprint(entries: list[dict[str, Any]]) -> str:
    """Return a short hash of what matching depends on (notes and row order left out)."""
    content = sorted(
        [e["name"], e["type"], sorted(e["aliases"]), sorted(e.get("case_sensitive", ()))]
        for e in entries)
    blob = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:12]


# --- reading and validating tables -------------------------------------------------------------

def read_entries(path: Path) -> list[dict[str, Any]]:
    """Return the raw rows of a JSON or CSV table file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise EntityTableError(
            f"entity table {path} not found — check --entities or NEWSFACET_ENTITIES, "
            "or leave both unset to use the bundled table") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise EntityTableError(f"cannot read entity table {path}: {exc} — "
                               "save it as UTF-8 text") from exc
    if path.suffix.lower() == ".csv":
        return _parse_csv(text, path)
    return _parse_json(text, path)


def _parse_json(text: str, path: Path) -> list[dict[str, Any]]:
    """Return the rows of a JSON table: a list of objects."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EntityTableError(
            f"entity table {path} is not valid JSON: {exc.msg} at line {exc.lineno} column "
            f"{exc.colno} — fix it (tables ending in .csv are read as CSV)") from exc
    if not isinstance(data, list):
        raise EntityTableError(f"entity table {path} must be a JSON list of objects with "
                               "\"name\", \"type\" and \"aliases\"")
    return data


def _parse_csv(text: str, path: Path) -> list[dict[str, Any]]:
    """Return the rows of a CSV table: name,type,aliases[,case_sensitive[,note]]."""
    rows = []
    for line_number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if line_number == 1 and row[0].strip().lower() == "name":
            continue
        if len(row) < 2 or len(row) > 5:
            raise EntityTableError(
                f"line {line_number} of {path} has {len(row)} columns — expected "
                "name,type,aliases (aliases separated by |), optionally case_sensitive,note")
        name, kind, aliases, cased, note = (row + ["", "", ""])[:5]
        entry: dict[str, Any] = {"name": name, "type": kind.strip(), "aliases": _split(aliases)}
        if cased.strip():
            entry["case_sensitive"] = _split(cased)
        if note.strip():
            entry["note"] = note.strip()
        rows.append(entry)
    return rows


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split("|") if part.strip()]


def _validate_entry(raw: Any, number: int, where: str) -> dict[str, Any]:
    """Return one row checked and tidied, or raise saying what to fix."""
    if not isinstance(raw, dict):
        raise EntityTableError(f"entry {number} in {where} is not an object — write "
                               "{\"name\": …, \"type\": …, \"aliases\": […]}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise EntityTableError(f"entry {number} in {where} has no \"name\" — give every entity "
                               "a name and a type")
    name = " ".join(name.split())
    if any(char in name for char in NAME_FORBIDDEN):
        raise EntityTableError(f"entity name {name!r} in {where} contains ',' or '|' — "
                               "names are facet values; move that spelling to the aliases")
    kind = raw.get("type")
    if kind not in ENTITY_TYPES:
        what = "has no \"type\"" if kind in (None, "") else f"has unknown type {kind!r}"
        raise EntityTableError(f"entity {name!r} in {where} {what} — use one of: "
                               + ", ".join(ENTITY_TYPES))
    entry: dict[str, Any] = {"name": name, "type": kind,
                             "aliases": _string_list(raw, "aliases", name, where)}
    if raw.get("case_sensitive"):
        entry["case_sensitive"] = _string_list(raw, "case_sensitive", name, where)
    if raw.get("note"):
        entry["note"] = str(raw["note"])
    return entry


def _string_list(raw: dict[str, Any], field: str, name: str, where: str) -> list[str]:
    """Return a list field of strings, whitespace tidied and duplicates dropped."""
    values = raw.get(field) or []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise EntityTableError(f"{field} of {name!r} in {where} must be a list of strings")
    return list(dict.fromkeys(" ".join(v.split()) for v in values if v.strip()))
