"""Shared fixtures: hand-written articles, an index built from them, app, client and runner;
the test web site (``server``), the app served for a real browser (``app_server``,
``seeds_server``) and the browser itself. Every fixture is defined once, here (a test module
that needs other data says so with a fixture of its own name; tests/test_suite.py checks it).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.config import Settings
from search.engines import open_engine
from search.models import Article, Entity

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
HOSTILE_PAGES = Path(__file__).parent / "data" / "hostile"
CHROMIUM = Path("/usr/bin/chromium")
# Browser tests drive Debian's Chromium through Playwright; without it they skip, saying how.
BROWSER = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"no Chromium at {CHROMIUM}: run `make browser` (apt-get install "
                              "chromium)"),
]

KH = Entity("Kataib Hezbollah", "group")
PMF = Entity("Popular Mobilization Forces", "group")
AAH = Entity("Asaib Ahl al-Haq", "group")
IRAQ = Entity("Iraq", "place")

ARTICLES = [
    Article(id="a1", source="a1.txt", title="Rockets hit near embassy",
            body="Rockets struck near the US embassy in Baghdad on Sunday.\n\nKataib Hezbollah "
                 "denied it.",
            outlet="Reuters", date=dt.date(2020, 1, 5), date_source="dateline",
            entities=(KH, IRAQ)),
    Article(id="a2", source="a2.txt", title="Militias reject threat claim",
            body="Two armed groups rejected a US claim. The Popular Mobilization Forces said "
                 "nothing.",
            outlet="AFP", date=dt.date(2019, 5, 16), date_source="html-meta", entities=(PMF, AAH)),
    Article(id="a3", source="a3.txt", title="Embassy staff leave",
            body="Staff left the embassy. <script>alert(1)</script> & more.",
            outlet="Reuters", date=dt.date(2019, 5, 15), date_source="html-meta",
            entities=(PMF, KH)),
    Article(id="a4", source="a4.txt", title="Undated analysis",
            body="An analysis of militia politics in Iraq without a date.", outlet=None,
            date=None, entities=(IRAQ,)),
]
# Markup and script in every string a page, the JSON API or an export shows.
HOSTILE = Article(
    id="evil", source="evil.html", url="javascript:alert(4)",
    title='<script>window.__xss=1</script>Evil <img src=x onerror="window.__xss=2"> embassy',
    body='=HYPERLINK("http://x") <b>bold</b> embassy <script>window.__xss=3</script>',
    outlet='<i onmouseover="window.__xss=4">Outlet</i>', date=dt.date(2018, 2, 1),
    entities=(Entity('<img src=x onerror="window.__xss=5">', "group"),))


def pytest_runtest_setup(item):
    """Skip, with the reason, a test marked ``shared(path)`` whose shared data is not there
    (before its fixtures, which would read it)."""
    for mark in item.iter_markers("shared"):
        for path in mark.args:
            if not Path(path).exists():
                pytest.skip(f"{path} is not there: the shared corpora lie beside the checkout "
                            "(../shared, or where NEWSFACET_SHARED says)")


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(index_dir=str(tmp_path / "index"))


@pytest.fixture
def engine(settings):
    eng = open_engine(settings, create=True)
    eng.upsert(ARTICLES)
    yield eng
    eng.close()


@pytest.fixture
def app(engine, settings):
    from web import create_app

    return create_app({"TESTING": True, "SETTINGS": settings})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(monkeypatch, tmp_path):
    for name in ("NEWSFACET_INDEX", "NEWSFACET_ENGINE", "NEWSFACET_ENTITIES"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


@pytest.fixture
def hostile(engine):
    """The engine's articles plus HOSTILE."""
    engine.upsert([HOSTILE])
    return HOSTILE


@pytest.fixture
def server():
    """A test web server on 127.0.0.1 (tests/webserver.py) whose pages a test adds."""
    from .webserver import Server

    srv = Server()
    yield srv
    srv.close()


@contextmanager
def serving(app) -> Iterator[str]:
    """Serve a Flask app on 127.0.0.1 (a free port) from a thread; yield its base URL."""
    from werkzeug.serving import make_server

    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(5)


@pytest.fixture
def app_server(engine, settings):
    """The base URL of the web app serving the articles above, for a real browser."""
    from web import create_app

    with serving(create_app({"SETTINGS": settings})) as url:
        yield url


