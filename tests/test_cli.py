"""The newsfacet command line, driven through click's runner: exit codes, output, errors."""

from __future__ import annotations

import json
import subprocess
import sys

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


def test_the_count_line_reads_as_english(runner, indexed):
    """One article "matches"; with no query the line is the count the filters keep, not
    "5 articles match all articles"."""
    everything = run(runner, "search", "--index", indexed).stdout.splitlines()[0]
    assert everything == "5 articles (page 1 of 1)"
    one = run(runner, "search", "Ghika", "--index", indexed)
    assert one.stdout.splitlines()[0] == '1 article matches "Ghika" (page 1 of 1)'


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


@pytest.mark.parametrize("args, message", [
    (["search", "--sort", "random"], "Invalid value for '--sort'"),
    (["search", "--page", "x"], "Invalid value for '--page'"),
    (["search", "--no-such-option"], "No such option '--no-such-option'"),
    (["index"], "give files, folders or URLs to index"),
])
def test_bad_usage_with_json_is_a_json_error_exit_2(runner, indexed, args, message):
    """Issue 18: click's usage errors (exit 2) also give the JSON error object with --json."""
    result = run(runner, *args, "--index", indexed, "--json")
    error = _json_error(result, 2)
    assert error["title"] == "UsageError" and message in error["message"]
    assert f"Error: {message}" in result.stderr
    plain = run(runner, *args, "--index", indexed)
    assert plain.exit_code == 2 and plain.stdout == ""


def _skipping_folder(folder, skipped: int):
    """A folder of one article, ``skipped`` PDF files and one empty file."""
    folder.mkdir()
    (folder / "ok.txt").write_text("Headline\n\nA real paragraph of article text, long enough.\n")
    (folder / "empty.txt").write_text("")
    for number in range(skipped - 1):
        (folder / f"scan{number:02d}.pdf").write_bytes(b"%PDF")
    return folder


