"""Response hardening for the web front end: security headers and an optional access token.

Headers go on every response, pages, JSON, static files and error pages alike. When
``Settings.access_token`` is set (env NEWSFACET_ACCESS_TOKEN), every route but /healthz asks
for ``Authorization: Bearer <token>`` or ``?token=<token>``; a good ``?token=`` also sets a
cookie, so links on the page keep working without carrying the token.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote, urlencode

from flask import Flask, Response, current_app, redirect, request
from werkzeug.exceptions import BadRequest, Unauthorized

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
OPEN_PATHS = ("/healthz",)
COOKIE = "newsfacet_token"
# The cookie holds a digest of the token, not the token itself.
_COOKIE_SALT = b"newsfacet-cookie:"


class TokenRequired(Unauthorized):
    """401 for a missing or wrong access token."""

    description = ("this newsfacet server needs an access token: send the header "
                   "'Authorization: Bearer <token>' or add ?token=<token> to the URL")


def _cookie_value(token: str) -> str:
    return hashlib.sha256(_COOKIE_SALT + token.encode("utf-8")).hexdigest()


def _same(given: str | None, expected: str) -> bool:
    """Compare in constant time (as bytes: compare_digest refuses non-ASCII str)."""
    if not given:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"),
                               expected.encode("utf-8", "surrogatepass"))


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    try:  # WSGI hands header bytes over as latin-1; a UTF-8 token arrives as mojibake
        return value.strip().encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value.strip()


def check_query_string():
    """Before each request: refuse raw non-UTF-8 bytes in the query string with a 400.

    Werkzeug decodes ``request.args`` strictly, so such bytes (sent unescaped by a careless
    client; percent-escapes are fine) would otherwise fail deep inside a view as a 500.
    """
    try:
        request.query_string.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the query string is not valid UTF-8: percent-encode the URL's "
                         "parameters (e.g. ?q=caf%C3%A9)") from None


def check_token():
    """Before each request: let it through, set the cookie and redirect, or refuse with 401."""
    token = current_app.config["SETTINGS"].access_token
    if not token or request.path in OPEN_PATHS:
        return None
    if _same(_bearer(), token) or _same(request.cookies.get(COOKIE), _cookie_value(token)):
        return None
    if _same(request.args.get("token"), token):
        # Drop the token from the address bar (and from history and logs of later requests).
        args = [(k, v) for k, v in request.args.items(multi=True) if k != "token"]
        # The path quoted again: decoded, it may hold a CR or LF, which no header can carry.
        target = quote(request.script_root + request.path, safe="/") \
            + (f"?{urlencode(args)}" if args else "")
        response = redirect(target, code=303)
        response.set_cookie(COOKIE, _cookie_value(token), httponly=True, samesite="Strict",
                            secure=request.is_secure)
        return response
    raise TokenRequired()


def _relative(location: str) -> str:
    """Return ``location`` without our scheme and host when it points here (Werkzeug's
    slash-merging redirect writes the request's Host into it)."""
    origin = request.host_url.rstrip("/")
    if location.startswith(origin + "/"):
        # one leading slash: "//evil.example/x" would be read as another host
        return "/" + location[len(origin):].lstrip("/")
    return location


def add_headers(response: Response) -> Response:
    """After each request (errors included): add the security headers; make a Location to
    this server relative."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if "Location" in response.headers:
        response.headers["Location"] = _relative(response.headers["Location"])
    if response.status_code == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="newsfacet"')
    return response


def init_app(app: Flask) -> None:
    """Register the security hooks on the app."""
    app.before_request(check_query_string)
    app.before_request(check_token)
    app.after_request(add_headers)
