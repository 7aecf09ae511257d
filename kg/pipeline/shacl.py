"""SHACL on the store: shapes compiled into set-based SPARQL, run on Oxigraph.

:func:`compile_shapes` reads a shapes graph once; :func:`run` evaluates each shape with a few
SELECTs over all its focus nodes at once (its value tests and its minCount 1 / maxCount ≤ 1 in
one pass over its values, the other constraints a query each; never one query per node, as
pyshacl does; each class's subclasses looked up once per run), and returns the same
:class:`~kg.pipeline.validate.ValidationResult` objects that
:func:`kg.pipeline.validate.validate` makes from pyshacl's report: same severity, focus node,
path, value, message, source shape and component. pyshacl is the reference; the semantics
follow it where SHACL leaves room (well-formed literals for ``sh:datatype`` as rdflib sees
them, value comparisons, a nested property shape's results once per chain of parent focus
nodes, a shape with severity warning or info conforming inside sh:or as with warnings allowed).

Covered: targets (``sh:targetClass`` through ``rdfs:subClassOf*``, implicit class targets,
``sh:targetNode``, ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``); node and property shapes;
every SHACL path (as a SPARQL property path); ``sh:class``, ``sh:datatype``, ``sh:nodeKind``,
``sh:minCount``, ``sh:maxCount``, ``sh:in``, ``sh:hasValue``, ``sh:pattern`` (+ ``sh:flags``),
``sh:minInclusive`` / ``maxInclusive`` / ``minExclusive`` / ``maxExclusive``, ``sh:lessThan``,
``sh:lessThanOrEquals``, ``sh:or``, ``sh:node``, ``sh:qualifiedValueShape`` with
``sh:qualifiedMinCount`` / ``MaxCount``, ``sh:severity``, ``sh:message``, ``sh:deactivated``.
A shape using anything else (``sh:sparql``, ``sh:and``, ``sh:closed``, …) is left to pyshacl:
:attr:`Compiled.fallback` says which shape and why, and :func:`validate` runs pyshacl on those
shapes only.

The store loses some of what the files say: Oxigraph keeps ``"5"^^xsd:positiveInteger`` as
``"5"^^xsd:integer`` and writes numbers in canonical form (``"1.50"`` as ``"1.5"``). Given the
data triples as well (``data``), the runner checks such datatypes on the triples as written and
reports values as written, as pyshacl does; without them, a shape with such a datatype falls
back. The data graph is what the store holds, all graphs as one (the union default graph).
Query text is generated from RDF terms (IRIs and literals written by pyoxigraph), never from
user strings.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kg.core.namespaces import shorten
from kg.pipeline.validate import ValidationReport, ValidationResult

if TYPE_CHECKING:
    import rdflib

    from kg.store import OxigraphStore

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"

#: datatypes Oxigraph does not keep: it stores these literals as xsd:integer / xsd:dateTime
LOSSY_DATATYPES = frozenset(
    XSD + t
    for t in (
        "int long short byte nonNegativeInteger positiveInteger negativeInteger "
        "nonPositiveInteger unsignedLong unsignedInt unsignedShort unsignedByte dateTimeStamp"
    ).split()
)

#: shape parameters the compiler understands (anything else in the sh: namespace falls back)
_KNOWN = {
    SH + p
    for p in (
        "targetClass targetNode targetSubjectsOf targetObjectsOf path property class datatype "
        "nodeKind minCount maxCount in hasValue pattern flags minInclusive maxInclusive "
        "minExclusive maxExclusive lessThan lessThanOrEquals or node qualifiedValueShape "
        "qualifiedMinCount qualifiedMaxCount qualifiedValueShapesDisjoint severity message "
        "deactivated name description order group defaultValue"
    ).split()
}
_TARGETS = ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf")
_NODE_KINDS = {
    SH + "IRI": "isIRI({v})",
    SH + "BlankNode": "isBlank({v})",
    SH + "Literal": "isLiteral({v})",
    SH + "BlankNodeOrIRI": "(isIRI({v}) || isBlank({v}))",
    SH + "BlankNodeOrLiteral": "(isBlank({v}) || isLiteral({v}))",
    SH + "IRIOrLiteral": "(isIRI({v}) || isLiteral({v}))",
}
_RANGES = {  # parameter: (component, SPARQL operator that must hold for ``value OP bound``)
    "minInclusive": ("MinInclusive", ">="),
    "maxInclusive": ("MaxInclusive", "<="),
    "minExclusive": ("MinExclusive", ">"),
    "maxExclusive": ("MaxExclusive", "<"),
}


class Unsupported(Exception):
    """A construct the compiler does not handle (the shape falls back to pyshacl)."""


@dataclass(frozen=True)
class Constraint:
    """One constraint of a shape: its component (local name) and its parameter."""

    component: str
    param: Any = None
    extra: Any = None


@dataclass
class Shape:
    """A shape as the compiler reads it."""

    node: ox.NamedNode | ox.BlankNode
    path: str | None = None  # a SPARQL property path, None for a node shape
    path_text: str = ""  # the result path as validate._report writes it
    path_last: str | None = None  # the predicate of a plain IRI path
    path_node: Any = None
    severity: str = "Violation"
    severity_iri: str = SH + "Violation"
    messages: list[str] = field(default_factory=list)
    deactivated: bool = False
    targets: list[tuple[str, ox.NamedNode | ox.BlankNode | ox.Literal]] = field(
        default_factory=list
    )
    constraints: list[Constraint] = field(default_factory=list)
    properties: list[Shape] = field(default_factory=list)

    @property
    def name(self) -> str:
        return _shape_text(self.node)


@dataclass
class Compiled:
    """Compiled shapes: those run on the store, and those left to pyshacl (with the reason)."""

    shapes: list[Shape]
    fallback: dict[str, str]
    shapes_triples: list[ox.Triple]
    #: datatypes whose literals rdflib may find ill-typed (checked in Python on distinct values)
    checked_datatypes: set[str] = field(default_factory=set)
    #: where literals checked by sh:datatype are objects (None: anywhere)
    datatype_predicates: set[str] | None = None
    #: the shapes graph in rdflib, made when a message of pyshacl's own needs it
    rdflib_shapes: Any = None

    def describe_fallback(self) -> list[str]:
        """One line per shape left to pyshacl: which shape and why."""
        return [f"{shape}: {why}" for shape, why in sorted(self.fallback.items())]


# --- reading the shapes graph -------------------------------------------------------------------


class _Graph:
    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        self.out: dict[Any, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
        self.by_pred: dict[str, list[ox.Triple]] = defaultdict(list)
        for t in triples:
            self.out[t.subject][t.predicate.value].append(t.object)
            self.by_pred[t.predicate.value].append(t)

    def objects(self, s: Any, p: str) -> list[Any]:
        if s not in self.out:
            return []
        return list(self.out[s].get(p, []))

    def one(self, s: Any, p: str) -> Any:
        values = self.objects(s, p)
        if len(values) > 1:
            raise Unsupported(f"{shorten(p)} given {len(values)} times")
        return values[0] if values else None

    def items(self, node: Any) -> list[Any]:
        out = []
        seen = set()
        while not (isinstance(node, ox.NamedNode) and node.value == RDF + "nil"):
            if node in seen or node is None:
                raise Unsupported("a malformed RDF list")
            seen.add(node)
            first = self.objects(node, RDF + "first")
            if len(first) != 1:
                raise Unsupported("a malformed RDF list")
            out.append(first[0])
            node = self.one(node, RDF + "rest")
        return out


def compile_shapes(shapes_triples: Iterable[ox.Triple]) -> Compiled:
    """Read every shape with a target (and the shapes they refer to) from a shapes graph."""
    triples = list(shapes_triples)
    g = _Graph(triples)
    roots: list[Any] = []
    seen: set[Any] = set()
    for kind in _TARGETS:
        for t in g.by_pred[SH + kind]:
            if t.subject not in seen:
                seen.add(t.subject)
                roots.append(t.subject)
    for kind in ("NodeShape", "PropertyShape"):  # implicit class targets
        for t in g.by_pred[RDF + "type"]:
            is_shape = isinstance(t.object, ox.NamedNode) and t.object.value == SH + kind
            if is_shape and t.subject not in seen and _is_class(g, t.subject):
                seen.add(t.subject)
                roots.append(t.subject)
    shapes, fallback = [], {}
    checked: set[str] = set()
    for node in roots:
        try:
            shape = _read_shape(g, node, {}, checked)
            _check(shape)
        except Unsupported as e:
            fallback[_shape_text(node)] = str(e)
            continue
        except RecursionError:
            fallback[_shape_text(node)] = "shapes that refer to each other in a cycle"
            continue
        shapes.append(shape)
    compiled = Compiled(shapes, fallback, triples, checked)
    compiled.datatype_predicates = _datatype_predicates(shapes)
    return compiled


def _datatype_predicates(shapes: list[Shape]) -> set[str] | None:
    """The predicates whose objects some sh:datatype checks (None: values reached otherwise,
    by a complex path or as focus nodes), to look for ill-typed literals there only."""
    found: set[str] = set()
    seen: set[tuple[int, str | None]] = set()

    def walk(shape: Shape, reached_by: str | None) -> bool:
        if (id(shape), reached_by) in seen:
            return True
        seen.add((id(shape), reached_by))
        if shape.path is not None:
            reached_by = shape.path_last
        for c in shape.constraints:
            if c.component == "Datatype":
                if reached_by is None:
                    return False
                found.add(reached_by)
            members = c.param if c.component == "Or" else (c.extra,) if c.extra else ()
            for m in members:
                if isinstance(m, Shape) and not walk(m, reached_by):
                    return False
        return all(walk(prop, None) for prop in shape.properties)

    return found if all(walk(shape, None) for shape in shapes) else None


def _check(shape: Shape) -> None:
    """Generate every query expression once, so that what the runner cannot do shows now."""
    ctx, names = _Context({}), _Names()
    for s in _tree(shape):
        for c in s.constraints:
            if c.component in ("MinCount", "MaxCount", "Pattern", "LessThan", "LessThanOrEquals"):
                continue
            if c.component.startswith("Qualified"):
                _shape_fails(c.extra, "?x", ctx, names)
            elif c.component == "HasValue" or (
                c.component == "Datatype" and c.param in LOSSY_DATATYPES
            ):
                if c.component == "Datatype" and s.path_last is None:
                    raise Unsupported(f"sh:datatype {shorten(c.param)} needs a plain IRI path")
            else:
                _value_fails(c, "?x", ctx, names)


def _is_class(g: _Graph, node: Any) -> bool:
    types = {o.value for o in g.objects(node, RDF + "type") if isinstance(o, ox.NamedNode)}
    return bool(types & {RDFS + "Class", "http://www.w3.org/2002/07/owl#Class"})


def _read_shape(g: _Graph, node: Any, cache: dict[Any, Shape], checked: set[str]) -> Shape:
    if node in cache:
        return cache[node]
    shape = Shape(node)
    cache[node] = shape
    unknown = sorted(
        p
        for p in g.out.get(node, {})
        if p.startswith(SH) and p not in _KNOWN and p != SH + "targetClass"
    )
    if unknown:
        raise Unsupported(f"{shorten(unknown[0])} is not compiled")
    deactivated = g.one(node, SH + "deactivated")
    shape.deactivated = isinstance(deactivated, ox.Literal) and deactivated.value in ("true", "1")
    severity = g.one(node, SH + "severity")
    if severity is not None:
        shape.severity = shorten(severity.value).removeprefix("sh:")
        shape.severity_iri = severity.value
    shape.messages = [m.value for m in g.objects(node, SH + "message") if isinstance(m, ox.Literal)]
    for kind in _TARGETS:
        for target in g.objects(node, SH + kind):
            shape.targets.append((kind, target))
    if _is_class(g, node):
        shape.targets.append(("targetClass", node))
    path = g.one(node, SH + "path")
    if path is not None:
        shape.path_node = path
        steps = g.objects(path, SH + "inversePath") or (
            g.items(path) if g.objects(path, RDF + "first") else []
        )
        if any(not isinstance(x, ox.NamedNode) for x in steps):
            raise Unsupported(
                "an inverse or sequence path with a complex step (pyshacl writes it with blank "
                "nodes of its own in the result path)"
            )
        shape.path = _path(g, path)
        shape.path_text = _path_text(g, path)
        shape.path_last = path.value if isinstance(path, ox.NamedNode) else None
    for prop in g.objects(node, SH + "property"):
        child = _read_shape(g, prop, cache, checked)
        if child.path is None:
            raise Unsupported("sh:property names a shape without sh:path")
        shape.properties.append(child)
    add = shape.constraints.append
    for c in g.objects(node, SH + "class"):
        add(Constraint("Class", c))
    datatype = g.one(node, SH + "datatype")
    if datatype is not None:
        add(Constraint("Datatype", datatype.value))
        if datatype.value not in (RDFS + "Literal", RDFS + "Datatype"):
            checked.add(datatype.value)
    kind = g.one(node, SH + "nodeKind")
    if kind is not None:
        if kind.value not in _NODE_KINDS:
            raise Unsupported(f"sh:nodeKind {shorten(kind.value)}")
        add(Constraint("NodeKind", kind.value))
    for name in ("minCount", "maxCount"):
        n = g.one(node, SH + name)
        if n is not None:
            if shape.path is None:
                raise Unsupported(f"sh:{name} on a node shape")
            add(Constraint(name[0].upper() + name[1:], int(n.value)))
    for in_list in g.objects(node, SH + "in"):
        add(Constraint("In", tuple(g.items(in_list))))
    for value in g.objects(node, SH + "hasValue"):
        add(Constraint("HasValue", value))
    patterns = g.objects(node, SH + "pattern")
    if patterns:
        flags = g.objects(node, SH + "flags")
        add(
            Constraint("Pattern", tuple(p.value for p in patterns), flags[0].value if flags else "")
        )
    for name, (component, _) in _RANGES.items():
        for bound in g.objects(node, SH + name):
            if not isinstance(bound, ox.Literal):
                raise Unsupported(f"sh:{name} that is not a literal")
            add(Constraint(component, bound, name))
    for name in ("lessThan", "lessThanOrEquals"):
        for other in g.objects(node, SH + name):
            if shape.path is None or not isinstance(other, ox.NamedNode):
                raise Unsupported(f"sh:{name} on a node shape or with a non-IRI property")
            add(Constraint(name[0].upper() + name[1:], other.value))
    for or_list in g.objects(node, SH + "or"):
        members = tuple(_read_shape(g, m, cache, checked) for m in g.items(or_list))
        add(Constraint("Or", members))
    if g.objects(node, SH + "node"):  # pyshacl reports the nested shape's results as well
        raise Unsupported("sh:node is not compiled (pyshacl adds the nested results as details)")
    qualified = g.objects(node, SH + "qualifiedValueShape")
    if qualified:
        if shape.path is None or len(qualified) > 1:
            raise Unsupported("sh:qualifiedValueShape on a node shape or given twice")
        disjoint = g.one(node, SH + "qualifiedValueShapesDisjoint")
        if disjoint is not None and disjoint.value in ("true", "1"):
            raise Unsupported("sh:qualifiedValueShapesDisjoint true")
        inner = _read_shape(g, qualified[0], cache, checked)
        for name in ("qualifiedMinCount", "qualifiedMaxCount"):
            n = g.one(node, SH + name)
            if n is not None:
                add(Constraint(name[0].upper() + name[1:], int(n.value), inner))
    if not shape.messages:
        _generic_messages_known(shape)
    return shape


def _generic_messages_known(shape: Shape) -> None:
    """Without sh:message, pyshacl writes its own; some of them the runner cannot reproduce
    (they list shapes or sets in an order of pyshacl's own)."""
    count = Counter(c.component for c in shape.constraints)
    for component in ("Or", "In", "QualifiedMinCount", "QualifiedMaxCount"):
        if count[component]:
            raise Unsupported(f"sh:{component[0].lower()}{component[1:]} without sh:message")
    for component, n in count.items():
        if n > 1:
            raise Unsupported(f"several {component} constraints without sh:message")


def _path(g: _Graph, node: Any) -> str:
    if isinstance(node, ox.NamedNode):
        return str(node)
    if isinstance(node, ox.Literal):
        raise Unsupported("a literal as sh:path")
    kinds = [p for p in g.out.get(node, {}) if p.startswith(SH) or p == RDF + "first"]
    if len(kinds) != 1:
        raise Unsupported("a path node that is not exactly one kind of path")
    inner = g.one(node, SH + "inversePath")
    if inner is not None:
        return f"^({_path(g, inner)})"
    for name, op in (("zeroOrMorePath", "*"), ("oneOrMorePath", "+"), ("zeroOrOnePath", "?")):
        inner = g.one(node, SH + name)
        if inner is not None:
            return f"({_path(g, inner)}){op}"
    alternatives = g.one(node, SH + "alternativePath")
    if alternatives is not None:
        return "(" + "|".join(_path(g, x) for x in g.items(alternatives)) + ")"
    steps = g.items(node)
    if len(steps) < 2:
        raise Unsupported("a sequence path of fewer than two steps")
    return "(" + "/".join(_path(g, x) for x in steps) + ")"


def _path_text(g: _Graph, node: Any) -> str:
    """As kg.pipeline.validate._report writes a result path."""
    if isinstance(node, ox.NamedNode):
        return shorten(node.value)
    inverse = g.objects(node, SH + "inversePath")
    if inverse:
        return "^" + shorten(inverse[0].value)
    items, seen = [], {node}  # as rdflib's Collection reads a list, or what is not one
    while node is not None:
        first = g.objects(node, RDF + "first")
        if first:
            items.append(shorten(first[0].value))
        rest = g.objects(node, RDF + "rest")
        node = rest[0] if rest else None
        if node in seen:
            return str(next(iter(seen)).value)
        seen.add(node)
    return "/".join(items)


def _shape_text(node: Any) -> str:
    return shorten(node.value) if isinstance(node, ox.NamedNode) else str(node.value)


# --- SPARQL for one shape -----------------------------------------------------------------------


class _Names:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, stem: str = "v") -> str:
        self.n += 1
        if self.n > 5000:
            raise Unsupported("shapes that refer to each other in a cycle (sh:node, sh:or)")
        return f"?{stem}{self.n}"


