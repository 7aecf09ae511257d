"""SHACL validation with pyshacl, and the one report type IODM returns.

Shapes see exactly the asserted triples (``inference="none"``): RDFS inference during
validation can turn a wrong value into a valid one (see STACK-NOTES). Class targets still
follow ``rdfs:subClassOf`` in the data graph, which holds the ontology too, as SHACL defines.
Warnings and infos are reported but do not break conformance.

Every result says where its focus node is stated (``location``: ``file:line`` or
``file › sheet › cell``), found by the caller (:meth:`ValidationReport.locate`).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from kg.core.errors import InvalidDataError, Location, ParseError
from kg.core.namespaces import dcterms, sh, shorten
from kg.core.results import display, render_table
from kg.core.terms import from_rdflib

if TYPE_CHECKING:
    import rdflib

    from kg.core.terms import Term
    from kg.queries import NamedQuery
    from kg.store import OxigraphStore

SEVERITIES = ("Violation", "Warning", "Info")
#: the columns of the CSV error table (``--errors FILE``)
CSV_COLUMNS = ("where", "severity", "rule", "focus", "path", "value", "message")
#: how many results a failed build prints itself
SHOWN = 20


class ValidationFailed(InvalidDataError):
    """Validation found violations; carries the whole report and shows its first results."""

    def __init__(self, report: ValidationReport) -> None:
        n = report.count("Violation")
        head = (
            f"the data breaks {n} constraint{'s' if n != 1 else ''} (SHACL shapes, SPARQL checks)"
        )
        super().__init__(
            f"{head}:\n{report.brief(SHOWN)}".rstrip("\n"),
            "run `iodm validate` with the same files to see every result as a table, "
            "or add `--errors FILE` to write them all as CSV",
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
    #: where the focus node is stated (``file:line``, ``file › sheet › cell``), "" if unknown
    location: str = ""
    #: the focus node as a term, to locate it and for the W3C report
    focus_term: Term | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of_rule(
        cls,
        rule: str,
        message: str,
        where: object = "",
        *,
        severity: str = "Violation",
        focus: str = "",
        value: str = "",
    ) -> ValidationResult:
        """A located result of a rule that is not a shape (``sheet:…``, ``dataset:…``)."""
        return cls(
            severity=severity,
            focus_node=focus,
            path="",
            value=value,
            message=message,
            shape=rule,
            constraint="",
            location=str(where or ""),
        )

    def as_dict(self) -> dict[str, str]:
        return {
            "location": self.location,
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
    #: how the report was made, where a reader should know (a shape left to pyshacl)
    notes: list[str] = field(default_factory=list)

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

    @classmethod
    def of_parse_error(cls, error: ParseError) -> ValidationReport:
        """A report of one file that does not parse (for the CSV error table)."""
        result = ValidationResult(
            severity="Violation",
            focus_node="",
            path="",
            value="",
            message=error.detail + (f"; {error.hint}" if error.hint else ""),
            shape="parse:syntax",
            constraint="",
            location=str(error.location),
        )
        return cls(False, [result])

    def locate(
        self,
        find: Callable[[Term], Location | None],
        written: Callable[[str], str] | None = None,
    ) -> None:
        """Fill in where each result's focus node is stated (results already located stay),
        then order the results by severity, file and line. ``written`` rewrites the IRIs in a
        result's text as the user's files write them (their own prefixes)."""
        located = []
        for r in self.results:
            if not r.location and r.focus_term is not None:
                where = find(r.focus_term)
                if where is not None:
                    r = replace(r, location=str(where))
            if written is not None:
                r = replace(
                    r,
                    focus_node=written(r.focus_node),
                    path=written(r.path),
                    value=written(r.value),
                    message=written(r.message),
                )
            located.append(r)
        order = {s: i for i, s in enumerate(SEVERITIES)}
        self.results = sorted(
            located,
            key=lambda r: (order.get(r.severity, 9), *_where_key(r.location), r.focus_node, r.path),
        )

    def brief(self, limit: int = SHOWN) -> str:
        """The first ``limit`` results, two lines each, as a compiler prints errors: where and
        what to do, then the severity, rule, focus, path and value; then how many more."""
        lines = []
        for r in self.results[:limit]:
            where = r.location or r.focus_node or "(unknown)"
            lines.append(f"  {where}: {r.message}")
            detail = [r.severity.lower(), f"rule {r.shape}" if r.shape else ""]
            detail += [f"focus {r.focus_node}" if r.focus_node else ""]
            detail += [f"path {r.path}" if r.path else "", f"value {r.value}" if r.value else ""]
            lines.append("      (" + "; ".join(d for d in detail if d) + ")")
        more = len(self.results) - limit
        if more > 0:
            lines.append(f"  … and {more} more result{'s' if more != 1 else ''}")
        return "\n".join(lines) + ("\n" if lines else "")

    def to_csv(self) -> str:
        """Every result as a CSV table: where, severity, rule, focus, path, value, message."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for r in self.results:
            writer.writerow(
                [r.location, r.severity, r.shape, r.focus_node, r.path, r.value, r.message]
            )
        return out.getvalue()

    def serialize(self, fmt: str = "table") -> str:
        if fmt == "table":
            return self._table()
        if fmt == "csv":
            return self.to_csv()
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
            if self.graph is None:
                self.graph = _empty_report(self.conforms)
                self._add_to_graph(self.graph, self.results)
            return self.graph.serialize(format="turtle")
        raise ValueError(f"unknown report format {fmt!r}")

    def _table(self) -> str:
        notes = "".join(f"note: {n}\n" for n in self.notes)
        if not self.results:
            return f"{notes}conforms: yes (no SHACL results)\n"
        rows = [
            [r.location, r.severity, r.focus_node, r.path, r.value, r.message, r.shape]
            for r in self.results
        ]
        headers = ["where", "severity", "focus node", "path", "value", "message", "shape"]
        table = render_table(headers, rows, wrap=True)
        counts = ", ".join(f"{self.count(s)} {s.lower()}" for s in SEVERITIES if self.count(s))
        verdict = "yes" if self.conforms else "no"
        return f"{table}\n{notes}conforms: {verdict} ({counts})\n"


