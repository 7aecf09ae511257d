"""OWL 2 RL on Oxigraph (kg.pipeline.rl): the rules' inferences, and inconsistencies said in
words with the file and line of each statement."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kg.core.namespaces import INFERRED_GRAPH
from kg.pipeline.build import load_sources
from kg.pipeline.reason import explain_clashes
from kg.pipeline.rl import Closure, materialize_store
from kg.store import OxigraphStore

IODM = "https://w3id.org/iodm#"
EX = "https://example.org/study/"
HEAD = """@prefix ex: <https://example.org/study/> .
@prefix iodm: <https://w3id.org/iodm#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""


def ontology_and(tmp_path: Path, body: str) -> tuple[Closure, list]:  # type: ignore[type-arg]
    path = tmp_path / "user.ttl"
    path.write_text(HEAD + body, encoding="utf-8")
    sources = [s for s in load_sources([path], core_only=True) if not s.is_shapes]
    closure = Closure(t for s in sources for t in s.triples)
    closure.run()
    return closure, sources


def t(s: str, p: str, o: str) -> ox.Triple:
    return ox.Triple(ox.NamedNode(s), ox.NamedNode(p), ox.NamedNode(o))


def test_property_chain_with_an_inverse_step(tmp_path: Path) -> None:
    closure, _ = ontology_and(
        tmp_path,
        "ex:h a iodm:PostHolding ; iodm:holder ex:ann ; iodm:heldPost ex:post .\n",
    )
    inferred = set(closure.inferred())
    assert t(EX + "ann", IODM + "holdsPost", EX + "post") in inferred  # the chain
    assert t(EX + "ann", "http://www.w3.org/ns/org#holds", EX + "post") in inferred  # its super
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    assert t(EX + "ann", rdf_type, IODM + "Official") in inferred  # a range
    assert t(EX + "post", rdf_type, IODM + "Post") in inferred
    assert not closure.clashes()
    assert all(isinstance(x.subject, ox.NamedNode) for x in inferred)


def test_materialize_store_replaces_the_inferred_graph(tmp_path: Path) -> None:
    path = tmp_path / "user.ttl"
    path.write_text(HEAD + "ex:u a iodm:OrganizationalUnit ; org:unitOf ex:m .\n")
    store = OxigraphStore()
    for s in load_sources([path], core_only=True):
        if not s.is_shapes:
            store.add(s.triples, s.graph)
    stale = t(EX + "stale", IODM + "holdsPost", EX + "gone")
    store.add([stale], INFERRED_GRAPH)
    n = materialize_store(store)
    written = {q.triple for q in store.quads(INFERRED_GRAPH)}
    assert n == len(written) > 0
    assert stale not in written
    assert t(EX + "m", "http://www.w3.org/ns/org#hasUnit", EX + "u") in written  # inverseOf
    assert t(EX + "u", "http://www.w3.org/ns/org#transitiveSubOrganizationOf", EX + "m") in written


def test_owl_nothing_is_named_with_its_line(tmp_path: Path) -> None:
    closure, sources = ontology_and(tmp_path, "\nex:void a owl:Nothing .\n")
    messages = explain_clashes(closure.clashes(), closure, sources)
    assert len(messages) == 1
    assert "ex:void is a owl:Nothing" in messages[0]
    assert f"{tmp_path / 'user.ttl'}:7" in messages[0]
    assert "cls-nothing2" in messages[0]


def test_two_disjoint_types_name_the_axiom_and_the_statement(tmp_path: Path) -> None:
    closure, sources = ontology_and(
        tmp_path, '\n\nex:chimera a iodm:Official , iodm:Post ;\n    rdfs:label "c" .\n'
    )
    [message] = explain_clashes(closure.clashes(), closure, sources)
    assert "ex:chimera is a iodm:Official and a iodm:Post" in message
    assert "which the ontology declares disjoint (ontology/iodm.ttl:" in message
    line = int(message.split("ontology/iodm.ttl:")[1].split(")")[0])
    text = (Path(__file__).parents[2] / "ontology" / "iodm.ttl").read_text().splitlines()
    assert "AllDisjointClasses" in text[line - 1]
    assert f"{tmp_path / 'user.ttl'}:8" in message


def test_a_type_inferred_by_subclassing_says_from_which(tmp_path: Path) -> None:
    closure, sources = ontology_and(tmp_path, "ex:fp a iodm:FieldPresence , iodm:Official .\n")
    messages = explain_clashes(closure.clashes(), closure, sources)
    assert any(
        "is a org:Organization and a iodm:Official" in m and "as a iodm:FieldPresence" in m
        for m in messages
    ), messages


def test_different_individuals_made_the_same(tmp_path: Path) -> None:
    closure, sources = ontology_and(tmp_path, "iodm:Anonymous owl:sameAs iodm:Named .\n")
    messages = explain_clashes(closure.clashes(), closure, sources)
    assert any("declared different" in m and "eq-diff1" in m for m in messages), messages
