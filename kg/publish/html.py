"""HTML pages (Jinja2, autoescaped): entities, ontology documentation, the query page, home.

Every page is self-contained: one local stylesheet, no script, no font or asset from elsewhere.
RDF terms are rendered by :class:`Render`, which escapes every value it writes; templates get
its output as markup and everything else escaped by Jinja2.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import pyoxigraph as ox
from markupsafe import Markup, escape

from kg.core.namespaces import (
    DCTERMS,
    GRAPH,
    ID,
    IODM,
    NAMESPACES,
    OWL,
    RDF,
    RDFS,
    SKOS,
    shorten,
)
from kg.core.results import Boolean, Result, Solutions
from kg.publish import iris
from kg.publish.describe import LABELS, Description, Provenance, about, label_of
from kg.publish.ontology_doc import CITATION, DEFINITION, OntologyDocument, Term, Usage, usage

HERE = Path(__file__).resolve().parent
STYLESHEET = HERE / "static" / "style.css"
QUOTE = IODM.quote
#: Prefixes for display beyond kg.core.namespaces.PREFIXES.
MORE_PREFIXES = {
    p: NAMESPACES[p] for p in ("bibo", "vann", "void", "dcat", "spdx", "sd", "schema", "vcard")
}


def display(iri: str) -> str:
    """A short name for an IRI: a prefixed name, a /id/ path, or the IRI itself.

    >>> display("http://purl.org/ontology/bibo/doi")
    'bibo:doi'
    >>> display("https://doi.org/10.1093/isq/sqad099")
    'https://doi.org/10.1093/isq/sqad099'
    """
    short = shorten(iri)
    if not short.startswith("<"):
        return short
    for prefix, ns in MORE_PREFIXES.items():
        if iri.startswith(ns) and iri != ns:
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def examples() -> list[Any]:
    """The named queries shown as examples: the competency questions."""
    from kg.queries import library

    return [q for q in library().values() if q.group == "cq"]


def safe_href(href: str) -> bool:
    """Whether a link target is an http(s) URL or a path on this site (no other scheme).

    >>> [safe_href(h) for h in ("/doc/x", "https://a.org/", "javascript:alert(1)", "//evil")]
    [True, True, False, False]
    """
    if href.startswith("/"):
        return not href.startswith("//")
    scheme = href.partition(":")[0].lower()
    return scheme in ("http", "https") and not any(c in href for c in "\x00\t\n\r")


class Render:
    """Writes RDF terms as HTML for one site: links go to this site's pages where they exist."""

    def __init__(
        self,
        store: ox.Store,
        root: str = "/",
        static: bool = False,
        namespaces: iris.Namespaces | None = None,
    ) -> None:
        self.store = store
        self.root = root
        self.static = static
        self.namespaces = namespaces or iris.Namespaces()

    def href(self, iri: str) -> str:
        own = self.namespaces.href(iri, self.root, self.static)
        if own is not None:
            return own
        local = iris.href(iri, self.root, self.static)
        if iri.startswith(iris.BASE) and "#" not in iri and not iri.startswith(ID):
            # Other project IRIs (ontology versions, …) have pages only if they are ontologies.
            pattern = self.store.quads_for_pattern(
                ox.NamedNode(iri), ox.NamedNode(RDF + "type"), ox.NamedNode(OWL + "Ontology")
            )
            known = next(iter(pattern), None)
            if known is None and not (iri.startswith(GRAPH) and not self.static):
                return iri
        return local

    def name(self, node: ox.NamedNode) -> str:
        return label_of(self.store, node) or display(node.value)

    def link(self, node: object, depth: int = 0) -> Markup:
        """A term as HTML: an IRI as a link when it leads to a page of this site or to an
        http(s) address (a ``javascript:``, ``data:`` … IRI is shown as text, never live)."""
        if isinstance(node, ox.NamedNode):
            href = self.href(node.value)
            if not safe_href(href):
                return Markup('<span class="iri" title="{}">{}</span>').format(
                    node.value, self.name(node)
                )
            return Markup('<a href="{}" title="{}">{}</a>').format(
                href, node.value, self.name(node)
            )
        if isinstance(node, ox.BlankNode):
            return self.blank(node, depth)
        if isinstance(node, ox.Literal):
            return self.literal(node)
        return Markup(escape(str(node)))

    def literal(self, lit: ox.Literal) -> Markup:
        text = Markup('<span class="literal">{}</span>').format(lit.value)
        if lit.language:
            return text + Markup(' <span class="tag">@{}</span>').format(lit.language)
        dt = lit.datatype.value
        if dt.endswith("#string") or dt.endswith("#langString"):
            return text
        return text + Markup(' <span class="tag">{}</span>').format(display(dt))

    def blank(self, node: ox.BlankNode, depth: int) -> Markup:
        """Class expressions and lists in words; other blank nodes as nested statements."""
        if depth > 4:
            return Markup("…")
        props: dict[str, list[object]] = {}
        for t in about(self.store, node):
            props.setdefault(t.predicate.value, []).append(t.object)

        def one(p: str) -> object:
            return props[p][0]

        def items(p: str) -> list[object]:
            return self.list_items(one(p))

        sub = depth + 1
        for p, word in ((OWL + "unionOf", " or "), (OWL + "intersectionOf", " and ")):
            if p in props:
                return Markup(word).join(self.link(x, sub) for x in items(p))
        if OWL + "oneOf" in props:
            inner = Markup(", ").join(self.link(x, sub) for x in items(OWL + "oneOf"))
            return Markup("{") + inner + Markup("}")
        if OWL + "complementOf" in props:
            return Markup("not ") + self.link(one(OWL + "complementOf"), sub)
        if OWL + "onProperty" in props:
            prop = self.link(one(OWL + "onProperty"), sub)
            for p, word in (
                ("someValuesFrom", "some"),
                ("allValuesFrom", "only"),
                ("hasValue", "value"),
                ("qualifiedCardinality", "exactly"),
                ("minQualifiedCardinality", "min"),
                ("maxQualifiedCardinality", "max"),
                ("cardinality", "exactly"),
                ("minCardinality", "min"),
                ("maxCardinality", "max"),
            ):
                if OWL + p in props:
                    value = one(OWL + p)
                    text = prop + Markup(f" <em>{word}</em> ") + self.link(value, sub)
                    for q in ("onClass", "onDataRange"):
                        if OWL + q in props:
                            text += Markup(" ") + self.link(one(OWL + q), sub)
                    return text
        if RDF + "first" in props:
            inner = Markup(", ").join(self.link(x, sub) for x in self.list_items(node))
            return Markup("(") + inner + Markup(")")
        parts = [
            self.link(ox.NamedNode(p), sub) + Markup(" ") + self.link(o, sub)
            for p, objects in props.items()
            for o in objects
        ]
        return Markup("[ ") + Markup(" ; ").join(parts) + Markup(" ]")

    def list_items(self, head: object) -> list[object]:
        out: list[object] = []
        seen: set[str] = set()
        node = head
        while isinstance(node, ox.BlankNode) and str(node) not in seen:
            seen.add(str(node))
            first = rest = None
            for t in about(self.store, node):
                if t.predicate.value == RDF + "first":
                    first = t.object
                elif t.predicate.value == RDF + "rest":
                    rest = t.object
            if first is None:
                break
            out.append(first)
            node = rest
        return out

    def cell(self, term: object) -> Markup:
        """A result table cell: resources linked (with their label), literals as text."""
        if term is None:
            return Markup("")
        if isinstance(term, ox.Literal):
            return Markup('<span class="literal">{}</span>').format(term.value)
        return self.link(term)


