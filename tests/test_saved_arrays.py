"""The arrays a reader needs (facets, dates, lengths, stories) are saved beside the index by the
indexer, loaded by a new process instead of being rebuilt, and never trusted when they do not
belong to the generation a reader has open."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from contextlib import contextmanager

import numpy as np
import pytest
from whoosh.reading import SegmentReader

from search.config import Settings
from search.engines import open_engine
from search.engines.whoosh import docs as whoosh_docs
from search.engines.whoosh import engine as whoosh
from search.engines.whoosh import saved as whoosh_saved
from search.engines.whoosh import stories as whoosh_stories
from search.models import SearchRequest
from tests.conftest import ROOT, SEEDS, run

REQUESTS = [
    SearchRequest(query="embassy"),
    SearchRequest(query="militia OR rockets", entities=("Kataib Hezbollah",)),
    SearchRequest(query="", sort="newest", per_page=20),
    SearchRequest(query="", sort="oldest", per_page=20),
    SearchRequest(query="baghdad", since=dt.date(2019, 6, 1)),
    SearchRequest(query="", years=("undated",)),
    SearchRequest(query="", collapse=True, per_page=20),
    SearchRequest(query="wire", collapse=True),
]


@pytest.fixture
def corpus(tmp_path):
    """The seeds and the stories corpus (one wire story on three sites) in one folder."""
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    for path in (ROOT / "tests" / "data" / "stories").iterdir():
        shutil.copy(path, folder / path.name)
    return folder


def new_process(monkeypatch) -> None:
    """Forget what this process has built or loaded, as a new process would."""
    monkeypatch.setattr(whoosh_docs, "_docsets", whoosh_docs.GenerationCache())
    monkeypatch.setattr(whoosh_stories, "_tables", whoosh_docs.GenerationCache())
    monkeypatch.setattr(whoosh, "_saved_arrays", whoosh_docs.GenerationCache())


def answers(index) -> list[dict]:
    engine = open_engine(Settings(index_dir=str(index)))
    try:
        return [engine.search(r).to_dict() for r in REQUESTS]
    finally:
        engine.close()


@contextmanager
def searcher_of(index):
    """A Whoosh searcher on the index's current generation."""
    engine = open_engine(Settings(index_dir=str(index)))
    searcher = engine._index.searcher()
    try:
        yield searcher
    finally:
        searcher.close()
        engine.close()


def forbid_building(monkeypatch) -> None:
    """Make every way of building the arrays from the index fail."""
    def refuse(*args, **kwargs):
        raise AssertionError("built from the index instead of loaded")

    monkeypatch.setattr(whoosh_docs.DocSets, "_facet", refuse)
    monkeypatch.setattr(whoosh_docs, "_live_mask", refuse)
    monkeypatch.setattr(whoosh_docs, "_length_codes", refuse)
    monkeypatch.setattr(whoosh_stories, "_story_codes", refuse)
    monkeypatch.setattr(SegmentReader, "column_reader", refuse)  # date keys, stories


def test_index_saves_the_arrays_and_a_new_process_answers_the_same_from_them(
        runner, tmp_path, corpus, monkeypatch):
    index = tmp_path / "ix"
    assert run(runner, "index", corpus, "--index", index).exit_code == 0
    assert (index / whoosh_saved.FILE).is_file()
    new_process(monkeypatch)
    with monkeypatch.context() as patched:
        forbid_building(patched)
        loaded = answers(index)
    (index / whoosh_saved.FILE).unlink()
    new_process(monkeypatch)
    built = answers(index)
    assert loaded == built
    assert built[0]["total"] > 0 and built[6]["total"] < built[2]["total"]  # copies collapsed
    assert any(f["value"] == "undated" for f in built[2]["facets"]["year"])


def test_arrays_of_another_generation_are_ignored_and_replaced(runner, tmp_path, corpus,
                                                               monkeypatch):
    index = tmp_path / "ix"
    first = sorted(corpus.iterdir())[:3]
    assert run(runner, "index", *first, "--index", index).exit_code == 0
    old = (index / whoosh_saved.FILE).read_bytes()
    assert run(runner, "index", corpus, "--index", index).exit_code == 0
    (index / whoosh_saved.FILE).write_bytes(old)  # as if the newer save had been lost

    new_process(monkeypatch)
    got = answers(index)
    (index / whoosh_saved.FILE).unlink()
    new_process(monkeypatch)
    assert got == answers(index)
    assert got[2]["articles"] == len(list(corpus.iterdir()))

    new_process(monkeypatch)
    engine = open_engine(Settings(index_dir=str(index)))
    engine.prepare()  # what a server worker does at start: rebuild, then save for the others
    engine.close()
    with searcher_of(index) as searcher:
        assert whoosh_saved.load(index, searcher)["live"].sum() == got[2]["articles"]


