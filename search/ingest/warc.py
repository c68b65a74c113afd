"""Reads web archives (``.warc``, ``.warc.gz``): each HTML response record becomes a page.

A record's target URI is the page's source and its WARC-Date the crawl date. Redirects,
error responses, non-HTML responses, revisits, truncated records and records over the size
limit are skipped with a reason; request, metadata and warcinfo records are not pages and
pass silently. A damaged archive ends its own reading with a skip, never the run.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import zlib
from collections.abc import Iterator

from .sources import RawDocument, Skipped, decode

logger = logging.getLogger(__name__)

SUFFIXES = (".warc", ".warc.gz")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_NOT_PAGES = ("request", "metadata", "warcinfo", "resource", "conversion", "continuation")
# A gzip member (one record, with its WARC and HTTP headers) may decompress to this much more
# than the page limit; past that it is a bomb whatever its Content-Length says.
HEADER_ALLOWANCE = 1_000_000
BLOCK_BYTES = 4096
# What warcio writes to stderr (its warnings can quote a whole broken record) is logged instead,
# cut to this many characters per archive.
WARNING_CHARS = 500


class _OverCap(Exception):
    """A gzip member decompresses past the cap."""


def _capped_reader(reader, cap: int) -> None:
    """Make warcio's decompressing reader stop once one gzip member decompresses past ``cap``
    bytes (its counter restarts at every member), before the data is buffered."""
    process = reader._process_read

    def checked(data):
        process(data)
        if reader.decompressor is not None and reader.num_block_read > cap:
            reader.buff = None
            raise _OverCap()

    reader._process_read = checked


class _Sink:
    """Stands in for stderr while warcio runs: keeps the first characters, counts the rest."""

    def __init__(self) -> None:
        self.kept: list[str] = []
        self.size = 0

    def write(self, text: str) -> int:
        if self.size < WARNING_CHARS:
            self.kept.append(text[:WARNING_CHARS - self.size])
        self.size += len(text)
        return len(text)

    def flush(self) -> None:
        pass


@contextlib.contextmanager
def _quiet(path: str) -> Iterator[None]:
    sink = _Sink()
    try:
        with contextlib.redirect_stderr(sink):
            yield
    finally:
        if sink.size:
            more = (f" ({sink.size - WARNING_CHARS:,} more characters)"
                    if sink.size > WARNING_CHARS else "")
            logger.warning("%s: warcio: %s%s", path, " ".join("".join(sink.kept).split()), more)


def is_warc(path: str) -> bool:
    """Return True for a file name that names a web archive."""
    return path.lower().endswith(SUFFIXES)


def iter_warc(path: str, max_bytes: int) -> Iterator[RawDocument | Skipped]:
    """Yield a document or a skip for every response record of the archive at ``path``."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    count = 0
    try:
        if not _starts_like_warc(path):
            yield Skipped(path,
                          "not a web archive: a WARC file starts with 'WARC/' (gzipped or not)")
            return
        with open(path, "rb") as handle:
            # Small compressed blocks: one block of zeros decompresses to about 1,000 times
            # its size, and each is held whole before the cap can see it.
            archive = ArchiveIterator(handle, block_size=BLOCK_BYTES)
            _capped_reader(archive.reader, max_bytes + HEADER_ALLOWANCE)
            records = iter(archive)
            while True:
                # warcio's reading (and its stderr warnings) happens in next() and _record(),
                # never while the caller holds a yielded item.
                with _quiet(path):
                    record = next(records, None)
                    if record is None:
                        break
                    count += 1
                    item = _record(path, record, max_bytes)
                if item is not None:
                    yield item
    except _OverCap:
        yield Skipped(path, f"a record decompresses to over {max_bytes + HEADER_ALLOWANCE:,} "
                            f"bytes (a gzip bomb, or a page over the limit); the archive's "
                            f"reading stopped after {count} records")
    except OSError as exc:
        yield Skipped(path, f"cannot read: {exc.strerror or exc}")
    except (ArchiveLoadFailed, ValueError, EOFError) as exc:
        # warcio raises these for a damaged archive; what was read so far stays read.
        yield Skipped(path, f"damaged web archive after {count} records "
                            f"({str(exc).strip()[:120] or type(exc).__name__})")
    if count == 0:
        yield Skipped(path, "no records: not a web archive, or an empty one")


def _starts_like_warc(path: str) -> bool:
    """Return whether the file starts with a WARC record (after gunzipping if needed)."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if head[:2] == b"\x1f\x8b":
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 16)
        except zlib.error:
            return False
    return head.startswith(b"WARC/")


def _record(path: str, record, max_bytes: int) -> RawDocument | Skipped | None:
    headers = record.rec_headers
    uri = (headers.get_header("WARC-Target-URI") or "").strip().strip("<>")
    if record.rec_type in _NOT_PAGES or uri.startswith(("dns:", "whois:")):
        return None
    source = uri or f"{path}#{headers.get_header('WARC-Record-ID') or '?'}"
    if record.rec_type != "response":
        return Skipped(source, f"{record.rec_type} record: no page of its own"
                       + (" (a capture unchanged since an earlier one)"
                          if record.rec_type == "revisit" else ""))
    if not uri.lower().startswith(("http://", "https://")):
        return Skipped(source, "record has no http(s) target URI")
    truncated = headers.get_header("WARC-Truncated")
    if truncated:
        return Skipped(uri, f"record truncated by the crawler ({truncated})")
    return _response(path, uri, record, max_bytes)


def _response(path: str, uri: str, record, max_bytes: int) -> RawDocument | Skipped:
    http = record.http_headers
    if http is None:
        return Skipped(uri, "response record without HTTP headers")
    status = http.get_statuscode() or "?"
    if status.startswith("3"):
        target = http.get_header("Location") or "nowhere"
        return Skipped(uri, f"redirect (HTTP {status}) to {target[:200]}")
    if status != "200":
        return Skipped(uri, f"HTTP {status} response, not a page")
    content_type = (http.get_header("Content-Type") or "").split(";")[0].strip().lower()
    if content_type not in _HTML_TYPES:
        return Skipped(uri, f"not an HTML page (Content-Type {content_type or 'missing'})")
    if record.length is not None and record.length > max_bytes:
        return Skipped(uri, f"record is {record.length:,} bytes, over the limit of {max_bytes:,} "
                            "(raise NEWSFACET_MAX_FILE_BYTES to index it)")
    try:
        body = record.content_stream().read(max_bytes + 1)
    except _OverCap:
        raise
    except Exception as exc:  # warcio's decoders raise assorted errors on bad chunking/gzip
        return Skipped(uri, f"broken record ({type(exc).__name__}: {str(exc)[:80]})")
    if len(body) > max_bytes:
        return Skipped(uri, f"page is over the limit of {max_bytes:,} bytes")
    if getattr(record.raw_stream, "limit", 0):
        return Skipped(uri, "truncated record: the archive ends before the record does")
    if not body.strip():
        return Skipped(uri, "empty response")
    text = decode(body, html=True)
    if text is None:
        return Skipped(uri, "binary content, not an HTML page")
    crawl_date = (record.rec_headers.get_header("WARC-Date") or "").strip() or None
    fields = {"url": uri}
    if crawl_date:
        fields["crawl_date"] = crawl_date
    return RawDocument(source=uri, kind="html", content=text, path=path, fields=fields,
                       raw_hash=hashlib.sha1(body).hexdigest())


__all__ = ["is_warc", "iter_warc", "SUFFIXES"]
