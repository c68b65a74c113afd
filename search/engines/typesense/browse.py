"""Did-you-mean, more like this and full export on Typesense, as the Whoosh engine's browse module
does them.

Typesense 0.24 has no "more like this" and no term dictionary to walk, so both are built from
searches: a word unknown to the collection is looked up again with Typesense's typo tolerance
(stems within two typos, weighed by frequency and distance as in ``spelling.best_word``); similar
articles are those sharing the most of an article's telling stems (frequent in it, rare in the
collection), found with Typesense dropping words from the end of the query until enough match.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ...models import Article, Hit, SearchRequest
from ...query import OPERATORS, blank_phrases, read_free_text
from ..analysis import SUGGEST_WORD, analyze
from ..snippets import lead_snippet
from ..spelling import MAX_DISTANCE, best_word
from ..stored import decode_article
from .query import EXACT
from .rank import BLOCK

if TYPE_CHECKING:
    from .engine import TypesenseEngine

# Did-you-mean: articles read for close words, and how many close words Typesense tries.
CANDIDATE_DOCS = 100
CANDIDATE_STEMS = 20
KEY_TERMS = 12
CANDIDATE_TERMS = 40


def suggest_query(engine: TypesenseEngine, text: str) -> str | None:
    """Return the query with words unknown to the collection replaced by close ones, or None."""
    bare = blank_phrases(read_free_text(text))
    words = [m for m in SUGGEST_WORD.finditer(bare) if m.group(1) not in OPERATORS]
    stems = [(analyze(m.group(1).lower()) or [""])[0] for m in words]
    if not words:
        return None
    known = engine.multi_search([{**EXACT, "q": s or "*", "query_by": "title_stems,body_stems",
                            "per_page": 0} for s in stems])
    out, changed, last = [], False, 0
    for match, stem, result in zip(words, stems, known, strict=False):
        if not stem or int(result["found"]):
            continue
        surface = _closest_word(engine, match.group(1), stem)
        if surface:
            word = match.group(1)
            out += [text[last:match.start()],
                    surface.capitalize() if word[0].isupper() else surface]
            last, changed = match.end(), True
    return "".join(out + [text[last:]]) if changed else None


def _closest_word(engine: TypesenseEngine, word: str, stem: str) -> str | None:
    """Return the best indexed word for a typed one (``spelling.best_word``), its candidates
    found by Typesense's typo tolerance (up to two typos) and weighed by their frequency."""
    result = engine.single_search({"q": stem, "query_by": "body_stems", "num_typos": MAX_DISTANCE,
                             "prefix": "false", "per_page": CANDIDATE_DOCS,
                             "drop_tokens_threshold": 0, "typo_tokens_threshold": CANDIDATE_DOCS,
                             "max_candidates": CANDIDATE_STEMS, "include_fields": "id,body",
                             "highlight_fields": "body_stems"})
    forms: dict[str, dict[str, None]] = {}
    for hit in result["hits"]:
        tokens = {t.lower() for h in hit.get("highlights", []) for t in h.get("matched_tokens", [])
                  if t}
        for written in re.findall(r"\w+", hit["document"].get("body", "")):
            found = analyze(written.lower())[:1]
            if found and found[0] in tokens:
                forms.setdefault(found[0], {}).setdefault(written.lower())
    if not forms:
        return None
    near = sorted(forms)
    counts = engine.multi_search([{**EXACT, "q": s, "query_by": "title_stems,body_stems",
                             "per_page": 0} for s in near])
    candidates = [(s, int(r["found"])) for s, r in zip(near, counts, strict=True)]
    return best_word(word, stem, candidates, lambda s: forms.get(s, {}))


def more_like(engine: TypesenseEngine, article_id: str, limit: int = 5) -> tuple[Hit, ...]:
    """Return up to ``limit`` articles sharing the most telling stems of this one's body."""
    article = engine.get(article_id)
    counts = Counter(w for w in analyze(article.body) if len(w) > 2 and not w.isdigit())
    candidates = [w for w, _ in counts.most_common(CANDIDATE_TERMS)]
    if not candidates:
        return ()
    df = engine.multi_search([{"q": w, "query_by": "body_stems", "num_typos": 0, "prefix": "false",
                         "per_page": 0} for w in candidates])
    total = max(engine.count(), 1)
    weight = {w: counts[w] * math.log(total / (int(r["found"]) + 1) + 1)
              for w, r in zip(candidates, df, strict=False)}
    terms = sorted(candidates, key=lambda w: (-weight[w], w))[:KEY_TERMS]
    params = {"q": " ".join(terms), "query_by": "body_stems", "num_typos": 0, "prefix": "false",
              # Typesense drops words from the query until this many articles match: the
              # nearest it comes to OR'ing the telling words.
              "drop_tokens_threshold": limit + 1, "per_page": limit + 1,  # +1: itself
              "exclude_fields": "title_stems,body_stems,body_top", "highlight_fields": "none"}
    hits: list[Hit] = []
    for hit in engine.single_search(params)["hits"]:
        similar = decode_article(hit["document"])
        if similar.id != article_id and len(hits) < limit:
            hits.append(Hit.from_article(similar, float(hit.get("text_match", 0)),
                                         lead_snippet(similar.body, 160)))
    return tuple(hits)


def export_articles(engine: TypesenseEngine, request: SearchRequest,
                    limit: int) -> tuple[int, Iterator[Article]]:
    """Return how many articles match, and up to ``limit`` of them in the request's order,
    read a block at a time."""
    total, first = engine.ordered_ids(request, 0, min(limit, BLOCK))

    def articles() -> Iterator[Article]:
        ids, start = first, 0
        while ids:
            found = engine.fetch(ids)
            yield from (found[i] for i in ids if i in found)
            start += BLOCK
            if start >= min(limit, total):
                break
            _, ids = engine.ordered_ids(request, start, min(limit, start + BLOCK))

    return total, articles()
