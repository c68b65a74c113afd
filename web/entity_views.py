"""Entity pages: ``/entity/<name>`` and its JSON twin ``/api/entities/<name>``.

A name or alias (any case) resolves to the canonical entity; the profile itself is built in the
core (``search.entity_profile``) from one engine search, so these views only render it.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from werkzeug.datastructures import MultiDict

from search.entities.profile import EntityProfile, build_profile
from search.errors import EntityNotFound
from search.models import SearchRequest, SearchResults

from . import links, state
from .sidebar import ENTITY_GROUPS
from .timeline import build_timeline

bp = Blueprint("entities", __name__)

TYPE_LABELS = {"group": "armed group", "person": "person", "org": "organisation", "place": "place"}


def _profile(name: str) -> EntityProfile:
    return build_profile(state.engine(), state.entity_table(), name)


def _related_groups(profile: EntityProfile) -> list[tuple[str, str, list]]:
    """Return the co-mentioned entities by type, armed groups first, as (key, title, values)."""
    out = []
    for key, title in ENTITY_GROUPS:
        values = [v for v in profile.related if (v.type if v.type in TYPE_LABELS else None) == key]
        if values:
            out.append((key or "other", title, values))
    return out


@bp.get("/entity/<text:name>")
def entity_page(name: str):
    try:
        profile = _profile(name)
    except EntityNotFound as exc:
        body = render_template("entity_missing.html", name=name, message=str(exc),
                               suggestions=exc.suggestions, links=links)
        return body, 404
    args = MultiDict([("entity", profile.entity.name)])
    months = SearchResults(SearchRequest(), profile.total, (), {"month": profile.months})
    return render_template(
        "entity.html", profile=profile, entity=profile.entity, links=links, args=None,
        search_args=args, type_label=TYPE_LABELS.get(profile.entity.type, profile.entity.type),
        related_groups=_related_groups(profile), timeline=build_timeline(months, args))


@bp.get("/api/entities/<text:name>")
def entity_json(name: str):
    return jsonify(_profile(name).to_dict())
