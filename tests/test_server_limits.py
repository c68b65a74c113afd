"""Every answer carries our security headers, errors included: the app enforces its own size
limits (web/limits.py) below gunicorn's, gunicorn's own refusals get the headers too
(web/server.py), and a CR or LF in a path is a 4xx, never a 500."""

from __future__ import annotations

import contextlib
import re
import socket
from urllib.parse import urlencode

import pytest

from search.config import Settings
from web import create_app
from web.limits import MAX_HEADER_FIELD_BYTES, MAX_HEADER_FIELDS, MAX_URI_BYTES
from web.security import HEADERS


def _has_headers(headers) -> None:
    for name, value in HEADERS.items():
        assert headers.get(name) == value, name


@pytest.mark.parametrize("path", [
    "/search?" + urlencode({"q": "a" * MAX_URI_BYTES}),
    "/api/search?" + urlencode({"q": "a" * MAX_URI_BYTES}),
    "/" + "a" * MAX_URI_BYTES,
])
def test_an_over_long_address_is_a_414_with_headers(client, path):
    response = client.get(path)
    assert response.status_code == 414
    assert "shorten the query" in response.get_data(as_text=True)
    _has_headers(response.headers)


@pytest.mark.parametrize("headers", [
    {f"X-Field-{i}": "v" for i in range(MAX_HEADER_FIELDS + 1)},
    {"X-Long": "b" * MAX_HEADER_FIELD_BYTES},
    {f"X-Field-{i}": "v" * 8000 for i in range(10)},  # 80 KB in all
], ids=["many", "one-long", "large-total"])
def test_over_large_headers_are_a_431_with_headers(client, headers):
    response = client.get("/search?q=embassy", headers=headers)
    assert response.status_code == 431
    assert "clear the cookies of this site" in response.get_data(as_text=True)
    _has_headers(response.headers)


def test_requests_within_the_limits_pass(client):
    """A pasted 10,000-character query (the longest allowed) and a browser's worth of
    cookies are answered."""
    query = urlencode({"q": "embassy " + "\U0001f600" * 9_992})  # 4 bytes, 12 encoded
    headers = {"Cookie": "; ".join(f"c{i}=" + "x" * 100 for i in range(100))}
    assert len(query) > 119_000
    assert client.get("/api/search?" + query, headers=headers).status_code == 200


@pytest.fixture
def locked(settings, engine):
    return create_app({"TESTING": True,
                       "SETTINGS": settings.with_(access_token="s3cret")}).test_client()


@pytest.mark.parametrize("path", [
    "/search%0D%0ASet-Cookie:%20x=1", "/search%0Ax", "/a%0D%0Ab", "/article/a1%0D%0A",
    "/api/articles/%0D%0A", "/search%0D%0A%0D%0A<script>",
])
def test_a_cr_or_lf_in_the_path_is_a_4xx(locked, path):
    # with the token in the URL: the redirect that drops it quotes the path again
    redirected = locked.get(path + "?token=s3cret&q=x")
    assert redirected.status_code == 303
    location = redirected.headers["Location"]
    assert "\r" not in location and "\n" not in location and "%0D" in location.upper() + "%0D"
    assert "Set-Cookie" not in redirected.headers or "x=1" not in redirected.headers["Set-Cookie"]
    followed = locked.get(location)
    assert 400 <= followed.status_code < 500
    _has_headers(followed.headers)
    bearer = locked.get(path, headers={"Authorization": "Bearer s3cret"})
    assert 400 <= bearer.status_code < 500
    _has_headers(bearer.headers)


# -- a real `newsfacet serve` (gunicorn, two workers) -------------------------------------

