"""The JSON API: search (a page, or every match as CSV or JSON), one article, health, OpenAPI."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context, url_for

from search.entities.filter import check_entities
from search.errors import QueryError

from . import params, state
from .export import EXPORT_FORMATS, csv_lines, export_limit, file_name, json_chunks
from .openapi import openapi_document
from .results import run_search

api = Blueprint("api", __name__)


@api.get("/api/search")
def search():
    fmt = request.args.get("format")
    if fmt is None:
        return jsonify(run_search(params.search_request(request.args)).to_dict())
    if fmt not in EXPORT_FORMATS:
        raise QueryError(f"unknown format {fmt[:20]!r}: choose one of {', '.join(EXPORT_FORMATS)} "
                         "(or leave it out for one page of results)")
    return _export(fmt)


def _export(fmt: str) -> Response:
    search_request = params.search_request(request.args)
    check_entities(state.engine(), state.entity_table(), search_request.entities)
    limit = export_limit(request.args, current_app.config["SETTINGS"].max_export)
    total, articles = state.engine().export(search_request, limit)
    if fmt == "csv":
        def link(article_id: str) -> str:
            return url_for("newsfacet.article_page", article_id=article_id, _external=True)

        bom = params.flag(request.args, "bom", default=False)
        body = csv_lines(articles, total=total, limit=limit, link=link, bom=bom)
        mimetype = "text/csv"
    else:
        body, mimetype = json_chunks(search_request, total, limit, articles), "application/json"
    response = Response(stream_with_context(body), mimetype=mimetype)
    name = file_name(search_request, fmt)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Total-Count"] = str(total)
    response.headers["X-Export-Limit"] = str(limit)
    return response


@api.get("/api/articles/<segment:article_id>")
def article(article_id: str):
    return jsonify(state.engine().get(article_id).to_dict())


@api.get("/api/openapi.json")
def openapi():
    return jsonify(openapi_document(current_app.config["SETTINGS"]))


@api.get("/healthz")
def healthz():
    return jsonify({"status": "ok", "articles": state.engine().count()})
