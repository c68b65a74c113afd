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
          "/article/art-3", "/api/articles/art-3", "/entity/Iraq", "/api/entities/Iraq",
          "/watches", "/api/openapi.json", "/healthz"]


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


# -- Whose index folder it is ------------------------------------------------------------------

def _crafted_toc(folder: Path, marker: Path) -> None:
    """Replace the table of contents with one whose pickled schema runs a command when read
    (the attack: an index folder from someone else)."""
    import io
    import os
    import pickle

    from whoosh.filedb.structfile import StructFile

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    (toc,) = folder.glob("_MAIN_*.toc")
    stream = StructFile(io.BytesIO())
    for size in (4, 8, 4):  # the int, long and float sizes Whoosh checks first
        stream.write_varint(size)
    stream.write_int(-12345)
    stream.write_int(-111)
    for number in (2, 7, 4):
        stream.write_varint(number)
    stream.write_string(pickle.dumps(Payload(), 2))
    toc.write_bytes(stream.file.getvalue())
    # The attacker writes the checksums too (else opening refuses the changed file as damage).
    (folder / "newsfacet-checksums.json").unlink()


def test_a_crafted_table_of_contents_runs_code_when_trusted(runner, index, tmp_path, monkeypatch):
    """What the guard below is for: the attack works once a folder is trusted."""
    marker = tmp_path / "ran"
    _crafted_toc(index, marker)
    monkeypatch.setenv("NEWSFACET_TRUST_INDEX", "1")
    runner.invoke(_cli(), ["stats", "--index", str(index)])
    assert marker.exists()


def _others_may_write_folder(folder: Path) -> str:
    folder.chmod(0o777)
    return "the index folder is writable by every user (mode drwxrwxrwx)"


def _others_may_write_toc(folder: Path) -> str:
    (toc,) = folder.glob("_MAIN_*.toc")
    toc.chmod(0o666)
    return f"{toc.name} is writable by every user (mode -rw-rw-rw-)"


def _group_may_write_segment(folder: Path) -> str:
    import grp
    import os

    segment = _segment(folder)
    others = [g.gr_gid for g in grp.getgrall() if g.gr_gid != os.getegid()]
    os.chown(segment, -1, others[0])
    segment.chmod(0o664)
    return (f"{segment.name} is writable by the users of group {grp.getgrgid(others[0]).gr_name} "
            "(mode -rw-rw-r--)")


UNTRUSTED = [_others_may_write_folder, _others_may_write_toc]
if hasattr(__import__("os"), "geteuid") and __import__("os").geteuid() == 0:
    UNTRUSTED.append(_group_may_write_segment)  # (chown to another group needs root)


@pytest.mark.parametrize("loosen", UNTRUSTED, ids=lambda f: f.__name__.strip("_"))
@pytest.mark.parametrize("command", [("search", "report"), ("stats",), ("index", str(SEEDS)),
                                     ("check",), ("serve", "--port", "1")], ids=" ".join)
def test_an_index_folder_others_may_write_is_not_opened(runner, index, tmp_path, loosen, command):
    marker = tmp_path / "ran"
    _crafted_toc(index, marker)
    why = loosen(index)
    result = runner.invoke(_cli(), [*command, "--index", str(index)])
    assert result.exit_code == 1, result.output
    assert result.stderr.strip().splitlines() == [
        f"Error: not opening the index in {index}/: {why}. An index folder is trusted input "
        "(Whoosh reads it with pickle, which can run code): if it is yours, "
        f"`chmod -R go-w {index}`; to open a shared one anyway, set NEWSFACET_TRUST_INDEX=1"]
    assert not marker.exists()


def test_an_index_folder_of_another_user_is_not_opened(runner, index, monkeypatch):
    import os

    monkeypatch.setattr(os, "geteuid", lambda: os.stat(index).st_uid + 4242)
    result = runner.invoke(_cli(), ["search", "report", "--index", str(index)])
    assert result.exit_code == 1
    assert f"Error: not opening the index in {index}/: the index folder is owned by user" \
        in result.stderr
    monkeypatch.setenv("NEWSFACET_TRUST_INDEX", "1")
    trusted = runner.invoke(_cli(), ["search", "report", "--index", str(index)])
    assert trusted.exit_code == 0, trusted.output


