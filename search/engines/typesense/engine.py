"""The same ``Engine`` protocol on a Typesense server or cluster, for corpora past one machine.

All Typesense schema and search options live here. Titles and bodies are indexed as the stems
of Whoosh's analyzer (``title_stems``, ``body_stems``), so a word matches the same articles on
both engines; Typesense's own typo tolerance and prefix matching are switched off
(``num_typos=0``, ``prefix=false``, no dropped words) because they would widen matches past
what the query says; a query of plain words that too few articles match in full is relaxed as
on Whoosh, by ``relaxed`` (tiers of the articles holding its telling words). Facet counts are
disjunctive as in the Whoosh engine: each facet with a selection is counted by its own search
without that selection, all in one ``multi_search``.
Dates are int64 timestamps (``date_new``/``date_old``, with undated articles sorting last
both ways) plus ``year``/``month`` strings for facets. Snippets are made from the stored body
by ``snippets.make_snippet``, never from Typesense's highlighter, so they are escaped the same
way. Relevance is re-ranked with BM25F (``rank``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import logging
import time
from collections import Counter
from dataclasses import replace
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ...config import Settings
from ...errors import ArticleNotFound, EngineUnavailable, IndexCorrupt, IndexMissing, QueryError
from ...facets import FACET_NAMES, FACETS
from ...models import Article, Hit, IndexStats, Matching, SearchRequest, SearchResults
from ..analysis import analyze, effective_sort, parse_query
from ..bm25f import MIN_FULL_MATCHES
from ..matching import plain_words, rarest_first, searched_words, telling_words, word_of
from ..results import facet_values, highlight_paragraphs, make_hit
from ..stored import decode_article, encode_data
from . import browse, stories
from .conn import Connection, parse_nodes
from .query import EXACT, STEM_FIELDS, TypesenseQuery, quoted, translate
from .rank import BLOCK, bm25f_order, block_range, df_searches
from .relaxed import (Relaxed, counted, every_word_first, page_search, plan_pages, tier_search,
                      tiers_of)

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
FACET_FIELDS = FACET_NAMES
# A case-folded facet is filtered on a twin field of its values case-folded ("<name>_key").
FILTER_KEYS = {f.name: f"{f.name}_key" if f.case_folded else f.name for f in FACETS}
CASE_FOLDED = tuple(f.name for f in FACETS if f.case_folded)
# Sort keys that put undated articles last in both directions.
NEWEST_UNDATED, OLDEST_UNDATED = -(2 ** 62), 2 ** 62
INTERNAL_FIELDS = ",".join(["title_stems", "body_stems", "body_top",
                            *(FILTER_KEYS[name] for name in CASE_FOLDED),
                            "title_len", "body_len", "story_key"])
IMPORT_BATCH = 1000
# Typesense refuses a multi_search of more searches than this (its limit_multi_searches).
MULTI_SEARCH_LIMIT = 50
FIELD_PAIR = ("title", "body")  # a plain word's fields, as ``rank`` keys its frequencies
FACET_MARGIN = 20
ALL_VALUES = 1_000_000


def collection_schema(name: str) -> dict:
    """Return the Typesense collection schema of an article collection."""
    def field(name, kind, **options):
        return {"name": name, "type": kind, **options}

    return {"name": name, "symbols_to_index": [".", "_"], "fields": [
        field("title_stems", "string"),
        field("body_stems", "string"),
        # The stems a body repeats: ranks articles where a word is frequent above those that
        # mention it once (Typesense's text_match knows no term frequency).
        field("body_top", "string"),
        *_facet_fields(),
        field("date_new", "int64"),
        field("date_old", "int64"),
        field("title_len", "int32", facet=True),  # facet: its stats give the average length
        field("body_len", "int32", facet=True),
        field("crawl_date", "string", optional=True),
        field("story", "string", facet=True, optional=True),
        field("story_key", "string", facet=True),  # the story, or the article: to collapse by
    ]}


def _facet_fields() -> list[dict]:
    """Return the fields of the registry's facets: each facet's values (entities as
    "type|Canonical Name"), and for a case-folded one its twin to filter on. Only the period
    facets are on every article ("undated" without a date)."""
    out: list[dict] = []
    for facet in FACETS:
        kind = "string[]" if facet.multi_valued else "string"
        optional = {} if facet.period else {"optional": True}
        out.append({"name": facet.name, "type": kind, "facet": True, **optional})
        if facet.case_folded:
            out.append({"name": FILTER_KEYS[facet.name], "type": kind, "optional": True})
    return out


def _facet_values_of(article: Article) -> dict[str, Any]:
    """Return an article's facet fields (and their case-folded twins) as a document holds them."""
    doc: dict[str, Any] = {}
    for facet in FACETS:
        terms = facet.terms(article)
        keys = sorted({facet.split(t)[1].casefold() for t in terms})
        if facet.multi_valued:
            doc[facet.name] = list(terms)
            if facet.case_folded:
                doc[FILTER_KEYS[facet.name]] = keys
        elif terms:
            doc[facet.name] = terms[0]
            if facet.case_folded:
                doc[FILTER_KEYS[facet.name]] = keys[0]
    return doc