@dataclass
class _Context:
    """What the queries of one run know: ill-typed literals per datatype (from rdflib), and
    each class with its subclasses (``rdfs:subClassOf*`` in the store, itself included)."""

    bad: dict[str, list[ox.Literal]]
    classes: dict[Any, list[Any]] = field(default_factory=dict)


def _instance_of(v: str, cls: Any, ctx: _Context, names: _Names) -> str:
    """A SPARQL expression true when ``v`` is an instance of ``cls`` (``rdf:type/
    rdfs:subClassOf*``): with the subclasses known, a lookup of ``v``'s types in that list,
    not the path evaluated again for every value."""
    subclasses = ctx.classes.get(cls)
    if subclasses is None:
        return f"EXISTS {{ {v} <{RDF}type>/<{RDFS}subClassOf>* {cls} }}"
    t = names("t")
    return f"EXISTS {{ {v} <{RDF}type> {t} . FILTER({_one_of(t, subclasses)}) }}"


def _one_of(v: str, terms: Sequence[Any]) -> str:
    """``v`` is one of ``terms`` (as sameTerm: IN compares literals by value)."""
    named = [t for t in terms if not isinstance(t, ox.Literal)]
    tests = [f"{v} IN ({', '.join(str(t) for t in named)})"] if named else []
    tests += [f"sameTerm({v}, {t})" for t in terms if isinstance(t, ox.Literal)]
    return " || ".join(tests) or "false"


