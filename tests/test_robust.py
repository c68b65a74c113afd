"""Issue 19: one bad record never costs a run; stored text is valid Unicode; an empty index
answers 0 results; the fetcher never reaches a private address unless allowed; WARC records
are decompressed within a cap; bad route parameters are 4xx."""

from __future__ import annotations

import csv
import io
import json

import pytest

from search import ingest
from search.cli import cli
from search.ingest import sources
from search.models import Article

from .conftest import SEEDS, run

GOOD = "The embassy in Baghdad was quiet on Monday after a week of protests and talks."
DEEP = "[" * 100_000 + "]" * 100_000


def _bad_corpus(folder):
    folder.mkdir()
    (folder / "mixed.jsonl").write_text("\n".join([
        json.dumps({"id": "good-1", "title": "Good before", "body": GOOD}),
        '{"title": "x", "body": "y", "z": ' + DEEP + "}",
        json.dumps({"id": "good-3", "title": "Good after", "body": GOOD + " After."}),
        '{"id": "lone", "title": "lone \\ud800 surrogate", "body": "text \\udfff here ' + GOOD + '"}',
        json.dumps({"id": "late", "title": "Far crawl date", "body": GOOD + " Late.",
                    "crawl_date": "9999-12-31T23:59:59-05:00"}),
        json.dumps({"id": "boom", "title": "Raises", "body": GOOD + " Boom."}),
        json.dumps({"id": "good-7", "title": "Good at the end", "body": GOOD + " End."}),
    ]))
    (folder / "other.jsonl").write_text(
        json.dumps({"id": "other-1", "title": "Other file", "body": GOOD + " Other."}))
    return folder


