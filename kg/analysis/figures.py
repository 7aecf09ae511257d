"""Figures (``iodm figure NAME -o FILE``), as PNG or SVG, each with a title, a legend and a
source line citing the paper and IODM:

- ``spectrum``: Figure 2 of the paper redrawn, with the responses of the graph placed on it;
- ``factors``: Table 1 as a factor map, each factor with the pulls the graph records and the
  leans the rules encode;
- ``hierarchy``: a field presence's units and posts as a graph coloured by net lean;
- ``distances``: posts plotted by distance from the host capital.

matplotlib is imported only here, and only when a figure is drawn. SVG keeps its text as text
(``svg.fonttype: none``), so titles and labels stay searchable.
"""

from __future__ import annotations

import textwrap
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.analysis import CITATION
from kg.analysis.facts import factors, labels, select, value
from kg.analysis.profile import CONCILIATION, CONFRONTATION, Profiler
from kg.analysis.rules import derive, rule_leans
from kg.core.errors import UsageError
from kg.core.files import atomic_open
from kg.core.namespaces import iodm, shorten
from kg.store import Store, copy_in_memory

if TYPE_CHECKING:
    import networkx as nx
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

NAMES = ("spectrum", "factors", "hierarchy", "distances")
FORMATS = ("png", "svg")
COLOURS = {
    CONFRONTATION: "#b2182b",
    CONCILIATION: "#2166ac",
    "cross-pressured": "#7b3294",
    "balanced": "#7b3294",
    "none": "#bdbdbd",
}
LEAN_NAMES = {
    CONFRONTATION: "toward confrontation",
    CONCILIATION: "toward conciliation",
    "cross-pressured": "cross-pressured (factors pull both ways)",
    "none": "no factor applies",
}


@dataclass
class Context:
    """What every figure needs: the store (read only), a copy to derive on, and options."""

    store: Store
    mission: str | None = None
    at: str | None = None
    graph_name: str = ""

    def source_line(self, what: str) -> str:
        graph = self.graph_name or self.store.descriptor
        return f"Source: {CITATION}; {what}. Drawn by IODM (https://w3id.org/iodm) from {graph}."


def draw(name: str, ctx: Context) -> Figure:
    drawers: dict[str, Callable[[Context], Figure]] = {
        "spectrum": spectrum,
        "factors": factor_map,
        "hierarchy": hierarchy,
        "distances": distances,
    }
    if name not in drawers:
        raise UsageError(f"no figure named {name!r}", f"use one of {', '.join(NAMES)}, or all")
    return drawers[name](ctx)


def save(figure: Figure, path: Path) -> None:
    """Write a figure as PNG or SVG (by the file's suffix), atomically."""
    import matplotlib

    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise UsageError(f"{path}: unknown figure format", "name the file .png or .svg")
    metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {"Software": None}

    with (
        matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "iodm"}),
        atomic_open(path, binary=True) as out,
    ):
        figure.savefig(out, format=fmt, dpi=150, metadata=metadata)


def _figure(width: float, height: float) -> Figure:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    fig.get_layout_engine().set(h_pad=0.12, w_pad=0.12)  # type: ignore[call-arg, union-attr]
    return fig


def _source(fig: Figure, text: str) -> None:
    fig.supxlabel(
        "\n".join(textwrap.wrap(text, 170)), fontsize=7, color="#444444", ha="left", x=0.01
    )


# --- Figure 2: the spectrum -------------------------------------------------------------------


def _lean_handles(size: int) -> list[Any]:
    """Legend entries for the lean colours."""
    from matplotlib.lines import Line2D

    return [
        Line2D([], [], marker="o", ls="", color=COLOURS[k], markersize=size, label=v)
        for k, v in LEAN_NAMES.items()
    ]


def _shape_handle(marker: str, label: str) -> Any:
    """A legend entry for a kind of node, drawn as an empty marker of its shape."""
    from matplotlib.lines import Line2D

    return Line2D(
        [], [], marker=marker, ls="", color="white", markeredgecolor="#333333", label=label
    )


