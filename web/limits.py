"""Request size limits the app enforces itself, so that even these refusals carry our headers
and say what to do.

gunicorn (web/server.py) is set to limits a little above these: a request line or header it
would refuse with its own bare 414 or 431 page reaches the app first, which answers with
``error.html`` or JSON, the security headers and a message.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Flask, request
from werkzeug.exceptions import RequestHeaderFieldsTooLarge, RequestURITooLarge

# A 10,000-character query (Settings.max_query_chars) is up to 120,000 bytes in a URL (a
# 4-byte character is 12 once percent-encoded), with room for filters beside it.
MAX_URI_BYTES = 256 * 1024
# Headers: as many and as long as gunicorn's own defaults allow, a total well past what a
# browser sends (a long Cookie header on localhost, where every local app's cookies pile up).
MAX_HEADER_FIELDS = 100
MAX_HEADER_FIELD_BYTES = 16 * 1024
MAX_HEADER_BYTES = 64 * 1024
# What gunicorn is told: a little above ours, so the app sees and refuses what lies between.
# gunicorn caps a request line limit at 8,190 bytes, too short for a pasted query, so it is 0:
# no limit in gunicorn's own parser (1 MB with its optional C parser); the app's holds.
GUNICORN_LIMITS = {
    "limit_request_line": 0,
    "limit_request_fields": MAX_HEADER_FIELDS + 20,
    "limit_request_field_size": MAX_HEADER_FIELD_BYTES + 4096,
}


class URITooLong(RequestURITooLarge):
    description = (f"the address is longer than {MAX_URI_BYTES:,} bytes: shorten the query "
                   "or use fewer filters")


class HeadersTooLarge(RequestHeaderFieldsTooLarge):
    description = (f"the request's headers are too large (at most {MAX_HEADER_FIELDS} fields "
                   f"of {MAX_HEADER_FIELD_BYTES:,} bytes, {MAX_HEADER_BYTES:,} in all): "
                   "clear the cookies of this site and try again")


def _uri_bytes(environ: dict) -> int:
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw is None:
        path = environ.get("PATH_INFO", "").encode("latin-1", "replace").decode("latin-1")
        raw = quote(path, safe="/") + "?" + environ.get("QUERY_STRING", "")
    return len(raw)


def check_limits() -> None:
    """Before each request: refuse an over-long address (414) or over-large headers (431)."""
    environ = request.environ
    if _uri_bytes(environ) > MAX_URI_BYTES:
        raise URITooLong()
    fields = [(k, v) for k, v in environ.items()
              if k.startswith("HTTP_") or k in ("CONTENT_TYPE", "CONTENT_LENGTH")]
    sizes = [len(k) + len(v) for k, v in fields if isinstance(v, str)]
    if len(fields) > MAX_HEADER_FIELDS or any(size > MAX_HEADER_FIELD_BYTES for size in sizes) \
            or sum(sizes) > MAX_HEADER_BYTES:
        raise HeadersTooLarge()


def init_app(app: Flask) -> None:
    app.before_request(check_limits)
