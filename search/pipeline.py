"""Raw input to a finished Article: cleaner, then metadata and entities.

Used by indexing and by ``newsfacet clean``; it reads no files and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass, replace
from collections.abc import Mapping
from typing import Any

from .agency import find_credit
from .cleaner import PARSER_DEPTH, CleanedDocument, clean_html, clean_text, nesting_depth
from .cleaner.collection import NOTHING_SHARED, Shared
from .cleaner.paragraphs import record_paragraphs
from .entities import ner
from .entities.given import given_entities
from .entities.table import EntityTable
from .ingest.sources import RawDocument, Skipped, article_id
from .metadata import Metadata, extract_metadata
from .models import Article
from .stories import Fingerprint, fingerprint
from .unicode import valid_text

logger = logging.getLogger(__name__)

# Bump when cleaning or extraction changes, so re-indexing refreshes every article.
# 2: wire agency credits and story fingerprints.
# 3: entities a record lists are all kept (typed by the table, the record, the text or "other").
# 4: people, organisations and places recognised in every article (search/entities/ner).
# 5: outlets of HTML pages are names where the page gives one ("CBS News", not "cbsnews.com").
# 6: recognised events and laws, companies' legal forms and short forms, table row labels,
#    places in capitals spelled as in running text.
# 7: hard-wrapped .txt stories read by paragraph and their closing sign-off kept as a credit;
#    what an outlet's other documents in the collection share (chrome lines, title affixes).
# 8: sports clubs in results lists recognised as organisations (search/entities/ner).
PIPELINE_VERSION = "8"


@dataclass(frozen=True)
class Processed:
    """A finished article with the cleaned document and metadata it was built from."""

    article: Article
    cleaned: CleanedDocument
    metadata: Metadata
    fingerprint: Fingerprint | None = None  # shingles and LSH bands, for story ids


def content_hash(raw: RawDocument, table: EntityTable, hints: Mapping[str, str],
                 shared: Shared = NOTHING_SHARED) -> str:
    """Return a hash that changes when the input, the pipeline, the entity table, the
    recogniser, hints or what the collection shares with this document do."""
    parts = [raw.raw_hash, PIPELINE_VERSION, table.fingerprint, ner.fingerprint(),
             json.dumps(dict(hints), sort_keys=True)]
    if shared:  # left out when empty, so a lone document's hash is as before
        parts.append(shared.fingerprint())
    return hashlib.sha1("\n".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def clean_document(raw: RawDocument, shared: Shared = NOTHING_SHARED) -> CleanedDocument:
    """Return the cleaned document for any kind of raw input.

    ``shared``: what the document's outlet's other documents in the collection share with it
    (``cleaner.collection.Collection.shared``): a dump's chrome lines, a page's title affixes.
    """
    if raw.kind == "html":
        return clean_html(raw.content, url=raw.fields.get("url"),
                          title_affixes=shared.title_affixes)
    if raw.kind == "text":
        return clean_text(raw.content, boilerplate=shared.lines)
    # A JSON record's body is already the article text: keep its paragraphs as they are.
    paragraphs = record_paragraphs(raw.content)
    return CleanedDocument(body="\n\n".join(paragraphs), mode="record")


def process(raw: RawDocument, table: EntityTable, hints: Mapping[str, str] | None = None,
            max_text_chars: int = 1_000_000,
            shared: Shared = NOTHING_SHARED) -> Processed | Skipped:
    """Return the finished article for ``raw``, or a skip saying why there is none."""
    # The hash covers the overrides only: record fields are already in raw_hash, and indexing
    # compares against content_hash(raw, table, overrides, shared) to find unchanged documents.
    version = content_hash(raw, table, hints or {}, shared)
    hints = {**{k: v for k, v in raw.fields.items()
                if k in ("title", "date", "outlet", "url", "author")}, **(hints or {})}
    try:
        cleaned = clean_document(raw, shared)
    except RecursionError:
        return Skipped(raw.source, "page is nested too deeply to parse")
    body = cleaned.body.strip()
    if len(body) > max_text_chars:
        body = body[:max_text_chars].rsplit(" ", 1)[0]
        logger.warning("%s: text cut at %d characters", raw.source, max_text_chars)
    metadata = extract_metadata(cleaned, hints)
    if not body and not _headline_only(raw, metadata):
        if raw.kind == "html" and (depth := nesting_depth(raw.content)) > PARSER_DEPTH:
            return Skipped(raw.source, f"page is nested too deeply to parse ({depth:,} levels; "
                                       f"the HTML parser reads {PARSER_DEPTH})")
        what = "the page" if raw.kind == "html" else "the text"
        return Skipped(raw.source, f"no article text found in {what} after cleaning")
    # Credits are read from the cleaner's chrome too: a syndication disclaimer is chrome.
    credit = find_credit(body.split("\n\n"), [b.text for b in cleaned.blocks if not b.kept])
    found = ner.find_entities(table, metadata.title, body,
                              outlets=(metadata.outlet, credit.agency if credit else None))
    entities = found + given_entities(raw.fields.get("entities") or (), table, found)
    article = Article(
        id=article_id(raw), source=raw.source, body=body, title=metadata.title,
        url=metadata.url or (raw.source if "://" in raw.source else None),
        outlet=metadata.outlet, author=metadata.author, date=metadata.date,
        date_source=metadata.date_source, title_source=metadata.title_source,
        outlet_source=metadata.outlet_source, language=metadata.language,
        entities=tuple(dict.fromkeys(entities)), content_hash=version,
        agency=credit.agency if credit else None, agency_source=credit.source if credit else None,
        crawl_date=crawl_date(raw.fields.get("crawl_date")),
    )
    return Processed(_valid_article(article), cleaned, metadata, fingerprint(body))


def _headline_only(raw: RawDocument, metadata: Metadata) -> bool:
    """Return whether a document without text is indexed under its title alone.

    Only a record's own title counts: a wire brief ("U.S. M-1 MONEY SUPPLY RISES 2.1 BILLION
    DLRS", 1,806 of Reuters-21578's 21,577 records) is news in its headline, while an HTML
    page with a <title> and no text is a login wall, an index page or an error page.
    """
    return raw.kind == "record" and bool((raw.fields.get("title") or "").strip()
                                         and metadata.title)


def _valid_article(article: Article) -> Article:
    """Return the article with every text field valid Unicode (lone surrogates replaced)."""
    changes: dict[str, Any] = {name: valid_text(value) for name, value in vars(article).items()
               if isinstance(value, str) and valid_text(value) is not value}
    return replace(article, **changes) if changes else article


def crawl_date(value) -> str | None:
    """Return when a page was fetched or archived as ``YYYY-MM-DDTHH:MM:SSZ``, or None.

    Kept apart from the publication date: a crawl says when we saw a page, not when it
    was published, so it never fills ``date``.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.timezone.utc)
        # An offset can carry a moment past year 9999 (OverflowError): an unknown crawl date.
        return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError):
        return None
