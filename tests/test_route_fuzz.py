"""Property-based requests against the OpenAPI document and the HTML routes (bench/route_fuzz.py):
superscript digits, CR/LF in paths, odd Host headers, hostile parameters, cookies and forms.
Never a 5xx; our headers on every answer; documented statuses and schemas.

2,000 requests a run here (derandomized: the same ones every time); the 20,000 of issue 19's
acceptance are `python -m bench.route_fuzz` (figures in the README)."""

from __future__ import annotations

import pytest

from bench import route_fuzz
from search.config import Settings
from search.engines import open_engine

from .conftest import ARTICLES, HOSTILE


@pytest.fixture(scope="module")
def apps(tmp_path_factory):
    index = str(tmp_path_factory.mktemp("fuzz") / "index")
    engine = open_engine(Settings(index_dir=index), create=True)
    engine.upsert([*ARTICLES, HOSTILE])
    engine.close()
    return route_fuzz.make_apps(index)


def test_generated_requests_never_fail(apps):
    tally = route_fuzz.Tally()
    route_fuzz.run(apps, 2_000, tally)
    assert tally.requests >= 2_000
    # the run reached what it is meant to: answers, refusals of each kind, redirects
    assert {200, 400, 404, 405}.issubset(tally.statuses), tally.statuses
    assert max(tally.statuses) < 500
    for kind in ("odd Host", "CR/LF in path", "non-ASCII digits", "form post", "locked app",
                 "documented path", "HTML route"):
        assert tally.kinds[kind] >= 40, (kind, tally.kinds)


@pytest.mark.parametrize("path, host", [
    ("/watches?saved=%C2%B3", "localhost:8000"), ("/article/a1?page=%C2%B2", "localhost:8000"),
    ("/api/search?page=%D9%A3", "localhost:8000"), ("/search%0D%0AX:%20y", "localhost:8000"),
    ("/api/search", "evil.example:8000"), ("/api/search", "localhost:8000\r\nX: y"),
])
def test_the_checks_hold_for_the_cases_issue_19_found(apps, path, host):
    """The cases the issue found, through the same send-and-check as the generated ones."""
    document = apps["open"].test_client().get("/api/openapi.json").get_json()
    for app in ("open", "locked"):
        request = route_fuzz.Request(app=app, method="GET", path=path.split("?")[0], template=None,
                                     query=tuple(tuple(p.split("=")) for p in path.split("?")[1:]),
                                     host=host)
        response = route_fuzz.send(apps, request)
        assert 400 <= response.status_code < 500
        route_fuzz.check(document, request, response)


def test_the_check_catches_a_500_and_a_missing_header(apps):
    """The checker is not blind: a 500 and an answer without the headers both fail it."""
    from flask import Response

    document = apps["open"].test_client().get("/api/openapi.json").get_json()
    request = route_fuzz.Request(app="open", method="GET", path="/", template=None)
    with pytest.raises(AssertionError, match="500"):
        route_fuzz.check(document, request, Response("x" * 40, status=500))
    with pytest.raises(AssertionError, match="no Content-Security-Policy"):
        route_fuzz.check(document, request, Response("x" * 40, status=200))
