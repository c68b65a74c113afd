"""Indexing from the web: URL lists, feeds and sitemaps from a test server on 127.0.0.1.

Acceptance 1 (every article found and cleaned; a 404, a timeout, a non-HTML response and a
robots-disallowed path each reported and skipped), 4 (politeness), crawl dates, retries and
hostile responses. No request leaves the machine.
"""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import json

import pytest

from search.config import Settings
from search.engines import open_engine

from .conftest import run
from .webserver import atom, rss, sitemap, sitemap_index, story


@pytest.fixture
def site(server):
    return server.site


def index_json(runner, index, *args):
    result = run(runner, "index", *args, "--index", index, "--json")
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def articles(index) -> dict:
    engine = open_engine(Settings(index_dir=str(index)))
    try:
        ids = engine.hashes()
        return {a.url: a for a in (engine.get(i) for i in ids)}
    finally:
        engine.close()


def reasons(summary) -> dict:
    return {s["source"]: s["reason"] for s in summary["skips"]}


def test_url_list_feed_and_sitemap(fast, site, tmp_path):
    """Acceptance 1."""
    pages = {f"/news/{name}": story(f"Story {name}", f"{name} inquiry")
             for name in ("list-one", "list-two", "feed-one", "feed-two", "map-one", "map-two")}
    for path, html in pages.items():
        site.add(path, html)
    site.add("/private/secret", story("Secret", "secret talks"))
    site.add("/slow", story("Slow", "slow talks"), hang=True)
    site.add("/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(200), content_type="image/png")
    feed = site.add("/feeds/world", rss([("one", site.url("/news/feed-one")),
                                         ("two", site.url("/news/feed-two")),
                                         ("gone", site.url("/news/missing")),
                                         ("secret", site.url("/private/secret"))]),
                    content_type="application/rss+xml")
    smap = site.add("/sitemap.xml", sitemap([site.url("/news/map-one"), site.url("/news/map-two"),
                                             site.url("/slow"), site.url("/logo.png")]),
                    content_type="application/xml")
    url_list = tmp_path / "urls.txt"
    url_list.write_text(f"# my reading list\n{site.url('/news/list-one')}\n\n"
                        f"   {site.url('/news/list-two')}  \n# the end\n")

    summary = index_json(fast, tmp_path / "index", feed, smap, "--urls", url_list)

    assert summary["added"] == 6
    indexed = articles(tmp_path / "index")
    assert sorted(indexed) == sorted(site.url(p) for p in pages)
    for url, article in indexed.items():
        name = url.rsplit("/", 1)[1]
        assert article.title == f"Story {name}"
        assert f"the {name} inquiry would continue" in article.body
        assert "Home" not in article.body and "©" not in article.body  # chrome removed
        assert article.source == url
    why = reasons(summary)
    assert why[site.url("/news/missing")] == "HTTP 404 Not Found"
    assert why[site.url("/slow")].startswith("timed out after 0.5 s")
    assert why[site.url("/logo.png")] == "not an HTML page (Content-Type image/png)"
    assert why[site.url("/private/secret")] == "disallowed by robots.txt"
    assert site.requests_for("/private/secret") == []
    assert len(site.requests_for("/news/missing")) == 1  # a 404 is not retried
    assert len(site.requests_for("/slow")) == 2  # a timeout is, once (NEWSFACET_FETCH_RETRIES=1)
    assert len(site.requests_for("/robots.txt")) == 1  # read once per host
    agents = {r.headers["user-agent"] for r in site.log}
    assert len(agents) == 1 and agents.pop().startswith("newsfacet/")


def test_text_summary_lists_failures_with_reasons(fast, site, tmp_path):
    site.add("/a", story("Alpha", "alpha review"))
    result = run(fast, "index", site.url("/a"), site.url("/nope"), "--index", tmp_path / "ix")
    assert result.exit_code == 0
    assert result.stdout.startswith("added 1, updated 0, unchanged 0, skipped 1")
    assert f"  skipped {site.url('/nope')}: HTTP 404 Not Found" in result.stdout


def test_nothing_fetched_is_an_error(fast, site, tmp_path):
    result = run(fast, "index", site.url("/nope"), "--index", tmp_path / "ix")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: nothing was indexed")


def test_index_needs_an_input(fast, tmp_path):
    result = run(fast, "index", "--index", tmp_path / "ix")
    assert result.exit_code == 2
    assert "give files, folders or URLs" in result.stderr


def test_server_errors_are_retried_with_backoff(fast, site, tmp_path):
    site.add("/flaky", story("Flaky", "flaky network"), responses=[503])
    summary = index_json(fast, tmp_path / "ix", site.url("/flaky"))
    assert summary["added"] == 1
    first, second = site.requests_for("/flaky")
    assert (first.status, second.status) == (503, 200)
    assert second.time - first.time >= 0.05  # backoff: at least the delay, 0.05 s at least


def test_politeness_delay_between_requests_to_one_host(runner, monkeypatch, site, tmp_path):
    """Acceptance 4: no two requests to the host closer than NEWSFACET_FETCH_DELAY."""
    delay = 0.3
    monkeypatch.setenv("NEWSFACET_FETCH_DELAY", str(delay))
    monkeypatch.setenv("NEWSFACET_FETCH_PRIVATE", "1")  # the test site is on 127.0.0.1
    links = [site.add(f"/p{n}", story(f"Page {n}", f"topic {n}")) for n in range(4)]
    feed = site.add("/feed", atom(links), content_type="application/atom+xml")
    site.add("/retry", story("Retry", "retry topic"), responses=[503])
    summary = index_json(runner, tmp_path / "ix", feed, site.url("/retry"), site.url("/p404"))
    assert summary["added"] == 5
    times = [r.time for r in site.log]
    assert len(times) == 9  # robots, feed, 503 + retry, 404, four pages
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= delay, gaps


def test_robots_crawl_delay_is_honoured(fast, site, tmp_path):
    site.add("/robots.txt", "User-agent: *\nCrawl-delay: 0.4\n", content_type="text/plain")
    page = site.add("/p", story("Page", "topic"))
    index_json(fast, tmp_path / "ix", page)
    robots, fetched = site.log
    assert fetched.time - robots.time >= 0.4


def test_robots_for_newsfacet_and_unreachable_robots(fast, site, tmp_path):
    site.add("/robots.txt", "User-agent: newsfacet\nDisallow: /\n\nUser-agent: *\nAllow: /\n",
             content_type="text/plain")
    site.add("/a", story("Alpha", "alpha review"))
    summary = index_json(fast, tmp_path / "ix", site.url("/a"))
    assert reasons(summary)[site.url("/a")] == "disallowed by robots.txt"


def test_robots_server_error_means_no_crawl(fast, site, tmp_path):
    site.add("/robots.txt", "oops", status=500)
    site.add("/a", story("Alpha", "alpha review"))
    summary = index_json(fast, tmp_path / "ix", site.url("/a"))
    assert reasons(summary)[site.url("/a")].startswith("robots.txt could not be read (HTTP 500")
    assert site.requests_for("/a") == []


def test_crawl_date_is_kept_and_never_the_publication_date(fast, site, tmp_path):
    site.add("/undated", story("No date here", "harbour works"))
    site.add("/dated", story("Dated", "bridge works", date="2019-05-14T10:00:00Z"))
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    index_json(fast, tmp_path / "ix", site.url("/undated"), site.url("/dated"))
    after = dt.datetime.now(dt.timezone.utc)
    indexed = articles(tmp_path / "ix")
    undated, dated = indexed[site.url("/undated")], indexed[site.url("/dated")]
    assert undated.date is None
    assert dated.date == dt.date(2019, 5, 14)
    for article in (undated, dated):
        crawled = dt.datetime.strptime(article.crawl_date,
                                       "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
        assert before <= crawled <= after
    show = json.loads(run(fast, "show", undated.id, "--index", tmp_path / "ix", "--json").stdout)
    assert show["date"] is None and show["crawl_date"] == undated.crawl_date
    found = run(fast, "search", "harbour", "--index", tmp_path / "ix", "--json").stdout
    hits = json.loads(found)["hits"]
    assert [(h["date"], h["crawl_date"]) for h in hits] == [(None, undated.crawl_date)]
    text = run(fast, "show", undated.id, "--index", tmp_path / "ix").stdout
    assert f"crawled {undated.crawl_date}" in text and "undated" in text


def test_feeds_are_recognised_by_content_not_url(fast, site, tmp_path):
    link = site.add("/story", story("Story", "river levels"))
    feed = site.add("/latest", rss([("s", link)]), content_type="text/html")  # a mislabelled feed
    gz = site.add("/maps/all", gzip.compress(sitemap([link]).encode()),
                  content_type="application/octet-stream")
    first = index_json(fast, tmp_path / "a", feed)
    second = index_json(fast, tmp_path / "b", gz)
    assert first["added"] == second["added"] == 1


def test_sitemap_index_and_relative_links(fast, site, tmp_path):
    site.add("/a", story("Alpha", "alpha review"))
    site.add("/b", story("Beta", "beta review"))
    site.add("/map-a.xml", sitemap(["/a"]), content_type="text/xml")  # relative: resolved
    site.add("/map-b.xml.gz", gzip.compress(sitemap([site.url("/b")]).encode()),
             content_type="application/gzip")
    top = site.add("/sitemap_index.xml",
                   sitemap_index([site.url("/map-a.xml"), site.url("/map-b.xml.gz")]),
                   content_type="application/xml")
    summary = index_json(fast, tmp_path / "ix", top)
    assert summary["added"] == 2


# -- hostile responses ----------------------------------------------------------------------

def test_a_feed_that_is_html_is_read_as_a_page(fast, site, tmp_path):
    feed = site.add("/feed.xml", story("Actually a page", "page topic"),
                    content_type="application/rss+xml")
    summary = index_json(fast, tmp_path / "ix", feed)
    assert summary["added"] == 1
    assert list(articles(tmp_path / "ix")) == [feed]


def test_huge_responses_are_cut_off(fast, monkeypatch, site, tmp_path):
    monkeypatch.setenv("NEWSFACET_MAX_FILE_BYTES", "100000")
    big = story("Big", "big") + "<p>" + "x" * 200_000 + "</p>"
    site.add("/declared", big)
    site.add("/undeclared", big, no_length=True)
    summary = index_json(fast, tmp_path / "ix", site.url("/declared"), site.url("/undeclared"))
    why = reasons(summary)
    for path in ("/declared", "/undeclared"):
        assert why[site.url(path)] == ("response is over the limit of 100,000 bytes "
                                       "(raise NEWSFACET_MAX_FILE_BYTES to fetch it)")


def test_binary_body_labelled_html(fast, site, tmp_path):
    site.add("/bin", bytes(range(256)) * 40)
    summary = index_json(fast, tmp_path / "ix", site.url("/bin"))
    assert reasons(summary)[site.url("/bin")] in ("binary content, not an HTML page",
                                                  "not an HTML page (Content-Type text/html)")


@pytest.mark.parametrize("body, expected", [
    # a truncated feed: the links before the break are still read
    ("<rss><channel><item><link>{ok}</link></item><item><link>http://", "added"),
    ("<rss>&&&<<<>>>", "no links"),
    ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
     "<rss><channel><item><link>&b;</link></item></channel></rss>", "skipped"),
    ("<urlset><url><loc>javascript:alert(1)</loc></url><url><loc>file:///etc/passwd</loc></url></urlset>",
     "no links"),
])
def test_malformed_feeds_never_break_the_run(fast, site, tmp_path, body, expected):
    ok = site.add("/ok", story("Fine", "fine topic"))
    feed = site.add("/bad-feed", body.replace("{ok}", ok), content_type="application/xml")
    site.add("/other", story("Other", "other topic"))
    summary = index_json(fast, tmp_path / "ix", feed, site.url("/other"))
    indexed = articles(tmp_path / "ix")
    assert site.url("/other") in indexed
    if expected == "added":
        assert sorted(indexed) == sorted([ok, site.url("/other")])
    else:
        assert feed in reasons(summary) or summary["added"] == 1
        assert list(indexed) == [site.url("/other")]


def test_sitemap_loops_end(fast, site, tmp_path):
    a, b = site.url("/map-a"), site.url("/map-b")
    site.add("/map-a", sitemap_index([b, a]), content_type="application/xml")
    site.add("/map-b", sitemap_index([a]), content_type="application/xml")
    summary = index_json(fast, tmp_path / "ix", a)
    assert "already read" in reasons(summary)[a]
    assert len(site.requests_for("/map-a")) == 1 and len(site.requests_for("/map-b")) == 1


def test_public_feed_cannot_point_into_the_machine(fast, tmp_path):
    from search.ingest.crawl import _private_link

    assert _private_link("http://127.0.0.1/admin", "https://news.example.org/feed")
    assert _private_link("http://169.254.169.254/latest", "https://news.example.org/feed")
    assert _private_link("http://localhost:8000/", "https://news.example.org/feed")
    assert _private_link("http://127.0.0.1/a", "http://127.0.0.1/feed") is None
    assert _private_link("https://news.example.org/a", "https://news.example.org/feed") is None


def test_max_pages_leaves_the_rest_for_update(fast, site, tmp_path):
    links = [site.add(f"/p{n}", story(f"Page {n}", f"topic {n}")) for n in range(5)]
    feed = site.add("/feed", rss([(str(n), link) for n, link in enumerate(links)]),
                    content_type="application/rss+xml")
    first = index_json(fast, tmp_path / "ix", feed, "--max-pages", "2")
    assert first["added"] == 2
    assert any("3 pages left for later" in note for note in first["notes"])
    result = run(fast, "update", "--index", tmp_path / "ix", "--json")
    assert json.loads(result.stdout)["added"] == 3


def test_bad_urls_are_skipped(fast, tmp_path):
    summary = index_json(fast, tmp_path / "ix", "http://", "https://[::1")
    assert summary["added"] == 0 and len(summary["skips"]) == 2


def test_redirects_are_followed_and_checked(fast, site, tmp_path):
    target = site.add("/news/final", story("Final", "final topic"))
    site.add("/old", status=301, headers={"Location": "/news/final"})
    site.add("/to-private", status=302, headers={"Location": site.url("/private/x")})
    site.add("/to-file", status=302, headers={"Location": "file:///etc/passwd"})
    site.add("/loop", status=302, headers={"Location": "/loop"})
    summary = index_json(fast, tmp_path / "ix", site.url("/old"), site.url("/to-private"),
                         site.url("/to-file"), site.url("/loop"))
    assert list(articles(tmp_path / "ix")) == [target]  # the source is where the page is
    why = reasons(summary)
    assert why[site.url("/to-private")] == (f"redirected to {site.url('/private/x')}: "
                                            "disallowed by robots.txt")
    assert why[site.url("/to-file")] == ("redirected to file:///etc/passwd: not an http(s) URL "
                                         "(scheme 'file')")
    assert why[site.url("/loop")] == "more than 5 redirects"


@pytest.mark.parametrize("url, private", [
    ("http://127.0.0.1:8000/", True), ("http://localhost/", True), ("http://10.1.2.3/", True),
    ("http://[::1]/", True), ("http://169.254.169.254/", True),
    ("https://news.example.org/", False), ("https://8.8.8.8/", False), ("http://[bad/", False),
])
def test_private_addresses(url, private):
    from search.ingest.fetch import is_private_url

    assert is_private_url(url) is private


def test_a_url_list_that_cannot_be_read(fast, tmp_path):
    result = run(fast, "index", "--urls", tmp_path / "missing.txt", "--index", tmp_path / "ix")
    assert result.exit_code == 1
    assert (f"skipped {tmp_path / 'missing.txt'}: cannot read the URL list: "
            "No such file or directory") in result.stdout


def test_gzip_bombs_are_refused(fast, monkeypatch, site, tmp_path):
    monkeypatch.setenv("NEWSFACET_MAX_FILE_BYTES", "100000")
    bomb = gzip.compress(b"<urlset>" + b" " * 5_000_000 + b"</urlset>")
    assert len(bomb) < 100_000
    site.add("/sitemap.xml.gz", bomb, content_type="application/gzip")
    summary = index_json(fast, tmp_path / "ix", site.url("/sitemap.xml.gz"))
    assert reasons(summary)[site.url("/sitemap.xml.gz")] == ("gzip content: over 100,000 bytes "
                                                             "once decompressed")


def test_progress_bar_on_a_terminal(monkeypatch, capsys):
    import sys

    from search.cli import ingest as cli_ingest

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    draw = cli_ingest._progress()
    draw(3, 12, "http://127.0.0.1/news/story")
    err = capsys.readouterr().err
    assert err.startswith("\rfetching      3/12     [######------------------] "
                          "http://127.0.0.1/news/story")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert cli_ingest._progress() is None
