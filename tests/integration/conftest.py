"""Fixtures of the integration tests."""

from __future__ import annotations

import pytest

from kg.store import Store


@pytest.fixture(scope="module")
def curated(curated_store: Store) -> Store:
    """The curated graph as `iodm build` writes it (the session's :func:`curated_store`)."""
    return curated_store
