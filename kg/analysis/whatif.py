"""What if a policy lever the paper names were pulled? (``iodm whatif``)

The paper's Conclusion names the levers: member states and UN leaders "shape informal practices
governing the length of peacekeeping officials' employment, affecting how many years officials
stay at a particular duty station" (rotation); budgets are "an opportunity to downsize or enlarge
departments with certain predispositions"; leaders "can also redraw horizontal and vertical
relations between different departments" (integration with OHCHR, separation from the mission,
moving a post from the capital to a field office). The five levers are data
(ontology/vocab/pko-policy-levers.ttl): each change says which lever it stands for, and the
levers no option models are listed. Each lever here changes an in-memory copy of
the graph — never the user's store — and the rules run again on the copy, so the profiles of a
mission's units, posts and officials can be compared side by side. The comparison describes what
the rules derive from the changed graph; it forecasts no response.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.analysis import PREDISPOSE
from kg.analysis.network import build, members, presences, sources, targets
from kg.analysis.profile import CONCILIATION, CONFRONTATION, Profile, Profiler
from kg.analysis.resolve import Resource, resolve
from kg.analysis.rules import derive
from kg.core.errors import UsageError
from kg.core.namespaces import GRAPH, ID, RDFS, XSD, iodm, shorten
from kg.core.results import render_table
from kg.store import OxigraphStore, Store, copy_in_memory

if TYPE_CHECKING:
    import networkx as nx

WHATIF_GRAPH = GRAPH + "whatif"
WHATIF = ID + "whatif/"
RELATION_KIND = ID + "relation-kind/"
ORG = "http://www.w3.org/ns/org#"
UNITS = ("unit", "field presence", "organization")
LEVERS = ("rotate", "integrate", "separate", "enlarge", "cut", "move")
#: the paper's policy lever (ontology/vocab/pko-policy-levers.ttl) each option stands for; which
#: is which is IODM's reading (moving a post to another duty station redraws its vertical
#: relations: whom it sits near and how far from the capital)
PAPERS_LEVER = {
    "rotate": ID + "policy-lever/length-of-employment",
    "enlarge": ID + "policy-lever/budgets",
    "cut": ID + "policy-lever/budgets",
    "integrate": ID + "policy-lever/departmental-relations",
    "separate": ID + "policy-lever/departmental-relations",
    "move": ID + "policy-lever/departmental-relations",
}


@dataclass(frozen=True)
class Lever:
    """One change: ``kind`` is one of :data:`LEVERS`; ``target`` and ``other`` are what the
    user typed (IRIs or labels), ``number`` years (rotate) or posts (enlarge, cut)."""

    kind: str
    target: str = ""
    other: str = ""
    number: Decimal = Decimal(0)


@dataclass
class Row:
    """One subject: its profile before (None: not in the mission then) and after (None: no
    longer in the graph); ``left`` when it is still in the graph but no longer in the mission."""

    subject: str
    label: str
    kind: str
    before: Profile | None
    after: Profile | None
    left: bool = False

    @property
    def changed(self) -> bool:
        return (
            self.before is None
            or self.after is None
            or self.left
            or (_keys(self.before) != _keys(self.after))
        )

    def status(self) -> str:
        if self.before is None:
            return "new in the mission"
        if self.after is None:
            return "removed"
        if self.left:
            return "left the mission"
        return "changed" if self.changed else ""


@dataclass
class WhatIf:
    mission: Resource
    at: str | None
    changes: list[str]
    rows: list[Row] = field(default_factory=list)
    #: per change, the paper's lever it stands for ("" if the graph has no levers)
    levers: list[str] = field(default_factory=list)
    #: the paper's levers no option models
    unmodelled: list[str] = field(default_factory=list)

    def render(self) -> str:
        when = f"at {self.at}" if self.at else "at any date the graph records"
        out = [f"What if, in {self.mission.label} ({shorten(self.mission.iri)}), {when}:"]
        for i, change in enumerate(self.changes, start=1):
            lever = self.levers[i - 1] if i <= len(self.levers) else ""
            out.append(f"  {i}. {change}" + (f" The paper's lever: {lever}." if lever else ""))
        if self.unmodelled:
            out.append(
                "  (The paper's other levers, which no option models: "
                + "; ".join(self.unmodelled)
                + ".)"
            )
        out += [
            "",
            "Profiles before and after (counts of factors: → toward confrontation, ← toward "
            "conciliation; × cross-pressure; -: not in the mission, or no longer in the graph):",
        ]
        table = [[r.label, r.kind, _cell(r.before), _cell(r.after), r.status()] for r in self.rows]
        out.append(render_table(["subject", "kind", "before", "after", "change"], table).rstrip())
        changed = [r for r in self.rows if r.changed]
        out += ["", "What changed, factor by factor:" if changed else "No profile changed."]
        for r in changed:
            out.append(f"  {r.label} ({r.kind}, {r.status()}):")
            if r.after is None:
                out.append("    its profile is gone with it")
                continue
            before, after = _keys(r.before), _keys(r.after)
            for sign, keys, profile in (
                ("−", before - after, r.before),
                ("+", after - before, r.after),
            ):
                assert profile is not None or not keys
                for line in profile.lines if profile else []:
                    if (line.factor.iri, line.pole, line.statement) in keys:
                        arrow = "→" if line.pole == CONFRONTATION else "←"
                        cites = "; ".join(e.cite() for e in line.evidence) or "none recorded"
                        out.append(f"    {sign} {arrow} {line.factor.label}: {line.statement}")
                        out.append(f"        evidence: {cites}")
        out += ["", self.summary(), "", PREDISPOSE]
        return "\n".join(out) + "\n"

    def summary(self) -> str:
        def count(side: str) -> Counter[str]:
            found: Counter[str] = Counter()
            for r in self.rows:
                p = r.before if side == "before" else r.after
                if p is None or r.kind != "post" or (side == "after" and r.left):
                    continue
                found["cross-pressured" if p.cross_pressured else p.lean] += 1
            return found

        b, a = count("before"), count("after")
        parts = [
            f"{name} {b[key]} → {a[key]}"
            for key, name in (
                (CONFRONTATION, "toward confrontation"),
                (CONCILIATION, "toward conciliation"),
                ("cross-pressured", "cross-pressured"),
                ("balanced", "balanced without cross-pressure"),
                ("none", "no factor"),
            )
        ]
        return (
            "Posts of the mission by net lean, before → after: " + "; ".join(parts) + ". These "
            "are counts of what the rules derive from the changed graph, not a forecast of "
            "responses."
        )


def _papers_levers(store: Store) -> dict[str, str]:
    """The paper's policy levers in the graph (IRI → label, in the paper's order); none on a
    build without the peacekeeping module."""
    rows = store.select(
        "SELECT ?lever ?label WHERE { ?lever <http://www.w3.org/2004/02/skos/core#inScheme> "
        "<https://w3id.org/iodm/pko#PolicyLevers> ; "
        "<http://www.w3.org/2004/02/skos/core#prefLabel> ?label ; "
        "<http://www.w3.org/2004/02/skos/core#notation> ?n } ORDER BY ?n"
    ).rows
    return {
        lever.value: label.value
        for lever, label in rows
        if isinstance(lever, ox.NamedNode) and isinstance(label, ox.Literal)
    }


def _keys(p: Profile | None) -> set[tuple[str, str, str]]:
    return {(ln.factor.iri, ln.pole, ln.statement) for ln in p.lines} if p else set()


def _cell(p: Profile | None) -> str:
    if p is None:
        return "-"
    up, down = len(p.factors_toward(CONFRONTATION)), len(p.factors_toward(CONCILIATION))
    return f"→{up} ←{down}" + (" ×" if p.cross_pressured else "")


def run(
    store: Store,
    levers: list[Lever],
    mission: str | None = None,
    at: str | None = None,
    min_years: Decimal | None = None,
) -> WhatIf:
    """Apply the levers to a copy of ``store`` and compare the mission's profiles."""
    if not levers:
        raise UsageError(
            "no change to apply",
            "give at least one of --rotate, --integrate, --separate, --enlarge, --cut, --move",
        )
    base = copy_in_memory(store)
    graph = build(base)
    names = {n: d["label"] for n, d in graph.nodes(data=True)}
    kinds = {n: d["kind"] for n, d in graph.nodes(data=True)}
    target = _mission(base, graph, levers, mission, kinds, names)
    changed = base.copy()
    changes = [_apply(changed, graph, target, lever, at, kinds, names) for lever in levers]
    _rederive(changed)
    before = Profiler(derive(base, at, min_years, in_place=True), store)
    after = Profiler(derive(changed, at, min_years, in_place=True), store)
    subjects_before = _subjects(graph, target.iri, at)
    graph_after = build(changed)
    subjects_after = _subjects(graph_after, target.iri, at)
    result = WhatIf(target, at, changes)
    papers = _papers_levers(base)
    result.levers = [papers.get(PAPERS_LEVER[lever.kind], "") for lever in levers]
    modelled = set(PAPERS_LEVER.values())
    result.unmodelled = [label for iri, label in papers.items() if iri not in modelled]
    labels_after = {n: d["label"] for n, d in graph_after.nodes(data=True)}
    kinds_after = {n: d["kind"] for n, d in graph_after.nodes(data=True)}
    order = {"field presence": 0, "unit": 1, "post": 2, "official": 3}
    everyone = sorted(
        set(subjects_before) | set(subjects_after),
        key=lambda s: (order.get(kinds_after.get(s, kinds.get(s, "")), 9), labels_after.get(s, s)),
    )
    for s in everyone:
        result.rows.append(
            Row(
                s,
                labels_after.get(s, names.get(s, shorten(s))),
                kinds_after.get(s, kinds.get(s, "resource")),
                before.profile(s) if s in subjects_before else None,
                after.profile(s) if s in graph_after else None,
                left=s in graph_after and s not in subjects_after,
            )
        )
    return result


