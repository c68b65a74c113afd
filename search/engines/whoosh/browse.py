"""What the front end needs beyond a page of hits: did-you-mean, more like this, full export.

Kept apart from ``engine.py`` so the search path stays small; these functions reuse the
engine's current searcher, parser and filters, so they see exactly what ``search`` sees.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ...errors import ArticleNotFound
from ...models import Article, Hit, SearchRequest
from ...query import OPERATORS, blank_phrases, read_free_text
from ..analysis import ANALYZER, SUGGEST_WORD, analyze_word
from ..snippets import find_matches, lead_snippet
from ..spelling import MAX_DISTANCE, best_word
from ..stored import decode_article

if TYPE_CHECKING:
    from .engine import WhooshEngine

SPELL_FIELDS = ("body", "title")
WRITTEN_DOCS = 3  # articles read for the forms in which a candidate word is written


def suggest_query(engine: WhooshEngine, text: str) -> str | None:
    """Return the query with words unknown to the index replaced by close indexed words.

    The text fields are stemmed, so candidates are stems; each is weighed by its frequency
    and its distance to the typed word as articles write it (``spelling.best_word``).
    Returns None when every word is known or nothing is close.
    """
    searcher, _ = engine.current()
    reader = searcher.reader()
    bare = blank_phrases(read_free_text(text))
    out, changed, last = [], False, 0
    for match in SUGGEST_WORD.finditer(bare):
        word = match.group(1)
        if word in OPERATORS:
            continue
        stems = [t.text for t in ANALYZER(word.lower())]
        if not stems or any((f, stems[0]) in reader for f in SPELL_FIELDS):
            continue
        surface = best_word(word, stems[0], candidates_for(engine, searcher, word, stems[0]),
                            lambda stem: written_forms(searcher, stem))
        if surface:
            out += [text[last:match.start()],
                    surface.capitalize() if word[0].isupper() else surface]
            last, changed = match.end(), True
    return "".join(out + [text[last:]]) if changed else None


def candidates_for(engine: WhooshEngine, searcher, word: str, stem: str) -> list[tuple[str, int]]:
    """Return (stem, document frequency) of the indexed stems within reach of a typed word."""
    vocabulary = engine.vocabulary(searcher)
    reader = searcher.reader()
    near = {w for key in {stem, word.lower()} for w, _ in vocabulary.within(key, MAX_DISTANCE)}
    return [(w, max(reader.doc_frequency(f, w) for f in SPELL_FIELDS)) for w in sorted(near)]


def surface_form(searcher, stem: str) -> str | None:
    """Return the word as an article writes it, for an indexed stem (e.g. embassi → embassy)."""
    return next(iter(written_forms(searcher, stem, documents=1)), None)


def written_forms(searcher, stem: str, documents: int = WRITTEN_DOCS) -> list[str]:
    """Return the forms in which the first few articles holding a stem write it (lower case)."""
    reader = searcher.reader()
    forms: dict[str, None] = {}
    for field in SPELL_FIELDS:
        if (field, stem) not in reader:
            continue
        for n, docnum in enumerate(reader.postings(field, stem).all_ids()):
            if n >= documents:
                break
            text = searcher.stored_fields(docnum).get(field, "")
            for start, end, _ in find_matches(text, frozenset([stem]), analyze_word, limit=20):
                forms.setdefault(text[start:end].lower())
        if forms:
            break
    return list(forms)


def more_like(engine: WhooshEngine, article_id: str, limit: int = 5) -> tuple[Hit, ...]:
    """Return up to ``limit`` articles sharing the most telling words of this one's body."""
    searcher, _ = engine.current()
    docnum = searcher.document_number(id=article_id)
    if docnum is None:
        raise ArticleNotFound(f"no article with id {article_id!r} — `newsfacet search` lists ids")
    body = searcher.stored_fields(docnum).get("body", "")
    results = searcher.more_like(docnum, "body", text=body, top=limit, numterms=12)
    hits = []
    for hit in results:
        article = decode_article(hit.fields())
        hits.append(Hit.from_article(article, hit.score, lead_snippet(article.body, 160)))
    return tuple(hits)


def export_articles(engine: WhooshEngine, request: SearchRequest,
                    limit: int) -> tuple[int, Iterator[Article]]:
    """Return how many articles match, and up to ``limit`` of them in the request's order.

    Articles are read one at a time from the searcher current at the call, so a long export
    holds one article in memory and is not disturbed by a commit made meanwhile.
    """
    total, docnums, searcher = engine.ordered(request, limit)

    def articles() -> Iterator[Article]:
        for docnum in docnums:
            yield decode_article(searcher.stored_fields(docnum))

    return total, articles()
