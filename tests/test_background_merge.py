"""Segments merged in a second process while the indexer writes hold what inline merges hold."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
import whoosh.reading
from whoosh import index
from whoosh.query import Term
from whoosh.writing import MERGE_SMALL

from bench.corpus import REUTERS, reuters_records
from search.config import Settings
from search.engines.whoosh import merging
from search.engines.whoosh.engine import WhooshEngine
from search.models import Article

pytestmark = pytest.mark.shared(REUTERS)

ROOT = Path(__file__).resolve().parent.parent

BATCH = 40  # with 9 segments of 40 articles, MERGE_SMALL merges them (360 < fib(13))


def articles(count: int) -> list[Article]:
    return [Article(id=r["id"], source=r["id"], title=r.get("title"), body=r["body"],
                    outlet="Reuters") for r in reuters_records()[:count]]


def build(folder, batches, background: bool) -> WhooshEngine:
    engine = WhooshEngine(Settings(index_dir=str(folder)), create=True)
    if background:
        with engine.merging_in_background():
            for batch in batches:
                engine.upsert(batch)
    else:
        for batch in batches:
            engine.upsert(batch)
    return engine


def contents(folder) -> dict:
    """Every article's stored fields and field lengths, and every posting (weight and encoded
    positions), all keyed by article id, so that two indexes whose segments are laid out
    differently compare equal when they hold the same thing."""
    ix = index.open_dir(str(folder))
    out: dict = {}
    with ix.searcher() as searcher:
        for leaf, _ in searcher.leaf_searchers():
            reader = leaf.reader()
            ids = {n: reader.stored_fields(n)["id"] for n in reader.all_doc_ids()}
            for docnum, article_id in ids.items():
                out[("stored", article_id)] = reader.stored_fields(docnum)
                for field in ("title", "body"):
                    out[("length", field, article_id)] = reader.doc_field_length(docnum, field)
            for field, text in reader.all_terms():
                postings = reader.postings(field, text)
                while postings.is_active():
                    if postings.id() in ids:
                        out[("posting", field, text, ids[postings.id()])] = (
                            postings.weight(), postings.value())
                    postings.next()
        out["segments"] = len(searcher.leaf_searchers())
    ix.close()
    return out


def test_a_background_merge_holds_what_an_inline_merge_holds(tmp_path, caplog):
    docs = articles(14 * BATCH + 60)
    batches = [docs[i:i + BATCH] for i in range(0, 14 * BATCH, BATCH)]
    # Then a batch that replaces articles of the merged segments (deleted there while or
    # after the merge runs) and adds new ones.
    changed = [replace(d, title=f"{d.title} (corrected)") for d in docs[30:50] + docs[300:305]]
    batches += [changed + docs[14 * BATCH:]] + [docs[600:620]] * 3
    with caplog.at_level(logging.INFO, logger=merging.__name__):
        build(tmp_path / "background", batches, background=True).close()
    build(tmp_path / "inline", batches, background=False).close()
    ours, theirs = contents(tmp_path / "background"), contents(tmp_path / "inline")
    assert any(r.getMessage().startswith("merged 9 segments") for r in caplog.records)
    assert ours.pop("segments") < len(batches)  # merged
    theirs.pop("segments")
    assert sum(1 for key in ours if key[0] == "stored") == len(docs)
    assert ours[("stored", docs[30].id)]["title"].endswith("(corrected)")
    assert ours == theirs
    assert not list((tmp_path / "background").glob(".merge-*"))  # its folder removed


def test_articles_replaced_while_the_merge_runs_are_not_found_twice(tmp_path):
    docs = articles(10 * BATCH)
    engine = WhooshEngine(Settings(index_dir=str(tmp_path / "index")), create=True)
    with engine.merging_in_background():
        for i in range(0, 10 * BATCH, BATCH):  # the tenth commit starts merging the nine
            engine.upsert(docs[i:i + BATCH])
        assert engine._merges is not None and engine._merges.running
        engine._merges.wait()  # done, not applied yet: the next commit applies it
        engine.upsert([replace(d, body=d.body + " zyxwv") for d in docs[:BATCH]])
    ix = index.open_dir(str(tmp_path / "index"))
    with ix.searcher() as searcher:
        assert searcher.doc_count() == len(docs)
        ids = [searcher.stored_fields(n)["id"] for n in searcher.reader().all_doc_ids()]
        assert sorted(ids) == sorted(d.id for d in docs)
        # the tenth batch, the merged nine (the replaced 40 deleted there), the replacements
        sizes = [leaf.reader().doc_count_all() for leaf, _ in searcher.leaf_searchers()]
        assert sizes == [BATCH, 9 * BATCH, BATCH]
        assert searcher.doc_count_all() - searcher.doc_count() == BATCH
        assert len(searcher.search(Term("body", "zyxwv"), limit=None)) == BATCH
    ix.close()
    engine.close()


def test_a_merge_whose_process_dies_leaves_the_index_as_it_was(tmp_path, caplog):
    docs = articles(15 * BATCH)
    engine = WhooshEngine(Settings(index_dir=str(tmp_path / "index")), create=True)
    with caplog.at_level(logging.INFO, logger=merging.__name__), engine.merging_in_background():
        for i in range(0, 14 * BATCH, BATCH):
            engine.upsert(docs[i:i + BATCH])
        job = engine._merges._job
        os.kill(job.process.pid, signal.SIGKILL)
        engine.upsert(docs[14 * BATCH:])
    assert any("merge failed" in r.getMessage() for r in caplog.records)
    assert not list((tmp_path / "index").glob(".merge-*"))
    assert engine.count() == len(docs)
    searcher = engine.current()[0]
    ids = [searcher.stored_fields(n)["id"] for n in searcher.reader().all_doc_ids()]
    assert sorted(ids) == sorted(d.id for d in docs)  # nothing lost (a later merge took them)
    engine.close()


def test_an_error_in_the_block_stops_the_merge_and_keeps_the_commits(tmp_path):
    docs = articles(14 * BATCH)
    engine = WhooshEngine(Settings(index_dir=str(tmp_path / "index")), create=True)
    with pytest.raises(KeyboardInterrupt), engine.merging_in_background():
        for i in range(0, 14 * BATCH, BATCH):
            engine.upsert(docs[i:i + BATCH])
        process = engine._merges._job.process
        raise KeyboardInterrupt
    assert process.poll() is not None  # stopped
    assert not list((tmp_path / "index").glob(".merge-*"))
    assert engine.count() == len(docs)
    engine.close()


def test_folders_of_merges_whose_indexer_is_gone_are_removed(tmp_path):
    folder = tmp_path / "index"
    engine = WhooshEngine(Settings(index_dir=str(folder)), create=True)
    gone = folder / f"{merging.PREFIX}999999999-1"
    gone.mkdir()
    (gone / "MAIN_x.seg").write_bytes(b"half a segment")
    mine = folder / f"{merging.PREFIX}{os.getpid()}-7"  # a merge of a live process
    mine.mkdir()
    with engine.merging_in_background():
        engine.upsert(articles(3))
    assert not gone.exists() and mine.exists()
    assert engine.count() == 3
    engine.close()


def test_merge_choice_is_whoosh_merge_small(monkeypatch):
    """``chosen_segments`` picks what Whoosh's MERGE_SMALL merges, for growing segment lists."""
    class Seg:
        def __init__(self, count):
            self.count = count

        def doc_count_all(self):
            return self.count

        def close(self):
            pass

    class Recorder:
        storage = schema = None

        def __init__(self):
            self.merged = []

        def add_reader(self, reader):
            self.merged.append(reader)

    # (the policy opens a reader of each segment it merges: here the segment itself)
    monkeypatch.setattr(whoosh.reading, "SegmentReader", lambda storage, schema, seg: seg)
    for sizes in ([40] * 12, [40] * 13, [520, 40, 40, 40, 40], [5000] * 21, [5000] * 22,
                  [105000] * 4 + [5000] * 20, [105000] * 4 + [5000] * 21, [0] * 6):
        segments = [Seg(n) for n in sizes]
        recorder = Recorder()
        kept = MERGE_SMALL(recorder, list(segments))
        expected = recorder.merged if len(kept) < len(segments) else []
        assert merging.chosen_segments(segments) == expected, sizes