def test_remove_saves_arrays_for_the_new_generation(runner, indexed, monkeypatch):
    engine = open_engine(Settings(index_dir=str(indexed)))
    victim = engine.search(SearchRequest(query="")).hits[0].id
    engine.close()
    assert run(runner, "remove", victim, "--index", indexed).exit_code == 0
    new_process(monkeypatch)
    with monkeypatch.context() as patched:
        forbid_building(patched)
        result = answers(indexed)[2]
    assert victim not in [h["id"] for h in result["hits"]] and result["articles"] == 4


def damaged(path) -> list[bytes | dict]:
    """Damaged versions of a saved file: bytes, or arrays to save under the right signature."""
    good = dict(np.load(path, allow_pickle=False))
    good.pop("_signature")
    size = len(good["live"])
    raw = path.read_bytes()
    return [
        b"", b"not a zip file", raw[: len(raw) // 2], raw[:-40] + b"\0" * 40,
        {**good, "live": good["live"][:-1]},
        {**good, "facet.entity.docs": good["facet.entity.docs"] + size},
        {**good, "facet.entity.values": good["facet.entity.values"] * 1000},
        {**good, "facet.outlet.values": good["facet.outlet.values"][:-1]},
        {**good, "story.codes": good["story.codes"] + 1000},
        {**good, "key.date_new": good["key.date_new"].astype(str)},
        {k: v for k, v in good.items() if k != "story.names"},
    ]


def test_a_damaged_or_hostile_arrays_file_is_ignored_with_a_warning(indexed, monkeypatch, caplog):
    path = indexed / whoosh_saved.FILE
    new_process(monkeypatch)
    expected = answers(indexed)
    for version in damaged(path):
        if isinstance(version, bytes):
            path.write_bytes(version)
        else:
            with searcher_of(indexed) as searcher:
                assert whoosh_saved.save(indexed, searcher, version)
        new_process(monkeypatch)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="search.engines.whoosh.saved"):
            assert answers(indexed) == expected
        assert f"ignoring {path}" in caplog.text


def test_arrays_are_written_atomically_and_leave_no_temporary_files(indexed):
    assert [p.name for p in indexed.iterdir() if p.name.startswith(".arrays-")] == []
    # As readable as the index folder (a server may run as another user).
    assert (indexed / whoosh_saved.FILE).stat().st_mode & 0o666 == indexed.stat().st_mode & 0o666
    with searcher_of(indexed) as searcher:
        assert whoosh_saved.load(indexed, searcher)


def test_an_index_folder_that_cannot_be_written_is_still_served(indexed, monkeypatch):
    (indexed / whoosh_saved.FILE).unlink()

    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(whoosh_saved.tempfile, "mkstemp", no_space)
    new_process(monkeypatch)
    engine = open_engine(Settings(index_dir=str(indexed)))
    engine.prepare()
    assert engine.search(SearchRequest(query="embassy")).total > 0
    engine.close()
    assert not (indexed / whoosh_saved.FILE).exists()


def test_saved_arrays_are_shared_pages_of_the_file_not_private_copies(indexed):
    # Server workers map the same file: one copy in the page cache for all of them.
    with searcher_of(indexed) as searcher:
        arrays = whoosh_saved.load(indexed, searcher)
    assert arrays["live"].all() and len(arrays["facet.entity.docs"]) > 0
    for name in ("live", "facet.entity.docs", "facet.entity.terms", "key.date_new"):
        assert not arrays[name].flags.owndata and not arrays[name].flags.writeable, name


def test_a_compressed_arrays_file_is_read_into_memory_with_the_same_answers(indexed,
                                                                             monkeypatch):
    path = indexed / whoosh_saved.FILE
    new_process(monkeypatch)
    expected = answers(indexed)
    with np.load(path, allow_pickle=False) as saved:
        np.savez_compressed(path, **{name: saved[name] for name in saved.files})
    new_process(monkeypatch)
    with monkeypatch.context() as patched:
        forbid_building(patched)
        assert answers(indexed) == expected
    with searcher_of(indexed) as searcher:
        assert whoosh_saved.load(indexed, searcher)["live"].flags.writeable  # a private copy
