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
        '{"id": "lone", "title": "lone \\ud800 surrogate", "body": "text \\udfff here ' + GOOD
        + '"}',
        json.dumps({"id": "late", "title": "Far crawl date", "body": GOOD + " Late.",
                    "crawl_date": "9999-12-31T23:59:59-05:00"}),
        json.dumps({"id": "boom", "title": "Raises", "body": GOOD + " Boom."}),
        json.dumps({"id": "good-7", "title": "Good at the end", "body": GOOD + " End."}),
    ]))
    (folder / "other.jsonl").write_text(
        json.dumps({"id": "other-1", "title": "Other file", "body": GOOD + " Other."}))
    return folder


def test_one_index_run_keeps_every_good_record_and_skips_each_bad_one(runner, tmp_path,
                                                                      monkeypatch):
    real = sources._parse_record

    def parse(path, source, line):
        if b'"boom"' in line:
            raise OverflowError("int too large to convert")
        return real(path, source, line)

    monkeypatch.setattr(sources, "_parse_record", parse)
    corpus = _bad_corpus(tmp_path / "corpus")
    # Beside the bad records, in the same run: a page nested deeper than the parser reads, a
    # WARC whose second record is a gzip bomb (80 MB of zeros behind Content-Length 1000), and
    # a link to a file outside the folder.
    from .webserver import story

    (corpus / "deep.html").write_text("<html><body>" + "<div>" * 400 + f"<p>{GOOD}</p>"
                                      + "</div>" * 400 + "</body></html>")
    (corpus / "bomb.warc.gz").write_bytes(
        _warc_member("https://news.example.org/before",
                     story("Archived before the bomb", "harbour repairs").encode())
        + _warc_member("https://news.example.org/bomb", b"<p>x</p>", declared=1000,
                       tail_zeros=80 << 20))
    (tmp_path / "outside.txt").write_text(GOOD + " Outside.")
    (corpus / "passwd.txt").symlink_to(tmp_path / "outside.txt")
    index = tmp_path / "index"
    result = runner.invoke(cli, ["index", str(corpus), str(SEEDS), "--index", str(index), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    skips = {s["source"].rsplit("/", 1)[-1]: s["reason"] for s in data["skips"]}
    assert skips.pop("mixed.jsonl#2") == "JSON nested too deeply to read"
    assert skips.pop("mixed.jsonl#6") == \
        "could not be read (OverflowError: int too large to convert)"
    assert skips.pop("deep.html").startswith("page is nested too deeply to parse")
    assert skips.pop("passwd.txt").startswith("symbolic link to ")
    assert skips.pop("bomb") == "binary content, not an HTML page"  # its 1,000 bytes: zeros
    (bomb, reason), = skips.items()
    assert "bomb.warc.gz" in bomb and reason.startswith("a record decompresses to over")
    assert data["added"] == 6 + 1 + len(list(SEEDS.iterdir()))  # the record before the bomb
    shown = run(runner, "show", "lone", "--index", index, "--json")
    assert shown.exit_code == 0, shown.output
    article = json.loads(shown.stdout)
    assert article["title"] == "lone \ufffd surrogate"
    assert "text \ufffd here" in article["body"]
    late = json.loads(run(runner, "show", "late", "--index", index, "--json").stdout)
    assert late["crawl_date"] is None  # an unknown crawl date, the article kept


def test_a_file_whose_reader_fails_is_one_skip_and_the_next_path_is_read(runner, tmp_path,
                                                                          monkeypatch):
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
               body="A body with a lone \udfff surrogate about the embassy.", outlet="Outlet",
               author="Au\udc80thor")


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


# -- 3. the fetcher resolves every host and refuses private addresses ---------------------

LOOPBACK_FORMS = ["2130706433", "127.1", "0", "0x7f000001", "017700000001", "loopback.example",
                  "127.0.0.1", "localhost", "[::1]", "[::ffff:127.0.0.1]"]


@pytest.fixture
def names(monkeypatch):
    """A resolver that knows some made-up names (the test's DNS): name -> list of addresses."""
    import socket

    table: dict[str, list[str]] = {"loopback.example": ["127.0.0.1"]}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in table:
            address = table[host].pop(0) if len(table[host]) > 1 else table[host][0]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


@pytest.fixture
def gateway(server):
    """A second site on 127.0.0.2 that stands in for a public host (the fetcher is told that
    this one address is public), beside the loopback-only site of ``server`` on 127.0.0.1."""
    from search.ingest import fetch

    from .webserver import Server

    public = Server("127.0.0.2")
    real = fetch._private_address
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fetch, "_private_address", lambda a: a != "127.0.0.2" and real(a))
        yield public.site
    public.close()


def _fetcher(**options):
    from search.ingest.fetch import Fetcher

    return Fetcher(delay=0.0, timeout=2.0, retries=0, **options)


