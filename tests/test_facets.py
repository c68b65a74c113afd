"""The facet registry: every facet in it reaches every place a facet must show (issue 14).

The cases are generated from ``search.facets.FACETS``: a facet added to the registry but not
wired somewhere fails here, naming the place.
"""

from __future__ import annotations

import dataclasses
import os
import re
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest

from search.facets import BY_NAME, DISPLAY_ORDER, FACET_NAMES, FACETS, UNDATED
from search.models import Article, SearchRequest
from search.query import build_request
from search.watches import Watch, list_watches

from .conftest import ARTICLES, form_token



@pytest.fixture
def engine(settings):
    """The shared articles plus one credited to a wire agency, so every facet has a value."""
    from search.engines import open_engine

    eng = open_engine(settings, create=True)
    eng.upsert([*ARTICLES, dataclasses.replace(ARTICLES[0], id="a5", agency="AFP")])
    yield eng
    eng.close()


@pytest.fixture
def samples(engine) -> dict[str, str]:
    """One indexed value of each facet (a dated one for the period facets)."""
    facets = engine.stats().facets
    out = {}
    for name in FACET_NAMES:
        values = [v.value for v in facets.get(name, ()) if v.value != UNDATED]
        assert values, f"no test article has a value of the {name!r} facet: give one a value"
        out[name] = values[0]
    return out