def _class_closures(compiled: Compiled, store: OxigraphStore) -> dict[Any, list[Any]]:
    """Every class the shapes name (targets, sh:class) with its subclasses in the store, in one
    query (a branch per class). A blank node class, or one with a blank node subclass, keeps
    the path, evaluated per value: a query cannot name a blank node of the store."""
    classes: dict[Any, None] = {}
    for root in compiled.shapes:
        for shape in _members(root):
            classes.update((t, None) for kind, t in shape.targets if kind == "targetClass")
            classes.update((c.param, None) for c in shape.constraints if c.component == "Class")
    wanted = [c for c in classes if not isinstance(c, ox.BlankNode)]
    if not wanted:
        return {}
    branches = " UNION ".join(
        f"{{ ?sub <{RDFS}subClassOf>* {c} BIND({i} AS ?i) }}" for i, c in enumerate(wanted)
    )
    found: dict[Any, list[Any]] = {c: [c] for c in wanted}
    for sub, i in _select(store, f"SELECT DISTINCT ?sub ?i WHERE {{ {branches} }}"):
        c = wanted[int(i.value)]
        if sub != c:
            found[c].append(sub)
    return {
        c: subs for c, subs in found.items() if not any(isinstance(x, ox.BlankNode) for x in subs)
    }


def _members(shape: Shape) -> Iterator[Shape]:
    """A shape and every shape it refers to (property shapes, sh:or members, qualified value
    shapes), each once."""
    todo, seen = [shape], set()
    while todo:
        s = todo.pop()
        if id(s) in seen:
            continue
        seen.add(id(s))
        yield s
        todo.extend(s.properties)
        for c in s.constraints:
            if c.component == "Or":
                todo.extend(c.param)
            elif isinstance(c.extra, Shape):
                todo.append(c.extra)
            elif isinstance(c.param, Shape):
                todo.append(c.param)


def _focus(shape: Shape, ctx: _Context, names: _Names) -> str:
    """A group pattern binding ?this to every focus node of a shape's own targets: joined,
    not a subquery (Oxigraph then looks the focus nodes up instead of hashing them all), so a
    node may come more than once (every query keeps distinct rows)."""
    parts = []
    classes = [t for kind, t in shape.targets if kind == "targetClass"]
    if classes:
        known = [c for c in classes if c in ctx.classes]
        if known:
            c = names("class")
            listed = " ".join(
                str(x) for x in dict.fromkeys(x for k in known for x in ctx.classes[k])
            )
            parts.append(f"{{ VALUES {c} {{ {listed} }} ?this <{RDF}type> {c} }}")
        for target in classes:
            if target not in ctx.classes:
                parts.append(f"{{ ?this <{RDF}type>/<{RDFS}subClassOf>* {target} }}")
    for kind, target in shape.targets:
        if kind == "targetNode":
            parts.append(f"{{ VALUES ?this {{ {target} }} }}")
        elif kind == "targetSubjectsOf":
            parts.append(f"{{ ?this {target} [] }}")
        elif kind == "targetObjectsOf":
            parts.append(f"{{ [] {target} ?this }}")
    return "{ " + " UNION ".join(parts) + " }"


def _value_fails(c: Constraint, v: str, ctx: _Context, names: _Names) -> str:
    """A SPARQL expression true when value node ``v`` breaks a value-based constraint."""
    kind = c.component
    if kind == "Class":
        return "!" + _instance_of(v, c.param, ctx, names)
    if kind == "Datatype":
        dt = c.param
        if dt == RDFS + "Literal":
            return f"!isLiteral({v})"
        if dt == RDFS + "Datatype":
            return f'!(isLiteral({v}) && lang({v}) = "")'
        ok = f"isLiteral({v}) && datatype({v}) = <{dt}>"
        bad = ctx.bad.get(dt)
        if bad:
            b = names("bad")
            values = " ".join(str(x) for x in bad)
            ok += f" && NOT EXISTS {{ VALUES {b} {{ {values} }} FILTER(sameTerm({v}, {b})) }}"
        return f"!({ok})"
    if kind == "NodeKind":
        return "!" + _NODE_KINDS[c.param].format(v=v)
    if kind == "In":
        if not c.param:
            return "true"
        return "!(" + " || ".join(f"sameTerm({v}, {x})" for x in c.param) + ")"
    if kind == "HasValue":
        return f"!sameTerm({v}, {c.param})"
    if kind in ("MinInclusive", "MaxInclusive", "MinExclusive", "MaxExclusive"):
        return f"!({_range_ok(v, c)})"
    if kind == "Or":
        return "(" + " && ".join(_shape_fails(m, v, ctx, names) for m in c.param) + ")"
    if kind == "Node":
        return _shape_fails(c.param, v, ctx, names)
    raise Unsupported(f"sh:{kind[0].lower() + kind[1:]} inside sh:or, sh:node or a qualified shape")


