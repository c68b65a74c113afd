"""A folder of hostile and broken files: each is indexed correctly or skipped with a reason,
the good files beside them are all indexed, and the exit code and summary say what happened."""

from __future__ import annotations

import builtins
import codecs
import gc
import json
import multiprocessing
import os
import shutil
import time

import pytest

from search import indexing
from search.cleaner.collection import NOTHING_SHARED
from search.cli import cli
from search.config import Settings
from search.engines import open_engine
from search.entities import EntityTable
from search.indexing import clean_one, index_paths
from search.ingest.sources import RawDocument, iter_documents

from .conftest import SEEDS

GOOD_TEXT = "The embassy in Baghdad was quiet on Monday after a week of protests and talks."
LATIN1_PAGE = ("<html><head><title>Café à Beyrouth</title></head><body><article><p>Le café de "
               "Beyrouth était plein ce matin, après des semaines de fermeture.</p></article>"
               "</body></html>")

# file name -> expected outcome: "indexed", or a fragment of the skip reason.
EXPECTED = {
    "empty.txt": "empty file",
    "blank.html": "empty file",
    "binary.html": "binary file, not text",
    "huge.html": "over the limit of 20,000,000",
    "invalid_utf8.txt": "indexed",
    "latin1.html": "indexed",
    "utf16_bom.txt": "indexed",
    "truncated.html": "indexed",
    "nested.html": "no article text found",  # lxml stops at depth 255 and keeps nothing
    "scripts.html": "no article text found",
    "records.jsonl#1": "indexed",
    "records.jsonl#2": "not valid JSON",
    "records.jsonl#3": "a JSON line must be an object",
    "records.jsonl#5": "indexed",
    "records.jsonl#6": "not valid JSON",  # the last line is cut off
    "unreadable.txt": "cannot read: Permission denied",
    "fifo.txt": "not a regular file",
    "loop_a.txt": "symbolic link loop",
    "loop_b.txt": "symbolic link loop",
    "dangling.txt": "broken symbolic link",
    "copy_of_seed.txt": "same content as",
    "link_to_seed.txt": "same file as one already read",
    "notes.pdf": "unsupported file type '.pdf'",
}


def make_hostile_corpus(folder):
    """Write the hostile files (big ones made here, never committed) and copy the seeds."""
    folder.mkdir()
    for seed in sorted(SEEDS.iterdir()):
        shutil.copy(seed, folder / seed.name)
    first_seed = sorted(SEEDS.iterdir())[0].name
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.html").write_bytes(b"  \n\t\n")
    (folder / "binary.html").write_bytes(bytes(range(256)) * 64)
    with open(folder / "huge.html", "wb") as handle:  # 50 MB, over the default limit
        handle.write(b"<html><body><article>")
        handle.write((b"<p>" + b"word " * 1000 + b"</p>\n") * 10_000)
        handle.write(b"</article></body></html>")
    (folder / "invalid_utf8.txt").write_bytes(
        GOOD_TEXT.encode() + b"\n\nBroken bytes \xff\xfe\xfa in the middle, then more text.\n")
    (folder / "latin1.html").write_bytes(LATIN1_PAGE.encode("latin-1"))
    (folder / "utf16_bom.txt").write_bytes(codecs.BOM_UTF16_LE + GOOD_TEXT.encode("utf-16-le"))
    (folder / "truncated.html").write_text(
        "<html><head><title>Cut short</title></head><body><article><p>" + GOOD_TEXT
        + "</p><p>A second paragraph that stops in the mid")
    (folder / "nested.html").write_text(
        "<html><body>" + "<div>" * 100_000 + f"<p>{GOOD_TEXT}</p>" + "</div>" * 100_000
        + "</body></html>")
    (folder / "scripts.html").write_text(
        "<html><head><script>var a = 1;</script></head><body>"
        + "<script>document.write('x')</script>" * 500 + "</body></html>")
    (folder / "records.jsonl").write_text("\n".join([
        json.dumps({"id": "rec-1", "title": "Good record", "body": GOOD_TEXT}),
        "{broken",
        "[1, 2]",
        "",
        json.dumps({"id": "rec-5", "title": "Second good record", "body": GOOD_TEXT + " Again."}),
        '{"title": "cut',
    ]))
    (folder / "unreadable.txt").write_text(GOOD_TEXT)
    os.mkfifo(folder / "fifo.txt")
    (folder / "dir.txt").mkdir()  # a folder named like a file: walked, holds nothing
    os.symlink("loop_b.txt", folder / "loop_a.txt")
    os.symlink("loop_a.txt", folder / "loop_b.txt")
    os.symlink("nowhere.txt", folder / "dangling.txt")
    os.symlink(".", folder / "self_link")  # a folder link loop: never followed
    shutil.copy(folder / first_seed, folder / "copy_of_seed.txt")
    os.symlink(first_seed, folder / "link_to_seed.txt")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")
    return folder


