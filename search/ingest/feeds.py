"""Tells feeds, sitemaps and pages apart by their content, and lists the links they give.

RSS 2.0, RSS 1.0 (RDF) and Atom feeds give article links; sitemaps give page links and
sitemap indexes give more sitemaps. What a document is comes from its first element, not its
URL or Content-Type (servers label feeds text/html, text/xml or application/octet-stream).
XML is parsed without entities, DTDs or network access, and leniently: real feeds are often
slightly broken (a stray ``&``), and the links that can be read are still worth having.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml import etree

FEED, SITEMAP, SITEMAP_INDEX, PAGE, OTHER = "feed", "sitemap", "sitemap-index", "page", "other"
# The sitemaps protocol allows 50,000 URLs a file; a feed with more is not a feed.
MAX_LINKS = 50_000
_GZIP_MAGIC = b"\x1f\x8b"
_ROOTS = {"rss": FEED, "rdf": FEED, "feed": FEED, "urlset": SITEMAP,
          "sitemapindex": SITEMAP_INDEX, "html": PAGE}
_HTML_TYPES = ("text/html", "application/xhtml+xml")
# Skip the prolog: BOM, whitespace, <?xml …?> and other processing instructions, comments
# and a doctype, up to the first element's name.
_PROLOG = re.compile(rb"(?:\xef\xbb\xbf|\s+|<\?.*?\?>|<!--.*?-->"
                     rb"|<!doctype[^>\[]*(?:\[.*?\])?\s*>)*", re.I | re.S)
_ELEMENT = re.compile(rb"<([A-Za-z_][\w.:-]*)")


@dataclass(frozen=True)
class Listing:
    """The links of a feed, a sitemap (page links) or a sitemap index (sitemap links)."""

    kind: str
    links: tuple[str, ...]


def is_gzip(body: bytes) -> bool:
    return body[:2] == _GZIP_MAGIC


def gunzip(body: bytes, limit: int) -> bytes:
    """Return the decompressed body; raise ValueError if broken or over ``limit`` bytes."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise ValueError(f"broken gzip data ({exc})") from exc
    if len(out) > limit:
        raise ValueError(f"over {limit:,} bytes once decompressed")
    return out


def sniff(body: bytes, content_type: str = "") -> str:
    """Return what the document is: FEED, SITEMAP, SITEMAP_INDEX, PAGE or OTHER."""
    head = body[:4096]
    prolog = _PROLOG.match(head)  # matches at least the empty string
    start = prolog.end() if prolog else 0
    element = _ELEMENT.match(head, start)
    if element:
        name = element.group(1).decode("ascii").rsplit(":", 1)[-1].lower()
        if name in _ROOTS:
            return _ROOTS[name]
    return PAGE if content_type in _HTML_TYPES else OTHER


def read_listing(body: bytes, base_url: str) -> Listing:
    """Return the links a feed or sitemap gives; raise ValueError if it cannot be read."""
    kind = sniff(body)
    if kind not in (FEED, SITEMAP, SITEMAP_INDEX):
        raise ValueError("not a feed or a sitemap")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             recover=True, huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(body, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise ValueError(f"malformed XML ({str(exc)[:80]})") from exc
    if root is None:
        raise ValueError("malformed XML (nothing could be read)")
    found = _feed_links(root) if kind == FEED else _sitemap_links(root, kind)
    return Listing(kind, _clean(found, base_url))


def _local(element) -> str:
    return etree.QName(element).localname.lower() if isinstance(element.tag, str) else ""


def _feed_links(root):
    for item in root.iter():
        name = _local(item)
        if name == "item":  # RSS 2.0 and RSS 1.0
            yield _rss_link(item)
        elif name == "entry":  # Atom
            yield _atom_link(item)


def _rss_link(item) -> str | None:
    guid = None
    for child in item:
        name = _local(child)
        if name == "link" and (child.text or "").strip():
            return child.text
        if name == "guid" and child.get("isPermaLink", "true").lower() != "false":
            guid = child.text
    return guid or item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")


def _atom_link(entry) -> str | None:
    for child in entry:
        if _local(child) == "link" and child.get("rel", "alternate") == "alternate":
            return child.get("href")
    return None


def _sitemap_links(root, kind: str):
    wanted = "sitemap" if kind == SITEMAP_INDEX else "url"
    for element in root.iter():
        if _local(element) == wanted:
            for child in element:
                if _local(child) == "loc":
                    yield child.text


def _clean(links, base_url: str) -> tuple[str, ...]:
    """Return absolute http(s) links without fragments, once each, in order, at most MAX_LINKS."""
    out: dict[str, None] = {}
    for link in links:
        if not link or not link.strip():
            continue
        text = link.strip()
        if re.match(r"(?i)https?://?$", text):  # a link cut short (truncated feed)
            continue
        try:
            absolute = urldefrag(urljoin(base_url, text))[0]
        except ValueError:  # an unparsable link (e.g. a bad IPv6 literal) is dropped
            continue
        parts = urlsplit(absolute)
        if parts.scheme.lower() in ("http", "https") and parts.netloc:
            out.setdefault(absolute)
        if len(out) >= MAX_LINKS:
            break
    return tuple(out)


__all__ = ["FEED", "SITEMAP", "SITEMAP_INDEX", "PAGE", "OTHER", "Listing", "sniff",
           "read_listing", "is_gzip", "gunzip"]