# --- view models ----------------------------------------------------------------------------


@dataclass
class Group:
    predicate: Markup
    values: list[Markup]


def _order(p: str) -> tuple[int, str]:
    if p == RDF + "type":
        return (0, p)
    if p in LABELS:
        return (1, p)
    if p in DEFINITION:
        return (2, p)
    return (3, shorten(p))


#: After a statement the build derived rather than a source gave (see kg.pipeline.derive).
DERIVED_MARK = Markup(
    ' <span class="derived" title="derived by IODM from the data and the ontology, at build time '
    '(graph {}) or by iodm reason --materialize; not stated by a source">derived</span>'
)


def group(
    render: Render,
    triples: Sequence[ox.Triple],
    node: object,
    incoming: bool,
    derived: frozenset[ox.Triple] = frozenset(),
) -> list[Group]:
    from kg.pipeline.derive import DERIVED_GRAPH

    mark = DERIVED_MARK.format(DERIVED_GRAPH)
    by_p: dict[str, list[Markup]] = {}
    for t in triples:
        if incoming and t.object == node:
            shown = render.link(t.subject)
        elif not incoming and t.subject == node:
            shown = render.link(t.object)
        else:
            continue
        by_p.setdefault(t.predicate.value, []).append(shown + mark if t in derived else shown)
    return [
        Group(render.link(ox.NamedNode(p)), sorted(values, key=str))
        for p, values in sorted(by_p.items(), key=lambda kv: _order(kv[0]))
    ]


