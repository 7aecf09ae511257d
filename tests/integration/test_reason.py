"""HermiT through owlready2: consistency, classification, and explanations in words."""

from __future__ import annotations

from pathlib import Path

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


# --- the OWL 2 RL rules against owlrl's closure ------------------------------------------------

OWL = "http://www.w3.org/2002/07/owl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"


def axiomatic(t: ox.Triple) -> bool:
    """owlrl's closure has triples that hold of every ontology, whatever its data: the bounds of
    every class (``C ⊑ owl:Thing``, ``owl:Nothing ⊑ C``, and so ``owl:Thing`` as every domain
    and range), the declarations of the built-in datatypes and annotation properties, and the
    disjointness of XSD's value spaces. The rules leave them out (they say nothing about the
    data); so does the comparison, by name — any other difference fails it."""
    s, p, o = t.subject.value, t.predicate.value, t.object.value  # type: ignore[union-attr]
    if p in (RDFS + "subClassOf", RDFS + "domain", RDFS + "range") and o == OWL + "Thing":
        return True
    if p == RDFS + "subClassOf" and s == OWL + "Nothing":
        return True
    if p == RDF + "type" and s in (OWL + "Thing", OWL + "Nothing") and o == OWL + "Class":
        return True
    if p == RDF + "type" and o == RDFS + "Datatype" and s.startswith((XSD, RDF, RDFS)):
        return True
    if p == OWL + "disjointWith" and s.startswith(XSD) and o.startswith(XSD):
        return True
    return p == RDF + "type" and o == OWL + "AnnotationProperty" and s.startswith((RDFS, OWL))


def same_closure(data: list[ox.Triple]) -> None:
    from kg.pipeline.rl import Closure

    closure = Closure(data)
    closure.run()
    ours = set(closure.inferred())
    theirs = {t for t in materialize(data) if not axiomatic(t)}  # owlrl, named triples only
    assert ours - theirs == set(), sorted(map(str, ours - theirs))[:20]
    assert theirs - ours == set(), sorted(map(str, theirs - ours))[:20]
    assert len(ours) > 100  # subclasses, domains, ranges, inverses, the holdsPost chain


def test_rules_give_owlrl_closure_on_the_curated_graph() -> None:
    from kg.pipeline.build import load_sources, split

    data, _ = split(load_sources())
    same_closure(data)


def test_rules_give_owlrl_closure_on_a_synthetic_graph(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys
    from pathlib import Path

    from kg.pipeline.build import load_sources

    root = Path(__file__).parents[2]
    out = tmp_path / "synthetic.nt"
    subprocess.run(
        [sys.executable, str(root / "benchmarks" / "synthetic.py"), "5000", "-o", str(out)],
        check=True,
        capture_output=True,
    )
    ontology = [t for s in load_sources() if s.role == "ontology" for t in s.triples]
    synthetic = [q.triple for q in ox.parse(path=out, format=ox.RdfFormat.N_TRIPLES)]
    holds_post = ox.NamedNode("https://w3id.org/iodm#holdsPost")
    same_closure(ontology + synthetic)
    from kg.pipeline.rl import Closure

    closure = Closure(ontology + synthetic)
    closure.run()
    assert any(t.predicate == holds_post for t in closure.inferred())


def test_hermit_leaves_large_derivations_to_the_rules(
    curated_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the build derived grows with the user's data (400,000 triples from a million): past
    HERMIT_MAX it goes to the OWL 2 RL rules with that data, not to HermiT, which would not end."""
    from kg.core.namespaces import GRAPH
    from kg.pipeline import reason as module
    from kg.store import OxigraphStore

    store = OxigraphStore(curated_path)
    derived = {q.triple for q in store.quads(GRAPH + "derived")}
    given: list[list[ox.Triple]] = []
    real = module.check
    monkeypatch.setattr(module, "check", lambda ts: given.append(ts) or real(ts))
    monkeypatch.setattr(module, "HERMIT_MAX", len(derived) - 1)
    report = module.reason(store)
    assert report.ok and "what the build derived" in report.summary()
    assert given and not derived & set(given[0])
    monkeypatch.setattr(module, "HERMIT_MAX", len(derived))
    given.clear()
    report = module.reason(store)
    assert report.ok and derived <= set(given[0])  # small: HermiT sees it
    assert "OWL 2 RL rules" not in report.summary()