@pytest.fixture
def unreadable(monkeypatch):
    """Make files named unreadable.* raise EACCES (chmod 000 does not bite: tests run as root)."""
    real_open = builtins.open

    def fake_open(path, *args, **kwargs):
        if os.path.basename(str(path)).startswith("unreadable."):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)


def outcome_by_name(data, corpus) -> dict[str, str]:
    return {os.path.relpath(s["source"], corpus): s["reason"] for s in data["skips"]}


@pytest.mark.parametrize("workers", [1, 3])
def test_hostile_corpus_is_indexed_or_skipped_with_reasons(runner, tmp_path, unreadable, workers):
    corpus = make_hostile_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    started = time.monotonic()
    result = runner.invoke(cli, ["index", str(corpus), "--index", str(index), "--json",
                                 "--workers", str(workers)])
    assert time.monotonic() - started < 60
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    skips = outcome_by_name(data, corpus)
    for name, expected in EXPECTED.items():
        if expected == "indexed":
            assert name not in skips, f"{name} skipped: {skips.get(name)}"
        else:
            assert expected in skips.get(name, ""), f"{name}: {skips.get(name)!r}"
    assert set(skips) <= set(EXPECTED), f"unexpected skips: {set(skips) - set(EXPECTED)}"
    good = len(list(SEEDS.iterdir())) + sum(1 for v in EXPECTED.values() if v == "indexed")
    assert data["added"] == data["articles"] == good  # 0 good articles lost
    assert data["skipped"] == len(skips) == sum(1 for v in EXPECTED.values() if v != "indexed")

    human = runner.invoke(cli, ["index", str(corpus), "--index", str(index), "--verbose"])
    assert human.exit_code == 0
    assert human.stdout.startswith(f"added 0, updated 0, unchanged {good}, skipped {len(skips)}")
    for name in skips:
        assert f"  skipped {os.path.join(str(corpus), name)}: " in human.stdout

    engine = open_engine(Settings(index_dir=str(index)))
    try:
        bodies = {a.source.rsplit("/", 1)[-1]: a for a in
                  (engine.get(h) for h in engine.hashes())}
    finally:
        engine.close()
    assert "Café" in bodies["latin1.html"].body + (bodies["latin1.html"].title or "")
    assert "Baghdad" in bodies["utf16_bom.txt"].body
    # Not UTF-8 as a whole: read as Windows-1252, so every byte stays visible.
    assert "Broken bytes ÿþú in the middle" in bodies["invalid_utf8.txt"].body


def test_all_inputs_skipped_exits_1_with_summary(runner, tmp_path):
    (tmp_path / "empty.txt").write_text("")
    result = runner.invoke(cli, ["index", str(tmp_path / "empty.txt"), str(tmp_path / "missing"),
                                 "--index", str(tmp_path / "ix")])
    assert result.exit_code == 1
    assert "skipped " + str(tmp_path / "missing") + ": no such file or folder" in result.stdout
    assert result.stderr.strip() == ("Error: nothing was indexed: all 2 inputs were skipped "
                                     "(reasons in the summary)")


