"""Facts IODM derives at build time, written to their own named graph.

SPARQL has no trigonometry (see STACK-NOTES), so the geodesic distance from each post's duty
station to the capital of its host state is computed here, in Python, by the haversine formula
on the WGS84 coordinates, and stored as ``iodm:distanceToHostCapitalKm``. The coordinates come
from ``queries/derive/post-host-capital.rq``; nothing here is asserted by a source.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal

import pyoxigraph as ox

from kg.namespaces import GRAPH, XSD, iodm

DERIVED_GRAPH = GRAPH + "derived"
#: Mean Earth radius (IUGG), km.
EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, long1: float, lat2: float, long2: float) -> float:
    """Great-circle distance in km between two WGS84 points.

    >>> round(haversine_km(0, 0, 0, 1), 1)  # one degree of longitude on the equator
    111.2
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(long2 - long1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def derive(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """The derived triples for a data graph (ontology included)."""
    from kg.queries import get

    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    result = store.query(get("post-host-capital").text)
    assert isinstance(result, ox.QuerySolutions)
    distance = ox.NamedNode(iodm.distanceToHostCapitalKm)
    decimal = ox.NamedNode(XSD + "decimal")
    derived = []
    for row in result:
        coords = [
            float(row[v].value) for v in ("stationLat", "stationLong", "capitalLat", "capitalLong")
        ]
        km = Decimal(haversine_km(*coords)).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)
        # canonical xsd:decimal ("0", "296.7"), as Oxigraph stores it, so every backend agrees
        lexical = format(km.normalize(), "f")
        derived.append(ox.Triple(row["post"], distance, ox.Literal(lexical, datatype=decimal)))
    return derived
