"""SHACL validation with pyshacl, and the one report type IODM returns.

Shapes see exactly the asserted triples (``inference="none"``): RDFS inference during
validation can turn a wrong value into a valid one (see STACK-NOTES). Class targets still
follow ``rdfs:subClassOf`` in the data graph, which holds the ontology too, as SHACL defines.
Warnings and infos are reported but do not break conformance.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kg.core.errors import InvalidDataError
from kg.core.namespaces import dcterms, sh, shorten
from kg.core.results import display, render_table
from kg.core.terms import rdflib_graph

if TYPE_CHECKING:
    import rdflib

    from kg.core.terms import Term
    from kg.queries import NamedQuery

SEVERITIES = ("Violation", "Warning", "Info")


class ValidationFailed(InvalidDataError):
    """SHACL validation found violations; carries the whole report."""

    def __init__(self, report: ValidationReport) -> None:
        n = report.count("Violation")
        super().__init__(
            f"the data breaks {n} constraint{'s' if n != 1 else ''} (SHACL shapes, SPARQL checks)",
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
    #: the focus node as a term, for the W3C report (results of the checks only)
    focus_term: Term | None = field(default=None, compare=False, repr=False)

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

    def add(self, results: Iterable[ValidationResult]) -> None:
        """Add results (of the SPARQL checks); a violation among them breaks conformance."""
        results = list(results)
        self.results = _sorted([*self.results, *results])
        if any(r.severity == "Violation" for r in results):
            self.conforms = False
        if self.graph is not None and results:
            self._add_to_graph(self.graph, results)

    def _add_to_graph(self, g: rdflib.Graph, results: list[ValidationResult]) -> None:
        """Results of the checks in the W3C report: a SPARQL-based constraint's result whose
        source is the check (``dcterms:identifier "check:ID"``), as no shape IRI names it."""
        from rdflib import RDF, BNode, Literal, URIRef

        from kg.core.terms import to_rdflib

        conforms = URIRef(sh.conforms)
        for report in list(g.subjects(conforms, None)):
            g.set((report, conforms, Literal(self.conforms)))
            for r in results:
                node = BNode()
                g.add((report, URIRef(sh.result), node))
                g.add((node, RDF.type, URIRef(sh.ValidationResult)))
                g.add((node, URIRef(sh.resultSeverity), URIRef(sh[r.severity])))
                if r.focus_term is not None:
                    g.add((node, URIRef(sh.focusNode), to_rdflib(r.focus_term)))
                g.add((node, URIRef(sh.resultMessage), Literal(r.message)))
                component = URIRef(sh.SPARQLConstraintComponent)
                g.add((node, URIRef(sh.sourceConstraintComponent), component))
                g.add((node, URIRef(dcterms.identifier), Literal(r.shape)))

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
    conforms, report_graph, _ = pyshacl.validate(
        data_graph,
        shacl_graph=shapes_graph,
        inference="none",
        allow_warnings=True,
        advanced=True,
    )
    return _report(bool(conforms), report_graph)


def run_checks(
    graphs: Mapping[str, Sequence[ox.Triple]], checks: Iterable[NamedQuery]
) -> list[ValidationResult]:
    """Run the SPARQL checks (``queries/checks``) over the named graphs, as violations.

    SHACL holds the constraints that look at one focus node; what needs a query over the whole
    graph (a reporting cycle, two dates in order, a term of any ontology left undefined) is a
    check: one SELECT over all the data at once on Oxigraph, where a ``sh:sparql`` constraint
    would run once per focus node in pyshacl. Each row is one violation; its first column is the
    focus node, the check's ``explain`` template (else its title) the message.
    """
    from kg.store import OxigraphStore

    store = OxigraphStore()
    for graph, triples in graphs.items():
        store.add(triples, graph)
    found = []
    for check in checks:
        solutions = check.select(store)
        for row in solutions.rows:
            words = {n: display(t) for n, t in zip(solutions.variables, row, strict=True)}
            focus = words[solutions.variables[0]]
            first = row[0]
            found.append(
                ValidationResult(
                    severity="Violation",
                    focus_node=focus,
                    path="",
                    value=", ".join(v for n, v in list(words.items())[1:] if v),
                    message=check.explain.format(**words) if check.explain else check.title,
                    shape=f"check:{check.id}",
                    constraint="sh:SPARQLConstraintComponent",
                    focus_term=first,
                )
            )
    return found


def _report(conforms: bool, g: rdflib.Graph) -> ValidationReport:
    from rdflib import RDF, URIRef

    def one(node: Any, prop: str) -> str:
        value = g.value(node, URIRef(sh[prop]))  # type: ignore[arg-type]
        if value is None:
            return ""
        if isinstance(value, URIRef):
            return shorten(str(value))
        if prop == "resultPath" and not isinstance(value, URIRef):
            return _path_text(g, value)
        return str(value)

    results = []
    for node in g.subjects(RDF.type, URIRef(sh.ValidationResult)):
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
    return ValidationReport(conforms, _sorted(results), g)


def _sorted(results: Iterable[ValidationResult]) -> list[ValidationResult]:
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(
        results, key=lambda r: (order.get(r.severity, 9), r.focus_node, r.path, r.message)
    )


def _path_text(g: rdflib.Graph, node: Any) -> str:
    """A readable form of a complex SHACL path (inverse or sequence)."""
    from rdflib import URIRef
    from rdflib.collection import Collection

    inverse = g.value(node, URIRef(sh.inversePath))  # type: ignore[arg-type]
    if inverse is not None:
        return f"^{shorten(str(inverse))}"
    try:
        return "/".join(shorten(str(x)) for x in Collection(g, node))  # type: ignore[arg-type]
    except Exception:
        return str(node)
