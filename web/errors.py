"""Maps core errors and HTTP errors to error.html (or JSON under /api) with the right status."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import BadHost, HTTPException

from search.errors import HTTP_STATUS, SearchError, error_details, status_of

from .display import error_title

logger = logging.getLogger(__name__)

STATUS = HTTP_STATUS  # the old name


def _respond(status: int, title: str, message: str, **extra):
    if request.path.startswith("/api/") or request.path == "/healthz":
        return jsonify({"error": {"status": status, "title": title, "message": message,
                                  **extra}}), status
    if isinstance(request.routing_exception, BadHost):
        # Werkzeug could not read the Host (an overlong or empty label), so Flask has no URL
        # adapter and the page's url_for calls would fail: plain text instead.
        return Response(f"{status} {title}: {message}\n", status=status, mimetype="text/plain")
    return render_template("error.html", status=status, title=error_title(title),
                           message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(SearchError)
    def handle_search_error(exc: SearchError):
        return _respond(status_of(exc), type(exc).__name__, str(exc), **error_details(exc))

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):
        response = app.make_response(_respond(exc.code or 500, exc.name,
                                              exc.description or exc.name))
        # The exception's own headers (Allow of a 405, Retry-After, ...) stay on the answer.
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        logger.exception("unexpected error on %s", request.path)
        return _respond(500, "Internal error", "Something went wrong on our side; it was logged.")
