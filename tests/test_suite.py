"""The suite itself: without the shared corpora (../shared) every test that reads them skips,
saying why, instead of failing or erroring; and each shared fixture is defined once."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys

from .conftest import ROOT


def test_tests_of_the_shared_corpora_skip_with_their_reason_when_it_is_missing(tmp_path):
    env = {**os.environ, "NEWSFACET_SHARED": str(tmp_path / "no-shared")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "-m", "shared",
         "tests"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
        check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    summary = output.strip().splitlines()[-1]
    skipped = re.search(r"(\d+) skipped", summary)
    assert skipped and int(skipped.group(1)) >= 20, summary  # Reuters tests in five modules
    assert not re.search(r"passed|failed|error", summary), summary
    reasons = [line for line in output.splitlines() if line.startswith("SKIPPED")]
    assert reasons and all("no-shared" in r and "is not there" in r for r in reasons), reasons


# A test module may narrow a shared fixture on purpose (pytest's override): each such case,
# with why. Any other redefinition shadows conftest's fixture silently (three modules once
# had a `server` each, two of them a different thing from conftest's).
OVERRIDES = {
    ("test_facets.py", "engine"): "adds an article credited to an agency, so that every facet "
                                  "has a value in the app and client built on it",
}


def _fixtures(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
            and any("fixture" in ast.unparse(d) for d in node.decorator_list)}


def test_shared_fixtures_are_defined_once_in_conftest():
    tests = ROOT / "tests"
    shared = _fixtures(tests / "conftest.py")
    assert {"server", "fast", "hostile", "app_server", "seeds_server", "browser",
            "any_engine"} <= shared
    redefined = {(path.name, name) for path in sorted(tests.glob("test_*.py"))
                 for name in _fixtures(path) & shared}
    assert redefined == set(OVERRIDES)