def _range_ok(v: str, c: Constraint) -> str:
    """True only where pyshacl's comparison surely passes too; the rest is checked in Python."""
    op = _RANGES[c.extra][1]
    bound: ox.Literal = c.param
    if bound.datatype.value in _NUMERIC:
        return f"isNumeric({v}) && {v} {op} {bound}"
    same = f"isLiteral({v}) && datatype({v}) = <{bound.datatype.value}>"
    if bound.datatype.value in _TEMPORAL:  # pyshacl cannot compare with and without timezone
        zoned = "true" if _has_timezone(bound) else "false"
        same += f' && (tz({v}) != "") = {zoned}'
    return f"{same} && {v} {op} {bound}"


_TEMPORAL = {XSD + t for t in ("dateTime", "date", "time")}


def _has_timezone(term: ox.Literal) -> bool:
    return bool(re.search(r"(Z|[+-]\d\d:\d\d)$", term.value))


_NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float")}


def _shape_fails(shape: Shape, v: str, ctx: _Context, names: _Names) -> str:
    """A SPARQL expression true when node ``v`` does not conform to ``shape``."""
    if shape.deactivated or shape.severity in ("Warning", "Info"):
        return "false"  # pyshacl, allowing warnings, counts such a shape as conforming
    parts = []
    for c in shape.constraints:
        parts.append(_constraint_fails(shape, c, v, ctx, names))
    for prop in shape.properties:
        parts.append(_shape_fails(prop, v, ctx, names))
    return "(" + " || ".join(parts) + ")" if parts else "false"


def _constraint_fails(shape: Shape, c: Constraint, v: str, ctx: _Context, names: _Names) -> str:
    if shape.path is None:
        if c.component in ("Pattern",) or c.component.startswith("Qualified"):
            raise Unsupported(f"sh:{c.component} inside sh:or, sh:node or a qualified shape")
        if c.component in ("Datatype",) and c.param in LOSSY_DATATYPES:
            raise Unsupported(f"sh:datatype {shorten(c.param)} inside sh:or or sh:node")
        return _value_fails(c, v, ctx, names)
    path = shape.path
    kind = c.component
    if kind in ("MinCount", "MaxCount"):
        n = c.param
        if kind == "MinCount" and n == 0:
            return "false"
        count = n if kind == "MinCount" else n + 1
        if count > 4:
            raise Unsupported(f"sh:{kind} {n} inside sh:or, sh:node or a qualified shape")
        vs = [names() for _ in range(count)]
        distinct = " && ".join(
            f"!sameTerm({a}, {b})" for i, a in enumerate(vs) for b in vs[i + 1 :]
        )
        pattern = " ".join(f"{v} {path} {x} ." for x in vs)
        if distinct:
            pattern += f" FILTER({distinct})"
        return f"NOT EXISTS {{ {pattern} }}" if kind == "MinCount" else f"EXISTS {{ {pattern} }}"
    if kind == "HasValue":
        return f"NOT EXISTS {{ {v} {path} {c.param} }}"
    if kind in ("Pattern", "LessThan", "LessThanOrEquals") or kind.startswith("Qualified"):
        raise Unsupported(f"sh:{kind} inside sh:or, sh:node or a qualified shape")
    if kind == "Datatype" and c.param in LOSSY_DATATYPES:
        raise Unsupported(f"sh:datatype {shorten(c.param)} inside sh:or or sh:node")
    x = names()
    return f"EXISTS {{ {v} {path} {x} . FILTER({_value_fails(c, x, ctx, names)}) }}"


# --- running ------------------------------------------------------------------------------------


@dataclass
class _Raw:
    """One result before it is written as a ValidationResult."""

    shape: Shape
    component: str
    focus: Any
    value: Any = None
    constraint: Constraint | None = None
    result: Any = None  # the ValidationResult, once written
    written_value: Any = None  # the value as the data writes it


class _Originals:
    """The data triples as written, by predicate (for what the store does not keep)."""

    def __init__(self, data: Collection[ox.Triple] | bytes | None, compiled: Compiled) -> None:
        self.data = data
        self.index: dict[str, dict[Any, list[Any]]] = {}
        #: literal target nodes, by the form the store gives them
        self.targets = {
            _canonical(t): t
            for shape in compiled.shapes
            for _, t in shape.targets
            if isinstance(t, ox.Literal)
        }

    def prepare(self, predicates: Iterable[str]) -> None:
        """Index the objects of these predicates (those not indexed yet) in one pass over the
        data: only what some result or lossy datatype asks for, never the whole data."""
        missing = {p for p in predicates if p not in self.index}
        if self.data is None or not missing:
            return
        if isinstance(self.data, bytes):
            for p in missing:
                self.index[p] = _objects_in_ntriples(self.data, p)
            return
        wanted: dict[Any, dict[Any, list[Any]]] = {
            ox.NamedNode(p): defaultdict(list) for p in missing
        }
        for t in self.data:
            found = wanted.get(t.predicate)
            if found is not None:
                found[t.subject].append(t.object)
        self.index.update({p.value: found for p, found in wanted.items()})

    def objects(self, predicate: str) -> dict[Any, list[Any]] | None:
        """Subject → objects of one predicate, as written (None without the data)."""
        if self.data is None:
            return None
        self.prepare([predicate])
        return self.index[predicate]


def _objects_in_ntriples(nt: bytes, predicate: str) -> dict[Any, list[Any]]:
    """Subject → objects of one predicate, from the lines of an N-Triples document that have it
    (found as bytes, parsed by Oxigraph: no Python object per other triple)."""
    needle = f" <{predicate}> ".encode()
    lines = []
    at = nt.find(needle)
    while at >= 0:
        start = nt.rfind(b"\n", 0, at) + 1
        end = nt.find(b"\n", at)
        end = len(nt) if end < 0 else end
        lines.append(nt[start:end])
        at = nt.find(needle, end)
    found: dict[Any, list[Any]] = defaultdict(list)
    if lines:
        for t in ox.parse(b"\n".join(lines), format=ox.RdfFormat.N_TRIPLES):
            if t.predicate.value == predicate:
                found[t.subject].append(t.object)
    return found


def run(
    compiled: Compiled, store: OxigraphStore, data: Sequence[ox.Triple] | bytes | None = None
) -> list[ValidationResult]:
    """Every result of the compiled shapes on the store's data (all its graphs as one).

    ``data``, the triples as written (or as one N-Triples document), lets the runner check
    datatypes Oxigraph does not keep and report literal values as written; without it, the
    shapes needing them (:func:`lossy_shapes`) raise :class:`Unsupported`.
    """
    return [r.result for r in _run(compiled, store, data)]


def _run(
    compiled: Compiled, store: OxigraphStore, data: Collection[ox.Triple] | bytes | None
) -> list[_Raw]:
    originals = _Originals(data, compiled)
    ctx = _Context(_ill_typed(compiled, store), _class_closures(compiled, store))
    raws: list[_Raw] = []
    names = _Names()
    for shape in compiled.shapes:
        raws.extend(_evaluate(shape, _focus(shape, ctx, names), "", store, ctx, originals, 0))
    originals.prepare(
        {r.shape.path_last for r in raws if r.shape.path_last and _literal_value(r) is not None}
    )
    for r in raws:
        r.result = _result(r, originals, compiled)
    return raws


