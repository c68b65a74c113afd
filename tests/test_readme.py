"""The README's promises (issue 18): its command-line examples still run and still print what
it shows, every setting is in its table, and every file and image it links to exists.

The examples are the `newsfacet …` lines of the README's ```console blocks, each run with the
installed command (``.venv/bin/newsfacet``, as a user runs it) in a fresh folder holding a copy
of seeds/, one after the other, so later lines see what earlier ones indexed. After a line, what
the README shows until the next ``$`` is its expected output:

- each shown line must appear in the real output (stdout and stderr together);
- a shown line ending in `` …`` shows the start of a longer line: that start must appear;
- article ids are a hash of the file's absolute path, so a 16-hex id matches any id and the
  README's id stands for the one found there in later commands; the index's size and the time
  of its last update match any;
- the exit code is 1 when the README shows an ``Error:`` line, 0 otherwise.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from search.config import ENV_PREFIX, Settings

from .conftest import ROOT, SEEDS

README = ROOT / "README.md"
NEWSFACET = Path(sys.executable).parent / "newsfacet"
# What differs between runs: article ids (captured), the time of the last update, the size.
VARIABLE = re.compile(r"(?P<id>\b[0-9a-f]{16}\b)|(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00)"
                      r"|(?P<size>\(\d+(?:\.\d+)? [kMG]?B\))")
MATCHES = {"id": r"([0-9a-f]{16})", "time": r"\d{4}-\d\d-\d\dT[\d:]+\+00:00",
           "size": r"\(\d+(?:\.\d+)? [kMG]?B\)"}
# Settings read outside Settings: the recogniser is chosen per process (search/entities/ner).
EXTRA_SETTINGS = ("NEWSFACET_NER_MODEL",)


@dataclass
class Example:
    command: str
    shown: list[str] = field(default_factory=list)
    line: int = 0

    @property
    def expects_error(self) -> bool:
        return any(s.startswith("Error:") for s in self.shown)


def console_examples(text: str) -> list[Example]:
    """Return the ``$ newsfacet …`` lines of the ```console blocks with the output shown."""
    examples: list[Example] = []
    in_block = False
    current: Example | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("```"):
            in_block = line.strip() == "```console"
            current = None
            continue
        if not in_block:
            continue
        if line.startswith("$ "):
            current = None
            if line[2:].startswith("newsfacet "):
                current = Example(line[2:], line=number)
                examples.append(current)
        elif current is not None and line.strip():
            current.shown.append(line.strip())
    return examples


def pattern_of(shown: str) -> tuple[re.Pattern[str], list[str]]:
    """Return the regular expression that a shown line stands for, and the ids it shows."""
    if shown.endswith(" …"):
        shown = shown[:-2]
    regex, ids, end = "", [], 0
    for match in VARIABLE.finditer(shown):
        regex += re.escape(shown[end:match.start()]) + MATCHES[match.lastgroup or ""]
        if match.lastgroup == "id":
            ids.append(match.group())
        end = match.end()
    return re.compile(regex + re.escape(shown[end:])), ids


def test_the_readme_has_examples_of_the_main_commands():
    examples = console_examples(README.read_text(encoding="utf-8"))
    commands = {shlex.split(e.command)[1] for e in examples}
    assert {"index", "search", "show", "stats", "clean", "entities"} <= commands


@pytest.mark.slow
def test_readme_examples_run_on_the_seeds(tmp_path):
    assert NEWSFACET.exists(), f"no {NEWSFACET}: run `make install-test`"
    shutil.copytree(SEEDS, tmp_path / "seeds")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    env["COLUMNS"] = "200"
    ids: dict[str, str] = {}  # the README's id -> the id of this run
    examples = console_examples(README.read_text(encoding="utf-8"))
    assert examples
    for example in examples:
        argv = shlex.split(example.command, comments=True)
        argv = [ids.get(arg, arg) for arg in argv]
        result = subprocess.run([str(NEWSFACET), *argv[1:]], cwd=tmp_path, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300,
                                check=False)
        where = f"README.md line {example.line}: {example.command}\n--- output:\n{result.stdout}"
        assert result.returncode == (1 if example.expects_error else 0), where
        for shown in example.shown:
            regex, shown_ids = pattern_of(shown)
            match = regex.search(result.stdout)
            assert match, f"{where}\n--- not found: {shown}"
            ids.update(zip(shown_ids, match.groups(), strict=True))


