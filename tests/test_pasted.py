"""A pasted paragraph is a query (issue 15, acceptance 5): up to 10,000 characters, its colons
and question marks read as prose, ranked results in the CLI, the API and the page."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from search.config import Settings

from .conftest import run

PASTED = 5000


def _paragraph(runner, index) -> tuple[str, str]:
    """Return the id of the longest seed and its first 5,000 characters, cut at a word, with
    a colon ending a word and a question mark added as a reader's prose would have them."""
    data = json.loads(run(runner, "search", "--index", index, "--json", "--limit", "50").stdout)
    best = max(data["hits"], key=lambda h: len(json.loads(
        run(runner, "show", h["id"], "--index", index, "--json").stdout)["body"]))
    body = json.loads(run(runner, "show", best["id"], "--index", index, "--json").stdout)["body"]
    words = body.split()
    words[2] += ":"
    words[9] += "?"
    text = " ".join(words)[:PASTED].rsplit(" ", 1)[0]
    assert len(text) > PASTED - 30 and text.count('"') % 2 == 0
    return best["id"], text


def test_a_pasted_paragraph_is_ranked_in_the_cli(runner, indexed):
    article, text = _paragraph(runner, indexed)
    result = run(runner, "search", text, "--index", indexed, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["total"] >= 1 and data["hits"][0]["id"] == article
    assert data["hits"][0]["score"] > 0 and "<mark>" in data["hits"][0]["snippet"]
    plain = run(runner, "search", text, "--index", indexed)
    assert plain.exit_code == 0 and article in plain.stdout


def test_a_pasted_paragraph_is_ranked_in_the_api_and_the_page(runner, indexed):
    from web import create_app

    article, text = _paragraph(runner, indexed)
    client = create_app({"TESTING": True,
                         "SETTINGS": Settings(index_dir=str(indexed))}).test_client()
    response = client.get("/api/search?" + urlencode({"q": text}))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    data = response.get_json()
    assert data["total"] >= 1 and data["hits"][0]["id"] == article and data["hits"][0]["score"] > 0
    page = client.get("/search?" + urlencode({"q": text}))
    assert page.status_code == 200
    assert f'href="/article/{article}?' in page.get_data(as_text=True)


@pytest.mark.slow
def test_a_pasted_paragraph_passes_the_real_server(runner, indexed):
    """gunicorn refuses request lines over 4,094 bytes unless told otherwise."""
    from bench.load import _get, serving

    article, text = _paragraph(runner, indexed)
    with serving(str(indexed)) as (host, port):
        status, body = _get(host, port, "/search?" + urlencode({"q": text}))
        assert status == 200 and f'href="/article/{article}?'.encode() in body
        status, body = _get(host, port, "/api/search?" + urlencode({"q": "é" * 10_000}))
        assert status == 200, body[:300]


def test_the_query_limit_is_ten_thousand_characters(runner, indexed):
    assert Settings().max_query_chars == 10_000
    ok = run(runner, "search", "embassy " * 1250, "--index", indexed, "--json")
    assert ok.exit_code == 0 and json.loads(ok.stdout)["total"] >= 1
    long = run(runner, "search", "e" * 10_001, "--index", indexed)
    assert long.exit_code == 1
    assert "the query is 10001 characters long; the limit is 10000" in long.output


def test_a_word_ending_with_a_colon_is_a_word(runner, indexed):
    result = run(runner, "search", "Note: the embassy", "--index", indexed, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total"] >= 1
    shouting = run(runner, "search", "EMBASSY:Baghdad", "--index", indexed, "--json")
    assert shouting.exit_code == 0 and json.loads(shouting.stdout)["total"] >= 1


@pytest.mark.parametrize("text", ["auther:smith", "note:embassy", 'said:"the embassy"'])
def test_explicit_field_syntax_with_an_unknown_field_is_an_error(runner, indexed, text):
    result = run(runner, "search", text, "--index", indexed)
    assert result.exit_code == 1
    assert "unknown field" in result.output and "put a space after the colon" in result.output
