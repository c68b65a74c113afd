"""Bringing documents in: files and folders, web archives, and the web (URLs, URL lists, feeds
and sitemaps, fetched politely), each turned into a ``RawDocument`` or a ``Skipped`` with its
reason.

``sources`` reads files, folders and JSON Lines (``warc`` the web archives among them);
``fetch`` fetches with robots.txt (``robots``) and a pause per host; ``feeds`` reads RSS, Atom
and sitemaps; ``crawl`` follows them, remembering what it saw in ``crawl_state``.
"""

from __future__ import annotations

from .crawl import Crawler, CrawlReport, is_url, read_url_list
from .crawl_state import CrawlState, Source
from .fetch import Fetcher, FetchFailure, Response, check_url, default_user_agent, is_private_url
from .robots import Robots
from .sources import RawDocument, Skipped, article_id, decode, iter_documents, load_overrides
from .warc import is_warc, iter_warc

__all__ = ["CrawlReport", "CrawlState", "Crawler", "FetchFailure", "Fetcher", "RawDocument",
           "Response", "Robots", "Skipped", "Source", "article_id", "check_url", "decode",
           "default_user_agent", "is_private_url", "is_url", "is_warc", "iter_documents",
           "iter_warc", "load_overrides", "read_url_list"]
