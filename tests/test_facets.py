"""The facet registry: every facet in it reaches every place a facet must show (issue 14).

The cases are generated from ``search.facets.FACETS``: a facet added to the registry but not
wired somewhere fails here, naming the place.
"""

from __future__ import annotations

import dataclasses
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
