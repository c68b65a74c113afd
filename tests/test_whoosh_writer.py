"""The faster segment writer writes what Whoosh's own writer writes."""

from __future__ import annotations

import pytest
from whoosh import index
from whoosh.writing import SegmentWriter

from bench.corpus import REUTERS, reuters_records
from search.engines.whoosh.engine import build_schema, document
from search.engines.whoosh import writer as writer_module
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


@pytest.mark.parametrize("text", [
    "",
    "The Hague's embassies were RUNNING; running ran runs.",
    "Schröder, São Paulo, İstanbul, ΣΟΦΙΑ, straße, ﬁnance: letters that change on lowering",
    "U.S. 3.5% v1.2.3 e-mail foo_bar __ 10,000 café café",  # dotted words, numbers, repeats
    "北京 2024年 ١٢٣ emoji 👍 tab\there\nnew line",
])
def test_the_faster_analysis_gives_whoosh_postings(tmp_path, text):
    ix = index.create_in(str(tmp_path), build_schema())
    writer = Writer(ix)
    for name in ("title", "body"):
        fast, field = writer._fast_schema[name], writer.schema[name]
        assert type(fast) is writer_module._FastText  # the text fields take the fast path
        assert fast.index(text) == list(field.index(text))
    writer.cancel()
    ix.close()


def merge(folder, writer_class, batches, deleted: list[str], added: list[Article]) -> None:
    """Write the batches as segments, delete some ids, then add articles and merge every
    segment into one new segment with ``writer_class`` (as ``optimize`` and ``MERGE_SMALL``
    merge)."""
    write(folder, SegmentWriter, batches)
    ix = index.open_dir(str(folder))
    writer = SegmentWriter(ix)
    for article_id in deleted:
        writer.delete_by_term("id", article_id)
    writer.commit(merge=False)
    writer = writer_class(ix, limitmb=1)  # a pool small enough to spill runs to disk
    for article in added:
        writer.add_document(**document(article))
    writer.commit(optimize=True)
    ix.close()


def test_merged_segments_are_written_as_whoosh_merges_them(tmp_path, monkeypatch):
    streamed = []
    original = writer_module._segment_postings
    monkeypatch.setattr(writer_module, "_segment_postings",
                        lambda *args: streamed.append(args[2]) or original(*args))
    docs = articles(900)
    batches = [docs[:300], docs[300:450], docs[450:800]]
    deleted = [d.id for d in docs[290:320]] + [docs[600].id]  # across two segments
    for name, writer_class in (("whoosh", SegmentWriter), ("ours", Writer)):
        (tmp_path / name).mkdir()
        merge(tmp_path / name, writer_class, batches, deleted, docs[800:])
    assert len(streamed) == 3  # each merged segment streamed, not put through the pool
    theirs, ours = contents(tmp_path / "whoosh"), contents(tmp_path / "ours")
    assert len({key[-1] for key in ours if key[0] == "postings"}) == 1  # one segment left
    assert sum(1 for key in ours if key[0] == "stored") == 900 - len(deleted)
    assert len(theirs) > 25_000
    assert ours == theirs
