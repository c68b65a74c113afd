"""One blueprint: the search and article pages and the JSON API; args in, pages out."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Blueprint, current_app, jsonify, render_template, request
from markupsafe import Markup

from search.errors import QueryError
from search.query import build_request

from . import links, state

bp = Blueprint("newsfacet", __name__)

FACET_TITLES = {"entity": "Entities", "outlet": "Outlets", "year": "Years", "month": "Months"}
ENTITY_TYPE_ORDER = ("group", "person", "org", "place")
_NOT_MARK = re.compile(r"<(?!/?mark>)")


def snippet_filter(snippet: str) -> Markup:
    """Mark a snippet safe. Engines escape article text and add only <mark>; any other '<'
    is escaped again here so no markup from an article can ever reach the page."""
    return Markup(_NOT_MARK.sub("&lt;", snippet or ""))


@dataclass(frozen=True)
class FacetLink:
    """A facet value as the sidebar shows it."""

    value: str
    count: int
    selected: bool
    link: str
    type: str | None = None


def _request_from_args():
    args = request.args
    return build_request(
        args.get("q", ""), entities=args.getlist("entity"), outlets=args.getlist("outlet"),
        years=args.getlist("year"), months=args.getlist("month"), since=args.get("since"),
        until=args.get("until"), sort=args.get("sort") or None, page=args.get("page"),
        per_page=args.get("per_page"), settings=current_app.config["SETTINGS"],
        resolve_entity=state.entity_table().resolve)


def _facet_links(results) -> dict[str, list[FacetLink]]:
    out = {}
    for name, values in results.facets.items():
        items = [FacetLink(v.value, v.count, v.selected, links.toggle(request.args, name, v.value),
                           v.type) for v in values]
        if name == "entity":
            rank = {t: i for i, t in enumerate(ENTITY_TYPE_ORDER)}
            items.sort(key=lambda f: (rank.get(f.type or "", 9), -f.count, f.value))
        out[name] = items
    return out


@bp.get("/")
@bp.get("/search")
def search_page():
    error = None
    try:
        search_request = _request_from_args()
        results = state.engine().search(search_request)
    except QueryError as exc:
        error = str(exc)
        results = None
    body = render_template(
        "search.html", results=results, error=error, args=request.args,
        facets=_facet_links(results) if results else {}, facet_titles=FACET_TITLES, links=links)
    return body, 400 if error else 200


@bp.get("/article/<article_id>")
def article_page(article_id: str):
    article = state.engine().get(article_id)
    query = request.args.get("q", "")
    paragraphs = state.engine().highlight_paragraphs(article.body, query)
    return render_template("article.html", article=article, paragraphs=paragraphs, q=query,
                           links=links, args=request.args)


@bp.get("/api/search")
def api_search():
    results = state.engine().search(_request_from_args())
    return jsonify(results.to_dict())


@bp.get("/api/articles/<article_id>")
def api_article(article_id: str):
    return jsonify(state.engine().get(article_id).to_dict())


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok", "articles": state.engine().count()})