def spectrum(ctx: Context) -> Figure:
    options = select(
        ctx.store,
        "SELECT ?o ?rank ?label WHERE { ?o iodm:confrontationRank ?rank . "
        "OPTIONAL { ?o skos:prefLabel ?label } } ORDER BY ?rank",
    )
    responses = select(
        ctx.store,
        "SELECT ?response ?rank ?who ?acronym ?whoLabel ?basis WHERE { ?response a iodm:Response ; "
        "iodm:hasResponseOption ?o . ?o iodm:confrontationRank ?rank . "
        "OPTIONAL { ?response iodm:placementBasis ?basis } "
        "OPTIONAL { ?response iodm:respondent ?who . OPTIONAL { ?who iodm:acronym ?acronym } "
        "OPTIONAL { ?who rdfs:label ?whoLabel } } } ORDER BY DESC(?rank) ?response ?who",
    )
    if not options.rows:
        raise UsageError("the graph has no response options", "build the ontology first")
    ranks = [int(value(r)) for _, r, _ in options.rows]
    fig = _figure(13, 5.4)
    ax = fig.add_subplot()
    lo, hi = min(ranks), max(ranks)
    ax.annotate(
        "",
        xy=(hi + 6, 0),
        xytext=(lo - 6, 0),
        arrowprops={"arrowstyle": "<|-|>", "color": "#333333", "lw": 1.5},
    )
    for x, text, align, pole in (
        (lo - 6, "most conciliatory", "left", CONCILIATION),
        (hi + 6, "most confrontational", "right", CONFRONTATION),
    ):
        ax.text(
            x, -0.22, text, ha=align, va="top", fontsize=9, color=COLOURS[pole], fontweight="bold"
        )
    for option, rank, label in options.rows:
        x = int(value(rank))
        share = (x - lo) / ((hi - lo) or 1)
        colour = _blend(COLOURS[CONCILIATION], COLOURS[CONFRONTATION], share)
        ax.plot([x], [0], "o", color=colour, markersize=9, zorder=3)
        ax.text(
            x,
            -0.5,
            value(label) or shorten(value(option)),
            rotation=35,
            ha="right",
            va="top",
            fontsize=9,
        )
    by_response: dict[str, tuple[int, list[str]]] = {}
    stated = {value(r) for r, *_, basis in responses.rows if value(basis) == iodm.StatedInSource}
    for response, rank, who, acronym, who_label, _basis in responses.rows:
        names = by_response.setdefault(value(response), (int(value(rank)), []))[1]
        name = value(acronym) or value(who_label) or (shorten(value(who)) if who else "")
        if name and name not in names:
            names.append(name)
    # Boxes never overlap: each goes at the lowest height free of the boxes already placed
    # near it (within two options either side), its height following its number of lines.
    placed: list[tuple[int, float, float]] = []  # x, bottom, top
    step = min((b - a for a, b in pairwise(ranks) if b > a), default=10)
    for iri, (x, names) in sorted(by_response.items(), key=lambda kv: (-kv[1][0], kv[0])):
        text = "\n".join(textwrap.wrap(" / ".join(names) or "respondent unknown", 18))
        height = 0.2 * (text.count("\n") + 1) + 0.2
        y = 0.55
        for px, bottom, top_ in sorted(placed, key=lambda p: p[1]):
            if abs(px - x) < 2.2 * step and y < top_ and bottom < y + height:
                y = top_ + 0.12
        placed.append((x, y, y + height))
        ax.annotate(
            text,
            xy=(x, 0.08),
            xytext=(x, y),
            ha="center",
            va="bottom",
            fontsize=8,
            arrowprops={"arrowstyle": "-|>", "color": "#555555", "lw": 0.8},
            bbox={
                "boxstyle": "round,pad=0.3",
                "fc": "#fff7bc",
                "ec": "#555555" if iri in stated else "#999999",
                "lw": 1.2 if iri in stated else 0.6,
                "ls": "-" if iri in stated else "--",
            },
        )
    top = max((t for _, _, t in placed), default=0.55) + 0.5
    fig.set_size_inches(13, max(5.4, 3.2 + 0.75 * top))
    ax.set_xlim(lo - 10, hi + 10)
    ax.set_ylim(-2.5, top)
    ax.axis("off")
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            color="#777777",
            label="response option (the order within the ends and the middle: IODM's reading)",
        ),
        Patch(
            fc="#fff7bc",
            ec="#555555",
            lw=1.2,
            label="a response the source places on the spectrum, by respondent",
        ),
        Patch(
            fc="#fff7bc",
            ec="#999999",
            ls="--",
            label="a response IODM places (the coder's reading), by respondent",
        ),
    ]
    ax.legend(handles=handles, loc="upper left", fontsize=8, frameon=False)
    fig.suptitle(
        "The conciliation–confrontation spectrum (after Figure 2), "
        f"with the {len(by_response)} responses in the graph",
        fontsize=13,
    )
    _source(
        fig,
        ctx.source_line(
            "Figure 2 and section 'The Conciliation-Confrontation Spectrum' (Figure 2 is lost in "
            "the text IODM has; the paper gives the two ends and what lies between, the order "
            "within them and the places of leaking reports and public criticism are IODM's)"
        ),
    )
    return fig


