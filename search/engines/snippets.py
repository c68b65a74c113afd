"""HTML-safe snippets: article text escaped, and only our own ``<mark>`` tags added.

This is the one place that produces markup from article text; everything it returns is safe
to insert into a page unescaped.
"""

from __future__ import annotations

import html

from whoosh import highlight

ELLIPSIS = "…"


class MarkFormatter(highlight.Formatter):
    """Formats Whoosh fragments as escaped text with matches wrapped in ``<mark>``."""

    between = f" {ELLIPSIS} "

    def _text(self, text: str) -> str:
        return html.escape(text, quote=False)

    def format_token(self, text, token, replace=False):
        return "<mark>" + html.escape(highlight.get_text(text, token, replace), quote=False) + "</mark>"

    def format(self, fragments, replace=False):
        fragments = sorted(fragments, key=lambda f: f.startchar)
        parts = [" ".join(self.format_fragment(f, replace=replace).split()) for f in fragments]
        if not parts:
            return ""
        text = fragments[0].text
        before = ELLIPSIS + " " if fragments[0].startchar > 0 else ""
        after = " " + ELLIPSIS if fragments[-1].endchar < len(text) else ""
        return before + self.between.join(parts) + after


def lead_snippet(body: str, chars: int) -> str:
    """Return the start of the body, cut on a word boundary, escaped."""
    text = " ".join(body.split())
    if len(text) <= chars:
        return html.escape(text, quote=False)
    cut = text[:chars].rsplit(" ", 1)[0]
    return html.escape(cut, quote=False) + " " + ELLIPSIS


def mark_all(text: str, terms: set[str], analyzer) -> str:
    """Return the whole text escaped, with every token whose analysed form is a term marked."""
    if not terms:
        return html.escape(text, quote=False)
    formatter = MarkFormatter()
    tokens = [t.copy() for t in analyzer(text, chars=True, mode="index", removestops=False)
              if t.text in terms]
    if not tokens:
        return html.escape(text, quote=False)
    fragment = highlight.Fragment(text, tokens, startchar=0, endchar=len(text))
    return formatter.format_fragment(fragment)
