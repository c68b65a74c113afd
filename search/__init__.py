"""newsfacet: full-text search with facets for collections of news articles."""

from __future__ import annotations

from .config import Settings
from .errors import SearchError
from .models import Article, Entity, FacetValue, Hit, SearchRequest, SearchResults

__all__ = ["Article", "Entity", "FacetValue", "Hit", "SearchError", "SearchRequest",
           "SearchResults", "Settings"]
