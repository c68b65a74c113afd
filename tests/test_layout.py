"""Guards on the project's shape: engine isolation and the public API."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import search

from .conftest import ROOT


def test_only_engines_import_whoosh():
    offenders = []
    for folder in ("search", "web"):
        for path in (ROOT / folder).rglob("*.py"):
            if "engines" in path.parts:
                continue
            if re.search(r"^\s*(from|import) whoosh\b", path.read_text(encoding="utf-8"), re.M):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_core_knows_nothing_of_flask():
    for path in (ROOT / "search").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import) flask\b", text, re.M), path


def test_public_api_is_exported():
    assert sorted(search.__all__) == sorted(
        name for name in vars(search) if not name.startswith("_") and name[0].isupper())


# -- How modules lean on each other (issue 14) -------------------------------------------------

PACKAGES = ("search", "web")


def _modules() -> dict[str, Path]:
    """Return every module of our packages by dotted name (a package by its own name)."""
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _imports(name: str, *, top_level_only: bool) -> list[tuple[int, str, tuple[str, ...]]]:
    """Return (line, module imported, names taken from it) for each import of a module of
    ours; ``top_level_only``: only those run when the module is imported (not in functions,
    not under ``if TYPE_CHECKING``)."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    package = name if _is_package(name) else name.rpartition(".")[0]
    nodes: list[ast.AST] = []

    def collect(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                nodes.append(node)
            elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                collect(node.orelse)
            elif isinstance(node, (ast.If, ast.Try, ast.With)):
                for field in ("body", "orelse", "finalbody"):
                    collect(getattr(node, field, []))
                for handler in getattr(node, "handlers", []):
                    collect(handler.body)

    if top_level_only:
        collect(tree.body)
    else:
        nodes = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    out = []
    for node in nodes:
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name, ()) for a in node.names]
            continue
        if node.level:
            base = package.split(".")[:len(package.split(".")) - node.level + 1]
            module = ".".join(base + ([node.module] if node.module else []))
        else:
            module = node.module or ""
        out.append((node.lineno, module, tuple(a.name for a in node.names)))
    return [(line, m, names) for line, m, names in out if m.split(".")[0] in PACKAGES]


def _targets(module: str, names: tuple[str, ...]) -> set[str]:
    """Return the modules of ours an import runs: the module, its packages, and the names
    taken from it that are submodules."""
    out = {module} if module in MODULES else set()
    parts = module.split(".")
    out |= {".".join(parts[:i]) for i in range(1, len(parts)) if ".".join(parts[:i]) in MODULES}
    out |= {f"{module}.{n}" for n in names if f"{module}.{n}" in MODULES}
    return out


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles():
    graph = {}
    for name in MODULES:
        ancestors = {".".join(name.split(".")[:i]) for i in range(1, len(name.split(".")) + 1)}
        graph[name] = {t for _, module, names in _imports(name, top_level_only=True)
                       for t in _targets(module, names)} - ancestors
    assert _cycles(graph) == []


def _private_definitions() -> dict[str, set[str]]:
    """Return, by module, the private names it defines (module level and in classes)."""
    out = {}
    for name, path in MODULES.items():
        defined = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defined.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                for target in getattr(node, "targets", [getattr(node, "target", None)]):
                    if isinstance(target, ast.Name):
                        defined.add(target.id)
                    elif isinstance(target, ast.Attribute):
                        defined.add(target.attr)
        out[name] = {d for d in defined if d.startswith("_") and not d.startswith("__")}
    return out


# These modules reach into the Whoosh library's own private attributes (posting blocks, column
# files) by design, for speed; names there that look like ours are the library's.
LIBRARY_INTERNALS = {"search.engines.whoosh.docs", "search.engines.whoosh.writer"}


def test_no_private_name_is_used_across_modules():
    """``from .x import _name`` and ``obj._name`` of a name another module of ours defines."""
    private = _private_definitions()
    elsewhere: dict[str, set[str]] = {}
    for module, names in private.items():
        for n in names:
            elsewhere.setdefault(n, set()).add(module)
    offenders = []
    for name, path in MODULES.items():
        for line, module, names in _imports(name, top_level_only=False):
            offenders += [f"{name}:{line} imports {module}.{n}" for n in names
                          if n.startswith("_") and not n.startswith("__")]
        if name in LIBRARY_INTERNALS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and node.attr in elsewhere
                    and name not in elsewhere[node.attr]
                    and not (isinstance(node.value, ast.Name)
                             and node.value.id in ("self", "cls"))):
                offenders.append(f"{name}:{node.lineno} uses {ast.unparse(node)} "
                                 f"(defined in {', '.join(sorted(elsewhere[node.attr]))})")
    assert offenders == []


def test_only_the_cli_imports_web():
    offenders = [f"{name}:{line}" for name in MODULES if name.startswith("search")
                 and not name.startswith("search.cli")
                 for line, module, _ in _imports(name, top_level_only=False)
                 if module.split(".")[0] == "web"]
    assert offenders == []


def test_typesense_engine_imports_nothing_of_the_whoosh_engine():
    offenders = [f"{name}:{line} imports {module}" for name in MODULES
                 if name.startswith("search.engines.typesense")
                 for line, module, names in _imports(name, top_level_only=False)
                 if any(t.startswith("search.engines.whoosh") for t in _targets(module, names))]
    assert offenders == []
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, search.engines.typesense; "
         "print(' '.join(m for m in sys.modules if m.startswith('search.engines.whoosh')))"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []


# Where a catch-all is the design: the top-level boundaries of the CLI and the web app, and the
# places one untrusted input is the unit of failure (issue 19: a file, a record, a metadata row,
# a page's cleaning, a document read into the collection before indexing, htmldate on one
# page, a web archive record's decoding), so that one bad
# input becomes a skip with its reason instead of a lost run. A handler that re-raises one of
# our errors is a mapping, not a catch-all, and is not counted.
BOUNDARIES = {"search.cli": 1, "web.server": 1, "search.indexing": 3, "search.ingest.sources": 3,
              "search.ingest.warc": 1, "search.cleaner.html_date": 1}
CATCH_ALL = ("Exception", "BaseException")


def test_catch_alls_only_at_the_boundaries():
    found: dict[str, int] = {}
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            swallowed = (isinstance(node, ast.ExceptHandler) and node.type is not None
                         and ast.unparse(node.type) in CATCH_ALL
                         and not any(isinstance(n, ast.Raise) for n in ast.walk(node)))
            suppressed = (isinstance(node, ast.Call) and ast.unparse(node.func).endswith("suppress")
                          and any(ast.unparse(a) in CATCH_ALL for a in node.args))
            if swallowed or suppressed:
                found[name] = found.get(name, 0) + 1
    assert found == BOUNDARIES


def test_the_readme_layout_names_every_module_and_package():
    """The layout section of docs/architecture.md (the README's until issue 18) is the map of
    the code (issue 14): a module or package added without a line there fails here."""
    readme = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    layout = readme.split("\n## Layout\n", 1)[1].split("```", 2)[1]
    missing = [name for name, path in MODULES.items()
               if (path.parent.name + "/" if path.name == "__init__.py" else path.name)
               not in layout]
    assert missing == []
