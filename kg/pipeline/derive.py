"""Facts IODM derives at build time, written to their own named graph.

The named queries (``queries/cq``) must answer alike on every SPARQL engine, and some engines
evaluate property paths wrongly: Virtuoso 7.2 drops or repeats rows of ``(p|q)*``, of zero-length
paths and of ``a/rdfs:subClassOf*`` once they are joined with other patterns (see
``docs/portable-queries.md``). So what those paths computed is derived once, here, on the
embedded store whose paths are right, and the named queries read plain triples. The rules of
``queries/derive/`` run through :mod:`kg.rules`, in the order of their ``stage`` headers, each
seeing the data, the ontologies and what the stages before derived:

1. ``suborganization-links``: every direct link by a sub-property of
   ``org:transitiveSubOrganizationOf`` (``org:subOrganizationOf``, ``org:unitOf``,
   ``iodm:deployedBy``) as that property (RDFS sub-property entailment);
2. ``suborganization-closure``: its transitive closure (ORG declares it transitive);
3. ``type-closure``: every superclass of each asserted type (RDFS subclass entailment);
4. ``field-presence-membership``: ``iodm:inFieldPresence``, the field presence each post and unit
   belongs to;
5. ``capital-liaison-posts``: the posts IODM's criterion makes ``iodm:CapitalLiaisonPost``;
6. ``reporting-lines``: ``iodm:reportingStepsToCapitalLiaison``, the fewest ``org:reportsTo``
   steps from each post to a liaison post (shortest paths, by a breadth-first search);
7. ``post-host-capital``: ``iodm:distanceToHostCapitalKm``, the geodesic distance from each
   post's duty station to the capital of its host state. SPARQL 1.1 has no trigonometric
   functions, so it is computed here by the haversine formula on the WGS84 coordinates;
8. ``holding-tenure``: ``iodm:monthsOfService``, the whole months each dated post holding
   lasted (what CQ5 compares with its parameter, once at build rather than at every query).

Nothing here is asserted by a source; a derived triple already asserted is left out. What is
derived is a set: the rules run without their ``ORDER BY`` (sorting cost more than deriving).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kg.core.namespaces import GRAPH, XSD, iodm
from kg.core.results import Solutions

if TYPE_CHECKING:
    from kg.store import OxigraphStore

DERIVED_GRAPH = GRAPH + "derived"
#: Mean Earth radius (IUGG), km.
EARTH_RADIUS_KM = 6371.0088
#: Properties only the build states: a source that states one is refused (kg.pipeline.build),
#: since the build's own value would sit beside it.
DERIVED_ONLY = (
    iodm.inFieldPresence,
    iodm.reportingStepsToCapitalLiaison,
    iodm.distanceToHostCapitalKm,
    iodm.monthsOfService,
)
#: The graph the triples to derive from are in, in the scratch store only.
_GIVEN = GRAPH + "given"


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
    """The derived triples for a data graph (ontology included), none of them in ``triples``."""
    from kg.store import OxigraphStore

    scratch = OxigraphStore()
    scratch.add(triples, _GIVEN)
    return derive_on(scratch)


def derive_on(store: OxigraphStore) -> list[ox.Triple]:
    """Derive on a store in memory whose named graphs hold the data (ontology included), adding
    the derived triples to its graph :data:`DERIVED_GRAPH`; returns them, in no particular
    order. The build derives on the store it validated on, instead of loading the data once
    more."""
    from kg.rules import ruleset, run

    compute = {"reporting-lines": _reporting_steps, "post-host-capital": _distances}
    added = run(store, ruleset("derive"), DERIVED_GRAPH, compute=compute, ordered=False)
    return [t for rule_triples in added.values() for t in rule_triples]


def _reporting_steps(rows: Solutions) -> list[ox.Triple]:
    """``iodm:reportingStepsToCapitalLiaison`` for each post whose reporting line reaches a
    capital liaison post: the length of the shortest ``org:reportsTo`` path to one (a
    breadth-first search down from all the liaison posts at once)."""
    below: dict[Any, list[Any]] = {}  # superior → the posts reporting to it
    posts, liaisons = set(), []
    for post, superior, liaison in _columns(rows, "post", "superior", "liaison"):
        posts.add(post)
        if superior is not None:
            below.setdefault(superior, []).append(post)
        if liaison is not None and liaison.value == "true":
            liaisons.append(post)
    steps = dict.fromkeys(liaisons, 0)
    todo = deque(steps)
    while todo:
        above = todo.popleft()
        for post in below.get(above, ()):
            if post not in steps:
                steps[post] = steps[above] + 1
                todo.append(post)
    has_steps = ox.NamedNode(iodm.reportingStepsToCapitalLiaison)
    count = ox.NamedNode(XSD + "integer")  # not xsd:nonNegativeInteger: Oxigraph stores that as
    # xsd:integer, so every backend agrees only on xsd:integer
    return [
        ox.Triple(post, has_steps, ox.Literal(str(n), datatype=count))
        for post, n in steps.items()
        if post in posts
    ]


def _distances(rows: Solutions) -> list[ox.Triple]:
    """``iodm:distanceToHostCapitalKm`` for each post with coordinates for its duty station and
    its host capital, in canonical xsd:decimal (as Oxigraph stores it, so every backend agrees).
    Posts share few stations and capitals: a distance is computed once for each set of
    coordinates."""
    distance = ox.NamedNode(iodm.distanceToHostCapitalKm)
    decimal = ox.NamedNode(XSD + "decimal")
    known: dict[tuple[Any, ...], ox.Literal] = {}
    out = []
    names = ("post", "stationLat", "stationLong", "capitalLat", "capitalLong")
    for post, *places in _columns(rows, *names):
        key = tuple(places)
        km = known.get(key)
        if km is None:
            coords = [float(term.value) for term in places]
            exact = Decimal(haversine_km(*coords))
            rounded = exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN).normalize()
            km = known[key] = ox.Literal(format(rounded, "f"), datatype=decimal)
        out.append(ox.Triple(post, distance, km))
    return out


def _columns(rows: Solutions, *names: str) -> Iterable[tuple[Any, ...]]:
    """The terms of some columns of each row, in the order named."""
    at = [rows.variables.index(n) for n in names]
    return (tuple(row[i] for i in at) for row in rows.rows)