def _mission(
    store: Store,
    graph: nx.MultiDiGraph,
    levers: list[Lever],
    given: str | None,
    kinds: dict[str, str],
    names: dict[str, str],
) -> Resource:
    if given:
        return resolve(store, given, kinds, names, ("field presence",), "a field presence")
    for lever in levers:
        if lever.target:
            r = resolve(store, lever.target, kinds, names, (*UNITS, "post"), "a unit or post")
            found = presences(graph, r.iri)
            if found:
                return Resource(found[0], names.get(found[0], shorten(found[0])), "field presence")
    raise UsageError("which mission?", "give --mission M (an IRI or a label)")


def _subjects(graph: nx.MultiDiGraph, mission: str, at: str | None) -> list[str]:
    units, posts = members(graph, mission)
    officials = set()
    for post in posts:
        for s, _, d in graph.in_edges(post, data=True):
            if d["relation"] == "holds" and _covers(d.get("start"), d.get("end"), at):
                officials.add(s)
    return [*units, *posts, *sorted(officials)]


def _covers(start: str | None, end: str | None, at: str | None) -> bool:
    """Does a period possibly cover ``at`` (the rules' generous reading of imprecise dates)?"""
    if at is None:
        return True
    return (start is None or start <= at) and (end is None or end + "~" >= at)


