"""Guards on the project's shape: engine isolation and the public API."""

from __future__ import annotations

import re

import search

from .conftest import ROOT


def test_only_engines_import_whoosh():
    offenders = []
    for folder in ("search", "web"):
        for path in (ROOT / folder).rglob("*.py"):
            if "engines" in path.parts:
                continue
            if re.search(r"^\s*(from|import) whoosh\b", path.read_text(encoding="utf-8"), re.M):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_core_knows_nothing_of_flask():
    for path in (ROOT / "search").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import) flask\b", text, re.M), path


def test_public_api_is_exported():
    assert sorted(search.__all__) == sorted(
        name for name in vars(search) if not name.startswith("_") and name[0].isupper())
