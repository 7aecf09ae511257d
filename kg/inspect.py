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


CURATED, YOURS = "the curated graph", "your data"
SOURCE_LINKS = "(dcterms:source or prov:wasDerivedFrom)"


@dataclass
class Claims:
    """The claims of one part of a build (the curated graph, or the user's files) and how many
    carry a source."""

    graphs: int
    claims: int
    sourced: int
    unsourced: list[str]  # claim IRIs

    @property
    def share(self) -> float:
        return 100.0 * self.sourced / self.claims if self.claims else 100.0


@dataclass
class Provenance:
    """How many claims carry a source: those of the curated graph (a default build) and those of
    the user's files and sheets, per class and per graph. A claim is a typed resource of one of
    those graphs that is not evidence itself, nor an ontology's declaration or a dataset's
    description (``queries/stats/claims-with-sources.rq``)."""

    per_class: list[tuple[str, str, int, int]]  # part (CURATED, YOURS), class, claims, sourced
    per_graph: list[tuple[str, str, int, int]]  # graph IRI, part, claims, sourced
    parts: dict[str, Claims]  # CURATED and YOURS, for the parts the build holds

    @property
    def claims(self) -> int:
        return sum(p.claims for p in self.parts.values())

    @property
    def sourced(self) -> int:
        return sum(p.sourced for p in self.parts.values())

    @property
    def unsourced(self) -> list[str]:
        return [c for p in self.parts.values() for c in p.unsourced]

    @property
    def share(self) -> float:
        return 100.0 * self.sourced / self.claims if self.claims else 100.0

    def render(self) -> str:
        if not self.parts:
            return (
                "This build holds no claims to count: neither the curated graph (a --core-only "
                "build leaves it out) nor typed resources in files or sheets of yours.\n"
            )
        out = [
            render_table(
                ["data", "class", "claims", "with a source", "share"],
                [[part, shorten(c), *_counts(n, k)] for part, c, n, k in self.per_class],
            ),
            render_table(
                ["graph", "data", "claims", "with a source", "share"],
                [[shorten(g), part, *_counts(n, k)] for g, part, n, k in self.per_graph],
            ),
        ]
        for part, counts in self.parts.items():
            graphs = f" ({counts.graphs} graphs)" if part == YOURS and counts.graphs > 1 else ""
            out.append(
                f"{counts.share:.1f}% of {counts.claims:,} claims in {part}{graphs} carry a "
                f"source {SOURCE_LINKS}."
            )
        for part, counts in self.parts.items():
            if counts.unsourced:
                out.append(f"Without a source, in {part}:")
                out += [f"  {shorten(c)}" for c in counts.unsourced]
        return "\n".join(out) + "\n"


def _counts(n: int, k: int) -> list[str]:
    return [f"{n:,}", f"{k:,}", f"{100.0 * k / n:.1f}%"]


def provenance(store: Store) -> Provenance:
    """Count the claims of the last build: the curated graph's and the user's, apart."""
    from kg.queries import get

    query = get("claims-with-sources")
    per_class: dict[tuple[str, str], dict[str, bool]] = {}
    per_graph: dict[tuple[str, str], dict[str, bool]] = {}
    per_part: dict[str, dict[str, bool]] = {}
    graphs: dict[str, set[str]] = {}
    for row in store.select(query.text, query.bindings()):
        part = CURATED if row["role"] == "data" else YOURS
        claim, ok = row["claim"], bool(row["sourced"])
        per_class.setdefault((part, row["class"]), {})[claim] = ok
        per_graph.setdefault((row["graph"], part), {})[claim] = ok
        per_part.setdefault(part, {})[claim] = ok
        graphs.setdefault(part, set()).add(row["graph"])
    parts = {
        part: Claims(
            len(graphs[part]),
            len(claims),
            sum(claims.values()),
            sorted(c for c, ok in claims.items() if not ok),
        )
        for part in (CURATED, YOURS)
        if (claims := per_part.get(part))
    }
    return Provenance(
        [(p, c, len(v), sum(v.values())) for (p, c), v in sorted(per_class.items())],
        [(g, p, len(v), sum(v.values())) for (g, p), v in sorted(per_graph.items())],
        parts,
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
