"""Packaging (issues 14 and 18): building the project, as `pip install .` and `pip install -e .`
do, prints no warning of our packaging, and the wheel carries the data files.

Both builds run without build isolation, with the venv's setuptools (the test extra asks for
77 or later, which reads the SPDX licence string): build isolation would download setuptools.
They run in a copy of the sources, so the checkout gets no build/ or *.egg-info folder.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow

SOURCES = ("pyproject.toml", "README.md", "search", "web")
DATA = ("search/data/entities.json", "search/entities/ner/model.npz", "web/templates/base.html",
        "web/static/style.css")
# pip's BuildBackendWarning, setuptools' SetuptoolsDeprecationWarning and InformationOnly
# banners, a logged "WARNING", "!!" boxes around them.
WARNING = re.compile(r"warn|!!|deprecat", re.IGNORECASE)


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    major = int(version("setuptools").split(".")[0])
    assert major >= 77, f"setuptools {version('setuptools')} in the venv: run `make install-test`"
    target = tmp_path_factory.mktemp("packaging") / "src"
    target.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, target / name)
    return target


def warnings_in(output: str) -> list[str]:
    return [line for line in output.splitlines() if WARNING.search(line)]


def test_building_the_wheel_prints_no_warning_and_packs_the_data(source, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "--wheel-dir", str(tmp_path), str(source)],
        capture_output=True, text=True, timeout=300, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert warnings_in(output) == [], output
    (wheel,) = tmp_path.glob("newsfacet-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert set(DATA) <= names
    assert "search/engines/snippets.py" in names and "web/views.py" in names
    assert not any(n.startswith(("tests/", "bench/", "seeds/")) for n in names)
    metadata = zipfile.ZipFile(wheel).read(f"{wheel.name.split('-py3')[0]}.dist-info/METADATA")
    assert b"License-Expression: MIT" in metadata


def test_building_the_editable_wheel_prints_no_warning(source, tmp_path):
    """What `pip install -e .` runs: the PEP 660 hook of the build backend."""
    code = ("import sys; from setuptools import build_meta; "
            "print(build_meta.build_editable(sys.argv[1]))")
    result = subprocess.run([sys.executable, "-W", "default", "-c", code, str(tmp_path)],
                            cwd=source, capture_output=True, text=True, timeout=300, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert warnings_in(output) == [], output
    assert list(tmp_path.glob("newsfacet-*.whl"))