def _evaluate(
    shape: Shape,
    focus: str,
    chain: str,
    store: OxigraphStore,
    ctx: _Context,
    originals: _Originals,
    depth: int,
) -> Iterator[_Raw]:
    """A shape's results, then those of its property shapes: their focus nodes are its own
    (a node shape) or its value nodes (a property shape), as pyshacl evaluates them — once per
    chain of parent focus nodes that reaches them (``chain``: the variables of the parents)."""
    if shape.deactivated:
        return
    if depth > _MAX_DEPTH:
        raise Unsupported("property shapes nested too deep (recursive?)")
    yield from _run_shape(shape, focus, chain, store, ctx, originals)
    if not shape.properties:
        return
    if shape.path is not None:
        parent = f"?parent{depth}"
        inner = re.sub(r"\?this\b", parent, focus)
        chain = f"{chain} {parent}".strip()
        focus = (
            f"{{ SELECT DISTINCT {chain} ?this WHERE {{ {inner} {parent} {shape.path} ?this }} }}"
        )
    for prop in shape.properties:
        yield from _evaluate(prop, focus, chain, store, ctx, originals, depth + 1)


_MAX_DEPTH = 16


def lossy_shapes(compiled: Compiled) -> list[str]:
    """Shapes whose results need the data triples as written (a datatype the store loses)."""
    found = []
    for shape in compiled.shapes:
        if any(
            c.component == "Datatype" and c.param in LOSSY_DATATYPES
            for s in _tree(shape)
            for c in s.constraints
        ):
            found.append(shape.name)
    return found


def _tree(shape: Shape, depth: int = 0) -> Iterator[Shape]:
    """A shape and its property shapes, theirs, and so on."""
    if depth > _MAX_DEPTH:
        raise Unsupported("property shapes nested too deep (recursive?)")
    yield shape
    for prop in shape.properties:
        yield from _tree(prop, depth + 1)


def _select(store: OxigraphStore, sparql: str) -> list[tuple[Any, ...]]:
    return store.run(sparql).rows  # type: ignore[union-attr]


def _run_shape(
    shape: Shape,
    focus: str,
    chain: str,
    store: OxigraphStore,
    ctx: _Context,
    originals: _Originals,
) -> Iterator[_Raw]:
    """A shape's own results: one query for its value tests and its cardinalities of at most
    one together (:func:`_values_and_counts`), one for each of the others."""
    implied = _implied_by_path(shape, chain)
    # every subject of the path's predicate is a focus node: its values need no join
    joined = "" if implied else focus
    values = (
        f"{joined} ?this {shape.path} ?value ." if shape.path else f"{focus} BIND(?this AS ?value)"
    )
    skip = len(chain.split())

    def select(sparql: str) -> list[tuple[Any, ...]]:
        """Rows without the parent chain (one row per chain: pyshacl's repeated results)."""
        return [row[skip:] for row in _select(store, sparql.replace("?CHAIN", chain))]

    names = _Names()
    flagged: list[Constraint] = []
    counts: dict[str, Constraint] = {}
    for c in shape.constraints:
        kind = c.component
        if kind in ("MinCount", "MaxCount"):
            if not (kind == "MinCount" and (c.param == 0 or (implied and c.param == 1))):
                counts[kind] = c
        elif kind == "HasValue" and shape.path is not None:
            missing = f"FILTER NOT EXISTS {{ ?this {shape.path} {c.param} }}"
            q = f"SELECT DISTINCT ?CHAIN ?this WHERE {{ {focus} {missing} }}"
            for (this,) in select(q):
                yield _Raw(shape, kind, this, constraint=c)
        elif kind in ("QualifiedMinCount", "QualifiedMaxCount"):
            inner: Shape = c.extra
            fails = _shape_fails(inner, "?value", ctx, names)
            test = f"< {c.param}" if kind == "QualifiedMinCount" else f"> {c.param}"
            q = (
                f"SELECT ?CHAIN ?this WHERE {{ {focus} OPTIONAL {{ ?this {shape.path} ?value "
                f"FILTER(!{fails}) }} }} GROUP BY ?CHAIN ?this "
                f"HAVING (COUNT(DISTINCT ?value) {test})"
            )
            for (this,) in select(q):
                yield _Raw(shape, kind, this, constraint=c)
        elif kind == "Datatype" and c.param in LOSSY_DATATYPES:
            yield from _lossy_datatype(shape, c, focus, select, originals)
        elif kind == "Pattern":
            yield from _pattern(shape, c, values, select)
        elif kind in ("LessThan", "LessThanOrEquals"):
            yield from _less_than(shape, c, values, select)
        else:
            flagged.append(c)
    low, high = counts.get("MinCount"), counts.get("MaxCount")
    if (low and low.param > 1) or (high and high.param > 1):
        tests = ([f"?n < {low.param}"] if low else []) + ([f"?n > {high.param}"] if high else [])
        q = (
            f"SELECT ?CHAIN ?this ?n WHERE {{ {{ SELECT ?CHAIN ?this "
            f"(COUNT(DISTINCT ?value) AS ?n) WHERE {{ {focus} OPTIONAL {{ ?this {shape.path} "
            f"?value }} }} GROUP BY ?CHAIN ?this }} FILTER({' || '.join(tests)}) }}"
        )
        for this, n in select(q):
            found = int(n.value)
            if low and found < low.param:
                yield _Raw(shape, "MinCount", this, constraint=low)
            if high and found > high.param:
                yield _Raw(shape, "MaxCount", this, constraint=high)
        low = high = None
    if flagged or low or high:
        yield from _values_and_counts(shape, joined, chain, flagged, low, high, ctx, names, store)


def _implied_by_path(shape: Shape, chain: str) -> bool:
    """Whether the focus nodes of a shape are the subjects of its path (``sh:targetSubjectsOf
    P`` and ``sh:path P``): its values are then P's objects, and minCount 1 always holds."""
    return (
        not chain
        and shape.path_last is not None
        and shape.targets == [("targetSubjectsOf", ox.NamedNode(shape.path_last))]
    )


def _values_and_counts(
    shape: Shape,
    focus: str,
    chain: str,
    flagged: list[Constraint],
    low: Constraint | None,
    high: Constraint | None,
    ctx: _Context,
    names: _Names,
    store: OxigraphStore,
) -> Iterator[_Raw]:
    """A shape's value tests (a flag per constraint; sh:class and sh:or as EXISTS) and its
    sh:minCount 1 / sh:maxCount 0 or 1 in one query, one pass over the path's values: a focus
    node without a value (minCount), a value with a flag raised, a value beside another one
    (maxCount 1)."""
    path = shape.path
    if path is None:
        pattern = f"{focus} BIND(?this AS ?value)"
    elif low is not None:
        pattern = f"{focus} OPTIONAL {{ ?this {path} ?value }}"
    else:
        pattern = f"{focus} ?this {path} ?value ."
    flags = [f"?f{i}" for i in range(len(flagged))]
    for c, f in zip(flagged, flags, strict=True):
        fails = _value_fails(c, "?value", ctx, names)
        if low is not None:  # not on an unbound value (an EXISTS would then read everything)
            fails = f"IF(BOUND(?value), {fails}, false)"
        pattern += f" BIND(({fails}) AS {f})"
    tests = [f"COALESCE({f}, false)" for f in flags]
    if low is not None:
        tests.append("!BOUND(?value)")
    if high is not None:
        if high.param == 0:
            tests.append("BOUND(?value)")
        else:
            other = names("other")
            pattern += f" OPTIONAL {{ ?this {path} {other} FILTER(!sameTerm(?value, {other})) }}"
            flags.append("?many")
            pattern += f" BIND(BOUND({other}) AS ?many)"
            tests.append("?many")
    q = (
        f"SELECT DISTINCT {chain} ?this ?value {' '.join(flags)} WHERE {{ {pattern} "
        f"FILTER({' || '.join(tests)}) }}"
    )
    skip = len(chain.split())
    counted: set[tuple[Any, ...]] = set()  # (chain, focus node): one count result each
    for row in _select(store, q):
        key, (this, value, *raised) = row[: skip + 1], row[skip:]
        if value is None:
            if low is not None and ("MinCount", key) not in counted:
                counted.add(("MinCount", key))
                yield _Raw(shape, "MinCount", this, constraint=low)
            continue
        for c, failed in zip(flagged, raised, strict=False):
            if failed is None or failed.value != "true":
                continue
            if c.component in _RANGE_COMPONENTS and _compare_ok(value, c):
                continue
            yield _Raw(shape, c.component, this, value, c)
        many = high is not None and (high.param == 0 or raised[-1].value == "true")
        if many and ("MaxCount", key) not in counted:
            counted.add(("MaxCount", key))
            yield _Raw(shape, "MaxCount", this, constraint=high)


