"""What is in a store: statistics and exports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

import pyoxigraph as ox

from kg.core.errors import UsageError
from kg.core.namespaces import rdf, rdfs, shorten
from kg.core.results import render_table, serialize_rdf
from kg.store import Store

EXPORT_FORMATS = ("ttl", "nt", "jsonld", "nq", "trig", "graphml")


@dataclass
class Stats:
    graphs: list[tuple[str, int]]  # graph IRI, triples
    classes: list[tuple[str, int]]  # class IRI, instances

    def render(self) -> str:
        total = sum(n for _, n in self.graphs)
        out = [f"{total:,} triples in {len(self.graphs)} named graphs", ""]
        out.append(
            render_table(["graph", "triples"], [[shorten(g), f"{n:,}"] for g, n in self.graphs])
        )
        out.append(
            render_table(["class", "instances"], [[shorten(c), f"{n:,}"] for c, n in self.classes])
        )
        return "\n".join(out)


def stats(store: Store) -> Stats:
    per_graph = store.select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    )
    per_class = store.select(
        f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s <{rdf.type}> ?c . FILTER(isIRI(?c)) }} "
        "GROUP BY ?c ORDER BY DESC(?n) ?c"
    )
    return Stats(
        [(row["g"], row["n"]) for row in per_graph], [(row["c"], row["n"]) for row in per_class]
    )


@dataclass
class Provenance:
    """How many claims of the curated graph carry a source, overall and per class."""

    per_class: list[tuple[str, int, int]]  # class IRI, claims, claims with a source
    claims: int
    sourced: int
    unsourced: list[str]  # claim IRIs

    @property
    def share(self) -> float:
        return 100.0 * self.sourced / self.claims if self.claims else 100.0

    def render(self) -> str:
        rows = [
            [shorten(c), f"{n:,}", f"{k:,}", f"{100.0 * k / n:.1f}%"] for c, n, k in self.per_class
        ]
        out = [render_table(["class", "claims", "with a source", "share"], rows)]
        out.append(
            f"{self.share:.1f}% of {self.claims:,} claims in the curated graph carry a source "
            "(dcterms:source or prov:wasDerivedFrom)."
        )
        if self.unsourced:
            out.append("Without a source:")
            out += [f"  {shorten(c)}" for c in self.unsourced]
        return "\n".join(out) + "\n"


def provenance(store: Store) -> Provenance:
    from kg.queries import get

    query = get("claims-with-sources")
    per_class: dict[str, list[int]] = {}
    claims: dict[str, bool] = {}
    for row in store.select(query.text, query.bindings()):
        ok = row["sourced"]
        counts = per_class.setdefault(row["class"], [0, 0])
        counts[0] += 1
        counts[1] += ok
        claims[row["claim"]] = ok
    return Provenance(
        [(c, n, k) for c, (n, k) in sorted(per_class.items())],
        len(claims),
        sum(claims.values()),
        sorted(c for c, ok in claims.items() if not ok),
    )


def export(store: Store, fmt: str, out: IO[str], graph: str | None = None) -> int:
    """Write the store (or one graph) to ``out``; returns the number of triples or quads."""
    if fmt not in EXPORT_FORMATS:
        raise UsageError(
            f"unknown export format {fmt!r}", f"use one of {', '.join(EXPORT_FORMATS)}"
        )
    quads = list(store.quads(graph))
    if fmt == "graphml":
        _graphml(quads, out)
    elif fmt in ("nq", "trig"):
        out.write(serialize_rdf(quads, fmt))
    else:
        out.write(serialize_rdf(sorted({q.triple for q in quads}, key=str), fmt))
    return len(quads)


def _graphml(quads: list[ox.Quad], out: IO[str]) -> None:
    """Resources as nodes (with label and types), resource-to-resource triples as edges."""
    import io

    import networkx as nx

    g = nx.MultiDiGraph()
    for q in quads:
        s, p, o = q.subject, q.predicate.value, q.object
        if isinstance(s, ox.Triple):
            continue
        sid = str(s).strip("<>")
        g.add_node(sid)
        if p == rdfs.label and isinstance(o, ox.Literal):
            g.nodes[sid]["label"] = o.value
        elif p == rdf.type and isinstance(o, ox.NamedNode):
            types = g.nodes[sid].get("types", "")
            g.nodes[sid]["types"] = " ".join(filter(None, [types, shorten(o.value)]))
        elif isinstance(o, ox.NamedNode | ox.BlankNode):
            g.add_edge(sid, str(o).strip("<>"), key=p, predicate=shorten(p))
    buffer = io.BytesIO()
    nx.write_graphml(g, buffer)
    out.write(buffer.getvalue().decode("utf-8"))
