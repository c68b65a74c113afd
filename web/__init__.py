"""The Flask front end: ``create_app(test_config=None)`` builds the app, flaskr-style."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from search.config import Settings
from search.facets import FACET_NAMES
from search.models import ENTITY_TYPES

from . import (api, display, entity_views, errors, hosts, limits, routing, security, state, views,
               watches)

logger = logging.getLogger(__name__)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Return the newsfacet web app; ``test_config`` may carry ``SETTINGS`` or ``INDEX``, and
    ``BIND`` (host, port), the address ``newsfacet serve`` listens on (for the Host check)."""
    app = Flask(__name__)
    app.config.from_mapping(JSON_SORT_KEYS=False)
    if test_config:
        app.config.update(test_config)
    settings = app.config.get("SETTINGS")
    if settings is None:
        settings = Settings.from_env(index_dir=app.config.get("INDEX"))
    app.config["SETTINGS"] = settings
    if isinstance(app.json, DefaultJSONProvider):  # Flask's own, as created above
        app.json.ensure_ascii = False
        app.json.sort_keys = False

    state.init_app(app)
    errors.init_app(app)
    limits.init_app(app)  # first: an over-long request or a name not ours gets no further
    hosts.init_app(app)
    security.init_app(app)
    routing.init_app(app)  # before the blueprints: their routes use its converters
    app.register_blueprint(views.bp)
    app.register_blueprint(api.api)
    app.register_blueprint(entity_views.bp)
    app.register_blueprint(watches.bp)
    watches.init_app(app)
    app.jinja_env.filters["snippet"] = views.snippet_filter
    app.jinja_env.filters["num"] = display.thousands
    app.jinja_env.filters["date_source"] = display.date_source
    app.jinja_env.globals["facet_params"] = FACET_NAMES
    app.jinja_env.globals["entity_types"] = ENTITY_TYPES
    return app


__all__ = ["create_app"]