@dataclass
class ProvItem:
    link: Markup
    via: Markup
    quote: list[str]
    details: list[Group]
    children: list[ProvItem]
    repeated: bool


def prov_items(render: Render, tree: list[Provenance]) -> list[ProvItem]:
    from kg.publish.describe import SOURCE_LINKS

    out = []
    for item in tree:
        quotes = [
            t.object.value
            for t in item.statements
            if t.predicate.value == QUOTE and isinstance(t.object, ox.Literal)
        ]
        shown = [
            t
            for t in item.statements
            if t.predicate.value not in (QUOTE, RDF + "type", *LABELS, *SOURCE_LINKS)
        ]
        out.append(
            ProvItem(
                render.link(item.node),
                render.link(ox.NamedNode(item.via)),
                quotes,
                group(render, shown, item.node, incoming=False),
                prov_items(render, item.children),
                item.repeated,
            )
        )
    return out


def entity_page(
    render: Render, d: Description, doc_path: str | None, site: Mapping[str, Any]
) -> str:
    """The page about a resource; ``doc_path`` is where its RDF variants are, if it has them."""
    node = d.node
    return render_page(
        "entity.html",
        site,
        title=render.name(node),
        iri=node.value,
        types=[render.link(t) for t in d.types],
        definition=[
            t.object.value
            for t in d.outgoing
            if t.subject == node
            and t.predicate.value in DEFINITION
            and isinstance(t.object, ox.Literal)
        ],
        outgoing=group(render, d.outgoing, node, incoming=False, derived=d.derived),
        incoming=group(render, d.incoming, node, incoming=True, derived=d.derived),
        provenance=prov_items(render, d.provenance),
        graphs=[render.link(ox.NamedNode(g)) for g in d.graphs],
        alternates=alternates(doc_path),
    )


def alternates(doc_path: str | None) -> list[tuple[str, str]]:
    from kg.publish.negotiate import EXTENSIONS

    if doc_path is None:
        return []
    return [(doc_path + ext, media) for ext, media in EXTENSIONS.items() if ext != ".html"]


@dataclass
class TermView:
    local: str
    iri: str
    label: str
    kind: str
    types: list[Markup]
    definitions: list[str]
    citations: list[Group]
    axioms: list[Group]
    uses: list[Group]  # in domain/range of, super/subclasses; domain, range, inverse
    must: list[Markup]  # from the shapes: what an instance must state
    may: list[Markup]  # … and may state
    example: str  # a minimal valid instance, Turtle


