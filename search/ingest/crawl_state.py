"""What an index was fed from the web: its feeds, sitemaps and URL lists, and every page URL.

Kept per index, in a small SQLite file in the index directory (every change a transaction, so
a crash leaves the last committed state). A source remembers its ETag and Last-Modified for
conditional requests and when it was last checked; a page remembers whether it was indexed,
failed for good, or is waiting (new, or failed for a passing reason and worth another try).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterable

STATE_FILE = "newsfacet-crawl.sqlite"
# A page that failed for a passing reason (timeout, 5xx) is tried this many times in all.
MAX_ATTEMPTS = 3
PENDING, RETRY, FAILED = "pending", "retry", "failed"
SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
    url TEXT PRIMARY KEY, kind TEXT NOT NULL, parent TEXT, etag TEXT, last_modified TEXT,
    added TEXT NOT NULL, checked TEXT, status TEXT);
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY, source TEXT, status TEXT NOT NULL, reason TEXT, article_id TEXT,
    crawl_date TEXT, attempts INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS pages_by_status ON pages (status);
CREATE TABLE IF NOT EXISTS watches (
    id INTEGER PRIMARY KEY AUTOINCREMENT, query TEXT NOT NULL, filters TEXT NOT NULL,
    created TEXT NOT NULL);
"""


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def exists(index_dir: str) -> bool:
    """Return whether the index has a crawl state (read-only commands do not make one)."""
    return (Path(index_dir) / STATE_FILE).is_file()


def connect(index_dir: str) -> sqlite3.Connection:
    """Return a connection to the index's crawl state, creating the file if needed."""
    folder = Path(index_dir)
    folder.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(folder / STATE_FILE, timeout=30.0, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.executescript(SCHEMA)
    return conn


@dataclass(frozen=True)
class Source:
    """A feed, sitemap, sitemap index, URL list or page given to ``index``."""

    url: str
    kind: str
    parent: str | None
    etag: str | None
    last_modified: str | None
    added: str
    checked: str | None
    status: str | None
    articles: int = 0
    waiting: int = 0
    failed: int = 0

    def to_dict(self) -> dict:
        return {"url": self.url, "kind": self.kind, "parent": self.parent,
                "articles": self.articles, "waiting": self.waiting, "failed": self.failed,
                "added": self.added, "last_update": self.checked, "status": self.status}


class CrawlState:
    """The crawl state of one index; use as a context manager."""

    def __init__(self, index_dir: str) -> None:
        self.conn = connect(index_dir)

    def __enter__(self) -> CrawlState:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    # -- sources ---------------------------------------------------------------------------

    def add_source(self, url: str, kind: str, parent: str | None = None) -> None:
        with self.conn:
            self.conn.execute(
                "INSERT INTO sources (url, kind, parent, added) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(url) DO UPDATE SET kind = excluded.kind", (url, kind, parent, now()))

    def source(self, url: str) -> Source | None:
        row = self.conn.execute("SELECT * FROM sources WHERE url = ?", (url,)).fetchone()
        return Source(**dict(row)) if row else None

    def checked(self, url: str, status: str, etag: str | None = None,
                last_modified: str | None = None) -> None:
        """Record a check of a source; validators are kept unless new ones are given."""
        with self.conn:
            self.conn.execute(
                "UPDATE sources SET checked = ?, status = ?, etag = COALESCE(?, etag), "
                "last_modified = COALESCE(?, last_modified) WHERE url = ?",
                (now(), status, etag, last_modified, url))

    def sources(self, kinds: Iterable[str] | None = None) -> list[Source]:
        """Return the sources (of the given kinds) with their page counts, oldest first."""
        rows = self.conn.execute(
            "SELECT s.*, "
            "  (SELECT COUNT(*) FROM pages p WHERE p.source = s.url"
            "   AND p.status = 'indexed') AS articles, "
            "  (SELECT COUNT(*) FROM pages p WHERE p.source = s.url"
            "   AND p.status IN ('pending', 'retry')) AS waiting, "
            "  (SELECT COUNT(*) FROM pages p WHERE p.source = s.url"
            "   AND p.status = 'failed') AS failed "
            "FROM sources s ORDER BY s.added, s.url").fetchall()
        wanted = set(kinds) if kinds is not None else None
        return [Source(**dict(r)) for r in rows if wanted is None or r["kind"] in wanted]

    # -- pages -----------------------------------------------------------------------------

    def add_pages(self, urls: Iterable[str], source: str) -> int:
        """Remember page URLs a source gives; return how many were new."""
        with self.conn:
            before = self.conn.total_changes
            self.conn.executemany(
                "INSERT OR IGNORE INTO pages (url, source, status) VALUES (?, ?, ?)",
                ((u, source, PENDING) for u in urls))
            return self.conn.total_changes - before

    def page_status(self, url: str) -> str | None:
        row = self.conn.execute("SELECT status FROM pages WHERE url = ?", (url,)).fetchone()
        return row["status"] if row else None

    def waiting(self) -> list[str]:
        """Return the page URLs still to fetch: new ones, then those worth another try."""
        rows = self.conn.execute(
            "SELECT url FROM pages WHERE status = 'pending' OR (status = 'retry' AND attempts < ?) "
            "ORDER BY status = 'retry', rowid", (MAX_ATTEMPTS,)).fetchall()
        return [r["url"] for r in rows]

    def page_indexed(self, url: str, article_id: str, crawl_date: str | None,
                     source: str | None = None) -> None:
        with self.conn:
            self.conn.execute(
                "INSERT INTO pages (url, source, status, article_id, crawl_date, attempts) "
                "VALUES (?, ?, 'indexed', ?, ?, 1) ON CONFLICT(url) DO UPDATE SET "
                "status = 'indexed', reason = NULL, article_id = excluded.article_id, "
                "crawl_date = excluded.crawl_date, attempts = attempts + 1",
                (url, source or url, article_id, crawl_date))

    def page_failed(self, url: str, reason: str, transient: bool,
                    source: str | None = None) -> None:
        """Record a failure; a passing one is retried later until MAX_ATTEMPTS."""
        with self.conn:
            self.conn.execute(
                "INSERT INTO pages (url, source, status, reason, attempts) VALUES (?, ?, ?, ?, 1) "
                "ON CONFLICT(url) DO UPDATE SET status = excluded.status, "
                "reason = excluded.reason, attempts = attempts + 1",
                (url, source or url, RETRY if transient else FAILED, reason))
            if transient:
                self.conn.execute(
                    "UPDATE pages SET status = 'failed' WHERE url = ? AND attempts >= ?",
                    (url, MAX_ATTEMPTS))


__all__ = ["CrawlState", "Source", "connect", "exists", "STATE_FILE", "MAX_ATTEMPTS"]
