"""The text-dump harness of the extraction benchmark (bench/textdump.py) on awkward pages."""

from __future__ import annotations

import pytest

from bench.textdump import html_to_text_dump


@pytest.mark.parametrize("declaration", [
    '<?xml version="1.0" encoding="utf-8"?>\n',
    "  <?xml version='1.0' encoding='ISO-8859-1' standalone='no'?>",
    "",
])
def test_pages_with_an_xml_declaration_are_dumped(declaration):
    html = (declaration + '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>T</title>'
            "<script>var x = 1;</script></head><body><nav>Home</nav><p>First paragraph.</p>"
            "<p>Second <b>paragraph</b>.</p></body></html>")
    assert html_to_text_dump(html) == "Home\n\nFirst paragraph.\n\nSecond paragraph.\n"
