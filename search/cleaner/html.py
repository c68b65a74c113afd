"""HTML cleaner: trafilatura's main-text extraction, then our own chrome filter, plus page metadata.

All trafilatura options of the project are set here (``EXTRACT_OPTIONS``).
"""

from __future__ import annotations

import logging
import pkgutil
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura
import trafilatura.external
from lxml.html import HtmlElement
from trafilatura.settings import Document
from trafilatura.utils import load_html

from .document import Block, CleanedDocument
from .html_chrome import MIN_LINK_WORDS, PageContext, label_chrome, text_key
from .html_meta import extract_page_meta

logger = logging.getLogger(__name__)

# Reader comments are not the article: the Scrapinghub runner and our search both leave them out.
# Tables are kept (fact boxes, results); links and images add nothing to plain text.
EXTRACT_OPTIONS: dict[str, Any] = dict(
    include_comments=False, include_tables=True, include_links=False, include_images=False,
    with_metadata=False, output_format="python",
)
# Fewer word characters than this is a stub (an error page, a lone caption), not an article.
MIN_BODY_CHARS = 60
EMPTY_META: dict[str, str | None] = dict.fromkeys(
    ("title", "date", "date_source", "sitename", "author", "url", "description", "language"))


def justext_stopwords() -> tuple[str, ...]:
    """Return every word of justext's stop lists in lower case: what trafilatura's
    ``jt_stoplist_init`` builds when a page first falls back to justext, built here with one
    decode and one ``lower`` per list instead of one per word (0.20 -> 0.13 s of a worker's
    first such page on the dev pages; ``tests/test_cleaner_html.py`` checks the same words)."""
    words: set[str] = set()
    for language in trafilatura.external.get_stoplists():
        lines = (pkgutil.get_data("justext", f"stoplists/{language}.txt") or b"").splitlines()
        if lines:  # lowered whole: a line break is no letter, so each word lowers as alone
            words.update(b"\n".join(lines).decode("utf-8").lower().split("\n"))
    stopwords = tuple(words)
    trafilatura.external.JT_STOPLIST = stopwords  # type: ignore[assignment]
    return stopwords


# trafilatura builds the stop lists of every language once per process, when a page first falls
# back to justext (``try_justext`` calls the module's ``jt_stoplist_init``): this builds the
# same words faster.
trafilatura.external.jt_stoplist_init = justext_stopwords  # type: ignore[assignment]


def clean_html(html: str, url: str | None = None,
               title_affixes: frozenset[str] = frozenset()) -> CleanedDocument:
    """Return the page's article text as body blocks, with chrome removed and the page's metadata.

    A page with no article (empty, tiny, binary garbage, scripts only) gives an empty ``body``;
    bad HTML never raises. ``title_affixes``: parts of the page's titles its site's other pages
    repeat (``site_titles.SiteTitles``), taken off the title.
    """
    tree = _parse(html)
    if tree is None:
        return CleanedDocument(body="", mode="html", page_meta=dict(EMPTY_META, url=url))
    meta = extract_page_meta(tree, url, title_affixes)
    context = _page_context(tree, meta)
    blocks = label_chrome(_extract_blocks(tree, url), context)
    body = "\n\n".join(block.text for block in blocks if block.kept)
    if len(re.sub(r"\W+", "", body)) < MIN_BODY_CHARS:
        logger.debug("no article text on %s", url or "page")
        body = ""
    return CleanedDocument(body=body, mode="html", blocks=tuple(blocks), page_meta=meta)


# libxml2, under lxml and trafilatura, reads at most this many levels of nested elements and
# drops what lies deeper without an error (found by nesting paragraphs in <div>s: at 256 levels
# they are read, at 257 the page is empty).
PARSER_DEPTH = 256
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)[^>]*?(/?)>")
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "param", "source", "track", "wbr"})


def nesting_depth(html: str) -> int:
    """Return how deeply the page's elements nest, counting open and close tags (void and
    self-closed elements add nothing; an unclosed tag counts until the page ends)."""
    depth = deepest = 0
    for match in _TAG.finditer(html):
        closing, name, self_closed = match.groups()
        if closing:
            depth = max(0, depth - 1)
        elif not self_closed and name.lower() not in _VOID:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def _parse(html: str) -> HtmlElement | None:
    """Return the parsed page, or None when it is not parseable HTML."""
    if not isinstance(html, str) or "<" not in html:
        return None
    try:
        return load_html(html)
    except (ValueError, TypeError) as exc:
        logger.debug("unparseable HTML: %s", exc)
        return None


def _extract_blocks(tree: HtmlElement, url: str | None) -> list[Block]:
    """Return trafilatura's main-text paragraphs as blocks (headings marked), or [] if it finds
    none."""
    doc = trafilatura.bare_extraction(tree, url=url, **EXTRACT_OPTIONS)
    if not isinstance(doc, Document) or not doc.text:  # None; a dict only with as_dict=True
        return []
    headings = {" ".join("".join(h.itertext()).split()) for h in doc.body.iter("head")}
    lines = [" ".join(line.split()) for line in doc.text.split("\n")]
    return [Block(line, "heading" if line in headings else "body") for line in lines if line]


def _page_context(tree: HtmlElement, meta: dict[str, str | None]) -> PageContext:
    """Return what the chrome filter needs to know of the page: headline keys, link texts, author.

    Links to the page itself (its permalink, a table of contents of its own sections) are not
    links to other content: a heading that matches one is the article's own.
    """
    # only the first headline-like <h1>: later ones are often section headings of the article
    first_h1 = next((h.text_content() for h in tree.iter("h1")
                     if len(h.text_content().split()) >= 3), "")
    titles = {text_key(meta.get("title") or ""), text_key(first_h1)} - {""}
    own = _address_key(meta.get("url") or "", "")
    links = set()
    for anchor in tree.iter("a"):
        text = anchor.text_content()
        href = (anchor.get("href") or "").strip()
        if len(text.split()) < MIN_LINK_WORDS or href.startswith("#"):
            continue
        if own and _address_key(href, meta.get("url") or "") == own:
            continue
        links.add(text_key(text))
    return PageContext(frozenset(titles), frozenset(links), meta.get("author"))


def _address_key(href: str, base: str) -> str:
    """Return the host and path ``href`` points at (relative to ``base``), without scheme,
    ``www.``, query, fragment and trailing slash, for telling a link to the page itself; "" if
    none."""
    try:
        parts = urlsplit(urljoin(base, href))
    except ValueError:
        return ""
    host = (parts.hostname or "").removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}" if host else ""