@pytest.mark.parametrize("host", LOOPBACK_FORMS)
def test_no_form_of_a_loopback_address_is_fetched(server, names, host):
    from search.ingest.fetch import FetchFailure

    port = server.site.base.rsplit(":", 1)[1]
    server.site.add("/secret", "<html><body><p>secret</p></body></html>")
    outcome = _fetcher().fetch(f"http://{host}:{port}/secret")
    assert isinstance(outcome, FetchFailure)
    assert "private, loopback, link-local or reserved address" in outcome.reason
    assert "NEWSFACET_FETCH_PRIVATE=1" in outcome.reason
    assert server.site.log == []  # nothing fetched, not even robots.txt


@pytest.mark.parametrize("host", ["2130706433", "127.1", "0x7f000001", "017700000001",
                                  "loopback.example"])
def test_a_redirect_to_a_loopback_address_is_not_followed(server, gateway, names, host):
    from search.ingest.fetch import FetchFailure

    port = server.site.base.rsplit(":", 1)[1]
    server.site.add("/secret", "<html><body><p>secret</p></body></html>")
    target = f"http://{host}:{port}/secret"
    gateway.add("/go", b"", status=302, headers={"Location": target})
    names["public.example"] = ["127.0.0.2"]
    gateway_port = gateway.base.rsplit(":", 1)[1]
    outcome = _fetcher().fetch(f"http://public.example:{gateway_port}/go")
    assert isinstance(outcome, FetchFailure)
    assert outcome.reason.startswith(f"redirected to {target}: host ")
    assert "private, loopback, link-local or reserved address" in outcome.reason
    assert [r.path for r in gateway.log] == ["/robots.txt", "/go"]
    assert server.site.log == []


def test_the_request_goes_to_the_address_that_was_checked(server, gateway, names):
    """DNS rebinding: a name public at the check and loopback a moment later still reaches the
    address checked."""
    gateway.add("/page", "<html><body><p>public page</p></body></html>")
    server.site.add("/page", "<html><body><p>secret</p></body></html>")
    port = gateway.base.rsplit(":", 1)[1]
    names["rebind.example"] = ["127.0.0.2", "127.0.0.1"]
    outcome = _fetcher().fetch(f"http://rebind.example:{port}/page")
    assert outcome.status == 200 and b"public page" in outcome.body
    assert gateway.requests_for("/page")[0].headers["host"] == f"rebind.example:{port}"
    assert server.site.log == []


def test_cli_skips_a_loopback_url_with_its_reason(runner, server, names, tmp_path, monkeypatch):
    monkeypatch.delenv("NEWSFACET_FETCH_PRIVATE", raising=False)
    port = server.site.base.rsplit(":", 1)[1]
    server.site.add("/secret", "<html><body><p>secret</p></body></html>")
    urls = [f"http://{host}:{port}/secret" for host in ("2130706433", "loopback.example")]
    result = run(runner, "index", *urls, "--index", tmp_path / "ix", "--json")
    assert result.exit_code == 1, result.output
    skips = {s["source"]: s["reason"] for s in json.loads(result.stdout)["skips"]}
    assert set(skips) == set(urls)
    assert all("private, loopback, link-local or reserved address (127.0.0.1)" in r
               for r in skips.values())
    assert server.site.log == []


def test_the_setting_allows_a_private_address(runner, server, names, tmp_path, monkeypatch):
    from .webserver import story

    monkeypatch.setenv("NEWSFACET_FETCH_PRIVATE", "1")
    monkeypatch.setenv("NEWSFACET_FETCH_DELAY", "0")
    port = server.site.base.rsplit(":", 1)[1]
    server.site.add("/news/a", story("Intranet story", "harbour works"))
    url = f"http://loopback.example:{port}/news/a"
    result = run(runner, "index", url, "--index", tmp_path / "ix", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == 1
    assert server.site.requests_for("/news/a")[0].headers["host"] == f"loopback.example:{port}"


# -- 4. WARC records decompressed within a cap; warcio's warnings bounded ------------------

def _warc_member(uri: str, body: bytes, declared: int | None = None, tail_zeros: int = 0) -> bytes:
    """One gzip member holding one response record; ``declared`` lies about its length and
    ``tail_zeros`` bytes of zeros follow the record inside the same member (a bomb)."""
    import zlib

    http = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)) + body
    length = len(http) if declared is None else declared
    head = (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:%s>\r\n"
            b"WARC-Date: 2020-01-02T03:04:05Z\r\nWARC-Target-URI: %s\r\n"
            b"Content-Type: application/http; msgtype=response\r\nContent-Length: %d\r\n\r\n"
            % (uri.rsplit("/", 1)[-1].encode(), uri.encode(), length))
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    out = [packer.compress(head + http + b"\r\n\r\n")]
    zeros = bytes(1 << 20)
    for _ in range(tail_zeros >> 20):
        out.append(packer.compress(zeros))
    out.append(packer.flush())
    return b"".join(out)


