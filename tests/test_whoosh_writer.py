"""The faster segment writer writes what Whoosh's own writer writes."""

from __future__ import annotations

import pytest
from whoosh import index
from whoosh.writing import SegmentWriter

from bench.corpus import REUTERS, reuters_records
from search.engines.whoosh.engine import build_schema, document
from search.engines.whoosh.writer import Writer
from search.models import Article

pytestmark = pytest.mark.shared(REUTERS)


def articles(count: int) -> list[Article]:
    out = []
    for record in reuters_records()[:count]:
        out.append(Article(id=record["id"], source=record["id"], title=record.get("title"),
                           body=record["body"], outlet="Reuters"))
    return out


def write(folder, writer_class, batches) -> None:
    ix = index.create_in(str(folder), build_schema())
    for batch in batches:
        writer = writer_class(ix, limitmb=64)
        for article in batch:
            writer.add_document(**document(article))
        writer.commit(merge=False)
    ix.close()


def contents(folder) -> dict:
    """Every term's statistics and postings (weights, encoded positions), every field length
    and stored document."""
    ix = index.open_dir(str(folder))
    out = {}
    with ix.searcher() as searcher:
        for leaf, offset in searcher.leaf_searchers():
            reader = leaf.reader()
            for field, text in reader.all_terms():
                info = reader.term_info(field, text)
                out[("info", field, text, offset)] = (
                    info.weight(), info.doc_frequency(), info.min_length(), info.max_length(),
                    info.max_weight())
                postings, items = reader.postings(field, text), []
                while postings.is_active():
                    items.append((postings.id(), postings.weight(), postings.value()))
                    postings.next()
                out[("postings", field, text, offset)] = items
            for docnum in range(reader.doc_count_all()):
                out[("stored", offset + docnum)] = reader.stored_fields(docnum)
                for field in ("title", "body"):
                    out[("length", field, offset + docnum)] = reader.doc_field_length(docnum, field)
            out[("max", offset)] = [reader.max_field_length(f) for f in ("title", "body")]
    ix.close()
    return out


def test_the_faster_writer_writes_the_same_index(tmp_path):
    docs = articles(600)
    batches = [docs[:250], docs[250:]]
    (tmp_path / "whoosh").mkdir()
    (tmp_path / "ours").mkdir()
    write(tmp_path / "whoosh", SegmentWriter, batches)
    write(tmp_path / "ours", Writer, batches)
    theirs, ours = contents(tmp_path / "whoosh"), contents(tmp_path / "ours")
    assert len(theirs) > 25_000
    assert ours == theirs


def test_the_faster_writer_stems_as_whoosh_does(tmp_path):
    ix = index.create_in(str(tmp_path), build_schema())
    writer = Writer(ix)
    analyzer = writer.schema["body"].analyzer
    words = "Militias were rejecting the claims of running embassies".split()
    assert [t.text for t in analyzer(" ".join(words))] == \
        [t.text for t in build_schema()["body"].analyzer(" ".join(words))]
    writer.cancel()
    ix.close()
