"""One label policy: the analysis (CLI tables, figures) and the pages name a resource alike."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.analysis.facts import labels
from kg.core.labels import LABELS_QUERY, best_labels
from kg.core.namespaces import dcterms, foaf, rdfs, skos
from kg.publish.describe import label_of
from kg.store import OxigraphStore

EX = "https://example.org/labels/"
G = EX + "graph"


def _store(*statements: tuple[str, str, ox.Literal]) -> OxigraphStore:
    store = OxigraphStore()
    store.add([ox.Triple(ox.NamedNode(EX + s), ox.NamedNode(p), o) for s, p, o in statements], G)
    return store


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        # a SKOS concept with both: its rdfs:label, as the named queries print it
        (
            [
                ("c", skos.prefLabel, ox.Literal("Fight", language="en")),
                ("c", rdfs.label, ox.Literal("CAMEO 19: Fight", language="en")),
            ],
            "CAMEO 19: Fight",
        ),
        # English before untagged before other languages, whatever the property
        (
            [
                ("c", rdfs.label, ox.Literal("Combat", language="fr")),
                ("c", skos.prefLabel, ox.Literal("Fight")),
            ],
            "Fight",
        ),
        # the smallest of equals, so the choice does not depend on the store's order
        ([("c", rdfs.label, ox.Literal("b")), ("c", rdfs.label, ox.Literal("a"))], "a"),
        ([("c", dcterms["title"], ox.Literal("A title"))], "A title"),
        ([("c", foaf.name, ox.Literal("A name"))], "A name"),
    ],
)
def test_analysis_and_pages_pick_the_same_label(
    statements: list[tuple[str, str, ox.Literal]], expected: str
) -> None:
    store = _store(*statements)
    node = ox.NamedNode(EX + "c")
    assert labels(store)[node.value] == expected
    assert label_of(store.store, node) == expected
    assert best_labels(store.select(LABELS_QUERY).rows)[node.value] == expected


def test_no_label_is_none_not_a_guess() -> None:
    store = _store(("c", EX + "other", ox.Literal("not a label")))
    assert label_of(store.store, ox.NamedNode(EX + "c")) is None
    assert EX + "c" not in labels(store)
