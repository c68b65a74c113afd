"""Adding an entity to the table in use: the named table file, or the additions beside the index.

Refuses what would make the table ambiguous or change nothing: a name that is another entity's
alias, an alias that belongs to another entity, a type other than the entity's own, or an entity
already there with every alias given.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterable

from ..errors import EntityTableError
from .table import EntityTable, load_table, name_key, overlay_path, read_entries


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
    table = load_table(entities_file, index_dir)
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
        path = _save_to_file(Path(entities_file), canonical, kind, fresh)
    else:
        path = _save_to_overlay(overlay_path(index_dir or "index"), canonical, kind, fresh)
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
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EntityTableError(f"cannot create {path.parent}: {exc.strerror}") from exc
    _write_json(path, entries)
    return path


def _write_json(path: Path, entries: list) -> None:
    """Write the additions atomically: a reader never sees half a file."""
    text = json.dumps(entries, indent=2, ensure_ascii=False) + "\n"
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise EntityTableError(f"cannot write {path}: {exc.strerror}") from exc


__all__ = ["Addition", "add_entity"]
