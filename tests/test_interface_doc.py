"""docs/interface.md against the code (issue 18): every command, option, route, API path and
search-JSON key that exists is documented, so the page cannot fall behind the code.

When one of these fails after adding a command, an option, a route or a field: describe it in
docs/interface.md ("What newsfacet builds beyond the contract").
"""

from __future__ import annotations

import re

import click
import pytest

from bench.corpus import SHARED
from search.cli import cli

from .conftest import ROOT

DOC = ROOT / "docs" / "interface.md"
CONTRACT = SHARED / "INTERFACE.md"
SHARED_OPTIONS = ("--index", "--entities", "--collection", "--engine")  # marked † in the doc


def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def commands(group: click.Group = cli, path: tuple[str, ...] = ()):
    """Yield (words after `newsfacet`, command) for every command of the group, nested ones too."""
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))
        else:
            yield (*path, name), command


def test_every_command_is_documented():
    text = doc()
    missing = [" ".join(words) for words, _ in commands()
               if f"`newsfacet {' '.join(words)}" not in text]
    assert not missing, f"commands missing from docs/interface.md: {missing}"


def test_every_option_of_every_command_is_documented():
    text = doc()
    table = text.split("### Commands and their options", 1)[1].split("\n### ", 1)[0]
    missing = []
    for words, command in commands():
        row = next((line for line in table.splitlines()
                    if line.startswith(f"| `newsfacet {' '.join(words)}")), "")
        assert row, f"no row for `newsfacet {' '.join(words)}` in the table of commands and options"
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden and param.name != "help":
                long = max(param.opts, key=len)
                shared = long in SHARED_OPTIONS and "†" in row
                if f"`{long}" not in row and not shared:
                    missing.append(f"newsfacet {' '.join(words)} {long}")
    for param in cli.params:
        if isinstance(param, click.Option) and f"`{max(param.opts, key=len)}`" not in text:
            missing.append(f"newsfacet {max(param.opts, key=len)}")
    assert not missing, f"options missing from docs/interface.md: {missing}"


def _route_text(rule: str) -> str:
    """`/article/<segment:article_id>` is written `/article/<id>` in the docs."""
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "<" + {"article_id": "id", "number": "n",
                                                          "filename": "file"}.get(m[1], m[1]) + ">",
                  rule)


def test_every_route_is_documented(app):
    text = doc()
    routes = {(_route_text(rule.rule), method) for rule in app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert len(routes) >= 12
    missing = [f"{method} {rule}" for rule, method in sorted(routes)
               if f"`{method} {rule}" not in text and not (method == "GET" and f"`{rule}`" in text)]
    assert not missing, f"routes missing from docs/interface.md: {missing}"


def test_openapi_paths_and_parameters_match_the_doc(client):
    text = doc()
    spec = client.get("/api/openapi.json").get_json()
    paths = {re.sub(r"\{(\w+)\}", r"<\1>", p) for p in spec["paths"]}
    documented = {_route_text(r) for r in re.findall(r"`GET (/api/[^`?]*|/healthz)", text)}
    assert paths == documented
    parameters = [p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]]
    url_params = text.split("URL parameters of `/search` and `/api/search`:", 1)[1]
    url_params = url_params.split("\n\n", 1)[0]
    missing = [name for name in parameters if f"`{name}`" not in url_params]
    assert not missing, f"/api/search parameters missing from docs/interface.md: {missing}"


def test_every_key_of_the_search_json_is_documented(client):
    text = doc()
    data = client.get("/api/search?q=embassy").get_json()
    hit = data["hits"][0]
    keys = set(data) | set(hit) | set(data["facets"]) | set(hit["entities"][0])
    keys |= {k for c in hit.get("also_in") or [] for k in c}
    missing = sorted(k for k in keys if f"`{k}`" not in text and f'"{k}"' not in text)
    assert not missing, f"search JSON keys missing from docs/interface.md: {missing}"


def test_every_key_of_the_article_json_is_documented(client):
    text = doc().split("### The article JSON", 1)[1].split("\n### ", 1)[0]
    data = client.get("/api/articles/a1").get_json()
    missing = sorted(k for k in data if f"`{k}`" not in text)
    assert not missing, f"article JSON keys missing from docs/interface.md: {missing}"


@pytest.mark.shared(CONTRACT)
def test_the_contract_is_copied_word_for_word():
    """docs/interface.md holds every line of the shared contract (headings one level down)."""
    text = doc()
    contract = CONTRACT.read_text(encoding="utf-8").splitlines()[1:]
    lines = [line.lstrip("#").strip() for line in contract]
    missing = [line for line in lines if line and line not in text]
    assert not missing, f"lines of {CONTRACT} missing from docs/interface.md: {missing}"