def _raw(port: int, request: bytes, timeout: float = 30.0) -> tuple[int, dict[str, str], bytes]:
    """Send ``request`` as it is and return status, headers (lower-case names) and body."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        # the server may answer and close before it has read all of a huge request
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(request)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    data = b"".join(chunks)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def _request(port: int, target: str, headers: list[tuple[str, str]] = (),
             method: str = "GET", body: bytes = b"") -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close",
             *(f"{k}: {v}" for k, v in headers)]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _check_headers(headers: dict[str, str]) -> None:
    for name, value in HEADERS.items():
        assert headers.get(name.lower()) == value, name


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    """`newsfacet serve --workers 2` on an index of the seeds, with an access token."""
    from bench.load import index_seeds, serving

    index = str(tmp_path_factory.mktemp("served") / "index")
    index_seeds(index)
    log: list[str] = []
    with serving(index, threads=2, env={"NEWSFACET_ACCESS_TOKEN": "s3cret"}, log=log,
                 args=["--workers", "2"]) as (_, port):
        yield port
    assert "Traceback" not in log[0], log[0][-3000:]


BEARER = [("Authorization", "Bearer s3cret")]
LONG = "/search?q=" + "a" * (MAX_URI_BYTES + 10)


@pytest.mark.slow
@pytest.mark.parametrize("name, request_of, status, ours", [
    # what the app refuses itself: its message is in the body
    ("uri over ours", lambda p: _request(p, LONG, BEARER), 414, True),
    ("fields over ours", lambda p: _request(p, "/search", BEARER + [(f"X-F{i}", "v") for i in range(
        MAX_HEADER_FIELDS + 5)]), 431, True),
    ("field over ours", lambda p: _request(p, "/search", BEARER + [
        ("Cookie", "a=" + "b" * (MAX_HEADER_FIELD_BYTES + 100))]), 431, True),
    ("unknown host", lambda p: _request(p, "/search", BEARER + [("Host", "evil.example")]).replace(
        f"Host: 127.0.0.1:{p}\r\n".encode(), b"", 1), 400, True),
    # what gunicorn refuses itself, past its limits or malformed: our headers all the same
    ("uri of 1 MB", lambda p: _request(p, "/search?q=" + "a" * (1 << 20)), 414, True),
    ("fields over gunicorn's", lambda p: _request(p, "/search", [(f"X-F{i}", "v")
                                                                 for i in range(200)]), 431, False),
    ("field over gunicorn's", lambda p: _request(p, "/search", [("X-Big", "b" * 40_000)]), 431,
     False),
    ("bad request line", lambda p: b"GET /se arch HTTP/1.1\r\nHost: x\r\n\r\n", 400, False),
    ("bad version", lambda p: b"GET / HTTP/7.1\r\nHost: x\r\n\r\n", 400, False),
    ("bad header name", lambda p: b"GET / HTTP/1.1\r\nHo st: x\r\n\r\n", 400, False),
])
def test_every_answer_of_the_real_server_has_our_headers(gunicorn, name, request_of, status, ours):
    got, headers, body = _raw(gunicorn, request_of(gunicorn))
    assert got == status, (name, body[:300])
    _check_headers(headers)
    if ours:
        assert re.search(rb"shorten the query|clear the cookies of this site"
                         rb"|this server answers to", body)


@pytest.mark.slow
def test_a_cr_or_lf_in_the_path_is_a_4xx_on_the_real_server(gunicorn):
    for path in ("/search%0D%0ASet-Cookie:%20x=1", "/article/%0D%0A", "/a%0Ab"):
        status, headers, _ = _raw(gunicorn, _request(gunicorn, path + "?token=s3cret&q=x"))
        assert status == 303 and "%0D" in headers["location"].upper() + "%0D"
        status, headers, _ = _raw(gunicorn, _request(gunicorn, headers["location"], BEARER))
        assert 400 <= status < 500, path
        _check_headers(headers)


@pytest.mark.slow
def test_forms_work_across_the_workers(gunicorn):
    """Both workers hold one secret: a form from either is accepted by the other. Ten rounds,
    each request on its own connection (with one secret per worker, about half would fail)."""
    for round_ in range(10):
        status, headers, body = _raw(gunicorn, _request(gunicorn, "/search?q=embassy", BEARER))
        assert status == 200
        token = re.search(rb'name="form_token" value="([^"]+)"', body).group(1).decode()
        cookie = headers["set-cookie"].split(";")[0]
        form = urlencode({"form_token": token, "q": f"round {round_}"}).encode()
        status, _, body = _raw(gunicorn, _request(
            gunicorn, "/watches", BEARER + [("Cookie", cookie),
                                            ("Content-Type", "application/x-www-form-urlencoded")],
            method="POST", body=form))
        assert status == 303, body[:300]
        tossed = urlencode({"form_token": "A" * 43, "q": "planted"}).encode()
        status, _, _ = _raw(gunicorn, _request(
            gunicorn, "/watches", BEARER + [("Cookie", "newsfacet_form=" + "A" * 43),
                                            ("Content-Type", "application/x-www-form-urlencoded")],
            method="POST", body=tossed))
        assert status == 400


def test_settings_are_not_needed_for_the_limits():
    """The limits hold for any app (they are not settings a deployment could lift by mistake)."""
    app = create_app({"TESTING": True, "SETTINGS": Settings(index_dir="no-such-index")})
    assert app.test_client().get("/" + "a" * (MAX_URI_BYTES + 1)).status_code == 414