def test_the_web_answers_503_for_an_untrusted_folder(index):
    from web import create_app

    _others_may_write_toc(index)
    client = create_app({"TESTING": True, "SETTINGS": Settings(index_dir=str(index))}).test_client()
    response = client.get("/api/search?q=report")
    assert response.status_code == 503
    assert "is writable by every user" in response.get_json()["error"]["message"]


def test_a_private_group_may_write(runner, index):
    """umask 002 with a group of one's own (Debian's user private groups) is not refused."""
    import grp
    import os
    import pwd

    me = pwd.getpwuid(os.geteuid())
    if any(m != me.pw_name for m in grp.getgrgid(me.pw_gid).gr_mem):
        pytest.skip("our primary group has other members here")
    for path in [index, *index.iterdir()]:
        os.chown(path, -1, me.pw_gid)
        path.chmod(path.stat().st_mode | 0o020)
    result = runner.invoke(_cli(), ["search", "report", "--index", str(index)])
    assert result.exit_code == 0, result.output


# -- Disk full while indexing -----------------------------------------------------------------

class _FullDisk:
    """A file of the index whose writes fail with ENOSPC once ``budget`` bytes are written
    (shared by every file the run creates)."""

    def __init__(self, file, budget: list[int]) -> None:
        self._file = file
        self._budget = budget

    def write(self, data) -> int:
        import errno
        import os

        self._budget[0] -= len(data)
        if self._budget[0] < 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self._file.write(data)

    def __getattr__(self, name):
        return getattr(self._file, name)


@pytest.fixture
def disk_of(monkeypatch):
    """Call with a number of bytes: from then on, the index's files can take only that many."""
    from whoosh.filedb import filestore

    def limit(budget: int) -> None:
        left = [budget]
        real = filestore.FileStorage.create_file

        def create_file(self, name, *args, **kwargs):
            opened = real(self, name, *args, **kwargs)
            opened.file = _FullDisk(opened.file, left)
            return opened

        monkeypatch.setattr(filestore.FileStorage, "create_file", create_file)
    return limit


def _listing(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in folder.iterdir()}


@pytest.mark.parametrize("budget", [1_000, 300_000, 1_500_000])  # pool, segment, near the end
def test_disk_full_while_indexing_leaves_the_index_as_it_was(runner, index, disk_of, tmp_path,
                                                             budget):
    import json

    corpus = tmp_path / "more.jsonl"
    corpus.write_text("\n".join(json.dumps({"id": f"more-{n}", "title": f"More {n}",
                                            "body": a.body}) for n, a in enumerate(_articles())))
    assert run(runner, "index", SEEDS, "--index", index).exit_code == 0  # with story data
    before = _listing(index)
    searched = run(runner, "search", "report", "--json", "--index", index).stdout
    disk_of(budget)
    result = runner.invoke(_cli(), ["index", str(corpus), "--index", str(index)])
    assert result.exit_code == 1, result.output
    assert result.stderr.strip().splitlines() == [
        f"Error: cannot write the index in {index}/: No space left on device; the {ARTICLES} "
        "articles of this batch were not added and the index is as it was — free some space, "
        "then run the command again"]
    assert _listing(index) == before  # the partial segment, pool and TOC are gone
    assert run(runner, "search", "report", "--json", "--index", index).stdout == searched
    assert run(runner, "check", "--index", index).exit_code == 0


def test_disk_full_while_removing(runner, index, disk_of):
    before = _listing(index)
    disk_of(100)
    result = runner.invoke(_cli(), ["remove", "art-1", "--index", str(index)])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"Error: cannot write the index in {index}/: No space left "
                                    "on device; nothing was removed and the index is as it was")
    assert _listing(index) == before
    assert run(runner, "show", "art-1", "--index", index).exit_code == 0


