"""``iodm push sparql:QUERY_URL,UPDATE_URL``: load the published graphs into a SPARQL server.

Every named graph of the privacy-filtered snapshot is replaced on the target: ``DROP SILENT
GRAPH`` then ``INSERT DATA`` in batches, then the target is asked how many triples each graph
holds, and a difference is an error. Blank nodes are scoped to one request, so triples that share
a blank node (an OWL class expression, an RDF list) always travel in the same batch.

Tested against the Oxigraph server (``oxigraph serve --union-default-graph``) and Virtuoso 7
(whose default graph is the union of all its graphs, its own system graphs included).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.core.errors import StoreError
from kg.publish.dataset import Published
from kg.store import Store


@dataclass
class PushSummary:
    target: str
    graphs: int = 0
    triples: int = 0
    requests: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        return (
            f"pushed {self.triples:,} triples in {self.graphs} named graphs to {self.target} "
            f"({self.requests} update requests; counts checked)"
        )


def batches(triples: Sequence[ox.Triple], size: int) -> Iterator[list[ox.Triple]]:
    """Batches of about ``size`` triples; triples linked by a blank node stay together.

    >>> b = ox.BlankNode("x")
    >>> s, p = ox.NamedNode("http://s"), ox.NamedNode("http://p")
    >>> ts = [ox.Triple(s, p, b), ox.Triple(s, p, s), ox.Triple(b, p, s)]
    >>> [len(x) for x in batches(ts, 1)]
    [2, 1]
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for t in triples:
        nodes = [str(n) for n in (t.subject, t.object) if isinstance(n, ox.BlankNode)]
        for a, b in itertools.pairwise(nodes):
            parent[find(a)] = find(b)
    groups: dict[str, list[ox.Triple]] = {}
    for i, t in enumerate(triples):
        blank = next((str(n) for n in (t.subject, t.object) if isinstance(n, ox.BlankNode)), None)
        groups.setdefault(find(blank) if blank else f"#{i}", []).append(t)
    current: list[ox.Triple] = []
    for group in groups.values():
        if current and len(current) + len(group) > size:
            yield current
            current = []
        current.extend(group)
    if current:
        yield current


def insert_request(graph: str, triples: Sequence[ox.Triple]) -> str:
    """INSERT DATA; or, when blank nodes are in the batch, ``INSERT {…} WHERE {}``, which makes
    the same fresh blank nodes (Virtuoso 7 refuses blank nodes in INSERT DATA)."""
    body = "\n".join(f"{t} ." for t in triples)
    blank = any(isinstance(n, ox.BlankNode) for t in triples for n in (t.subject, t.object))
    if blank:
        return f"INSERT {{ GRAPH <{graph}> {{\n{body}\n}} }} WHERE {{}}"
    return f"INSERT DATA {{ GRAPH <{graph}> {{\n{body}\n}} }}"


def push(published: Published, target: Store, batch: int = 2000) -> PushSummary:
    summary = PushSummary(target.descriptor)
    for graph in published.graphs:
        triples = list(dict.fromkeys(q.triple for q in published.quads(graph)))
        target.update(f"DROP SILENT GRAPH <{graph}>")
        summary.requests += 1
        for chunk in batches(triples, batch):
            target.update(insert_request(graph, chunk))
            summary.requests += 1
        found = count(target, graph)
        if found != len(triples):
            raise StoreError(
                f"{target.descriptor} holds {found} triples in <{graph}> after the push, "
                f"not {len(triples)}"
            )
        summary.counts[graph] = found
        summary.graphs += 1
        summary.triples += len(triples)
    return summary


def count(store: Store, graph: str) -> int:
    """How many triples ``store`` says it holds in ``graph``."""
    (n,) = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}").rows[
        0
    ]
    return int(n.value) if isinstance(n, ox.Literal) else 0
