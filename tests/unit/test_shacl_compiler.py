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


def test_one_query_finds_no_value_two_values_and_bad_values_of_a_property() -> None:
    """minCount 1, maxCount 1, sh:class, sh:datatype and sh:or of one property shape share a
    query (one pass over the values): each of its results as pyshacl gives them."""
    report = both(
        """ex:Sub rdfs:subClassOf ex:D .
           ex:none a ex:C .
           ex:two a ex:C ; ex:p ex:d1 , ex:d2 .
           ex:bad a ex:C ; ex:p ex:x .
           ex:lit a ex:C ; ex:p "v" .
           ex:good a ex:C ; ex:p ex:d1 .
           ex:both a ex:C , ex:Sub2 ; ex:p ex:x , ex:d1 .
           ex:Sub2 rdfs:subClassOf ex:C .
           ex:d1 a ex:D . ex:d2 a ex:Sub .""",
        """ex:S a sh:NodeShape ; sh:targetClass ex:C ;
             sh:property [ sh:path ex:p ; sh:minCount 1 ; sh:maxCount 1 ; sh:class ex:D ;
                           sh:nodeKind sh:IRI ] .
           ex:T a sh:PropertyShape ; sh:targetClass ex:C ; sh:path ex:p ; sh:maxCount 0 ;
             sh:message "none" .
           ex:U a sh:PropertyShape ; sh:targetClass ex:C ; sh:path ex:p ; sh:message "or" ;
             sh:or ( [ sh:class ex:Sub ] [ sh:datatype xsd:string ] ) .""",
    )

    def ex(name: str) -> str:
        return f"<https://example.org/{name}>"

    own = [r for r in report.results if r.shape != ex("T")]
    found = Counter((r.focus_node, r.constraint.removeprefix("sh:")) for r in own)
    assert found == {
        (ex("none"), "MinCountConstraintComponent"): 1,
        (ex("two"), "MaxCountConstraintComponent"): 1,
        (ex("both"), "MaxCountConstraintComponent"): 1,  # two classes of the target, once
        (ex("bad"), "ClassConstraintComponent"): 1,
        (ex("both"), "ClassConstraintComponent"): 1,
        (ex("lit"), "NodeKindConstraintComponent"): 1,
        (ex("lit"), "ClassConstraintComponent"): 1,
        (ex("two"), "OrConstraintComponent"): 1,  # ex:d1 is a D, not a Sub
        (ex("good"), "OrConstraintComponent"): 1,
        (ex("bad"), "OrConstraintComponent"): 1,
        (ex("both"), "OrConstraintComponent"): 2,
    }
    assert sum(r.shape == ex("T") for r in report.results) == 5  # once per node with a value


def test_results_repeat_once_per_chain_of_parent_focus_nodes() -> None:
    """A nested property shape's results come once per parent that reaches the value, as in
    pyshacl, for the merged query's count and value results alike."""
    both(
        """ex:a1 a ex:C ; ex:p ex:v . ex:a2 a ex:C ; ex:p ex:v .
           ex:v ex:q ex:w1 , ex:w2 . ex:a3 a ex:C ; ex:p ex:u .""",
        """ex:S a sh:NodeShape ; sh:targetClass ex:C ;
             sh:property [ sh:path ex:p ;
                           sh:property [ sh:path ex:q ; sh:minCount 1 ; sh:maxCount 1 ;
                                         sh:class ex:D ] ] .""",
    )


