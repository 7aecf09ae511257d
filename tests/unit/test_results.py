"""Results in the W3C formats: the rows reach pyoxigraph's writers unchanged, in order."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from kg.core.results import (
    Boolean,
    Solutions,
    Triples,
    rdf_format,
    render_table,
    results_format,
    serialize_rdf,
)

DATA = """
@prefix ex: <https://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a ex:n 7 ; ex:d 2.5 ; ex:s "comma, \\"quote\\"\\nnewline\\ttab" ; ex:l "Côte d'Ivoire"@fr ;
     ex:t "2010"^^xsd:gYear ; ex:b _:x .
"""
QUERY = "SELECT ?s ?p ?o ?missing WHERE { ?s ?p ?o } ORDER BY ?p"
EX = "https://example.org/"


@pytest.fixture
def pair() -> tuple[ox.Store, Solutions]:
    store = ox.Store()
    store.load(DATA, format=ox.RdfFormat.TURTLE)
    result = store.query(QUERY)
    ours = Solutions(
        [v.value for v in result.variables], [tuple(s[v] for v in result.variables) for s in result]
    )
    return store, ours


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "xml"])
def test_same_text_as_the_engines_own_results(pair, fmt: str) -> None:  # type: ignore[no-untyped-def]
    store, ours = pair
    theirs = store.query(QUERY).serialize(format=results_format(fmt)).decode()
    assert ours.serialize(fmt) == theirs


def parse(text: str, fmt: str) -> ox.QuerySolutions:
    parsed = ox.parse_query_results(text, format=results_format(fmt))
    assert isinstance(parsed, ox.QuerySolutions)
    return parsed


@pytest.mark.parametrize("fmt", ["tsv", "json", "xml"])
def test_rows_read_back_the_same(fmt: str) -> None:
    """Order, duplicates, unbound cells, blank nodes and triple terms (nested too) survive, and
    a column named like a row counter is still a column."""
    a, b = ox.NamedNode(EX + "a"), ox.BlankNode("b1")
    quoted = ox.Triple(a, ox.NamedNode(EX + "p"), ox.Literal("x", language="en"))
    rows: list[tuple[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None, ...]] = [
        (ox.Literal("2"), a, None),
        (b, None, quoted),
        (ox.Literal("1"), a, None),
        (ox.Literal("2"), a, None),
        (None, a, ox.Triple(b, ox.NamedNode(EX + "q"), quoted)),  # a triple term in a triple term
    ]
    ours = Solutions(["z", "_row", "_row_"], rows)
    parsed = parse(ours.serialize(fmt), fmt)
    assert [v.value for v in parsed.variables] == ours.variables
    assert [tuple(s[v] for v in parsed.variables) for s in parsed] == rows


@pytest.mark.parametrize("fmt", ["tsv", "json", "xml"])
def test_no_rows_and_no_columns(fmt: str) -> None:
    empty = parse(Solutions(["x"], []).serialize(fmt), fmt)
    assert [v.value for v in empty.variables] == ["x"] and not list(empty)
    assert len(list(parse(Solutions([], [(), ()]).serialize(fmt), fmt))) == 2


@pytest.mark.parametrize("fmt", ["json", "xml", "application/sparql-results+json"])
def test_boolean(fmt: str) -> None:
    for value in (True, False):
        parsed = ox.parse_query_results(Boolean(value).serialize(fmt), format=results_format(fmt))
        assert isinstance(parsed, ox.QueryBoolean) and bool(parsed) is value
    assert json.loads(Boolean(True).serialize("json")) == {"head": {}, "boolean": True}


def test_formats_by_extension_or_media_type() -> None:
    assert results_format("text/tab-separated-values") == ox.QueryResultsFormat.TSV
    assert rdf_format("jsonld") == rdf_format("application/ld+json") == ox.RdfFormat.JSON_LD
    assert rdf_format("rdf") == rdf_format("application/rdf+xml") == ox.RdfFormat.RDF_XML
    with pytest.raises(ValueError, match="unknown SPARQL results format: html"):
        results_format("html")
    with pytest.raises(ValueError, match="unknown RDF format: csv"):
        rdf_format("csv")


def test_turtle_uses_the_project_prefixes() -> None:
    rdfs_label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    triple = ox.Triple(ox.NamedNode(EX + "a"), rdfs_label, ox.Literal("A"))
    text = serialize_rdf([triple], "ttl")
    assert "rdfs:label" in text
    assert {q.triple for q in ox.parse(text, format=ox.RdfFormat.TURTLE)} == {triple}
    assert Triples([triple]).serialize("nt") == f"{triple} .\n"


def test_rows_are_python_values_for_pandas(pair) -> None:  # type: ignore[no-untyped-def]
    pandas = pytest.importorskip("pandas")
    _, ours = pair
    frame = pandas.DataFrame(ours)
    assert list(frame.columns) == ["s", "p", "o", "missing"]
    assert len(frame) == 6
    values = dict(zip(frame["p"], frame["o"], strict=True))
    assert values["https://example.org/n"] == 7
    assert str(values["https://example.org/d"]) == "2.5"
    assert frame["missing"].isna().all()


def test_table_cuts_long_cells_to_width() -> None:
    table = render_table(["a", "b"], [["x" * 200, "y" * 200]], width=60)
    assert all(len(line) <= 60 for line in table.splitlines())
    assert "…" in table