def _timestamp(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp())


def document(article: Article) -> dict:
    """Return the Typesense document of an article: stems and facets indexed, the rest stored."""
    title, body = analyze(article.title or ""), analyze(article.body)
    top = sorted(w for w, n in Counter(body).items() if n > 1)
    stamp = _timestamp(article.date) if article.date else None
    doc = {
        "id": article.id, "source": article.source, "title": article.title or "",
        "body": article.body, "content_hash": article.content_hash,
        "data": encode_data(article),
        "title_stems": " ".join(title), "body_stems": " ".join(body), "body_top": " ".join(top),
        "title_len": len(title), "body_len": len(body),
        **_facet_values_of(article),
        "date_new": stamp if stamp is not None else NEWEST_UNDATED,
        "date_old": stamp if stamp is not None else OLDEST_UNDATED,
        "story_key": stories.story_key(article.id, article.story),
    }
    for key in ("crawl_date", "story"):
        if getattr(article, key):
            doc[key] = getattr(article, key)
    return doc


class TypesenseEngine:
    """An article collection on a Typesense server or cluster."""

    def __init__(self, settings: Settings, *, create: bool = False,
                 retry_seconds: float | None = None) -> None:
        self.settings = settings
        self.name = settings.typesense_collection
        nodes = parse_nodes(settings.typesense_nodes)
        extra = {} if retry_seconds is None else {"retry_seconds": retry_seconds}
        self.conn = Connection(nodes, settings.typesense_api_key or "", **extra)
        self._lengths: tuple[float, int, dict[str, float]] | None = None
        self._open(create)

    @property
    def location(self) -> str:
        return f"Typesense {self.conn.where}, collection {self.name}"

    @property
    def data_dir(self) -> Path:
        return Path(self.settings.index_dir) / "typesense" / quote(self.name, safe="")

    def _open(self, create: bool) -> None:
        found = self.conn.call(lambda c: c.collections[self.name].retrieve(),
                               "opening the collection", missing=None)
        if found is not None:
            return
        if not create:
            raise IndexMissing(f"no collection {self.name!r} on the Typesense server at "
                               f"{self.conn.where} — run `newsfacet index --engine typesense "
                               "seeds/` first (or set NEWSFACET_TYPESENSE_COLLECTION)")
        for schema in (collection_schema(self.name),
                       {"name": self._meta, "fields": [{"name": "kind", "type": "string"}]}):
            # exists_ok: another process may have created it meanwhile
            self.conn.call(functools.partial(_create, schema=schema), "creating a collection",
                           exists_ok=True)

    @property
    def _meta(self) -> str:
        return self.name + "_meta"

    def _docs(self, client):
        return client.collections[self.name].documents

    # -- writing ---------------------------------------------------------------------------

    def upsert(self, articles: Sequence[Article]) -> None:
        docs = [document(a) for a in articles]
        for start in range(0, len(docs), IMPORT_BATCH):
            self._import(docs[start:start + IMPORT_BATCH])
        if docs:
            self._touch()

    def _import(self, docs: list[dict]) -> None:
        """Import one batch; retry the documents a node refused while the cluster recovers.

        Upserts are idempotent, so a batch whose answer was lost (the leader died mid-request)
        is simply sent again: every article ends up stored once.
        """
        pending, deadline = docs, time.monotonic() + self.conn.retry_seconds
        while pending:
            results = self.conn.call(
                lambda c: self._docs(c).import_(pending, {"action": "upsert"}),  # noqa: B023
                "an import")  # (the call runs the function at once, in this iteration)
            failed = [(doc, r) for doc, r in zip(pending, results, strict=False)
                      if not r.get("success")]
            if not failed:
                return
            doc, first = failed[0]
            if (int(first.get("code", 500)) < 500
                and "lagging" not in str(first.get("error")).lower()):
                raise IndexCorrupt(f"Typesense refused article {doc['id']!r}: {first.get('error')} "
                                   f"— the collection {self.name!r} may have an older schema; "
                                   "delete it and index again")
            if time.monotonic() > deadline:
                raise EngineUnavailable(f"Typesense kept refusing {len(failed)} articles "
                                        f"({first.get('error')}) — check the cluster's health")
            logger.info("retrying %d articles Typesense refused: %s", len(failed),
                        first.get("error"))
            time.sleep(0.5)
            pending = [doc for doc, _ in failed]

    def remove(self, ids: Iterable[str]) -> int:
        removed = 0
        for article_id in dict.fromkeys(ids):
            deleted = self.conn.call(functools.partial(self._delete, article_id=article_id),
                                     "a removal", missing=None)
            removed += deleted is not None
        self._touch()
        return removed

    def _delete(self, client, article_id: str) -> dict:
        return self._docs(client)[quote(article_id, safe="")].delete()

    def _touch(self) -> None:
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        meta = {"id": "meta", "kind": "meta", "schema_version": SCHEMA_VERSION, "last_update": now}
        self.conn.call(lambda c: c.collections[self._meta].documents.upsert(meta), "an update")

    # -- reading ---------------------------------------------------------------------------

    def get(self, article_id: str) -> Article:
        missing = ArticleNotFound(f"no article with id {article_id!r} — "
                                  "`newsfacet search` lists ids")
        try:
            doc = self.conn.call(lambda c: self._docs(c)[quote(article_id, safe="")].retrieve(),
                                 "a lookup", missing=missing)
        except QueryError:  # an id Typesense cannot even look up
            raise missing from None
        return decode_article(doc)

    def hashes(self) -> dict[str, str]:
        text = self.conn.call(lambda c: self._docs(c).export({"include_fields": "id,content_hash"}),
                              "an export")
        out = {}
        for line in text.splitlines():
            if line.strip():
                doc = json.loads(line)
                out[doc["id"]] = doc.get("content_hash", "")
        return out

    def prepare(self) -> None:
        """Nothing to do: the server keeps its own structures up to date."""

    def merging_in_background(self) -> AbstractContextManager[None]:
        """Nothing to do: the server merges its own storage."""
        return contextlib.nullcontext()

    def warm(self) -> None:
        """Nothing to do: the server holds what its searches need."""

    def count(self) -> int:
        info = self.conn.call(lambda c: c.collections[self.name].retrieve(), "a count")
        return int(info.get("num_documents", 0))

    def stats(self) -> IndexStats:
        result = self.single_search({"q": "*", "query_by": "title_stems", "per_page": 0,
                               "facet_by": ",".join(FACET_FIELDS), "max_facet_values": ALL_VALUES})
        counts = _facet_counts(result)
        facets = {name: facet_values(counts.get(name, {}), (), name) for name in FACET_FIELDS}
        metrics = self.conn.call(lambda c: c.api_call.get("/metrics.json"), "metrics")
        # No write yet, or an older collection: the date is simply unknown.
        meta = self.conn.call(lambda c: c.collections[self._meta].documents["meta"].retrieve(),
                              "the last update", missing={})
        return IndexStats(articles=int(result["found"]), facets=facets,
                          size_bytes=int(float(metrics.get("typesense_memory_active_bytes", 0))),
                          last_update=meta.get("last_update"), location=self.location)

    def search(self, request: SearchRequest) -> SearchResults:
        tq, filters, matching = self._read(request)
        sort = effective_sort(request)
        start, stop = (request.page - 1) * request.per_page, request.page * request.per_page
        if sort == "relevance":
            searches, finish = self._ranking(tq, filters, start, stop)
        else:
            searches = [self._page_search(tq, filters, sort, request.page, request.per_page)]
        facet_searches = self._facet_searches(request, tq, filters, searches[0]) \
            if request.with_facets else {}
        extra = [s for s in facet_searches.values() if s is not searches[0]]
        if request.collapse:
            extra.append(stories.count_search(self._base(tq, filters)))
        results = self.multi_search(searches + extra)
        articles = int(results[0]["found"])
        if request.collapse:
            ranked = stories.collapsed(
                lambda block: self._block_entries(tq, filters, sort, block), start, stop)
            hits = self._hits(ranked, tq, request)
        elif sort == "relevance":
            _, entries = finish(results[:len(searches)])
            hits = self._hits([(i, score) for i, score, _ in entries], tq, request)
        else:
            hits = tuple(self._hit(decode_article(h["document"]), None, tq, request)
                         for h in results[0]["hits"])
        facets = {}
        if request.with_facets:
            by_search = {id(searches[0]): results[0]}
            by_search.update({id(s): r for s, r in zip(extra, results[len(searches):],
                                                       strict=False)})
            facets = self._facets(request, facet_searches, searches[0], by_search)
        total = int(results[-1]["found"]) if request.collapse else articles
        return SearchResults(request=request, total=total, facets=facets, articles=articles,
                             hits=stories.with_copies(self, hits), matching=matching)

    def _read(self, request: SearchRequest) -> tuple[TypesenseQuery, dict[str, str],
                                                       Matching | None]:
        """Return the translated query, the request's filters and how plain words are matched
        (None for any other query): every word, unless fewer than ``MIN_FULL_MATCHES`` of the
        filtered articles hold them all; then the query carries its ``relaxed`` tiers."""
        tq, filters = translate(request.query), self._filters(request)
        groups = None if tq.is_every else plain_words(parse_query(request.query), request.query)
        if not groups:
            return tq, filters, None
        words = [word_of(g) for g in groups]
        cap = self.settings.max_query_words
        long = len(words) > cap
        # A saved search's "new articles only" (ids) does not decide, as on Whoosh.
        results = self.multi_search(
            [{"q": "*", "query_by": "title_stems", "per_page": 0}]
            + [{**EXACT, "q": w, "query_by": "title_stems,body_stems", "per_page": 0}
               for w in words]
            + ([] if long else [{**self._base(tq, filters, skip="ids"), "per_page": 0}]))
        n_docs = int(results[0]["found"])
        df = {w: int(r["found"]) for w, r in zip(words, results[1:], strict=False)}
        searched = searched_words(df, cap)
        if searched is not None:  # a long query searches its rarest words
            tq, words = _only(tq, searched), searched
            df = {w: df[w] for w in searched}
            results.append(self.single_search({**self._base(tq, filters, skip="ids"),
                                               "per_page": 0}))
        with_all = int(results[-1]["found"])
        matching = Matching(len(groups), with_all, with_all < MIN_FULL_MATCHES,
                            None if searched is None else len(searched))
        if not matching.relaxed:
            return tq, filters, matching
        ordered = rarest_first(words, df)
        relaxed = Relaxed(tuple(ordered), df, tiers_of(ordered, telling_words(df, n_docs)))
        clause = self._clause(filters)
        founds = self.multi_search([tier_search(t, clause, per_page=0) for t in relaxed.tiers]) \
            if relaxed.tiers else []
        relaxed = counted(relaxed, [int(r["found"]) for r in founds])
        return replace(tq, relaxed=relaxed), filters, matching

    def _hits(self, ranked: list[tuple[str, float | None]], tq: TypesenseQuery,
              request: SearchRequest) -> tuple[Hit, ...]:
        articles = self.fetch([article_id for article_id, _ in ranked])
        return tuple(self._hit(articles[i], score, tq, request)
                     for i, score in ranked if i in articles)

    def _block_entries(self, tq: TypesenseQuery, filters: dict[str, str], sort: str,
                       block: int) -> tuple[list[tuple[str, float | None, str]], bool]:
        """Return block ``block`` of the request's order as (id, score, story_key), and
        whether more blocks follow."""
        start, stop = block * BLOCK, (block + 1) * BLOCK
        if sort == "relevance":
            searches, finish = self._ranking(tq, filters, start, stop)
            results = self.multi_search(searches)
            total, entries = finish(results)
        else:
            page = self._page_search(tq, filters, sort, block + 1, BLOCK)
            page.pop("exclude_fields")
            result = self.single_search({**page, "include_fields": "id,story_key"})
            total = int(result["found"])
            entries = [(h["document"]["id"], None, h["document"].get("story_key"))
                       for h in result["hits"]]
        return entries, stop < total

    def ordered_ids(self, request: SearchRequest, start: int, stop: int) -> tuple[int, list[str]]:
        """Return the number of matches and the ids from ``start`` to ``stop`` in order."""
        tq, filters, _ = self._read(request)
        sort = effective_sort(request)
        if sort == "relevance":
            searches, finish = self._ranking(tq, filters, start, stop)
            total, entries = finish(self.multi_search(searches))
            return total, [article_id for article_id, _, _ in entries]
        blocks = block_range(start, stop)
        page = self._page_search(tq, filters, sort, 1, BLOCK)
        results = self.multi_search([{**page, "page": b + 1, "include_fields": "id"}
                                     for b in blocks])
        ids = [h["document"]["id"] for r in results for h in r["hits"]]
        offset = blocks[0] * BLOCK
        return int(results[0]["found"]), ids[start - offset:stop - offset]

    # -- search helpers --------------------------------------------------------------------

    def _filters(self, request: SearchRequest) -> dict[str, str]:
        """Return each active filter as a Typesense filter_by clause, by facet name."""
        out = {}
        for name, values in request.filters.items():
            if values:
                keys = [v.casefold() if name in CASE_FOLDED else v for v in values]
                out[name] = f"{FILTER_KEYS[name]}:=[{','.join(quoted(k) for k in keys)}]"
                if name == "entity" and request.all_entities:  # every value, not any
                    out[name] = " && ".join(f"{FILTER_KEYS[name]}:={quoted(k)}" for k in keys)
        dates = []
        if request.since:
            dates.append(f"date_new:>={_timestamp(request.since)}")
        if request.until:
            dates.append(f"date_old:<={_timestamp(request.until)}")
        if dates:
            out["dates"] = " && ".join(dates)  # not a facet: every facet's counts respect it
        if request.ids:  # saved searches over the articles an update added
            out["ids"] = f"id:[{','.join(quoted(i) for i in request.ids)}]"
        return out

    @staticmethod
    def _clause(filters: dict[str, str], skip: str | None = None) -> str:
        return " && ".join(v for k, v in filters.items() if k != skip)

    def _base(self, tq: TypesenseQuery, filters: dict[str, str], skip: str | None = None) -> dict:
        """Return the search of the articles the query matches (a relaxed query: a filter)."""
        clause = self._clause(filters, skip)
        params = {**EXACT, "q": tq.q, "query_by": tq.query_by}
        if tq.relaxed is not None:
            clause = " && ".join(c for c in (tq.relaxed.filter, clause) if c)
            params = {**EXACT, "q": "*", "query_by": "title_stems"}
        if clause:
            params["filter_by"] = clause
        return params

    def _candidates(self, tq: TypesenseQuery, filters: dict[str, str], block: int) -> dict:
        params = self._base(tq, filters)
        fields, weights = [], []
        for field, weight in (("title", 3), ("body", 1)):
            if field in tq.fields:
                fields.append(STEM_FIELDS[field])
                weights.append(weight)
        # body_top only helps order candidates; with a phrase it could match words that are
        # adjacent only in that list, so phrases leave it out.
        if "body" in tq.fields and all(len(c.words) == 1 for c in tq.clauses):
            fields.insert(len(fields) - 1, "body_top")
            weights.insert(len(weights) - 1, 2)
        params.update(query_by=",".join(fields), query_by_weights=",".join(map(str, weights)),
                      sort_by="_text_match:desc,body_len:asc", page=block + 1, per_page=BLOCK,
                      include_fields="id,title_stems,body_stems,story_key",
                      highlight_fields="none")
        return params

    def _page_search(self, tq: TypesenseQuery, filters: dict[str, str], sort: str, page: int,
                     per_page: int) -> dict:
        order = "date_new:desc" if sort == "newest" else "date_old:asc"
        return {**self._base(tq, filters), "sort_by": order, "page": page, "per_page": per_page,
                "exclude_fields": INTERNAL_FIELDS, "highlight_fields": "none"}

    def _facet_searches(self, request: SearchRequest, tq: TypesenseQuery,
                        filters: dict[str, str], main: dict) -> dict[str, dict]:
        """Return the search that counts each facet: the main one, except (for disjunctive
        counts) a facet with a selection, counted by a search without its own selection."""
        out: dict[str, dict] = {}
        for name in FACET_FIELDS:
            if request.filters[name] and request.disjunctive(name):
                out[name] = {**self._base(tq, filters, skip=name), "per_page": 0,
                             "facet_by": name, "max_facet_values": ALL_VALUES}
        in_main = [f for f in FACET_FIELDS if f not in out]
        if in_main:
            # Selected values are listed whatever their rank: count every value then.
            every = any(request.filters[f] for f in in_main) or not request.facet_size
            main.update(facet_by=",".join(in_main), max_facet_values=ALL_VALUES if every
                        else (request.facet_size or 0) + FACET_MARGIN)
            out.update({f: main for f in in_main})
        return out

    def _facets(self, request, facet_searches: dict[str, dict], main: dict,
                by_search: dict[int, dict]) -> dict:
        facets = {}
        for name in FACET_FIELDS:
            search = facet_searches[name]
            counts = _facet_counts(by_search[id(search)]).get(name, {})
            if search is main and not _exact_top(by_search[id(search)], name, request.facet_size):
                # Values tie across the cut: count them all, so the cut is Whoosh's (by value).
                again = self.single_search({**search, "per_page": 0, "facet_by": name,
                                      "max_facet_values": ALL_VALUES, "page": 1})
                counts = _facet_counts(again).get(name, {})
            facets[name] = facet_values(counts, request.filters[name], name, request.facet_size)
        return facets

    def _ranking(self, tq: TypesenseQuery, filters: dict[str, str], start: int, stop: int):
        """Return the searches that rank results ``start`` to ``stop`` by relevance, and the
        function that turns their results into (total, [(id, score, story_key)])."""
        if tq.relaxed is not None:
            return self._relaxed_ranking(tq, tq.relaxed, filters, start, stop)
        blocks = list(block_range(start, stop))
        pairs = df_searches(tq.clauses)
        searches = [self._candidates(tq, filters, block) for block in blocks]
        searches += [{**EXACT, "q": word, "per_page": 0,
                      "query_by": ",".join(STEM_FIELDS[f] for f in fields)}
                     for fields, word in pairs]

        def finish(results: list[dict]) -> tuple[int, list[tuple[str, float, str | None]]]:
            df = {pair: int(r["found"])
                  for pair, r in zip(pairs, results[len(blocks):], strict=False)}
            n_docs, lengths = self._average_lengths()
            ranked = []
            for result in results[:len(blocks)]:  # each block in its own BM25F order
                ranked += [(doc["id"], score, doc.get("story_key")) for doc, score in bm25f_order(
                    [h["document"] for h in result["hits"]], tq.clauses, df, n_docs, lengths)]
            offset = blocks[0] * BLOCK
            return int(results[0]["found"]), ranked[start - offset:stop - offset]

        return searches, finish

    def _relaxed_ranking(self, tq: TypesenseQuery, relaxed: Relaxed, filters: dict[str, str],
                         start: int, stop: int):
        """``_ranking`` of a relaxed query (``relaxed``): the count of its matches (the search
        the facets are counted with), then the tier pages that hold the range."""
        plan = plan_pages(relaxed, start, stop)
        clause = self._clause(filters)
        tiers = relaxed.tiers
        searches = [{**self._base(tq, filters), "per_page": 0}]
        searches += [page_search(tiers[i], clause, 1) for i in plan.head]
        searches += [page_search(tiers[i], clause, page) for i, page, _ in plan.later]
        df: dict[tuple[tuple[str, ...], str], int] = {(FIELD_PAIR, w): n
                                                    for w, n in relaxed.df.items()}

        def finish(results: list[dict]) -> tuple[int, list[tuple[str, float, str | None]]]:
            n_docs, lengths = self._average_lengths()

            def ranked(pages: list[dict]) -> list[tuple[dict, float]]:
                docs = [h["document"] for r in pages for h in r["hits"]]
                return every_word_first(bm25f_order(docs, tq.clauses, df, n_docs, lengths),
                                        relaxed.words)

            head, later = results[1:1 + len(plan.head)], results[1 + len(plan.head):]
            placed = list(enumerate(ranked(head))) if plan.head else []
            for (_, _, first), result in zip(plan.later, later, strict=True):
                placed += [(first + j, entry) for j, entry in enumerate(ranked([result]))]
            return int(results[0]["found"]), [(doc["id"], score, doc.get("story_key"))
                                              for at, (doc, score) in placed if start <= at < stop]

        return searches, finish

    def _average_lengths(self) -> tuple[int, dict[str, float]]:
        """Return the article count and average stems per field, re-read every minute."""
        if self._lengths is None or time.monotonic() - self._lengths[0] > 60:
            result = self.single_search({"q": "*", "query_by": "title_stems", "per_page": 0,
                                   "facet_by": "title_len,body_len", "max_facet_values": 1})
            stats = {f["field_name"]: f.get("stats", {}) for f in result.get("facet_counts", [])}
            lengths = {"title": float(stats.get("title_len", {}).get("avg") or 1),
                       "body": float(stats.get("body_len", {}).get("avg") or 1)}
            self._lengths = (time.monotonic(), int(result["found"]), lengths)
        return self._lengths[1], self._lengths[2]

    def fetch(self, ids: Sequence[str]) -> dict[str, Article]:
        """Return the stored articles of these ids (those that still exist), by id."""
        out: dict[str, Article] = {}
        for start in range(0, len(ids), BLOCK):
            chunk = [i for i in ids[start:start + BLOCK] if "`" not in i]
            for article_id in ids[start:start + BLOCK]:
                if "`" in article_id:  # cannot be quoted in a filter: look it up alone
                    with contextlib.suppress(ArticleNotFound):
                        out[article_id] = self.get(article_id)
            if not chunk:
                continue
            result = self.single_search({"q": "*", "query_by": "title_stems",
                                         "per_page": len(chunk),
                                   "filter_by": f"id:[{','.join(quoted(i) for i in chunk)}]",
                                   "exclude_fields": INTERNAL_FIELDS, "highlight_fields": "none"})
            out.update({h["document"]["id"]: decode_article(h["document"]) for h in result["hits"]})
        return out

    def _hit(self, article: Article, score: float | None, tq: TypesenseQuery,
             request: SearchRequest) -> Hit:
        terms = frozenset() if tq.is_every else tq.terms
        return make_hit(article, score, terms, request, self.settings.snippet_chars)

    def single_search(self, params: dict) -> dict:
        """Run one search (Typesense parameters); raise our errors if it failed."""
        return self.multi_search([params])[0]

    def multi_search(self, searches: list[dict]) -> list[dict]:
        """Run searches, ``MULTI_SEARCH_LIMIT`` to a request; raise our errors for any that
        failed."""
        results = []
        for start in range(0, len(searches), MULTI_SEARCH_LIMIT):
            body = {"searches": [{**s, "collection": self.name}
                                 for s in searches[start:start + MULTI_SEARCH_LIMIT]]}
            results += self.conn.call(lambda c: c.multi_search.perform(body, {}),  # noqa: B023
                                      "a search")["results"]  # (called at once, in this loop)
        for result in results:
            if "error" in result:
                code, message = int(result.get("code", 500)), str(result["error"])
                if code == 404 and "collection" in message.lower():
                    raise IndexMissing(f"no collection {self.name!r} on the Typesense server at "
                                       f"{self.conn.where} — run `newsfacet index --engine "
                                       "typesense seeds/` first")
                if code == 400:
                    raise QueryError(f"Typesense cannot run this search: {message}")
                raise EngineUnavailable(f"Typesense failed a search ({code}: {message[:200]})")
        return results

    # -- article page, did-you-mean, more like this, export ---------------------------------

    def highlight_paragraphs(self, body: str, text: str) -> list[str]:
        """Return the body's paragraphs as HTML-safe strings with the query's words marked."""
        return highlight_paragraphs(body, text, self.query_terms)

    def query_terms(self, text: str) -> frozenset[str]:
        """Return the stems a query marks; raise QueryError for a query Typesense cannot run
        (wildcards, fuzzy terms, OR: see ``query``)."""
        return translate(text).terms

    def suggest(self, text: str) -> str | None:
        return browse.suggest_query(self, text)

    def more_like(self, article_id: str, limit: int = 5) -> tuple[Hit, ...]:
        return browse.more_like(self, article_id, limit)

    def export(self, request: SearchRequest, limit: int) -> tuple[int, Iterator[Article]]:
        return browse.export_articles(self, request, limit)

    def close(self) -> None:
        self.conn.close()