def test_every_setting_is_in_the_readme_settings_table():
    text = README.read_text(encoding="utf-8")
    table = text.split("## Settings", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`(NEWSFACET_[A-Z_]+)`", table))
    settings = {ENV_PREFIX + f.metadata["env"] for f in Settings.__dataclass_fields__.values()
                if f.metadata.get("env")}
    missing = (settings | set(EXTRA_SETTINGS)) - documented
    assert not missing, f"add these settings to the README's Settings table: {sorted(missing)}"
    gone = documented - settings - set(EXTRA_SETTINGS)
    assert not gone, f"the README lists settings that are gone: {sorted(gone)}"


def test_settings_read_from_the_environment_are_all_known():
    """Every NEWSFACET_ variable the code reads is a Settings field or listed above."""
    known = {ENV_PREFIX + f.metadata["env"] for f in Settings.__dataclass_fields__.values()
             if f.metadata.get("env")} | set(EXTRA_SETTINGS)
    read = set()
    for path in [*(ROOT / "search").rglob("*.py"), *(ROOT / "web").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        read |= set(re.findall(r"\b(NEWSFACET_[A-Z][A-Z_]*[A-Z])\b", text))
    assert read <= known, f"settings read but not documented: {sorted(read - known)}"


LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("page", ["README.md", *sorted(p.relative_to(ROOT).as_posix()
                                                        for p in (ROOT / "docs").glob("*.md"))])
def test_links_and_images_point_at_files_of_the_repository(page):
    path = ROOT / page
    targets = [t for t in LINK.findall(path.read_text(encoding="utf-8")) if "://" not in t]
    missing = [t for t in targets if not (path.parent / t).resolve().exists()]
    assert not missing, f"{page} links to missing files: {missing}"
    outside = [t for t in targets if ROOT not in (path.parent / t).resolve().parents]
    assert not outside, f"{page} links outside the repository: {outside}"


def test_the_readme_shows_screenshots_of_the_demo_corpus_only():
    """Its images are those tests/test_browser_demo.py takes of an index of seeds/ alone."""
    from .test_browser_demo import DEMO_SCREENSHOTS

    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README.read_text(encoding="utf-8"))
    assert images and images[0] == "docs/screenshots/demo-search.png"
    assert {Path(i).name for i in images} <= set(DEMO_SCREENSHOTS)
    assert all(Path(i).parent == Path("docs/screenshots") for i in images)


def test_the_two_commands_are_the_ones_make_and_ci_run():
    """`make demo` and `make test` (CI's `.ci/run`) exist, and installing says where the
    command went, as the README's "Running the installed command" promises."""
    text = README.read_text(encoding="utf-8")
    shown = re.findall(r"^make ([\w-]+)", text, re.M) + re.findall(r"`make ([\w-]+)`", text)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([\w-]+):", makefile, re.M))
    assert {"demo", "test"} <= set(shown) and set(shown) <= targets
    assert re.search(r"^make test$", (ROOT / ".ci" / "run").read_text(encoding="utf-8"), re.M)
    dry_run = subprocess.run(["make", "-n", "install"], cwd=ROOT, text=True, capture_output=True,
                             check=True).stdout
    assert ".venv/bin/newsfacet" in dry_run and "source .venv/bin/activate" in dry_run
    # compiled once at install, so no command compiles them again (PYTHONDONTWRITEBYTECODE)
    assert "compileall -q search web" in dry_run


def _anchors(markdown: str) -> set[str]:
    """Return the anchors GitHub gives the headings of a page ("## Ranking on judged queries"
    is #ranking-on-judged-queries)."""
    headings = re.findall(r"^#{1,6} (.+)$", re.sub(r"```.*?```", "", markdown, flags=re.S), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("page", ["README.md", *sorted(p.relative_to(ROOT).as_posix()
                                                        for p in (ROOT / "docs").glob("*.md"))])
def test_links_to_sections_name_sections_that_exist(page):
    path = ROOT / page
    text = path.read_text(encoding="utf-8")
    broken = []
    for target, anchor in re.findall(r"\]\(([^)#\s]*)#([^)\s]+)\)", text):
        if "://" in target:
            continue
        linked = (path.parent / target) if target else path
        if anchor not in _anchors(linked.read_text(encoding="utf-8")):
            broken.append(f"{target}#{anchor}")
    assert not broken, f"{page} links to sections that do not exist: {broken}"
