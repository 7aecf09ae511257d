"""Draw the ontology as a Mermaid class diagram and keep ``ontology/README.md`` in step with it.

The diagram shows the classes of the IODM namespaces (core and peacekeeping module), the external
classes they specialize or point to, ``rdfs:subClassOf`` as inheritance arrows, and every IODM
object property as an edge from its domain to its range (one edge per member when a domain or
range is an ``owl:unionOf``). ``python -m tools.diagram`` rewrites the block between
``<!-- diagram:start -->`` and ``<!-- diagram:end -->`` in ``ontology/README.md``;
``python -m tools.diagram --check`` only says whether it is up to date.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
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
    from rdflib import RDF as RDF_NS
    from rdflib import URIRef

    owl_class = URIRef(OWL + "Class")
    subclass = URIRef(RDFS + "subClassOf")

    def is_main(iri: str) -> bool:
        return iri.startswith(MAIN)

    classes = {str(c) for c in g.subjects(RDF_NS.type, owl_class) if is_main(str(c))}
    shown = set(classes)
    inherits: set[tuple[str, str]] = set()
    for cls in classes:
        for sup in g.objects(URIRef(cls), subclass):
            if isinstance(sup, URIRef):
                inherits.add((str(sup), cls))
                shown.add(str(sup))
    edges: set[tuple[str, str, str]] = set()
    for prop in g.subjects(RDF_NS.type, URIRef(OWL + "ObjectProperty")):
        if not isinstance(prop, URIRef) or not is_main(str(prop)):
            continue
        domains = [m for d in g.objects(prop, URIRef(RDFS + "domain")) for m in _members(g, d)]
        ranges = [m for r in g.objects(prop, URIRef(RDFS + "range")) for m in _members(g, r)]
        name = str(prop).rsplit("#", 1)[-1]
        for d in domains:
            for r in ranges:
                edges.add((d, r, name))
                shown.update((d, r))
    lines = ["classDiagram", "  direction LR"]
    for iri in sorted(shown, key=_node):
        title = iri.rsplit("#", 1)[-1] if iri.startswith(IODM) else shorten(iri).strip("<>")
        lines.append(f'  class {_node(iri)}["{title}"]')
    for parent, child in sorted(inherits, key=lambda e: (_node(e[0]), _node(e[1]))):
        lines.append(f"  {_node(parent)} <|-- {_node(child)}")
    for source, target, name in sorted(edges, key=lambda e: (_node(e[0]), e[2], _node(e[1]))):
        lines.append(f"  {_node(source)} --> {_node(target)} : {name}")
    return "\n".join(lines)


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
    updated = rewrite(text, mermaid())
    if check:
        if updated != text:
            print(f"{readme}: the diagram is out of date; run `python -m tools.diagram`")
            return 1
        print(f"{readme}: the diagram is up to date")
        return 0
    if updated != text:
        readme.write_text(updated, encoding="utf-8")
        print(f"rewrote the diagram in {readme}")
    else:
        print(f"{readme}: the diagram is already up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
