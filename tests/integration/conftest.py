"""The session's one HermiT run, shared by every test that asks the reasoner about the packaged
graphs."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from kg.pipeline.reason import ReasonerReport
from kg.store import Store

from ..conftest import BANK


@dataclass(frozen=True)
class Reasoned:
    report: ReasonerReport
    graphs: frozenset[str]  # the named graphs HermiT was given, together


@pytest.fixture(scope="session")
def hermit(curated: Store) -> Reasoned:
    """HermiT once, on the curated graph as built (ontology, vocabularies, curated data and the
    derived graph) together with the development-bank example.

    HermiT costs seconds per run, and OWL is monotonic: if the whole is consistent, so is every
    part, and a class with no possible member in a part has none in the whole. So a report that
    is consistent with no unsatisfiable class holds for each part it was given, and each test
    asserts that the graphs it is about were among :attr:`Reasoned.graphs`.
    """
    from kg.pipeline.build import split, stored_sources
    from kg.pipeline.load import parse_all
    from kg.pipeline.reason import check

    sources = stored_sources(curated) + parse_all([(p, p.as_uri(), "extra") for p in BANK])
    data, _ = split(sources)
    graphs = frozenset(s.graph for s in sources if not s.is_shapes)
    return Reasoned(check(data), graphs)
