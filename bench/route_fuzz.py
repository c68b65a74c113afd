"""Property-based requests against the OpenAPI document and the HTML routes (issue 19).

Hypothesis builds each request from the document's parameters (values valid for their schema,
or hostile: superscript and other scripts' digits, CR/LF and NUL, huge numbers, markup), its
path with ids from the index or hostile text (CR/LF in the path, doubled slashes), an odd Host
now and then, hostile cookies, tokens and form posts, and sends it through Flask's test client
to two apps (open, and with an access token). Every answer must be below 500, carry the
security headers, say what went wrong when it is a 4xx, never point a Location at another
host, and, for a GET of a documented path, have a documented status and (JSON) match its
schema.

    python -m bench.route_fuzz                     # 20,000 requests on the seeds
    python -m bench.route_fuzz --requests 2000
    python -m bench.route_fuzz --server            # as raw HTTP to real gunicorn servers

Prints the number of requests, the statuses seen and the failures; exits 1 on any failure.
tests/test_route_fuzz.py runs the same checks on fewer requests.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import string
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TOKEN = "s3cret"
BIND = ("127.0.0.1", 8000)
GOOD_HOSTS = ("localhost:8000", "127.0.0.1:8000", "[::1]:8000", "LocalHost:8000")
ODD_HOSTS = ("evil.example", "evil.example:8000", "localhost", "localhost:8001", "", " ",
             "localhost:", "localhost:99999", "[::1", "::1", "a b:8000", "localhost\t:8000",
             "ｌocalhost:8000", "127.0.0.1.nip.io:8000", "2130706433:8000", "0:8000",
             "localhost:8000, evil.example", "localhost.:8000", "%6cocalhost:8000",
             "localhost:8000/", "user@localhost:8000", "[::ffff:127.0.0.1]:8000",
             "localhost:８０００", "localhost:8000\x00", "<script>:8000", "x" * 300)
# Digits that str.isdigit or int accept and a URL number must not (issue 19's 500s).
ODD_NUMBERS = ("²", "³", "¹⁰", "٣", "２", "𝟙", "Ⅻ", "½", "1²", "⁰", "₂", "߁", "১", "0x10",
               "1_000", "+1", "-0", " 7 ", "1e3", "9" * 30, "3\n", "\t2", "1.0", "NaN", "-1")
LINE_BREAKS = ("\r\n", "\r", "\n", "%0D%0A", "\r\nSet-Cookie: x=1", "\x00", "\u2028", "\x85",
               "\r\n\r\n<script>alert(1)</script>")
METHODS = ("GET",) * 12 + ("HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE")

hostile_text = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
    st.text(st.sampled_from('"()*?~:^\\/<>&%#\'\x00\n\r\t AND OR NOT title: embassy ²³٣'),
            max_size=25),
    st.sampled_from(ODD_NUMBERS + LINE_BREAKS + (
        "", " ", "AND", "(", '"', "title:", "*", "../../etc/passwd", "%2e%2e%2f", "..", ".",
        "<script>alert(1)</script>", "1e309", "undated", "2019-02-30", "May 2019", "a" * 3000,
        "10000 years ago", "csv", "json", "xml", "=cmd|' /C calc'!A0")),
    st.integers(-10**30, 10**30).map(str),
)
latin1_text = st.binary(max_size=40).map(lambda b: b.decode("latin-1"))
# A header value as a server hands it on: gunicorn refuses CR, LF and NUL in one.
header_text = latin1_text.map(lambda t: t.replace("\r", "").replace("\n", "").replace("\x00", ""))


@dataclass(frozen=True)
class Request:
    """One generated request: which app, method, the path as sent (percent-encoded), the
    documented path template it came from (None for HTML routes), query pairs, headers, form."""

    app: str
    method: str
    path: str
    template: str | None
    query: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    form: tuple[tuple[str, str], ...] | None = None
    host: str = "localhost:8000"

    def url(self) -> str:
        return self.path + ("?" + urlencode(self.query) if self.query else "")


# -- strategies ---------------------------------------------------------------------------

def _schema_value(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values valid for a parameter's schema (strings; arrays as lists of strings)."""
    if schema.get("type") == "array":
        return st.lists(_schema_value(schema["items"]), min_size=1, max_size=3)
    if "enum" in schema:
        return st.sampled_from([str(v) for v in schema["enum"]])
    if schema.get("type") == "integer":
        return st.integers(schema.get("minimum", -10**6), schema.get("maximum", 10**6)).map(str)
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True)
    return st.text(string.ascii_letters + " -:", max_size=min(schema.get("maxLength", 40), 40))


