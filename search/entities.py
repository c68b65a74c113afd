"""Entities from clean text, resolved through the alias table (placeholder: no matches)."""

from __future__ import annotations

from pathlib import Path

from .models import Entity


class EntityTable:
    """Canonical entities with types and aliases, matched on word boundaries."""

    def __init__(self, entries: list[dict] | None = None) -> None:
        self.entries = entries or []
        self.fingerprint = "empty"

    @classmethod
    def load(cls, path: str | Path | None = None) -> EntityTable:
        return cls()

    def find(self, title: str | None, body: str) -> tuple[Entity, ...]:
        return ()

    def resolve(self, name: str) -> Entity | None:
        return None
