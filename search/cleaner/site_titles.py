"""Site affixes of headlines, found across a collection: what a site's titles share is no headline.

A page that declares no site name still gives itself away when several of its outlet's pages
are indexed together: "Man charged over attack – Soccer – Sport – Breaking News – Belfast
Telegraph" and "Cup final tickets sold out – Soccer – Sport – Breaking News – Belfast Telegraph"
share their tail, "China eyes growth_English_Xinhua" and "Floods hit the south_English_Xinhua"
theirs. :class:`SiteTitles` reads the titles a page declares (cheaply, without parsing the
page), groups them by the site the page names (its site name or its address's host) and, for
each page, gives the leading and trailing parts its site's other pages repeat;
:func:`strip_affixes` takes them off a title.

Only parts set off by a spaced dash or bar, or an underscore, count: a colon inside a
headline ("Brexit: what happens next") is the headline's own.
"""

from __future__ import annotations

import html as html_lib
import re
from collections import Counter
from urllib.parse import urlsplit

__all__ = ["SiteTitles", "page_titles", "strip_affixes"]

MIN_PAGES = 2  # an affix on this many of a site's pages is the site's
HEAD_CHARS = 300_000  # titles and meta tags stand in the head: read no further
AFFIX_SEPARATORS = re.compile(r"\s+[|\-–—·•»]+\s+|(?<=\w)_(?=[A-Z])")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_META = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_LINK = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""([a-zA-Z:_-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
TITLE_PROPERTIES = ("og:title", "twitter:title")
SITE_PROPERTIES = ("og:site_name", "application-name")


def _key(text: str) -> str:
    return re.sub(r"\W+", "", text.casefold())


def _attributes(tag: str) -> dict[str, str]:
    return {name.lower(): html_lib.unescape(a or b or c) for name, a, b, c in _ATTR.findall(tag)}


def page_titles(html: str, url: str | None = None) -> tuple[str, list[str]]:
    """Return (site, titles) a page declares in its head: the site's name or host ("" if it
    names none) and its ``<title>``, og:title and twitter:title."""
    head = html[:HEAD_CHARS]
    titles = [html_lib.unescape(match) for match in _TITLE.findall(head)[:1]]
    site, address = "", url or ""
    for tag in _META.findall(head):
        attributes = _attributes(tag)
        name = (attributes.get("property") or attributes.get("name") or "").lower()
        content = " ".join(attributes.get("content", "").split())
        if name in TITLE_PROPERTIES and content:
            titles.append(content)
        elif name in SITE_PROPERTIES and content and not site:
            site = content
        elif name == "og:url" and content and not address:
            address = content
    if not address:
        for tag in _LINK.findall(head):
            attributes = _attributes(tag)
            if attributes.get("rel", "").lower() == "canonical" and attributes.get("href"):
                address = attributes["href"]
                break
    if not site:
        try:
            site = (urlsplit(address).hostname or "").removeprefix("www.")
        except ValueError:
            site = ""
    return _key(site), [" ".join(title.split()) for title in titles if title.strip()]


def affixes_of(title: str) -> set[str]:
    """Return the keys of every leading ("<"-tagged) and trailing (">"-tagged) part of a title
    set off by a separator, e.g. ``>belfasttelegraph``, ``>sportbreakingnewsbelfasttelegraph``."""
    out = set()
    for separator in AFFIX_SEPARATORS.finditer(title):
        before, after = _key(title[:separator.start()]), _key(title[separator.end():])
        if before and after:
            out.update({f"<{before}", f">{after}"})
    return out


def strip_affixes(title: str, affixes: frozenset[str]) -> str:
    """Return ``title`` without its longest trailing and leading parts that are in ``affixes``."""
    if not affixes:
        return title
    for separator in AFFIX_SEPARATORS.finditer(title):  # first separator first: the longest tail
        if f">{_key(title[separator.end():])}" in affixes and _key(title[:separator.start()]):
            title = title[:separator.start()].strip()
            break
    for separator in reversed(list(AFFIX_SEPARATORS.finditer(title))):  # the longest head
        if f"<{_key(title[:separator.start()])}" in affixes and _key(title[separator.end():]):
            title = title[separator.end():].strip()
            break
    return title


class SiteTitles:
    """The declared titles of a collection's pages, grouped by site, to find each site's affixes."""

    def __init__(self) -> None:
        self._site_of: dict[str, str] = {}
        self._pages: Counter[str] = Counter()  # pages per site
        self._affixes: dict[str, Counter[str]] = {}  # site -> pages whose titles have each affix
        self._own: dict[str, frozenset[str]] = {}  # source -> the affixes of its own titles

    def add(self, source: str, html: str, url: str | None = None) -> None:
        """Read one page's declared titles into the collection (a source added twice counts
        once)."""
        if source in self._site_of:
            return
        site, titles = page_titles(html, url)
        own = frozenset().union(*map(affixes_of, titles))
        self._site_of[source] = site
        self._own[source] = own
        self._pages[site] += 1
        self._affixes.setdefault(site, Counter()).update(own)

    def affixes(self, source: str) -> frozenset[str]:
        """Return the affixes of the page's titles that its site repeats on ``MIN_PAGES`` pages
        or more."""
        site = self._site_of.get(source)
        if site is None or self._pages[site] < MIN_PAGES:
            return frozenset()
        counts = self._affixes[site]
        return frozenset(affix for affix in self._own[source] if counts[affix] >= MIN_PAGES)