@pytest.fixture(scope="module")
def seeds_server(tmp_path_factory):
    """The base URL of the web app serving an index of the seeds and the hostile pages
    (tests/data/hostile), indexed by `newsfacet index` from relative paths, so articles show
    "seeds/…" as their source. One per module: building it takes seconds."""
    from search.cli import cli
    from web import create_app

    root = tmp_path_factory.mktemp("browser")
    shutil.copytree(SEEDS, root / "seeds")
    shutil.copytree(HOSTILE_PAGES, root / "hostile")
    index = root / "index"
    here = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(cli, ["index", "seeds", "hostile", "--index", str(index),
                                          "--json"])
    finally:
        os.chdir(here)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == 7
    with serving(create_app({"SETTINGS": Settings(index_dir=str(index))})) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium, driven by Playwright (which never downloads a browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield chromium
        chromium.close()


@pytest.fixture
def fast(monkeypatch, runner):
    """The CLI runner with short fetch delays and timeouts and one retry, private addresses
    allowed (the test site is on 127.0.0.1), so fetching tests run quickly (a test about
    politeness or retries sets its own)."""
    monkeypatch.setenv("NEWSFACET_FETCH_DELAY", "0.01")
    monkeypatch.setenv("NEWSFACET_FETCH_TIMEOUT", "0.5")
    monkeypatch.setenv("NEWSFACET_FETCH_RETRIES", "1")
    # The test site is on 127.0.0.1, which the fetcher refuses unless told (issue 19).
    monkeypatch.setenv("NEWSFACET_FETCH_PRIVATE", "1")
    return runner


@pytest.fixture
def seeds_copy(tmp_path) -> Path:
    """A writable copy of the seeds folder."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


# -- Typesense (issue 7): one real server for the run, a fresh collection per use ----------

TYPESENSE_KEY = "test-key"


@pytest.fixture(scope="session")
def typesense_server(tmp_path_factory):
    """A real Typesense server on 127.0.0.1 for the whole run; fails (never skips) when the
    binary from the typesense extra cannot run."""
    from search.engines.typesense.local import LocalServer

    server = LocalServer(tmp_path_factory.mktemp("typesense") / "data", TYPESENSE_KEY)
    try:
        server.start().wait_healthy()
    except (RuntimeError, OSError) as exc:
        server.stop()
        pytest.fail(f"cannot run the Typesense server (`make install-test` installs it): {exc}")
    yield server
    server.stop()


@pytest.fixture
def typesense_settings(typesense_server, tmp_path) -> Settings:
    """Settings of the Typesense engine on the session's server, with a collection of its own
    (and an index directory of its own, for the data kept beside the collection)."""
    import uuid

    return Settings(engine="typesense", typesense_nodes=typesense_server.url,
                    typesense_api_key=TYPESENSE_KEY,
                    typesense_collection=f"t{uuid.uuid4().hex[:12]}",
                    index_dir=str(tmp_path / "index"))


@pytest.fixture(params=["whoosh", pytest.param("typesense", marks=pytest.mark.typesense)])
def any_engine(request, tmp_path):
    """The articles above in a fresh index of each engine (Typesense: a real server)."""
    if request.param == "whoosh":
        settings = Settings(index_dir=str(tmp_path / "index"))
    else:
        settings = request.getfixturevalue("typesense_settings")
    engine = open_engine(settings, create=True)
    engine.upsert(ARTICLES)
    engine.prepare()
    yield engine
    engine.close()


def facet_counts(results, name: str) -> dict[str, int]:
    """Return a facet of search results as {value: count}."""
    return {v.value: v.count for v in results.facets[name]}


def hit_ids(results) -> set[str]:
    """Return the ids of the hits of search results."""
    return {h.id for h in results.hits}


def run(runner, *args):
    """Run the newsfacet command through click's runner; arguments may be paths."""
    from search.cli import cli

    return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)


def form_token(client, url: str = "/search?q=embassy") -> str:
    """The token of the forms on a page, as a browser gets it (the cookie comes along)."""
    import re

    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


@pytest.fixture
def indexed(runner, tmp_path, seeds_copy):
    """An index of the seeds made by `newsfacet index`."""
    index = tmp_path / "ix"
    result = run(runner, "index", seeds_copy, "--index", index)
    assert result.exit_code == 0, result.output
    return index
