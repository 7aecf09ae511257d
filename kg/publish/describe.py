"""The document about one resource: its statements both ways, labels, and provenance.

A document about ``X`` holds every triple with ``X`` as subject (and the blank nodes they lead
to), every triple with ``X`` as object, the labels of every resource they link, and the
provenance chain: what ``X`` cites with ``dcterms:source`` or ``prov:wasDerivedFrom``, followed
through passages to the paper (``dcterms:isPartOf``) and the literature or interviews they
reference (``dcterms:references``), with each link's own statements.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.core.labels import LABEL_PROPERTIES, best_label
from kg.core.namespaces import DCTERMS, INFERRED_GRAPH, PROV, RDF
from kg.pipeline.derive import DERIVED_GRAPH

#: Label properties, most preferred first (the one label policy, :mod:`kg.core.labels`).
LABELS = LABEL_PROPERTIES
#: Properties that say where a claim comes from.
CITES = (DCTERMS + "source", PROV + "wasDerivedFrom")
#: Followed from a source to what it belongs to or cites.
SOURCE_LINKS = (*CITES, DCTERMS + "isPartOf", DCTERMS + "references")
PROVENANCE_DEPTH = 4

Node = ox.NamedNode | ox.BlankNode


def _unique(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """Each triple once, in one order whatever the store's (a store on disk and one in memory
    list the same quads in different orders)."""
    return sorted(set(triples), key=str)


def about(store: ox.Store, node: Node) -> list[ox.Triple]:
    """Triples with ``node`` as subject, each once (a triple may sit in several graphs)."""
    return _unique(q.triple for q in store.quads_for_pattern(node, None, None, None))


def pointing_to(store: ox.Store, node: Node) -> list[ox.Triple]:
    return _unique(q.triple for q in store.quads_for_pattern(None, None, node, None))


def closure(store: ox.Store, triples: list[ox.Triple]) -> list[ox.Triple]:
    """The triples plus those of the blank nodes they lead to (a concise bounded description)."""
    out = list(triples)
    seen: set[ox.BlankNode] = set()
    todo = [o for t in triples if isinstance(o := t.object, ox.BlankNode)]
    while todo:
        b = todo.pop()
        if b in seen:
            continue
        seen.add(b)
        more = about(store, b)
        out += more
        todo += [o for t in more if isinstance(o := t.object, ox.BlankNode)]
    return _unique(out)


def label_of(store: ox.Store, node: ox.NamedNode | ox.BlankNode | ox.Literal) -> str | None:
    """The label the one label policy picks (:func:`kg.core.labels.best_label`)."""
    if isinstance(node, ox.Literal):
        return None
    return best_label(
        (p, q.object)
        for p in LABELS
        for q in store.quads_for_pattern(node, ox.NamedNode(p), None, None)
        if isinstance(q.object, ox.Literal)
    )


def label_triples(store: ox.Store, nodes: Iterable[object]) -> list[ox.Triple]:
    out: list[ox.Triple] = []
    for n in dict.fromkeys(nodes):
        if isinstance(n, ox.NamedNode):
            for p in LABELS:
                out += [q.triple for q in store.quads_for_pattern(n, ox.NamedNode(p), None, None)]
    return _unique(out)


@dataclass
class Provenance:
    """One source in the chain, with what it says and where it leads."""

    node: Node
    via: str  # the property that led here
    statements: list[ox.Triple] = field(default_factory=list)
    children: list[Provenance] = field(default_factory=list)
    repeated: bool = False  # already shown higher up in the chain


def provenance(store: ox.Store, node: Node) -> list[Provenance]:
    """The provenance tree of a resource: each source expanded once, at the depth nearest the
    resource (breadth first, so what the tree holds does not depend on the store's order)."""
    seen: set[str] = {str(node)}
    tree: list[Provenance] = []
    level: list[tuple[Node, list[Provenance]]] = [(node, tree)]
    for depth in range(PROVENANCE_DEPTH):
        deeper: list[tuple[Node, list[Provenance]]] = []
        for n, out in level:
            for t in about(store, n):
                src = t.object
                if t.predicate.value not in SOURCE_LINKS or not isinstance(src, Node):
                    continue
                if depth == 0 and t.predicate.value not in CITES:
                    continue  # the resource itself: only what it cites
                item = Provenance(src, t.predicate.value)
                if str(src) in seen:
                    item.repeated = True
                else:
                    seen.add(str(src))
                    item.statements = about(store, src)
                    deeper.append((src, item.children))
                out.append(item)
        level = deeper
    return tree


def provenance_triples(tree: list[Provenance]) -> list[ox.Triple]:
    out: list[ox.Triple] = []
    for item in tree:
        out += item.statements
        out += provenance_triples(item.children)
    return out


@dataclass
class Description:
    node: ox.NamedNode
    outgoing: list[ox.Triple]
    incoming: list[ox.Triple]
    provenance: list[Provenance]
    labels: list[ox.Triple]
    graphs: list[str]
    types: list[ox.NamedNode]  # asserted: the classes a source or the data gives it
    derived: frozenset[
        ox.Triple
    ]  # only derived (kg.pipeline.derive) or inferred (owlrl), by no source

    def triples(self) -> list[ox.Triple]:
        """The RDF document: statements both ways, provenance, labels of what they link."""
        return _unique(
            [*self.outgoing, *self.incoming, *provenance_triples(self.provenance), *self.labels]
        )


def describe(store: ox.Store, iri: str) -> Description:
    node = ox.NamedNode(iri)
    outgoing = closure(store, about(store, node))
    incoming = pointing_to(store, node)
    tree = provenance(store, node)
    prov = provenance_triples(tree)
    linked = [t.object for t in outgoing] + [t.subject for t in incoming]
    linked += [t.predicate for t in outgoing + incoming]
    linked += [t.object for t in prov] + [t.predicate for t in prov]
    quads = [*store.quads_for_pattern(node, None, None), *store.quads_for_pattern(None, None, node)]
    graphs = sorted({q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)})
    in_graphs: dict[ox.Triple, set[str]] = {}
    for q in quads:
        in_graphs.setdefault(q.triple, set()).add(str(q.graph_name))
    unsourced = {f"<{DERIVED_GRAPH}>", f"<{INFERRED_GRAPH}>"}
    derived = frozenset(t for t, gs in in_graphs.items() if gs <= unsourced)
    types = [
        t.object
        for t in outgoing
        if t.subject == node
        and t.predicate.value == RDF + "type"
        and isinstance(t.object, ox.NamedNode)
        and t not in derived
    ]
    labels = label_triples(store, linked)
    return Description(node, outgoing, incoming, tree, labels, graphs, types, derived)
