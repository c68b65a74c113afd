"""Property-based: random strings, unicode, control characters, huge numbers, repeated and
unknown parameters thrown at every route and every CLI command. Never a 5xx or a traceback;
always a clear 4xx with a message (web), or exit 0/1/2 with one ``Error:`` line (CLI).

Cases per run (derandomized, no example database, so CI runs the same cases every time):
routes 1,300 + raw query strings 300 + CLI 700 = 2,300.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import string
from unittest import mock
from urllib.parse import quote, urlencode

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.cli import cli
from search.config import Settings
from search.engines import open_engine

from .conftest import ARTICLES

CASES = dict(deadline=None, derandomize=True, database=None,
             suppress_health_check=[HealthCheck.too_slow])
ROUTES = ("/", "/search", "/api/search", "/article/{id}", "/api/articles/{id}", "/healthz",
          "/api/openapi.json", "/static/{id}", "/entity/{id}", "/api/entities/{id}", "/watches",
          "/watches/{id}/remove")
PARAMS = ("q", "entity", "outlet", "year", "month", "since", "until", "sort", "page", "per_page",
          "format", "collapse", "token", "id", "limit", "callback")

# Text of every kind: any code point but surrogates (a URL cannot carry them), control
# characters and NUL included, weighted towards the characters that mean something here.
hostile_text = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.text(st.sampled_from('"()*?~:^\\/<>&%\'\x00\n\r\t AND OR NOT title: body: embassy'),
            max_size=30),
    st.sampled_from(["", " ", "AND", "(", '"', "title:", "*", "?", "~", "a" * 5000, "\x00",
                     "../../etc/passwd", "%2e%2e%2f", "<script>alert(1)</script>", "0x10",
                     "1e309", "nan", "inf", "-1", "0", "٣", "２", "9" * 400, "2019-02-30",
                     "May 2019", "10000 years ago", "undated", "csv", "json", "xml"]),
)
numbers = st.one_of(st.integers(-10**40, 10**40), st.floats(allow_nan=True)).map(str)
values = st.one_of(hostile_text, numbers)
param_names = st.one_of(st.sampled_from(PARAMS), st.text(string.printable, min_size=1, max_size=8))


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    from web import create_app

    settings = Settings(index_dir=str(tmp_path_factory.mktemp("hostile") / "index"))
    engine = open_engine(settings, create=True)
    engine.upsert(ARTICLES)
    engine.close()
    return create_app({"TESTING": True, "SETTINGS": settings})


def check_response(response, path, method="GET"):
    status = response.status_code
    body = response.get_data(as_text=True)
    assert status < 500, f"{status} on {path!r}: {body[:300]}"
    assert "Traceback" not in body
    if method in ("HEAD", "OPTIONS"):  # no body to read a message from
        return
    if status >= 400:
        assert len(body.strip()) > 20, f"{status} without a message on {path!r}"
        if response.mimetype == "application/json":
            assert json.loads(body)["error"]["message"]
    elif response.mimetype == "application/json":
        json.loads(body)


@settings(max_examples=1300, **CASES)
@given(route=st.sampled_from(ROUTES), ident=values,
       pairs=st.lists(st.tuples(param_names, values), max_size=6),
       method=st.sampled_from(["GET"] * 8 + ["HEAD", "POST", "PUT", "DELETE", "OPTIONS"]))
def test_routes_never_fail_on_hostile_parameters(hostile_app, route, ident, pairs, method):
    path = route.replace("{id}", quote(ident, safe=""))
    url = path + ("?" + urlencode(pairs) if pairs else "")
    client = hostile_app.test_client()
    check_response(client.open(url, method=method), url, method)


@settings(max_examples=300, **CASES)
@given(route=st.sampled_from(ROUTES[:3]), raw=st.binary(max_size=80))
def test_routes_never_fail_on_raw_query_strings(hostile_app, route, raw):
    """Bytes as they may arrive: bad percent-escapes, invalid UTF-8, stray '&' and '='."""
    client = hostile_app.test_client()
    query = raw.decode("latin-1")  # WSGI carries the raw bytes as a latin-1 str
    check_response(client.get(route, environ_overrides={"QUERY_STRING": query}), f"{route}?{raw!r}")


# -- the CLI ------------------------------------------------------------------------------

def option_values(name: str):
    return st.tuples(st.just(name), values.filter(lambda v: "\x00" not in v))


FILTERS = ["--entity", "--outlet", "--year", "--month", "--since", "--until"]
COMMAND_OPTIONS = {
    "search": FILTERS + ["--sort", "--limit", "--page"],
    "show": [],
    "stats": [],
    "remove": [],
    "clean": ["--entities"],
    "index": ["--workers", "--metadata", "--entities"],
    "serve": ["--host", "--port", "--threads"],
    "entities suggest": ["--limit", "--min-count"],
    "entities add": ["--type", "--alias"],
    "entities list": [],
}
FLAGS = {"search": ["--json"], "show": ["--json"], "stats": ["--json"],
         "clean": ["--json", "--blocks"], "index": ["--json"], "serve": [],
         "entities suggest": ["--json"], "entities list": ["--json"]}


@st.composite
def command_lines(draw):
    command = draw(st.sampled_from(sorted(COMMAND_OPTIONS)))
    argv = command.split()
    if command in ("search", "show", "remove", "clean", "index", "entities add"):
        # Not absolute paths: `index /` would (rightly) walk the whole machine.
        argv += draw(st.lists(values.filter(lambda v: "\x00" not in v
                                            and not v.startswith(("/", "~"))),
                              min_size=0, max_size=2))
    if COMMAND_OPTIONS[command]:
        options = st.one_of(*[option_values(n) for n in COMMAND_OPTIONS[command]])
        for name, value in draw(st.lists(options, max_size=4)):
            argv += [name, value]
    argv += draw(st.lists(st.sampled_from(FLAGS.get(command, []) or ["--help"]), max_size=1))
    argv += draw(st.lists(st.sampled_from(["--bogus", "-x", "--limit=", "--"]), max_size=1))
    return argv


@contextlib.contextmanager
def _working_dir(path):  # contextlib.chdir is Python 3.11+
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


@pytest.fixture(scope="module")
def cli_index(tmp_path_factory):
    index = tmp_path_factory.mktemp("cli") / "index"
    engine = open_engine(Settings(index_dir=str(index)), create=True)
    engine.upsert(ARTICLES)
    engine.close()
    return index


@settings(max_examples=700, **CASES)
@given(argv=command_lines())
def test_cli_never_raises_unexpectedly(cli_index, tmp_path_factory, argv):
    fresh = argv[0] == "index" or argv[:2] == ["entities", "add"]  # these write
    index = tmp_path_factory.mktemp("ix") / "index" if fresh else cli_index
    served = []
    runner = CliRunner()
    # serve with valid options would block (and fork): record the call instead of listening.
    with mock.patch("web.server.serve", lambda app, host, *args: served.append({"host": host})), \
            mock.patch.dict("os.environ", {"NEWSFACET_INDEX": str(index)}, clear=False), \
            _working_dir(tmp_path_factory.mktemp("cwd")):  # `index .` reads nothing
        result = runner.invoke(cli, argv, catch_exceptions=True)
    assert result.exit_code in (0, 1, 2), (argv, result.output)
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), (argv, repr(result.exception))
    assert "Traceback" not in result.output
    assert "Error: unexpected" not in result.stderr
    if result.exit_code == 1:
        assert result.stderr.startswith("Error: "), (argv, result.stderr)
    if result.exit_code == 2:
        assert "Error: " in result.stderr, (argv, result.stderr)
    if served:
        hosts = [value for option, value in itertools.pairwise(argv) if option == "--host"]
        host = hosts[-1] if hosts else "127.0.0.1"
        assert served[0]["host"] == host
        if host not in ("127.0.0.1", "localhost", "::1"):
            assert "Warning: serving on" in result.stderr
