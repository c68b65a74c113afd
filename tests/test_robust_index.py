"""Issue 19, the index and its files: a damaged index answers with one clear error (CLI exit 1,
web 503) and `newsfacet check` finds what the readers cannot see; `index --rebuild` mends it."""

from __future__ import annotations

import json
import random
import shutil
import string
from pathlib import Path

import pytest

from search.config import Settings
from search.engines import open_engine
from search.models import Article

from .conftest import SEEDS, run

# Enough articles for one segment well over the 200 KB of zeros written into it below.
ARTICLES = 150


def _articles() -> list[Article]:
    rng = random.Random(19)
    vocab = ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 9)))
             for _ in range(3000)]
    out = []
    for n in range(ARTICLES):
        sentences = [" ".join(rng.choice(vocab) for _ in range(12)).capitalize()
                     for _ in range(12)]
        out.append(Article(id=f"art-{n}", source=f"gen/{n}.txt",
                           title=f"Report {n} " + " ".join(rng.choice(vocab) for _ in range(4)),
                           body=". ".join(sentences) + "."))
    return out


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pristine") / "index"
    engine = open_engine(Settings(index_dir=str(folder)), create=True)
    engine.upsert(_articles())
    engine.prepare()
    engine.close()
    return folder


@pytest.fixture
def index(pristine, tmp_path) -> Path:
    """A fresh copy of an index of ARTICLES articles in one segment."""
    return Path(shutil.copytree(pristine, tmp_path / "index"))


def _segment(folder: Path) -> Path:
    (segment,) = folder.glob("MAIN_*.seg")
    return segment


def truncate(folder: Path) -> str:
    segment = _segment(folder)
    with segment.open("r+b") as stream:
        stream.truncate(segment.stat().st_size // 2)
    return segment.name


def zero(folder: Path) -> str:
    """Write 200 KB of zeros into the middle of the segment (same size)."""
    segment = _segment(folder)
    data = bytearray(segment.read_bytes())
    start = len(data) // 3
    assert len(data) > start + 200_000
    data[start:start + 200_000] = bytes(200_000)
    segment.write_bytes(bytes(data))
    return segment.name


def garbage_toc(folder: Path) -> str:
    (toc,) = folder.glob("_MAIN_*.toc")
    toc.write_bytes(b"garbage " * 100)
    return toc.name


def without_checksums(damage):
    """The damage done to an index written before checksums were recorded."""
    def damage_old(folder: Path) -> str:
        (folder / "newsfacet-checksums.json").unlink()
        return damage(folder)
    damage_old.__name__ = f"{damage.__name__}_unrecorded"
    return damage_old


# The damage every reader must notice: the zeroed segment is `check`'s to find (below).
LOUD = [truncate, garbage_toc, without_checksums(truncate), without_checksums(garbage_toc)]
COMMANDS = [("search", "report"), ("search",), ("stats",), ("show", "art-3"), ("remove", "art-3"),
            ("index", str(SEEDS))]


def _assert_damage_line(result, folder: Path) -> None:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Error: the index in {folder}/ is damaged (")
    assert f"`newsfacet index --rebuild --index {folder} PATH…`" in lines[0]
    assert "Traceback" not in result.output and "Aborted" not in result.output


@pytest.mark.parametrize("damage", LOUD, ids=lambda d: d.__name__)
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_cli_names_a_damaged_index_and_how_to_rebuild_it(runner, index, damage, command):
    damage(index)
    result = runner.invoke(_cli(), [*command, "--index", str(index)])
    _assert_damage_line(result, index)
    assert result.stdout == ""  # no results, right or wrong


def test_json_commands_report_the_damage_as_one_json_error(runner, index):
    truncate(index)
    result = runner.invoke(_cli(), ["search", "report", "--json", "--index", str(index)])
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert (error["status"], error["title"]) == (503, "IndexCorrupt")
    assert "--rebuild" in error["message"]


ROUTES = ["/", "/search?q=report", "/api/search?q=report", "/api/search?q=report&format=csv",
          "/article/art-3", "/api/articles/art-3", "/entity/Iraq", "/healthz"]


@pytest.mark.parametrize("damage", LOUD, ids=lambda d: d.__name__)
def test_every_route_answers_503_with_the_message(index, damage):
    from web import create_app

    damage(index)
    client = create_app({"TESTING": True, "SETTINGS": Settings(index_dir=str(index))}).test_client()
    for route in ROUTES:
        response = client.get(route)
        assert response.status_code == 503, route
        text = response.get_data(as_text=True)
        assert "is damaged" in text and "--rebuild" in text, route
    health = client.get("/healthz").get_json()
    assert health["status"] == "damaged"
    assert health["message"].startswith(f"the index in {index}/ is damaged")


def test_check_finds_the_zeroed_segment(runner, index):
    name = zero(index)
    result = runner.invoke(_cli(), ["check", "--index", str(index)])
    assert result.exit_code == 1
    assert f"  {name}: damaged: its SHA-256 differs from the one recorded when it was written" \
        in result.stdout.splitlines()
    _assert_damage_line(result, index)


@pytest.mark.parametrize("damage", [truncate, zero, garbage_toc, without_checksums(truncate),
                                    without_checksums(zero), without_checksums(garbage_toc)],
                         ids=lambda d: d.__name__)
def test_check_names_the_damaged_file(runner, index, damage):
    name = damage(index)
    result = runner.invoke(_cli(), ["check", "--index", str(index)])
    _assert_damage_line(result, index)
    problems = [line.strip() for line in result.stdout.splitlines() if line.startswith("  ")]
    assert problems and all(p.startswith(f"{name}: ") for p in problems), result.stdout


def test_check_of_a_sound_index(runner, index):
    result = runner.invoke(_cli(), ["check", "--index", str(index)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"checked {index}: 2 files against their checksums, {ARTICLES} articles read through",
        "no damage found"]


def test_zeroed_segment_answers_are_errors_or_right(runner, index):
    """Zeros inside a segment can read as other numbers; what a reader cannot tell must not
    become a traceback: every answer is either the article as indexed or the damage error."""
    zero(index)
    for article in _articles()[::10]:
        result = runner.invoke(_cli(), ["show", article.id, "--json", "--index", str(index)])
        if result.exit_code:
            _assert_damage_line(result, index)
        else:
            assert f'"body": "{article.body}"' in result.stdout


@pytest.mark.parametrize("damage", [truncate, zero, garbage_toc], ids=lambda d: d.__name__)
def test_rebuild_mends_a_damaged_index_and_keeps_added_entities(runner, index, damage):
    added = run(runner, "entities", "add", "Zeta Group", "--type", "group", "--index", index)
    assert added.exit_code == 0, added.output
    damage(index)
    result = runner.invoke(_cli(), ["index", "--rebuild", str(SEEDS), "--index", str(index)])
    assert result.exit_code == 0, result.output
    seeds = len(list(SEEDS.iterdir()))
    assert result.stdout.startswith(f"added {seeds}, updated 0, unchanged 0, skipped 0")
    assert run(runner, "check", "--index", index).exit_code == 0
    listed = run(runner, "search", "--json", "--index", index)
    assert json.loads(listed.stdout)["total"] == seeds
    assert (index / "entities.json").is_file()


def _cli():
    from search.cli import cli

    return cli