def _nt(iri: str) -> str:
    return str(ox.NamedNode(iri))


def _lit(text: str) -> str:
    return str(ox.Literal(text))


def _insert(store: OxigraphStore, triples: str) -> None:
    store.update(f"INSERT DATA {{ GRAPH {_nt(WHATIF_GRAPH)} {{ {triples} }} }}")


def _apply(
    store: OxigraphStore,
    graph: nx.MultiDiGraph,
    mission: Resource,
    lever: Lever,
    at: str | None,
    kinds: dict[str, str],
    names: dict[str, str],
) -> str:
    def find(text: str, wanted: tuple[str, ...], what: str) -> Resource:
        return resolve(store, text, kinds, names, wanted, what)

    if lever.kind == "rotate":
        return _rotate(store, graph, mission, lever.number, at, names)
    if lever.kind == "integrate":
        unit = find(lever.target, UNITS, "a unit")
        entity = find(lever.other, (*UNITS, "post"), "an IO entity (unit or post)")
        iri = f"{WHATIF}relation/integration-{_slug(unit.iri)}-{_slug(entity.iri)}"
        label = f"{unit.label} integrated with {entity.label} (what-if)"
        _relation(store, iri, label, unit.iri, entity.iri, "integration")
        return f"{unit.label} integrated with {entity.label} (a new institutional relation)."
    if lever.kind == "separate":
        unit = find(lever.target, UNITS, "a unit")
        inside, _ = members(graph, mission.iri)
        if unit.iri not in inside or unit.iri == mission.iri:
            raise UsageError(f"{unit.label} is not a unit inside {mission.label}")
        parents = [
            p
            for rel in ("subOrganizationOf", "unitOf")
            for p in targets(graph, unit.iri, rel)
            if p in inside
        ]
        for parent in parents:
            for prop in ("subOrganizationOf", "unitOf"):
                link = f"{_nt(unit.iri)} {_nt(ORG + prop)} {_nt(parent)}"
                store.update(f"DELETE WHERE {{ GRAPH ?g {{ {link} }} }}")
        ios = targets(graph, mission.iri, "deployedBy")
        for io in ios:
            _insert(store, f"{_nt(unit.iri)} {_nt(ORG + 'unitOf')} {_nt(io)} .")
        iri = f"{WHATIF}relation/separation-{_slug(mission.iri)}-{_slug(unit.iri)}"
        label = f"{unit.label} structurally separate from {mission.label} (what-if)"
        _relation(store, iri, label, mission.iri, unit.iri, "structural-separation")
        now = " and ".join(names.get(i, shorten(i)) for i in ios) or "no organization"
        return (
            f"{unit.label} separated from {mission.label}: no longer part of it, now a unit of "
            f"{now}, with a structural-separation relation."
        )
    if lever.kind in ("enlarge", "cut"):
        unit = find(lever.target, UNITS, "a unit")
        n = int(lever.number)
        if n < 1 or n != lever.number:
            raise UsageError(f"--{lever.kind} needs a whole number of posts, got {lever.number}")
        return (_enlarge if lever.kind == "enlarge" else _cut)(store, graph, unit, n, names)
    if lever.kind == "move":
        post = find(lever.target, ("post",), "a post")
        station = find(lever.other, ("duty station", "place"), "a duty station or place")
        old = targets(graph, post.iri, "hasDutyStation")
        store.update(
            f"DELETE WHERE {{ GRAPH ?g {{ {_nt(post.iri)} {_nt(iodm.hasDutyStation)} ?s }} }}"
        )
        _insert(store, f"{_nt(post.iri)} {_nt(iodm.hasDutyStation)} {_nt(station.iri)} .")
        was = " and ".join(names.get(s, shorten(s)) for s in old) or "no recorded duty station"
        return f"{post.label} moved from {was} to {station.label}."
    raise UsageError(f"unknown lever {lever.kind!r}", f"use one of {', '.join(LEVERS)}")


