"""The SPARQL results XML writer (kg.core.results) reads back as the same solutions."""

from __future__ import annotations

import pyoxigraph as ox

from kg.core.results import Boolean, Solutions

DATA = """
@prefix ex: <https://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a ex:n 7 ; ex:d 2.5 ; ex:s "a < b & \\"c\\"\\nnew line" ; ex:l "Côte d'Ivoire"@fr ;
     ex:t "2010"^^xsd:gYear ; ex:b _:x .
"""


def test_xml_round_trip() -> None:
    store = ox.Store()
    store.load(DATA, format=ox.RdfFormat.TURTLE)
    result = store.query("SELECT ?s ?p ?o ?missing WHERE { ?s ?p ?o } ORDER BY ?p")
    variables = result.variables  # type: ignore[union-attr]
    ours = Solutions([v.value for v in variables], [tuple(s[v] for v in variables) for s in result])  # type: ignore[union-attr]
    parsed = ox.parse_query_results(
        ours.serialize("xml").encode(), format=ox.QueryResultsFormat.XML
    )
    assert [v.value for v in parsed.variables] == ours.variables  # type: ignore[union-attr]
    assert [tuple(s[v] for v in parsed.variables) for s in parsed] == ours.rows  # type: ignore[union-attr]


def test_xml_boolean() -> None:
    for value in (True, False):
        parsed = ox.parse_query_results(
            Boolean(value).serialize("xml").encode(), format=ox.QueryResultsFormat.XML
        )
        assert isinstance(parsed, ox.QueryBoolean) and bool(parsed) is value
