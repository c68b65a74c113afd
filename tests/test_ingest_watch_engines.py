"""Saved searches look only at the articles an update added, on every engine."""

from __future__ import annotations

import pytest

from search.config import Settings
from search.engines import open_engine
from search.watches import Watch, new_matches

from .conftest import ARTICLES


@pytest.mark.parametrize("name", ["whoosh", pytest.param("typesense", marks=pytest.mark.typesense)])
def test_new_matches_come_only_from_new_articles(request, tmp_path, name):
    settings = (Settings(index_dir=str(tmp_path / "index")) if name == "whoosh"
                else request.getfixturevalue("typesense_settings"))
    engine = open_engine(settings, create=True)
    try:
        engine.upsert(ARTICLES)
        watches = [Watch(1, "embassy", {}, ""), Watch(2, "", {"outlet": ("Reuters",)}, ""),
                   Watch(3, "militia", {}, "")]
        # a1 (newest) and a3 both mention the embassy; only a3 and a4 are new.
        found = new_matches(engine.search, watches, ["a3", "a4"], settings)
        assert [[h.id for h in m.hits] for m in found] == [["a3"], ["a3"], ["a4"]]
        # One new article: an engine ranking the whole index would show a2 first for
        # "militia" (newer than the undated a4) and miss a4.
        found = new_matches(engine.search, watches, ["a4"], settings)
        assert [[h.id for h in m.hits] for m in found] == [[], [], ["a4"]]
    finally:
        engine.close()