INDEXER = """
import sys, time
from search.config import Settings
from search.engines.whoosh.engine import WhooshEngine
from search.engines.whoosh import merging
from tests.test_background_merge import BATCH, articles
# a merge that says when it has set itself to end with its parent, then takes a while
merging.CHILD = ("import sys, time; import search.engines.whoosh.merging as m; "
                 "ends = m._dies_with; m._dies_with = lambda p: ends(p) and "
                 "not open(sys.argv[1] + '/ready', 'w').close() and not time.sleep(30); "
                 "m.merge(sys.argv[1])")
engine = WhooshEngine(Settings(index_dir=sys.argv[1]), create=True)
docs = articles(10 * BATCH)
with engine.merging_in_background():
    for i in range(0, 10 * BATCH, BATCH):
        engine.upsert(docs[i:i + BATCH])
    job = engine._merges._job
    while not (job.folder / "ready").exists():
        time.sleep(0.05)
    print(job.process.pid, flush=True)
    time.sleep(60)
"""


def test_a_killed_indexer_takes_its_merge_with_it(tmp_path):
    folder = tmp_path / "index"
    with subprocess.Popen([sys.executable, "-c", INDEXER, str(folder)],
                          stdout=subprocess.PIPE, text=True, cwd=ROOT) as indexer:
        child = int(indexer.stdout.readline())
        indexer.kill()  # SIGKILL: no clean-up of its own
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        if Path(f"/proc/{child}/stat").read_text().split()[2] == "Z":
            break  # dead, waiting to be reaped by init
        time.sleep(0.05)
    assert not Path(f"/proc/{child}").exists() or \
        Path(f"/proc/{child}/stat").read_text().split()[2] == "Z"
    assert list(folder.glob(".merge-*"))  # left behind, for the next run to remove
    engine = WhooshEngine(Settings(index_dir=str(folder)))
    with engine.merging_in_background():
        engine.upsert(articles(10 * BATCH + 1)[-1:])
    assert not list(folder.glob(".merge-*"))
    assert engine.count() == 10 * BATCH + 1
    engine.close()
