"""The analysis tests' own graph: the synthetic stabilization fixture with the curated graph, in
memory. The curated graph, the toy fixture and the development-bank example are the session's
(tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.pipeline.build import build
from kg.store import OxigraphStore, Store

from ..conftest import TOY

__all__ = ["EX", "FIXTURE", "TOY", "count"]

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "stabilization.ttl"
EX = "https://example.org/analysis-test/"


@pytest.fixture(scope="session")
def stabilization() -> OxigraphStore:
    store = OxigraphStore()
    build(store, [FIXTURE])
    return store


def count(store: Store) -> int:
    return len(list(store.quads()))
