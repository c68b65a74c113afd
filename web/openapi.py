"""The OpenAPI 3.1 description of the JSON API, built from the settings' limits."""

from __future__ import annotations

from typing import Any

from search.config import Settings
from search.facets import DISPLAY_ORDER, FACETS
from search.models import ENTITY_MATCHES, ENTITY_TYPES, SORT_ORDERS

from .export import CSV_COLUMNS, EXPORT_FORMATS

REF = "#/components/schemas/"
BAD_SEARCH = ("A bad query or parameter; the message says what to fix (an unknown entity "
              "comes with close names in unknown_entities).")
UNKNOWN_ENTITY = (" A name that is neither an indexed entity nor in the entity table is a 400 "
                  "(UnknownEntity) with close names.")


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


def _nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": [kind, "null"], **extra}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required}


def _schemas() -> dict[str, Any]:
    entity = _object({"name": {"type": "string"},
                      "type": {"type": "string", "examples": list(ENTITY_TYPES)}})
    facet_value = _object({"value": {"type": "string"}, "type": {"type": "string"},
                           "count": {"type": "integer", "minimum": 0},
                           "selected": {"type": "boolean"}},
                          ["value", "count", "selected"])
    facet_list = {"type": "array", "items": _ref("FacetValue")}
    text_or_null = _nullable("string")
    hit = _object({
        "id": {"type": "string"}, "source": {"type": "string"}, "url": text_or_null,
        "title": text_or_null, "outlet": text_or_null, "date": _nullable("string", format="date"),
        "entities": {"type": "array", "items": _ref("Entity")}, "score": _nullable("number"),
        "snippet": {"type": "string", "description": "HTML-safe: escaped text, matches in <mark>."},
        "crawl_date": text_or_null, "agency": text_or_null, "story": text_or_null,
        "copies": _nullable("integer", description="Indexed articles sharing this story."),
        "headline_only": {"type": "boolean",
                          "description": "A record with a title and no article text, indexed "
                                         "under its title."},
        "also_in": {"type": "array", "description": "The story's other copies (at most 20).",
                    "items": _object({"id": {"type": "string"}, "source": {"type": "string"},
                                      "outlet": text_or_null, "title": text_or_null,
                                      "date": _nullable("string", format="date")})}},
        ["id", "source", "url", "title", "outlet", "date", "entities", "score", "snippet"])
    results = _object({
        "query": {"type": "string"}, "total": {"type": "integer", "minimum": 0},
        "page": {"type": "integer", "minimum": 1}, "per_page": {"type": "integer", "minimum": 1},
        "hits": {"type": "array", "items": _ref("Hit")},
        "facets": {"type": "object", "properties": {f.name: facet_list for f in FACETS},
                   "additionalProperties": facet_list},
        "messages": {"type": "array", "items": {"type": "string"}},
        "suggestion": {"type": "string",
                       "description": "The query with misspelled words corrected."},
        "matching": {
            "description": "How a query of two or more plain words (no operators, quotes or "
                           "fields) was matched; null for any other query.",
            "oneOf": [{"type": "null"}, _object({
                "strategy": {"enum": ["all", "most"],
                             "description": "all: articles holding every word; most: fewer than "
                                            "10 do, so those holding most of the words (rare "
                                            "words weigh more) follow them."},
                "words": {"type": "integer", "minimum": 2},
                "with_all_words": {"type": "integer", "minimum": 0,
                                   "description": "Matching articles (filters applied) "
                                                  "holding every word (every searched word)."},
                "searched_words": _nullable("integer", description=(
                    "Set for a long query (a pasted paragraph): only this many of its rarest "
                    "words were searched.")),
                "message": _nullable("string",
                                     description="What to tell the reader, when relaxed.")},
                ["strategy", "words", "with_all_words", "message"])]},
        "collapse": {"type": "boolean",
                     "description": "One hit per story: total then counts stories."},
        "articles": {"type": "integer", "minimum": 0,
                     "description": "Matching articles; facet counts count articles, collapsed or "
                                    "not."},
        "entity_match": {"type": "string", "enum": list(ENTITY_MATCHES),
                         "description": "How the entity filters combined (see the parameter)."}},
        ["query", "total", "page", "per_page", "hits", "facets"])
    article_fields = {
        "id": {"type": "string"}, "source": {"type": "string"}, "body": {"type": "string"},
        "title": text_or_null, "url": text_or_null, "outlet": text_or_null, "author": text_or_null,
        "date": _nullable("string", format="date"), "date_source": text_or_null,
        "title_source": text_or_null, "outlet_source": text_or_null, "language": text_or_null,
        "entities": {"type": "array", "items": _ref("Entity")}, "crawl_date": text_or_null,
        "agency": text_or_null, "story": text_or_null, "agency_source": text_or_null}
    required = ["id", "source", "body", "title", "url", "outlet", "date", "entities"]
    article = _object({**article_fields, "content_hash": {"type": "string"}},
                      required + ["content_hash"])
    export = _object({
        "query": {"type": "string"}, "total": {"type": "integer", "minimum": 0},
        "limit": {"type": "integer"}, "count": {"type": "integer", "minimum": 0},
        "truncated": {"type": "boolean", "description": "Whether more articles match than the "
                                                        "export holds (total > limit)."},
        "note": _nullable("string", description="Where the export was cut, when it was."),
        "articles": {"type": "array", "items": _object(article_fields, required)}})
    unknown = {"type": "array", "description": "Entity filters that name no entity of the index "
               "or the entity table (title UnknownEntity), each with close names to use instead.",
               "items": _object({"name": {"type": "string"},
                                 "suggestions": {"type": "array", "items": {"type": "string"}}})}
    error = _object({"error": _object({"status": {"type": "integer"}, "title": {"type": "string"},
                                       "message": {"type": "string"}, "unknown_entities": unknown},
                                      ["status", "title", "message"])})
    health = _object({"status": {"const": "ok"}, "articles": {"type": "integer", "minimum": 0}})
    count = {"type": "integer", "minimum": 0}
    profile = _object({
        "entity": _ref("Entity"),
        "aliases": {"type": "array", "items": {"type": "string"},
                    "description": "Other spellings from the entity table."},
        "in_table": {"type": "boolean",
                     "description": "False: only articles' own records name it."},
        "total": {**count, "description": "Articles mentioning the entity."},
        "timeline": {"type": "array",
                     "description": "Articles by month (YYYY-MM, then undated), in time order.",
                     "items": _object({"month": {"type": "string"}, "count": count})},
        "outlets": {"type": "array", "description": "Outlets by number of articles mentioning it.",
                    "items": _object({"name": {"type": "string"}, "count": count})},
        "unknown_outlet": {**count, "description": "Articles mentioning it with no known outlet."},
        "related": {"type": "array",
                    "description": "Entities most often mentioned in the same articles.",
                    "items": _object({"name": {"type": "string"}, "type": {"type": "string"},
                                      "count": count})},
        "articles": {"type": "array", "items": _ref("Hit"),
                     "description": "The latest articles mentioning it."}})
    return {"Entity": entity, "FacetValue": facet_value, "Hit": hit, "SearchResults": results,
            "Article": article, "Export": export, "Error": error, "Health": health,
            "EntityProfile": profile}