def _only(tq: TypesenseQuery, words: list[str]) -> TypesenseQuery:
    """Return a query of plain words reduced to ``words``."""
    kept = set(words)
    clauses = tuple(c for c in tq.clauses if c.words[0] in kept)
    return replace(tq, q=" ".join(c.text() for c in clauses), clauses=clauses)


def _create(client, schema: dict) -> dict:
    return client.collections.create(schema)


def _facet_counts(result: dict) -> dict[str, dict[str, int]]:
    return {f["field_name"]: {c["value"]: int(c["count"]) for c in f.get("counts", [])}
            for f in result.get("facet_counts", [])}


def _exact_top(result: dict, name: str, limit: int | None) -> bool:
    """Whether the values returned decide the top ``limit`` exactly: all values came back,
    or the last one returned counts fewer than the ``limit``-th (no tie across the cut)."""
    facet = next((f for f in result.get("facet_counts", []) if f["field_name"] == name), None)
    if facet is None:
        return True
    counts = sorted((int(c["count"]) for c in facet.get("counts", [])), reverse=True)
    total = int(facet.get("stats", {}).get("total_values", len(counts)))
    if len(counts) >= total or limit is None:
        return len(counts) >= total
    return len(counts) > limit and counts[-1] < counts[limit - 1]


__all__ = ["FACET_FIELDS", "TypesenseEngine", "collection_schema", "document"]