def _param_value(parameter: dict[str, Any]) -> st.SearchStrategy[list[str]]:
    valid = _schema_value(parameter["schema"]).map(lambda v: v if isinstance(v, list) else [v])
    hostile = st.lists(hostile_text, min_size=1, max_size=3)
    return st.one_of(valid, valid, hostile)


@st.composite
def _query(draw, parameters: Sequence[dict[str, Any]]) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    for parameter in parameters:
        if parameter["in"] == "query" and draw(st.integers(0, 3)) == 0:
            pairs += [(parameter["name"], v) for v in draw(_param_value(parameter))]
    pairs += draw(st.lists(st.tuples(st.one_of(st.sampled_from(("token", "callback", "id", "x")),
                                                st.text(string.printable, min_size=1, max_size=6)),
                                      hostile_text), max_size=2))
    return tuple(draw(st.permutations(pairs)))


def _in_path(value: str, raw: bool) -> str:
    """A path segment: quoted whole (so a CR/LF reaches the app decoded), or spliced raw."""
    return value if raw else quote(value, safe="")


@st.composite
def _path(draw, template: str, ids: Sequence[str]) -> str:
    segment = draw(st.one_of(st.sampled_from(ids), hostile_text, st.builds(
        "".join, st.tuples(st.sampled_from(ids), st.sampled_from(LINE_BREAKS), hostile_text))))
    raw = draw(st.integers(0, 9)) == 0 and all(c in string.printable for c in segment) \
        and not any(c in segment for c in "?#\r\n\t ")
    path = template
    for name in ("{id}", "{name}", "{number}", "{file}"):
        path = path.replace(name, _in_path(segment, raw))
    if draw(st.integers(0, 19)) == 0:
        path = path.replace("/", "//", 1) if draw(st.booleans()) else path + "/"
    return path


@st.composite
def _headers(draw, app: str) -> tuple[tuple[str, str], tuple[tuple[str, str], ...]]:
    pick = draw(st.integers(0, 9))  # 7 in 10 a Host of ours: the rest of the request counts too
    host = draw(st.sampled_from(GOOD_HOSTS) if pick < 7
                else st.sampled_from(ODD_HOSTS) if pick < 9 else latin1_text)
    headers: list[tuple[str, str]] = []
    if app == "locked" and draw(st.integers(0, 2)) > 0:
        headers.append(("Authorization", f"Bearer {TOKEN}"))
    if draw(st.integers(0, 4)) == 0:
        headers.append(("Authorization", draw(st.one_of(
            header_text, st.just("Bearer "), st.just("bearer " + TOKEN + " x")))))
    if draw(st.integers(0, 4)) == 0:
        cookie = draw(st.sampled_from(("newsfacet_form", "newsfacet_token", "other")))
        headers.append(("Cookie", f"{cookie}={draw(header_text)}"))
    if draw(st.integers(0, 9)) == 0:
        headers.append((draw(st.sampled_from(("Accept", "Accept-Language", "X-Forwarded-Host",
                                              "Referer", "Origin", "If-None-Match", "Range"))),
                        draw(header_text)))
    return host, tuple(headers)


@st.composite
def api_requests(draw, document: dict[str, Any], ids: Sequence[str]) -> Request:
    """A request to a path of the OpenAPI document."""
    template = draw(st.sampled_from(sorted(document["paths"])))
    parameters = document["paths"][template]["get"].get("parameters", [])
    app = draw(st.sampled_from(("open", "locked")))
    host, headers = draw(_headers(app))
    query = draw(_query(parameters))
    if app == "locked" and draw(st.integers(0, 3)) == 0:
        query += (("token", TOKEN),)
    return Request(app=app, method=draw(st.sampled_from(METHODS)), host=host, headers=headers,
                   path=draw(_path(template, ids)), template=template, query=query)


HTML_ROUTES = ("/", "/search", "/article/{id}", "/entity/{name}", "/watches", "/static/{file}",
               "/watches/{number}/remove", "/{id}")
FORM_FIELDS = ("form_token", "q", "entity", "outlet", "since", "until", "entity_match", "year")