def test_many_skips_are_counted_by_reason_and_listed_on_request(runner, tmp_path):
    """Issue 18: a run with many skips prints one line per reason, not one per input;
    --verbose lists each, --skips FILE writes each, --json counts them by reason."""
    folder = _skipping_folder(tmp_path / "in", 15)
    result = run(runner, "index", folder, "--index", tmp_path / "ix")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("added 1, updated 0, unchanged 0, skipped 15")
    assert lines[1:] == ["skipped, by reason:",
                         "       14  unsupported file type '.pdf'",
                         "        1  empty file",
                         "the 15 skipped inputs are listed one by one with --verbose, or in a "
                         "file with --skips FILE"]
    verbose = run(runner, "index", folder, "--index", tmp_path / "ix2", "--verbose",
                  "--skips", tmp_path / "skips.tsv")
    listed = [line for line in verbose.stdout.splitlines() if line.startswith("  skipped ")]
    assert len(listed) == 15 and f"  skipped {folder / 'empty.txt'}: empty file" in listed
    rows = (tmp_path / "skips.tsv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 15 and f"{folder / 'empty.txt'}\tempty file" in rows
    data = json.loads(run(runner, "index", folder, "--index", tmp_path / "ix3", "--json").stdout)
    assert data["skip_reasons"] == {"unsupported file type '.pdf'": 14, "empty file": 1}
    assert data["skipped"] == len(data["skips"]) == 15  # the list stays, as before


def test_a_few_skips_are_listed_one_by_one(runner, tmp_path):
    folder = _skipping_folder(tmp_path / "in", 3)
    result = run(runner, "index", folder, "--index", tmp_path / "ix")
    assert [line for line in result.stdout.splitlines()[1:]] == [
        f"  skipped {folder / 'empty.txt'}: empty file",
        f"  skipped {folder / 'scan00.pdf'}: unsupported file type '.pdf': newsfacet reads "
        ".html, .htm, .txt, .jsonl, .warc and .warc.gz",
        f"  skipped {folder / 'scan01.pdf'}: unsupported file type '.pdf': newsfacet reads "
        ".html, .htm, .txt, .jsonl, .warc and .warc.gz"]


def test_progress_counts_records_of_a_jsonl_against_the_total(runner, tmp_path, monkeypatch):
    """Issue 18: the progress line counts toward the total (files, and the records of a .jsonl)."""
    records = tmp_path / "wire.jsonl"
    records.write_text("".join(json.dumps({"id": f"r{n}", "title": f"Story {n}",
                                           "body": f"Paragraph number {n} of the wire."}) + "\n"
                               for n in range(30)) + "\n", encoding="utf-8")  # a blank last line
    (tmp_path / "page.txt").write_text("Headline\n\nA paragraph of text long enough.\n")
    monkeypatch.setattr("search.cli.commands.on_terminal", lambda: True)
    result = run(runner, "index", records, tmp_path / "page.txt", "--index", tmp_path / "ix")
    assert result.exit_code == 0, result.output
    assert "\rreading 31/31 (100%) · " in result.stderr  # the last document is always drawn
    assert "/32" not in result.stderr and "(103%)" not in result.stderr


@pytest.mark.parametrize("total, number, seconds, expected", [
    (21577, 13457, 16.0, "reading 13,457/21,577 (62%) · 841/s · 0:10 left · wire.jsonl#13457"),
    (21577, 10, 0.5, "reading 10/21,577 (0%) · wire.jsonl#13457"),  # no rate in the first second
    (None, 13457, 3600.0, "reading 13,457 · 4/s · wire.jsonl#13457"),  # a WARC: no total known
    (100, 120, 2.0, "reading 120 · 60/s · wire.jsonl#13457"),  # the cheap count fell short
    (90_000, 10_000, 600.0, "reading 10,000/90,000 (11%) · 17/s · 1:20:00 left · wire.jsonl#13457"),
])
def test_progress_line_shows_rate_and_time_left(total, number, seconds, expected):
    from search.cli.progress import IndexProgress

    progress = IndexProgress(total, clock=lambda: 0.0)
    assert progress.line(number, "wire.jsonl#13457", seconds) == expected


@pytest.mark.parametrize("reason, kind", [
    ("same id as seeds/a.txt", "same id as an earlier document"),
    ("same content as /x/y.html", "same content as an earlier document"),
    ("file is 25,000,000 bytes, over the limit of 20,000,000 (raise NEWSFACET_MAX_FILE_BYTES "
     "to index it)", "file over the size limit"),
    ("not valid JSON (Expecting value: line 1 column 1 (char 0))", "not valid JSON"),
    ("cannot read: Permission denied", "cannot read"),
    ("HTTP 404 Not Found", "HTTP 404 Not Found"),  # the status is the kind
    ("no article text found in the page after cleaning",
     "no article text found in the page after cleaning"),
])
def test_skip_reasons_group_by_kind(reason, kind):
    from search.indexing import skip_kind

    assert skip_kind(reason) == kind


def test_headline_only_records_are_indexed_under_their_title(runner, tmp_path):
    """Issue 18: a record with a title and no text (a wire brief) is indexed and flagged;
    a page with a title and no text is still skipped."""
    records = tmp_path / "wire.jsonl"
    records.write_text(
        json.dumps({"id": "brief", "title": "U.S. M-1 MONEY SUPPLY RISES 2.1 BILLION DLRS",
                    "date": "1987-03-02"}) + "\n"
        + json.dumps({"id": "story", "title": "Cocoa review",
                      "body": "Showers continued in the Bahia cocoa zone this week."}) + "\n"
        + json.dumps({"id": "blank", "title": "  ", "body": ""}) + "\n", encoding="utf-8")
    page = tmp_path / "wall.html"
    page.write_text("<html><head><title>Subscribe to read</title></head><body></body></html>")
    data = json.loads(run(runner, "index", records, page, "--index", tmp_path / "ix",
                          "--json").stdout)
    assert (data["added"], data["skipped"]) == (2, 2)
    reasons = {s["source"].rsplit("/", 1)[-1]: s["reason"] for s in data["skips"]}
    assert reasons == {"wire.jsonl#3": "record has no body, html or title",
                       "wall.html": "no article text found in the page after cleaning"}
    hits = json.loads(run(runner, "search", "money supply", "--index", tmp_path / "ix",
                          "--json").stdout)["hits"]
    assert [(h["id"], h["headline_only"], h["date"]) for h in hits] == [
        ("brief", True, "1987-03-02")]
    assert hits[0]["snippet"] == ("U.S. M-1 <mark>MONEY</mark> <mark>SUPPLY</mark> RISES 2.1 "
                                  "BILLION DLRS")
    other = json.loads(run(runner, "search", "cocoa", "--index", tmp_path / "ix", "--json").stdout)
    assert [h["headline_only"] for h in other["hits"]] == [False]


def test_typesense_options_do_not_clutter_help_but_still_work(runner, tmp_path):
    """Issue 18: --collection is no line of its own in any command's help (--engine's help
    names it) and is still accepted."""
    for name in ("index", "search", "show", "stats", "remove", "serve", "update"):
        text = run(runner, name, "--help").stdout
        assert "\n  --collection" not in text, name
        assert "typesense also takes --collection NAME" in " ".join(text.split()), name
    result = run(runner, "stats", "--index", tmp_path / "none", "--collection", "mine")
    assert result.exit_code == 1 and result.stderr.startswith("Error: no index in")


def test_clean_on_a_jsonl_says_which_record_it_shows(runner, tmp_path):
    """Issue 18: `clean` on a .jsonl says it shows record 1 of N, and --record N shows another."""
    records = tmp_path / "wire.jsonl"
    records.write_text("".join(json.dumps({"id": f"r{n}", "title": f"Story number {n}",
                                           "body": f"The text of story {n}."}) + "\n"
                               for n in (1, 2, 3)), encoding="utf-8")
    first = run(runner, "clean", records)
    assert first.exit_code == 0 and "Story number 1" in first.stdout
    assert first.stderr == f"note: record 1 of 3 in {records}; --record N shows another\n"
    third = run(runner, "clean", records, "--record", 3, "--json")
    data = json.loads(third.stdout)
    assert (data["title"], data["record"], data["records"]) == ("Story number 3", 3, 3)
    past = run(runner, "clean", records, "--record", 4)
    assert past.exit_code == 1 and past.stderr == f"Error: {records} holds 3 records, not 4\n"
    page = tmp_path / "one.txt"
    page.write_text("A headline here\n\nThe article says something long enough to keep.\n")
    single = run(runner, "clean", page)
    assert single.exit_code == 0 and single.stderr == ""  # one article: nothing to say


@pytest.mark.parametrize("collecting", [True, False])
def test_importing_the_cli_leaves_the_garbage_collector_as_it_was(collecting):
    """The CLI pauses the cyclic collector while its modules load (start-up time); a program
    that imports it keeps the collector on, or off, as it had it."""
    code = (f"import gc\n{'' if collecting else 'gc.disable()'}\nimport search.cli\n"
            "print(gc.isenabled())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == str(collecting)
