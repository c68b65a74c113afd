"""Entities: the table of known names (``table``: loading, validation and the matcher that
finds them in text), additions to it from the command line (``additions``), an entity's page
(``profile``), names the table lacks (``discovery``), a record's own entities (``given``) and
entity filters checked against the index and the table (``filter``).
"""

from __future__ import annotations

from .additions import Addition, add_entity
from .discovery import Suggestion, load_stopwords, suggest_entities
from .filter import check_entities, search_checked, unknown_entities
from .given import given_entities
from .profile import EntityProfile, build_profile, close_names
from .table import BUNDLED_TABLE, OVERLAY_NAME, EntityTable, load_table, normalise, overlay_path

__all__ = ["Addition", "BUNDLED_TABLE", "EntityProfile", "EntityTable", "OVERLAY_NAME",
           "Suggestion", "add_entity", "build_profile", "check_entities", "close_names",
           "given_entities", "load_stopwords", "load_table", "normalise", "overlay_path",
           "search_checked", "suggest_entities", "unknown_entities"]
