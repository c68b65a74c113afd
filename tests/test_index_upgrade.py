"""An index made by an older newsfacet (schema 1: no agency, no story) opens, searches and is
brought up to date by indexing its sources again; never a crash."""

from __future__ import annotations

import hashlib
import json
import os
import shutil

from whoosh import index
from whoosh.fields import Schema

from search.cli import cli
from search.engines.whoosh.engine import build_schema, document
from search.models import Article

from .conftest import SEEDS

NEW_FIELDS = ("agency", "story")


def old_index(path, source: str) -> None:
    fields = {name: field for name, field in build_schema().items() if name not in NEW_FIELDS}
    path.mkdir(parents=True)
    ix = index.create_in(str(path), Schema(**fields))
    writer = ix.writer()
    # as pipeline.article_id
    doc_id = hashlib.sha1(os.path.abspath(source).encode()).hexdigest()[:16]
    article = Article(id=doc_id, source=source, title="Embassy staff leave",
                      body="Staff left the embassy in Baghdad. (Reporting by A; Editing by B)",
                      content_hash="from-version-1")
    doc = {k: v for k, v in document(article).items() if k not in NEW_FIELDS}
    writer.add_document(**doc)
    writer.commit()
    ix.close()
    (path / "newsfacet.json").write_text(json.dumps({"schema_version": 1, "last_update": None}))


def test_old_index_is_searchable_then_reindexed(runner, tmp_path):
    path = tmp_path / "ix"
    folder = tmp_path / "src"
    folder.mkdir()
    shutil.copy(SEEDS / "003_56f73b1ed947ec56.txt", folder / "a.txt")
    old_index(path, str(folder / "a.txt"))

    result = runner.invoke(cli, ["search", "embassy", "--index", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["total"] == 1 and data["facets"]["agency"] == []
    assert data["hits"][0]["story"] is None

    result = runner.invoke(cli, ["index", str(folder), "--index", str(path), "--json"])
    assert result.exit_code == 0, result.output
    # PIPELINE_VERSION changed, so the article is processed again even though its file did not
    assert json.loads(result.stdout)["updated"] == 1
    data = json.loads(runner.invoke(cli, ["search", "embassy", "--index", str(path),
                                          "--agency", "Reuters", "--json"]).stdout)
    assert [h["agency"] for h in data["hits"]] == ["Reuters"] and data["total"] == 1
    assert json.loads((path / "newsfacet.json").read_text())["schema_version"] == 2
