"""The suite itself: without the shared corpora (../shared) every test that reads them skips,
saying why, instead of failing or erroring."""

from __future__ import annotations

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