# -- Sidecars written under a lock --------------------------------------------------------------

def test_fifty_concurrent_entity_additions_keep_every_entity(tmp_path):
    """Before: one fixed temporary name and no lock lost entities (12 at once left 2)."""
    import json
    import subprocess
    import sys

    from .conftest import ROOT

    index = tmp_path / "index"
    names = [f"Concurrent Group {n:02d}" for n in range(50)]
    processes = [subprocess.Popen([sys.executable, "-m", "search", "entities", "add", name,
                                   "--type", "group", "--index", str(index)], cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for name in names]
    outcomes = [(p.wait(timeout=300), p.stderr.read().decode()) for p in processes]
    for p in processes:
        p.stdout.close()
        p.stderr.close()
    assert outcomes == [(0, "")] * 50
    saved = json.loads((index / "entities.json").read_text(encoding="utf-8"))
    assert sorted(e["name"] for e in saved) == names
    assert [p.name for p in index.iterdir() if p.name.endswith(".tmp")] == []


def test_concurrent_additions_to_a_table_file_keep_every_entity(tmp_path):
    import json
    import subprocess
    import sys

    from .conftest import ROOT

    table = tmp_path / "table.json"
    table.write_text("[]\n", encoding="utf-8")
    names = [f"Table Group {n:02d}" for n in range(20)]
    processes = [subprocess.Popen([sys.executable, "-m", "search", "entities", "add", name,
                                   "--type", "group", "--entities", str(table)], cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for name in names]
    assert [p.wait(timeout=300) for p in processes] == [0] * 20
    assert sorted(e["name"] for e in json.loads(table.read_text(encoding="utf-8"))) == names


# -- Smaller items ------------------------------------------------------------------------------

def test_a_link_out_of_the_indexed_folder_is_not_followed(runner, tmp_path):
    import json
    import os

    folder, outside = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    outside.mkdir()
    body = "The embassy in Baghdad was quiet on Monday after a week of protests and talks."
    (outside / "secret.txt").write_text("Secret words " + body)
    (folder / "real.txt").write_text(body)
    os.symlink(outside / "secret.txt", folder / "passwd.txt")
    os.symlink("real.txt", folder / "alias.txt")  # inside the folder: read once, as before
    result = run(runner, "index", folder, "--index", tmp_path / "ix", "--json")
    skips = {s["source"]: s["reason"] for s in json.loads(result.stdout)["skips"]}
    assert skips == {
        str(folder / "passwd.txt"): f"symbolic link to {outside / 'secret.txt'}, outside "
                                    f"{folder} (not followed)",
        str(folder / "real.txt"): f"same file as one already read (link to {folder / 'real.txt'})"}
    assert json.loads(run(runner, "search", "secret", "--json", "--index", tmp_path / "ix")
                      .stdout)["total"] == 0
    given = run(runner, "index", folder / "passwd.txt", "--index", tmp_path / "ix2")
    assert given.stdout.startswith("added 1,")  # named on the command line: followed


NEWS = "<p>The embassy in Baghdad was quiet on Monday after a week of protests and talks.</p>" * 3


@pytest.mark.parametrize("page, reason", [
    ("<div>" * 100_000 + NEWS + "</div>" * 100_000,
     "page is nested too deeply to parse (100,003 levels; the HTML parser reads 256)"),
    # 254 <div>s with <html>, <body> and <p>: one level past what the parser reads
    ("<div>" * 254 + NEWS + "</div>" * 254,
     "page is nested too deeply to parse (257 levels; the HTML parser reads 256)"),
    ("<div>" * 253 + NEWS + "</div>" * 253, None),  # read: not skipped
    ("<div>" * 10 + "<p>Menu</p>" + "</div>" * 10,
     "no article text found in the page after cleaning"),
])
def test_a_deeply_nested_page_is_skipped_as_such(runner, tmp_path, page, reason):
    import json

    (tmp_path / "page.html").write_text(f"<html><body>{page}</body></html>")
    result = run(runner, "index", tmp_path / "page.html", "--index", tmp_path / "ix", "--json")
    skips = [s["reason"] for s in json.loads(result.stdout)["skips"]]
    assert skips == ([reason] if reason else [])


def _jsonl_corpus(path: Path, count: int) -> None:
    import json

    rng = random.Random(5)
    vocab = ["".join(rng.choice(string.ascii_lowercase) for _ in range(6)) for _ in range(2000)]
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            body = ". ".join(" ".join(rng.choice(vocab) for _ in range(12)).capitalize()
                             for _ in range(8)) + "."
            out.write(json.dumps({"id": f"run-{n}", "title": f"Run {n}", "body": body}) + "\n")


def test_two_runs_on_the_same_input_do_not_both_add_it(tmp_path):
    """Before: both read the index as empty at their start, and both said "added 300"."""
    import json
    import os
    import subprocess
    import sys

    from .conftest import ROOT

    corpus = tmp_path / "same.jsonl"
    _jsonl_corpus(corpus, 300)
    environ = {**{k: v for k, v in os.environ.items() if not k.startswith("NEWSFACET_")},
               "NEWSFACET_LOCK_WAIT": "600"}
    runs = [subprocess.Popen([sys.executable, "-m", "search", "index", str(corpus), "--json",
                              "--index", str(tmp_path / "index")], cwd=ROOT, env=environ,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    finished = [(process, *process.communicate(timeout=600)) for process in runs]
    for process, _, err in finished:
        assert process.returncode == 0, err
    reports = [json.loads(out) for _, out, _ in finished]
    assert sorted((r["added"], r["unchanged"]) for r in reports) == [(0, 300), (300, 0)]


def test_two_engines_opening_a_new_folder_at_once_create_one_index(tmp_path, monkeypatch):
    """Before: both saw no index and both created one; Whoosh's create removes the folder's
    tables of contents, the other's half-written one too, which then failed as damaged (one
    full-suite run in a few)."""
    import threading
    import time

    from search.engines.whoosh import engine as whoosh_engine

    created, real_create = [], whoosh_engine.index.create_in

    def slow_create(*args, **kwargs):
        created.append(threading.get_ident())
        time.sleep(0.3)  # long enough for the other engine to look at the folder meanwhile
        return real_create(*args, **kwargs)

    monkeypatch.setattr(whoosh_engine.index, "create_in", slow_create)
    settings = Settings(index_dir=str(tmp_path / "index"))
    start, failures = threading.Barrier(2), []

    def open_new() -> None:
        start.wait()
        try:
            open_engine(settings, create=True).close()
        except Exception as exc:  # reported below, with the other thread's outcome
            failures.append(exc)

    threads = [threading.Thread(target=open_new) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures
    assert len(created) == 1
    engine = open_engine(settings)
    assert engine.stats().articles == 0
    engine.close()


def _children(pid: int) -> set[int]:
    out: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        out |= {int(c) for c in (task / "children").read_text().split()}
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")  # a zombie has exited


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds the workers in /proc")
def test_workers_exit_when_the_run_is_killed(tmp_path):
    """Before: after kill -9 of `index --workers 2` the two workers lived on, waiting for work."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from .conftest import ROOT

    corpus = tmp_path / "big.jsonl"
    _jsonl_corpus(corpus, 20_000)
    run = subprocess.Popen([sys.executable, "-m", "search", "index", str(corpus), "--workers", "2",
                            "--index", str(tmp_path / "index")], cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Polling /proc (no event tells when a process has started its workers, or when a
    # process that is not our child has gone); bounded, generous for a loaded machine.
    deadline = time.monotonic() + 120
    workers: set[int] = set()
    while len(workers) < 2 and run.poll() is None and time.monotonic() < deadline:
        workers = _children(run.pid)
        time.sleep(0.05)
    assert len(workers) >= 2, "the run should have started two workers"
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    deadline = time.monotonic() + 60
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [w for w in workers if _alive(w)]
    for w in left:  # do not leave them behind for the rest of the suite
        os.kill(w, signal.SIGKILL)
    assert left == []
