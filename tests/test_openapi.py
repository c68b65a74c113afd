"""The OpenAPI document: valid OpenAPI 3.1, and real responses of every route match it."""

from __future__ import annotations

import csv
import io

import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from web import links


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def check(document: dict, path: str, status: int, response, mimetype: str = "application/json"):
    """Validate a response body against the schema the document gives for it."""
    assert response.status_code == status, response.get_data(as_text=True)
    declared = document["paths"][path]["get"]["responses"][str(status)]["content"]
    assert response.mimetype in declared and response.mimetype == mimetype
    body = (response.get_json() if mimetype == "application/json"
            else response.get_data(as_text=True))
    validator(document, declared[mimetype]["schema"]).validate(body)
    return body


def validator(document: dict, schema: dict) -> OAS31Validator:
    """Return a validator for one schema of the document, its "#/components/…" refs resolvable."""
    return OAS31Validator({**schema, "components": document["components"]})


def test_document_is_valid_openapi(document):
    validate(document)
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {"/api/search", "/api/articles/{id}", "/healthz",
                                      "/api/openapi.json", "/api/entities/{name}"}


def test_every_search_parameter_is_described(document):
    described = {p["name"] for p in document["paths"]["/api/search"]["get"]["parameters"]}
    # the last two: exports
    assert described == {*links.KEPT_PARAMS, "page", "format", "limit", "bom"}


@pytest.mark.parametrize("url", [
    "/api/search",
    "/api/search?q=embassy&outlet=Reuters&sort=newest",
    "/api/search?q=embasy",  # carries a suggestion
    "/api/search?entity=Iraq&month=undated&per_page=1&page=1",
    "/api/search?q=nothingmatcheshere",
    "/api/search?q=embassy&format=json",
])
def test_search_responses_match(document, client, url):
    check(document, "/api/search", 200, client.get(url))


def test_csv_export_matches(document, client):
    body = check(document, "/api/search", 200, client.get("/api/search?format=csv"), "text/csv")
    header = next(csv.reader(io.StringIO(body)))
    assert ", ".join(header) in document["paths"]["/api/search"]["get"]["responses"]["200"][
        "content"]["text/csv"]["schema"]["description"]


@pytest.mark.parametrize("url", ["/api/search?q=%28", "/api/search?format=xml",
                                 "/api/search?page=0", "/api/search?month=May"])
def test_search_errors_match(document, client, url):
    check(document, "/api/search", 400, client.get(url))


def test_article_health_and_document_responses_match(document, client):
    check(document, "/api/articles/{id}", 200, client.get("/api/articles/a1"))
    check(document, "/api/articles/{id}", 404, client.get("/api/articles/nope"))
    check(document, "/healthz", 200, client.get("/healthz"))
    check(document, "/api/openapi.json", 200, client.get("/api/openapi.json"))


@pytest.mark.parametrize("url, status", [
    ("/api/entities/Kataib%20Hezbollah", 200),
    ("/api/entities/pmf", 200),
    ("/api/entities/Hezbollah", 200),  # in the table, in no article
    ("/api/entities/%3Cimg%20src%3Dx%3E", 404),
])
def test_entity_responses_match(document, client, url, status):
    check(document, "/api/entities/{name}", status, client.get(url))


def test_missing_index_responses_match(document, tmp_path):
    from search.config import Settings
    from web import create_app

    client = create_app({"SETTINGS": Settings(index_dir=str(tmp_path / "none"))}).test_client()
    for path, url in (("/api/search", "/api/search"), ("/healthz", "/healthz"),
                      ("/api/articles/{id}", "/api/articles/a1"),
                      ("/api/entities/{name}", "/api/entities/Iraq")):
        check(document, path, 503, client.get(url))


def test_a_response_that_breaks_the_schema_is_caught(document, client):
    from jsonschema.exceptions import ValidationError

    response = client.get("/api/search")
    data = response.get_json()
    del data["hits"][0]["snippet"]
    schema = document["paths"]["/api/search"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"]
    with pytest.raises(ValidationError):
        validator(document, schema).validate(data)