def test_focus_nodes_that_are_the_subjects_of_the_path() -> None:
    """sh:targetSubjectsOf P with sh:path P: the values are read without a focus join; the
    other constraints still see every focus node once."""
    both(
        """ex:a ex:p ex:x , ex:y ; ex:row "5"^^xsd:positiveInteger , "6"^^xsd:integer .
           ex:b ex:p ex:x ; ex:row "-1"^^xsd:integer .
           ex:c ex:p "1.50"^^xsd:decimal .""",
        """ex:S a sh:PropertyShape ; sh:targetSubjectsOf ex:p ; sh:path ex:p ;
             sh:minCount 1 ; sh:maxCount 1 ; sh:nodeKind sh:IRI .
           ex:T a sh:PropertyShape ; sh:targetSubjectsOf ex:p ; sh:path ex:p ; sh:minCount 2 .
           ex:U a sh:PropertyShape ; sh:targetSubjectsOf ex:p ; sh:path ex:p ; sh:hasValue ex:y .
           ex:V a sh:PropertyShape ; sh:targetSubjectsOf ex:row ; sh:path ex:row ;
             sh:datatype xsd:positiveInteger ; sh:message "row" .
           ex:W a sh:PropertyShape ; sh:targetSubjectsOf ex:p ; sh:path ex:p ;
             sh:message "q" ; sh:qualifiedValueShape [ sh:nodeKind sh:IRI ] ;
             sh:qualifiedMinCount 2 .
           ex:X a sh:PropertyShape ; sh:targetSubjectsOf ex:p ; sh:path ex:p ;
             sh:maxInclusive 1 .""",
    )


def test_a_node_among_several_targets_is_one_focus_node() -> None:
    """Focus nodes are joined, not made distinct first: a node reached by two targets (two
    classes, a class and its subclass, a class and sh:targetSubjectsOf) gives each result
    once, for every kind of query."""
    both(
        """ex:Sub rdfs:subClassOf ex:C .
           ex:a a ex:C , ex:Sub , ex:E ; ex:p ex:v ; ex:q "x" , "y" ; ex:row "1"^^xsd:integer .
           ex:v a ex:E .""",
        """ex:S a sh:PropertyShape ; sh:targetClass ex:C , ex:Sub , ex:E ;
             sh:targetSubjectsOf ex:p ; sh:path ex:q ; sh:maxCount 1 ; sh:minCount 3 ;
             sh:pattern "^x" .
           ex:T a sh:PropertyShape ; sh:targetClass ex:C , ex:Sub ; sh:targetNode ex:a ;
             sh:path ex:p ; sh:hasValue ex:w ; sh:class ex:F .
           ex:U a sh:PropertyShape ; sh:targetClass ex:C , ex:Sub ; sh:path ex:row ;
             sh:datatype xsd:positiveInteger ; sh:message "row" .
           ex:V a sh:NodeShape ; sh:targetClass ex:C , ex:Sub ; sh:class ex:F .""",
    )


def test_classes_through_subclasses_in_the_data_and_without_instances() -> None:
    """sh:class and sh:targetClass look a class's subclasses up once (rdfs:subClassOf* in the
    store, chains and cycles included); a class with no instance or no subclass, and a blank
    node class, still read as pyshacl reads them."""
    both(
        """ex:A rdfs:subClassOf ex:B . ex:B rdfs:subClassOf ex:C . ex:C rdfs:subClassOf ex:A .
           ex:x a ex:A ; ex:p ex:y , ex:z , "lit" . ex:y a ex:C . ex:z a ex:Other .""",
        """ex:S a sh:PropertyShape ; sh:targetClass ex:B ; sh:path ex:p ; sh:class ex:A ;
             sh:message "class" .
           ex:T a sh:PropertyShape ; sh:targetClass ex:Nothing ; sh:path ex:p ;
             sh:minCount 1 .
           ex:U a sh:PropertyShape ; sh:targetClass ex:A ; sh:path ex:p ;
             sh:class ex:Unused .""",
    )


def test_the_store_of_a_build_with_the_same_statement_in_two_graphs() -> None:
    """On the build's staging store (each source in its graph, all graphs as one), a
    statement in two graphs is one value: no maxCount result, no repeated result."""
    data = ttl(
        """ex:a a ex:C ; ex:p ex:v ; ex:lat "91.50"^^xsd:decimal .
           ex:b a ex:C ; ex:p ex:v , ex:w ."""
    )
    shapes = ttl(
        """ex:S a sh:NodeShape ; sh:targetClass ex:C ;
             sh:property [ sh:path ex:p ; sh:maxCount 1 ; sh:class ex:D ] ,
                         [ sh:path ex:lat ; sh:maxInclusive 90 ; sh:maxCount 1 ] ."""
    )
    store = OxigraphStore()
    store.add(data, "urn:one")
    store.add(data, "urn:two")
    report = shacl.shapes_report(data, shapes, store)
    assert as_dicts(report) == as_dicts(pyshacl_validate(data, shapes))
    lat = [r.value for r in report.results if r.path == "<https://example.org/lat>"]
    assert lat == ["91.50"]  # as written, not as the store keeps it


