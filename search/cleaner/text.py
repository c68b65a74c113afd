"""Text-mode cleaner (placeholder until the line classifier lands)."""

from __future__ import annotations

from . import Block, CleanedDocument


def clean_text(text: str) -> CleanedDocument:
    """Return the text dump as one body block per non-empty line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    blocks = tuple(Block(line, "body") for line in lines)
    return CleanedDocument(body="\n\n".join(lines), mode="text", blocks=blocks)