@st.composite
def html_requests(draw, document: dict[str, Any], ids: Sequence[str]) -> Request:
    """A request to a page, or a form post."""
    route = draw(st.sampled_from(HTML_ROUTES))
    app = draw(st.sampled_from(("open", "locked")))
    host, headers = draw(_headers(app))
    search = document["paths"]["/api/search"]["get"]["parameters"]
    extra = [{"name": n, "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 50}}
             for n in ("page", "saved")]
    query = draw(_query(search if route in ("/", "/search") else extra))
    if app == "locked" and draw(st.integers(0, 3)) == 0:
        query += (("token", TOKEN),)
    method = draw(st.sampled_from(METHODS))
    form = None
    if route.startswith("/watches") and draw(st.booleans()):
        method = "POST"
        form = tuple(draw(st.lists(st.tuples(st.sampled_from(FORM_FIELDS), hostile_text),
                                   max_size=5)))
    ids = [*ids, "style.css", "1", "²", "0", "-1"]
    return Request(app=app, method=method, host=host, headers=headers,
                   path=draw(_path(route, ids)), template=None, query=query, form=form)


def requests(document: dict[str, Any], ids: Sequence[str]) -> st.SearchStrategy[Request]:
    return st.one_of(api_requests(document, ids), html_requests(document, ids))


# -- checks -------------------------------------------------------------------------------

def _schema_check(document: dict[str, Any], request: Request, response) -> None:
    responses = document["paths"][request.template]["get"]["responses"]
    status = str(response.status_code)
    assert status in responses, f"undocumented status {status} for GET {request.template}"
    content = responses[status].get("content", {})
    if response.mimetype == "application/json" and "application/json" in content:
        from openapi_schema_validator import OAS31Validator

        schema = content["application/json"]["schema"]
        OAS31Validator({**schema, "components": document["components"]}).validate(
            json.loads(response.get_data(as_text=True)))


def check(document: dict[str, Any], request: Request, response) -> None:
    """Raise AssertionError unless the answer to ``request`` is what issue 19 asks for."""
    from web.security import HEADERS

    where = f"{request.method} {request.url()!r} Host {request.host!r} ({request.app})"
    status = response.status_code
    body = response.get_data(as_text=True)
    assert status < 500, f"{status} on {where}: {body[:300]}"
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, f"no {name} on {status} {where}"
    assert "Traceback" not in body, where
    location = response.headers.get("Location")
    if location is not None:
        assert location.startswith("/") and not location.startswith("//"), (location, where)
    if request.method in ("HEAD", "OPTIONS"):
        return
    if status >= 400:
        assert len(body.strip()) > 20, f"{status} without a message on {where}"
        if response.mimetype == "application/json":
            assert json.loads(body)["error"]["message"], where
    elif response.mimetype == "application/json":
        json.loads(body)
    documented = request.template is not None and request.method == "GET" \
        and "//" not in request.path and not request.path.endswith("/")
    if documented and not 300 <= status < 400:
        _schema_check(document, request, response)


def send(apps: dict[str, Any], request: Request):
    """Send ``request`` through the test client of its app; return the response."""
    client = apps[request.app].test_client()
    environ = {"HTTP_HOST": request.host}
    kwargs: dict[str, Any] = {"method": request.method, "headers": list(request.headers),
                              "environ_overrides": environ}
    if request.form is not None:
        from werkzeug.datastructures import MultiDict

        kwargs["data"] = MultiDict(list(request.form))
    response = client.open(request.url(), **kwargs)
    response.get_data()  # read the body, then let go of what it holds (a static file's handle)
    response.close()
    return response


@dataclass
class RawResponse:
    """An answer read off a socket, with the few attributes ``check`` reads."""

    status_code: int
    headers: Any
    body: bytes

    @property
    def mimetype(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    def get_data(self, as_text: bool = False) -> Any:
        return self.body.decode("utf-8", "replace") if as_text else self.body


def _dechunk(body: bytes) -> bytes:
    out, rest = [], body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2:]
    return b"".join(out)


def send_http(ports: dict[str, int], request: Request, timeout: float = 30.0) -> RawResponse:
    """Send ``request`` as raw bytes to the real server of its app (``newsfacet serve``);
    a Host of ours names that server's port."""
    import socket

    from werkzeug.datastructures import Headers

    port = ports[request.app]
    host = request.host.replace(":8000", f":{port}")
    body = urlencode(list(request.form)).encode() if request.form is not None else b""
    lines = [f"{request.method} {request.url()} HTTP/1.1", f"Host: {host}", "Connection: close",
             *(f"{k}: {v}" for k, v in request.headers)]
    if request.form is not None:
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body
    chunks = []
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, payload = b"".join(chunks).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = Headers([tuple(part.strip() for part in line.split(":", 1))
                       for line in header_lines if ":" in line])
    if headers.get("Transfer-Encoding", "").lower() == "chunked":
        payload = _dechunk(payload)
    return RawResponse(int(status_line.split()[1]), headers, payload)


# -- the apps and the run -----------------------------------------------------------------

def make_apps(index_dir: str) -> dict[str, Any]:
    """Two apps on one index: open, and with an access token; both as `serve` on 127.0.0.1:8000."""
    from search.config import Settings
    from web import create_app

    base = Settings(index_dir=index_dir)
    return {name: create_app({"SETTINGS": base.with_(access_token=token), "BIND": BIND})
            for name, token in (("open", None), ("locked", TOKEN))}


def article_ids(apps: dict[str, Any]) -> list[str]:
    client = apps["open"].test_client()
    data = client.get("/api/search?per_page=100", headers={"Host": GOOD_HOSTS[0]}).get_json()
    ids = [hit["id"] for hit in data["hits"]]
    names = [v["value"] for v in data["facets"].get("entity", [])[:10]]
    return ids + names or ["none"]


@dataclass
class Tally:
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)


