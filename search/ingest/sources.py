"""Finds and reads raw input: HTML pages, text dumps and JSON Lines records, files or folders.

Nothing here cleans or interprets text; it only turns paths into decoded documents, or into
skips with a reason a user can act on.
"""

from __future__ import annotations

import codecs
import csv
import errno
import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..errors import InputError
from ..unicode import valid_data, valid_text

logger = logging.getLogger(__name__)

KINDS = {".html": "html", ".htm": "html", ".xhtml": "html", ".txt": "text",
         ".jsonl": "records", ".ndjson": "records"}
RECORD_FIELDS = ("id", "title", "body", "html", "text", "url", "date", "outlet", "author",
                 "crawl_date")
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")  # fullmatch: no trailing newline
_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_:.-]+)""", re.I)


@dataclass(frozen=True)
class RawDocument:
    """One input document: decoded content, its kind, and the record fields it came with."""

    source: str
    kind: str  # "html", "text" or "record"
    content: str
    raw_hash: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    path: str | None = None


@dataclass(frozen=True)
class Skipped:
    """An input we did not index, and why."""

    source: str
    reason: str


def article_id(raw: RawDocument) -> str:
    """Return the stable id of a document: the record's own id if safe, else a path hash."""
    given = raw.fields.get("id")
    if given and _SAFE_ID.fullmatch(given):
        return given
    key = raw.source if "://" in raw.source else os.path.abspath(raw.source)
    return hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def iter_documents(paths: Iterable[str], max_bytes: int, kinds: frozenset[str] | None = None,
                   hashed: bool = True) -> Iterator[RawDocument | Skipped]:
    """Yield a document or a skip for every file under ``paths`` (folders walked recursively).

    ``kinds`` (e.g. ``{"text"}``) reads only the files of those kinds and skips the rest silently.
    ``hashed=False`` leaves the ``raw_hash`` of .html and .txt files empty, for a pass that
    only reads their text (the collection pass: hashing the 200 pages of ``bench.perf``'s
    HTML run took 23 ms of its start-up, where one core works).
    """
    seen_files: set[str] = set()
    for given in paths:
        if not os.path.lexists(given):
            yield _printable(Skipped(given, "no such file or folder"))
            continue
        root = _real_folder(given)
        for path in _walk(given):
            if kinds is not None and KINDS.get(Path(path).suffix.lower()) not in kinds:
                continue
            try:
                real = os.path.realpath(path)
                if root is not None and os.path.commonpath([root, real]) != root:
                    # A link in a scraped folder must not index what lies outside it
                    # (passwd.txt -> /etc/passwd); a link given by name is followed.
                    yield _printable(Skipped(path, f"symbolic link to {real}, outside "
                                                   f"{given} (not followed)"))
                    continue
                if real in seen_files:
                    yield _printable(Skipped(path,
                                             f"same file as one already read (link to {real})"))
                    continue
                seen_files.add(real)
                for item in _read_path(path, max_bytes, hashed):
                    yield _printable(item)
            except OSError as exc:  # e.g. a link in /proc that even root may not read
                yield _printable(Skipped(path, f"cannot read: {exc.strerror or exc}"))
            except Exception as exc:  # a file is a unit of failure: the run goes on
                logger.debug("reading %s failed", path, exc_info=True)
                yield _printable(Skipped(path, failure_reason(exc)))


def _real_folder(given: str) -> str | None:
    """Return the real path of a folder given to index, or None (a file, or a path that
    cannot be resolved: each file under it is then refused or read on its own)."""
    try:
        return os.path.realpath(given) if os.path.isdir(given) else None
    except OSError:
        return None


def count_documents(paths: Iterable[str]) -> int | None:
    """Return how many documents ``iter_documents(paths)`` will yield, cheaply, or None when
    that cannot be known without reading them (a WARC file holds an unknown number).

    Files are counted by walking the folders; a JSON Lines file counts its non-blank lines,
    read in blocks without parsing (about 0.1 s for 100 MB).
    """
    total = 0
    for given in paths:
        if not os.path.lexists(given):
            total += 1  # one skip: "no such file or folder"
            continue
        for path in _walk(given):
            if path.lower().endswith((".warc", ".warc.gz")):
                return None
            if KINDS.get(Path(path).suffix.lower()) == "records" and os.path.isfile(path):
                total += _count_lines(path)
            else:
                total += 1
    return total


