"""The home page of a large dataset lists no resources (finding them reads every statement):
it says how many statements there are and points to the query page (issue 14, point 5)."""

from __future__ import annotations

import pytest

from kg.publish import documents
from kg.publish.dataset import Published
from kg.publish.documents import Documents


def test_a_small_dataset_lists_its_resources_by_kind(published: Published) -> None:
    page = Documents(published, "http://127.0.0.1:1/", live=True).home().body
    assert "Resources by kind" in page and "/doc/mission/unmil" in page
    assert "triples in" in page


def test_a_large_one_points_to_the_query_page(
    published: Published, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(documents, "HOME_SCAN_LIMIT", 10)
    page = Documents(published, "http://127.0.0.1:1/", live=True).home().body
    assert "Resources by kind" not in page and "/doc/mission/unmil" not in page
    assert f"{len(published.store):,} statements in {len(published.graphs)} named graphs" in page
    assert 'href="/query"' in page
