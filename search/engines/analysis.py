"""How both engines read text and queries: one analyzer, one parser, one title weight.

The Whoosh library's analyzer and query parser serve both engines (the Typesense engine
indexes the analyzer's stems and translates the parsed query), which is what keeps their
answers the same: a word is stemmed alike, a query is read alike, and a query the parser cannot
read is the same ``QueryError`` on both.
"""

from __future__ import annotations

import functools
import re
import threading

from whoosh import qparser, query
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import TEXT, Schema

from ..models import SearchRequest
from ..query import SEARCH_FIELDS, check_query_syntax
from . import bm25f
from .budget import Deadline
from .lru import Lru
from .parsing import parse_query as parse_with

# No stop list: "The Hague" or a quoted phrase must stay searchable, and BM25 already weighs
# very common words down.
ANALYZER = StemmingAnalyzer(stoplist=None, minsize=1)
TITLE_BOOST = bm25f.FIELD_WEIGHTS["title"]  # the parser's field boost is BM25F's field weight
# A word worth correcting (did-you-mean): letters only, not a field name ("title:"), not a
# wildcard or fuzzy term ("embass*", "embasy~"), not inside a quoted phrase (phrases are
# blanked out first).
SUGGEST_WORD = re.compile(r"(?<![\w*?~:])([^\W\d_]{3,})(?![\w*?~:])")

_parser: qparser.MultifieldParser | None = None
_lock = threading.Lock()
# Most parsed queries kept, by text. A query is parsed again for every page, facet value or
# filter a reader picks, and Whoosh's parser (pure Python) took 0.3 ms of a 4.4 ms query on
# 100,000 articles (bench.query_stages, 2026-12-07); a parsed query is never changed after.
PARSED_QUERIES = 1_024
_parsed: Lru[str, query.Query] = Lru(PARSED_QUERIES)


def analyze(text: str) -> list[str]:
    """Return the stems of a text, in order (what the index holds for it)."""
    return [t.text for t in ANALYZER(text or "")]


@functools.lru_cache(maxsize=65_536)
def analyze_word(word: str) -> tuple[str, ...]:
    """Return the stems of one word; cached, as snippets analyse the same words all the time."""
    return tuple(t.text for t in ANALYZER(word))


def parse_query(text: str, deadline: Deadline | None = None) -> query.Query:
    """Return the parsed query (``Every`` for a blank one); raise QueryError for a query the
    parser would misread, cannot read or finds no words in (``parsing.parse_query``), or when
    ``deadline`` passes."""
    if not text.strip():
        return query.Every()
    return _parsed.get(text, lambda _: _parse(text, deadline))


def _parse(text: str, deadline: Deadline | None) -> query.Query:
    """Parse a query not seen before (one that cannot be read raises, and is read again each
    time it comes)."""
    check_query_syntax(text)
    parser = query_parser()
    with _lock:  # a parser is not safe to share between threads
        return parse_with(parser, text, deadline)


def query_parser() -> qparser.MultifieldParser:
    global _parser
    with _lock:
        if _parser is None:
            # Only the searched fields matter to the parser: check_query_syntax refuses any
            # other field name before a query gets here.
            schema = Schema(**{name: TEXT(analyzer=ANALYZER) for name in SEARCH_FIELDS})
            _parser = qparser.MultifieldParser(list(SEARCH_FIELDS), schema,
                                               fieldboosts={"title": TITLE_BOOST})
            _parser.add_plugin(qparser.FuzzyTermPlugin())
        return _parser


def effective_sort(request: SearchRequest) -> str:
    """Return the order the request is served in: browsing without a query is by date."""
    if request.sort == "relevance" and not request.query.strip():
        return "newest"  # relevance means nothing without a query; recency does
    return request.sort


__all__ = ["ANALYZER", "SUGGEST_WORD", "TITLE_BOOST", "analyze", "analyze_word", "effective_sort",
           "parse_query", "query_parser"]
