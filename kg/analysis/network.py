"""The network view: officials, posts, units, authorities and places as a networkx graph.

Edges are the reporting lines (``org:reportsTo``), unit membership (``org:postIn``,
``org:subOrganizationOf``, ``org:unitOf``, ``iodm:deployedBy``), post holdings, interlocutor ties
(``iodm:interlocutor``), institutional relations with other IO entities (one edge per
``iodm:InstitutionalRelation``, from ``iodm:linksUnit`` to ``iodm:linksToEntity``) and the
geography the distances need (duty stations, sites, host states, capitals). The view exports to
GraphML and GEXF for Gephi, and answers CQ1 (distances from the host capital) on its own, by
graph search and the haversine formula; :func:`kg.analysis.distances.compare` checks that the
answer equals the named SPARQL query's.
"""

from __future__ import annotations

import io
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.analysis.facts import labels, value
from kg.core.errors import UsageError
from kg.core.files import write_bytes
from kg.core.namespaces import shorten
from kg.core.results import Solutions
from kg.pipeline.derive import haversine_km
from kg.queries import get
from kg.store import Store

if TYPE_CHECKING:
    import networkx as nx

FORMATS = ("graphml", "gexf")
MEMBERSHIP = ("postIn", "subOrganizationOf", "unitOf")
_KINDS = (
    ("official", "iodm:Official"),
    ("post", "iodm:Post"),
    ("organization", "iodm:InternationalOrganization"),
    ("field presence", "iodm:FieldPresence"),
    ("unit", "org:Organization"),
    ("authority", "iodm:StateAuthority"),
    ("state", "iodm:State"),
    ("duty station", "iodm:DutyStation"),
    ("place", "iodm:Place"),
)


def build(store: Store) -> nx.MultiDiGraph:
    """The network view of everything in ``store``."""
    import networkx as nx

    nodes = get("network-nodes").run(store)
    edges = get("network-edges").run(store)
    assert isinstance(nodes, Solutions) and isinstance(edges, Solutions)
    names = labels(store)
    graph = nx.MultiDiGraph()
    classes: dict[str, set[str]] = {}
    coords: dict[str, tuple[float, float]] = {}
    for term, cls, _label, lat, long in nodes.rows:
        classes.setdefault(value(term), set()).add(shorten(value(cls)))
        if lat is not None and long is not None:
            coords[value(term)] = (float(value(lat)), float(value(long)))
    for node, found in classes.items():
        kind = next((k for k, c in _KINDS if c in found), "resource")
        attrs: dict[str, Any] = {
            "label": names.get(node, shorten(node)),
            "kind": kind,
            "classes": " ".join(sorted(found)),
        }
        if node in coords:
            attrs["lat"], attrs["long"] = coords[node]
        graph.add_node(node, **attrs)
    for source, relation, target, via, kind_label, start, end in edges.rows:
        s, t, rel = value(source), value(target), value(relation)
        for n in (s, t):
            if n not in graph:
                graph.add_node(n, label=names.get(n, shorten(n)), kind="resource", classes="")
        attrs = {"relation": rel}
        for key, term in (("via", via), ("kind", kind_label), ("start", start), ("end", end)):
            if term is not None:
                attrs[key] = value(term)
        graph.add_edge(s, t, key=f"{rel} {attrs.get('via', '')}".strip(), **attrs)
    return graph


def has_class(graph: nx.MultiDiGraph, node: str, cls: str) -> bool:
    return cls in graph.nodes[node].get("classes", "").split()


def targets(graph: nx.MultiDiGraph, node: str, relation: str) -> list[str]:
    """The nodes ``node`` points to by edges of one relation, sorted."""
    if node not in graph:
        return []
    return sorted({t for _, t, d in graph.out_edges(node, data=True) if d["relation"] == relation})


def sources(graph: nx.MultiDiGraph, node: str, relation: str) -> list[str]:
    """The nodes that point to ``node`` by edges of one relation, sorted."""
    if node not in graph:
        return []
    return sorted({s for s, _, d in graph.in_edges(node, data=True) if d["relation"] == relation})


def ancestors(graph: nx.MultiDiGraph, units: Iterable[str]) -> list[str]:
    """The units and every unit they are part of (org:subOrganizationOf, org:unitOf)."""
    seen: list[str] = []
    queue = deque(units)
    while queue:
        unit = queue.popleft()
        if unit in seen:
            continue
        seen.append(unit)
        queue.extend(targets(graph, unit, "subOrganizationOf") + targets(graph, unit, "unitOf"))
    return seen


def presences(graph: nx.MultiDiGraph, post: str) -> list[str]:
    """The field presences a post belongs to (through its unit and the units above)."""
    units = ancestors(graph, targets(graph, post, "postIn"))
    return [u for u in units if has_class(graph, u, "iodm:FieldPresence")]


