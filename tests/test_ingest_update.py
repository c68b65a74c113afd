"""``newsfacet update``, ``sources`` and ``watch`` (acceptance 3), against a test server on
127.0.0.1 whose feed gains items between runs."""

from __future__ import annotations

import json

import pytest

from .conftest import run
from .webserver import rss, sitemap, story

OLD = {"harbour": "harbour repairs", "budget": "school budget", "strike": "rail strike"}
NEW = {"flood": "flood warning", "defences": "flood defences"}


def publish(site, stories: dict, etag: str) -> str:
    items = []
    for key, topic in stories.items():
        items.append((key, site.add(f"/news/{key}", story(f"Report on the {topic}", topic))))
    return site.add("/rss", rss(items), content_type="application/rss+xml", etag=etag)


def test_update_adds_only_new_items_and_reports_watches(fast, server, tmp_path):
    """Acceptance 3."""
    site, index = server.site, tmp_path / "ix"
    feed = publish(site, OLD, '"v1"')
    first = json.loads(run(fast, "index", feed, "--index", index, "--json").stdout)
    assert first["added"] == 3
    for query in ("flood", "strike", "defences"):
        assert run(fast, "watch", "add", query, "--index", index).exit_code == 0

    publish(site, {**OLD, **NEW}, '"v2"')
    before = len(site.log)
    result = run(fast, "update", "--index", index, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["added"], report["updated"], report["skipped"]) == (2, 0, 0)
    assert report["articles"] == 5
    fetched = [r.path for r in site.log[before:]]
    # robots.txt is read once a run; the old pages are not fetched again
    assert sorted(fetched) == ["/news/defences", "/news/flood", "/robots.txt", "/rss"]
    conditional = site.requests_for("/rss")[-1].headers
    assert conditional["if-none-match"] == '"v1"'
    assert conditional["if-modified-since"] == "Thu, 01 Jan 1970 00:00:00 GMT"  # as the server sent
    assert [(w["id"], w["query"], w["new_matches"]) for w in report["watches"]] == [
        (1, "flood", 2), (2, "strike", 0), (3, "defences", 1)]
    titles = {h["title"] for h in report["watches"][0]["hits"]}
    assert titles == {"Report on the flood warning", "Report on the flood defences"}
    assert all(h["crawl_date"] and h["date"] is None for h in report["watches"][0]["hits"])
    assert report["sources"] == [{"url": feed, "kind": "feed", "status": "5 links, 2 new"}]

    before = len(site.log)
    again = run(fast, "update", "--index", index)
    assert again.exit_code == 0, again.output
    assert [(r.path, r.headers.get("if-none-match"), r.status) for r in site.log[before:]] == [
        ("/robots.txt", None, 200), ("/rss", '"v2"', 304)]
    assert f"feed {feed}: not modified" in again.stdout
    assert "added 0, updated 0, unchanged 0, skipped 0 — 5 articles" in again.stdout
    assert 'watch 1 "flood": no new matches' in again.stdout


def test_update_text_report_lists_new_matches(fast, server, tmp_path):
    site, index = server.site, tmp_path / "ix"
    feed = publish(site, OLD, '"v1"')
    run(fast, "index", feed, "--index", index)
    run(fast, "watch", "add", "flood", "--index", index)
    publish(site, {**OLD, **NEW}, '"v2"')
    out = run(fast, "update", "--index", index).stdout
    assert 'watch 1 "flood": 2 new matches' in out
    assert "  - Report on the flood warning · The Test Courier · undated · " in out


def test_update_reads_url_lists_again(fast, server, tmp_path):
    site, index = server.site, tmp_path / "ix"
    first = site.add("/a", story("Alpha", "alpha review"))
    listing = tmp_path / "urls.txt"
    listing.write_text(first + "\n")
    added = json.loads(run(fast, "index", "--urls", listing, "--index", index, "--json").stdout)
    assert added["added"] == 1
    second = site.add("/b", story("Beta", "beta review"))
    listing.write_text(f"{first}\n{second}\n")
    report = json.loads(run(fast, "update", "--index", index, "--json").stdout)
    assert report["added"] == 1
    assert len(site.requests_for("/a")) == 1 and len(site.requests_for("/b")) == 1