def _blend(a: str, b: str, share: float) -> str:
    ca = [int(a[i : i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(x + (y - x) * share) for x, y in zip(ca, cb, strict=True)]
    return "#" + "".join(f"{c:02x}" for c in mixed)


# --- Table 1 as a factor map ------------------------------------------------------------------


def factor_map(ctx: Context) -> Figure:
    found = factors(ctx.store)
    if not found:
        raise UsageError("the graph has no decision factors", "build the ontology first")
    names = labels(ctx.store)
    recorded = select(
        ctx.store,
        "SELECT ?o ?factor ?pole ?for WHERE { ?o a iodm:FactorObservation ; "
        "iodm:observedFactor ?factor ; iodm:pullsToward ?pole ; iodm:observedFor ?for } "
        "ORDER BY ?factor ?pole ?for",
    )
    items: dict[tuple[str, str], list[tuple[str, bool]]] = defaultdict(list)
    for _o, factor_term, pole_term, subject in recorded.rows:
        side = CONFRONTATION if value(pole_term) == iodm.Confrontation else CONCILIATION
        text = names.get(value(subject), shorten(value(subject)))
        if (text, False) not in items[(value(factor_term), side)]:
            items[(value(factor_term), side)].append((text, False))
    for _rule, factor_iri, pole, pulls in rule_leans():
        side = CONFRONTATION if pole == iodm.Confrontation else CONCILIATION
        items[(factor_iri, side)].append((pulls, True))
    categories = sorted(
        {f.category for f in found.values()},
        key=lambda c: min(f.notation for f in found.values() if f.category == c),
    )
    fig = _figure(15, 9)
    grid = fig.add_gridspec(4, len(categories), height_ratios=[0.12, 1, 1, 1])
    for col, category in enumerate(categories):
        column = sorted(
            (f for f in found.values() if f.category == category), key=lambda f: f.notation
        )
        for row, factor in enumerate(column[:3]):
            ax = fig.add_subplot(grid[row + 1, col])
            _factor_cell(
                ax,
                factor.label,
                items[(factor.iri, CONCILIATION)],
                items[(factor.iri, CONFRONTATION)],
            )
            if row == 0:
                ax.set_title(category.capitalize(), fontsize=12, fontweight="bold", pad=10)
    from matplotlib.patches import Patch

    handles = [
        Patch(color=COLOURS[CONCILIATION], label="← pulls toward conciliation"),
        Patch(color=COLOURS[CONFRONTATION], label="pulls toward confrontation →"),
        Patch(
            fc="white",
            ec="#777777",
            label="plain: recorded for a kind of unit, a unit, post or official;  "
            "italic: a general lean encoded as a rule",
        ),
    ]
    legend = fig.add_subplot(grid[0, :])
    legend.axis("off")
    legend.legend(handles=handles, loc="center", ncol=3, fontsize=9, frameon=False)
    fig.suptitle(
        "Table 1 as a factor map: the pull of each factor, "
        "as the graph records it and the rules encode it",
        fontsize=13,
    )
    _source(
        fig,
        ctx.source_line(
            "Table 1 and sections 'Individual Characteristics', 'Departmental Factors', "
            "'Positional Considerations'; rules in queries/rules/. "
            "'(none recorded or encoded)': no "
            "observation in this graph and no rule says the factor pulls that way. Factors "
            "predispose and do not determine"
        ),
    )
    return fig


def _factor_cell(
    ax: Axes, title: str, left: list[tuple[str, bool]], right: list[tuple[str, bool]]
) -> None:
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("#999999")
    ax.text(0.5, 0.93, title, ha="center", va="top", fontsize=10.5, fontweight="bold")
    ax.axvline(0.5, ymin=0.05, ymax=0.8, color="#dddddd", lw=1)
    for x, entries, side, align in (
        (0.03, left, CONCILIATION, "left"),
        (0.53, right, CONFRONTATION, "left"),
    ):
        y = 0.78
        shown = entries[:6]
        for text, is_rule in shown:
            wrapped = textwrap.wrap(text, 36) or [""]
            for k, part in enumerate(wrapped[:3]):
                mark = ("← " if side == CONCILIATION else "→ ") if k == 0 else "   "
                ax.text(
                    x,
                    y,
                    mark + part,
                    ha=align,
                    va="top",
                    fontsize=7.5,
                    color=COLOURS[side],
                    fontstyle="italic" if is_rule else "normal",
                )
                y -= 0.085
            y -= 0.02
        if len(entries) > len(shown):
            ax.text(
                x,
                y,
                f"… and {len(entries) - len(shown)} more",
                fontsize=7,
                color="#555555",
                va="top",
            )
        if not entries:
            ax.text(x, 0.78, "(none recorded or encoded)", fontsize=7.5, color="#999999", va="top")


# --- a mission's hierarchy coloured by lean ------------------------------------------------------


def default_mission(graph: nx.MultiDiGraph) -> str | None:
    """The field presence with the most units and posts in the graph (ties: by IRI)."""
    from kg.analysis.network import has_class, members

    best: tuple[int, str] | None = None
    for node in sorted(graph):
        if has_class(graph, node, "iodm:FieldPresence"):
            units, posts = members(graph, node)
            size = len(units) + len(posts) + len(_linked(graph, units))
            if best is None or size > best[0]:
                best = (size, node)
    return best[1] if best else None


def _linked(graph: nx.MultiDiGraph, units: list[str]) -> list[str]:
    return sorted(
        {
            t
            for u in units
            for _, t, d in graph.out_edges(u, data=True)
            if d["relation"] == "institutionalRelation"
        }
    )


def _mission(ctx: Context, graph: nx.MultiDiGraph) -> str:
    from kg.analysis.resolve import resolve

    if ctx.mission:
        kinds = {n: d["kind"] for n, d in graph.nodes(data=True)}
        names = {n: d["label"] for n, d in graph.nodes(data=True)}
        return resolve(
            ctx.store, ctx.mission, kinds, names, ("field presence",), "a field presence"
        ).iri
    found = default_mission(graph)
    if found is None:
        raise UsageError("the graph has no field presence to draw", "build data with one")
    return found


def _leans(ctx: Context) -> dict[str, str]:
    profiler = Profiler(derive(copy_in_memory(ctx.store), ctx.at), ctx.store)
    found = {}
    for subject in profiler.subjects():
        p = profiler.profile(subject)
        found[subject] = "cross-pressured" if p.cross_pressured else p.lean
    return found


def hierarchy(ctx: Context) -> Figure:
    from kg.analysis.network import build, members, targets

    graph = build(ctx.store)
    mission = _mission(ctx, graph)
    units, posts = members(graph, mission)
    parent: dict[str, str | None] = {}
    outside: list[str] = []
    for io in targets(graph, mission, "deployedBy"):
        parent[io] = None
    parent[mission] = next(iter(targets(graph, mission, "deployedBy")), None)
    for unit in units[1:]:
        ups = [
            p
            for rel in ("subOrganizationOf", "unitOf")
            for p in targets(graph, unit, rel)
            if p in units
        ]
        parent[unit] = ups[0] if ups else mission
    for post in posts:
        bosses = [b for b in targets(graph, post, "reportsTo") if b in posts]
        homes = [u for u in targets(graph, post, "postIn") if u in units]
        parent[post] = bosses[0] if bosses else (homes[0] if homes else mission)
    relations = []
    for unit in units:
        for _, t, d in graph.out_edges(unit, data=True):
            if d["relation"] == "institutionalRelation":
                relations.append((unit, t, d.get("kind", "relation")))
                if t not in parent:
                    outside.append(t)
                    parent[t] = None
    leans = _leans(ctx)
    pos = _tree_layout(parent, graph)
    width = max(p[0] for p in pos.values()) - min(p[0] for p in pos.values())
    depth = max(p[1] for p in pos.values()) - min(p[1] for p in pos.values())
    fig = _figure(min(24, max(10, 1.2 * width + 5)), min(16, max(5.5, 1.1 * depth + 3)))
    ax = fig.add_subplot()
    for child, up in parent.items():
        if up is not None:
            colour = "#333333" if graph.nodes[up]["kind"] == "post" else "#aaaaaa"
            ax.annotate(
                "",
                xy=pos[up],
                xytext=pos[child],
                arrowprops={
                    "arrowstyle": "-|>",
                    "color": colour,
                    "lw": 1,
                    "shrinkA": 12,
                    "shrinkB": 12,
                },
            )
    for a, b, kind in relations:
        ax.annotate(
            "",
            xy=pos[b],
            xytext=pos[a],
            arrowprops={
                "arrowstyle": "-|>",
                "color": "#e08214",
                "lw": 1.3,
                "ls": "--",
                "shrinkA": 12,
                "shrinkB": 12,
            },
        )
        mid = (0.45 * pos[a][0] + 0.55 * pos[b][0], 0.45 * pos[a][1] + 0.55 * pos[b][1])
        ax.text(
            *mid,
            kind,
            fontsize=7.5,
            color="#b35806",
            ha="center",
            va="center",
            bbox={"fc": "white", "ec": "none", "pad": 1},
        )
    markers = {
        "post": "o",
        "official": "o",
        "unit": "s",
        "field presence": "D",
        "organization": "h",
    }
    for node, (x, y) in pos.items():
        lean = leans.get(node, "none")
        kind = graph.nodes[node]["kind"]
        ax.scatter(
            [x],
            [y],
            s=260,
            marker=markers.get(kind, "s"),
            color=COLOURS[lean],
            edgecolors="#333333",
            linewidths=0.8,
            zorder=3,
        )
        label = "\n".join(textwrap.wrap(graph.nodes[node]["label"], 22)[:3])
        ax.text(x, y - 0.32, label, ha="center", va="top", fontsize=7.5)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 1, max(xs) + 1)
    ax.set_ylim(min(ys) - 1.4, max(ys) + 0.6)
    ax.axis("off")
    from matplotlib.lines import Line2D

    handles = [
        *_lean_handles(9),
        _shape_handle("h", "international organization"),
        _shape_handle("D", "field presence"),
        _shape_handle("s", "unit"),
        _shape_handle("o", "post"),
        Line2D([], [], color="#aaaaaa", label="part of (unit, post in unit)"),
        Line2D([], [], color="#333333", label="reports to"),
        Line2D([], [], color="#e08214", ls="--", label="relation with another IO entity"),
    ]
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False
    )
    when = f" at {ctx.at}" if ctx.at else ""
    fig.suptitle(
        f"{graph.nodes[mission]['label']}: units and posts coloured by net lean{when}", fontsize=13
    )
    _source(
        fig,
        ctx.source_line(
            "sections 'Departmental Factors' and 'Positional Considerations'; net lean = which "
            "pole more of the factors that apply pull toward (`iodm profile` explains each): a "
            "count, not a prediction; factors predispose and do not determine"
        ),
    )
    return fig


