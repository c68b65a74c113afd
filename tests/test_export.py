"""Exports (issue 18): every match up to a limit, streamed, a cut said in the file and on the
page, agency/story/link columns, a spreadsheet BOM and a file name naming the search — on
both engines."""

from __future__ import annotations

import csv
import dataclasses
import io

import pytest

from search.config import Settings
from search.engines import open_engine
from web import create_app

from .conftest import ARTICLES


@pytest.fixture(params=["whoosh", pytest.param("typesense", marks=pytest.mark.typesense)])
def settings_of(request, tmp_path) -> Settings:
    """Settings of a fresh index of each engine holding the conftest articles, the first with
    an agency and a story."""
    if request.param == "whoosh":
        settings = Settings(index_dir=str(tmp_path / "index"))
    else:
        settings = request.getfixturevalue("typesense_settings")
    engine = open_engine(settings, create=True)
    engine.upsert([dataclasses.replace(ARTICLES[0], agency="AP", story="s1"), *ARTICLES[1:]])
    engine.prepare()
    engine.close()
    return settings


def _client(settings: Settings, **changes):
    return create_app({"TESTING": True, "SETTINGS": settings.with_(**changes)}).test_client()


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_an_export_cut_at_the_limit_says_so_in_the_file_and_on_the_page(settings_of):
    client = _client(settings_of, max_export=3)
    response = client.get("/api/search?format=csv&sort=newest")
    assert response.is_streamed
    rows = _rows(response)
    assert len(rows) == 1 + 3 + 1  # header, three articles, the note
    assert rows[-1] == ["# cut: the first 3 of 4 matching articles (ask for fewer matches, "
                        "or raise NEWSFACET_MAX_EXPORT)"]
    data = client.get("/api/search?format=json").get_json()
    assert (data["total"], data["count"], data["truncated"]) == (4, 3, True)
    assert data["note"].startswith("# cut: the first 3 of 4")
    page = client.get("/search").get_data(as_text=True)
    assert "Export the first 3 of 4:" in page and "Export all" not in page
    whole = client.get("/api/search?q=embassy&format=json").get_json()
    assert (whole["count"], whole["truncated"], whole["note"]) == (2, False, None)
    assert not _rows(client.get("/api/search?q=embassy&format=csv"))[-1][0].startswith("# cut")
    assert "Export all 2:" in client.get("/search?q=embassy").get_data(as_text=True)


def test_the_limit_parameter_asks_for_fewer_rows(settings_of):
    client = _client(settings_of)
    rows = _rows(client.get("/api/search?format=csv&limit=2&sort=oldest"))
    assert [r[0] for r in rows[1:-1]] == ["a3", "a2"]  # oldest first; undated last
    assert rows[-1][0].startswith("# cut: the first 2 of 4 matching articles")
    assert client.get("/api/search?format=json&limit=4").get_json()["truncated"] is False


@pytest.mark.parametrize("limit", ["0", "-1", "x", "10001", "2.5"])
def test_a_bad_limit_is_refused_with_the_range(settings_of, limit):
    response = _client(settings_of).get(f"/api/search?format=csv&limit={limit}")
    assert response.status_code == 400
    assert response.get_json()["error"]["message"].startswith(
        "limit must be a whole number from 1 to 10,000")


def test_csv_has_agency_story_and_link_columns(settings_of):
    rows = _rows(_client(settings_of).get("/api/search?q=rockets&format=csv"))
    header, row = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert {"agency", "story", "link"} <= set(header) and header[-1] == "body"
    assert (row["id"], row["agency"], row["story"]) == ("a1", "AP", "s1")
    assert row["link"] == "http://localhost/article/a1"


def test_bom_for_spreadsheets_only_when_asked(settings_of):
    client = _client(settings_of)
    plain = client.get("/api/search?q=embassy&format=csv").get_data()
    assert plain.startswith(b"id,title,")
    excel = client.get("/api/search?q=embassy&format=csv&bom=1").get_data()
    assert excel.startswith(b"\xef\xbb\xbfid,title,") and excel.count(b"\xef\xbb\xbf") == 1
    page = client.get("/search?q=embassy").get_data(as_text=True)
    assert "format=csv&amp;bom=1" in page and ">CSV for Excel</a>" in page


@pytest.mark.parametrize("query, name", [
    ("q=embassy&entity=Kataib+Hezbollah&format=csv", "newsfacet-embassy-kataib-hezbollah.csv"),
    ("format=json", "newsfacet-all-articles.json"),
    ("q=caf%C3%A9+%22US+embassy%22&since=2019-05-01&format=csv",
     "newsfacet-cafe-us-embassy-since-2019-05-01.csv"),  # accents dropped, quotes gone
    ("q=%D8%A8%D8%BA%D8%AF%D8%A7%D8%AF&format=csv", "newsfacet-search.csv"),  # no Latin letters
])
def test_the_download_name_names_the_search(settings_of, query, name):
    response = _client(settings_of).get(f"/api/search?{query}")
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
