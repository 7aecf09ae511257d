"""SHACL validation with pyshacl, and the one report type IODM returns.

Shapes see exactly the asserted triples (``inference="none"``): RDFS inference during
validation can turn a wrong value into a valid one (see STACK-NOTES). Class targets still
follow ``rdfs:subClassOf`` in the data graph, which holds the ontology too, as SHACL defines.
Warnings and infos are reported but do not break conformance.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kg.core.errors import InvalidDataError
from kg.core.namespaces import SH, shorten
from kg.core.results import render_table
from kg.core.terms import rdflib_graph

if TYPE_CHECKING:
    import rdflib

SEVERITIES = ("Violation", "Warning", "Info")


class ValidationFailed(InvalidDataError):
    """SHACL validation found violations; carries the whole report."""

    def __init__(self, report: ValidationReport) -> None:
        n = report.count("Violation")
        super().__init__(
            f"the data breaks {n} SHACL constraint{'s' if n != 1 else ''}",
            "run `iodm validate` with the same files to see every result",
        )
        self.report = report


@dataclass(frozen=True)
class ValidationResult:
    """One sh:ValidationResult, with terms written as prefixed names or literals."""

    severity: str
    focus_node: str
    path: str
    value: str
    message: str
    shape: str
    constraint: str

    def as_dict(self) -> dict[str, str]:
        return {
            "severity": self.severity,
            "focusNode": self.focus_node,
            "resultPath": self.path,
            "value": self.value,
            "message": self.message,
            "sourceShape": self.shape,
            "sourceConstraintComponent": self.constraint,
        }


@dataclass
class ValidationReport:
    """Does the data conform, and every result that says why not."""

    conforms: bool
    results: list[ValidationResult] = field(default_factory=list)
    graph: rdflib.Graph | None = None  # the W3C validation report

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    def raise_for_results(self) -> None:
        if not self.conforms:
            raise ValidationFailed(self)

    def serialize(self, fmt: str = "table") -> str:
        if fmt == "table":
            return self._table()
        if fmt == "json":
            return (
                json.dumps(
                    {"conforms": self.conforms, "results": [r.as_dict() for r in self.results]},
                    indent=2,
                    ensure_ascii=False,
                )
                + "\n"
            )
        if fmt == "ttl":
            assert self.graph is not None
            return self.graph.serialize(format="turtle")
        raise ValueError(f"unknown report format {fmt!r}")

    def _table(self) -> str:
        if not self.results:
            return "conforms: yes (no SHACL results)\n"
        rows = [
            [r.severity, r.focus_node, r.path, r.value, r.message, r.shape] for r in self.results
        ]
        headers = ["severity", "focus node", "path", "value", "message", "shape"]
        table = render_table(headers, rows, wrap=True)
        counts = ", ".join(f"{self.count(s)} {s.lower()}" for s in SEVERITIES if self.count(s))
        verdict = "yes" if self.conforms else "no"
        return f"{table}\nconforms: {verdict} ({counts})\n"


def validate(data: Iterable[ox.Triple], shapes: Iterable[ox.Triple]) -> ValidationReport:
    """Validate a data graph (ontology included) against a shapes graph."""
    import pyshacl

    data_graph = rdflib_graph(data)
    shapes_graph = rdflib_graph(shapes)
    with _compiled_sparql_once():
        conforms, report_graph, _ = pyshacl.validate(
            data_graph,
            shacl_graph=shapes_graph,
            inference="none",
            allow_warnings=True,
            advanced=True,
        )
    return _report(bool(conforms), report_graph)


@contextmanager
def _compiled_sparql_once() -> Iterator[None]:
    """Compile each SPARQL text once while pyshacl validates, instead of once per focus node.

    pyshacl runs a SPARQL constraint for every focus node with the same text and new initial
    bindings, and rdflib parses and translates that text each time (~65 ms): at 10k triples this
    was 98% of a build (benchmarks/README.md). rdflib's own ``prepareQuery`` exists so that a
    compiled query can be reused; this reuses it for identical texts, for the duration of one
    validation only, and puts rdflib back as it was afterwards.
    """
    from rdflib.plugins.sparql import processor

    parse, translate = processor.parseQuery, processor.translateQuery
    compiled: dict[tuple[str, str | None, tuple[tuple[str, str], ...]], Any] = {}

    def parse_later(text: Any) -> Any:
        return _Text(text) if isinstance(text, str) else parse(text)

    def translate_cached(tree: Any, base: str | None = None, initNs: Any = None) -> Any:
        if not isinstance(tree, _Text):
            return translate(tree, base, initNs)
        key = (tree.text, base, tuple(sorted((k, str(v)) for k, v in (initNs or {}).items())))
        if key not in compiled:
            compiled[key] = translate(parse(tree.text), base, initNs)
        return compiled[key]

    processor.parseQuery, processor.translateQuery = parse_later, translate_cached  # type: ignore[assignment]
    try:
        yield
    finally:
        processor.parseQuery, processor.translateQuery = parse, translate  # type: ignore[assignment]


@dataclass(frozen=True)
class _Text:
    """A query text whose compilation is deferred to the cached translate step."""

    text: str


def _report(conforms: bool, g: rdflib.Graph) -> ValidationReport:
    from rdflib import RDF, URIRef

    def one(node: Any, prop: str) -> str:
        value = g.value(node, URIRef(SH + prop))  # type: ignore[arg-type]
        if value is None:
            return ""
        if isinstance(value, URIRef):
            return shorten(str(value))
        if prop == "resultPath" and not isinstance(value, URIRef):
            return _path_text(g, value)
        return str(value)

    results = []
    for node in g.subjects(RDF.type, URIRef(SH + "ValidationResult")):
        severity = one(node, "resultSeverity").removeprefix("sh:")
        results.append(
            ValidationResult(
                severity=severity,
                focus_node=one(node, "focusNode"),
                path=one(node, "resultPath"),
                value=one(node, "value"),
                message=one(node, "resultMessage"),
                shape=one(node, "sourceShape"),
                constraint=one(node, "sourceConstraintComponent"),
            )
        )
    order = {s: i for i, s in enumerate(SEVERITIES)}
    results.sort(key=lambda r: (order.get(r.severity, 9), r.focus_node, r.path, r.message))
    return ValidationReport(conforms, results, g)


def _path_text(g: rdflib.Graph, node: Any) -> str:
    """A readable form of a complex SHACL path (inverse or sequence)."""
    from rdflib import URIRef
    from rdflib.collection import Collection

    inverse = g.value(node, URIRef(SH + "inversePath"))  # type: ignore[arg-type]
    if inverse is not None:
        return f"^{shorten(str(inverse))}"
    try:
        return "/".join(shorten(str(x)) for x in Collection(g, node))  # type: ignore[arg-type]
    except Exception:
        return str(node)
