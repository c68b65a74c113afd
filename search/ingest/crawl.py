"""URLs, URL lists, feeds and sitemaps to pages ready for indexing, fetched politely.

A URL the user gives is fetched and told apart by its content: a page is indexed, a feed or
sitemap adds its links (a sitemap index its sitemaps). The links are remembered in the crawl
state and fetched next, up to ``max_pages`` pages a run; the rest wait for the next run.
``refresh`` (``newsfacet update``) re-reads the feeds, sitemaps and URL lists of earlier runs
with conditional requests first. Every failure becomes a ``Skipped`` with its reason.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from . import feeds
from .crawl_state import CrawlState
from .fetch import Fetcher, FetchFailure, Response, check_url, is_private_url
from .sources import RawDocument, Skipped, article_id, decode

if TYPE_CHECKING:
    from ..indexing import IndexReport

logger = logging.getLogger(__name__)

LISTING_KINDS = (feeds.FEED, feeds.SITEMAP, feeds.SITEMAP_INDEX)
URL_LIST = "url-list"
# Sitemap indexes may point at further indexes; deeper than this is a loop or a trap.
MAX_SITEMAP_DEPTH = 3


@dataclass
class CrawlReport:
    """What the crawl did besides yielding pages: sources checked, links held back."""

    checked: list[dict] = field(default_factory=list)
    left: int = 0
    fetched: int = 0

    def to_dict(self) -> dict:
        return {"sources": self.checked, "left_for_later": self.left, "pages_fetched": self.fetched}


def is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def read_url_list(path: str) -> list[str]:
    """Return the URLs of a file, one a line; blank lines and ``#`` comments are ignored.

    Raises OSError when the file cannot be read.
    """
    with open(path, "rb") as handle:
        text = handle.read(50_000_000).decode("utf-8", errors="replace")
    urls = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip() if raw.lstrip().startswith("#") else raw.strip()
        if line:
            urls.append(line)
    return urls


class Crawler:
    """Fetches what the user named and what it links to; one instance per run."""

    def __init__(self, fetcher: Fetcher, state: CrawlState, *, max_pages: int, max_bytes: int,
                 progress: Callable[[int, int, str], None] | None = None) -> None:
        self.fetcher = fetcher
        self.state = state
        self.max_pages = max_pages
        self.max_bytes = max_bytes
        self.progress = progress
        self.report = CrawlReport()
        # source -> (url, id, date, from)
        self._yielded: dict[str, tuple[str, str, str | None, str]] = {}
        self._visited: set[str] = set()
        self._touched: set[str] = set()
        self._fetched: set[str] = set()

    # -- entry points ----------------------------------------------------------------------

    def documents(self, urls: Iterable[str] = (), url_lists: Iterable[str] = (), *,
                  refresh: bool = False) -> Iterator[RawDocument | Skipped]:
        """Yield a page or a skip for everything the URLs (and, with ``refresh``, the
        sources of earlier runs) lead to."""
        direct: list[tuple[str, str | None]] = [(u, None) for u in urls]
        lists = [(path, False) for path in url_lists]
        if refresh:
            lists += [(source.url, True) for source in self.state.sources([URL_LIST])]
        for path, new_only in lists:
            entries = self._url_list(path, new_only=new_only)
            if isinstance(entries, Skipped):
                yield entries
            else:
                direct += entries
        for url, parent in dict.fromkeys(direct):
            yield from self._direct(url, parent)
        if refresh:
            for source in self.state.sources(LISTING_KINDS):
                if source.url not in self._visited:
                    yield from self._recheck(source.url, source.kind)
        yield from self._waiting(everything=refresh)

    def finish(self, report: IndexReport) -> None:
        """Record in the crawl state which fetched pages were indexed and which were skipped."""
        skipped = {s.source: s.reason for s in report.skipped}
        for source, (url, doc_id, crawl_date, origin) in self._yielded.items():
            if source in skipped:
                self.state.page_failed(url, skipped[source], False, origin)
            else:
                self.state.page_indexed(url, doc_id, crawl_date, origin)

    # -- what the user named ---------------------------------------------------------------

    def _url_list(self, path: str, *, new_only: bool) -> list[tuple[str, str | None]] | Skipped:
        key = os.path.abspath(path)
        try:
            urls = read_url_list(path)
        except OSError as exc:
            self._check(key, URL_LIST, f"cannot read: {exc.strerror or exc}")
            return Skipped(path, f"cannot read the URL list: {exc.strerror or exc}")
        self.state.add_source(key, URL_LIST)
        if new_only:
            urls = [u for u in urls if self.state.page_status(u) is None
                    and self.state.source(u) is None]
        self._check(key, URL_LIST, f"{len(urls)} {'new ' if new_only else ''}URLs")
        return [(u, key) for u in urls]

    def _direct(self, url: str, parent: str | None) -> Iterator[RawDocument | Skipped]:
        """Fetch a URL the user named: a page, a feed or a sitemap."""
        problem = check_url(url)
        if problem:
            yield Skipped(url, problem)
            return
        known = self.state.source(url)
        if known is not None and known.kind in LISTING_KINDS:
            yield from self._recheck(url, known.kind)
            return
        if self.report.fetched >= self.max_pages:
            self.state.add_pages([url], parent or url)
            self.report.left += 1
            return
        yield from self._fetch_page(url, parent or url, direct=True)

    # -- feeds and sitemaps ----------------------------------------------------------------

    def _recheck(self, url: str, kind: str, parent: str | None = None,
                 depth: int = 0) -> Iterator[Skipped]:
        """Fetch a feed or sitemap (conditionally if it was read before) and take its links."""
        if url in self._visited:
            yield Skipped(url,
                          "sitemap already read in this run (sitemaps that point at each other)")
            return
        self._visited.add(url)
        known = self.state.source(url)
        response = self.fetcher.fetch(url, etag=known.etag if known else None,
                                      last_modified=known.last_modified if known else None)
        if isinstance(response, FetchFailure):
            self._check(url, kind, response.reason)
            yield Skipped(url, response.reason)
            return
        if response.status == 304:
            self.state.add_source(url, kind, parent)
            self._touched.add(url)
            self._check(url, kind, "not modified", response)
            return
        body = self._body(response)
        if isinstance(body, Skipped):
            self._check(url, kind, body.reason)
            yield body
            return
        found = feeds.sniff(body, response.content_type)
        if found not in LISTING_KINDS:
            self._check(url, kind, f"no longer a feed or sitemap ({found})")
            yield Skipped(url, f"was a {kind}, now is not a feed or sitemap")
            return
        yield from self._listing(url, response, body, found, parent, depth)

    def _listing(self, url: str, response: Response, body: bytes, kind: str,
                 parent: str | None, depth: int) -> Iterator[Skipped]:
        try:
            listing = feeds.read_listing(body, response.final_url)
        except ValueError as exc:
            self._check(url, kind, f"cannot be read: {exc}")
            yield Skipped(url, f"{kind} cannot be read: {exc}")
            return
        self.state.add_source(url, kind, parent)
        self._touched.add(url)
        if kind == feeds.SITEMAP_INDEX:
            self._check(url, kind, f"{len(listing.links)} sitemaps", response)
            for child in listing.links:
                if depth + 1 >= MAX_SITEMAP_DEPTH:
                    yield Skipped(child,
                                  f"sitemap nested more than {MAX_SITEMAP_DEPTH} deep: not read")
                    continue
                known_child = self.state.source(child)
                child_kind = known_child.kind if known_child else feeds.SITEMAP
                yield from self._recheck(child, child_kind, url, depth + 1)
            return
        new = self.state.add_pages(listing.links, url)
        self._check(url, kind, f"{len(listing.links)} links, {new} new", response)
        if not listing.links:
            yield Skipped(url, f"{kind} lists no links")

    # -- pages -----------------------------------------------------------------------------

    def _waiting(self, everything: bool) -> Iterator[RawDocument | Skipped]:
        rows = self.state.conn.execute("SELECT url, source FROM pages").fetchall()
        origin = {r["url"]: r["source"] for r in rows}
        queue = [u for u in self.state.waiting() if everything or origin.get(u) in self._touched]
        for number, url in enumerate(queue):
            if self.report.fetched >= self.max_pages:
                self.report.left += len(queue) - number
                return
            if url in self._fetched:  # already fetched in this run as a URL the user named
                continue
            yield from self._fetch_page(url, origin.get(url) or url, direct=False,
                                        total=len(queue))

    def _fetch_page(self, url: str, origin: str, *, direct: bool,
                    total: int | None = None) -> Iterator[RawDocument | Skipped]:
        refused = _private_link(url, origin)
        if refused:
            self.state.page_failed(url, refused, False, origin)
            yield Skipped(url, refused)
            return
        self.report.fetched += 1
        self._fetched.add(url)
        if self.progress:
            self.progress(self.report.fetched, max(total or 0, self.report.fetched), url)
        response = self.fetcher.fetch(url)
        if isinstance(response, FetchFailure):
            self.state.page_failed(url, response.reason, response.transient, origin)
            yield Skipped(url, response.reason)
            return
        body = self._body(response)
        if isinstance(body, Skipped):
            self.state.page_failed(url, body.reason, False, origin)
            yield body
            return
        kind = feeds.sniff(body, response.content_type)
        if kind in LISTING_KINDS and direct:
            self.report.fetched -= 1  # a feed or sitemap is not a page
            self._visited.add(url)
            yield from self._listing(url, response, body, kind, None if origin == url else origin,
                                     0)
            return
        item = self._page(response, body, kind)
        if isinstance(item, Skipped):
            self.state.page_failed(url, item.reason, False, origin)
        else:
            if direct and origin == url:
                self.state.add_source(url, feeds.PAGE)
            self._yielded[item.source] = (url, article_id(item), item.fields.get("crawl_date"),
                                          origin)
        yield item

    def _body(self, response: Response) -> bytes | Skipped:
        if not feeds.is_gzip(response.body):
            return response.body
        try:
            return feeds.gunzip(response.body, self.max_bytes)
        except ValueError as exc:
            return Skipped(response.url, f"gzip content: {exc}")

    def _page(self, response: Response, body: bytes, kind: str) -> RawDocument | Skipped:
        source = response.final_url
        if kind in LISTING_KINDS:
            return Skipped(source, f"a {kind}, not an article page (give it to `newsfacet index` "
                                   "to read its links)")
        if kind != feeds.PAGE:
            return Skipped(source,
                           f"not an HTML page (Content-Type {response.content_type or 'missing'})")
        if not body.strip():
            return Skipped(source, "empty response")
        text = _decode(body, response.charset)
        if text is None:
            return Skipped(source, "binary content, not an HTML page")
        return RawDocument(source=source, kind="html", content=text,
                           raw_hash=hashlib.sha1(body).hexdigest(),
                           fields={"url": source, "crawl_date": response.fetched_at})

    def _check(self, url: str, kind: str, status: str, response: Response | None = None) -> None:
        entry = {"url": url, "kind": kind, "status": status}
        self.report.checked.append(entry)
        if self.state.source(url) is not None:
            self.state.checked(url, status, response.headers.get("etag") if response else None,
                               response.headers.get("last-modified") if response else None)


def _decode(body: bytes, charset: str | None) -> str | None:
    """Return the page's text, trusting the server's charset when the bytes are not UTF-8."""
    if b"\x00" in body[:8192] and not body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    if charset:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            try:
                return body.decode(charset, errors="replace")
            except LookupError:
                pass
    return decode(body, html=True)


def _private_link(url: str, origin: str) -> str | None:
    """Return why a link must not be fetched: a public feed pointing into a private network."""
    if not is_url(origin) or is_private_url(origin) or not is_private_url(url):
        return None
    return "a public feed or sitemap links to a private or local address: not fetched"


__all__ = ["Crawler", "CrawlReport", "is_url", "read_url_list"]