def _relation(
    store: OxigraphStore, iri: str, label: str, unit: str, entity: str, kind: str
) -> None:
    """Insert an iodm:InstitutionalRelation of a kind of the relation-kinds vocabulary."""
    _insert(
        store,
        f"{_nt(iri)} a {_nt(iodm.InstitutionalRelation)} ; {_nt(RDFS + 'label')} {_lit(label)} ; "
        f"{_nt(iodm.linksUnit)} {_nt(unit)} ; {_nt(iodm.linksToEntity)} {_nt(entity)} ; "
        f"{_nt(iodm.hasRelationKind)} {_nt(RELATION_KIND + kind)} .",
    )


def _slug(iri: str) -> str:
    import hashlib

    return hashlib.md5(iri.encode()).hexdigest()[:10]


def _enlarge(
    store: OxigraphStore, graph: nx.MultiDiGraph, unit: Resource, n: int, names: dict[str, str]
) -> str:
    _, posts = members(graph, unit.iri)
    own = sources(graph, unit.iri, "postIn")
    stations = Counter(s for p in own for s in targets(graph, p, "hasDutyStation"))
    bosses = Counter(b for p in own for b in targets(graph, p, "reportsTo") if b in own)
    station = stations.most_common(1)[0][0] if stations else None
    boss = bosses.most_common(1)[0][0] if bosses else (own[0] if len(own) == 1 else None)
    for k in range(1, n + 1):
        iri = f"{WHATIF}post/{_slug(unit.iri)}-{k}"
        triples = (
            f"{_nt(iri)} a {_nt(iodm.Post)} ; "
            f"{_nt(RDFS + 'label')} {_lit(f'New post {k} in {unit.label} (what-if)')} ; "
            f"{_nt(ORG + 'postIn')} {_nt(unit.iri)} ."
        )
        if station:
            triples += f" {_nt(iri)} {_nt(iodm.hasDutyStation)} {_nt(station)} ."
        if boss:
            triples += f" {_nt(iri)} {_nt(ORG + 'reportsTo')} {_nt(boss)} ."
        _insert(store, triples)
    where = f" at {names.get(station, shorten(station))}" if station else ""
    line = f", reporting to {names.get(boss, shorten(boss))}" if boss else ""
    return f"{unit.label} enlarged by {n} post(s){where}{line} (it had {len(posts)})."


def _cut(
    store: OxigraphStore, graph: nx.MultiDiGraph, unit: Resource, n: int, names: dict[str, str]
) -> str:
    _, posts = members(graph, unit.iri)
    # Cut the posts nobody reports to first, so reporting lines stay connected.
    order = sorted(posts, key=lambda p: (bool(sources(graph, p, "reportsTo")), p), reverse=False)
    cut = order[:n]
    for post in cut:
        p = _nt(post)
        store.update(f"DELETE WHERE {{ GRAPH ?g {{ ?h {_nt(iodm.heldPost)} {p} . ?h ?x ?y }} }}")
        store.update(f"DELETE WHERE {{ GRAPH ?g {{ {p} ?x ?y }} }}")
        store.update(f"DELETE WHERE {{ GRAPH ?g {{ ?y ?x {p} }} }}")
    listed = ", ".join(names.get(p, shorten(p)) for p in cut) or "none"
    short = f" (it had only {len(posts)})" if len(posts) < n else ""
    return f"{unit.label} cut by {len(cut)} post(s){short}: {listed}, with their holdings."


