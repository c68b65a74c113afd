"""The newsfacet command line, driven through click's runner: exit codes, output, errors."""

from __future__ import annotations

import json

import pytest

from search.cli import cli

from .conftest import run


def test_every_command_has_help(runner):
    for name, command in cli.commands.items():
        assert command.help and "Example:" in command.help, name
        result = run(runner, name, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output


def test_index_twice_then_edit(runner, tmp_path, seeds_copy):
    index = tmp_path / "ix"
    first = run(runner, "index", seeds_copy, "--index", index, "--json")
    assert json.loads(first.stdout)["added"] == 5
    second = json.loads(run(runner, "index", seeds_copy, "--index", index, "--json").stdout)
    assert (second["added"], second["updated"], second["unchanged"]) == (0, 0, 5)
    seed = sorted(seeds_copy.iterdir())[1]
    seed.write_text(seed.read_text(encoding="utf-8") + "\nA new closing paragraph was added.\n",
                    encoding="utf-8")
    third = run(runner, "index", seeds_copy, "--index", index)
    assert third.stdout.startswith("added 0, updated 1, unchanged 4, skipped 0 — 5 articles")


def test_search_json_is_one_document(runner, indexed):
    result = run(runner, "search", "embassy", "--index", indexed, "--json")
    data = json.loads(result.stdout)
    assert set(data) >= {"query", "total", "page", "per_page", "hits", "facets"}
    assert set(data["facets"]) == {"entity", "outlet", "year", "month", "agency"}
    hit = data["hits"][0]
    assert set(hit) >= {"id", "source", "url", "title", "outlet", "date", "entities", "score",
                        "snippet"}


def test_search_human_output(runner, indexed):
    result = run(runner, "search", "embassy", "--index", indexed)
    assert result.exit_code == 0
    assert result.stdout.startswith('5 articles match "embassy" (page 1 of 1)')
    assert "<mark>" not in result.stdout


@pytest.mark.parametrize("query, message", [
    ('"embassy', "Error: unbalanced quotes in the query"),
    ("(embassy", "Error: unbalanced parentheses in the query"),
    ("AND", "Error: 'AND' needs a word"),
    ("foo:bar", "Error: unknown field 'foo' in the query"),
])
def test_bad_query_is_one_error_line(runner, indexed, query, message):
    result = run(runner, "search", query, "--index", indexed)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
    # with --json the error is also one JSON object on stdout (issue 18), same exit code
    as_json = run(runner, "search", query, "--index", indexed, "--json")
    assert as_json.exit_code == 1
    error = json.loads(as_json.stdout)["error"]
    assert (error["title"], error["status"], error["exit_code"]) == ("QueryError", 400, 1)
    assert ("Error: " + error["message"]).startswith(message)
    assert as_json.stderr.startswith(message)


def _json_error(result, exit_code):
    """The error object of a --json run, checked to be the only document on stdout."""
    assert result.exit_code == exit_code, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"error"}
    assert set(data["error"]) >= {"status", "title", "message", "exit_code"}
    assert data["error"]["exit_code"] == exit_code
    return data["error"]


def test_json_error_for_missing_index(runner, tmp_path):
    error = _json_error(run(runner, "search", "x", "--index", tmp_path / "nothing", "--json"), 1)
    assert (error["title"], error["status"]) == ("IndexMissing", 503)
    assert (error["message"].startswith("no index in")
            and "newsfacet index seeds/" in error["message"])
    error = _json_error(run(runner, "stats", "--index", tmp_path / "nothing", "--json"), 1)
    assert error["title"] == "IndexMissing"


def test_json_error_for_unknown_article(runner, indexed):
    result = run(runner, "show", "0000000000000000", "--index", indexed, "--json")
    error = _json_error(result, 1)
    assert (error["title"], error["status"]) == ("ArticleNotFound", 404)
    assert error["message"].startswith("no article with id")
    assert result.stderr.startswith("Error: no article with id")


def test_json_error_for_unknown_entity_names_close_ones(runner, indexed):
    result = run(runner, "search", "--entity", "Kataib Hezbolah", "--index", indexed, "--json")
    error = _json_error(result, 1)
    assert error["title"] == "UnknownEntity"
    assert error["unknown_entities"][0]["name"] == "Kataib Hezbolah"


def test_json_error_for_bad_date(runner, indexed):
    error = _json_error(run(runner, "search", "--since", "1987-02-30", "--index", indexed,
                            "--json"), 1)
    assert error["title"] == "QueryError"


def test_typesense_without_the_extra_names_it(runner, monkeypatch):
    """--engine typesense without the typesense package: one Error line naming the extra."""
    import sys

    monkeypatch.setitem(sys.modules, "typesense", None)  # makes `import typesense` fail
    monkeypatch.setenv("NEWSFACET_TYPESENSE_API_KEY", "k")
    result = run(runner, "search", "x", "--engine", "typesense")
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: the Typesense engine needs")
    assert "pip install -e '.[typesense]'" in lines[0]
    assert "ModuleNotFoundError" not in lines[0]
    error = _json_error(run(runner, "stats", "--engine", "typesense", "--json"), 1)
    assert "pip install -e '.[typesense]'" in error["message"]