def _parameters(settings: Settings) -> list[dict[str, Any]]:
    def param(name: str, schema: dict, description: str, **extra: Any) -> dict[str, Any]:
        return {"name": name, "in": "query", "required": False, "schema": schema,
                "description": description, **extra}

    def many(name: str, description: str, **items: Any) -> dict[str, Any]:
        return param(name,
                     {"type": "array", "items": {"type": "string", "maxLength": 200, **items}},
                     description + " Repeat to select several (OR'ed); filters are AND'ed.",
                     style="form", explode=True)

    date_help = 'An ISO date (2019-05-01) or a phrase such as "May 2019" or "2 years ago".'
    return [
        param("q", {"type": "string", "maxLength": settings.max_query_chars},
              'Words, "phrases", title:word, AND/OR/NOT; empty means every article.'),
        *(many(f.name, f.help + (UNKNOWN_ENTITY if f.name == "entity" else ""),
               **({"pattern": f.pattern} if f.pattern else {}))
          for f in DISPLAY_ORDER),
        param("entity_match", {"type": "string", "enum": list(ENTITY_MATCHES), "default": "any"},
              "any: articles naming any of the selected entities, the entity facet counting "
              "as if none were selected (the other values' counts ignore the entity filter); "
              "all: articles naming every selected entity, and the entity facet counts within "
              "that intersection."),
        param("since", {"type": "string", "maxLength": 64}, "Published on or after. " + date_help),
        param("until", {"type": "string", "maxLength": 64}, "Published on or before. " + date_help),
        param("sort", {"type": "string", "enum": list(SORT_ORDERS), "default": "relevance"},
              "Result order; without a query, relevance means newest."),
        param("page", {"type": "integer", "minimum": 1, "maximum": settings.max_page, "default": 1},
              "Page of results (ignored by exports)."),
        param("per_page", {"type": "integer", "minimum": 1, "maximum": settings.max_per_page,
                           "default": settings.per_page}, "Results per page (ignored by exports)."),
        param("collapse", {"type": "string", "enum": ["1", "0", "true", "false", "on", "off"],
                           "default": "0"},
              "1: one hit per story (syndicated copies and light rewrites grouped, the best-ranked "
              "copy shown with its copies in also_in); total then counts stories, while facet "
              "counts and articles count articles. Exports ignore it."),
        param("format", {"type": "string", "enum": list(EXPORT_FORMATS)},
              f"Export every matching article (at most {settings.max_export}) instead of a page; "
              "a cut export says so (a last CSV line starting '# cut:', truncated in the JSON)."),
        param("limit", {"type": "integer", "minimum": 1, "maximum": settings.max_export,
                        "default": settings.max_export}, "Most articles in an export."),
        param("bom", {"type": "string", "enum": ["1", "0", "true", "false", "on", "off"],
                      "default": "0"},
              "1: the CSV starts with a UTF-8 byte order mark (spreadsheets then read it as "
              "UTF-8)."),
    ]


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def openapi_document(settings: Settings) -> dict[str, Any]:
    """Return the OpenAPI document of /api/search, /api/articles/{id}, /api/entities/{name},
    /healthz and itself."""
    error = _ref("Error")
    unavailable = _json(error, "No index yet, or the index cannot be read.")
    csv_help = "Every matching article; columns: " + ", ".join(CSV_COLUMNS) + "."
    search_ok = {"description": "One page of results, or with format=json|csv every match.",
                 "headers": {"X-Total-Count": {"description": "Matches in all (exports only).",
                                               "schema": {"type": "integer"}}},
                 "content": {"application/json": {"schema": {"oneOf": [_ref("SearchResults"),
                                                                       _ref("Export")]}},
                             "text/csv": {"schema": {"type": "string", "description": csv_help}}}}
    document = {
        "openapi": "3.1.0",
        "info": {"title": "newsfacet", "version": "1",
                 "description": "Faceted full-text search over news articles."},
        "paths": {
            "/api/search": {"get": {
                "operationId": "search",
                "summary": "Search articles, with facet counts or as an export.",
                "parameters": _parameters(settings),
                "responses": {"200": search_ok, "400": _json(error, BAD_SEARCH),
                              "503": unavailable}}},
            "/api/articles/{id}": {"get": {
                "operationId": "getArticle", "summary": "One article in full.",
                "parameters": [{"name": "id", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "responses": {"200": _json(_ref("Article"), "The article."),
                              "404": _json(error, "No article with that id."),
                              "503": unavailable}}},
            "/api/entities/{name}": {"get": {
                "operationId": "getEntity",
                "summary": "One entity: its aliases, timeline, outlets, co-mentioned entities and "
                           "latest articles.",
                "parameters": [{"name": "name", "in": "path", "required": True,
                                "schema": {"type": "string"},
                                "description": "Canonical name or any alias, case-insensitive."}],
                "responses": {"200": _json(_ref("EntityProfile"), "The entity's coverage."),
                              "404": _json(error, "Neither the entity table nor the index "
                                                  "knows the name."),
                              "503": unavailable}}},
            "/healthz": {"get": {
                "operationId": "health", "summary": "Liveness and article count.",
                "responses": {"200": _json(_ref("Health"), "The index is readable."),
                              "503": unavailable}}},
            "/api/openapi.json": {"get": {
                "operationId": "openapi", "summary": "This document.",
                "responses": {"200": _json({"type": "object"}, "The OpenAPI document.")}}},
        },
        "components": {"schemas": _schemas()},
    }
    _add_common_errors(document, settings, error)
    return document


def _add_common_errors(document: dict[str, Any], settings: Settings, error: dict) -> None:
    """Give every operation the refusals that come before any route (web/hosts.py,
    web/limits.py, web/security.py)."""
    common = {
        "400": _json(error, "A Host this server does not answer to (NEWSFACET_ALLOWED_HOSTS "
                            "lists more names), or a query string that is not UTF-8."),
        "414": _json(error, "The address is too long."),
        "431": _json(error, "The request's headers are too large."),
    }
    if settings.access_token:
        common["401"] = _json(error, "No access token, or a wrong one (Authorization: Bearer).")
    for item in document["paths"].values():
        for operation in item.values():
            for status, response in common.items():
                operation["responses"].setdefault(status, response)