def members(graph: nx.MultiDiGraph, unit: str) -> tuple[list[str], list[str]]:
    """(units, posts) inside a unit, the unit itself included among the units."""
    units = [unit]
    queue = deque([unit])
    while queue:
        current = queue.popleft()
        for child in sources(graph, current, "subOrganizationOf") + sources(
            graph, current, "unitOf"
        ):
            if child not in units:
                units.append(child)
                queue.append(child)
    posts = sorted({p for u in units for p in sources(graph, u, "postIn")})
    return units, posts


def export(graph: nx.MultiDiGraph, fmt: str, path: Path) -> None:
    """Write the view as GraphML or GEXF, atomically."""
    import networkx as nx

    if fmt not in FORMATS:
        raise UsageError(f"unknown network format {fmt!r}", f"use one of {', '.join(FORMATS)}")
    buffer = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(graph, buffer)
    else:
        nx.write_gexf(graph, buffer)
    data = buffer.getvalue()
    write_bytes(path, data)


# --- CQ1 by graph search -------------------------------------------------------------------------


@dataclass(frozen=True)
class DistanceRow:
    """One answer row of CQ1: a post, where it is, its host state and capital, the distance, the
    reporting steps to the nearest post that deals with the capital authorities, and whether it
    sits outside the host state."""

    post: str
    station: str | None
    host_state: str | None
    capital: str | None
    km: Decimal | None
    steps: int | None
    outside: bool | None


def distances(graph: nx.MultiDiGraph) -> list[DistanceRow]:
    """CQ1 answered on the network view (same criteria as ``cq1-distance-from-capital``)."""
    liaisons = {p for p in _posts(graph) if _is_liaison(graph, p)}
    rows: list[DistanceRow] = []
    for post in _posts(graph):
        steps = _steps(graph, post, liaisons)
        stations: list[str | None] = [*targets(graph, post, "hasDutyStation")] or [None]
        hosts = [(p, h) for p in presences(graph, post) for h in targets(graph, p, "hostState")]
        for station in stations:
            station_states: list[str | None] = [None]
            if station:
                station_states = [*targets(graph, station, "locatedIn")] or [None]
            for station_state in station_states:
                if not hosts:
                    outside = True if station else None
                    rows.append(DistanceRow(post, station, None, None, None, steps, outside))
                    continue
                for _presence, host in hosts:
                    outside = station_state is not None and station_state != host
                    capitals: list[str | None] = [*targets(graph, host, "hasCapital")] or [None]
                    for capital in capitals:
                        km = _km(graph, station, capital)
                        rows.append(DistanceRow(post, station, host, capital, km, steps, outside))
    return sorted(set(rows), key=_order)


def _order(row: DistanceRow) -> tuple[Any, ...]:
    return (row.km is None, -(row.km or 0), row.post, row.host_state or "")


def _posts(graph: nx.MultiDiGraph) -> list[str]:
    return sorted(n for n in graph if has_class(graph, n, "iodm:Post"))


def _is_liaison(graph: nx.MultiDiGraph, post: str) -> bool:
    if has_class(graph, post, "iodm:CapitalLiaisonPost"):
        return True
    for station in targets(graph, post, "hasDutyStation"):
        for unit in targets(graph, post, "postIn"):
            for presence in ancestors(graph, [unit]):
                if not has_class(graph, presence, "iodm:FieldPresence"):
                    continue
                for state in targets(graph, presence, "hostState"):
                    if station not in targets(graph, state, "hasCapital"):
                        continue
                    partners = targets(graph, post, "interlocutor") + targets(
                        graph, unit, "interlocutor"
                    )
                    if any(state in targets(graph, a, "authorityOf") for a in partners):
                        return True
    return False


def _steps(graph: nx.MultiDiGraph, post: str, liaisons: set[str]) -> int | None:
    """Reporting steps (org:reportsTo hops) to the nearest liaison post, by breadth-first search."""
    depth = {post: 0}
    queue = deque([post])
    while queue:
        current = queue.popleft()
        if current in liaisons:
            return depth[current]
        for boss in targets(graph, current, "reportsTo"):
            if boss not in depth:
                depth[boss] = depth[current] + 1
                queue.append(boss)
    return None


def _km(graph: nx.MultiDiGraph, station: str | None, capital: str | None) -> Decimal | None:
    if station is None or capital is None:
        return None
    a, b = graph.nodes[station], graph.nodes[capital]
    if "lat" not in a or "lat" not in b:
        return None
    km = haversine_km(a["lat"], a["long"], b["lat"], b["long"])
    return Decimal(km).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)


def neighbourhood(graph: nx.MultiDiGraph, mission: str) -> nx.MultiDiGraph:
    """The part of the view around one field presence: its units and posts, the officials who
    hold them, and every node they point to (the IO, duty stations, interlocutors, relations,
    reporting lines out of the mission)."""
    units, posts = members(graph, mission)
    keep = {*units, *posts}
    keep |= {s for p in posts for s in sources(graph, p, "holds")}
    for node in list(keep):
        keep |= {t for _, t in graph.out_edges(node)}
    return graph.subgraph(keep).copy()
