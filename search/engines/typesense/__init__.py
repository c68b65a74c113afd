"""The Typesense engine: ``engine`` (collection, writing, searching), ``conn`` (the HTTP
connection to the nodes), ``query`` (our query language to Typesense's), ``rank`` (BM25F over
Typesense's matches), ``browse``, ``stories``, and ``local`` (a server on this machine, for
tests and benchmarks).
"""

from __future__ import annotations

from .engine import FACET_FIELDS, TypesenseEngine, collection_schema
from .local import LocalServer, free_port, leader, start_cluster

__all__ = ["FACET_FIELDS", "LocalServer", "TypesenseEngine", "collection_schema", "free_port",
           "leader", "start_cluster"]
