"""One blueprint, ``bp``: the search and article pages; args become a SearchRequest, results a
page."""

from __future__ import annotations

import re

from flask import Blueprint, current_app, render_template, request
from markupsafe import Markup

from search.engines.analysis import effective_sort
from search.errors import QueryError, UnknownEntity
from search.query import whole_number

from . import display, links, params, state
from .marks import numbered_paragraphs
from .results import run_search
from .sidebar import chips, facet_groups
from .timeline import build_timeline

bp = Blueprint("newsfacet", __name__)

MORE_LIKE_THIS = 5
_NOT_MARK = re.compile(r"<(?!/?mark>)")


def snippet_filter(snippet: str) -> Markup:
    """Mark a snippet safe. Engines escape article text and add only <mark>; any other '<'
    is escaped again here so no markup from an article can ever reach the page."""
    return Markup(_NOT_MARK.sub("&lt;", snippet or ""))


def entity_type(name: str) -> str | None:
    """Return the type of a known entity (by name or alias), for values the engine did not count."""
    entity = state.entity_table().resolve(name)
    return entity.type if entity else None


def last_page(results) -> int:
    """Return the last page the pager may link to: the last page of results, but no page past
    the highest one the server accepts (``max_page``), which would answer 400."""
    pages = results.pages if results is not None else 1
    return max(1, min(pages, current_app.config["SETTINGS"].max_page))


@bp.get("/search")
def search_page():
    # The page groups syndicated copies unless told not to (collapse=0); the API does not.
    results, error = params.first_runnable(request.args, run_search, collapse_default=True)
    unknown = error.suggestions if isinstance(error, UnknownEntity) else {}
    args = params.without_entities(request.args, tuple(unknown)) if unknown else request.args
    body = render_template(
        "search.html", results=results, error=error and str(error), unknown=unknown,
        args=args, links=links,
        groups=facet_groups(results, args, entity_type),
        chips=chips(args, entity_type), timeline=build_timeline(results, args),
        date_examples=display.date_examples(results), sort_used=effective_sort(results.request),
        last_page=last_page(results), max_export=current_app.config["SETTINGS"].max_export)
    return body, 400 if error else 200


bp.add_url_rule("/", "home", search_page, methods=["GET"])  # the same page, its own URL name


@bp.get("/article/<segment:article_id>")
def article_page(article_id: str):
    page = request.args.get("page")
    if page and whole_number(page) is None:
        raise QueryError(f"page must be a whole number, not {page[:20]!r}")
    engine = state.engine()
    article = engine.get(article_id)
    query = request.args.get("q", "")
    paragraphs, matches = numbered_paragraphs(engine.highlight_paragraphs(article.body, query))
    return render_template("article.html", article=article, paragraphs=paragraphs,
                           matches=matches, q=query, links=links, args=request.args,
                           similar=engine.more_like(article.id, MORE_LIKE_THIS))
