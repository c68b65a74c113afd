"""Security: hostile article strings escaped on every page and in JSON/CSV, article ids that
cannot reach files, security headers on every response, the optional access token, and a
server that binds loopback unless told otherwise (and warns when it is told)."""

from __future__ import annotations

import hmac
import json
from html.parser import HTMLParser
from pathlib import Path
from unittest import mock

import pytest

from search.cli import cli
from search.config import Settings
from search.engines import open_engine
from web import create_app
from web.security import CONTENT_SECURITY_POLICY, COOKIE

from .conftest import ARTICLES, CHROMIUM, HOSTILE

PAGES = ["/", "/search?q=embassy",
         "/search?q=embassy&entity=%3Cimg+src%3Dx+onerror%3D%22window.__xss%3D5%22%3E",
         "/search?q=%3Cscript%3Ealert(1)%3C/script%3E", "/search?q=%22%3E%3Csvg/onload=alert(1)%3E",
         "/search?outlet=%3Ci%20onmouseover%3D%22window.__xss%3D4%22%3EOutlet%3C%2Fi%3E",
         "/search?since=%3Cscript%3E", "/article/evil", "/article/evil?q=%3Cscript%3E",
         "/article/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/nope%3Cscript%3E"]
TRAVERSALS = ["../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
              "..%252F..%252Fetc%252Fpasswd", "%00", "a1%00", "..%5C..%5Cwindows",
              "%2Fetc%2Fpasswd", "....//....//etc/passwd", "..", ".", "~root",
              "a1/../../../../etc/passwd"]


@pytest.fixture
def hostile_client(settings, hostile):
    return create_app({"TESTING": True, "SETTINGS": settings}).test_client()


class _Elements(HTMLParser):
    """Every element the browser would build: tag and attributes."""

    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k: v or "" for k, v in attrs}))


