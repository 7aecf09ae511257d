"""The evidence table (``iodm evidence``): responses to norm violations cross-tabulated by where
the respondent sits and by the factors that apply to the respondent, with counts.

Descriptive only. Ranks are ordinal — "only the order is meaningful, not the differences"
(``iodm:confrontationRank``) — so the table gives counts, medians and ranges, never means. On the
curated graph the responses are the paper's illustrations of the spectrum's range, chosen to
illustrate it: no association between factors and responses can be read from them.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kg.analysis import PREDISPOSE
from kg.analysis.network import has_class, presences, targets
from kg.analysis.profile import CONFRONTATION, Profiler
from kg.analysis.rules import derive
from kg.core.namespaces import GRAPH
from kg.core.results import render_table
from kg.queries import get
from kg.store import Store, copy_in_memory

if TYPE_CHECKING:
    import networkx as nx

POSITIONS = (
    "IO headquarters",
    "headquarters in the host capital",
    "subnational field office",
    "elsewhere outside the host state",
    "the field presence as a whole",
    "a unit, site not recorded",
    "duty station not recorded",
)
CURATED_NOTE = (
    "This graph holds the curated data: its responses are the paper's illustrations of the "
    "spectrum's range (section 'The Conciliation-Confrontation Spectrum'), chosen to illustrate "
    "it, not sampled, so no relation between factors and responses can be read from them."
)
DESCRIPTIVE = (
    "Descriptive only: counts of the responses this graph records. No association or effect is "
    "estimated, and a response with several respondents counts once in each row that fits one of "
    "them. Ranks are ordinal and IODM's coding of the spectrum (the paper gives its two ends and "
    "what lies between, not an order within them): medians (the lower of two middle ranks) and "
    "ranges, no means. Which factors apply to a respondent is IODM's reading (queries/rules)."
)


@dataclass
class Entry:
    response: str
    label: str
    option: str
    rank: int


@dataclass
class Cell:
    entries: dict[str, Entry] = field(default_factory=dict)

    def add(self, entry: Entry) -> None:
        self.entries[entry.response] = entry

    def row(self, name: str) -> list[str]:
        ranks = sorted((e.rank for e in self.entries.values()), reverse=True)
        options = sorted({e.option for e in self.entries.values()})
        median = str(statistics.median_low(ranks)) if ranks else ""
        spread = f"{ranks[-1]}–{ranks[0]}" if ranks else ""
        return [
            name,
            str(len(ranks)),
            ", ".join(map(str, ranks)),
            median,
            spread,
            "; ".join(options),
        ]

    def to_json(self, name: str) -> dict[str, Any]:
        ranks = sorted((e.rank for e in self.entries.values()), reverse=True)
        return {
            "row": name,
            "responses": len(ranks),
            "ranks": ranks,
            "medianRank": statistics.median_low(ranks) if ranks else None,
            "options": sorted({e.option for e in self.entries.values()}),
            "responseIris": sorted(self.entries),
        }


@dataclass
class EvidenceTable:
    responses: int
    by_position: dict[str, Cell]
    by_factor: dict[str, Cell]
    curated: bool

    def render(self) -> str:
        head = ["", "responses", "ranks", "median rank", "range", "options"]
        wide = 160
        out = [
            f"Evidence table: {self.responses} response(s), by where the respondent sits and by "
            "the "
            "factors that apply to the respondent (rank: higher is more confrontational).",
            "",
            "By position vis-à-vis the host state authorities:",
            render_table(
                head, [c.row(n) for n, c in self.by_position.items()], wide, wrap=True
            ).rstrip(),
            "",
            "By factor and the pole it pulls toward (from the respondent's profile):",
            render_table(
                head, [c.row(n) for n, c in self.by_factor.items()], wide, wrap=True
            ).rstrip(),
            "",
            DESCRIPTIVE,
        ]
        if self.curated:
            out.append(CURATED_NOTE)
        out.append(PREDISPOSE)
        return "\n".join(out) + "\n"

    def to_json(self) -> str:
        data = {
            "responses": self.responses,
            "byPosition": [c.to_json(n) for n, c in self.by_position.items()],
            "byFactor": [c.to_json(n) for n, c in self.by_factor.items()],
            "note": DESCRIPTIVE + (" " + CURATED_NOTE if self.curated else ""),
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def table(store: Store) -> EvidenceTable:
    from kg.analysis.network import build

    scratch = copy_in_memory(store)
    graph = build(scratch)
    rows = list(get("responses-by-respondent").select(scratch))
    profilers: dict[str | None, Profiler] = {}

    def profiler(date: str | None) -> Profiler:
        if date not in profilers:
            profilers[date] = Profiler(derive(scratch, date), store)
        return profilers[date]

    by_position: dict[str, Cell] = {p: Cell() for p in POSITIONS}
    by_factor: dict[str, Cell] = defaultdict(Cell)
    responses = set()
    for r in rows:
        entry = Entry(
            r["response"],
            r["responseLabel"] or r["response"],
            r["optionLabel"] or r["option"],
            int(r["rank"]),
        )
        responses.add(entry.response)
        who = r["respondent"]
        date = _day(r["date"])
        for position in positions(graph, who, date) if who else ["duty station not recorded"]:
            by_position[position].add(entry)
        lines = profiler(date).profile(who).lines if who else []
        if not lines:
            by_factor["no factor applies"].add(entry)
        for line in lines:
            arrow = "→ confrontation" if line.pole == CONFRONTATION else "← conciliation"
            by_factor[f"{line.factor.label} {arrow}"].add(entry)
    by_position = {k: v for k, v in by_position.items() if v.entries}
    ordered = dict(sorted(by_factor.items(), key=lambda kv: (kv[0] == "no factor applies", kv[0])))
    curated = any(g.startswith(GRAPH + "data/") for g in store.named_graphs())
    return EvidenceTable(len(responses), by_position, ordered, curated)


def _day(value: object) -> str | None:
    """A response date as the rules take it: a full date, else None (any date)."""
    text = str(value) if value is not None else ""
    return text if len(text) == 10 else None


def positions(graph: nx.MultiDiGraph, who: str, date: str | None) -> list[str]:
    """Where a respondent sits: from a post's duty station, a unit's site, or the posts an
    official held at the date."""
    if who not in graph:
        return ["duty station not recorded"]
    if has_class(graph, who, "iodm:Official"):
        found = []
        for _, post, d in graph.out_edges(who, data=True):
            if d["relation"] == "holds" and _covers(d.get("start"), d.get("end"), date):
                found += positions(graph, post, date)
        return sorted(set(found)) or ["duty station not recorded"]
    if has_class(graph, who, "iodm:FieldPresence"):
        return ["the field presence as a whole"]
    is_post = has_class(graph, who, "iodm:Post")
    stations = targets(graph, who, "hasDutyStation" if is_post else "hasSite")
    if not stations:
        return ["duty station not recorded" if is_post else "a unit, site not recorded"]
    return sorted({_where(graph, who, s) for s in stations})


def _where(graph: nx.MultiDiGraph, who: str, station: str) -> str:
    if has_class(graph, station, "iodm:IOHeadquarters"):
        return "IO headquarters"
    homes = presences(graph, who)
    hosts = {h for p in homes for h in targets(graph, p, "hostState")}
    capitals = {c for h in hosts for c in targets(graph, h, "hasCapital")}
    if station in capitals or has_class(graph, station, "iodm:FieldPresenceHeadquarters"):
        return "headquarters in the host capital"
    states = set(targets(graph, station, "locatedIn"))
    if has_class(graph, station, "iodm:SubnationalOffice") or states & hosts:
        return "subnational field office"
    if not homes:
        return "IO headquarters" if not states else "elsewhere outside the host state"
    return "elsewhere outside the host state"


def _covers(start: str | None, end: str | None, at: str | None) -> bool:
    if at is None:
        return True
    return (start is None or start <= at) and (end is None or end + "~" >= at)