def _rotate(
    store: OxigraphStore,
    graph: nx.MultiDiGraph,
    mission: Resource,
    years: Decimal,
    at: str | None,
    names: dict[str, str],
) -> str:
    if years <= 0:
        raise UsageError(f"--rotate needs a positive number of years, got {years}")
    months = int(years * 12)
    _, posts = members(graph, mission.iri)
    cut: list[str] = []
    for post in posts:
        for official, _, d in graph.in_edges(post, data=True):
            if d["relation"] != "holds" or "start" not in d or "via" not in d:
                continue
            end = _end_point(d.get("end"), at)
            if end is None or (at and d["start"] > at):
                continue
            start = _start_point(d["start"])
            if _months(start, end) <= months:
                continue
            new = _minus_months(end, months)
            store.update(
                f"DELETE WHERE {{ GRAPH ?g {{ {_nt(d['via'])} {_nt(iodm.startDate)} ?s }} }}"
            )
            lit = str(ox.Literal(new.isoformat(), datatype=ox.NamedNode(XSD + "date")))
            _insert(store, f"{_nt(d['via'])} {_nt(iodm.startDate)} {lit} .")
            cut.append(
                f"{names.get(official, shorten(official))} as {names.get(post, shorten(post))} "
                f"(from {d['start']} → from {new.isoformat()})"
            )
    what = f"rotation after {years} years: "
    if not cut:
        return (
            what
            + "no holding in the mission was longer (holdings without an end count only with --at)."
        )
    return what + f"{len(cut)} holding(s) cut to their last {years} years: " + "; ".join(cut) + "."


Point = tuple[int, int, int]


def _start_point(raw: str) -> Point:
    """A start as (year, month, day), conservatively: a year counts from its December, a month
    from its last day, as the length-of-service rule counts it."""
    return (
        int(raw[:4]),
        int(raw[5:7]) if len(raw) >= 7 else 12,
        int(raw[8:10]) if len(raw) >= 10 else 31,
    )


def _end_point(raw: str | None, at: str | None) -> Point | None:
    """Where service is counted to: ``at``, or the end if it came first (a year counts to its
    January, a month to its first day); None when neither is known."""
    end = None
    if raw:
        end = (
            int(raw[:4]),
            int(raw[5:7]) if len(raw) >= 7 else 1,
            int(raw[8:10]) if len(raw) >= 10 else 1,
        )
    if at:
        when = (int(at[:4]), int(at[5:7]), int(at[8:10]))
        return when if end is None or end > when else end
    return end


def _months(start: Point, end: Point) -> int:
    """Whole months from start to end, as the length-of-service rule counts them.

    >>> _months((2009, 12, 31), (2016, 7, 1))
    78
    """
    return (end[0] - start[0]) * 12 + end[1] - start[1] - (1 if end[2] < start[2] else 0)


def _minus_months(day: Point, months: int) -> dt.date:
    """The date ``months`` before a point (the day kept where the month has it).

    >>> _minus_months((2017, 3, 31), 24)
    datetime.date(2015, 3, 31)
    >>> _minus_months((2016, 2, 29), 12)
    datetime.date(2015, 2, 28)
    """
    import calendar

    total = day[0] * 12 + day[1] - 1 - months
    year, month = divmod(total, 12)
    return dt.date(year, month + 1, min(day[2], calendar.monthrange(year, month + 1)[1]))


def _rederive(store: OxigraphStore) -> None:
    """Derive again on the changed copy what the build derives (a post may have moved: its field
    presence, liaison status, reporting steps and distance with it)."""
    from kg.analysis.rules import ANALYSIS_GRAPH
    from kg.pipeline.derive import DERIVED_GRAPH, derive

    skip = {DERIVED_GRAPH, ANALYSIS_GRAPH}
    data = [q.triple for q in store.quads() if q.graph_name.value not in skip]  # type: ignore[union-attr]
    store.store.remove_graph(ox.NamedNode(DERIVED_GRAPH))
    store.add(derive(data), DERIVED_GRAPH)
