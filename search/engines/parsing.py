"""Whoosh's query parser, fast on long pasted text: both engines parse queries through here.

Whoosh 2.7's parser costs time quadratic in the number of words: its syntax groups nest one
level per word, and its ``And.normalize`` removes duplicates through a set of ``Or`` queries
whose hash is the same for every word searched in title and body (the word's hash is XOR'ed
in twice and cancels out). A pasted paragraph of 10,000 characters (about 1,700 words) took
1.1 s to parse. Words side by side are AND'ed, so a long query without operators is the AND of
its parts: it is parsed in chunks of ``CHUNK_ITEMS`` top-level items (a word, a "phrase", a
'quoted term', a (group) or a field:value, never split) and the chunks' AND'ed parts are
joined, duplicates removed by their text form; a plain word (most items of pasted prose) is
built directly, as the parser would build it, without the parser's per-call cost.
``tests/test_parsing.py`` checks that the result equals Whoosh's own on real paragraphs. A
query with an operator (AND, OR, NOT, ANDNOT, ANDMAYBE) is parsed whole, as Whoosh reads it.
"""

from __future__ import annotations

import re

from whoosh import qparser, query

from ..errors import QueryError
from ..query import read_free_text

CHUNK_ITEMS = 24
# Spans the parser reads as one item: "phrases" (with an optional ~slop) and 'quoted terms'
# (Whoosh's PhrasePlugin and SingleQuotePlugin patterns).
_PHRASE = re.compile(r'"[^"]*"(?:~\d+)?')
_SINGLE = re.compile(r"(^|(?<=\W))'(?P<text>.*?)'(?=\s|\]|[)}]|$)")
# An item the parser reads as a plain word: none of its syntax characters; an apostrophe
# after a letter (company's) starts no 'quoted term', and "(1987)" is a group of one word.
_PLAIN = re.compile(r"(?:[^\s\"'()\[\]{}*?~^:]|(?<=\w)')+")
_GROUPED = re.compile(r"\((?P<word>(?:[^\s\"'()\[\]{}*?~^:]|(?<=\w)')+)\)")
_OPERATOR = re.compile(r"(?<![^\s()])(?:AND|OR|NOT|ANDNOT|ANDMAYBE)(?![^\s()])")
# What the parser would turn a long query into within this many characters is parsed whole.
_SHORT = 400


def parse_query(parser, text: str, deadline=None) -> query.Query:
    """Return what Whoosh's ``parser`` makes of the query (free-text punctuation read as in
    ``query.read_free_text``); raise QueryError if the parser fails or finds no words, or
    when ``deadline`` (a ``budget.Deadline``) passes between chunks."""
    text = read_free_text(text)
    try:
        items = _items(text) if len(text) > _SHORT else None
        parsed = parser.parse(text) if items is None else _joined(_parts(parser, items, deadline))
    except QueryError:
        raise
    except Exception as exc:  # the parser should never raise; if it does, it is the query
        raise QueryError(f"cannot read the query {_short(text)!r}: {exc}") from exc
    if parsed is query.NullQuery:
        raise QueryError(f"the query {_short(text)!r} has no words to search for — "
                         "type a word, a \"phrase\" or field:word")
    return parsed


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."


def _parts(parser, items: list[str], deadline=None) -> list[query.Query]:
    """Return the queries of the items in order: a plain word built here, runs of other items
    parsed by Whoosh, ``CHUNK_ITEMS`` at a time."""
    parts: list[query.Query] = []
    run: list[str] = []
    built: dict[str, query.Query] = {}
    for text in items + [""]:
        grouped = _GROUPED.fullmatch(text)
        item = grouped.group("word") if grouped else text
        if item and not grouped and not _PLAIN.fullmatch(item):
            run.append(item)
            continue
        for start in range(0, len(run), CHUNK_ITEMS):
            if deadline is not None:
                deadline.check("reading the query")
            parts.append(parser.parse(" ".join(run[start:start + CHUNK_ITEMS])))
        run = []
        if item:
            if item not in built:
                built[item] = _word_query(parser, item)
            parts.append(built[item])
    return parts


def _word_query(parser, text: str) -> query.Query:
    """Return the query Whoosh's parser makes of one plain word: its analysed tokens searched
    in each field (several tokens AND'ed within a field), the fields OR'ed."""
    fields = next(p for p in parser.plugins if isinstance(p, qparser.MultifieldPlugin))
    per_field = []
    for name in fields.fieldnames:
        boost = fields.boosts.get(name, 1.0)
        field = parser.schema[name]
        texts = list(field.process_text(text, mode="query", tokenize=True, removestops=True))
        if len(texts) > 1:
            per_field.append(parser.multitoken_query(field.multitoken_query, texts, name,
                                                     query.Term, boost))
        elif texts:
            per_field.append(query.Term(name, texts[0], boost=boost))
    return query.Or(per_field).normalize() if per_field else query.NullQuery


def _items(text: str) -> list[str] | None:
    """Return the query's top-level items, or None when it holds an operator (then the parser
    must see it whole)."""
    chars = list(text)
    for pattern in (_PHRASE, _SINGLE):
        for match in pattern.finditer("".join(chars)):
            chars[match.start():match.end()] = "x" * (match.end() - match.start())
    bare = "".join(chars)
    if _OPERATOR.search(bare):
        return None
    items, depth, start = [], 0, None
    for i, char in enumerate(bare):
        if char.isspace() and depth == 0:
            if start is not None:
                items.append(text[start:i])
                start = None
            continue
        if start is None:
            start = i
        depth += {"(": 1, ")": -1}.get(char, 0)
    if start is not None:
        items.append(text[start:])
    return items


def _joined(parts: list[query.Query]) -> query.Query:
    """Return the AND of the parsed chunks, flattened and without duplicates, as Whoosh's
    ``And.normalize`` would make it of the whole query."""
    if any(isinstance(p, query.Every) and p.fieldname is None for p in parts):
        return query.Every()
    children: dict[str, query.Query] = {}
    for part in parts:
        if part is query.NullQuery:
            continue
        subqueries = part.subqueries if isinstance(part, query.And) and part.boost == 1.0 \
            else [part]
        for sub in subqueries:
            children.setdefault(repr(sub), sub)
    if not children:
        return query.NullQuery
    if len(children) == 1:
        return next(iter(children.values()))
    return query.And(list(children.values()))
