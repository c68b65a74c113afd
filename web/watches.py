"""Saved searches on the web: the search page's "Save this search" form posts here, and
``/watches`` lists them (each with a link to run it and a button to remove it).

The forms work without JavaScript. Posts are guarded against cross-site requests by a token
signed with a server-side secret (``forms``). The access token, when one is set, still applies.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for
from werkzeug.exceptions import NotFound

from search.entities.filter import check_entities
from search.errors import QueryError
from search.facets import FACET_NAMES
from search.query import whole_number
from search.watches import add_watch, list_watches, remove_watch

from . import forms, links, state

bp = Blueprint("watches", __name__)

CSRF_COOKIE = forms.COOKIE  # the old names
CSRF_FIELD = forms.FIELD
MULTI = FACET_NAMES
DATES = ("since", "until")


def run_link(watch) -> str:
    return links.search(watch.params())


@bp.get("/watches")
def watches_page():
    watches = list_watches(current_app.config["SETTINGS"].index_dir)
    saved = request.args.get("saved", "")
    number = whole_number(saved) if saved else None
    if saved and number is None:
        raise QueryError(f"saved must be the number of a saved search, not {saved[:20]!r}")
    return render_template("watches.html", watches=watches, run_link=run_link, args=None,
                           saved=number)


@bp.post("/watches")
def save_watch():
    forms.check_form()
    filters = {name: request.form.getlist(name) for name in MULTI}
    filters.update({name: request.form.get(name) for name in DATES})
    filters["entity_match"] = request.form.get("entity_match")
    settings = current_app.config["SETTINGS"]
    table = state.entity_table()
    watch = add_watch(settings.index_dir, request.form.get("q", ""), filters, settings,
                      table.resolve,
                      check=lambda r: check_entities(state.engine(), table, r.entities))
    return redirect(url_for(".watches_page", saved=watch.id), code=303)


@bp.post("/watches/<int:number>/remove")
def delete_watch(number: int):
    forms.check_form()
    if not remove_watch(current_app.config["SETTINGS"].index_dir, number):
        raise NotFound(f"there is no saved search number {number}")
    return redirect(url_for(".watches_page"), code=303)


def init_app(app: Flask) -> None:
    """Set up the forms' cross-site guard (``create_app`` registers ``bp``)."""
    forms.init_app(app)
