"""Hash-namespace documents: the ontology at ``https://w3id.org/iodm`` (and ``…/iodm/pko``, …).

Following the W3C *Best Practice Recipes for Publishing RDF Vocabularies* for a hash namespace,
``https://w3id.org/iodm#Post`` is answered by the document ``https://w3id.org/iodm``: in RDF, the
named graphs that declare the ontology or define terms in the namespace; in HTML, every term with
its label, definition, citation and axioms, under an anchor equal to its local name (``#Post``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.core.namespaces import DCTERMS, OWL, RDF, RDFS, SKOS
from kg.publish.describe import about, closure

#: Kinds of term, in the order the documentation lists them.
KINDS = (
    (OWL + "Class", "Classes"),
    (OWL + "ObjectProperty", "Object properties"),
    (OWL + "DatatypeProperty", "Datatype properties"),
    (OWL + "AnnotationProperty", "Annotation properties"),
    (RDFS + "Datatype", "Datatypes"),
    (SKOS + "ConceptScheme", "Concept schemes"),
    (SKOS + "Collection", "Collections"),
    (SKOS + "OrderedCollection", "Collections"),
    (OWL + "NamedIndividual", "Named individuals"),
)
DEFINITION = (SKOS + "definition", RDFS + "comment", DCTERMS + "description")
CITATION = (
    DCTERMS + "source",
    DCTERMS + "bibliographicCitation",
    RDFS + "isDefinedBy",
    RDFS + "seeAlso",
    SKOS + "example",
    SKOS + "scopeNote",
    SKOS + "note",
)


@dataclass
class Term:
    iri: str
    local: str
    kind: str
    statements: list[ox.Triple]


@dataclass
class OntologyDocument:
    iri: str  # the document (and, for an OWL ontology, the ontology) IRI
    namespace: str  # iri + "#"
    graphs: list[str]
    triples: list[ox.Triple]
    header: list[ox.Triple]  # statements about the ontology itself
    sections: list[tuple[str, list[Term]]] = field(default_factory=list)

    @property
    def terms(self) -> list[Term]:
        return [t for _, terms in self.sections for t in terms]


def document_graphs(store: ox.Store, iri: str) -> list[str]:
    """Named graphs that make up the document: those declaring it an ontology (or its version
    IRI), or defining a term in its namespace."""
    node = ox.NamedNode(iri)
    graphs: set[str] = set()
    for q in store.quads_for_pattern(node, ox.NamedNode(RDF + "type"), None, None):
        if isinstance(q.graph_name, ox.NamedNode):
            graphs.add(q.graph_name.value)
    for q in store.quads_for_pattern(None, ox.NamedNode(OWL + "versionIRI"), node, None):
        if isinstance(q.graph_name, ox.NamedNode):
            graphs.add(q.graph_name.value)
    prefix = iri + "#"
    for q in store.quads_for_pattern(None, ox.NamedNode(RDF + "type"), None, None):
        s = q.subject
        in_namespace = isinstance(s, ox.NamedNode) and s.value.startswith(prefix)
        if in_namespace and isinstance(q.graph_name, ox.NamedNode):
            graphs.add(q.graph_name.value)
    return sorted(graphs)


def ontology_iri_for(store: ox.Store, iri: str) -> str:
    """The ontology a version IRI names (``…/iodm/0.2.0`` → ``…/iodm``), else ``iri``."""
    for q in store.quads_for_pattern(
        None, ox.NamedNode(OWL + "versionIRI"), ox.NamedNode(iri), None
    ):
        if isinstance(q.subject, ox.NamedNode):
            return q.subject.value
    return iri


def ontology_document(store: ox.Store, iri: str) -> OntologyDocument | None:
    """The document for a namespace IRI, or None when nothing is published under it."""
    iri = ontology_iri_for(store, iri)
    graphs = document_graphs(store, iri)
    if not graphs:
        return None
    triples = list(
        dict.fromkeys(
            q.triple
            for g in graphs
            for q in store.quads_for_pattern(None, None, None, ox.NamedNode(g))
        )
    )
    namespace = iri + "#"
    header = closure(store, about(store, ox.NamedNode(iri)))
    typed: dict[str, set[str]] = {}
    for t in triples:
        s = t.subject
        if (
            isinstance(s, ox.NamedNode)
            and s.value.startswith(namespace)
            and t.predicate.value == RDF + "type"
            and isinstance(t.object, ox.NamedNode)
        ):
            typed.setdefault(s.value, set()).add(t.object.value)
    doc = OntologyDocument(iri, namespace, graphs, triples, header)
    placed: set[str] = set()
    for kind, title in KINDS:
        members = sorted(i for i, types in typed.items() if kind in types and i not in placed)
        if not members:
            continue
        placed.update(members)
        terms = [
            Term(i, i[len(namespace) :], title, closure(store, about(store, ox.NamedNode(i))))
            for i in members
        ]
        existing = next((s for s in doc.sections if s[0] == title), None)
        if existing:
            existing[1].extend(terms)
        else:
            doc.sections.append((title, terms))
    rest = sorted(i for i in typed if i not in placed)
    if rest:
        doc.sections.append(
            (
                "Other terms",
                [
                    Term(
                        i,
                        i[len(namespace) :],
                        "Other",
                        closure(store, about(store, ox.NamedNode(i))),
                    )
                    for i in rest
                ],
            )
        )
    return doc
