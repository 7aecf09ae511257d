"""Validation on tiny hand-written graphs: the SPARQL checks as violations in the one report,
their scope, and the build's gate (SHACL first, then the checks; nothing written on failure)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.core.errors import ParseError
from kg.core.namespaces import iodm, org, rdf, sh
from kg.pipeline.build import check_sources
from kg.pipeline.load import Source
from kg.pipeline.validate import ValidationFailed, ValidationReport, run_checks
from kg.queries import get, parse_query_file
from kg.store import OxigraphStore

EX = "https://example.org/validate-test/"
G = EX + "graph"


def _store(triples: list[ox.Triple]) -> OxigraphStore:
    """A store in memory holding ``triples`` in the graph G, for the checks."""
    store = OxigraphStore()
    store.add(triples, G)
    return store


def n(local: str) -> ox.NamedNode:
    return ox.NamedNode(EX + local)


def t(s: str, p: str, o: ox.NamedNode | ox.Literal) -> ox.Triple:
    return ox.Triple(n(s), ox.NamedNode(p), o)


def date(value: str, kind: str = "date") -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#" + kind))


CYCLE = [
    t("a", org.reportsTo, n("b")),
    t("b", org.reportsTo, n("a")),
    t("c", org.reportsTo, n("a")),
]


def test_a_check_row_is_a_violation_at_its_focus_node_with_the_explained_message() -> None:
    found = run_checks(_store(CYCLE), [get("reporting-cycle-violation")])
    assert sorted(r.focus_node for r in found) == [f"<{EX}a>", f"<{EX}b>"]  # c is not on it
    first = found[0]
    assert first.severity == "Violation"
    assert first.shape == "check:reporting-cycle-violation"
    assert first.constraint == "sh:SPARQLConstraintComponent"
    assert first.message.startswith("Reporting lines form a cycle: following org:reportsTo from")
    assert first.focus_term in (n("a"), n("b"))


@pytest.mark.parametrize(
    ("start", "end", "breaks"),
    [
        (date("2010-06-01"), date("2009-12-31"), True),
        (date("2010-06-01"), date("2010-06-01"), False),
        (date("2010", "gYear"), date("2009-12-31"), True),  # years compared across precisions
        (date("2010-06-01"), date("2010", "gYear"), False),  # same year: not known to be earlier
        (date("2010-06", "gYearMonth"), date("2010-05", "gYearMonth"), True),
    ],
)
def test_holding_dates_are_compared_at_the_precision_both_have(
    start: ox.Literal, end: ox.Literal, breaks: bool
) -> None:
    data = [t("h", iodm.startDate, start), t("h", iodm.endDate, end)]
    found = run_checks(_store(data), [get("holding-ends-before-start-violation")])
    assert bool(found) is breaks, found


def test_a_response_dated_before_its_violation_is_found() -> None:
    data = [
        t("r", iodm.respondsTo, n("v")),
        t("r", iodm.occurredOn, date("2020-02-15")),
        t("v", iodm.occurredOn, date("2020-03-01")),
    ]
    (found,) = run_checks(_store(data), [get("response-before-violation-violation")])
    assert found.focus_node == f"<{EX}r>" and "2020-02-15" in found.message


def test_checks_broken_in_a_report_break_conformance_and_reach_the_w3c_graph() -> None:
    import rdflib

    graph = rdflib.Graph()
    node = rdflib.BNode()
    graph.add((node, rdflib.RDF.type, rdflib.URIRef(sh.ValidationReport)))
    graph.add((node, rdflib.URIRef(sh.conforms), rdflib.Literal(True)))
    report = ValidationReport(True, [], graph)
    report.add(run_checks(_store(CYCLE), [get("reporting-cycle-violation")]))
    assert not report.conforms and report.count("Violation") == 2
    assert graph.value(node, rdflib.URIRef(sh.conforms)).toPython() is False
    focus = set(graph.objects(None, rdflib.URIRef(sh.focusNode)))
    assert focus == {rdflib.URIRef(EX + "a"), rdflib.URIRef(EX + "b")}
    with pytest.raises(ValidationFailed, match="2 constraints"):
        report.raise_for_results()


def _source(triples: list[ox.Triple], role: str, graph: str = G) -> Source:
    return Source(None, graph, role, triples)


def test_curated_scope_checks_run_only_when_the_build_has_the_curated_graph() -> None:
    # an IODM id that nothing describes: a dangling reference, but only the curated graph's
    dangling = [
        ox.Triple(n("x"), ox.NamedNode(rdf.type), ox.NamedNode(iodm.Post)),
        ox.Triple(
            n("x"),
            ox.NamedNode(iodm.holder),
            ox.NamedNode("https://w3id.org/iodm/id/official/nobody"),
        ),
    ]
    assert get("dangling-reference-violation").scope == "curated"
    shapes = _source([], "shapes", EX + "shapes")
    own = check_sources([_source(dangling, "extra"), shapes])
    curated = check_sources([_source(dangling, "data"), shapes])
    rule = "check:dangling-reference-violation"
    assert not any(r.shape == rule for r in own.results)
    assert [r.focus_node for r in curated.results if r.shape == rule] == ["official/nobody"]
    assert not curated.conforms


def test_an_unknown_scope_is_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "c.rq"
    path.write_text(
        "#+ id: c\n#+ title: T\n#+ question: Q?\n#+ returns: r\n#+ scope: curatd\n"
        "SELECT ?x WHERE { ?x ?p ?o }\n",
        encoding="utf-8",
    )
    with pytest.raises(ParseError, match="unknown scope 'curatd'") as e:
        parse_query_file(path, "checks")
    assert e.value.location.file == str(path)