def test_one_index_run_keeps_every_good_record_and_skips_each_bad_one(runner, tmp_path, monkeypatch):
    real = sources._parse_record

    def parse(path, source, line):
        if b'"boom"' in line:
            raise OverflowError("int too large to convert")
        return real(path, source, line)

    monkeypatch.setattr(sources, "_parse_record", parse)
    corpus = _bad_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    result = runner.invoke(cli, ["index", str(corpus), str(SEEDS), "--index", str(index), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    skips = {s["source"].rsplit("/", 1)[-1]: s["reason"] for s in data["skips"]}
    assert skips == {"mixed.jsonl#2": "JSON nested too deeply to read",
                     "mixed.jsonl#6": "could not be read (OverflowError: int too large to convert)"}
    assert data["added"] == 6 + len(list(SEEDS.iterdir()))
    shown = run(runner, "show", "lone", "--index", index, "--json")
    assert shown.exit_code == 0, shown.output
    article = json.loads(shown.stdout)
    assert article["title"] == "lone \ufffd surrogate"
    assert "text \ufffd here" in article["body"]
    late = json.loads(run(runner, "show", "late", "--index", index, "--json").stdout)
    assert late["crawl_date"] is None  # an unknown crawl date, the article kept


def test_a_file_whose_reader_fails_is_one_skip_and_the_next_path_is_read(runner, tmp_path, monkeypatch):
    corpus = _bad_corpus(tmp_path / "corpus")

    def broken(path, source, line):
        raise RecursionError("maximum recursion depth exceeded")

    def read_records(path, max_bytes):
        if path.endswith("mixed.jsonl"):
            yield from ()
            raise RecursionError("maximum recursion depth exceeded")
        yield from real(path, max_bytes)

    real = sources._read_records
    monkeypatch.setattr(sources, "_read_records", read_records)
    items = list(ingest.iter_documents([str(corpus), str(SEEDS)], 20_000_000))
    skipped = [i for i in items if isinstance(i, ingest.Skipped)]
    assert [(s.source.rsplit("/", 1)[-1], s.reason) for s in skipped] == [
        ("mixed.jsonl", "nested too deeply to read")]
    assert len(items) == 2 + len(list(SEEDS.iterdir()))


def test_deeply_nested_metadata_file_is_a_clear_error(runner, tmp_path):
    metadata = tmp_path / "meta.json"
    metadata.write_text('{"a.txt": {"title": ' + DEEP + "}}")
    result = run(runner, "index", SEEDS, "--index", tmp_path / "ix", "--metadata", metadata)
    assert result.exit_code == 1
    assert "nested too deeply" in result.output and "unexpected" not in result.output


def test_a_bad_metadata_row_is_dropped_and_the_others_apply(tmp_path):
    metadata = tmp_path / "meta.json"
    nested = "[" * 900 + "]" * 900  # parses, but too deep to turn into text
    metadata.write_text('{"a.txt": {"title": ' + nested + '}, "b.txt": {"title": "B \\ud800"}}')
    overrides = sources.load_overrides(str(metadata))
    assert overrides == {"b.txt": {"title": "B \ufffd"}}


LONE = Article(id="lone", source="lone.txt", title="lone \ud800 surrogate embassy",
               body="A body with a lone \udfff surrogate about the embassy.", outlet="Outlet", author="Au\udc80thor")


@pytest.fixture
def lone(engine):
    """An index that already holds an article with lone surrogates (written before the fix)."""
    engine.upsert([LONE])
    return engine


@pytest.mark.parametrize("path", ["/search?q=embassy", "/api/search?q=embassy", "/article/lone",
                                  "/api/articles/lone", "/api/search?q=embassy&format=csv",
                                  "/api/search?q=embassy&format=json", "/search?q=surrogate"])
def test_web_answers_an_index_holding_a_lone_surrogate(lone, client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    text = response.get_data().decode("utf-8")  # valid UTF-8
    assert "\ufffd" in text
    if "format=" in path:  # every matching row, the repaired one among them
        total = int(response.headers["X-Total-Count"])
        assert total == 3
        if "format=json" in path:
            rows = json.loads(text)
            rows = rows["articles"] if isinstance(rows, dict) else rows
            assert len(rows) == total and "lone" in {r["id"] for r in rows}
        else:
            rows = list(csv.reader(io.StringIO(text)))
            assert len(rows) == total + 1 and "lone" in {r[0] for r in rows}


def test_cli_answers_an_index_holding_a_lone_surrogate(lone, runner, settings):
    for args in (["search", "embassy"], ["show", "lone"], ["search", "embassy", "--json"]):
        result = runner.invoke(cli, args + ["--index", settings.index_dir])
        assert result.exit_code == 0, result.output
        assert "\ufffd" in result.output


# -- 2. an empty index answers every query with 0 results --------------------------------

@pytest.fixture
def empty_index(runner, tmp_path):
    """An index whose only input was skipped (the state after a kill before the first batch)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bad.jsonl").write_text('{"title": "x", "body": "y", "z": ' + DEEP + "}\n")
    index = tmp_path / "index"
    result = run(runner, "index", corpus, "--index", index)
    assert result.exit_code == 1 and "nothing was indexed" in result.output
    return index


@pytest.mark.parametrize("query", ["embassy", "embassy AND militia", '"rockets hit"', "embass*",
                                   "title:embassy OR body:iraq", "embassy~"])
def test_cli_search_of_an_empty_index_finds_nothing(runner, empty_index, query):
    result = run(runner, "search", query, "--index", empty_index, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["total"] == 0 and data["hits"] == []


def test_web_search_of_an_empty_index_finds_nothing(empty_index):
    from search.config import Settings
    from web import create_app

    client = create_app({"TESTING": True,
                         "SETTINGS": Settings(index_dir=str(empty_index))}).test_client()
    for path in ("/search?q=embassy", "/search?q=embassy+AND+iraq&sort=newest", "/search",
                 "/api/search?q=embassy", "/api/search?q=%22rockets+hit%22"):
        response = client.get(path)
        assert response.status_code == 200, path
    assert client.get("/api/search?q=embassy").get_json()["total"] == 0
    csv_export = client.get("/api/search?q=embassy&format=csv")
    assert csv_export.status_code == 200
    assert len(list(csv.reader(io.StringIO(csv_export.get_data(as_text=True))))) == 1  # header
    json_export = client.get("/api/search?q=embassy&format=json")
    assert json_export.status_code == 200
    rows = json.loads(json_export.get_data(as_text=True))
    assert (rows["articles"] if isinstance(rows, dict) else rows) == []