def run_checks(store: OxigraphStore, checks: Iterable[NamedQuery]) -> list[ValidationResult]:
    """Run the SPARQL checks (``queries/checks``) over the named graphs of ``store``, as
    violations.

    SHACL holds the constraints that look at one focus node; what needs a query over the whole
    graph (a reporting cycle, two dates in order, a term of any ontology left undefined) is a
    check: one SELECT over all the data at once on Oxigraph, where a ``sh:sparql`` constraint
    would run once per focus node in pyshacl. Each row is one violation; its first column is the
    focus node, the check's ``explain`` template (else its title) the message.
    """
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
                focus_term=_term(g.value(node, URIRef(sh.focusNode))),  # type: ignore[arg-type]
            )
        )
    return ValidationReport(conforms, _sorted(results), g)


def _term(node: Any) -> Term | None:
    try:
        return from_rdflib(node)
    except TypeError:
        return None


def _empty_report(conforms: bool) -> rdflib.Graph:
    """A W3C validation report without results (for a report no SHACL run made)."""
    from rdflib import RDF, BNode, Graph, Literal, URIRef

    g = Graph()
    g.bind("sh", sh)
    node = BNode()
    g.add((node, RDF.type, URIRef(sh.ValidationReport)))
    g.add((node, URIRef(sh.conforms), Literal(conforms)))
    return g


_QUIETED = False


def quiet_ill_typed_literals() -> None:
    """Keep rdflib from printing a warning and a traceback on stderr for each ill-typed literal
    it converts (such literals are reported, located, by :mod:`kg.pipeline.terms`)."""
    global _QUIETED
    if _QUIETED:
        return
    import logging
    import warnings

    class _IllTyped(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return not str(record.msg).startswith("Failed to convert Literal lexical form")

    logging.getLogger("rdflib.term").addFilter(_IllTyped())
    warnings.filterwarnings("ignore", message="Parsing weird boolean", module="rdflib")
    _QUIETED = True


def _where_key(location: str) -> tuple[int, str, int, str]:
    """Order locations: known before unknown, then by file (and sheet), line or row, column.

    >>> sorted(["b.ttl:9", "b.ttl:10", "", "a.ttl:3:4", "x.xlsx › s › B10 (h)", "x.xlsx › s › C9"],
    ...        key=_where_key)
    ['a.ttl:3:4', 'b.ttl:9', 'b.ttl:10', 'x.xlsx › s › C9', 'x.xlsx › s › B10 (h)', '']
    """
    if not location:
        return (1, "", 0, "")
    cell = _CELL.search(location)
    if cell:
        return (0, location[: cell.start()], int(cell.group(2)), cell.group(1))
    head, sep, tail = location.rpartition(":")
    if sep and tail.isdigit():
        head2, sep2, tail2 = head.rpartition(":")
        if sep2 and tail2.isdigit():  # file:line:column
            return (0, head2, int(tail2), tail.zfill(9))
        return (0, head, int(tail), "")
    return (0, location, 0, "")


_CELL = re.compile(r" › ([A-Z]+)(\d+)(?: \(|$)")


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