def test_missing_index_is_a_user_error(runner, tmp_path):
    result = run(runner, "search", "x", "--index", tmp_path / "nothing")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no index in")
    assert "newsfacet index seeds/" in result.stderr


def test_bad_usage_exits_2(runner, indexed):
    assert run(runner, "search", "--sort", "random", "--index", indexed).exit_code == 2
    assert run(runner, "frobnicate").exit_code == 2


def test_environment_chooses_index(runner, indexed, monkeypatch):
    monkeypatch.setenv("NEWSFACET_INDEX", str(indexed))
    assert json.loads(run(runner, "stats", "--json").stdout)["articles"] == 5


def test_show_stats_remove(runner, indexed):
    data = json.loads(run(runner, "search", "--index", indexed, "--json", "--limit", "1").stdout)
    article_id = data["hits"][0]["id"]
    shown = json.loads(run(runner, "show", article_id, "--index", indexed, "--json").stdout)
    assert shown["id"] == article_id and shown["body"]
    stats = json.loads(run(runner, "stats", "--index", indexed, "--json").stdout)
    assert stats["articles"] == 5 and stats["size_bytes"] > 0
    assert run(runner, "remove", article_id, "--index", indexed).exit_code == 0
    assert json.loads(run(runner, "stats", "--index", indexed, "--json").stdout)["articles"] == 4
    missing = run(runner, "show", article_id, "--index", indexed)
    assert missing.exit_code == 1 and missing.stderr.startswith("Error: no article with id")


def test_clean_shows_without_indexing(runner, tmp_path):
    page = tmp_path / "page.txt"
    page.write_text("A headline here\n\nThe article says something long enough to keep.\n",
                    encoding="utf-8")
    result = run(runner, "clean", page, "--json")
    data = json.loads(result.stdout)
    assert "The article says something" in data["body"]
    assert "blocks" in data and not (tmp_path / "index").exists()


def test_index_reports_skips(runner, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "empty.txt").write_text("")
    (folder / "data.bin.txt").write_bytes(b"\x00\x01\x02binary")
    (folder / "notes.pdf").write_bytes(b"%PDF")
    (folder / "ok.txt").write_text("Headline\n\nA real paragraph of article text, long enough.\n")
    result = run(runner, "index", folder, "--index", tmp_path / "ix", "--json")
    data = json.loads(result.stdout)
    assert data["added"] == 1 and data["skipped"] == 3
    reasons = {s["source"].rsplit("/", 1)[-1]: s["reason"] for s in data["skips"]}
    assert reasons["empty.txt"] == "empty file"
    assert reasons["data.bin.txt"] == "binary file, not text"
    assert reasons["notes.pdf"].startswith("unsupported file type '.pdf'")


def test_metadata_file_overrides(runner, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    page = folder / "a.txt"
    page.write_text("Headline\n\nA real paragraph of article text, long enough.\n")
    meta = tmp_path / "meta.csv"
    meta.write_text(f"source,date,outlet\n{page},2019-05-16,The Test Times\n")
    index = tmp_path / "ix"
    run(runner, "index", folder, "--index", index, "--metadata", meta)
    hit = json.loads(run(runner, "search", "--index", index, "--json").stdout)["hits"][0]
    assert (hit["date"], hit["outlet"]) == ("2019-05-16", "The Test Times")


@pytest.mark.parametrize("value, message", [
    ("1987-13-01", "Error: '1987-13-01' for --since is no date (year-month-day: there is no "
                   "month 13)"),
    ("01/04/1987", "Error: '01/04/1987' for --since reads two ways: 1 April 1987 (day/month) or "
                   "4 January 1987 (month/day); write 1987-04-01 or 1987-01-04"),
])
def test_typed_dates_are_refused_not_reinterpreted(runner, indexed, value, message):
    result = run(runner, "search", "--since", value, "--index", indexed)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith(message) and len(result.stderr.strip().splitlines()) == 1


def test_unambiguous_numeric_date_filters(runner, indexed):
    everything = json.loads(run(runner, "search", "--index", indexed, "--json").stdout)["total"]
    dates = sorted(h["date"] for h in json.loads(run(
        runner, "search", "--index", indexed, "--json", "--limit", "50").stdout)["hits"]
        if h["date"])
    last = dates[-1]
    year, month, day = last.split("-")
    since = f"{int(day):02d}/{month}/{year}" if int(day) > 12 else f"{year}/{month}/{day}"
    data = json.loads(run(runner, "search", "--since", since, "--index", indexed, "--json").stdout)
    assert 1 <= data["total"] < everything
    assert all(h["date"] >= last for h in data["hits"])
