"""A pasted paragraph is a query (issue 15, acceptance 5): up to 10,000 characters, its colons
and question marks read as prose, ranked results in the CLI, the API and the page."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from urllib.parse import urlencode

import pytest

from bench.corpus import REUTERS
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


@pytest.mark.shared(REUTERS)
def test_a_long_paragraph_answers_from_a_cold_index(tmp_path):
    """A fresh process, nothing of the index loaded yet, answers a pasted paragraph of 5,000+
    characters with ranked results (not the 0.8 s budget's error): it searches the paragraph's
    rarest words, and says so."""
    from bench.corpus import reuters_records
    from bench.expansion import build  # (no entities: not needed to time a query)

    records = reuters_records(REUTERS)[:3000]
    build(records, len(records), tmp_path / "index")
    source = max(records, key=lambda r: len(r["body"]))
    text = " ".join(source["body"].replace('"', " ").split())
    assert len(text) > PASTED
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "search", "search", text, "--index",
                           str(tmp_path / "index"), "--json"], capture_output=True, text=True,
                          timeout=300, check=False)
    took = time.monotonic() - start
    assert done.returncode == 0, done.stderr[-500:]
    data = json.loads(done.stdout)
    assert data["hits"][0]["id"] == source["id"] and data["total"] >= 10
    cap = Settings().max_query_words
    assert data["matching"]["words"] > cap == data["matching"]["searched_words"]
    assert f"a long query: searched its {cap} rarest words of" in data["matching"]["message"]
    assert took < 60, took  # a generous bound for a process start on a loaded machine


def test_a_long_query_out_of_time_answers_with_the_words_it_read(settings, engine, monkeypatch):
    """When the time budget runs out while a long query's words are read (rarest first), the
    words read so far decide, and the message says how many: results, not an error."""
    from dataclasses import replace

    from search.engines import open_engine
    from search.engines.budget import Deadline
    from search.engines.whoosh import engine as whoosh_engine
    from search.query import build_request

    ticks = iter(range(1_000))  # each look at the clock is one second later
    monkeypatch.setattr(whoosh_engine, "Deadline",
                        lambda: Deadline(4.5, clock=lambda: float(next(ticks))))
    fresh = open_engine(replace(settings, max_query_words=4))  # nothing read yet
    try:
        results = fresh.search(build_request("embassy staff militia rockets baghdad kataib"))
    finally:
        fresh.close()
    matching = results.matching
    assert results.total > 0 and results.hits
    assert 1 <= matching.searched < 4 and matching.words == 6
    assert matching.message.startswith(f"a long query: searched its {matching.searched} rarest "
                                       "words of 6")
