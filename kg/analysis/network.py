"""The network view: officials, posts, units, authorities and places as a networkx graph.

Edges are the reporting lines (``org:reportsTo``), unit membership (``org:postIn``,
``org:subOrganizationOf``, ``org:unitOf``, ``iodm:deployedBy``), post holdings, interlocutor ties
(``iodm:interlocutor``), institutional relations with other IO entities (one edge per
``iodm:InstitutionalRelation``, from ``iodm:linksUnit`` to ``iodm:linksToEntity``) and the
geography (duty stations, sites, host states, capitals). A post's node carries what the build
derives for it and CQ1 reads (``distanceKm``, to the nearest host capital, and
``reportingSteps``, to a capital liaison post), and the types the build derives (such as
``iodm:CapitalLiaisonPost``). The view exports to GraphML and GEXF for Gephi.
"""

from __future__ import annotations

import io
import math
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.analysis.facts import labels, value
from kg.core.errors import UsageError
from kg.core.files import write_bytes
from kg.core.namespaces import shorten
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

    nodes = get("network-nodes").select(store)
    edges = get("network-edges").select(store)
    names = labels(store)
    graph = nx.MultiDiGraph()
    classes: dict[str, set[str]] = {}
    coords: dict[str, tuple[float, float]] = {}
    derived: dict[str, dict[str, float]] = {}  # what the build derived for a post (CQ1)
    for term, cls, _label, lat, long, km, steps in nodes.rows:
        node = value(term)
        classes.setdefault(node, set()).add(shorten(value(cls)))
        if lat is not None and long is not None:
            coords[node] = (float(value(lat)), float(value(long)))
        facts = derived.setdefault(node, {})
        if km is not None:  # to the nearest host capital, when a post has several
            facts["distanceKm"] = min(float(value(km)), facts.get("distanceKm", math.inf))
        if steps is not None:
            facts["reportingSteps"] = int(value(steps))
    for node, found in classes.items():
        kind = next((k for k, c in _KINDS if c in found), "resource")
        attrs: dict[str, Any] = {
            "label": names.get(node, shorten(node)),
            "kind": kind,
            "classes": " ".join(sorted(found)),
        }
        if node in coords:
            attrs["lat"], attrs["long"] = coords[node]
        graph.add_node(node, **attrs, **derived.get(node, {}))
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


def presences(graph: nx.MultiDiGraph, member: str) -> list[str]:
    """The field presences a post or unit belongs to, as the build derived them
    (``iodm:inFieldPresence``, queries/derive/field-presence-membership.rq)."""
    return targets(graph, member, "inFieldPresence")


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
