"""The cross-site guard of our forms: a token signed with a server-side secret.

Each visitor gets a random value in a ``SameSite=Strict``, ``HttpOnly`` cookie; the form carries
``HMAC(secret, cookie)``. Comparing the form with the cookie alone (a plain double-submit) is not
enough on 127.0.0.1: cookies are not kept apart by port, so a page served from another port of
the same host can set our cookie to a value of its choice and post that same value (cookie
tossing). It cannot post the signature of its value without the secret, which never leaves the
server. (Origin cannot be checked instead: with ``Referrer-Policy: no-referrer`` browsers send
``Origin: null`` on form posts.)

The secret is Flask's ``SECRET_KEY`` when one is configured, else 32 random bytes made by
``create_app``. ``newsfacet serve`` builds the app before gunicorn forks its workers, so every
worker holds the same secret; a restart makes a new one, and a page loaded before it asks to be
reloaded.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from flask import Flask, current_app, g, request
from werkzeug.exceptions import BadRequest

COOKIE = "newsfacet_form"
FIELD = "form_token"
_NONCE_CHARS = 43  # secrets.token_urlsafe(32)
_CONTEXT = b"newsfacet-form:"


class FormExpired(BadRequest):
    """400 for a form post whose token does not match this visitor's cookie."""

    description = ("this form has expired or did not come from this site: "
                   "reload the page and try again")


def _well_formed(nonce: str) -> bool:
    return len(nonce) == _NONCE_CHARS and nonce.replace("-", "").replace("_", "").isalnum() \
        and nonce.isascii()


def _sign(nonce: str) -> str:
    key = current_app.config["SECRET_KEY"]
    key = key.encode("utf-8") if isinstance(key, str) else key
    digest = hmac.new(key, _CONTEXT + nonce.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def form_token() -> str:
    """Return the token this visitor's forms carry (a new cookie is set with the response)."""
    if "form_token" not in g:
        nonce = request.cookies.get(COOKIE, "")
        if not _well_formed(nonce):
            nonce = secrets.token_urlsafe(32)
            g.new_form_nonce = nonce
        g.form_token = _sign(nonce)
    return g.form_token


def check_form() -> None:
    """Raise ``FormExpired`` unless the posted token is the signature of the visitor's cookie."""
    nonce = request.cookies.get(COOKIE, "")
    sent = request.form.get(FIELD, "")
    if not _well_formed(nonce) or not sent.isascii() \
            or not hmac.compare_digest(_sign(nonce).encode("ascii"), sent.encode("ascii")):
        raise FormExpired()


def _set_cookie(response):
    nonce = g.get("new_form_nonce")
    if nonce:
        response.set_cookie(COOKIE, nonce, httponly=True, samesite="Strict",
                            secure=request.is_secure)
    return response


def init_app(app: Flask) -> None:
    """Give the app a secret (unless configured), templates ``form_token()``, and send cookies."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secrets.token_bytes(32)
    app.jinja_env.globals["form_token"] = form_token
    app.after_request(_set_cookie)
