"""Hash-namespace documents: the ontology at ``https://w3id.org/iodm`` (and ``…/iodm/pko``, …).

Following the W3C *Best Practice Recipes for Publishing RDF Vocabularies* for a hash namespace,
``https://w3id.org/iodm#Post`` is answered by the document ``https://w3id.org/iodm``: in RDF, the
named graphs that declare the ontology or define terms in the namespace; in HTML, every term with
its label, definition, citation and axioms, under an anchor equal to its local name (``#Post``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.core.namespaces import DCTERMS, OWL, RDF, RDFS, SKOS
from kg.core.terms import Term as RdfTerm
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


# --- what a page teaches: where a term is used, and what the shapes ask of an instance ----------

SH = "http://www.w3.org/ns/shacl#"
CHARACTERISTICS = {
    OWL + "FunctionalProperty": "functional",
    OWL + "InverseFunctionalProperty": "inverse functional",
    OWL + "TransitiveProperty": "transitive",
    OWL + "SymmetricProperty": "symmetric",
    OWL + "AsymmetricProperty": "asymmetric",
    OWL + "ReflexiveProperty": "reflexive",
    OWL + "IrreflexiveProperty": "irreflexive",
}


@dataclass
class Constraint:
    """What one property shape asks of an instance of a class."""

    path: str
    min_count: int
    max_count: int | None
    values: list[str]  # sh:datatype, sh:class, sh:node or the IRIs of sh:in
    message: str

    @property
    def required(self) -> bool:
        return self.min_count > 0

    @property
    def cardinality(self) -> str:
        if self.max_count is None:
            return f"at least {self.min_count}" if self.min_count else "any number"
        if self.min_count == self.max_count:
            return f"exactly {self.min_count}"
        return f"{self.min_count} to {self.max_count}"


@dataclass
class Usage:
    """Where a term is used, read from the axioms, and (for a class) from the shapes."""

    in_domain_of: list[str] = field(default_factory=list)
    in_range_of: list[str] = field(default_factory=list)
    superclasses: list[str] = field(default_factory=list)
    subclasses: list[str] = field(default_factory=list)
    domain: list[str] = field(default_factory=list)
    range: list[str] = field(default_factory=list)
    inverse: list[str] = field(default_factory=list)
    characteristics: list[str] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    example: str = ""


def _objects(store: ox.Store, s: ox.NamedNode | ox.BlankNode, p: str) -> list[RdfTerm]:
    return [q.object for q in store.quads_for_pattern(s, ox.NamedNode(p), None, None)]


def _list(store: ox.Store, head: RdfTerm) -> list[RdfTerm]:
    items: list[RdfTerm] = []
    while isinstance(head, ox.BlankNode) and len(items) < 1000:
        items.extend(_objects(store, head, RDF + "first"))
        rest = _objects(store, head, RDF + "rest")
        head = rest[0] if rest else ox.NamedNode(RDF + "nil")
    return items


def _named(store: ox.Store, node: RdfTerm) -> list[str]:
    """The named classes a class expression stands for (its members, for a union)."""
    if isinstance(node, ox.NamedNode):
        return [node.value]
    if isinstance(node, ox.BlankNode):
        for head in _objects(store, node, OWL + "unionOf"):
            return [m.value for m in _list(store, head) if isinstance(m, ox.NamedNode)]
    return []


def usage(
    store: ox.Store, doc: OntologyDocument, examples: list[Path] | None = None
) -> dict[str, Usage]:
    """Term IRI -> :class:`Usage`, for every term of the document."""
    from kg.core.resources import ontology_dir

    found: dict[str, Usage] = {t.iri: Usage() for t in doc.terms}
    domain, range_ = ox.NamedNode(RDFS + "domain"), ox.NamedNode(RDFS + "range")
    for predicate, forward, backward in (
        (domain, "domain", "in_domain_of"),
        (range_, "range", "in_range_of"),
    ):
        for q in store.quads_for_pattern(None, predicate, None, None):
            if not isinstance(q.subject, ox.NamedNode):
                continue
            classes = _named(store, q.object)
            if q.subject.value in found:
                getattr(found[q.subject.value], forward).extend(classes)
            for c in classes:
                if c in found:
                    getattr(found[c], backward).append(q.subject.value)
    for q in store.quads_for_pattern(None, ox.NamedNode(RDFS + "subClassOf"), None, None):
        if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode):
            if q.subject.value in found:
                found[q.subject.value].superclasses.append(q.object.value)
            if q.object.value in found:
                found[q.object.value].subclasses.append(q.subject.value)
    for q in store.quads_for_pattern(None, ox.NamedNode(OWL + "inverseOf"), None, None):
        s, o = q.subject, q.object
        if isinstance(s, ox.NamedNode) and isinstance(o, ox.NamedNode):
            if s.value in found:
                found[s.value].inverse.append(o.value)
            if o.value in found:
                found[o.value].inverse.append(s.value)
    for iri, u in found.items():
        for t in _objects(store, ox.NamedNode(iri), RDF + "type"):
            if isinstance(t, ox.NamedNode) and t.value in CHARACTERISTICS:
                u.characteristics.append(CHARACTERISTICS[t.value])
        u.constraints = constraints(store, iri)
    for u in found.values():
        for name in ("in_domain_of", "in_range_of", "superclasses", "subclasses", "inverse"):
            setattr(u, name, sorted(set(getattr(u, name))))
    valid = examples
    if valid is None:
        folder = ontology_dir().parent / "tests" / "shapes" / "valid"
        valid = sorted(folder.glob("*.ttl")) if folder.is_dir() else []
    for iri, u in found.items():
        if u.constraints:
            u.example = example(iri, valid)
    return found


def constraints(store: ox.Store, cls: str) -> list[Constraint]:
    """The property shapes of the node shapes that target ``cls``."""
    out = []
    target = ox.NamedNode(cls)
    for q in store.quads_for_pattern(None, ox.NamedNode(SH + "targetClass"), target, None):
        shape = q.subject
        if not isinstance(shape, (ox.NamedNode, ox.BlankNode)):
            continue
        for prop in _objects(store, shape, SH + "property"):
            if not isinstance(prop, (ox.NamedNode, ox.BlankNode)):
                continue
            paths = [p for p in _objects(store, prop, SH + "path") if isinstance(p, ox.NamedNode)]
            if not paths:
                continue

            def number(p: str, node: ox.NamedNode | ox.BlankNode = prop) -> int | None:
                values = [
                    int(v.value) for v in _objects(store, node, SH + p) if isinstance(v, ox.Literal)
                ]
                return values[0] if values else None

            values = [
                v.value
                for p in ("datatype", "class", "node")
                for v in _objects(store, prop, SH + p)
                if isinstance(v, ox.NamedNode)
            ]
            for head in _objects(store, prop, SH + "in"):
                values += [m.value for m in _list(store, head) if isinstance(m, ox.NamedNode)]
            for head in _objects(store, prop, SH + "or"):
                for alt in _list(store, head):
                    if isinstance(alt, ox.BlankNode):
                        values += [
                            v.value
                            for p in ("datatype", "class")
                            for v in _objects(store, alt, SH + p)
                            if isinstance(v, ox.NamedNode)
                        ]
            message = next(
                (
                    m.value
                    for m in _objects(store, prop, SH + "message")
                    if isinstance(m, ox.Literal)
                ),
                "",
            )
            out.append(
                Constraint(
                    paths[0].value,
                    number("minCount") or 0,
                    number("maxCount"),
                    sorted(set(values)),
                    message,
                )
            )
    merged: dict[str, Constraint] = {}
    for c in out:
        seen = merged.get(c.path)
        if seen is None:
            merged[c.path] = c
            continue
        seen.min_count = max(seen.min_count, c.min_count)
        if c.max_count is not None:
            seen.max_count = min(seen.max_count or c.max_count, c.max_count)
        seen.values = sorted(set(seen.values) | set(c.values))
        seen.message = seen.message or c.message
    return sorted(merged.values(), key=lambda c: (not c.required, c.path))


def example(cls: str, files: list[Path]) -> str:
    """A minimal valid instance of ``cls`` from the shape examples: the statements about one
    resource typed ``cls`` in the smallest file that has one, as Turtle."""
    from kg.core.namespaces import PREFIXES

    typed = ox.NamedNode(cls)
    for path in sorted(files, key=lambda p: p.stat().st_size):
        try:
            triples = list(ox.parse(path=path, format=ox.RdfFormat.TURTLE))
        except (OSError, SyntaxError):
            continue
        subjects = [
            t.subject for t in triples if t.predicate.value == RDF + "type" and t.object == typed
        ]
        if not subjects:
            continue
        subject = subjects[0]
        mine = [t for t in triples if t.subject == subject]
        blanks = {t.object for t in mine if isinstance(t.object, ox.BlankNode)}
        mine += [t for t in triples if t.subject in blanks]
        prefixes = {**PREFIXES, "ex": "https://example.org/shapes-test/"}
        text = (ox.serialize(mine, format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b"").decode()
        body = "\n".join(line for line in text.splitlines() if not line.startswith("@prefix"))
        return f"# from tests/shapes/valid/{path.name}\n{body.strip()}\n"
    return ""