def _count_lines(path: str) -> int:
    """Return the number of non-blank lines of a file (whitespace-only lines count as lines;
    an estimate is all a progress line needs)."""
    lines, last = 0, b"\n"
    try:
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                lines += block.count(b"\n") - block.count(b"\n\n")
                if last == b"\n" and block.startswith(b"\n"):
                    lines -= 1  # a blank line across the blocks' boundary
                last = block[-1:]
    except OSError:
        return 1  # read as one skip
    return lines + (last != b"\n")


def failure_reason(exc: BaseException) -> str:
    """Return the skip reason for an unexpected error while reading or cleaning one record."""
    if isinstance(exc, RecursionError):
        return "nested too deeply to read"
    if isinstance(exc, MemoryError):
        return "not enough memory to read this record"
    return f"could not be read ({type(exc).__name__}: {valid_text(str(exc))[:120]})"


def _printable(item: RawDocument | Skipped) -> RawDocument | Skipped:
    """Return the item with a source (and reason) that can be stored and printed.

    A file name that is not valid UTF-8 reaches Python with surrogate escapes, which neither
    the index nor a terminal can encode; such names are shown with U+FFFD instead (``path``
    keeps the real name). Control characters (a newline in a file name could forge a line
    of the summary) are shown escaped, as ``\\n`` or ``\\x1b``.
    """
    changes: dict[str, Any] = {}
    for name in ("source", "reason"):
        value = getattr(item, name, None)
        if value is None:
            continue
        safe = value
        if not safe.isascii():
            safe = safe.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        safe = _CONTROL.sub(_escaped, safe)
        if safe != value:
            changes[name] = safe
    return replace(item, **changes) if changes else item


_CONTROL = re.compile(r"[\x00-\x1f\x7f\x80-\x9f\u2028\u2029]")


def _escaped(match: re.Match) -> str:
    char = match.group()
    code = f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char, code)


