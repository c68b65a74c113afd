"""Entities: the table of known names (``table``: loading, validation and the matcher that
finds them in text), additions to it from the command line (``additions``), an entity's page
(``profile``) and names the table lacks (``discovery``).
"""

from __future__ import annotations

from .additions import Addition, add_entity
from .discovery import Suggestion, load_stopwords, suggest_entities
from .profile import EntityProfile, build_profile, close_names
from .table import BUNDLED_TABLE, OVERLAY_NAME, EntityTable, load_table, normalise, overlay_path

__all__ = ["Addition", "BUNDLED_TABLE", "EntityProfile", "EntityTable", "OVERLAY_NAME",
           "Suggestion", "add_entity", "build_profile", "close_names", "load_stopwords",
           "load_table", "normalise", "overlay_path", "suggest_entities"]
