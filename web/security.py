"""Response hardening for the web front end (headers, optional access token)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the security hooks on the app."""