_Select = Callable[[str], list[tuple[Any, ...]]]
_RANGE_COMPONENTS = {"MinInclusive", "MaxInclusive", "MinExclusive", "MaxExclusive"}


def _lossy_datatype(
    shape: Shape, c: Constraint, focus: str, select: _Select, originals: _Originals
) -> Iterator[_Raw]:
    """sh:datatype of a type the store does not keep: checked on the triples as written."""
    if shape.path is None or shape.path_last is None:
        raise Unsupported(f"sh:datatype {shorten(c.param)} needs a plain IRI path")
    if originals.data is None:
        raise Unsupported(f"sh:datatype {shorten(c.param)}: Oxigraph does not keep it")
    # the focus nodes with a value (no value, nothing to check: the data is then not read)
    rows = select(f"SELECT DISTINCT ?CHAIN ?this WHERE {{ {focus} ?this <{shape.path_last}> [] }}")
    written = originals.objects(shape.path_last) if rows else {}
    assert written is not None
    for (this,) in rows:
        for value in dict.fromkeys(written.get(this, ())):
            if not _datatype_ok(value, c.param):
                yield _Raw(shape, "Datatype", this, value, c)


def _pattern(shape: Shape, c: Constraint, values: str, select: _Select) -> Iterator[_Raw]:
    """sh:pattern with Python's re, as pyshacl: on the distinct values, then their focus nodes."""
    flags = 0
    if "i" in c.extra.lower():
        flags |= re.I
    if "m" in c.extra.lower():
        flags |= re.M
    matchers = [re.compile(p, flags) for p in c.param]
    distinct = select(f"SELECT DISTINCT ?value WHERE {{ {values} FILTER(!isBlank(?value)) }}")
    bad = [v for (v,) in distinct if not all(m.search(v.value) for m in matchers)]
    rows = select(
        f"SELECT DISTINCT ?CHAIN ?this ?value WHERE {{ {values} FILTER(isBlank(?value)) }}"
    )
    if bad:
        listed = " ".join(str(b) for b in bad)
        rows += select(
            f"SELECT DISTINCT ?CHAIN ?this ?value WHERE {{ {values} VALUES ?value {{ {listed} }} }}"
        )
    for this, value in rows:
        for m in matchers:  # pyshacl reports once per pattern the value does not match
            if isinstance(value, ox.BlankNode) or not m.search(value.value):
                yield _Raw(shape, "Pattern", this, value, c)


def _less_than(shape: Shape, c: Constraint, values: str, select: _Select) -> Iterator[_Raw]:
    """sh:lessThan(OrEquals): one result per pair that is not in order, as pyshacl."""
    op = "<" if c.component == "LessThan" else "<="
    sure = (
        f"(isNumeric(?value) && isNumeric(?other) || isLiteral(?value) && isLiteral(?other) "
        f"&& datatype(?value) = datatype(?other)) && COALESCE(?value {op} ?other, false)"
    )
    q = (
        f"SELECT ?CHAIN ?this ?value ?other WHERE {{ {{ SELECT DISTINCT ?CHAIN ?this ?value "
        f"WHERE {{ {values} }} }} ?this <{c.param}> ?other . FILTER(!({sure})) }}"
    )
    from kg.core.terms import to_rdflib

    for this, value, other in select(q):
        if _ordered(to_rdflib(value), to_rdflib(other), op):
            continue
        yield _Raw(shape, c.component, this, value, c)


def _ordered(a: Any, b: Any, op: str) -> bool:
    """pyshacl's comparison of a value with the other property's value."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(a, BNode) or isinstance(b, BNode):
        return False
    a_str = isinstance(a, URIRef) or (isinstance(a, Literal) and isinstance(a.value, str))
    b_str = isinstance(b, URIRef) or (isinstance(b, Literal) and isinstance(b.value, str))
    x = str(a) if isinstance(a, URIRef) else a.value if a_str else a
    y = str(b) if isinstance(b, URIRef) else b.value if b_str else b
    if a_str != b_str:
        return False
    try:
        return bool(x < y) if op == "<" else bool(x <= y)
    except TypeError:
        return False


def _compare_ok(value: Any, c: Constraint) -> bool:
    """pyshacl's range check of one value (for the values SPARQL could not decide)."""
    from pyshacl.rdfutil.compare import compare_literal
    from rdflib import Literal

    from kg.core.terms import to_rdflib

    v = to_rdflib(value)
    bound = to_rdflib(c.param)
    if not isinstance(v, Literal):
        return False
    if isinstance(bound.value, str) != isinstance(v.value, str):  # type: ignore[attr-defined]
        return False
    try:
        cmp = compare_literal(v, bound)
    except (TypeError, NotImplementedError):
        return False
    return {
        "minInclusive": cmp >= 0,
        "maxInclusive": cmp <= 0,
        "minExclusive": cmp > 0,
        "maxExclusive": cmp < 0,
    }[c.extra]


def _datatype_ok(term: Any, datatype: str) -> bool:
    """pyshacl's sh:datatype test of one value, on rdflib's reading of the literal."""
    if not isinstance(term, ox.Literal):
        return False
    if term.datatype.value == datatype and _plainly_valid(term.value, datatype):
        return True
    from kg.core.terms import to_rdflib

    lit = to_rdflib(term)
    if term.language:
        return datatype == RDF + "langString"
    if datatype == RDFS + "Literal":
        return True
    if datatype == RDFS + "Datatype":
        return True
    if term.datatype.value != datatype:
        return False
    if getattr(lit, "ill_typed", None) is True:
        return False
    return _actual(lit.value, datatype)  # type: ignore[attr-defined]


def _plainly_valid(text: str, datatype: str) -> bool:
    """A lexical form that rdflib reads as a value of the Python type pyshacl wants, seen
    without asking rdflib (a literal there costs a hundred times more): any string, an
    integer of digits, a decimal of digits and a point, a boolean as true, false, 1 or 0, a
    date as YYYY-MM-DD that is a day. Else rdflib decides."""
    if datatype == _STRING:
        return True
    if datatype == _INTEGER:
        return _DIGITS.fullmatch(text) is not None
    if datatype == _DECIMAL:
        return _DECIMAL_DIGITS.fullmatch(text) is not None
    if datatype == _BOOLEAN:
        return text in ("true", "false", "1", "0")
    if datatype == _DATE and _YMD.fullmatch(text):
        from datetime import date

        try:
            date.fromisoformat(text)
        except ValueError:
            return False
        return True
    return False


_STRING, _INTEGER, _DATE = XSD + "string", XSD + "integer", XSD + "date"
_DECIMAL, _BOOLEAN = XSD + "decimal", XSD + "boolean"
_DIGITS = re.compile(r"[+-]?[0-9]+")
_DECIMAL_DIGITS = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_YMD = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _rdflib_checks(datatype: str) -> bool:
    """Whether rdflib can find a literal of this datatype ill-typed (it parses it) or pyshacl
    checks its Python type; else any literal of the datatype matches."""
    from rdflib import URIRef
    from rdflib.term import _toPythonMapping

    return _toPythonMapping.get(URIRef(datatype)) is not None or datatype in _ACTUAL


_ACTUAL = {
    XSD + t
    for t in ("string", "integer", "float", "decimal", "boolean", "date", "time", "dateTime")
} | {RDF + "langString"}


