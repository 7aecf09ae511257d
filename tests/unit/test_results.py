"""Our SPARQL result writers agree with pyoxigraph's on the same solutions."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from kg.core.results import Boolean, Solutions, render_table

DATA = """
@prefix ex: <https://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a ex:n 7 ; ex:d 2.5 ; ex:s "comma, \\"quote\\"\\nnewline\\ttab" ; ex:l "Côte d'Ivoire"@fr ;
     ex:t "2010"^^xsd:gYear ; ex:b _:x .
"""
QUERY = "SELECT ?s ?p ?o ?missing WHERE { ?s ?p ?o } ORDER BY ?p"


@pytest.fixture
def pair() -> tuple[ox.Store, Solutions]:
    store = ox.Store()
    store.load(DATA, format=ox.RdfFormat.TURTLE)
    result = store.query(QUERY)
    ours = Solutions(
        [v.value for v in result.variables], [tuple(s[v] for v in result.variables) for s in result]
    )
    return store, ours


@pytest.mark.parametrize(
    ("fmt", "ox_format"),
    [
        ("csv", ox.QueryResultsFormat.CSV),
        ("tsv", ox.QueryResultsFormat.TSV),
        ("json", ox.QueryResultsFormat.JSON),
    ],
)
def test_writer_matches_pyoxigraph(pair, fmt: str, ox_format: ox.QueryResultsFormat) -> None:  # type: ignore[no-untyped-def]
    store, ours = pair
    theirs = store.query(QUERY).serialize(format=ox_format).decode()
    mine = ours.serialize(fmt)
    if fmt == "json":
        assert json.loads(mine) == json.loads(theirs)
    else:
        assert mine.replace("\r\n", "\n").strip() == theirs.replace("\r\n", "\n").strip()


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


def test_boolean_json() -> None:
    assert json.loads(Boolean(True).serialize("json")) == {"head": {}, "boolean": True}


def test_table_cuts_long_cells_to_width() -> None:
    table = render_table(["a", "b"], [["x" * 200, "y" * 200]], width=60)
    assert all(len(line) <= 60 for line in table.splitlines())
    assert "…" in table
