"""Checksums of an index's files, recorded at each commit, and the checks that use them.

Whoosh keeps no checksums. A truncated segment fails deep inside a read (an EOFError, which
click shows as a bare "Aborted!"), and a run of zeros inside a segment can read as other
numbers and give wrong results with no error at all. So after each commit the engine records
the size and SHA-256 of every file of the new generation (segment files and tables of contents
never change once written, so each is hashed once). Opening an index compares the sizes (a stat
per file) and the hash of the table of contents (a few KB) before Whoosh reads it;
``newsfacet check`` compares every hash and reads every segment through.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import IndexCorrupt, damaged_index
from ...sidecars import locked, write_atomic

logger = logging.getLogger(__name__)

CHECKSUMS = "newsfacet-checksums.json"
_TOC = re.compile(r"_MAIN_(\d+)\.toc")
_CHUNK = 1 << 20


def latest_generation(folder: Path) -> int | None:
    """Return the newest generation whose table of contents is in ``folder``, or None."""
    generations = [int(m.group(1)) for name in _names(folder)
                   if (m := _TOC.fullmatch(name))]
    return max(generations) if generations else None


def toc_name(generation: int) -> str:
    return f"_MAIN_{generation}.toc"


def _names(folder: Path) -> list[str]:
    try:
        return [entry.name for entry in folder.iterdir()]
    except OSError:
        return []


def generation_files(folder: Path, generation: int, segment_ids: list[str]) -> list[str]:
    """Return the files of one generation: its table of contents and its segments' files."""
    prefixes = tuple(f"{segment}." for segment in segment_ids)
    return [toc_name(generation), *sorted(n for n in _names(folder) if n.startswith(prefixes))]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _load(folder: Path) -> dict:
    try:
        data = json.loads((folder / CHECKSUMS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        return {}
    return data


def record(folder: Path, generation: int, segment_ids: list[str]) -> None:
    """Record size and SHA-256 of the generation's files (hashing only files not recorded
    before); a failure only leaves the generation unrecorded, and is logged."""
    try:
        with locked(folder / CHECKSUMS):
            old = _load(folder).get("files", {})
            files = {}
            for name in generation_files(folder, generation, segment_ids):
                size = (folder / name).stat().st_size
                known = old.get(name)
                if isinstance(known, dict) and known.get("size") == size and known.get("sha256"):
                    files[name] = known
                else:
                    files[name] = {"size": size, "sha256": sha256_of(folder / name)}
            write_atomic(folder / CHECKSUMS, json.dumps(
                {"generation": generation, "files": files}, indent=1) + "\n")
    except OSError as exc:  # a newer commit merged a segment away meanwhile, or no space left
        logger.info("could not record the checksums of %s: %s", folder, exc)


def recorded(folder: Path) -> tuple[int | None, dict[str, dict]]:
    """Return the generation whose checksums are recorded (None when none are) and its files."""
    data = _load(folder)
    generation = data.get("generation")
    return (generation if isinstance(generation, int) else None), data.get("files", {})


def quick_problems(folder: Path, every_hash: bool = False) -> list[str]:
    """Return what is wrong with the newest generation's files that a stat per file and the
    hash of its table of contents show (``every_hash``: of every file): a missing, shorter or
    longer file, changed content. Nothing when that generation's checksums were not recorded."""
    generation = latest_generation(folder)
    have, files = recorded(folder)
    if generation is None or have != generation:
        return []
    problems = []
    for name, expected in sorted(files.items()):
        problem = _size_problem(folder / name, expected)
        if problem is None and (every_hash or name == toc_name(generation)) \
                and sha256_of(folder / name) != expected.get("sha256"):
            problem = "its content differs from what was written"
        if problem:
            problems.append(f"{name}: {problem}")
    return problems


def _size_problem(path: Path, expected: dict) -> str | None:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return "missing"
    if size != expected.get("size"):
        return (f"{'truncated' if size < expected.get('size', 0) else 'grown'} to {size:,} bytes "
                f"({expected.get('size', 0):,} when written)")
    return None


@dataclass
class CheckReport:
    """What ``full_check`` found: the files compared with their checksums, the articles read
    through, and the problems (empty: no damage found)."""

    folder: str
    generation: int | None
    checksummed: list[str] = field(default_factory=list)
    unrecorded: bool = False
    articles: int = 0
    problems: list[str] = field(default_factory=list)

    def error(self) -> IndexCorrupt | None:
        """Return the error that reports the damage found, or None."""
        return damaged_index(self.folder, "; ".join(self.problems)) if self.problems else None

    def to_dict(self) -> dict:
        return {"index": self.folder, "generation": self.generation,
                "files_checksummed": len(self.checksummed),
                "checksums_recorded": not self.unrecorded, "articles_read": self.articles,
                "problems": self.problems, "ok": not self.problems}


def checksum_problems(folder: Path, report: CheckReport) -> None:
    """Compare every file of the newest generation with its recorded size and SHA-256."""
    have, files = recorded(folder)
    if report.generation is None or have != report.generation:
        report.unrecorded = True
        return
    for name, expected in sorted(files.items()):
        problem = _size_problem(folder / name, expected)
        if problem is None and sha256_of(folder / name) != expected.get("sha256"):
            problem = "damaged: its SHA-256 differs from the one recorded when it was written"
        if problem:
            report.problems.append(f"{name}: {problem}")
        report.checksummed.append(name)


def read_through(reader) -> int:
    """Read every stored document, posting list, column and field length of one segment's
    reader; return the number of documents read. What Whoosh raises on a damaged file escapes."""
    schema = reader.schema
    documents = 0
    for docnum in range(reader.doc_count_all()):
        reader.stored_fields(docnum)
        documents += 1
    for name in schema.names():
        if schema[name].scorable:
            for docnum in range(reader.doc_count_all()):
                reader.doc_field_length(docnum, name)
        if reader.has_column(name):
            list(reader.column_reader(name))
        if not schema[name].indexed:
            continue
        for term in reader.lexicon(name):
            matcher = reader.postings(name, term)
            while matcher.is_active():
                matcher.weight()
                matcher.next()
    return documents


__all__ = ["CHECKSUMS", "CheckReport", "checksum_problems", "generation_files",
           "latest_generation", "quick_problems", "read_through", "record", "recorded",
           "sha256_of", "toc_name"]
