"""What the front end needs beyond a page of hits: did-you-mean, more like this, full export.

Kept apart from ``whoosh.py`` so the search path stays small; these functions reuse the
engine's current searcher, parser and filters, so they see exactly what ``search`` sees.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ...errors import ArticleNotFound
from ...models import Article, Hit, SearchRequest
from ...query import OPERATORS, blank_phrases
from ..snippets import lead_snippet

if TYPE_CHECKING:
    from .engine import WhooshEngine

# A word worth correcting: letters only, not a field name ("title:"), not a wildcard or fuzzy
# term ("embass*", "embasy~"), not inside a quoted phrase (phrases are blanked out first).
_WORD = re.compile(r"(?<![\w*?~:])([^\W\d_]{3,})(?![\w*?~:])")
SPELL_FIELDS = ("body", "title")


def suggest_query(engine: WhooshEngine, text: str) -> str | None:
    """Return the query with words unknown to the index replaced by close indexed words.

    The text fields are stemmed, so candidates are stems; each is turned back into a word as
    it is written in an article. Returns None when every word is known or nothing is close.
    """
    from .engine import ANALYZER

    searcher, _ = engine._current()
    reader = searcher.reader()
    bare = blank_phrases(text)
    out, changed, last = [], False, 0
    for match in _WORD.finditer(bare):
        word = match.group(1)
        if word in OPERATORS:
            continue
        stems = [t.text for t in ANALYZER(word.lower())]
        if not stems or any((f, stems[0]) in reader for f in SPELL_FIELDS):
            continue
        surface = _closest_word(searcher, stems[0], ANALYZER)
        if surface:
            out += [text[last:match.start()], surface.capitalize() if word[0].isupper() else surface]
            last, changed = match.end(), True
    return "".join(out + [text[last:]]) if changed else None


def _closest_word(searcher, stem: str, analyzer) -> str | None:
    reader = searcher.reader()
    for maxdist in (1, 2):
        candidates = [t for t in reader.terms_within("body", stem, maxdist, prefix=1) if t != stem]
        if candidates:
            best = max(candidates, key=lambda t: (reader.doc_frequency("body", t), t))
            return _surface_form(searcher, best, analyzer)
    return None


def _surface_form(searcher, stem: str, analyzer) -> str | None:
    """Return the word as an article writes it, for an indexed stem (e.g. embassi → embassy)."""
    docnum = next(iter(searcher.reader().postings("body", stem).all_ids()), None)
    if docnum is None:
        return None
    body = searcher.stored_fields(docnum).get("body", "")
    for token in analyzer(body, chars=True, mode="index"):
        if token.text == stem:
            return body[token.startchar:token.endchar].lower()
    return None


def more_like(engine: WhooshEngine, article_id: str, limit: int = 5) -> tuple[Hit, ...]:
    """Return up to ``limit`` articles sharing the most telling words of this one's body."""
    from .engine import _article

    searcher, _ = engine._current()
    docnum = searcher.document_number(id=article_id)
    if docnum is None:
        raise ArticleNotFound(f"no article with id {article_id!r} — `newsfacet search` lists ids")
    body = searcher.stored_fields(docnum).get("body", "")
    results = searcher.more_like(docnum, "body", text=body, top=limit, numterms=12)
    hits = []
    for hit in results:
        article = _article(hit.fields())
        hits.append(Hit.from_article(article, hit.score, lead_snippet(article.body, 160)))
    return tuple(hits)


def export_articles(engine: WhooshEngine, request: SearchRequest,
                    limit: int) -> tuple[int, Iterator[Article]]:
    """Return how many articles match, and up to ``limit`` of them in the request's order.

    Articles are read one at a time from the searcher current at the call, so a long export
    holds one article in memory and is not disturbed by a commit made meanwhile.
    """
    from .engine import _article

    total, docnums, searcher = engine.ordered(request, limit)

    def articles() -> Iterator[Article]:
        for docnum in docnums:
            yield _article(searcher.stored_fields(docnum))

    return total, articles()
