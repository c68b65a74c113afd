"""``newsfacet migrate`` copies a Whoosh index into Typesense as stored (issue 7)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from click.testing import CliRunner

from search.cli import cli
from search.engines import open_engine

from .conftest import ARTICLES, TYPESENSE_KEY

pytestmark = pytest.mark.typesense
HASHED = [replace(a, content_hash=f"hash-{a.id}") for a in ARTICLES]


def test_migrate_copies_every_article_as_stored_and_resumes(settings, typesense_settings):
    whoosh = open_engine(settings, create=True)
    whoosh.upsert(HASHED)
    whoosh.close()
    env = {"NEWSFACET_TYPESENSE_NODES": typesense_settings.typesense_nodes,
           "NEWSFACET_TYPESENSE_API_KEY": TYPESENSE_KEY, "NEWSFACET_ENGINE": None,
           "NEWSFACET_TYPESENSE_CONFIG": None}
    args = ["migrate", "--index", settings.index_dir, "--collection",
            typesense_settings.typesense_collection, "--json"]
    first = CliRunner().invoke(cli, args, env=env)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) == {"read": 4, "copied": 4, "unchanged": 0, "articles": 4,
                                        "from": "whoosh", "to": "typesense"}
    typesense = open_engine(typesense_settings)
    for article in HASHED:  # entities, dates, sources and body exactly as indexed
        assert typesense.get(article.id) == article
    again = CliRunner().invoke(cli, args, env=env)
    assert json.loads(again.stdout)["copied"] == 0 and json.loads(again.stdout)["articles"] == 4
    search = CliRunner().invoke(cli, ["search", "embassy", "--json"],
                                env={**env, "NEWSFACET_ENGINE": "typesense",
                                     "NEWSFACET_TYPESENSE_COLLECTION":
                                         typesense_settings.typesense_collection})
    assert search.exit_code == 0 and json.loads(search.stdout)["total"] == 2
    typesense.close()


def test_migrate_without_an_index_says_so(tmp_path, typesense_settings):
    result = CliRunner().invoke(cli, ["migrate", "--index", str(tmp_path / "none")],
                                env={"NEWSFACET_TYPESENSE_API_KEY": TYPESENSE_KEY,
                                     "NEWSFACET_TYPESENSE_NODES":
                                         typesense_settings.typesense_nodes})
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no index in")
