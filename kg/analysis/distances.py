"""CQ1, distances from the host capital: the rows of the named query ``cq1-distance-from-capital``,
which reads what the build derived (``kg.pipeline.derive``). ``iodm distances`` prints them and
the ``distances`` figure draws them: one source for both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kg.analysis.network import presences
from kg.core.results import render_table
from kg.queries import get
from kg.store import Store

if TYPE_CHECKING:
    import networkx as nx

QUERY = "cq1-distance-from-capital"


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


def rows(store: Store) -> list[DistanceRow]:
    """CQ1's rows, in its order (farthest first)."""
    found = []
    for r in get(QUERY).select(store):
        km = r["distanceKm"]
        found.append(
            DistanceRow(
                post=r["post"],
                station=r["dutyStation"],
                host_state=r["hostState"],
                capital=r["capital"],
                km=Decimal(str(km)) if km is not None else None,
                steps=int(r["reportingSteps"]) if r["reportingSteps"] is not None else None,
                outside=r["outsideHostState"],
            )
        )
    return found


def for_mission(rows: list[DistanceRow], graph: nx.MultiDiGraph, mission: str) -> list[DistanceRow]:
    """The rows of posts in one field presence, and of posts outside any field presence that
    have a reporting line to or from one of them."""
    inside = {r.post for r in rows if mission in presences(graph, r.post)}
    linked = set()
    for s, t, d in graph.edges(data=True):
        if d["relation"] == "reportsTo" and (s in inside) != (t in inside):
            linked.add(t if s in inside else s)
    keep = inside | {p for p in linked if not presences(graph, p)}
    return [r for r in rows if r.post in keep]


HEADERS = ["post", "duty station", "host state", "capital", "km", "steps", "outside host state"]


def table(rows: list[DistanceRow], names: dict[str, str]) -> list[list[str]]:
    def name(iri: str | None) -> str:
        return "" if iri is None else names.get(iri, iri)

    def flag(b: bool | None) -> str:
        return "" if b is None else ("yes" if b else "no")

    return [
        [
            name(r.post),
            name(r.station),
            name(r.host_state),
            name(r.capital),
            "" if r.km is None else str(r.km),
            "" if r.steps is None else str(r.steps),
            flag(r.outside),
        ]
        for r in rows
    ]


def render(rows: list[DistanceRow], names: dict[str, str], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([_json(r, names) for r in rows], indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        import csv
        import io

        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["post", "postLabel", *HEADERS[1:]])
        for r, cells in zip(rows, table(rows, names), strict=True):
            writer.writerow([r.post, *cells])
        return out.getvalue()
    return render_table(HEADERS, table(rows, names))


def _json(r: DistanceRow, names: dict[str, str]) -> dict[str, Any]:
    return {
        "post": r.post,
        "postLabel": names.get(r.post),
        "dutyStation": r.station,
        "hostState": r.host_state,
        "capital": r.capital,
        "distanceKm": None if r.km is None else float(r.km),
        "reportingSteps": r.steps,
        "outsideHostState": r.outside,
    }
