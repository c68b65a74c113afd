"""HTML cleaner on trafilatura (placeholder until the tuned cleaner lands)."""

from __future__ import annotations

import trafilatura

from . import Block, CleanedDocument


def clean_html(html: str, url: str | None = None) -> CleanedDocument:
    """Return the main text of an HTML page and the metadata it declares."""
    doc = trafilatura.bare_extraction(html, url=url, include_comments=False, with_metadata=True)
    if doc is None:
        return CleanedDocument(body="", mode="html")
    text = doc.text or ""
    paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
    meta = {
        "title": doc.title, "date": doc.date, "date_source": "html-meta" if doc.date else None,
        "sitename": doc.sitename, "author": doc.author, "url": doc.url,
        "description": doc.description, "language": doc.language,
    }
    return CleanedDocument(body="\n\n".join(paragraphs), mode="html",
                           blocks=tuple(Block(p, "body") for p in paragraphs), page_meta=meta)
