"""Adding an entity to the table in use: the named table file, or the additions beside the index.

Refuses what would make the table ambiguous or change nothing: a name that is another entity's
alias, an alias that belongs to another entity, a type other than the entity's own, or an entity
already there with every alias given.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterable

from ..errors import EntityTableError
from ..sidecars import locked, write_atomic
from .table import EntityTable, load_table, name_key, overlay_path, read_entries


# Seconds to wait for another addition holding the table: each holds it for a read and a write
# (milliseconds), so only a queue of many at once on a loaded machine waits long.
LOCK_WAIT = 300.0


@dataclass(frozen=True)
class Addition:
    """What ``add_entity`` did: the entity, the aliases it gained, and the file written."""

    name: str
    type: str
    aliases: tuple[str, ...]
    new: bool
    path: Path


def add_entity(name: str, kind: str, aliases: Iterable[str] = (), *,
               entities_file: str | None = None, index_dir: str | None = None) -> Addition:
    """Add an entity (or aliases of an existing one) and save the table; return what changed.

    Raises:
        EntityTableError: the name or an alias belongs to another entity, the type differs,
            nothing would change, or the file cannot be read or written.
    """
    name = " ".join(name.split())
    aliases = tuple(dict.fromkeys(" ".join(a.split()) for a in aliases if a.strip()))
    target = Path(entities_file) if entities_file else overlay_path(index_dir or "index")
    if not entities_file:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise EntityTableError(f"cannot create {target.parent}: {exc.strerror}") from exc
    # Read, check and write under the file's lock: two additions at once each keep the other's.
    guard = locked(target, LOCK_WAIT) if target.parent.is_dir() else contextlib.nullcontext()
    try:
        with guard:
            return _add(name, kind, aliases, entities_file, target,
                        load_table(entities_file, index_dir))
    except OSError as exc:  # the lock file cannot be made (a read-only folder)
        raise EntityTableError(f"cannot lock {target}: {exc.strerror}") from exc


def _add(name: str, kind: str, aliases: tuple[str, ...], entities_file: str | None, target: Path,
         table: EntityTable) -> Addition:
    known = table.resolve(name)
    if known is not None and name_key(known.name) != name_key(name):
        raise EntityTableError(
            f"{name!r} is already an alias of {known.name!r} ({known.type}) — to add aliases, "
            f'run: newsfacet entities add "{known.name}" --type {known.type} --alias …')
    if known is not None and known.type != kind:
        raise EntityTableError(f"{known.name!r} is already in the entity table as a {known.type}, "
                               f"not a {kind} — use --type {known.type}")
    for alias in aliases:
        owner = table.resolve(alias)
        if owner is not None and (known is None or owner != known):
            raise EntityTableError(f"alias {alias!r} already belongs to {owner.name!r} — "
                                   "an alias can name only one entity")
    fresh = tuple(a for a in aliases if table.resolve(a) is None)
    if known is not None and not fresh:
        raise EntityTableError(f"{known.name!r} is already in the entity table with "
                               + ("those aliases" if aliases else "that name")
                               + " — nothing to add (`newsfacet entities list` shows it)")
    canonical = known.name if known else name
    if entities_file:
        path = _save_to_file(target, canonical, kind, fresh)
    else:
        path = _save_to_overlay(target, canonical, kind, fresh)
    return Addition(canonical, kind, fresh, known is None, path)


def _save_to_file(path: Path, name: str, kind: str, aliases: tuple[str, ...]) -> Path:
    table = EntityTable.load(path).add(name, kind, aliases)  # validates the whole table
    if path.suffix.lower() != ".csv":
        table.save(path)
        return path
    if any(name_key(e["name"]) == name_key(name) for e in EntityTable.load(path).entries):
        raise EntityTableError(f"{name!r} is a row of {path} already: add the aliases to that "
                               "row by hand (CSV rows are not rewritten, to keep your comments)")
    line = io.StringIO()
    csv.writer(line, lineterminator="\n").writerow([name, kind, "|".join(aliases)])
    text = path.read_text(encoding="utf-8-sig")
    with path.open("a", encoding="utf-8") as stream:
        stream.write(("" if not text or text.endswith("\n") else "\n") + line.getvalue())
    return path


def _save_to_overlay(path: Path, name: str, kind: str, aliases: tuple[str, ...]) -> Path:
    entries = read_entries(path) if path.is_file() else []
    for entry in entries:
        if isinstance(entry, dict) and name_key(str(entry.get("name", ""))) == name_key(name):
            entry["aliases"] = [*entry.get("aliases", []), *aliases]
            break
    else:
        entries.append({"name": name, "type": kind, "aliases": list(aliases)})
    EntityTable.load().merged(entries, str(path))  # refuses clashes before writing
    _write_json(path, entries)
    return path


def _write_json(path: Path, entries: list) -> None:
    """Write the additions atomically (a reader never sees half a file), through a temporary
    file of a unique name (one fixed name let two writers replace each other's file)."""
    try:
        write_atomic(path, json.dumps(entries, indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise EntityTableError(f"cannot write {path}: {exc.strerror}") from exc


__all__ = ["Addition", "LOCK_WAIT", "add_entity"]
