"""Entity filters (issue 16): an unknown entity gets a clear answer everywhere, and "all of"
selects articles naming every selected entity, with the entity facet counting within them.

Fixture articles (conftest): a1 Kataib Hezbollah + Iraq, a2 PMF + Asaib Ahl al-Haq,
a3 PMF + Kataib Hezbollah, a4 Iraq; plus r1/r2 whose records name Brazil and London, which
the bundled entity table does not know.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re

import pytest

from search.config import Settings
from search.entities import EntityTable
from search.entities.filter import check_entities, search_checked, unknown_entity_message
from search.errors import QueryError, UnknownEntity
from search.models import Article, Entity
from search.query import build_request
from search.watches import list_watches

from .conftest import run

TABLE = EntityTable.load()
BRAZIL, LONDON = Entity("Brazil", "place"), Entity("London", "place")
EXTRA = [
    Article(id="r1", source="r1.jsonl#1", title="Coffee quotas", body="Brazil and London traders.",
            outlet="Reuters", date=dt.date(1987, 3, 2), entities=(BRAZIL, LONDON)),
    Article(id="r2", source="r1.jsonl#2", title="Coffee prices", body="Brazil raised prices.",
            outlet="Reuters", date=dt.date(1987, 3, 3), entities=(BRAZIL,)),
]


def _request(*entities: str, match: str | None = None, query: str = ""):
    return build_request(query, entities=entities, entity_match=match, resolve_entity=TABLE.resolve)


def _facet(results, name="entity") -> dict[str, tuple[int, bool]]:
    return {v.value: (v.count, v.selected) for v in results.facets[name]}


@pytest.fixture
def each_engine(any_engine):
    """Each engine (conftest's ``any_engine``) with the Brazil and London records added."""
    any_engine.upsert(EXTRA)
    return any_engine


@pytest.fixture
def extra(engine):
    engine.upsert(EXTRA)
    return engine


# -- "all of" on both engines ----------------------------------------------------------------

def test_all_of_selects_articles_naming_every_entity(each_engine):
    either = each_engine.search(_request("Kataib Hezbollah", "PMF"))
    both = each_engine.search(_request("Kataib Hezbollah", "PMF", match="all"))
    assert sorted(h.id for h in either.hits) == ["a1", "a2", "a3"]
    assert [h.id for h in both.hits] == ["a3"] and both.total == 1
    # Any of: the entity facet counts as if no entity were selected (a value's count is what
    # adding it would add). All of: counts within the intersection.
    assert _facet(either)["Iraq"] == (2, False) and _facet(either)["Kataib Hezbollah"] == (2, True)
    assert _facet(both) == {"Kataib Hezbollah": (1, True), "Popular Mobilization Forces": (1, True)}
    assert {v.value: v.count for v in both.facets["outlet"]} == {"Reuters": 1}


def test_all_of_one_entity_counts_what_is_named_with_it(each_engine):
    results = each_engine.search(_request("Brazil", match="all"))
    assert results.total == 2
    assert _facet(results) == {"Brazil": (2, True), "London": (1, False)}
    none = each_engine.search(_request("Brazil", "Iraq", match="all"))
    assert none.total == 0 and _facet(none) == {"Brazil": (0, True), "Iraq": (0, True)}


def test_all_of_in_exports_too(each_engine):
    total, articles = each_engine.export(_request("Brazil", "London", match="all"), 100)
    assert total == 1 and [a.id for a in articles] == ["r1"]


def test_entity_match_must_be_any_or_all():
    with pytest.raises(QueryError, match="entity_match must be one of any, all, not 'both'"):
        _request("Iraq", match="both")
    assert _request("Iraq", match=" ALL ").entity_match == "all"
    assert _request("Iraq").entity_match == "any"


# -- unknown entities in the core --------------------------------------------------------------

def test_names_of_the_index_or_the_table_are_entities(each_engine):
    # Brazil only in the index (a record named it); Hezbollah only in the table (no article).
    for name in ("Brazil", "brazil", "Hezbollah", "PMF", "london"):
        check_entities(each_engine, TABLE, [_request(name).entities[0]])
    with pytest.raises(UnknownEntity) as caught:
        search_checked(each_engine, TABLE, _request("Brazilx", "Iraq", "Zzyzx"))
    assert caught.value.suggestions == {"Brazilx": ("Brazil",), "Zzyzx": ()}
    assert str(caught.value).startswith("no entities 'Brazilx' (did you mean Brazil?), 'Zzyzx' "
                                        "in the index or the entity table — check the spelling")


@pytest.mark.parametrize("suggestions, message", [
    ({"Brazilx": ("Brazil",)}, "no entity 'Brazilx'; did you mean Brazil?"),
    ({"Hezbolah": ("Hezbollah", "Kataib Hezbollah")},
     "no entity 'Hezbolah'; did you mean Hezbollah or Kataib Hezbollah?"),
    ({"Qq": ()}, "no entity 'Qq' in the index or the entity table — check the spelling "
                 "(`newsfacet stats` lists the indexed entities), or add a name with "
                 "`newsfacet entities add NAME --type TYPE` and index again"),
])
def test_unknown_entity_messages(suggestions, message):
    assert unknown_entity_message(suggestions) == message


def test_a_search_that_counted_the_name_asks_nothing_more(extra):
    calls = []
    search = extra.search

    class Counting:
        def search(self, request):
            calls.append(request)
            return search(request)

    results = search_checked(Counting(), TABLE, _request("Brazil", query="coffee"))
    assert results.total == 2 and len(calls) == 1  # the facet counted Brazil: no probe


# -- command line --------------------------------------------------------------------------------

@pytest.fixture
def records_index(runner, tmp_path):
    records = tmp_path / "records.jsonl"
    records.write_text("\n".join(json.dumps(r) for r in [
        {"id": "r1", "title": "Coffee quotas", "body": "Brazil talks coffee in London.",
         "entities": [{"name": "Brazil", "type": "place"}, {"name": "London", "type": "place"}]},
        {"id": "r2", "title": "Coffee prices", "body": "Brazil raised coffee prices.",
         "entities": [{"name": "Brazil", "type": "place"}]},
        {"id": "r3", "title": "Oil in London", "body": "Oil traders in London.",
         "entities": [{"name": "London", "type": "place"}]},
    ]) + "\n")
    index = tmp_path / "ix"
    assert run(runner, "index", records, "--index", index).exit_code == 0
    return index


def test_cli_refuses_an_unknown_entity_with_close_names(runner, records_index):
    result = run(runner, "search", "coffee", "--entity", "Brazilx", "--index", records_index)
    assert result.exit_code == 1
    assert result.stderr == "Error: no entity 'Brazilx'; did you mean Brazil?\n"
    # With --json the error is a JSON object on stdout (issue 18), same exit code.
    result = run(runner, "search", "--entity", "Qwertz", "--index", records_index, "--json")
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error["message"].startswith("no entity 'Qwertz' in the index or the entity table")
    # Known names: from the index (any case), or from the table with no article yet.
    for name in ("brazil", "Hezbollah"):
        assert run(runner, "search", "--entity", name, "--index", records_index).exit_code == 0


def test_cli_all_entities(runner, records_index):
    def search(*options):
        result = run(runner, "search", "--entity", "Brazil", "--entity", "London", *options,
                     "--index", records_index, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    either, both = search(), search("--all-entities")
    assert sorted(h["id"] for h in either["hits"]) == ["r1", "r2", "r3"]
    assert [h["id"] for h in both["hits"]] == ["r1"] and both["entity_match"] == "all"
    assert {v["value"]: v["count"] for v in both["facets"]["entity"]} == {"Brazil": 1, "London": 1}
    text = run(runner, "search", "--entity", "Brazil", "--entity", "London", "--all-entities",
               "--index", records_index).output
    assert text.startswith("1 article naming every one of Brazil, London")


def test_watch_add_refuses_an_unknown_entity(runner, records_index):
    result = run(runner, "watch", "add", "coffee", "--entity", "Brazilx", "--index", records_index)
    assert result.exit_code == 1
    assert result.stderr == "Error: no entity 'Brazilx'; did you mean Brazil?\n"
    assert list_watches(str(records_index)) == []
    saved = run(runner, "watch", "add", "--entity", "brazil", "--entity", "London",
                "--all-entities", "--index", records_index, "--json")
    assert saved.exit_code == 0, saved.output
    assert json.loads(saved.stdout)["filters"] == {"entity": ["brazil", "London"],
                                                    "entity_match": "all"}
    [watch] = list_watches(str(records_index))
    assert watch.request(Settings(), TABLE.resolve).all_entities


def test_watch_add_without_an_index_knows_only_the_table(runner, tmp_path):
    result = run(runner, "watch", "add", "--entity", "Hezbolah", "--index", tmp_path / "none")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no entity 'Hezbolah'; did you mean Hezbollah")


# -- API -------------------------------------------------------------------------------------------

def test_api_answers_an_unknown_entity_with_400_and_close_names(client, extra):
    response = client.get("/api/search?q=coffee&entity=Brazilx")
    assert response.status_code == 400
    assert response.get_json() == {"error": {
        "status": 400, "title": "UnknownEntity",
        "message": "no entity 'Brazilx'; did you mean Brazil?",
        "unknown_entities": [{"name": "Brazilx", "suggestions": ["Brazil"]}]}}
    assert client.get("/api/search?entity=Brazilx&format=csv").status_code == 400
    assert client.get("/api/search?entity=brazil").status_code == 200


def test_api_entity_match_all(client, extra):
    data = client.get("/api/search?entity=Brazil&entity=London&entity_match=all").get_json()
    assert [h["id"] for h in data["hits"]] == ["r1"] and data["entity_match"] == "all"
    assert {v["value"]: v["count"] for v in data["facets"]["entity"]} == {"Brazil": 1, "London": 1}
    assert client.get("/api/search?entity=Brazil&entity=London").get_json()["total"] == 2
    bad = client.get("/api/search?entity=Brazil&entity_match=most")
    assert (bad.status_code == 400
            and "entity_match must be one of any, all" in bad.get_json()["error"]["message"])


def test_openapi_describes_entity_match_and_unknown_entities(client):
    doc = client.get("/api/openapi.json").get_json()
    params = {p["name"]: p for p in doc["paths"]["/api/search"]["get"]["parameters"]}
    assert params["entity_match"]["schema"] == {"type": "string", "enum": ["any", "all"],
                                                "default": "any"}
    error = doc["components"]["schemas"]["Error"]["properties"]["error"]
    assert "unknown_entities" in error["properties"] and "unknown_entities" not in error["required"]
    assert "entity_match" in doc["components"]["schemas"]["SearchResults"]["properties"]


# -- web page ------------------------------------------------------------------------------------

def test_page_explains_an_unknown_entity_and_offers_close_names(client, extra):
    response = client.get("/search?q=coffee&entity=Brazilx")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "no entity &#39;Brazilx&#39;; did you mean Brazil?" in page
    assert '<a href="/search?q=coffee&amp;entity=Brazil">Brazil</a>' in page
    assert 'newsfacet entities add "Brazilx" --type group|person|org|place' in page
    # The rest of the search still runs, without the unknown name.
    assert re.search(r"<strong>2</strong> articles", page)


def test_page_toggles_between_any_and_all_of_the_entities(client, extra):
    page = client.get("/search?entity=Brazil&entity=London").get_data(as_text=True)
    assert "<strong>2</strong> articles" in page
    assert ('href="/search?entity=Brazil&amp;entity=London&amp;entity_match=all">all of them</a>'
            in page)
    assert '<option value="all">all</option>' in page
    page = client.get("/search?entity=Brazil&entity=London&entity_match=all").get_data(as_text=True)
    assert "<strong>1</strong> article" in page
    assert 'href="/search?entity=Brazil&amp;entity=London">any of them</a>' in page
    assert '<option value="all" selected>all</option>' in page
    assert 'name="entity_match" value="all"' in page  # saving the search keeps it


def test_saving_a_search_refuses_an_unknown_entity_and_keeps_all_of(client, settings, extra):
    token = re.search(r'name="form_token" value="([^"]+)"',
                      client.get("/search").get_data(as_text=True)).group(1)
    refused = client.post("/watches", data={"form_token": token, "entity": "Brazilx"})
    assert refused.status_code == 400 and "did you mean Brazil?" in refused.get_data(as_text=True)
    assert list_watches(settings.index_dir) == []
    saved = client.post("/watches", data={"form_token": token, "entity": ["Brazil", "London"],
                                          "entity_match": "all"})
    assert saved.status_code == 303
    [watch] = list_watches(settings.index_dir)
    assert dict(watch.filters) == {"entity": ("Brazil", "London"), "entity_match": "all"}
    assert "entity_match=all" in client.get("/watches").get_data(as_text=True)


def test_entity_pages_show_how_to_add_a_name_to_the_table(client, extra):
    page = client.get("/entity/Brazil").get_data(as_text=True)
    assert "Not in the entity table" in page
    assert 'newsfacet entities add "Brazil" --type place [--alias …]' in page
    missing = client.get("/entity/Brazilx")
    assert missing.status_code == 404
    assert 'newsfacet entities add "Brazilx" --type' in missing.get_data(as_text=True)


def test_watch_requests_keep_entity_match(settings):
    from search.watches import Watch, normal_filters

    filters = normal_filters({"entity": ["Iraq"], "entity_match": "ALL"})
    assert filters == {"entity": ("Iraq",), "entity_match": "all"}
    assert normal_filters({"entity": ["Iraq"], "entity_match": "any"}) == {"entity": ("Iraq",)}
    assert Watch(1, "", filters, "").request(settings).entity_match == "all"
    with pytest.raises(QueryError):
        Watch(1, "", {"entity_match": "most"}, "").request(settings)
    assert dataclasses.replace(Watch(1, "", filters, ""), id=2).describe() == \
        "(everything) entity=Iraq entity_match=all"


def test_many_unknown_names_get_a_bounded_answer(extra, client):
    names = [f"Nobody{i}" for i in range(300)]
    with pytest.raises(UnknownEntity) as caught:
        check_entities(extra, TABLE, names)
    assert len(caught.value.names) == 300
    assert str(caught.value).startswith("no entities 'Nobody0', 'Nobody1', 'Nobody2', "
                                        "'Nobody3', 'Nobody4' and 295 more in the index")
    page = client.get("/search?" + "&".join(f"entity={n}" for n in names)).get_data(as_text=True)
    assert page.count('class="add-entity"') == 5
