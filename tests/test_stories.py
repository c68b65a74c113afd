"""Story ids: one wire story as three sites published it (different chrome, headline, a trimmed
paragraph, a light rewrite) shares one id and collapses into one card, in the CLI JSON, the API
and the web page; two other stories on the same topic do not. Ids are stable across runs and
follow additions, updates and removals."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from search.cli import cli
from search.stories import fingerprint, jaccard, shingles

STORIES = Path(__file__).parent / "data" / "stories"
COPIES = {"gulf_ledger.html", "meridian_daily.html", "levant_post.txt"}
OTHERS = {"militia_analysis.html", "protest_report.txt"}


def run(runner, *args):
    result = runner.invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def hits(runner, index, *args) -> list[dict]:
    out = run(runner, "search", *args, "--index", index, "--json", "--limit", "50")
    return json.loads(out.stdout)["hits"]


def stories_by_file(runner, index) -> dict[str, str]:
    return {Path(h["source"]).name: h["story"] for h in hits(runner, index)}


@pytest.fixture
def corpus(tmp_path) -> Path:
    target = tmp_path / "stories"
    shutil.copytree(STORIES, target)
    return target


@pytest.fixture
def stories_index(runner, corpus, tmp_path) -> Path:
    """An index of the story corpus (conftest's ``indexed`` holds the seeds)."""
    index = tmp_path / "ix"
    run(runner, "index", corpus, "--index", index)
    return index


def test_short_bodies_have_no_fingerprint():
    assert fingerprint("Shr 10 cts vs 5 cts. Net 1,000 vs 500. Reuter") is None
    body = (STORIES / "protest_report.txt").read_text()
    assert jaccard(shingles(body), shingles(body)) == 1.0


def test_three_copies_share_a_story_and_the_others_do_not(runner, stories_index):
    by_file = stories_by_file(runner, stories_index)
    assert len({by_file[name] for name in COPIES}) == 1
    assert len({by_file[name] for name in OTHERS} | {by_file["gulf_ledger.html"]}) == 3
    copies = {Path(h["source"]).name: h["copies"] for h in hits(runner, stories_index)}
    assert copies == {**dict.fromkeys(COPIES, 3), **dict.fromkeys(OTHERS, 1)}


def test_collapse_in_cli_json(runner, stories_index):
    data = json.loads(run(runner, "search", "Baghdad", "--collapse", "--json",
                          "--index", stories_index).stdout)
    assert (data["total"], data["articles"], data["collapse"]) == (3, 5, True)
    names = [Path(h["source"]).name for h in data["hits"]]
    assert len(names) == 3 and set(names) >= OTHERS
    card = next(h for h in data["hits"] if Path(h["source"]).name in COPIES)
    assert card["copies"] == 3
    assert {Path(c["source"]).name for c in card["also_in"]} == COPIES - {Path(card["source"]).name}
    # facet counts still count articles
    outlets = {v["value"]: v["count"] for v in data["facets"]["outlet"]}
    assert outlets["Meridian Daily"] == 2
    flat = json.loads(run(runner, "search", "Baghdad", "--json", "--index", stories_index).stdout)
    assert (flat["total"], flat["collapse"], len(flat["hits"])) == (5, False, 5)


def test_collapse_text_output_names_other_outlets(runner, stories_index):
    out = run(runner, "search", "drone strike Mashtal", "--collapse",
              "--index", stories_index).output
    assert re.search(r"\d stor(y|ies) \(\d articles\) match", out)
    assert "3 copies · also in:" in out


def test_collapsed_pages_hold_one_hit_per_story(runner, stories_index):
    seen = []
    for page in (1, 2, 3):
        data = json.loads(run(runner, "search", "--collapse", "--json", "--limit", "1",
                              "--page", page, "--index", stories_index).stdout)
        assert data["total"] == 3
        seen += [h["story"] for h in data["hits"]]
    assert len(seen) == 3 == len(set(seen))


@pytest.fixture
def app_for(stories_index):
    from search.config import Settings
    from web import create_app

    return create_app({"TESTING": True, "SETTINGS": Settings(index_dir=str(stories_index))})


def test_collapse_in_the_api(app_for):
    client = app_for.test_client()
    data = client.get("/api/search?q=Baghdad&collapse=1").get_json()
    assert (data["total"], data["articles"], len(data["hits"])) == (3, 5, 3)
    assert client.get("/api/search?q=Baghdad").get_json()["total"] == 5  # API default: off
    bad = client.get("/api/search?collapse=maybe")
    assert (bad.status_code == 400
            and "collapse must be 1 or 0" in bad.get_json()["error"]["message"])


def test_the_page_collapses_by_default_with_also_in(app_for):
    client = app_for.test_client()
    page = client.get("/search?q=Baghdad").get_data(as_text=True)
    assert page.count('<li class="hit">') == 3
    assert "<strong>5</strong> articles match" in page and ">3</strong> stories" in page
    also = re.search(r'<p class="also-in">(.*?)</p>', page, re.S).group(1)
    assert "3 copies" in also
    outlets = re.findall(r'<a href="/article/[^"]+">([^<]+)</a>', also)
    assert len(outlets) == 2 and set(outlets) <= {"The Gulf Ledger", "Meridian Daily",
                                                  "Levant Post"}
    assert "collapse=0" in page  # the way to see every copy
    flat = client.get("/search?q=Baghdad&collapse=0").get_data(as_text=True)
    assert flat.count('<li class="hit">') == 5
    # sorting and the filter form keep the choice
    assert 'name="collapse" value="0"' in flat
    assert re.search(r'<a href="/search\?[^"]*collapse=0[^"]*">newest</a>', flat)


def test_story_ids_are_stable_across_runs_and_fresh_builds(runner, corpus, stories_index, tmp_path):
    before = stories_by_file(runner, stories_index)
    report = json.loads(run(runner, "index", corpus, "--index", stories_index, "--json").stdout)
    assert report["unchanged"] == 5
    assert stories_by_file(runner, stories_index) == before
    fresh = tmp_path / "fresh"
    run(runner, "index", corpus, "--index", fresh)
    assert stories_by_file(runner, fresh) == before


def index_all_but(runner, corpus, tmp_path, name: str) -> tuple[Path, Path]:
    """Index the corpus without the file ``name``; return the index and a folder holding it."""
    index = tmp_path / "ix"
    later = tmp_path / "later"
    later.mkdir()
    shutil.move(corpus / name, later / name)
    run(runner, "index", corpus, "--index", index)
    return index, later


def test_an_article_added_later_joins_the_existing_story(runner, corpus, tmp_path):
    index, later = index_all_but(runner, corpus, tmp_path, "levant_post.txt")
    story = stories_by_file(runner, index)["gulf_ledger.html"]
    report = json.loads(run(runner, "index", later, "--index", index, "--json").stdout)
    assert report["merged_into_stories"] == 1
    assert stories_by_file(runner, index)["levant_post.txt"] == story


def test_a_sidecar_of_the_earlier_layout_keeps_its_stories(runner, corpus, tmp_path):
    """Band keys of sidecars made before session 8 (a table with row ids and an index on the
    key) are moved to the keyed table on opening, not fingerprinted again."""
    index, later = index_all_but(runner, corpus, tmp_path, "levant_post.txt")
    story = stories_by_file(runner, index)["gulf_ledger.html"]
    with sqlite3.connect(index / "stories.sqlite") as db:
        db.executescript("""
            CREATE TABLE old_bands (key INTEGER NOT NULL, row INTEGER NOT NULL);
            INSERT INTO old_bands SELECT key, row FROM bands;
            DROP TABLE bands;
            ALTER TABLE old_bands RENAME TO bands;
            CREATE INDEX bands_by_key ON bands (key);""")
        left = db.execute("SELECT COUNT(*) FROM bands").fetchone()[0]
    report = json.loads(run(runner, "index", later, "--index", index, "--json").stdout)
    assert report["merged_into_stories"] == 1
    assert stories_by_file(runner, index)["levant_post.txt"] == story
    with sqlite3.connect(index / "stories.sqlite") as db:
        table = db.execute("SELECT sql FROM sqlite_master WHERE name = 'bands'").fetchone()[0]
        assert "WITHOUT ROWID" in table.upper()
        assert db.execute("SELECT COUNT(*) FROM bands").fetchone()[0] == left + 20  # levant_post's


def test_a_lost_sidecar_is_rebuilt_from_the_index(runner, corpus, tmp_path):
    index, later = index_all_but(runner, corpus, tmp_path, "meridian_daily.html")
    (index / "stories.sqlite").unlink()  # e.g. killed between a commit and the sidecar's save
    run(runner, "index", later, "--index", index)
    by_file = stories_by_file(runner, index)
    assert by_file["meridian_daily.html"] == by_file["gulf_ledger.html"]


def test_updates_and_removals_leave_no_stale_story(runner, corpus, stories_index):
    story = stories_by_file(runner, stories_index)["gulf_ledger.html"]
    # a light edit keeps the article in its story
    page = corpus / "meridian_daily.html"
    page.write_text(page.read_text().replace("Analysts said", "Several analysts said"))
    run(runner, "index", corpus, "--index", stories_index)
    assert stories_by_file(runner, stories_index)["meridian_daily.html"] == story
    # rewritten into another story: a new id, and the others count one copy less
    page.write_text((STORIES / "militia_analysis.html").read_text()
                    .replace("this week", "on Wednesday").replace("Why Baghdad", "How Baghdad"))
    run(runner, "index", corpus, "--index", stories_index)
    by_file = stories_by_file(runner, stories_index)
    assert by_file["meridian_daily.html"] not in (story, None)
    assert by_file["meridian_daily.html"] == by_file["militia_analysis.html"]
    copies = {Path(h["source"]).name: h["copies"] for h in hits(runner, stories_index)}
    assert copies["gulf_ledger.html"] == copies["levant_post.txt"] == 2
    # removed: one copy left
    levant = next(h["id"] for h in hits(runner, stories_index)
                  if h["source"].endswith("levant_post.txt"))
    run(runner, "remove", levant, "--index", stories_index)
    copies = {Path(h["source"]).name: h["copies"] for h in hits(runner, stories_index)}
    assert copies["gulf_ledger.html"] == 1


def test_batches_read_earlier_stories_without_building_the_search_arrays(runner, corpus,
                                                                         tmp_path, monkeypatch):
    """An article is checked against the stories of articles committed in earlier batches by
    reading their stored bodies; that must not build the facet and length arrays of the whole
    index at every batch (a cost in proportion to the index, paid once per batch: quadratic
    in the corpus). They are built once, to be saved for readers after the last commit."""
    from search import indexing
    from search.engines.whoosh import docs

    monkeypatch.setattr(indexing, "BATCH_SIZE", 1)  # every article a commit of its own
    built = []
    original = docs.DocSets.__init__

    def counting(self, *args, **kwargs):
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(docs.DocSets, "__init__", counting)
    run(runner, "index", corpus, "--index", tmp_path / "ix")
    assert len(built) == 1
    stories = stories_by_file(runner, tmp_path / "ix")
    assert len({stories[name] for name in COPIES}) == 1
    assert len({stories[name] for name in COPIES | OTHERS}) == 3