def _uses(render: Render, u: Usage) -> tuple[list[Group], list[Markup], list[Markup]]:
    """The usage of a term as groups of links, and the shapes' constraints as lines."""

    def links(iris: Sequence[str]) -> list[Markup]:
        return [render.link(ox.NamedNode(i)) for i in iris]

    rows = [
        ("in domain of", u.in_domain_of),
        ("in range of", u.in_range_of),
        ("superclasses", u.superclasses),
        ("subclasses", u.subclasses),
        ("domain", u.domain),
        ("range", u.range),
        ("inverse", u.inverse),
    ]
    groups = [Group(Markup(escape(name)), links(iris)) for name, iris in rows if iris]
    if u.characteristics:
        groups.append(
            Group(Markup("characteristics"), [Markup(escape(c)) for c in u.characteristics])
        )
    must: list[Markup] = []
    may: list[Markup] = []
    for c in u.constraints:
        line = Markup("{} — {}{}{}").format(
            render.link(ox.NamedNode(c.path)),
            c.cardinality,
            Markup(": ") + Markup(", ").join(links(c.values)) if c.values else "",
            Markup(' <span class="note">{}</span>').format(c.message) if c.message else "",
        )
        (must if c.required else may).append(line)
    return groups, must, may


def ontology_page(
    render: Render, doc: OntologyDocument, doc_path: str, site: Mapping[str, Any]
) -> str:
    node = ox.NamedNode(doc.iri)
    skip = {RDF + "type", *LABELS, *DEFINITION, *CITATION}
    used = usage(render.store, doc)

    def view(term: Term) -> TermView:
        n = ox.NamedNode(term.iri)
        own = [t for t in term.statements if t.subject == n]
        u = used.get(term.iri, Usage())
        return TermView(
            term.local,
            term.iri,
            label_of(render.store, n) or term.local,
            term.kind,
            [render.link(t.object) for t in own if t.predicate.value == RDF + "type"],
            [
                t.object.value
                for t in own
                if t.predicate.value in DEFINITION and isinstance(t.object, ox.Literal)
            ],
            group(render, [t for t in own if t.predicate.value in CITATION], n, incoming=False),
            group(render, [t for t in own if t.predicate.value not in skip], n, incoming=False),
            *_uses(render, u),
            u.example,
        )

    header = [t for t in doc.header if t.subject == node]
    title = next(
        (
            t.object.value
            for t in header
            if t.predicate.value == DCTERMS + "title" and isinstance(t.object, ox.Literal)
        ),
        render.name(node),
    )
    return render_page(
        "ontology.html",
        site,
        title=title,
        iri=doc.iri,
        namespace=doc.namespace,
        description=[
            t.object.value
            for t in header
            if t.predicate.value in (DCTERMS + "description", SKOS + "definition", RDFS + "comment")
            and isinstance(t.object, ox.Literal)
        ],
        header=group(
            render,
            [
                t
                for t in header
                if t.predicate.value not in (DCTERMS + "description", DCTERMS + "title")
            ],
            node,
            incoming=False,
        ),
        sections=[(title_, [view(t) for t in terms]) for title_, terms in doc.sections],
        graphs=[render.link(ox.NamedNode(g)) for g in doc.graphs],
        alternates=alternates(doc_path),
    )


@dataclass
class Table:
    kind: str  # "select", "ask", "graph"
    headers: list[str]
    rows: list[list[Markup]]
    answer: bool | None = None


def result_table(render: Render, result: Result) -> Table:
    if isinstance(result, Boolean):
        return Table("ask", [], [], bool(result))
    if isinstance(result, Solutions):
        # A resource column shows its label already: its xLabel column would repeat it.
        keep = [
            i
            for i, v in enumerate(result.variables)
            if not (v.endswith("Label") and v.removesuffix("Label") in result.variables)
        ]
        return Table(
            "select",
            [result.variables[i] for i in keep],
            [[render.cell(row[i]) for i in keep] for row in result.rows],
        )
    return Table(
        "graph",
        ["subject", "predicate", "object"],
        [[render.cell(t.subject), render.cell(t.predicate), render.cell(t.object)] for t in result],
    )


def render_page(template: str, site: Mapping[str, Any], **context: Any) -> str:
    """A page of the site: ``site`` holds what every page needs (its root, whether static…)."""
    return environment().get_template(template).render(**{**site, **context})
