"""The SHACL compiler (kg.pipeline.shacl): what it compiles, what it leaves to pyshacl and why,
one query per constraint whatever the number of focus nodes, and pyshacl's semantics where
Oxigraph's differ (ill-typed literals, datatypes and lexical forms the store does not keep)."""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
import pytest

from kg.core.results import Result
from kg.pipeline import shacl
from kg.pipeline.shacl import reference as pyshacl_validate
from kg.pipeline.validate import ValidationReport
from kg.store import OxigraphStore

PREFIXES = """
@prefix ex: <https://example.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""


def ttl(text: str) -> list[ox.Triple]:
    return [q.triple for q in ox.parse((PREFIXES + text).encode(), format=ox.RdfFormat.TURTLE)]


def as_dicts(report: ValidationReport) -> Counter[tuple[tuple[str, str], ...]]:
    return Counter(tuple(sorted(r.as_dict().items())) for r in report.results)


def both(data: str, shapes: str) -> ValidationReport:
    """Validate with the compiler and with pyshacl; the results must be identical."""
    d, s = ttl(data), ttl(shapes)
    mine, fallback = shacl.validate(d, s)
    assert fallback == []
    reference = pyshacl_validate(d, s)
    assert as_dicts(mine) == as_dicts(reference)
    assert mine.conforms == reference.conforms
    return mine


def test_constraints_without_messages_read_as_pyshacl_writes_them() -> None:
    report = both(
        """ex:a a ex:C ; ex:n "x" ; ex:m ex:b , ex:c .
           ex:b a ex:C .""",
        """ex:S a sh:NodeShape ; sh:targetClass ex:C ;
             sh:property [ sh:path ex:n ; sh:minCount 2 ; sh:datatype xsd:integer ] ,
                         [ sh:path ex:m ; sh:maxCount 1 ; sh:class ex:D ;
                           sh:nodeKind sh:BlankNode ] .""",
    )
    assert {r.constraint for r in report.results} == {
        "sh:MinCountConstraintComponent",
        "sh:DatatypeConstraintComponent",
        "sh:MaxCountConstraintComponent",
        "sh:ClassConstraintComponent",
        "sh:NodeKindConstraintComponent",
    }


def test_ill_typed_literals_fail_sh_datatype_as_in_pyshacl() -> None:
    report = both(
        """ex:a ex:n "abc"^^xsd:integer , "7"^^xsd:integer ;
                ex:d "2020-02-30"^^xsd:date , "2020-02-03"^^xsd:date .""",
        """ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:n ;
             sh:property [ sh:path ex:n ; sh:datatype xsd:integer ] ,
                         [ sh:path ex:d ; sh:message "a date" ;
                           sh:or ( [ sh:datatype xsd:date ] [ sh:datatype xsd:gYear ] ) ] .""",
    )
    assert sorted(r.value for r in report.results) == ["2020-02-30", "abc"]


def test_datatypes_oxigraph_does_not_keep_are_checked_on_the_triples_as_written() -> None:
    """Oxigraph stores "5"^^xsd:positiveInteger as "5"^^xsd:integer."""
    report = both(
        """ex:a ex:row "5"^^xsd:positiveInteger .
           ex:b ex:row "5"^^xsd:integer .
           ex:c ex:row "0"^^xsd:positiveInteger .""",
        """ex:S a sh:PropertyShape ; sh:targetSubjectsOf ex:row ; sh:path ex:row ;
             sh:datatype xsd:positiveInteger ; sh:message "a row number" .""",
    )
    assert sorted(r.focus_node for r in report.results) == [
        "<https://example.org/b>",
        "<https://example.org/c>",
    ]
    compiled = shacl.compile_shapes(
        ttl(
            """ex:S a sh:PropertyShape ; sh:targetSubjectsOf ex:row ; sh:path ex:row ;
             sh:datatype xsd:positiveInteger ."""
        )
    )
    assert shacl.lossy_shapes(compiled) == ["<https://example.org/S>"]
    store = OxigraphStore()
    store.add(ttl('ex:a ex:row "5"^^xsd:positiveInteger .'), "urn:g")
    with pytest.raises(shacl.Unsupported, match="Oxigraph does not keep it"):
        shacl.run(compiled, store)  # without the triples as written, it cannot tell


def test_values_are_reported_as_written_not_as_the_store_keeps_them() -> None:
    report = both(
        """ex:a ex:lat "91.50"^^xsd:decimal .""",
        """ex:S a sh:PropertyShape ; sh:targetSubjectsOf ex:lat ; sh:path ex:lat ;
             sh:maxInclusive 90 .""",
    )
    assert [r.value for r in report.results] == ["91.50"]


def test_paths_targets_and_pairs() -> None:
    both(
        """ex:a a ex:Sub ; ex:p ex:b ; ex:start 5 ; ex:end 3 ; ex:code "x1" , "Y2" .
           ex:Sub rdfs:subClassOf ex:C .
           ex:b ex:q ex:c .
           ex:z ex:p ex:a .""",
        """ex:S1 a sh:PropertyShape ; sh:targetClass ex:C ; sh:path ( ex:p ex:q ) ;
             sh:class ex:D .
           ex:S2 a sh:PropertyShape ; sh:targetClass ex:C ; sh:path [ sh:inversePath ex:p ] ;
             sh:minCount 2 .
           ex:S3 a sh:PropertyShape ; sh:targetNode ex:a ; sh:path ex:start ;
             sh:lessThan ex:end .
           ex:S4 a sh:PropertyShape ; sh:targetObjectsOf ex:p ; sh:path ex:code ;
             sh:pattern "^[a-z]" ; sh:flags "i" ; sh:minCount 1 .
           ex:S5 a sh:PropertyShape ; sh:targetNode ex:a ; sh:path ex:code ;
             sh:pattern "^[a-z]" ; sh:in ( "x1" ) ; sh:message "lower case" .
           ex:S6 a sh:PropertyShape ; sh:targetClass ex:C ; sh:path ex:p ; sh:hasValue ex:c .""",
    )


def test_deactivated_shapes_and_severities() -> None:
    report = both(
        """ex:a a ex:C .""",
        """ex:S1 a sh:NodeShape ; sh:targetClass ex:C ; sh:class ex:D ; sh:deactivated true .
           ex:S2 a sh:NodeShape ; sh:targetClass ex:C ; sh:class ex:E ; sh:severity sh:Warning .
           ex:S3 a sh:NodeShape ; sh:targetClass ex:C ; sh:class ex:F ; sh:severity sh:Info .""",
    )
    assert report.conforms  # warnings and infos do not break conformance
    assert sorted(r.severity for r in report.results) == ["Info", "Warning"]


def test_what_the_compiler_does_not_handle_falls_back_to_pyshacl_shape_by_shape() -> None:
    data = ttl("""ex:a a ex:C ; ex:n 1 , 2 .""")
    shapes = ttl(
        """ex:Closed a sh:NodeShape ; sh:targetClass ex:C ; sh:closed true ;
             sh:ignoredProperties ( <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ) .
           ex:Sparql a sh:NodeShape ; sh:targetClass ex:C ;
             sh:sparql [ sh:select "SELECT $this WHERE { $this ?p ?o } LIMIT 1" ] .
           ex:Count a sh:PropertyShape ; sh:targetClass ex:C ; sh:path ex:n ; sh:maxCount 1 ."""
    )
    compiled = shacl.compile_shapes(shapes)
    assert [s.name for s in compiled.shapes] == ["<https://example.org/Count>"]
    lines = compiled.describe_fallback()
    assert lines == [
        "<https://example.org/Closed>: sh:closed is not compiled",
        "<https://example.org/Sparql>: sh:sparql is not compiled",
    ]
    report, fallback = shacl.validate(data, shapes, compiled)
    assert fallback == lines
    assert as_dicts(report) == as_dicts(pyshacl_validate(data, shapes))
    assert {r.shape for r in report.results} == {
        "<https://example.org/Closed>",
        "<https://example.org/Sparql>",
        "<https://example.org/Count>",
    }


class CountingStore(OxigraphStore):
    def __init__(self) -> None:
        super().__init__()
        self.queries = 0

    def run(self, sparql: str, **kwargs: object) -> Result:  # type: ignore[override]
        self.queries += 1
        return super().run(sparql, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("shapes", ["plain", "nested"])
def test_one_query_per_constraint_whatever_the_number_of_focus_nodes(shapes: str) -> None:
    shape_text = (
        """ex:S a sh:NodeShape ; sh:targetClass ex:C ;
             sh:property [ sh:path ex:p ; sh:minCount 1 ; sh:maxCount 1 ; sh:class ex:D ;
                           sh:datatype xsd:string ] ."""
        if shapes == "plain"
        else """ex:S a sh:NodeShape ; sh:targetClass ex:C ;
             sh:property [ sh:path ex:p ; sh:message "m" ;
                           sh:or ( [ sh:class ex:D ] [ sh:datatype xsd:date ] )
                           ; sh:property [ sh:path ex:q ; sh:minCount 1 ] ] ."""
    )
    compiled = shacl.compile_shapes(ttl(shape_text))
    counts = []
    for size in (10, 500):
        store = CountingStore()
        data = "\n".join(f"ex:n{i} a ex:C ; ex:p ex:v{i} ." for i in range(size))
        store.add(ttl(data), "urn:g")
        results = shacl.run(compiled, store, ttl(data))
        assert len(results) >= size
        counts.append(store.queries)
    assert counts[0] == counts[1] and counts[0] <= 8


def test_the_w3c_report_graph_says_what_the_results_say() -> None:
    """The report's graph (``iodm validate --format ttl``) holds every result, the compiled
    shapes' and pyshacl's for the shapes left to it: read back as validate._report reads
    pyshacl's graph, it gives the same results."""
    from kg.pipeline.validate import _report

    data = ttl("""ex:a a ex:C ; ex:n 1 , 2 ; ex:lat "91.50"^^xsd:decimal . ex:z ex:p ex:a .""")
    shapes = ttl(
        """ex:Closed a sh:NodeShape ; sh:targetClass ex:C ; sh:closed true .
           ex:S a sh:NodeShape ; sh:targetClass ex:C ;
             sh:property [ sh:path ex:n ; sh:maxCount 1 ] ,
                         [ sh:path [ sh:inversePath ex:p ] ; sh:minCount 2 ] ,
                         [ sh:path ex:lat ; sh:maxInclusive 90 ; sh:severity sh:Warning ] ."""
    )
    report, fallback = shacl.validate(data, shapes)
    assert fallback == ["<https://example.org/Closed>: sh:closed is not compiled"]
    assert report.graph is not None
    again = _report(report.conforms, report.graph)
    assert as_dicts(again) == as_dicts(report) == as_dicts(pyshacl_validate(data, shapes))
    assert "sh:inversePath" in report.serialize("ttl")