def test_big_page_within_raised_limit_is_cut_to_max_text_chars(runner, tmp_path, monkeypatch):
    paragraph = "<p>The militia said on Monday that the embassy in Baghdad was attacked %d.</p>\n"
    page = "<html><head><title>Big</title></head><body><article>" + "".join(
        paragraph % i for i in range(20_000)) + "</article></body></html>"  # about 1.6 MB
    (tmp_path / "big.html").write_text(page)
    monkeypatch.setenv("NEWSFACET_MAX_FILE_BYTES", "1000")
    small = runner.invoke(cli,
                          ["index", str(tmp_path / "big.html"), "--index", str(tmp_path / "a")])
    assert "over the limit of 1,000 (raise NEWSFACET_MAX_FILE_BYTES" in small.stdout
    monkeypatch.setenv("NEWSFACET_MAX_FILE_BYTES", "5000000")
    monkeypatch.setenv("NEWSFACET_MAX_TEXT_CHARS", "10000")
    result = runner.invoke(cli,
                           ["index", str(tmp_path / "big.html"), "--index", str(tmp_path / "b"),
                                 "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["added"] == 1
    engine = open_engine(Settings(index_dir=str(tmp_path / "b")))
    try:
        (article_id,) = engine.hashes()
        assert 9000 < len(engine.get(article_id).body) <= 10_000
    finally:
        engine.close()


def test_slow_page_is_skipped_after_the_deadline():
    page = "<html><body><article>" + "".join(
        f"<p>Paragraph {i} about the embassy in Baghdad and the militia.</p>" for i in range(40_000)
    ) + "</article></body></html>"
    raw = RawDocument(source="slow.html", kind="html", content=page, raw_hash="x")
    # Finalisers of earlier tests' objects must not run inside the alarm window: an exception
    # raised in a finaliser (the alarm's, too) is printed and dropped by Python.
    gc.collect()
    started = time.monotonic()
    outcome = clean_one(raw, EntityTable.load(None), {}, 1_000_000, seconds=0.2)
    assert time.monotonic() - started < 2
    assert outcome.reason.startswith("cleaning took longer than 0.2 s")


def test_unexpected_cleaner_error_skips_one_page(monkeypatch):
    def explode(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(indexing, "process", explode)
    raw = RawDocument(source="x.html", kind="html", content="<p>x</p>", raw_hash="x")
    outcome = clean_one(raw, EntityTable.load(None), {}, 1000)
    assert outcome.reason.startswith("the cleaner failed (ValueError: boom)")


def test_jsonl_line_over_the_limit_is_never_read_whole(tmp_path):
    long_line = json.dumps({"title": "long", "body": "x" * 50_000})
    (tmp_path / "a.jsonl").write_text(long_line + "\n" + json.dumps({"title": "ok", "body": "y"}))
    docs = list(iter_documents([str(tmp_path / "a.jsonl")], 1000))
    assert docs[0].reason == f"line is {len(long_line) + 1:,} bytes, over the limit of 1,000"
    assert docs[1].fields["title"] == "ok" and docs[1].source.endswith("a.jsonl#2")


def test_undecodable_file_name_is_indexed_and_printable(runner, tmp_path):
    folder = os.fsencode(tmp_path / "corpus")
    os.mkdir(folder)
    with open(os.path.join(folder, b"caf\xe9.txt"), "wb") as handle:
        handle.write(GOOD_TEXT.encode())
    result = runner.invoke(cli, ["index", os.fsdecode(folder), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 0, result.output
    search = runner.invoke(cli, ["search", "embassy", "--index", str(tmp_path / "ix"), "--json"])
    assert json.loads(search.stdout)["hits"][0]["source"].endswith("caf\ufffd.txt")


fork_only = pytest.mark.skipif(multiprocessing.get_start_method() != "fork",
                               reason="the crash is patched in before the workers fork")


@fork_only
def test_worker_crash_skips_that_page_and_the_run_goes_on(tmp_path, monkeypatch):
    real_process = indexing.process

    def crashing(raw, *args, **kwargs):
        if raw.source.endswith("crash.txt"):
            os._exit(9)  # a segfault in C code looks like this to the pool
        return real_process(raw, *args, **kwargs)

    monkeypatch.setattr(indexing, "process", crashing)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(30):
        (corpus / f"good{i:02d}.txt").write_text(f"{GOOD_TEXT}\n\nNumber {i}.")
    (corpus / "crash.txt").write_text(f"{GOOD_TEXT}\n\nThis one kills its worker.")
    engine = open_engine(Settings(index_dir=str(tmp_path / "ix")), create=True)
    try:
        report = index_paths([str(corpus)], engine, EntityTable.load(None), workers=2)
        assert len(report.added) == 30 == engine.count()
    finally:
        engine.close()
    assert [(os.path.basename(s.source), s.reason[:30]) for s in report.skipped] == [
        ("crash.txt", "the cleaner crashed on this pa")]


@fork_only
def test_workers_keep_a_bounded_window_of_jobs(tmp_path):
    consumed = []

    def jobs():
        for i in range(200):
            consumed.append(i)
            yield RawDocument(source=f"{i}.txt", kind="record", content=f"{GOOD_TEXT} {i}",
                              raw_hash=str(i)), {}, NOTHING_SHARED

    outcomes = indexing._run(jobs(), EntityTable.load(None), 10_000, workers=2, seconds=30)
    first = next(outcomes)
    assert first.article.source == "0.txt"
    assert len(consumed) <= 2 * indexing.WINDOW_PER_WORKER + 1  # not the 200 map() would take
    rest = list(outcomes)
    assert [o.article.source for o in rest] == [f"{i}.txt" for i in range(1, 200)]
