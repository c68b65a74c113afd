"""Reading raw input: decoding, skips with reasons, JSON Lines records, metadata overrides."""

from __future__ import annotations

import codecs
import os

import pytest

from search.errors import InputError
from search.ingest.sources import RawDocument, Skipped, decode, iter_documents, load_overrides


@pytest.mark.parametrize("raw, expected", [
    ("Café".encode(), "Café"),
    (codecs.BOM_UTF8 + "Café".encode(), "Café"),
    (codecs.BOM_UTF16_LE + "Café".encode("utf-16-le"), "Café"),
    ("Café – “x”".encode("cp1252"), "Café – “x”"),   # not UTF-8: Windows-1252 fallback
    ("Café".encode("latin-1"), "Café"),
    (b"\x00\x01binary", None),
])
def test_decode(raw, expected):
    assert decode(raw) == expected


def test_declared_charset_is_used_for_html():
    page = '<meta charset="koi8-r"><p>Привет</p>'.encode("koi8-r")
    assert "Привет" in decode(page, html=True)


def collect(tmp_path, *names):
    return list(iter_documents([str(tmp_path / n) for n in names] or [str(tmp_path)], 1000))


def test_folder_walk_and_skips(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.html").write_text("<p>x</p>")
    (tmp_path / "b.txt").write_text("text")
    (tmp_path / "big.txt").write_text("x" * 2000)
    (tmp_path / ".hidden.txt").write_text("secret")
    (tmp_path / "loop").symlink_to(tmp_path)
    docs = list(iter_documents([str(tmp_path)], 1000))
    kinds = {os.path.basename(d.source): (d.kind if isinstance(d, RawDocument) else d.reason)
             for d in docs}
    assert kinds["a.html"] == "html" and kinds["b.txt"] == "text"
    assert kinds["big.txt"].startswith("file is 2,000 bytes, over the limit of 1,000")
    assert ".hidden.txt" not in kinds
    assert len(docs) == 3  # the symlink loop is not followed


def test_missing_path(tmp_path):
    assert list(iter_documents([str(tmp_path / "nope")], 10)) == [
        Skipped(str(tmp_path / "nope"), "no such file or folder")]


def test_jsonl_records(tmp_path):
    lines = [
        '{"title": "T1", "body": "Body one.", "date": "2019-05-16", "outlet": "AFP"}',
        "not json",
        '["a list"]',
        '{"title": "T3", "html": "<p>Hello</p>", "url": "https://example.com/a"}',
        "",
        '{"body": 5}',
        '{"title": {"nested": 1}, "body": "x"}',
    ]
    (tmp_path / "a.jsonl").write_text("\n".join(lines), encoding="utf-8")
    docs = list(iter_documents([str(tmp_path / "a.jsonl")], 10_000))
    assert docs[0].kind == "record" and docs[0].fields["outlet"] == "AFP"
    assert docs[0].source.endswith("a.jsonl#1")
    assert isinstance(docs[1], Skipped) and docs[1].reason.startswith("not valid JSON")
    assert docs[2].reason.startswith("a JSON line must be an object")
    assert docs[3].kind == "html" and docs[3].source == "https://example.com/a"
    assert docs[4].kind == "record" and docs[4].content == "5"
    assert docs[5].reason == "field 'title' must be a string"


def test_overrides_csv_and_json(tmp_path):
    csv_file = tmp_path / "m.csv"
    csv_file.write_text("source,date,outlet\n./seeds/a.txt,2019-05-16,AFP\n")
    assert load_overrides(str(csv_file)) == {"seeds/a.txt": {"date": "2019-05-16", "outlet": "AFP"}}
    json_file = tmp_path / "m.json"
    json_file.write_text('{"https://x.org/a": {"title": "T"}}')
    assert load_overrides(str(json_file)) == {"https://x.org/a": {"title": "T"}}
    bad = tmp_path / "bad.csv"
    bad.write_text("path,date\n")
    with pytest.raises(InputError, match="needs a 'source'"):
        load_overrides(str(bad))


def test_unreadable_path_is_a_skip_not_a_crash(tmp_path, monkeypatch):
    # As root, file modes do not stop reads; some links under /proc still refuse them.
    from search.ingest import sources

    (tmp_path / "a.txt").write_text("Rockets hit the embassy. " * 20)
    (tmp_path / "b.txt").write_text("Militias denied it. " * 20)
    real = sources._read_path

    def refusing(path, max_bytes, *rest):
        if path.endswith("a.txt"):
            raise PermissionError(13, "Permission denied")
        return real(path, max_bytes, *rest)

    monkeypatch.setattr(sources, "_read_path", refusing)
    items = list(sources.iter_documents([str(tmp_path)], 1_000_000))
    assert [(type(i).__name__, i.source.rsplit("/", 1)[-1]) for i in items] == [
        ("Skipped", "a.txt"), ("RawDocument", "b.txt")]
    assert items[0].reason == "cannot read: Permission denied"


def test_link_that_cannot_be_resolved_is_a_skip(tmp_path, monkeypatch):
    from search.ingest import sources

    (tmp_path / "a.txt").write_text("Rockets hit the embassy. " * 20)

    def refusing(path):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(sources.os.path, "realpath", refusing)
    items = list(sources.iter_documents([str(tmp_path)], 1_000_000))
    assert [(type(i).__name__, i.reason) for i in items] == [
        ("Skipped", "cannot read: Permission denied")]


def test_a_pass_that_only_reads_text_can_leave_the_hash_out(tmp_path):
    (tmp_path / "a.html").write_text("<html><title>A</title><p>Some text</p></html>")
    (tmp_path / "b.txt").write_text("Some text")
    hashed = list(iter_documents([str(tmp_path)], 1_000_000))
    plain = list(iter_documents([str(tmp_path)], 1_000_000, hashed=False))
    assert [(d.source, d.kind, d.content) for d in plain] == \
        [(d.source, d.kind, d.content) for d in hashed]
    assert [d.raw_hash for d in plain] == ["", ""]
    assert all(len(d.raw_hash) == 40 for d in hashed)  # the default: sha1 of the bytes