def _actual(value: Any, datatype: str) -> bool:
    from datetime import date, datetime, time
    from decimal import Decimal

    kinds: dict[str, Any] = {
        XSD + "string": (str, bytes),
        RDF + "langString": (str, bytes),
        XSD + "integer": int,
        XSD + "float": float,
        XSD + "decimal": Decimal,
        XSD + "boolean": bool,
        XSD + "date": date,
        XSD + "time": time,
        XSD + "dateTime": datetime,
    }
    kind = kinds.get(datatype)
    return True if kind is None else isinstance(value, kind)


def _ill_typed(compiled: Compiled, store: OxigraphStore) -> dict[str, list[ox.Literal]]:
    """The literals of each checked datatype that rdflib reads as ill-typed (or of the wrong
    Python type), from the distinct literals of those datatypes in the store."""
    from kg.pipeline.validate import quiet_ill_typed_literals

    # strings are never ill-typed; the lossy datatypes are checked on the data as written
    always = LOSSY_DATATYPES | {_STRING, RDF + "langString"}
    wanted = sorted(d for d in compiled.checked_datatypes - always if _rdflib_checks(d))
    if not wanted:
        return {}
    quiet_ill_typed_literals()
    listed = ", ".join(f"<{d}>" for d in wanted)
    test = f"isLiteral(?o) && datatype(?o) IN ({listed})"
    where = ""
    if compiled.datatype_predicates is not None:
        if not compiled.datatype_predicates:
            return {}
        where = "VALUES ?p { " + " ".join(f"<{p}>" for p in compiled.datatype_predicates) + " }"
    q = f"SELECT DISTINCT ?o WHERE {{ {where} ?s ?p ?o FILTER({test}) }}"
    bad: dict[str, list[ox.Literal]] = defaultdict(list)
    for (o,) in _select(store, q):
        if not _datatype_ok(o, o.datatype.value):
            bad[o.datatype.value].append(o)
    return dict(bad)


# --- results ------------------------------------------------------------------------------------


def _result(r: _Raw, originals: _Originals, compiled: Compiled) -> ValidationResult:
    from kg.core.terms import to_rdflib

    shape = r.shape
    focus = originals.targets.get(r.focus, r.focus)  # a literal target node as written
    value = _value(r, focus)
    if isinstance(value, ox.Literal) and shape.path_last and originals.data is not None:
        value = _as_written(r.focus, shape.path_last, value, originals)
    r.written_value, r.focus = value, focus
    message = shape.messages[0] if shape.messages else _generic_message(r, value, compiled)
    return ValidationResult(
        severity=shape.severity,
        focus_node=_text(focus),
        path=shape.path_text,
        value=""
        if value is None
        else str(to_rdflib(value))
        if isinstance(value, ox.Literal)
        else _text(value),
        message=message,
        shape=shape.name,
        constraint=f"sh:{r.component}ConstraintComponent",
        focus_term=focus,
    )


def _value(r: _Raw, focus: Any) -> Any:
    """The value a result reports (before it is written as the data wrote it)."""
    if r.shape.path is None and r.component not in _NO_VALUE:
        return focus
    return None if r.component == "HasValue" else r.value


def _literal_value(r: _Raw) -> ox.Literal | None:
    value = _value(r, r.focus)
    return value if isinstance(value, ox.Literal) else None


_NO_VALUE = {"MinCount", "MaxCount", "QualifiedMinCount", "QualifiedMaxCount", "HasValue"}


def _text(term: Any) -> str:
    from kg.core.terms import to_rdflib

    if isinstance(term, ox.NamedNode):
        return shorten(term.value)
    if isinstance(term, ox.Literal):
        return str(to_rdflib(term))
    return str(term.value)


def _as_written(focus: Any, predicate: str, value: ox.Literal, originals: _Originals) -> Any:
    """The literal as the data wrote it (the store keeps numbers in canonical form)."""
    written = originals.objects(predicate) or {}
    candidates = written.get(focus, [])
    if value in candidates:
        return value
    for c in candidates:
        if isinstance(c, ox.Literal) and _canonical(c) == value:
            return c
    return value


def _canonical(term: ox.Literal) -> Any:
    s = ox.Store()
    s.add(ox.Quad(ox.BlankNode("x"), ox.NamedNode("urn:x"), term))
    return next(iter(s)).object


def _generic_message(r: _Raw, value: Any, compiled: Compiled) -> str:
    """pyshacl's message for a shape without sh:message."""
    from pyshacl.rdfutil import stringify_node
    from rdflib import Graph

    from kg.core.terms import to_rdflib

    g = Graph()
    c = r.constraint
    assert c is not None
    shape = r.shape
    focus = stringify_node(g, to_rdflib(r.focus))
    kind = r.component

    def node(term: Any) -> str:
        return stringify_node(g, to_rdflib(term))

    path = _generic_path(shape, compiled)
    if kind == "Class":
        return f"Value does not have class {node(c.param)}"
    if kind == "Datatype":
        return f"Value is not Literal with datatype {node(ox.NamedNode(c.param))}"
    if kind == "NodeKind":
        return f"Value is not of Node Kind {node(ox.NamedNode(c.param))}"
    if kind in ("MinCount", "MaxCount"):
        word = "Less" if kind == "MinCount" else "More"
        where = f"{focus}->{path}" if path else focus
        return f"{word} than {c.param} values on {where}"
    if kind == "In":
        return f"Value {node(value)} not in list {[node(x) for x in c.param]}"
    if kind == "HasValue":
        if path:
            return f"Node {focus}->{path} does not contain a value in the set: {[node(c.param)]}"
        return f"Node {focus} value is not a in the set of values: {[node(c.param)]}"
    if kind == "Pattern":
        return f"Value does not match pattern '{c.param[0]}'"
    if kind in _RANGE_COMPONENTS:
        op = {"MinInclusive": ">=", "MaxInclusive": "<=", "MinExclusive": ">", "MaxExclusive": "<"}
        return f"Value is not {op[kind]} {node(c.param)}"
    if kind in ("LessThan", "LessThanOrEquals"):
        sign = "<=" if kind == "LessThan" else "<"
        return f"Value of {focus}->{node(ox.NamedNode(c.param))} {sign} {node(value)}"
    if kind == "Or":
        return f"Node {node(value)} must conform to one or more shapes in ..."
    if kind == "Node":
        return f"Value does not conform to Shape {node(c.param.node)}."
    if kind == "QualifiedMaxCount":
        return f"Focus node has more than {c.param} values conforming to the qualified shape"
    return f"Focus node has fewer than {c.param} values conforming to the qualified shape"


def _generic_path(shape: Shape, compiled: Compiled) -> str:
    if shape.path is None:
        return ""
    from pyshacl.rdfutil import stringify_node

    from kg.core.terms import rdflib_graph, to_rdflib

    if compiled.rdflib_shapes is None:
        compiled.rdflib_shapes = rdflib_graph(compiled.shapes_triples)
    return stringify_node(compiled.rdflib_shapes, to_rdflib(shape.path_node))


# --- the whole validation -------------------------------------------------------------------------


def validate(
    data: Collection[ox.Triple],
    shapes: Iterable[ox.Triple],
    compiled: Compiled | None = None,
    store: OxigraphStore | None = None,
) -> tuple[ValidationReport, list[str]]:
    """Validate the data (ontology included) against the shapes on an Oxigraph store in memory
    (``store``, if it holds the data already: all its graphs as one); shapes the compiler does
    not handle run in pyshacl. Returns the report and one line per shape left to pyshacl
    (which shape, why)."""
    from kg.pipeline.validate import _sorted

    shapes = list(shapes)
    compiled = compiled or compile_shapes(shapes)
    if store is None:  # the default graph; the data stays as written for what the store loses
        from kg.store import OxigraphStore

        data = data if isinstance(data, list) else list(data)
        store = OxigraphStore()
        _load(store.store, data)
    try:
        raws = _run(compiled, store, data)
    except Unsupported as e:  # pragma: no cover - compile_shapes catches what it can see
        compiled.fallback.update({s.name: str(e) for s in compiled.shapes})
        compiled.shapes = []
        raws = []
    results = [r.result for r in raws]
    fallback_graph = None
    if compiled.fallback:
        found, fallback_graph = _pyshacl(data, compiled)
        results += found
    conforms = not any(r.severity not in ("Warning", "Info") for r in results)
    graph = _report_graph(conforms, raws, compiled, fallback_graph)
    return ValidationReport(conforms, _sorted(results), graph), compiled.describe_fallback()