class _Inputs(HTMLParser):
    """Collects input names inside forms, by the form's class (or action when classless)."""

    def __init__(self):
        super().__init__()
        self.forms: dict[str, list[tuple[str, str]]] = {}
        self.groups: list[str] = []
        self._form: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = attrs.get("class") or attrs.get("action")
            self.forms.setdefault(self._form, [])
        elif tag == "input" and self._form is not None:
            self.forms[self._form].append((attrs.get("name"), attrs.get("value")))
        elif tag == "fieldset" and "data-facet" in attrs:
            self.groups.append(attrs["data-facet"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def parse(page: str) -> _Inputs:
    parser = _Inputs()
    parser.feed(page)
    return parser


def test_registry_names_each_facet_once_and_its_fields_exist():
    assert len(set(FACET_NAMES)) == len(FACETS) == len({f.field for f in FACETS})
    assert set(DISPLAY_ORDER) == set(FACETS) and {f.name: f for f in FACETS} == BY_NAME
    request_fields = {f.name: f for f in dataclasses.fields(SearchRequest)}
    article_fields = {f.name for f in dataclasses.fields(Article)} | {"year", "month"}
    for facet in FACETS:
        assert request_fields[facet.field].default == (), facet.name
        assert facet.attribute in article_fields, facet.name
        assert facet.label and facet.help, facet.name
        assert (facet.pattern is None) == (facet.example is None), facet.name


def test_search_request_filters_and_build_request_follow_the_registry():
    request = build_request("", **{f.field: [f"{f.name}-x"] for f in FACETS if not f.pattern})
    assert list(request.filters) == list(FACET_NAMES)
    for facet in FACETS:
        expected = () if facet.pattern else (f"{facet.name}-x",)
        assert request.filters[facet.name] == getattr(request, facet.field) == expected
    with pytest.raises(TypeError, match="unknown facet fields"):
        build_request("", colours=["red"])


@pytest.mark.parametrize("facet", [f for f in FACETS if f.pattern], ids=lambda f: f.name)
def test_period_facets_check_their_values(facet):
    assert re.match(facet.pattern, UNDATED)
    with pytest.raises(Exception, match=f"bad {facet.name} 'soon'"):
        build_request("", **{facet.field: ["soon"]})


def test_every_facet_is_counted_by_the_api_and_stats(client, engine):
    assert list(client.get("/api/search").get_json()["facets"]) == list(FACET_NAMES)
    assert list(engine.stats().facets) == list(FACET_NAMES)


def test_every_facet_filters_through_its_url_parameter(client, samples):
    for name, value in samples.items():
        data = client.get("/api/search?" + urlencode({name: value})).get_json()
        assert data["total"] >= 1, name
        chosen = [v["value"] for v in data["facets"][name] if v["selected"]]
        assert chosen == [value], name


def test_every_facet_is_in_the_sidebar_chips_and_search_forms(client, samples):
    url = "/search?" + urlencode(list(samples.items()))
    page = client.get(url).get_data(as_text=True)
    parsed = parse(page)
    # The entity facet is listed as one group per entity type; each group names it.
    assert set(parsed.groups) == set(FACET_NAMES)
    assert [g for g in dict.fromkeys(parsed.groups)] == [f.name for f in DISPLAY_ORDER]
    for name, value in samples.items():
        assert (name, value) in parsed.forms["facet-form"], f"{name}: no checked box in the sidebar"
        assert (name, value) in parsed.forms["searchbox"], f"{name}: the search box drops it"
        assert (name, value) in parsed.forms["watch"], f"{name}: 'Save this search' drops it"
    chips = re.findall(r'<ul class="chips active".*?</ul>', page, re.S)[0]
    assert len(re.findall(r'<li><a class="chip ', chips)) == len(FACETS)
    for facet in FACETS:  # an entity chip is classed by the entity's type, others by facet
        assert facet.typed or f'<a class="chip {facet.name}"' in chips, facet.name


def test_every_facet_is_described_by_the_openapi_document(client):
    document = client.get("/api/openapi.json").get_json()
    parameters = {p["name"]: p for p in document["paths"]["/api/search"]["get"]["parameters"]}
    facets = document["components"]["schemas"]["SearchResults"]["properties"]["facets"]
    assert list(facets["properties"]) == list(FACET_NAMES)
    for facet in FACETS:
        schema = parameters[facet.name]["schema"]
        assert schema["type"] == "array", facet.name
        assert schema["items"].get("pattern") == facet.pattern, facet.name


def test_every_facet_is_kept_by_a_saved_search(client, settings, samples):
    form = {**{name: [value] for name, value in samples.items()}, "q": "embassy",
            "form_token": form_token(client)}
    response = client.post("/watches", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)
    (watch,) = list_watches(settings.index_dir)
    assert watch.filters == {name: (value,) for name, value in samples.items()}
    request = watch.request(settings)
    for facet in FACETS:
        assert getattr(request, facet.field) == (samples[facet.name],), facet.name
    assert Watch(1, "", {"entity": ("x",)}, "").params() == [("entity", "x")]


def test_every_facet_is_a_cli_filter_option(runner, settings, samples):
    import json

    from .conftest import run

    for name, value in samples.items():
        result = run(runner, "search", "--index", settings.index_dir, f"--{name}", value, "--json")
        assert result.exit_code == 0, result.output
        chosen = [v["value"] for v in json.loads(result.output)["facets"][name] if v["selected"]]
        assert chosen == [value], name
    result = run(runner, "watch", "add", "--index", settings.index_dir, "--json",
                 *[arg for name, value in samples.items() for arg in (f"--{name}", value)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["filters"] == {n: [v] for n, v in samples.items()}


def test_both_engines_build_their_facet_fields_from_the_registry():
    from whoosh.fields import KEYWORD

    from search.engines.typesense import collection_schema
    from search.engines.whoosh import build_schema

    whoosh = build_schema()
    fields = {f["name"]: f for f in collection_schema("x")["fields"]}
    for facet in FACETS:
        assert isinstance(whoosh[facet.name], KEYWORD) == facet.multi_valued, facet.name
        assert fields[facet.name]["facet"] is True, facet.name
        assert fields[facet.name]["type"] == ("string[]" if facet.multi_valued else "string")
        assert fields[facet.name].get("optional", False) == (not facet.period), facet.name
        assert (f"{facet.name}_key" in fields) == facet.case_folded, facet.name


def _insert_after(path, line: int, text: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(line, text + "\n")
    path.write_text("".join(lines), encoding="utf-8")


@pytest.mark.slow
def test_a_facet_added_by_the_registry_docstring_reaches_every_place(tmp_path):
    """Follow the registry's "How to add a facet" on a copy of the code: the ``language``
    facet of its example, taken from the docstring itself, then this file's cases on the
    copy, with one test article given a language (what ``samples`` asks for)."""
    import ast
    import shutil
    import subprocess
    import sys

    import search.facets

    from .conftest import ROOT

    for name in ("search", "web"):
        shutil.copytree(ROOT / name, tmp_path / name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "tests").mkdir()
    for name in ("__init__.py", "conftest.py", "test_facets.py"):
        shutil.copy(ROOT / "tests" / name, tmp_path / "tests" / name)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)

    # 1. The article carries the value (Article.language exists); the request gets the
    #    selection at the end of its fields.
    models = tmp_path / "search" / "models.py"
    (request,) = [node for node in ast.parse(models.read_text(encoding="utf-8")).body
                  if isinstance(node, ast.ClassDef) and node.name == "SearchRequest"]
    last_field = [node for node in request.body if isinstance(node, ast.AnnAssign)][-1]
    _insert_after(models, last_field.end_lineno, "    languages: tuple[str, ...] = ()")
    # 2. The docstring's own example, appended to FACETS.
    example = re.search(r"``(Facet\(\"language\".*?\))``", search.facets.__doc__, re.S)
    assert example, "the registry's docstring no longer shows how to add the language facet"
    facets = tmp_path / "search" / "facets.py"
    (registry,) = [node for node in ast.parse(facets.read_text(encoding="utf-8")).body
                   if isinstance(node, ast.AnnAssign) and ast.unparse(node.target) == "FACETS"]
    _insert_after(facets, registry.value.elts[-1].end_lineno,
                  "    " + " ".join(example.group(1).split()) + ",")
    # 3. The engines need no code; the Whoosh schema version goes up.
    engine = tmp_path / "search" / "engines" / "whoosh" / "engine.py"
    source = engine.read_text(encoding="utf-8")
    version = int(re.search(r"^SCHEMA_VERSION = (\d+)$", source, re.M).group(1))
    engine.write_text(source.replace(f"SCHEMA_VERSION = {version}\n",
                                     f"SCHEMA_VERSION = {version + 1}\n"), encoding="utf-8")
    # 4. This file's cases, one test article with a language.
    tests = tmp_path / "tests" / "test_facets.py"
    source = tests.read_text(encoding="utf-8")
    assert 'id="a5", agency="AFP")' in source
    tests.write_text(source.replace('id="a5", agency="AFP")',
                                    'id="a5", agency="AFP", language="en")'), encoding="utf-8")

    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFACET_")}
    names = subprocess.run(
        [sys.executable, "-c", "import search.facets as f; print(f.__file__, *f.FACET_NAMES)"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout.split()
    assert names[0] == str(facets) and names[1:] == [*FACET_NAMES, "language"]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow",
         "tests/test_facets.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "skipped" not in result.stdout, result.stdout[-500:]
