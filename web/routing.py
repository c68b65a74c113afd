"""URL converters: an article id or an entity name goes into a URL quoted whole.

Werkzeug's converters leave ``/ : @ & ' ( ) …`` as they are when building a URL; an id or a
name is text written by strangers, so every character but letters, digits and ``_.-~`` is
percent-encoded, and one value never splits into two path segments or reads as a query.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Flask
from werkzeug.routing import BaseConverter, PathConverter


class SegmentConverter(BaseConverter):
    """One path segment (no ``/``), as the default converter, built fully quoted."""

    def to_url(self, value: object) -> str:
        return quote(str(value), safe="")


class TextConverter(PathConverter):
    """Any text, slashes included (as ``path``), built fully quoted."""

    def to_url(self, value: object) -> str:
        return quote(str(value), safe="")


def init_app(app: Flask) -> None:
    """Register the converters; routes use them as ``<segment:id>`` and ``<text:name>``."""
    app.url_map.converters["segment"] = SegmentConverter
    app.url_map.converters["text"] = TextConverter