def _tree_layout(
    parent: dict[str, str | None], graph: nx.MultiDiGraph
) -> dict[str, tuple[float, float]]:
    children: dict[str | None, list[str]] = defaultdict(list)
    for child, up in parent.items():
        children[up].append(child)
    for k in children:
        children[k].sort(key=lambda n: graph.nodes[n]["label"])
    pos: dict[str, tuple[float, float]] = {}
    slot = [0.0]

    def place(node: str, depth: int) -> float:
        kids = children.get(node, [])
        if not kids:
            x = slot[0]
            slot[0] += 1.6
        else:
            xs = [place(k, depth + 1) for k in kids]
            x = (xs[0] + xs[-1]) / 2
        pos[node] = (x, -1.5 * depth)
        return x

    for root in children[None]:
        place(root, 0)
        slot[0] += 0.6
    return pos


# --- posts by distance from the capital --------------------------------------------------------


def distances(ctx: Context) -> Figure:
    from kg.analysis.distances import for_mission
    from kg.analysis.distances import rows as cq1_rows
    from kg.analysis.network import build

    graph = build(ctx.store)
    rows = cq1_rows(ctx.store)
    title = "Posts by distance from the host capital"
    if ctx.mission:
        mission = _mission(ctx, graph)
        rows = for_mission(rows, graph, mission)
        title += f": {graph.nodes[mission]['label']}"
    measured = sorted(
        {r for r in rows if r.km is not None}, key=lambda r: (float(r.km or 0), r.post)
    )
    away = sorted({r.post for r in rows if r.km is None and r.outside})
    fig = _figure(12, max(4.5, 0.45 * (len(measured) + len(away)) + 2.5))
    ax = fig.add_subplot()
    if not measured and not away:
        ax.axis("off")
        ax.text(
            0.5,
            0.5,
            "\n".join(
                textwrap.wrap(
                    "No post in this graph has a distance to plot: none has a duty station with "
                    "coordinates in a field presence whose host state has a capital with "
                    "coordinates, "
                    "and none is marked as outside the host state. The curated graph records no "
                    "coordinates, because the paper gives none; add them (geo:lat, geo:long) "
                    "to see "
                    "this figure.",
                    80,
                )
            ),
            ha="center",
            va="center",
            fontsize=11,
            transform=ax.transAxes,
        )
    else:
        leans = _leans(ctx)
        names = {n: d["label"] for n, d in graph.nodes(data=True)}
        far = max((float(r.km or 0) for r in measured), default=0.0)
        strip = far * 1.25 + 50
        labels_y = []
        for i, r in enumerate(measured):
            lean = leans.get(r.post, "none")
            marker = "^" if r.outside else "o"
            ax.scatter(
                [float(r.km or 0)],
                [i],
                s=90,
                color=COLOURS[lean],
                marker=marker,
                edgecolors="#333333",
                zorder=3,
            )
            steps = (
                "no reporting line"
                if r.steps is None
                else "deals with them itself"
                if r.steps == 0
                else f"{r.steps} step(s)"
            )
            ax.text(
                float(r.km or 0) + far * 0.02 + 5,
                i,
                f"{float(r.km or 0):,.1f} km · {steps}",
                va="center",
                fontsize=8,
            )
            labels_y.append(names.get(r.post, r.post))
        for j, post in enumerate(away):
            i = len(measured) + j
            lean = leans.get(post, "none")
            ax.scatter(
                [strip], [i], s=90, color=COLOURS[lean], marker="s", edgecolors="#333333", zorder=3
            )
            labels_y.append(names.get(post, post))
        if away:
            ax.axvline(far * 1.12 + 25, color="#999999", ls=":", lw=1)
            ax.text(
                strip,
                len(measured) + len(away) - 0.4,
                "outside the host state,\nno host capital",
                ha="center",
                va="bottom",
                fontsize=8,
                color="#555555",
            )
        ax.set_yticks(
            range(len(labels_y)), ["\n".join(textwrap.wrap(t, 40)) for t in labels_y], fontsize=8
        )
        ax.set_ylim(-0.8, len(labels_y) + 0.2)
        ax.set_xlim(-far * 0.05 - 10, strip + far * 0.15 + 60)
        ticks = [t for t in ax.get_xticks() if 0 <= t <= far * 1.1 + 20]
        ax.set_xticks(ticks)
        ax.set_xlabel(
            "great-circle distance from the duty station to the host capital (km, haversine); "
            "steps: reporting steps to the nearest post dealing with the capital authorities",
            fontsize=9,
        )
        ax.grid(axis="x", color="#eeeeee")

        handles = [
            *_lean_handles(8),
            _shape_handle("o", "in the host state"),
            _shape_handle("^", "in another state"),
            _shape_handle("s", "outside, no host capital (IO headquarters)"),
        ]
        ax.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False
        )
    fig.suptitle(title, fontsize=13)
    _source(
        fig,
        ctx.source_line(
            "sub-section 'Position vis-à-vis host state authorities' (distance from the capital "
            "'creates different pressures and incentives'); distances are IODM's haversine km "
            "(CQ1), colours the net lean of each post, a count of factors, not a prediction"
        ),
    )
    return fig
