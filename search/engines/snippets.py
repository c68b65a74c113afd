"""HTML-safe snippets: article text escaped, and only our own ``<mark>`` tags added.

This is the one place that produces markup from article text; everything it returns is safe
to insert into a page unescaped.

Whoosh's highlighter runs the analyzer over the whole stored body of every hit, which costs
more than the search itself. Here a regular expression first finds words that could match
(they start like one of the query's stems), and only those few words are analysed to confirm
them, so the cost grows with the number of candidate words, not with the article's length.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable, Iterable

ELLIPSIS = "…"
MAX_MATCHES = 64


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _prefix(stem: str) -> str:
    # Stemmers cut or change a word's last letters (embassy → embassi, they → thei, day → dai):
    # match on the stem less its last letter. On 1.17 million words of 8,000 Reuters articles
    # that prefix begins the written word every time; keeping four letters whole (as before)
    # missed 14,704 of them ("they", "may", "any", "day").
    return stem[:max(1, len(stem) - 1)]


@functools.lru_cache(maxsize=512)
def _candidates(terms: frozenset[str]) -> re.Pattern[str]:
    prefixes = sorted({_prefix(t) for t in terms if t}, key=len, reverse=True)
    # A candidate is a whole token as the analyzer's tokenizer reads it (\w+(\.?\w+)*: "u.s",
    # "x.com"); ``_starts_token`` then keeps those that start where such a token can start, so
    # that what is analysed is the token. That check is not a lookbehind at the head of the
    # pattern because such a pattern is tried at every position of the text; one that starts
    # with the prefixes is searched for by its possible first letters (23.5 -> 13.5 us a body
    # on 2,000 Reuters bodies, 10 queries). It finds the same words: every position inside a
    # candidate follows a letter or a dot after a letter, so no token the lookbehind would
    # accept starts inside a rejected one (tests/test_snippets.py compares the two).
    alternatives = "|".join(map(re.escape, prefixes))
    return re.compile(rf"(?:{alternatives})\w*(?:\.\w+)*", re.IGNORECASE)


_WORD = re.compile(r"\w")


@functools.lru_cache(maxsize=1_024)
def _folded(body: str) -> str:
    """Return the text with each run of white space one space. Cached: a page of hits comes
    back with every query of its words (a fifth of a snippet's 70 us at 100k articles, line
    profile of bench.perf's queries), and the cached articles hand over the same string."""
    return " ".join(body.split())


def _starts_token(text: str, start: int) -> bool:
    """Return whether a token can start at ``start``: after no letter, nor a dot after one."""
    if start == 0:
        return True
    if _WORD.match(text, start - 1):
        return False
    return not (text[start - 1] == "." and start >= 2 and _WORD.match(text, start - 2))


def find_matches(text: str, terms: frozenset[str], analyze: Callable[[str], Iterable[str]],
                 limit: int = MAX_MATCHES) -> list[tuple[int, int, str]]:
    """Return (start, end, term) of words in ``text`` whose analysed form is a query term."""
    if not terms or not text:
        return []
    found = []
    for candidate in _candidates(terms).finditer(text):
        if not _starts_token(text, candidate.start()):
            continue
        hit = next((t for t in analyze(candidate.group()) if t in terms), None)
        if hit is not None:
            found.append((candidate.start(), candidate.end(), hit))
            if len(found) >= limit:
                break
    return found


def _marked(text: str, start: int, stop: int, matches: list[tuple[int, int, str]]) -> str:
    out, position = [], start
    for begin, end, _ in matches:
        if begin < position or end > stop:
            continue
        out += [_escape(text[position:begin]), "<mark>", _escape(text[begin:end]), "</mark>"]
        position = end
    out.append(_escape(text[position:stop]))
    return "".join(out)


def _best_window(matches: list[tuple[int, int, str]], chars: int) -> int:
    """Return the start of the match that begins the window holding the most distinct terms
    (the first such window). Matches come in text order and do not overlap, so their ends rise:
    the window of each match ends where the next one's does or later, and one pass moves both
    ends (a set per match over all later ones took a third of a snippet's time)."""
    best, best_score = matches[0][0], 0
    inside: dict[str, int] = {}  # the window's terms, with how many of its matches hold each
    end = 0  # the first match past the window
    for i, (start, _, _) in enumerate(matches):
        while end < len(matches) and matches[end][1] <= start + chars:
            term = matches[end][2]
            inside[term] = inside.get(term, 0) + 1
            end += 1
        if len(inside) > best_score:
            best, best_score = start, len(inside)
        if end > i:  # the window's first match leaves it
            term = matches[i][2]
            inside[term] -= 1
            if not inside[term]:
                del inside[term]
        else:  # a match longer than the window: the next window starts empty past it
            end = i + 1
    return best


def make_snippet(body: str, terms: frozenset[str], analyze, chars: int,
                 title: str | None = None) -> str:
    """Return an HTML-safe window of the body around its best matches. When the body holds
    none but the title does (the article matched on its title alone), the title with its
    matches marked, then the body's lead; else the body's lead."""
    text = _folded(body)
    matches = find_matches(text, terms, analyze)
    if not matches:
        return _title_snippet(title, text, terms, analyze, chars) or lead_snippet(text, chars)
    first = _best_window(matches, chars)
    start = max(0, first - chars // 4)
    if start:
        space = text.find(" ", start, first)
        start = space + 1 if space != -1 else start
    stop = min(len(text), start + chars)
    if stop < len(text):
        space = text.rfind(" ", max(first, start), stop)
        stop = space if space > first else stop
    before = ELLIPSIS + " " if start > 0 else ""
    after = " " + ELLIPSIS if stop < len(text) else ""
    return before + _marked(text, start, stop, matches) + after


def _title_snippet(title: str | None, text: str, terms: frozenset[str], analyze,
                   chars: int) -> str | None:
    heading = " ".join((title or "").split())
    matches = find_matches(heading, terms, analyze)
    if not matches:
        return None
    rest = max(chars - len(heading), chars // 2)
    lead = lead_snippet(text, rest)
    return _marked(heading, 0, len(heading), matches) + (" — " + lead if lead else "")


def mark_all(text: str, terms: frozenset[str], analyze) -> str:
    """Return the whole text escaped, with every matching word marked."""
    return _marked(text, 0, len(text), find_matches(text, terms, analyze, limit=10**6))


def lead_snippet(body: str, chars: int) -> str:
    """Return the start of the body, cut on a word boundary, escaped."""
    text = " ".join(body.split())
    if len(text) <= chars:
        return _escape(text)
    cut = text[:chars].rsplit(" ", 1)[0]
    return _escape(cut) + " " + ELLIPSIS