def assert_no_injected_markup(html: str, where: str) -> None:
    parser = _Elements()
    parser.feed(html)
    for tag, attrs in parser.elements:
        assert tag not in ("img", "iframe", "object", "embed", "i", "b"), (where, tag, attrs)
        if tag == "script":
            src = attrs.get("src", "")  # no inline script; in a template, the url_for call
            assert src.startswith("/static/") or "url_for('static'" in src, (where, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (where, tag, name)
            if name in ("href", "src", "action", "formaction"):
                assert not value.strip().lower().startswith(
                    ("javascript:", "data:", "vbscript:")), (where, value)
            assert name != "style", (where, tag)  # CSP forbids inline style; none is needed
    assert "<script>window.__xss" not in html and "<script>alert" not in html


@pytest.mark.parametrize("url", PAGES)
def test_hostile_strings_are_escaped_on_every_page(hostile_client, url):
    response = hostile_client.get(url)
    assert response.status_code in (200, 400, 404)
    assert response.mimetype == "text/html"
    assert_no_injected_markup(response.get_data(as_text=True), url)


def test_hostile_article_text_shows_as_text(hostile_client):
    page = hostile_client.get("/article/evil").get_data(as_text=True)
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;Evil" in page
    assert "&lt;script&gt;window.__xss=3&lt;/script&gt;" in page


@pytest.mark.parametrize("url", ["/api/search?q=embassy", "/api/articles/evil",
                                 "/api/search?q=%3Cscript%3E", "/api/articles/%3Cscript%3E",
                                 "/api/search?q=embassy&format=json"])
def test_json_is_served_as_json_never_as_html(hostile_client, url):
    response = hostile_client.get(url)
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    data = json.loads(response.get_data(as_text=True))
    if url == "/api/search?q=embassy":  # snippets are HTML-safe: only <mark> is markup
        for hit in data["hits"]:
            assert_no_injected_markup(hit["snippet"], "snippet")


def test_csv_export_is_an_attachment_and_defuses_formulas(hostile_client):
    response = hostile_client.get("/api/search?q=embassy&format=csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert ',"=HYPERLINK' not in response.get_data(as_text=True)


@pytest.mark.parametrize("article_id", TRAVERSALS)
@pytest.mark.parametrize("prefix", ["/article/", "/api/articles/", "/static/"])
def test_article_ids_and_static_paths_cannot_reach_files(client, prefix, article_id):
    # Werkzeug may first redirect to the merged-slashes path; where it lands must be a 4xx.
    response = client.get(prefix + article_id, follow_redirects=True)
    assert response.status_code in (400, 404), (prefix, article_id, response.status_code)
    body = response.get_data(as_text=True)
    response.close()
    assert "root:x:0:0" not in body and "[boot loader]" not in body


@pytest.mark.parametrize("article_id", ["../../etc/passwd", "/etc/passwd", "a1\x00", "..", "*"])
def test_cli_show_cannot_reach_files(runner, tmp_path, article_id):
    index = tmp_path / "ix"
    engine = open_engine(Settings(index_dir=str(index)), create=True)
    engine.upsert(ARTICLES)
    engine.close()
    result = runner.invoke(cli, ["show", article_id, "--index", str(index)])
    assert result.exit_code == 1 and result.stderr.startswith("Error: no article with id")


EVERY_KIND = ["/", "/search?q=embassy", "/search?q=%22", "/article/a1", "/article/missing",
              "/api/search?q=embassy", "/api/search?page=0", "/api/articles/a1",
              "/api/articles/nope", "/api/search?q=embassy&format=csv", "/api/openapi.json",
              "/healthz", "/static/style.css", "/no/such/page"]


@pytest.mark.parametrize("url", EVERY_KIND)
def test_security_headers_on_pages_api_static_and_errors(client, url):
    response = client.get(url)
    response.close()  # static files are streamed from an open file
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert ("frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
            and "'unsafe-inline'" not in CONTENT_SECURITY_POLICY)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_headers_on_405_and_on_an_unexpected_error(app, client, monkeypatch):
    assert client.post("/search").headers["X-Frame-Options"] == "DENY"
    from web import state

    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(state, "engine", broken)
    response = client.get("/api/articles/a1")
    assert response.status_code == 500
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "boom" not in response.get_data(as_text=True)  # no internals leak


def test_templates_need_no_inline_script_or_style():
    for template in (Path(__file__).parent.parent / "web" / "templates").glob("*.html"):
        assert_no_injected_markup(template.read_text().replace("{{", "").replace("}}", ""),
                                  template.name)


# -- the access token -----------------------------------------------------------------

@pytest.fixture
def locked(settings, engine):
    app = create_app({"TESTING": True, "SETTINGS": settings.with_(access_token="s3cret-tøken")})
    return app.test_client()


@pytest.mark.parametrize("url", ["/", "/search?q=embassy", "/article/a1", "/api/search",
                                 "/api/articles/a1", "/api/openapi.json", "/static/style.css",
                                 "/no/such/page"])
def test_token_required_everywhere_but_healthz(locked, url):
    response = locked.get(url)
    assert response.status_code == 401
    assert "Authorization: Bearer" in response.get_data(as_text=True)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.headers["X-Frame-Options"] == "DENY"
    wrong = locked.get(url, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    # As it comes off the wire: the UTF-8 bytes of the token, which WSGI hands over as latin-1.
    good = locked.get(url,
                      headers={"Authorization": "Bearer s3cret-tøken".encode().decode("latin-1")})
    assert good.status_code == (404 if "no/such" in url else 200)
    for each in (response, wrong, good):
        each.close()


def test_healthz_stays_open(locked):
    assert locked.get("/healthz").status_code == 200


def test_api_401_is_json(locked):
    data = locked.get("/api/search").get_json()
    assert data["error"]["status"] == 401 and "token" in data["error"]["message"]


def test_query_token_sets_a_cookie_and_leaves_the_url(locked):
    response = locked.get("/search?q=embassy&token=s3cret-t%C3%B8ken")
    assert response.status_code == 303 and response.headers["Location"] == "/search?q=embassy"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(COOKIE + "=") and "HttpOnly" in cookie and "s3cret" not in cookie
    assert locked.get("/search?q=embassy").status_code == 200  # the cookie now carries it
    assert locked.get("/api/articles/a1").status_code == 200


@pytest.mark.parametrize("token",
                         ["s3cret", "S3CRET-TØKEN", "s3cret-tøken ", "", "\x00", "é" * 500])
def test_wrong_tokens_are_401_never_500(locked, token):
    assert locked.get("/api/search", query_string={"token": token}).status_code == 401


def test_token_compare_is_constant_time(locked):
    with mock.patch.object(hmac, "compare_digest", wraps=hmac.compare_digest) as compare:
        locked.get("/api/search", headers={"Authorization": "Bearer guess"})
    assert compare.called


# -- where serve listens ----------------------------------------------------------------

@pytest.mark.parametrize("args, host, warned", [
    ([], "127.0.0.1", False),
    (["--host", "localhost"], "localhost", False),
    (["--host", "::1"], "::1", False),
    (["--host", "0.0.0.0"], "0.0.0.0", True),
    (["--host", "192.168.1.5"], "192.168.1.5", True),
    (["--host", ""], "", True),  # waitress reads "" as every interface
])
def test_serve_binds_loopback_by_default_and_warns_when_wider(runner, app, settings, args, host,
                                                              warned):
    calls = []
    with mock.patch("web.server.serve", lambda app, host, *args: calls.append({"host": host})):
        result = runner.invoke(cli, ["serve", "--index", settings.index_dir, *args])
    assert result.exit_code == 0
    assert calls[0]["host"] == host
    assert ("Warning: serving on" in result.stderr) is warned
    if warned:
        assert "NEWSFACET_ACCESS_TOKEN" in result.stderr


@pytest.mark.slow
def test_real_server_listens_on_loopback_only(settings, engine):
    from bench.load import serving

    engine.close()
    with serving(settings.index_dir, threads=2) as (_, port):
        listening = [line.split()[1] for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
                     + Path("/proc/net/tcp6").read_text().splitlines()[1:]
                     if line.split()[3] == "0A"
                     and int(line.split()[1].rsplit(":", 1)[1], 16) == port]
    assert listening == [f"0100007F:{port:04X}"]


# -- in the real browser (Debian's Chromium), against the real server ---------------------

REFLECTED = ["/search?q=%3Cscript%3Ewindow.__xss%3D1%3C/script%3E",
             "/search?q=%22%3E%3Cimg%20src%3Dx%20onerror%3D%22window.__xss%3D2%22%3E",
             "/search?entity=%3Cimg%20src%3Dx%20onerror%3Dalert(3)%3E&since=%3Cscript%3Ealert(4)%3C/script%3E",
             "/article/evil?q=%3C/mark%3E%3Cscript%3Ealert(5)%3C/script%3E",
             "/article/%3Cscript%3Ealert(6)%3C%2Fscript%3E", "/search?q=embassy", "/article/evil",
             "/api/search?q=%3Cscript%3Ealert(7)%3C/script%3E"]


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="no Chromium: run `make browser`")
def test_browser_runs_no_hostile_script_and_refuses_framing(settings, engine, browser):
    from bench.load import serving

    engine.upsert([HOSTILE])
    engine.close()
    # The production server (waitress, as `newsfacet serve`), not the test one: its headers.
    with serving(settings.index_dir, threads=2) as (host, port):
        base = f"http://{host}:{port}"
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for url in REFLECTED:
            response = page.goto(base + url)
            assert response.status < 500, url
            assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
            assert page.evaluate("typeof window.__xss") == "undefined", url
        assert dialogs == []
        # A page framing ours (even of the same origin) gets an error page instead of it.
        page.goto("about:blank")
        page.set_content(f'<iframe id="f" src="{base}/search?q=embassy"></iframe>')
        page.wait_for_timeout(500)
        (child,) = page.main_frame.child_frames
        assert child.url.startswith("chrome-error://"), child.url
        page.close()
