"""The same named queries give the same rows on oxigraph:, memory: and sparql: (a live server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.pipeline.build import build
from kg.queries import library
from kg.store import OxigraphStore, Store

from ..conftest import FIXTURES
from ..servers import cq_answers

TOY = sorted((FIXTURES / "toy").glob("*.ttl"))
QUERIES = [q for q in library().values() if q.group == "cq"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple]]:
    store = OxigraphStore(Path(tmp_path_factory.mktemp("reference")) / "store", writable=True)
    build(store, TOY)
    return cq_answers(store)


def test_every_backend_answers_every_question_alike(any_store: Store, reference) -> None:  # type: ignore[no-untyped-def]
    assert QUERIES, "no competency questions in queries/cq"
    build(any_store, TOY)
    assert cq_answers(any_store) == reference
    assert any(reference.values()), "the questions should have answers on the toy fixture"
