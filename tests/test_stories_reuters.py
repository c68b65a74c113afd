"""Story ids on the Reuters-21578 corpus (19,771 articles with a body): the stories merged are
copies, corrections and rewrites of one story, not topic neighbours. Twenty merged pairs are
sampled, printed (run with -s to see them) and checked.

Speed is measured by bench/stories.py, not here.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict

import pytest

from bench.corpus import REUTERS, reuters_records, write_corpus
from search.config import Settings
from search.engines import open_engine
from search.entities import EntityTable
from search.indexing import index_paths
from search.models import SearchRequest
from search.stories import jaccard, shingles

pytestmark = [pytest.mark.slow, pytest.mark.shared(REUTERS)]

# Numbers and capitalised words: what differs between two notices written from one template.
_FACT = re.compile(r"\b(?:\w*\d[\w.,/-]*|[A-Z][\w'-]+)")


@pytest.fixture(scope="module")
def reuters(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reuters")
    records = reuters_records()
    corpus = write_corpus(records, len(records), folder / "reuters.jsonl")
    engine = open_engine(Settings(index_dir=str(folder / "ix")), create=True)
    report = index_paths([str(corpus)], engine, EntityTable.load(None))
    members = defaultdict(list)
    _, articles = engine.export(SearchRequest(sort="oldest", with_facets=False), 1_000_000)
    for article in articles:
        members[article.story].append(article)
    engine.close()
    return report, {s: a for s, a in members.items() if len(a) > 1}


def _facts(text: str) -> set[str]:
    return {m.lower() for m in _FACT.findall(text)}


def test_reuters_merged_pairs_are_real_duplicates(reuters):
    report, shared = reuters
    in_shared = sum(len(a) for a in shared.values())
    print(f"\n{len(shared)} stories with more than one article, {in_shared} articles in them; "
          f"{report.merged} articles joined a story")
    # Reuters-21578 holds several hundred repeated and corrected stories (bench/stories.py).
    assert 300 <= len(shared) <= 2000
    rng = random.Random(1987)
    for story in rng.sample(sorted(shared), 20):
        a, b = rng.sample(shared[story], 2)
        score = jaccard(shingles(a.body), shingles(b.body))
        facts = len(_facts(a.body) & _facts(b.body)) / len(_facts(a.body) | _facts(b.body))
        print(f"  shingles {score:.2f} facts {facts:.2f}  {a.title[:50]} | {b.title[:50]}")
        # Copies share most 5-word runs, and most of their numbers and names too.
        assert score >= 0.5, (a.id, b.id, a.title, b.title)
        assert facts >= 0.4, (a.id, b.id, a.title, b.title)