def test_update_retries_passing_failures(fast, server, tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSFACET_FETCH_RETRIES", "0")  # the run itself gives up at once
    site, index = server.site, tmp_path / "ix"
    link = site.add("/busy", story("Busy", "busy topic"), responses=[503])
    feed = site.add("/map.xml", sitemap([link]), content_type="application/xml")
    first = json.loads(run(fast, "index", feed, "--index", index, "--json").stdout)
    assert first["skips"] == [{"source": link, "reason": "HTTP 503 Service Unavailable"}]
    report = json.loads(run(fast, "update", "--index", index, "--json").stdout)
    assert report["added"] == 1


def test_sources_lists_feeds_with_counts(fast, server, tmp_path):
    site, index = server.site, tmp_path / "ix"
    feed = publish(site, OLD, '"v1"')
    page = site.add("/single", story("Single", "single topic"))
    run(fast, "index", feed, page, site.url("/news/missing-page"), "--index", index)
    data = json.loads(run(fast, "sources", "--index", index, "--json").stdout)
    rows = {s["url"]: s for s in data["sources"]}
    assert (rows[feed]["kind"], rows[feed]["articles"]) == ("feed", 3)
    assert rows[feed]["last_update"] and rows[feed]["status"] == "3 links, 3 new"
    assert (rows[page]["kind"], rows[page]["articles"]) == ("page", 1)
    text = run(fast, "sources", "--index", index).stdout
    assert f"feed          {feed}\n              3 articles; last update " in text


def test_sources_and_update_on_an_index_without_sources(fast, tmp_path):
    result = run(fast, "sources", "--index", tmp_path / "none")
    assert result.exit_code == 0 and "no sources" in result.stdout
    assert not (tmp_path / "none").exists()  # listing creates nothing
    run(fast, "index", "--index", tmp_path / "ix", "/no/such/file")
    update = run(fast, "update", "--index", tmp_path / "ix")
    assert update.exit_code == 1
    assert update.stderr.startswith("Error: nothing to update: no files, folders, URLs, feeds or "
                                    "sitemaps")


def test_watch_add_list_remove(fast, tmp_path):
    index = tmp_path / "ix"
    added = run(fast, "watch", "add", "embassy", "--entity", "PMF", "--since", "2019-01-01",
                "--index", index, "--json")
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["filters"] == {"entity": ["PMF"], "since": "2019-01-01"}
    assert run(fast, "watch", "add", "--outlet", "Reuters", "--index", index).stdout == (
        "saved search 2: (everything) outlet=Reuters\n")
    listed = json.loads(run(fast, "watch", "list", "--index", index, "--json").stdout)["watches"]
    assert [(w["id"], w["query"]) for w in listed] == [(1, "embassy"), (2, "")]
    assert run(fast, "watch", "remove", "1", "--index", index).stdout == "removed saved search 1\n"
    text = run(fast, "watch", "list", "--index", index).stdout
    assert text.startswith("   2  (everything) outlet=Reuters  (saved ")
    gone = run(fast, "watch", "remove", "1", "--index", index)
    assert gone.exit_code == 1
    assert gone.stderr == "Error: no saved search number 1 — `newsfacet watch list` shows them\n"


@pytest.mark.parametrize("args, message", [
    ([], "Error: give a query or at least one filter to watch\n"),
    (['"unbalanced'],
     'Error: unbalanced quotes in the query: close the "phrase" or remove the quote\n'),
    (["x", "--since", "not a date at all"], "Error: cannot read the date"),
])
def test_watch_add_refuses_searches_that_cannot_run(fast, tmp_path, args, message):
    result = run(fast, "watch", "add", *args, "--index", tmp_path / "ix")
    assert result.exit_code == 1
    assert result.stderr.startswith(message)
    listed = run(fast, "watch", "list", "--json", "--index", tmp_path / "ix").stdout
    assert json.loads(listed) == {"watches": []}


def test_watch_commands_have_help(fast):
    for command in (["update"], ["sources"], ["watch"], ["watch", "add"], ["watch", "list"],
                    ["watch", "remove"]):
        result = run(fast, *command, "--help")
        assert result.exit_code == 0 and "Example: newsfacet" in result.output


def test_update_reindexes_new_and_changed_files_and_reports_watches(fast, tmp_path, monkeypatch):
    """Issue 18: on a collection indexed from files, `update` reads the folders and files
    again (new and changed files only) and saved searches report their new matches."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "harbour.txt").write_text("Harbour repairs\n\nThe harbour repairs began on Monday.\n")
    wire = tmp_path / "wire.jsonl"
    wire.write_text(json.dumps({"id": "w1", "title": "Rail strike", "body": "The rail strike "
                                "went on."}) + "\n", encoding="utf-8")
    first = json.loads(run(fast, "index", "news", "wire.jsonl", "--index", "ix", "--json").stdout)
    assert first["added"] == 2
    for query in ("flood", "strike"):
        assert run(fast, "watch", "add", query, "--index", "ix").exit_code == 0

    (folder / "flood.txt").write_text("Flood warning\n\n"
                                      "A flood warning was issued for the coast.\n")
    (folder / "harbour.txt").write_text("Harbour repairs\n\nThe harbour repairs ended; a flood "
                                        "barrier follows.\n")
    with wire.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "w2", "title": "Flood defences", "body": "New flood "
                                 "defences were built."}) + "\n")
    result = run(fast, "update", "--index", "ix", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["added"], report["updated"], report["unchanged"]) == (2, 1, 1)
    assert report["files"] == ["news", "wire.jsonl"] and report["articles"] == 4
    assert [(w["query"], w["new_matches"]) for w in report["watches"]] == [("flood", 2),
                                                                           ("strike", 0)]
    sources = {h["source"] for h in report["watches"][0]["hits"]}
    assert sources == {"news/flood.txt", "wire.jsonl#2"}  # relative, as they were given

    again = run(fast, "update", "--index", "ix")
    assert again.exit_code == 0, again.output
    assert "added 0, updated 0, unchanged 4, skipped 0 — 4 articles" in again.stdout
    assert 'watch 1 "flood": no new matches' in again.stdout
    listed = json.loads(run(fast, "sources", "--index", "ix", "--json").stdout)
    assert [(f["path"], f["kind"]) for f in listed["files"]] == [("news", "folder"),
                                                                ("wire.jsonl", "file")]
    assert f"folder        {folder}" in run(fast, "sources", "--index", "ix").stdout


def test_update_from_another_folder_reads_relative_paths_by_their_absolute_path(
        fast, tmp_path, monkeypatch):
    """A folder given relative is still found when `update` runs elsewhere."""
    (tmp_path / "work").mkdir()
    folder = tmp_path / "work" / "news"
    folder.mkdir()
    (folder / "a.txt").write_text("Harbour repairs\n\nThe harbour repairs began on Monday.\n")
    monkeypatch.chdir(tmp_path / "work")
    assert run(fast, "index", "news", "--index", tmp_path / "ix").exit_code == 0
    (folder / "b.txt").write_text("Flood warning\n\nA flood warning was issued for the coast.\n")
    monkeypatch.chdir(tmp_path)
    report = json.loads(run(fast, "update", "--index", tmp_path / "ix", "--json").stdout)
    assert (report["added"], report["unchanged"]) == (1, 1)
    assert report["files"] == [str(folder)]
    monkeypatch.chdir(tmp_path / "work")  # back where it was given: read as given again
    assert json.loads(run(fast, "update", "--index", tmp_path / "ix", "--json").stdout)[
        "files"] == ["news"]