def _walk(given: str) -> Iterator[str]:
    if not os.path.isdir(given):
        yield os.path.normpath(given)
        return
    # followlinks=False: a symlink loop in a scraped folder must not walk forever.
    for folder, dirs, files in os.walk(given, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield os.path.normpath(os.path.join(folder, name))


def _read_path(path: str, max_bytes: int,
               hashed: bool = True) -> Iterator[RawDocument | Skipped]:
    broken = _broken_link(path)
    if broken:
        yield Skipped(path, broken)
        return
    from .warc import is_warc, iter_warc  # here: warc reads records into our RawDocument

    if is_warc(path) and os.path.isfile(path):
        yield from iter_warc(path, max_bytes)
        return
    kind = KINDS.get(Path(path).suffix.lower())
    if kind is None:
        yield Skipped(path, f"unsupported file type {Path(path).suffix or '(none)'!r}: "
                            "newsfacet reads .html, .htm, .txt, .jsonl, .warc and .warc.gz")
        return
    try:
        if not os.path.isfile(path):
            yield Skipped(path, "not a regular file")
            return
        size = os.path.getsize(path)
        if kind != "records" and size > max_bytes:
            yield Skipped(path, f"file is {size:,} bytes, over the limit of {max_bytes:,} "
                                "(raise NEWSFACET_MAX_FILE_BYTES to index it)")
            return
        if kind == "records":
            yield from _read_records(path, max_bytes)
            return
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        yield Skipped(path, f"cannot read: {exc.strerror or exc}")
        return
    yield _document(path, kind, raw, hashed)


def _broken_link(path: str) -> str | None:
    """Return why a symbolic link cannot be followed, or None if it is not a dead link."""
    if not os.path.islink(path):
        return None
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop (the link points back to itself)"
        return f"broken symbolic link to {os.readlink(path)!r}"
    return None


def _document(path: str, kind: str, raw: bytes, hashed: bool = True) -> RawDocument | Skipped:
    if not raw.strip():
        return Skipped(path, "empty file")
    text = decode(raw, html=kind == "html")
    if text is None:
        return Skipped(path, "binary file, not text")
    return RawDocument(source=path, kind=kind, content=text, path=path,
                       raw_hash=hashlib.sha1(raw).hexdigest() if hashed else "")


def decode(raw: bytes, *, html: bool = False) -> str | None:
    """Return bytes decoded by BOM, UTF-8, the page's declared charset, then cp1252; None if
    binary."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            return raw.decode(encoding, errors="replace")
    if b"\x00" in raw[:8192]:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _META_CHARSET.search(raw[:4096]) if html else None
    if declared:
        try:
            return raw.decode(declared.group(1).decode("ascii"), errors="replace")
        except LookupError:
            pass
    # Most non-UTF-8 news text on the web is Windows-1252/Latin-1; undecodable bytes stay visible.
    return raw.decode("cp1252", errors="replace")


def _read_records(path: str, max_bytes: int) -> Iterator[RawDocument | Skipped]:
    with open(path, "rb") as handle:
        for number, line, size in _lines(handle, max_bytes):
            source = f"{path}#{number}"
            if size > max_bytes:
                yield Skipped(source, f"line is {size:,} bytes, over the limit of {max_bytes:,}")
                continue
            if line.strip():
                yield _record(path, source, line)


def _lines(handle, max_bytes: int) -> Iterator[tuple[int, bytes, int]]:
    """Yield (number, line, size) without ever holding more than ``max_bytes`` of one line."""
    number = 0
    while True:
        line = handle.readline(max_bytes + 1)
        if not line:
            return
        number += 1
        size = len(line)
        if size > max_bytes:
            # A line over the limit is measured in chunks and dropped, never read whole.
            while line and not line.endswith(b"\n"):
                line = handle.readline(1 << 20)
                size += len(line)
            line = b""
        yield number, line, size


def _record(path: str, source: str, line: bytes) -> RawDocument | Skipped:
    """Return one JSON line as a document, or a skip: nothing in a line stops the file."""
    try:
        return _parse_record(path, source, line)
    except Exception as exc:  # RecursionError, OverflowError, anything: one line is one skip
        logger.debug("record %s failed", source, exc_info=True)
        return Skipped(source, failure_reason(exc))


def _parse_record(path: str, source: str, line: bytes) -> RawDocument | Skipped:
    try:
        data = json.loads(line)
    except RecursionError:
        return Skipped(source, "JSON nested too deeply to read")
    except (ValueError, UnicodeDecodeError) as exc:
        return Skipped(source, f"not valid JSON ({valid_text(str(exc))[:80]})")
    if not isinstance(data, dict):
        return Skipped(source, "a JSON line must be an object with title and body or html")
    fields = {k: data[k] for k in RECORD_FIELDS if k in data and data[k] is not None}
    bad = [k for k, v in fields.items() if not isinstance(v, (str, int, float))]
    if bad:
        return Skipped(source, f"field {bad[0]!r} must be a string")
    fields = {k: valid_text(str(v)) for k, v in fields.items()}
    if "entities" in data and isinstance(data["entities"], list):
        fields["entities"] = [valid_data(e, 2) for e in data["entities"]
                              if isinstance(e, (str, dict))]
    content = fields.get("html") or fields.get("body") or fields.get("text") or ""
    if not content.strip() and not fields.get("title", "").strip():
        return Skipped(source, "record has no body, html or title")
    kind = "html" if fields.get("html") else "record"
    return RawDocument(source=fields.get("url") or source, kind=kind, content=content,
                       fields=fields, path=path, raw_hash=hashlib.sha1(line.strip()).hexdigest())


def load_overrides(path: str) -> dict[str, dict[str, str]]:
    """Return metadata overrides from a CSV or JSON file, keyed by source path or URL."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the metadata file {path}: {exc}") from exc
    if path.lower().endswith(".json"):
        try:
            data = json.loads(text)
        except RecursionError as exc:
            raise InputError(f"the metadata file {path} is nested too deeply to read") from exc
        except ValueError as exc:
            raise InputError(f"the metadata file {path} is not valid JSON: {exc}") from exc
        rows = data.items() if isinstance(data, dict) else ((r.get("source") or r.get("url"), r)
                                                            for r in data if isinstance(r, dict))
    else:
        reader = csv.DictReader(text.splitlines())
        if not reader.fieldnames or not {"source", "url"} & set(reader.fieldnames):
            raise InputError(f"the metadata file {path} needs a 'source' (or 'url') column")
        rows = ((r.get("source") or r.get("url"), r) for r in reader)
    overrides: dict[str, dict[str, str]] = {}
    for key, row in rows:
        if not (key and isinstance(row, dict)):
            continue
        try:
            given = {k: row[k] for k in ("title", "date", "outlet", "url", "author")
                     if row.get(k) not in (None, "")}
            if not all(isinstance(v, (str, int, float)) for v in given.values()):
                raise ValueError("title, date, outlet, url and author must be text")
            values = {k: valid_text(str(v)).strip() for k, v in given.items()}
            name = valid_text(str(key))
        except Exception as exc:  # one bad row is skipped, the others still apply
            logger.warning("metadata file %s: the row of %s skipped: %s", path,
                           valid_text(str(key))[:80], failure_reason(exc))
            continue
        overrides[os.path.normpath(name) if "://" not in name else name] = values
    return overrides
