"""Stores for the analysis tests, each built once: the curated graph, the development-bank
example (core only), the toy fixture and the synthetic stabilization fixture (with the curated
graph). All are in memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.pipeline.build import build
from kg.store import OxigraphStore

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "stabilization.ttl"
TOY = sorted((ROOT / "tests" / "fixtures" / "toy").glob("*.ttl"))
BANK = sorted((ROOT / "examples" / "development-bank").glob("*.ttl"))
EX = "https://example.org/analysis-test/"


@pytest.fixture(scope="session")
def curated() -> OxigraphStore:
    store = OxigraphStore()
    build(store)
    return store


@pytest.fixture(scope="session")
def bank() -> OxigraphStore:
    store = OxigraphStore()
    build(store, BANK, core_only=True)
    return store


@pytest.fixture(scope="session")
def toy() -> OxigraphStore:
    store = OxigraphStore()
    build(store, TOY)
    return store


@pytest.fixture(scope="session")
def stabilization() -> OxigraphStore:
    store = OxigraphStore()
    build(store, [FIXTURE])
    return store


def count(store: OxigraphStore) -> int:
    return len(list(store.quads()))
