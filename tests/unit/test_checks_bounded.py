"""The checks rewritten to stay cheap at scale (issue 14) still find what they are for, on small
graphs that reach each branch: the ordered spectrum (every branch starts from the ordered
list, so an option that sits in some other RDF list is still missing from it), the protected
interviews (a person linked either way through a subclass, an IRI or a graph name that
spells a name, matched once against all of them), and the modules without disjointness."""

from __future__ import annotations

import pyoxigraph as ox

from kg.queries import get
from kg.store import OxigraphStore

IODM = "https://w3id.org/iodm#"
X = "https://w3id.org/iodm/id/x/"
G = "https://w3id.org/iodm/graph/user/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"


def n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def store(text: str, graph: str = G + "data.ttl") -> OxigraphStore:
    prefixes = (
        f"@prefix iodm: <{IODM}> . @prefix x: <{X}> . @prefix rdfs: <{RDFS}> . "
        f"@prefix skos: <{SKOS}> . @prefix foaf: <http://xmlns.com/foaf/0.1/> . "
        "@prefix owl: <http://www.w3.org/2002/07/owl#> . "
        "@prefix vann: <http://purl.org/vocab/vann/> . "
        "@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .\n"
    )
    s = OxigraphStore()
    s.add([q.triple for q in ox.parse(prefixes + text, format=ox.RdfFormat.TURTLE)], graph)
    return s


def found(check: str, s: OxigraphStore) -> set[tuple[str, ...]]:
    return {tuple(t.value if t else "" for t in row) for row in get(check).select(s).rows}


SPECTRUM = """
x:a skos:inScheme iodm:ConciliationConfrontationSpectrum ; iodm:confrontationRank 1 .
x:b skos:inScheme iodm:ConciliationConfrontationSpectrum ; iodm:confrontationRank 2 .
x:c skos:inScheme iodm:ConciliationConfrontationSpectrum ; iodm:confrontationRank 3 .
"""


def test_an_ordered_spectrum_in_rank_order_has_no_problem() -> None:
    s = store(SPECTRUM + "iodm:ConciliationConfrontationOrder skos:memberList ( x:a x:b x:c ) .")
    assert found("spectrum-order-violation", s) == set()


def test_each_problem_of_the_ordered_spectrum_is_found() -> None:
    s = store(
        SPECTRUM
        + "iodm:ConciliationConfrontationOrder skos:memberList ( x:b x:a x:z x:b ) .\n"
        + "x:other owl:oneOf ( x:c ) .  # in a list, but not in the ordered one"
    )
    problems = found("spectrum-order-violation", s)
    assert (X + "c", "an option of the spectrum missing from the ordered list") in problems
    assert (X + "z", "listed but not an option of the spectrum") in problems
    assert (X + "b", "listed twice") in problems
    assert (X + "b", f"listed before an option of no higher rank: {X}a") in problems


def test_every_route_to_a_protected_interview_is_found() -> None:
    s = store(
        """
        x:Special rdfs:subClassOf iodm:Interview .
        x:Human rdfs:subClassOf foaf:Person .
        x:interview-a a x:Special ; iodm:anonymity iodm:PartiallyIdentified .
        x:interview-b a iodm:Interview .
        x:interview-zoe-angstrom-2019 a iodm:Interview ; iodm:anonymity iodm:Anonymous .
        x:interview-named a iodm:Interview ; iodm:anonymity iodm:Named ; x:met x:p1 .
        x:p1 a x:Human ; vcard:fn "Zoë Ångström" ; rdfs:label "Zoe Angstrom" .
        x:p2 a iodm:Official ; rdfs:label "Ed" .
        x:p3 a foaf:Person ; foaf:name "Hortensia Blaumilch" .
        x:p1 x:met x:interview-a .
        x:interview-b x:with x:p2 , x:p3 ; iodm:interviewee x:p1 .
        """
    )
    s.add(
        [ox.Triple(n(X + "interview-c"), n(RDF + "type"), n(IODM + "Interview"))],
        G + "hortensia-blaumilch.ttl",
    )
    rows = found("protected-interview-identified-violation", s)
    assert (X + "interview-a", f"it is linked to the person <{X}p1>") in rows  # p1 → it
    assert (X + "interview-b", f"it is linked to the person <{X}p3>") in rows  # it → p3
    assert (X + "interview-zoe-angstrom-2019", "its IRI spells the name Zoe Angstrom") in rows
    graph = f"it is stated in the graph <{G}hortensia-blaumilch.ttl>, which spells the name "
    assert (X + "interview-c", graph + "Hortensia Blaumilch") in rows
    assert not any(i == X + "interview-named" for i, _ in rows)  # published with a name
    assert not any("p2" in d or "Ed" in d for _, d in rows)  # an official is no person; "ed"
    assert all(d != f"it is linked to the person <{X}p1>" for i, d in rows if i.endswith("-b"))


def test_a_module_without_disjointness_is_found_and_one_with_it_is_not() -> None:
    s = store(
        """
        @prefix m1: <https://w3id.org/iodm/m1#> . @prefix m2: <https://w3id.org/iodm/m2#> .
        <https://w3id.org/iodm/m1> a owl:Ontology ; vann:preferredNamespaceUri "{}" .
        m1:A owl:disjointWith m1:B .
        <https://w3id.org/iodm/m2> a owl:Ontology ; vann:preferredNamespaceUri "{}" .
        [] a owl:AllDisjointClasses ; owl:members ( m2:A m2:B ) .
        <https://w3id.org/iodm/m3> a owl:Ontology ; vann:preferredNamespaceUri "{}" .
        """.format(*tuple(f"https://w3id.org/iodm/m{i}#" for i in (1, 2, 3)))
    )
    assert found("p10-missing-disjointness-violation", s) == {("https://w3id.org/iodm/m3",)}
