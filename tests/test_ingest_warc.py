"""Indexing web archives (acceptance 2): WARC files written with warcio in the test."""

from __future__ import annotations

import io
import json

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from search.config import Settings
from search.engines import open_engine

from .conftest import run
from .webserver import story

WARC_DATE = "2020-01-02T03:04:05Z"


def _response(writer, uri, body, status="200 OK", content_type="text/html; charset=utf-8",
              extra=(), warc_headers=None):
    http = StatusAndHeaders(status, [("Content-Type", content_type), *extra], protocol="HTTP/1.1")
    # A known length keeps warcio from spooling the payload to a temporary file.
    record = writer.create_warc_record(uri, "response", payload=io.BytesIO(body), length=len(body),
                                       http_headers=http,
                                       warc_headers_dict={"WARC-Date": WARC_DATE,
                                                          **(warc_headers or {})})
    writer.write_record(record)


def _request(writer, uri):
    http = StatusAndHeaders(f"GET {uri} HTTP/1.1", [("Host", "news.example.org")],
                            is_http_request=True)
    writer.write_record(writer.create_warc_record(uri, "request", payload=io.BytesIO(b""), length=0,
                                                  http_headers=http))


def build_warc(path, gzip: bool) -> dict:
    """Write 50 response records (plus requests and a warcinfo) and return what each is."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=gzip)
    writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
    expected = {"html": [], "redirect": [], "image": [], "other": []}
    for n in range(30):
        uri = f"https://news.example.org/2020/story-{n}"
        _request(writer, uri)
        html = story(f"Story number {n}", f"matter {n}", date="2019-12-31" if n % 2 else None)
        _response(writer, uri, html.encode())
        expected["html"].append(uri)
    for n in range(8):
        uri = f"https://news.example.org/old/{n}"
        _response(writer, uri, b"", status="301 Moved Permanently",
                  extra=[("Location", f"https://news.example.org/2020/story-{n}")])
        expected["redirect"].append(uri)
    for n in range(8):
        uri = f"https://news.example.org/img/{n}.jpg"
        _response(writer, uri, b"\xff\xd8\xff\xe0" + bytes(300), content_type="image/jpeg")
        expected["image"].append(uri)
    _response(writer, "https://news.example.org/missing", b"<html>gone</html>",
              status="404 Not Found")
    _response(writer, "https://news.example.org/doc.pdf", b"%PDF-1.4 ...",
              content_type="application/pdf")
    _response(writer, "https://news.example.org/cut-by-crawler", story("Cut", "cut").encode(),
              warc_headers={"WARC-Truncated": "length"})
    expected["other"] += ["https://news.example.org/missing", "https://news.example.org/doc.pdf",
                          "https://news.example.org/cut-by-crawler"]
    whole = buffer.getvalue()
    _response(writer, "https://news.example.org/truncated", story("Truncated", "cut short").encode()
              + b"<p>" + bytes(range(65, 91)) * 400 + b"</p>")
    expected["other"].append("https://news.example.org/truncated")
    last = buffer.getvalue()[len(whole):]
    path.write_bytes(whole + last[: len(last) // 2])  # the archive ends inside the last record
    assert sum(len(v) for v in expected.values()) == 50
    return expected


@pytest.mark.parametrize("name, gzip", [("crawl.warc.gz", True), ("crawl.warc", False)])
def test_warc_indexes_exactly_the_html_articles(runner, tmp_path, name, gzip):
    warc = tmp_path / name
    expected = build_warc(warc, gzip)
    result = run(runner, "index", warc, "--index", tmp_path / "ix", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["added"], summary["skipped"]) == (30, 20)
    why = {s["source"]: s["reason"] for s in summary["skips"]}
    assert all(why[u].startswith("redirect (HTTP 301) to https://news.example.org/2020/story-")
               for u in expected["redirect"])
    assert all(why[u] == "not an HTML page (Content-Type image/jpeg)" for u in expected["image"])
    assert why["https://news.example.org/missing"] == "HTTP 404 response, not a page"
    site = "https://news.example.org"
    assert why[f"{site}/doc.pdf"] == "not an HTML page (Content-Type application/pdf)"
    assert why[f"{site}/cut-by-crawler"] == "record truncated by the crawler (length)"
    assert why[f"{site}/truncated"] == ("truncated record: the archive ends before the record "
                                        "does")

    engine = open_engine(Settings(index_dir=str(tmp_path / "ix")))
    try:
        indexed = [engine.get(i) for i in engine.hashes()]
    finally:
        engine.close()
    assert sorted(a.source for a in indexed) == sorted(expected["html"])
    for article in indexed:
        number = int(article.source.rsplit("-", 1)[1])
        assert article.url == article.source
        assert article.title == f"Story number {number}"
        assert article.crawl_date == WARC_DATE  # the archive's date, not today's
        date = article.date.isoformat() if article.date else None
        assert date == ("2019-12-31" if number % 2 else None)

    again = json.loads(run(runner, "index", warc, "--index", tmp_path / "ix", "--json").stdout)
    assert (again["added"], again["unchanged"]) == (0, 30)


def test_warc_in_a_folder_is_read(runner, tmp_path):
    folder = tmp_path / "crawls"
    folder.mkdir()
    build_warc(folder / "a.warc.gz", True)
    summary = json.loads(run(runner, "index", folder, "--index", tmp_path / "ix", "--json").stdout)
    assert summary["added"] == 30


@pytest.mark.parametrize("content", [b"", b"not a warc at all\r\n\r\n" * 10,
                                     b"\x1f\x8b\x08\x00broken gzip" + bytes(100)])
def test_damaged_archives_are_skipped_with_a_reason(runner, tmp_path, content):
    warc = tmp_path / "bad.warc.gz"
    warc.write_bytes(content)
    result = run(runner, "index", warc, "--index", tmp_path / "ix")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: nothing was indexed")
    assert f"skipped {warc}: " in result.stdout
