"""Draw the ontology as a Mermaid class diagram and keep ``ontology/README.md`` in step with it.

The diagram shows the classes of the IODM namespaces (core and peacekeeping module), the external
classes they specialize or point to, ``rdfs:subClassOf`` as inheritance arrows, and every IODM
object property as an edge from its domain to its range (one edge per member when a domain or
range is an ``owl:unionOf``). ``python -m tools.diagram`` rewrites the block between
``<!-- diagram:start -->`` and ``<!-- diagram:end -->`` in ``ontology/README.md``;
and draws the core (``iodm.ttl``) as an SVG, laid out here in pure Python, into
``kg/publish/templates/iodm-diagram.svg``, which the ontology page includes;
``python -m tools.diagram --check`` only says whether both are up to date.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kg.core.namespaces import IODM, OWL, PKO, RDFS, shorten
from kg.core.resources import ontology_dir

if TYPE_CHECKING:
    import rdflib

START = "<!-- diagram:start -->"
END = "<!-- diagram:end -->"
MAIN = (IODM, PKO)
#: The OWL modules drawn by default (vocabularies and shapes are not classes and properties).
MODULES = ("iodm.ttl", "iodm-pko.ttl")


def _node(iri: str) -> str:
    """A Mermaid identifier for a class IRI.

    >>> _node("https://w3id.org/iodm#Post")
    'iodm_Post'
    >>> _node("http://www.w3.org/ns/org#Post")
    'org_Post'
    """
    name = shorten(iri).strip("<>")
    return "".join(c if c.isalnum() else "_" for c in name)


def _members(g: rdflib.Graph, node: object) -> list[str]:
    """The named classes a domain or range stands for: itself, or the members of its union."""
    from rdflib import BNode, URIRef
    from rdflib.collection import Collection

    if isinstance(node, URIRef):
        return [str(node)]
    if isinstance(node, BNode):
        union = g.value(node, URIRef(OWL + "unionOf"))
        if union is not None:
            return [str(m) for m in Collection(g, union) if isinstance(m, URIRef)]
    return []


@dataclass
class Model:
    """What both drawings show: classes, ``rdfs:subClassOf`` pairs and object property edges."""

    shown: set[str] = field(default_factory=set)  # every class drawn
    classes: set[str] = field(default_factory=set)  # the IODM classes among them
    inherits: set[tuple[str, str]] = field(default_factory=set)  # (superclass, subclass)
    edges: set[tuple[str, str, str]] = field(default_factory=set)  # (domain, range, local name)


def model_from_graph(g: rdflib.Graph) -> Model:
    """The IODM classes in ``g``, their superclasses, and every IODM object property as edges
    from its domain to its range (one per member of a union)."""
    from rdflib import RDF as RDF_NS
    from rdflib import URIRef

    owl_class = URIRef(OWL + "Class")
    subclass = URIRef(RDFS + "subClassOf")

    def is_main(iri: str) -> bool:
        return iri.startswith(MAIN)

    m = Model()
    m.classes = {str(c) for c in g.subjects(RDF_NS.type, owl_class) if is_main(str(c))}
    m.shown = set(m.classes)
    for cls in m.classes:
        for sup in g.objects(URIRef(cls), subclass):
            if isinstance(sup, URIRef):
                m.inherits.add((str(sup), cls))
                m.shown.add(str(sup))
    for prop in g.subjects(RDF_NS.type, URIRef(OWL + "ObjectProperty")):
        if not isinstance(prop, URIRef) or not is_main(str(prop)):
            continue
        domains = [m for d in g.objects(prop, URIRef(RDFS + "domain")) for m in _members(g, d)]
        ranges = [m for r in g.objects(prop, URIRef(RDFS + "range")) for m in _members(g, r)]
        name = str(prop).rsplit("#", 1)[-1]
        for d in domains:
            for r in ranges:
                m.edges.add((d, r, name))
                m.shown.update((d, r))
    return m


def _title(iri: str) -> str:
    return iri.rsplit("#", 1)[-1] if iri.startswith(IODM) else shorten(iri).strip("<>")


def mermaid_from_graph(g: rdflib.Graph) -> str:
    """The Mermaid ``classDiagram`` of the IODM classes and object properties in ``g``.

    >>> import rdflib
    >>> g = rdflib.Graph().parse(format="turtle", data='''
    ...   @prefix iodm: <https://w3id.org/iodm#> .
    ...   @prefix org: <http://www.w3.org/ns/org#> .
    ...   @prefix owl: <http://www.w3.org/2002/07/owl#> .
    ...   @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    ...   iodm:Post a owl:Class ; rdfs:subClassOf org:Post .
    ...   iodm:DutyStation a owl:Class .
    ...   iodm:hasDutyStation a owl:ObjectProperty ;
    ...       rdfs:domain iodm:Post ; rdfs:range iodm:DutyStation .
    ... ''')
    >>> print(mermaid_from_graph(g))
    classDiagram
      direction LR
      class iodm_DutyStation["DutyStation"]
      class iodm_Post["Post"]
      class org_Post["org:Post"]
      org_Post <|-- iodm_Post
      iodm_Post --> iodm_DutyStation : hasDutyStation
    """
    m = model_from_graph(g)
    lines = ["classDiagram", "  direction LR"]
    for iri in sorted(m.shown, key=_node):
        lines.append(f'  class {_node(iri)}["{_title(iri)}"]')
    for parent, child in sorted(m.inherits, key=lambda e: (_node(e[0]), _node(e[1]))):
        lines.append(f"  {_node(parent)} <|-- {_node(child)}")
    for source, target, name in sorted(m.edges, key=lambda e: (_node(e[0]), e[2], _node(e[1]))):
        lines.append(f"  {_node(source)} --> {_node(target)} : {name}")
    return "\n".join(lines)


# --- the same model as an SVG, laid out here (no Graphviz, no JavaScript) ----------------------

#: Where the SVG of the core goes: a template the ontology page includes (``ontology.html``).
SVG_FILE = Path(__file__).resolve().parents[1] / "kg" / "publish" / "templates" / "iodm-diagram.svg"
SVG_MODULES = ("iodm.ttl",)
FONT = 12  # px; text widths are estimated (CHAR px a character), so the layout is deterministic
CHAR = 7.2
BOX_H = 34
NOTE_H = 14
ROW_GAP = 14
COLUMN_GAP = 170
MARGIN = 20


@dataclass
class _Box:
    iri: str
    title: str
    note: str  # the superclasses not drawn, "⊑ org:Post, prov:Entity"
    own: bool  # an IODM class (linked to its anchor) or an external one
    width: float = 0.0
    height: float = 0.0
    layer: int = 0
    x: float = 0.0  # centre
    y: float = 0.0  # centre


def _layers(nodes: list[str], edges: list[tuple[str, str]]) -> tuple[dict[str, int], set[int]]:
    """Longest-path layers of ``nodes`` once cycles are broken; the indexes of reversed edges.

    >>> _layers(["a", "b", "c"], [("a", "b"), ("b", "c"), ("c", "a")])
    ({'a': 0, 'b': 1, 'c': 2}, {2})
    """
    out: dict[str, list[tuple[str, int]]] = {n: [] for n in nodes}
    for i, (u, v) in enumerate(edges):
        out[u].append((v, i))
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    reversed_: set[int] = set()
    for root in nodes:
        if root in state:
            continue
        stack = [(root, iter(sorted(out[root])))]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            step = next(children, None)
            if step is None:
                state[node] = 2
                stack.pop()
                continue
            child, i = step
            if state.get(child) == 1:
                reversed_.add(i)
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(sorted(out[child]))))
    layer = dict.fromkeys(nodes, 0)
    dag = [(v, u) if i in reversed_ else (u, v) for i, (u, v) in enumerate(edges) if u != v]
    for _ in range(len(nodes)):
        changed = False
        for u, v in dag:
            if layer[v] < layer[u] + 1:
                layer[v] = layer[u] + 1
                changed = True
        if not changed:
            break
    return layer, reversed_


def _crossings(order: list[list[str]], links: dict[str, set[str]]) -> int:
    total = 0
    for upper, lower in itertools.pairwise(order):
        pos = {n: i for i, n in enumerate(lower)}
        ends = [(i, pos[m]) for i, n in enumerate(upper) for m in links[n] if m in pos]
        total += sum(1 for a, b in ends for c, d in ends if (a < c and b > d))
    return total


def _order(layers: list[list[str]], down: dict[str, set[str]], up: dict[str, set[str]]) -> None:
    """Order each layer (in place) by the barycentre of its neighbours, sweeping both ways and
    keeping the order with the fewest crossings."""
    best = [list(layer) for layer in layers]
    best_count = _crossings(best, down)
    for sweep in range(12):
        pairs = range(1, len(layers)) if sweep % 2 == 0 else range(len(layers) - 2, -1, -1)
        fixed = up if sweep % 2 == 0 else down
        for i in pairs:
            ref = layers[i - 1] if sweep % 2 == 0 else layers[i + 1]
            pos = {n: k for k, n in enumerate(ref)}
            current = {n: k for k, n in enumerate(layers[i])}

            def key(
                n: str,
                pos: dict[str, int] = pos,
                current: dict[str, int] = current,
                fixed: dict[str, set[str]] = fixed,
            ) -> tuple[float, int]:
                near = [pos[m] for m in fixed[n] if m in pos]
                return (sum(near) / len(near) if near else current[n], current[n])

            layers[i].sort(key=key)
        count = _crossings(layers, down)
        if count < best_count:
            best, best_count = [list(layer) for layer in layers], count
    layers[:] = best


def _spread(want: list[float], sizes: list[float]) -> list[float]:
    """Centres as near ``want`` as the order and the gaps allow: the mean of pushing down from
    the top and pushing up from the bottom (both keep every gap, so their mean does too).

    >>> _spread([0, 0, 0], [10, 10, 10])
    [-10.0, 0.0, 10.0]
    """
    n = len(want)
    down, up = list(want), list(want)
    for i in range(1, n):
        down[i] = max(down[i], down[i - 1] + (sizes[i - 1] + sizes[i]) / 2)
    for i in range(n - 2, -1, -1):
        up[i] = min(up[i], up[i + 1] - (sizes[i + 1] + sizes[i]) / 2)
    return [(a + b) / 2 for a, b in zip(down, up, strict=True)]


def _esc(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _n(v: float) -> str:
    text = f"{v:.1f}"
    return text[:-2] if text.endswith(".0") else text


def svg_from_graph(g: rdflib.Graph) -> str:
    """The model of ``g`` drawn as a standalone SVG, laid out left to right in layers.

    Each IODM class is a box linked to its anchor on the ontology page (``#Post``), external
    classes are dashed boxes, superclasses that are not drawn are noted under the name
    (``⊑ org:Post``); object properties are arrows labelled with their local names (those
    between the same two classes share one arrow), ``rdfs:subClassOf`` between drawn classes
    a hollow-headed arrow to the superclass.
    """
    m = model_from_graph(g)
    drawn = set(m.classes) | {c for d, r, _ in m.edges for c in (d, r)}
    drawn |= {p for p, c in m.inherits if p in drawn and p.startswith(MAIN)}
    labels: dict[tuple[str, str], list[str]] = {}
    for d, r, name in m.edges:
        labels.setdefault((d, r), []).append(name)
    links = [(d, r, ", ".join(sorted(names)), False) for (d, r), names in labels.items()]
    links += [(p, c, "", True) for p, c in m.inherits if p in drawn and c in drawn]
    links.sort(key=lambda e: (_node(e[0]), _node(e[1]), e[3]))

    boxes: dict[str, _Box] = {}
    for iri in sorted(drawn, key=_node):
        supers = sorted(_title(p) for p, c in m.inherits if c == iri and p not in drawn)
        note = "⊑ " + ", ".join(supers) if supers else ""
        box = _Box(iri, _title(iri), note, iri in m.classes)
        box.width = max(len(box.title), len(note) * 0.85) * CHAR + 20
        box.height = BOX_H + (NOTE_H if note else 0)
        boxes[iri] = box

    nodes = list(boxes)
    layer, flipped = _layers(nodes, [(d, r) for d, r, _, _ in links if d != r])
    plain = [e for e in links if e[0] != e[1]]
    # long edges pass through one dummy point per layer they cross
    chains: list[
        tuple[list[str], str, bool, bool]
    ] = []  # points (layer order), label, is-a, flipped
    down: dict[str, set[str]] = {n: set() for n in nodes}
    up: dict[str, set[str]] = {n: set() for n in nodes}
    dummies: dict[str, int] = {}
    for i, (d, r, name, is_a) in enumerate(plain):
        first, last = (r, d) if i in flipped else (d, r)
        chain = [first]
        for k in range(layer[first] + 1, layer[last]):
            dummy = f"~{i}~{k}"
            dummies[dummy] = k
            chain.append(dummy)
        chain.append(last)
        for u, v in itertools.pairwise(chain):
            down.setdefault(u, set()).add(v)
            up.setdefault(v, set()).add(u)
        down.setdefault(last, set())
        chains.append((chain, name, is_a, i in flipped))
    depth = max([*layer.values(), 0]) + 1
    layers: list[list[str]] = [[] for _ in range(depth)]
    for n in sorted(nodes, key=_node):
        layers[layer[n]].append(n)
    for dummy, k in dummies.items():
        layers[k].append(dummy)
    _order(layers, down, up)

    def size(n: str) -> float:
        return boxes[n].height + ROW_GAP if n in boxes else 10.0

    y: dict[str, float] = {}
    for column in layers:
        sizes = [size(n) for n in column]
        total = sum(sizes)
        start = -total / 2
        for n, s_ in zip(column, sizes, strict=True):
            y[n] = start + s_ / 2
            start += s_
    for _ in range(8):
        for column in layers:
            want = []
            for n in column:
                near = [y[v] for v in down.get(n, set()) | up.get(n, set())]
                want.append(sum(near) / len(near) if near else y[n])
            for n, centre in zip(column, _spread(want, [size(n) for n in column]), strict=True):
                y[n] = centre
    widths = [max([boxes[n].width for n in column if n in boxes] + [10.0]) for column in layers]
    x: dict[str, float] = {}
    left: float = MARGIN
    for column, w in zip(layers, widths, strict=True):
        for n in column:
            x[n] = left + w / 2
        left += w + COLUMN_GAP
    top = min(y[n] - size(n) / 2 for n in y)
    for n in y:
        y[n] += MARGIN - top
    width = left - COLUMN_GAP + MARGIN
    height = max(y[n] + size(n) / 2 for n in y) + MARGIN

    def side(n: str, right: bool) -> tuple[float, float]:
        w = boxes[n].width / 2 if n in boxes else 0.0
        return (x[n] + w if right else x[n] - w, y[n])

    paths: list[str] = []
    texts: list[tuple[float, float, str]] = []
    for chain, name, is_a, was_flipped in chains:
        points = [side(chain[0], True)]
        for n in chain[1:-1]:
            points.append((x[n], y[n]))
        points.append(side(chain[-1], False))
        if is_a != was_flipped:  # the arrow points at the superclass, or at a flipped range
            points.reverse()
        d = f"M{_n(points[0][0])},{_n(points[0][1])}"
        for (x0, y0), (x1, y1) in itertools.pairwise(points):
            mid = (x0 + x1) / 2
            d += f" C{_n(mid)},{_n(y0)} {_n(mid)},{_n(y1)} {_n(x1)},{_n(y1)}"
        marker = "iodm-diagram-isa" if is_a else "iodm-diagram-arrow"
        style = ' stroke-dasharray="5,3"' if is_a else ""
        paths.append(f'<path d="{d}" marker-end="url(#{marker})"{style}/>')
        if name:  # halfway along the edge: long edges spread their labels over the columns
            k = (len(points) - 1) // 2
            (x0, y0), (x1, y1) = points[k], points[k + 1]
            texts.append(((x0 + x1) / 2, (y0 + y1) / 2, name))
    # a label that would overlap one already placed moves down, a line at a time
    placed: list[str] = []
    taken: list[tuple[float, float, float]] = []  # centre x, centre y, half width
    for tx, ty, name in sorted(texts, key=lambda t: (t[0], t[1], t[2])):
        half = len(name) * CHAR * 0.45
        while any(
            abs(ty - oy) < FONT + 2 and abs(tx - ox) < half + ohalf for ox, oy, ohalf in taken
        ):
            ty += FONT + 2
        taken.append((tx, ty, half))
        placed.append(
            f'<text x="{_n(tx)}" y="{_n(ty + FONT / 3)}" text-anchor="middle">{_esc(name)}</text>'
        )
    placed.sort()

    shapes: list[str] = []
    for iri in sorted(boxes, key=_node):
        box = boxes[iri]
        left_, top_ = x[iri] - box.width / 2, y[iri] - box.height / 2
        kind = "" if box.own else ' class="external"'
        rect = (
            f'<rect x="{_n(left_)}" y="{_n(top_)}" width="{_n(box.width)}"'
            f' height="{_n(box.height)}" rx="4"{kind}/>'
        )
        name_y = top_ + BOX_H / 2 + FONT / 3
        text = (
            f'<text x="{_n(x[iri])}" y="{_n(name_y)}" text-anchor="middle">{_esc(box.title)}</text>'
        )
        if box.note:
            text += (
                f'<text x="{_n(x[iri])}" y="{_n(top_ + BOX_H + 2)}" text-anchor="middle"'
                f' class="note">{_esc(box.note)}</text>'
            )
        if box.own:
            local = iri.rsplit("#", 1)[-1]
            shapes.append(f'<a href="#{local}"><title>{_esc(iri)}</title>{rect}{text}</a>')
        else:
            shapes.append(f"<g><title>{_esc(iri)}</title>{rect}{text}</g>")
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="iodm-diagram" width="{_n(width)}"'
        f' height="{_n(height)}" viewBox="0 0 {_n(width)} {_n(height)}" role="img"'
        ' aria-labelledby="iodm-diagram-title" font-family="sans-serif"'
        f' font-size="{FONT}">'
    )
    parts = [
        head,
        '<title id="iodm-diagram-title">The classes of the IODM core and the object properties'
        " between them (generated by python -m tools.diagram)</title>",
        "<defs>",
        '<marker id="iodm-diagram-arrow" viewBox="0 0 10 10" refX="10" refY="5"'
        ' markerWidth="8" markerHeight="8" orient="auto"><path d="M0,0 L10,5 L0,10 z"'
        ' fill="#555"/></marker>',
        '<marker id="iodm-diagram-isa" viewBox="0 0 12 12" refX="12" refY="6"'
        ' markerWidth="11" markerHeight="11" orient="auto"><path d="M0,0 L12,6 L0,12 z"'
        ' fill="#fff" stroke="#555"/></marker>',
        "<style>",
        ".iodm-diagram rect { fill: #eef3fa; stroke: #36648b; }",
        ".iodm-diagram rect.external { fill: #f7f7f7; stroke: #888; stroke-dasharray: 4 3; }",
        ".iodm-diagram a text { fill: #1a3d5c; font-weight: bold; }",
        ".iodm-diagram text.note { font-size: 10px; font-weight: normal; fill: #555; }",
        ".iodm-diagram g.edges path { fill: none; stroke: #777; }",
        ".iodm-diagram g.labels text { fill: #333; font-size: 11px; paint-order: stroke;"
        " stroke: #fff; stroke-width: 3px; }",
        "</style>",
        "</defs>",
        '<g class="edges">',
        *paths,
        "</g>",
        '<g class="classes">',
        *shapes,
        "</g>",
        '<g class="labels">',
        *placed,
        "</g>",
        "</svg>",
    ]
    out = "\n".join(parts) + "\n"
    if any(mark in out for mark in ("{{", "{%", "{#")):  # the page includes it as a template
        raise ValueError("the diagram holds Jinja2 markup")
    return out


def svg(files: Iterable[Path] | None = None) -> str:
    """The SVG of the given Turtle files (by default the core)."""
    import rdflib

    g = rdflib.Graph()
    for path in files if files is not None else [ontology_dir() / m for m in SVG_MODULES]:
        g.parse(path, format="turtle")
    return svg_from_graph(g)


def mermaid(files: Iterable[Path] | None = None) -> str:
    """The diagram of the given Turtle files (by default the core and peacekeeping modules)."""
    import rdflib

    g = rdflib.Graph()
    for path in files if files is not None else [ontology_dir() / m for m in MODULES]:
        g.parse(path, format="turtle")
    return mermaid_from_graph(g)


def block(diagram: str) -> str:
    """The Markdown block that goes between the markers."""
    return f"{START}\n```mermaid\n{diagram}\n```\n{END}"


def rewrite(text: str, diagram: str) -> str:
    """``text`` with the block between the markers replaced by ``diagram``.

    >>> rewrite("a\\n<!-- diagram:start -->\\nold\\n<!-- diagram:end -->\\nb", "new")
    'a\\n<!-- diagram:start -->\\n```mermaid\\nnew\\n```\\n<!-- diagram:end -->\\nb'
    """
    head, start, rest = text.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise ValueError(f"the README has no {START} … {END} block")
    return head + block(diagram) + tail


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    readme = ontology_dir() / "README.md"
    text = readme.read_text(encoding="utf-8")
    drawn = SVG_FILE.read_text(encoding="utf-8") if SVG_FILE.is_file() else ""
    wanted = {readme: (text, rewrite(text, mermaid())), SVG_FILE: (drawn, svg())}
    stale = [path for path, (now, want) in wanted.items() if now != want]
    if check:
        for path in stale:
            print(f"{path}: the diagram is out of date; run `python -m tools.diagram`")
        if not stale:
            print(f"{readme} and {SVG_FILE}: the diagrams are up to date")
        return 1 if stale else 0
    for path in stale:
        path.write_text(wanted[path][1], encoding="utf-8")
        print(f"rewrote the diagram in {path}")
    if not stale:
        print(f"{readme} and {SVG_FILE}: the diagrams are already up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
