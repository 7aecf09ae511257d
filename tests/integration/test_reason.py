"""HermiT through owlready2: consistency, classification, and explanations in words."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.core.errors import InvalidDataError
from kg.pipeline.reason import check, materialize

pytestmark = pytest.mark.slow

PREFIXES = """
@prefix : <https://example.org/r#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
:Unit a owl:Class . :Person a owl:Class . :Unit owl:disjointWith :Person .
:Section a owl:Class ; rdfs:subClassOf :Unit .
:Staffed a owl:Class ; owl:equivalentClass [ a owl:Restriction ;
    owl:onProperty :hasMember ; owl:someValuesFrom :Person ] .
:hasMember a owl:ObjectProperty .
:founded a owl:DatatypeProperty ; rdfs:range xsd:date .
"""


def triples(turtle: str) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(PREFIXES + turtle, format=ox.RdfFormat.TURTLE)]


def test_consistent_and_classified() -> None:
    report = check(
        triples(
            ":StaffedSection a owl:Class ; rdfs:subClassOf :Section ,"
            " [ a owl:Restriction ; owl:onProperty :hasMember ; owl:someValuesFrom :Person ] ."
        )
    )
    assert report.consistent and report.ok
    inferred = {(a.split("#")[1], b.split("#")[1]) for a, b in report.inferred_subclasses}
    assert ("StaffedSection", "Staffed") in inferred
    assert "consistent" in report.summary()


def test_unsatisfiable_class_is_named_and_explained() -> None:
    report = check(triples(":Chimera a owl:Class ; rdfs:subClassOf :Section , :Person ."))
    assert report.consistent and not report.ok
    assert report.unsatisfiable == ["https://example.org/r#Chimera"]
    assert any("Chimera" in e and "disjoint" in e for e in report.explanations)


def test_inconsistency_is_explained_in_words() -> None:
    report = check(triples(":hr a :Section , :Person ."))
    assert not report.consistent
    text = report.summary()
    assert "inconsistent" in text
    assert any("is both a" in e and "disjoint" in e for e in report.explanations)


def test_datatype_range_conflict_is_explained() -> None:
    report = check(
        triples(':size a owl:DatatypeProperty ; rdfs:range xsd:integer . :hr :size "big" .')
    )
    assert not report.consistent
    assert any("size" in e and "xsd:integer" in e for e in report.explanations)


def test_ill_typed_literal_is_named_not_crashed_on() -> None:
    with pytest.raises(InvalidDataError, match='"abc" is not a valid xsd:integer'):
        check(triples(':hr a :Section ; :founded "abc"^^xsd:integer .'))


def test_materialize_writes_only_new_named_triples() -> None:
    data = triples(":hr a :Section .")
    inferred = materialize(data)
    assert (
        ox.Triple(
            ox.NamedNode("https://example.org/r#hr"),
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode("https://example.org/r#Unit"),
        )
        in inferred
    )
    assert not set(inferred) & set(data)
    assert all(
        not isinstance(t.subject, ox.BlankNode) and not isinstance(t.object, ox.BlankNode)
        for t in inferred
    )