@pytest.mark.parametrize(
    ("datatype", "forms"),
    [
        ("decimal", ["1.5", "-0.50", "+1.", ".5", "7", "1e3", "NaN", "1,5", ""]),
        ("boolean", ["true", "false", "1", "0", "TRUE", "yes", ""]),
        ("integer", ["12", "-3", "+4", "1.0", "x", ""]),
        ("date", ["2020-02-03", "2020-02-30", "0000-01-01", "2020-02-03Z", "20-1-1"]),
    ],
)
def test_literals_read_without_rdflib_read_as_rdflib_reads_them(
    datatype: str, forms: list[str]
) -> None:
    """sh:datatype decides plain lexical forms itself (rdflib costs a hundred times more):
    exactly as pyshacl does, valid or not."""
    data = "\n".join(f'ex:n{i} ex:v "{form}"^^xsd:{datatype} .' for i, form in enumerate(forms))
    both(
        data,
        f"""ex:S a sh:PropertyShape ; sh:targetSubjectsOf ex:v ; sh:path ex:v ;
             sh:datatype xsd:{datatype} .""",
    )


def test_the_data_is_loaded_with_its_blank_node_labels() -> None:
    """validate loads the data by chunks of N-Triples; a chunk with a blank node (or the text
    of one in a literal) goes in as terms, so the store names blank nodes as the data does."""
    data = ttl(
        """ex:a ex:p ex:b . ex:b ex:p "c" .
           _:x ex:p ex:a . ex:c ex:p "_:y" .
           ex:d ex:p 1.50 . ex:e ex:q _:z ."""
    )
    store = ox.Store()
    shacl._load(store, data, chunk=2)
    expected = ox.Store()
    expected.extend(ox.Quad(t.subject, t.predicate, t.object) for t in data)
    assert set(store) == set(expected) and len(store) == len(data)
    assert {q.subject for q in store if isinstance(q.subject, ox.BlankNode)} == {ox.BlankNode("x")}


def test_run_reads_values_as_written_from_the_triples_or_an_n_triples_document() -> None:
    """The data as written is read for the predicates a result or a lossy datatype needs
    only; as triples or as one N-Triples document, the same results."""
    data = ttl(
        """ex:a ex:lat "91.50"^^xsd:decimal ; ex:row "0"^^xsd:positiveInteger .
           ex:b ex:lat "10.0"^^xsd:decimal ; ex:row "3"^^xsd:positiveInteger ."""
    )
    compiled = shacl.compile_shapes(
        ttl(
            """ex:S a sh:PropertyShape ; sh:targetSubjectsOf ex:lat ; sh:path ex:lat ;
                 sh:maxInclusive 90 .
               ex:T a sh:PropertyShape ; sh:targetSubjectsOf ex:row ; sh:path ex:row ;
                 sh:datatype xsd:positiveInteger ."""
        )
    )
    store = OxigraphStore()
    store.add(data, "urn:g")
    document = ox.serialize(data, format=ox.RdfFormat.N_TRIPLES)
    assert document is not None
    for written in (data, document):
        found = sorted((r.focus_node, r.value) for r in shacl.run(compiled, store, written))
        assert found == [("<https://example.org/a>", "0"), ("<https://example.org/a>", "91.50")]


def test_a_class_with_a_blank_node_subclass() -> None:
    """A query cannot name a blank node of the store: a class with a blank node among its
    subclasses is tested with the path, as before, for targets and sh:class alike."""
    both(
        """ex:a a _:k ; ex:p ex:b , ex:c . _:k rdfs:subClassOf ex:C .
           ex:b a _:k . ex:c a ex:Other .""",
        """ex:S a sh:PropertyShape ; sh:targetClass ex:C ; sh:path ex:p ; sh:class ex:C ;
             sh:minCount 3 .""",
    )
