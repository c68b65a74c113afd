"""Saved searches on the web: the search page's "Save this search" form posts here, and
``/watches`` lists them (each with a link to run it and a button to remove it).

The forms work without JavaScript. Posts are guarded against cross-site requests by a
double-submit token: a random value in a ``SameSite=Strict``, ``HttpOnly`` cookie must come
back in the form (Origin cannot be checked: with ``Referrer-Policy: no-referrer`` browsers
send ``Origin: null`` on form posts). The access token, when one is set, still applies.
"""

from __future__ import annotations

import hmac
import secrets
from flask import Blueprint, Flask, current_app, g, redirect, render_template, request, url_for
from werkzeug.exceptions import BadRequest, NotFound

from search.entities.filter import check_entities
from search.errors import QueryError
from search.facets import FACET_NAMES
from search.query import whole_number
from search.watches import add_watch, list_watches, remove_watch

from . import links, state

bp = Blueprint("watches", __name__)

CSRF_COOKIE = "newsfacet_form"
CSRF_FIELD = "form_token"
MULTI = FACET_NAMES
DATES = ("since", "until")


def form_token() -> str:
    """Return this visitor's form token (a new one is set as a cookie with the response)."""
    if "form_token" not in g:
        given = request.cookies.get(CSRF_COOKIE, "")
        if len(given) == 43 and given.replace("-", "").replace("_", "").isalnum():
            g.form_token = given
        else:
            g.form_token = secrets.token_urlsafe(32)
            g.new_form_token = True
    return g.form_token


def _set_cookie(response):
    if g.get("new_form_token"):
        response.set_cookie(CSRF_COOKIE, g.form_token, httponly=True, samesite="Strict",
                            secure=request.is_secure)
    return response


def _check_form() -> None:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = request.form.get(CSRF_FIELD, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), sent.encode()):
        raise BadRequest("this form has expired or did not come from this site: "
                         "reload the page and try again")


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
    _check_form()
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
    _check_form()
    if not remove_watch(current_app.config["SETTINGS"].index_dir, number):
        raise NotFound(f"there is no saved search number {number}")
    return redirect(url_for(".watches_page"), code=303)


def init_app(app: Flask) -> None:
    """Give templates the form token and send its cookie (``create_app`` registers ``bp``)."""
    app.jinja_env.globals["form_token"] = form_token
    app.after_request(_set_cookie)