def kinds_of(request: Request) -> list[str]:
    """The hostile features a request has, for the tally (what the run covered)."""
    path = unquote(request.path)
    values = [v for _, v in request.query] + [v for _, v in request.form or ()] + [path]
    found = [request.app + " app", "documented path" if request.template else "HTML route"]
    if request.host not in GOOD_HOSTS:
        found.append("odd Host")
    if "\r" in path or "\n" in path:
        found.append("CR/LF in path")
    if any(any(c.isdigit() and not c.isascii() or c in "²³¹⁰₂½Ⅻ" for c in v) for v in values):
        found.append("non-ASCII digits")
    if request.form is not None:
        found.append("form post")
    if request.method != "GET":
        found.append("method " + request.method)
    return found


def run(apps: dict[str, Any], count: int, tally: Tally, seed: int | None = None,
        ports: dict[str, int] | None = None) -> None:
    """Send ``count`` generated requests (through the test client, or to the real servers on
    ``ports``); raise (after Hypothesis shrinks it) on a failure."""
    documents = {name: app.test_client().get(
        "/api/openapi.json", headers={"Host": GOOD_HOSTS[0], "Authorization": f"Bearer {TOKEN}"}
    ).get_json() for name, app in apps.items()}
    document = documents["open"]
    ids = article_ids(apps)

    @settings(max_examples=count, deadline=None, database=None, derandomize=seed is None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                     HealthCheck.data_too_large], print_blob=False)
    @given(request=requests(document, ids))
    def one(request: Request) -> None:
        response = send(apps, request) if ports is None else send_http(ports, request)
        tally.requests += 1
        tally.statuses[response.status_code] += 1
        tally.kinds.update(kinds_of(request))
        check(documents[request.app], request, response)

    if seed is not None:
        from hypothesis import seed as seeded

        one = seeded(seed)(one)
    one()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.route_fuzz",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--index", help="index to use (default: the seeds, indexed to a temp dir)")
    parser.add_argument("--seed", type=int, help="random seed (default: derandomized, repeatable)")
    parser.add_argument("--server", action="store_true",
                        help="send to real `newsfacet serve --workers 2` (gunicorn) servers, "
                             "open and with a token, as raw HTTP")
    args = parser.parse_args(argv)
    tally = Tally()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        index = args.index
        if index is None:
            from bench.load import index_seeds

            index = f"{tmp}/index"
            index_seeds(index)
        apps = make_apps(index)
        failure = None
        with contextlib.ExitStack() as servers:
            ports = None
            if args.server:
                from bench.load import serving

                ports = {name: servers.enter_context(serving(
                    index, threads=4, args=["--workers", "2"],
                    env={"NEWSFACET_ACCESS_TOKEN": TOKEN} if name == "locked" else {}))[1]
                    for name in apps}
            try:
                run(apps, args.requests, tally, args.seed, ports)
            except Exception as exc:  # the shrunk failing request, reported below
                failure = exc
    seconds = time.monotonic() - started
    by_class = Counter(f"{s // 100}xx" for s in tally.statuses.elements())
    print(f"requests: {tally.requests:,} in {seconds:.0f} s")
    print("statuses:", ", ".join(f"{s}: {n:,}" for s, n in sorted(tally.statuses.items())))
    print("classes: ", ", ".join(f"{c}: {n:,}" for c, n in sorted(by_class.items())))
    print("covered: ", ", ".join(f"{k}: {n:,}" for k, n in sorted(tally.kinds.items())))
    if failure is not None:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    print("failures: 0 (no 5xx, security headers on every answer, documented statuses and "
          "schemas on documented paths)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