def _load(store: ox.Store, data: Sequence[ox.Triple], chunk: int = 50_000) -> None:
    """Load triples into a store's default graph, a chunk at a time as N-Triples (parsed and
    stored by Oxigraph without a Python object per triple: a third less memory at 1M triples
    than from the terms); a chunk with a blank node goes in as terms, its labels kept (the
    results name blank nodes as the data does, and Oxigraph's parser renames them)."""
    for start in range(0, len(data), chunk):
        part = data[start : start + chunk]
        text = ox.serialize(part, format=ox.RdfFormat.N_TRIPLES) or b""
        if b"_:" in text:  # a blank node (or the text "_:" in a literal)
            store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in part)
        else:
            store.load(text, format=ox.RdfFormat.N_TRIPLES)


def _report_graph(
    conforms: bool, raws: list[_Raw], compiled: Compiled, fallback: Any
) -> rdflib.Graph:
    """The W3C validation report: a sh:ValidationResult per result, as pyshacl writes it
    (a complex result path copied from the shapes graph); pyshacl's own results for the
    shapes left to it (``fallback``: its results, graph and report node)."""
    from rdflib import RDF, BNode, Graph, Literal, URIRef

    from kg.core.terms import to_rdflib

    g = Graph()
    g.bind("sh", SH)
    report = BNode()
    g.add((report, RDF.type, URIRef(SH + "ValidationReport")))
    g.add((report, URIRef(SH + "conforms"), Literal(conforms)))
    shapes = _Graph(compiled.shapes_triples)
    for r in raws:
        node = BNode()
        shape = r.shape
        g.add((report, URIRef(SH + "result"), node))
        g.add((node, RDF.type, URIRef(SH + "ValidationResult")))
        g.add((node, URIRef(SH + "resultSeverity"), URIRef(shape.severity_iri)))
        g.add((node, URIRef(SH + "focusNode"), to_rdflib(r.focus)))
        if r.written_value is not None:
            g.add((node, URIRef(SH + "value"), to_rdflib(r.written_value)))
        if shape.path_node is not None:
            g.add((node, URIRef(SH + "resultPath"), to_rdflib(shape.path_node)))
            for t in _reachable(shapes, shape.path_node):
                g.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
        g.add((node, URIRef(SH + "sourceShape"), to_rdflib(shape.node)))
        component = URIRef(f"{SH}{r.component}ConstraintComponent")
        g.add((node, URIRef(SH + "sourceConstraintComponent"), component))
        g.add((node, URIRef(SH + "resultMessage"), Literal(r.result.message)))
    if fallback is not None:
        kept, other = fallback
        for node in kept:
            g.add((report, URIRef(SH + "result"), node))
        for t in other:
            g.add(t)
    return g


def _reachable(g: _Graph, node: Any) -> Iterator[ox.Triple]:
    """The triples of a blank node's description, and of the blank nodes it refers to."""
    todo, seen = [node], set()
    while todo:
        n = todo.pop()
        if not isinstance(n, ox.BlankNode) or n in seen:
            continue
        seen.add(n)
        for p, objects in g.out.get(n, {}).items():
            for o in objects:
                yield ox.Triple(n, ox.NamedNode(p), o)
                todo.append(o)


def _pyshacl(data: Collection[ox.Triple], compiled: Compiled) -> tuple[list[ValidationResult], Any]:
    """pyshacl's results for the shapes the compiler left to it, and what the W3C report needs
    of its graph: the result nodes and every triple of theirs. Shapes with IRIs are named to
    pyshacl; if a blank node shape is among them, pyshacl runs every shape and the results of
    the others (those whose source shape is not reached from the ones left to it) are dropped."""
    import pyshacl

    from kg.core.namespaces import expand
    from kg.core.terms import rdflib_graph
    from kg.pipeline.validate import _report, quiet_ill_typed_literals

    quiet_ill_typed_literals()
    names = [expand(n) for n in compiled.fallback if not n.startswith("_:") and ":" in n]
    if len(names) != len(compiled.fallback):  # a blank node shape: run every shape, keep its own
        names = []
    _, graph, _ = pyshacl.validate(
        rdflib_graph(data),
        shacl_graph=rdflib_graph(compiled.shapes_triples),
        inference="none",
        allow_warnings=True,
        advanced=True,
        use_shapes=names or None,
    )
    from rdflib import RDF, URIRef

    if names:
        owned = None
    else:
        shapes = _Graph(compiled.shapes_triples)
        roots = [n for n in shapes.out if _shape_text(n) in compiled.fallback]
        owned = {_shape_text(n) for n in roots} | {
            _shape_text(t.object) for r in roots for t in _reachable_all(shapes, r)
        }
    from rdflib import Graph

    detail = URIRef(SH + "detail")
    top = set(graph.objects(None, URIRef(SH + "result")))
    kept, nodes, triples = [], [], []
    for node in graph.subjects(RDF.type, URIRef(SH + "ValidationResult")):
        own = Graph()
        for t in _rdflib_reachable(graph, node, skip=detail):
            own.add(t)
        one = _report(False, own).results[0]
        if owned is None or one.shape in owned:
            kept.append(one)
            if node in top:
                nodes.append(node)
            triples += _rdflib_reachable(graph, node)
    return kept, (nodes, triples)


def _rdflib_reachable(graph: Any, node: Any, skip: Any = None) -> list[Any]:
    """The triples of an rdflib node, and of the blank nodes they lead to."""
    from rdflib import BNode

    found, todo, seen = [], [node], set()
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        for t in graph.triples((n, None, None)):
            if t[1] == skip:
                continue
            found.append(t)
            if isinstance(t[2], BNode):
                todo.append(t[2])
    return found


def _reachable_all(g: _Graph, node: Any) -> Iterator[ox.Triple]:
    """Every triple reachable from a node of the shapes graph (through IRIs too)."""
    todo, seen = [node], set()
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        for p, objects in g.out.get(n, {}).items():
            for o in objects:
                yield ox.Triple(n, ox.NamedNode(p), o)
                todo.append(o)


def reference(data: Iterable[ox.Triple], shapes: Iterable[ox.Triple]) -> ValidationReport:
    """pyshacl on every shape, as IODM has always run it (no inference, warnings allowed): the
    reference the compiled shapes are tested against."""
    import pyshacl

    from kg.core.terms import rdflib_graph
    from kg.pipeline.validate import _report, quiet_ill_typed_literals

    quiet_ill_typed_literals()
    conforms, graph, _ = pyshacl.validate(
        rdflib_graph(data),
        shacl_graph=rdflib_graph(shapes),
        inference="none",
        allow_warnings=True,
        advanced=True,
    )
    return _report(bool(conforms), graph)


def shapes_report(
    data: Collection[ox.Triple], shapes: Iterable[ox.Triple], store: OxigraphStore | None = None
) -> ValidationReport:
    """Validate a data graph (ontology included) against a shapes graph: the shapes compiled
    into set-based SPARQL on Oxigraph (this module, with pyshacl's results; on ``store`` if it
    holds the data already); a shape the compiler does not handle runs in pyshacl, and the
    report's notes say which and why. ``IODM_SHACL=pyshacl`` runs every shape in pyshacl, the
    reference."""
    import os

    if os.environ.get("IODM_SHACL") == "pyshacl":
        return reference(data, shapes)
    report, fallback = validate(data, shapes, store=store)
    report.notes += [f"SHACL shape left to pyshacl: {line}" for line in fallback]
    return report