def test_a_warc_gzip_bomb_is_skipped_in_bounded_memory(runner, tmp_path, capfd):
    import tracemalloc

    from .webserver import story

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    good = story("Archived before the bomb", "harbour repairs").encode()
    (corpus / "bomb.warc.gz").write_bytes(
        _warc_member("https://news.example.org/before", good)
        + _warc_member("https://news.example.org/bomb", b"<p>x</p>", declared=1000,
                       tail_zeros=80 << 20))
    (corpus / "other.warc.gz").write_bytes(
        _warc_member("https://news.example.org/other",
                     story("Another archive", "bridge works").encode()))
    assert (corpus / "bomb.warc.gz").stat().st_size < 200_000  # 80 MB of zeros inside
    items = []
    tracemalloc.start()
    try:
        for item in ingest.iter_documents([str(corpus)], 1_000_000):
            items.append((item.source, getattr(item, "reason", None)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40_000_000, f"peak {peak:,} bytes"
    assert items[0] == ("https://news.example.org/before", None)
    assert items[1][0].endswith("bomb.warc.gz")
    assert items[1][1].startswith("a record decompresses to over 2,000,000 bytes (a gzip bomb")
    assert items[2] == ("https://news.example.org/other", None)
    assert len(items) == 3
    assert len(capfd.readouterr().err) < 2000  # warcio's warnings are bounded


def test_warcio_warnings_are_bounded(tmp_path, capfd, caplog):
    """A record whose Content-Length is short makes warcio quote the next line: here 3 MB."""
    import gzip

    from .webserver import story

    body = b"x" * 3_000_000 + b"\n" + story("Short length", "ferry timetable").encode()
    headers = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
               b"Content-Length: %d\r\n\r\n")
    member = _warc_member("https://news.example.org/short", body,
                          declared=len(headers % len(body)) + 10)  # ends inside the long line
    (tmp_path / "short.warc").write_bytes(gzip.decompress(member))
    items = list(ingest.iter_documents([str(tmp_path / "short.warc")], 20_000_000))
    assert items  # skips with reasons, no crash
    assert len(capfd.readouterr().err) < 2000
    warned = [r.getMessage() for r in caplog.records if "warcio" in r.getMessage()]
    assert warned and all(len(m) < 1000 for m in warned), warned


# -- 5. bad route parameters are 4xx; 405 names what is allowed; ids have no newline -------

@pytest.mark.parametrize("path, status", [
    ("/watches?saved=%C2%B3", 400), ("/watches?saved=%D9%A3", 400), ("/watches?saved=-1", 400),
    ("/watches?saved=3", 200), ("/watches?saved=", 200),
    ("/article/a1?page=%C2%B2", 400), ("/article/a1?page=%D9%A3", 400), ("/article/a1?page=2", 200),
    ("/api/search?q=embassy&page=%C2%B2", 400), ("/api/search?q=embassy&page=%D9%A3", 400),
    ("/api/search?q=embassy&per_page=1_0", 400), ("/api/search?q=embassy&page=%2B2", 400),
    ("/api/search?q=embassy&page=%202%20", 200), ("/api/search?q=embassy&page=" + "9" * 5000, 400),
])
def test_numbers_in_urls_follow_one_rule(client, path, status):
    assert client.get(path).status_code == status


def test_whole_number_rule():
    from search.query import whole_number

    assert [whole_number(v) for v in ("7", " 12 ", "007", 5)] == [7, 12, 7, 5]
    refused = ("²", "٣", "+1", "-1", "1_0", "1.0", "", "1\n2", "9" * 101)
    assert [whole_number(v) for v in refused] == [None] * 9


@pytest.mark.parametrize("method, path, allowed", [
    ("post", "/api/search", {"GET", "HEAD", "OPTIONS"}),
    ("delete", "/watches", {"GET", "HEAD", "OPTIONS", "POST"}),
    ("put", "/article/a1", {"GET", "HEAD", "OPTIONS"}),
])
def test_405_names_the_allowed_methods(client, method, path, allowed):
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed


def test_a_record_id_with_a_trailing_newline_is_not_used(tmp_path):
    from search.ingest.sources import RawDocument, article_id

    def raw(given):
        return RawDocument(source="x.jsonl#1", kind="record", content="t", raw_hash="h",
                           fields={"id": given})

    assert article_id(raw("rec-1")) == "rec-1"
    assert article_id(raw("rec-1\n")) not in ("rec-1", "rec-1\n")
    assert "\n" not in article_id(raw("rec-1\n"))


def test_a_file_name_with_a_newline_cannot_forge_a_summary_line(runner, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "evil\n  skipped everything: forged.pdf").write_bytes(b"%PDF")
    (corpus / "good.txt").write_text(GOOD)
    result = run(runner, "index", corpus, "--index", tmp_path / "ix")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert not any(line.startswith("  skipped everything") for line in lines)
    assert any("evil\\n  skipped everything: forged.pdf: unsupported file type" in line
               for line in lines)
