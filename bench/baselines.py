"""Baselines measured in the same run as newsfacet: SQLite FTS5, plain Whoosh and tantivy.

SQLite FTS5 is what Datasette users would pick: bm25() ranking (title weighted 2), snippet(),
and facet counts by GROUP BY on side tables (counts with every filter applied, the plain way).
Plain Whoosh is Whoosh used as its documentation shows: ``groupedby`` facets and the default
highlighter, on the very index newsfacet built. tantivy (the ``bench`` extra) is the engine a
Python user would pick for raw speed (see ``Tantivy``).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from whoosh import index, qparser, query, sorting


def build_fts5(corpus: Path, target: Path) -> sqlite3.Connection:
    """Build an FTS5 database of the corpus with facet side tables; return the connection."""
    if target.exists():
        target.unlink()
    db = sqlite3.connect(str(target), check_same_thread=False)
    db.executescript("""
        CREATE TABLE docs(rowid INTEGER PRIMARY KEY, id TEXT, title TEXT, outlet TEXT,
                          year TEXT, month TEXT);
        CREATE TABLE doc_entities(docid INTEGER, entity TEXT);
        CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize='porter unicode61');
    """)
    with corpus.open(encoding="utf-8") as handle:
        for rowid, line in enumerate(handle, start=1):
            r = json.loads(line)
            date = r.get("date") or ""
            db.execute("INSERT INTO docs VALUES (?,?,?,?,?,?)",
                       (rowid, r["id"], r["title"], r.get("outlet"), date[:4] or "undated",
                        date[:7] or "undated"))
            db.execute("INSERT INTO fts(rowid, title, body) VALUES (?,?,?)",
                       (rowid, r["title"], r["body"]))
            db.executemany("INSERT INTO doc_entities VALUES (?,?)",
                           [(rowid, e["name"]) for e in r.get("entities") or ()])
    db.execute("CREATE INDEX de_entity ON doc_entities(entity, docid)")
    db.execute("CREATE INDEX de_doc ON doc_entities(docid)")
    db.commit()
    return db


def fts5_search(db: sqlite3.Connection, text: str, filters: dict) -> dict:
    """Return total, ten hits with snippets, and entity/outlet/year/month counts."""
    where, params = ["fts MATCH ?"], [text]
    if filters.get("entity"):
        marks = ",".join("?" * len(filters["entity"]))
        where.append("EXISTS (SELECT 1 FROM doc_entities e WHERE e.docid = d.rowid "
                     f"AND e.entity IN ({marks}))")
        params += filters["entity"]
    for name in ("year", "month"):
        if filters.get(name):
            where.append(f"d.{name} IN ({','.join('?' * len(filters[name]))})")
            params += filters[name]
    clause = " AND ".join(where)
    base = f"FROM fts JOIN docs d ON d.rowid = fts.rowid WHERE {clause}"
    hits = db.execute(
        f"SELECT d.id, d.title, snippet(fts, 1, '<mark>', '</mark>', '…', 24), "
        f"bm25(fts, 2.0, 1.0) AS rank {base} ORDER BY rank LIMIT 10", params).fetchall()
    # The matches once, in a temporary table; total and every facet count read from it.
    db.execute("DROP TABLE IF EXISTS temp.m")
    db.execute(f"CREATE TEMP TABLE m AS SELECT d.rowid AS r, d.outlet, d.year, d.month {base}",
               params)
    total = db.execute("SELECT count(*) FROM m").fetchone()[0]
    facets = {name: db.execute(f"SELECT {name}, count(*) FROM m GROUP BY 1 ORDER BY 2 DESC")
              .fetchall() for name in ("outlet", "year", "month")}
    facets["entity"] = db.execute(
        "SELECT e.entity, count(*) FROM m JOIN doc_entities e ON e.docid = m.r "
        "GROUP BY 1 ORDER BY 2 DESC").fetchall()
    return {"total": total, "hits": hits, "facets": facets}


class PlainWhoosh:
    """Searches newsfacet's index the way Whoosh's documentation shows."""

    def __init__(self, index_dir: Path) -> None:
        self.ix = index.open_dir(str(index_dir))
        self.searcher = self.ix.searcher()
        self.parser = qparser.MultifieldParser(["title", "body"], self.ix.schema,
                                               fieldboosts={"title": 2.0})
        self.facets = {"entity": sorting.FieldFacet("entity", allow_overlap=True),
                       "outlet": sorting.FieldFacet("outlet"),
                       "year": sorting.FieldFacet("year"), "month": sorting.FieldFacet("month")}

    def search(self, text: str, filters: dict) -> dict:
        terms = [query.Or([query.Term(name, v) for v in values])
                 for name, values in filters.items() if values]
        results = self.searcher.search(self.parser.parse(text), limit=10, groupedby=self.facets,
                                       filter=query.And(terms) if terms else None)
        snippets = [hit.highlights("body") for hit in results[:10]]
        facets = {name: {k: len(v) for k, v in results.groups(name).items()}
                  for name in self.facets}
        return {"total": len(results), "snippets": snippets, "facets": facets}

    def close(self) -> None:
        self.searcher.close()


class Tantivy:
    """tantivy (Rust, Lucene's design), the engine a Python user would pick for raw speed.

    The same records and fields as the other baselines: title and body with tantivy's English
    stemmer (title weighted 2, as newsfacet and FTS5 weigh it), entity, outlet, year and month
    as untokenized fast fields. Facet counts cover the full matched set, with every filter
    applied (as FTS5's): tantivy's terms aggregation over the fast fields (its facet collector
    is not exposed to Python), one call for the four facets, the 100 most frequent values each.
    Snippets: its snippet generator over the body, for the ten hits. The writer runs with
    tantivy's defaults (its own heap and thread count).
    """

    FACETS = ("entity", "outlet", "year", "month")

    def __init__(self, path: Path) -> None:
        import tantivy

        self.tantivy = tantivy
        self.index = tantivy.Index.open(str(path))
        self.schema = self.index.schema
        self.searcher = self.index.searcher()
        # the 100 most frequent values of each facet, as newsfacet lists by default
        self.aggregations = {name: {"terms": {"field": name, "size": 100}}
                             for name in self.FACETS}

    @staticmethod
    def build(corpus: Path, target: Path) -> Tantivy:
        """Index the corpus into a new tantivy index in ``target``; return it opened."""
        import tantivy

        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_text_field("title", stored=True, tokenizer_name="en_stem")
        builder.add_text_field("body", stored=True, tokenizer_name="en_stem")
        for name in Tantivy.FACETS:
            builder.add_text_field(name, tokenizer_name="raw", fast=True)
        index = tantivy.Index(builder.build(), path=str(target))
        writer = index.writer()
        with corpus.open(encoding="utf-8") as handle:
            for line in handle:
                r = json.loads(line)
                date = r.get("date") or ""
                doc = tantivy.Document(id=r["id"], title=r["title"] or "", body=r["body"],
                                       year=date[:4] or "undated", month=date[:7] or "undated")
                if r.get("outlet"):
                    doc.add_text("outlet", r["outlet"])
                for entity in r.get("entities") or ():
                    doc.add_text("entity", entity["name"])
                writer.add_document(doc)
        writer.commit()
        writer.wait_merging_threads()
        return Tantivy(target)

    def search(self, text: str, filters: dict) -> dict:
        """Return total, ten hits with snippets, and entity/outlet/year/month counts."""
        tantivy = self.tantivy
        parsed = self.index.parse_query(text, ["title", "body"], field_boosts={"title": 2.0})
        musts = [(tantivy.Occur.Must, parsed)]
        for name, values in filters.items():
            if values:
                either = [(tantivy.Occur.Should, tantivy.Query.term_query(self.schema, name, v))
                          for v in values]
                musts.append((tantivy.Occur.Must, tantivy.Query.boolean_query(either)))
        matched = tantivy.Query.boolean_query(musts) if len(musts) > 1 else parsed
        result = self.searcher.search(matched, 10, count=True)
        snippets = tantivy.SnippetGenerator.create(self.searcher, parsed, self.schema, "body")
        hits = []
        for _, address in result.hits:
            doc = self.searcher.doc(address)
            hits.append((doc["id"][0], doc["title"][0],
                         snippets.snippet_from_doc(doc).to_html()))
        counts = self.searcher.aggregate(matched, self.aggregations)
        facets = {name: {b["key"]: b["doc_count"] for b in counts[name]["buckets"]}
                  for name in self.FACETS}
        return {"total": result.count, "hits": hits, "facets": facets}
