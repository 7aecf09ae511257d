"""One compliance suite for every store backend: oxigraph:, memory: and sparql: (a live server)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox
import pytest

from kg.core.errors import QueryError, StoreError
from kg.core.namespaces import XSD
from kg.core.results import Boolean, Result, Solutions
from kg.store import OxigraphStore, SparqlStore, Store

EX = "https://example.org/compliance/"


def t(s: str, p: str, o: ox.NamedNode | ox.Literal) -> ox.Triple:
    return ox.Triple(ox.NamedNode(EX + s), ox.NamedNode(EX + p), o)


def lit(v: str, dt: str = "integer") -> ox.Literal:
    return ox.Literal(v, datatype=ox.NamedNode(XSD + dt))


GRAPH_A = EX + "graph/a"
GRAPH_B = EX + "graph/b"
DATA = {
    GRAPH_A: [t("alice", "years", lit("7")), t("alice", "name", ox.Literal('Alice, "A"\n'))],
    GRAPH_B: [t("bob", "years", lit("2")), t("bob", "knows", ox.NamedNode(EX + "alice"))],
}


@pytest.fixture
def store(any_store: Store) -> Store:
    any_store.replace_graphs(DATA)
    return any_store


def select(store: Store, query: str, bindings=None) -> list[tuple]:  # type: ignore[no-untyped-def]
    return sorted((tuple(r.values()) for r in store.select(query, bindings)), key=repr)


def test_named_graphs_are_the_graphs_written(store: Store) -> None:
    assert set(store.named_graphs()) >= {GRAPH_A, GRAPH_B}


def test_default_graph_is_the_union(store: Store) -> None:
    rows = select(store, f"SELECT ?s ?y WHERE {{ ?s <{EX}years> ?y }}")
    assert rows == [(EX + "alice", 7), (EX + "bob", 2)]


def test_literal_binding_reaches_filters(store: Store) -> None:
    query = f"SELECT ?s WHERE {{ ?s <{EX}years> ?y FILTER(?y > ?min) }}"
    assert select(store, query, {"min": lit("5", "decimal")}) == [(EX + "alice",)]
    assert select(store, query, {"min": lit("1", "decimal")}) == [(EX + "alice",), (EX + "bob",)]


def test_iri_binding(store: Store) -> None:
    query = "SELECT ?p ?o WHERE { ?who ?p ?o } ORDER BY ?p"
    rows = select(store, query, {"who": ox.NamedNode(EX + "bob")})
    assert rows == [(EX + "knows", EX + "alice"), (EX + "years", 2)]


def test_binding_text_is_never_query_text(store: Store) -> None:
    # A value that would break out of a pasted query is just a string that matches nothing.
    evil = ox.Literal('x" } } ; DROP ALL ; SELECT * { "')
    assert select(store, f"SELECT ?s WHERE {{ ?s <{EX}name> ?n }}", {"n": evil}) == []
    assert len(select(store, "SELECT * WHERE { ?s ?p ?o }")) == 4


def test_strings_round_trip(store: Store) -> None:
    rows = select(store, f"SELECT ?n WHERE {{ ?s <{EX}name> ?n }}")
    assert rows == [('Alice, "A"\n',)]


def test_ask_and_construct(store: Store) -> None:
    assert store.query(f"ASK {{ ?s <{EX}knows> ?o }}") == Boolean(True)
    assert store.ask(f"ASK {{ ?s <{EX}knows> ?o }}") is True
    assert store.ask("ASK { ?s ?p ?who }", {"who": ox.NamedNode(EX + "nobody")}) is False
    construct = f"CONSTRUCT {{ ?o <{EX}knownBy> ?s }} WHERE {{ ?s <{EX}knows> ?o }}"
    result = store.construct(construct)
    assert result == store.query(construct)
    assert list(result) == [t("alice", "knownBy", ox.NamedNode(EX + "bob"))]
    described = store.construct("DESCRIBE ?s WHERE { ?s ?p ?o }", {"s": ox.NamedNode(EX + "bob")})
    assert set(described) >= set(DATA[GRAPH_B])


@pytest.mark.parametrize(
    ("method", "query", "form"),
    [
        ("select", "ASK { ?s ?p ?o }", "ASK"),
        ("construct", "SELECT * WHERE { ?s ?p ?o }", "SELECT"),
        ("ask", "CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT or DESCRIBE"),
    ],
)
def test_a_query_of_another_form_is_a_query_error(
    store: Store, method: str, query: str, form: str
) -> None:
    with pytest.raises(QueryError, match=f"the query must be .*, not {form}$"):
        getattr(store, method)(query)


def test_replace_graphs_replaces_only_those(store: Store) -> None:
    store.replace_graphs({GRAPH_A: [t("carol", "years", lit("1"))]})
    subjects = select(store, "SELECT DISTINCT ?s WHERE { ?s ?p ?o }")
    assert subjects == [(EX + "bob",), (EX + "carol",)]


def test_replace_graphs_can_drop(store: Store) -> None:
    store.replace_graphs({}, drop=[GRAPH_B])
    assert GRAPH_B not in store.named_graphs()
    assert select(store, f"SELECT ?s WHERE {{ ?s <{EX}years> ?y }}") == [(EX + "alice",)]


def test_quads_of_one_graph(store: Store) -> None:
    quads = sorted(map(str, store.quads(GRAPH_B)))
    assert quads == sorted(
        str(ox.Quad(x.subject, x.predicate, x.object, ox.NamedNode(GRAPH_B))) for x in DATA[GRAPH_B]
    )


def test_malformed_query_is_a_query_error(store: Store) -> None:
    with pytest.raises(QueryError):
        store.query("SELECT ?s WHERE { ?s ?p }")


# --- Oxigraph's run: a dataset, base IRI and reader of the request's own (used by kg.publish)


@pytest.fixture
def oxigraph() -> OxigraphStore:
    store = OxigraphStore()
    store.replace_graphs(DATA)
    return store


def subjects(result: Result) -> list[str]:
    assert isinstance(result, Solutions)
    return sorted(row["s"] for row in result)


def test_run_takes_the_dataset_it_is_given(oxigraph: OxigraphStore) -> None:
    query = f"SELECT DISTINCT ?s WHERE {{ ?s <{EX}years> ?y }}"
    assert subjects(oxigraph.run(query)) == [EX + "alice", EX + "bob"]  # the union
    assert subjects(oxigraph.run(query, default_graph=[GRAPH_A])) == [EX + "alice"]
    named = "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert subjects(oxigraph.run(named, named_graphs=[GRAPH_B])) == [EX + "bob"]
    # named graphs alone leave the default graph empty, as the protocol says
    assert subjects(oxigraph.run(query, named_graphs=[GRAPH_B])) == []


def test_run_without_the_union_reads_the_query_own_dataset(oxigraph: OxigraphStore) -> None:
    query = f"SELECT ?s FROM <{GRAPH_B}> WHERE {{ ?s <{EX}years> ?y }}"
    assert subjects(oxigraph.run(query, union=False)) == [EX + "bob"]
    # and a plain query with FROM reads its own dataset, as a SPARQL endpoint would
    assert subjects(oxigraph.query(query)) == [EX + "bob"]
    assert subjects(oxigraph.query(query.replace(f"FROM <{GRAPH_B}> ", ""))) == [
        EX + "alice",
        EX + "bob",
    ]


def test_run_resolves_relative_iris_against_the_base(oxigraph: OxigraphStore) -> None:
    result = oxigraph.run("SELECT ?s WHERE { ?s <knows> ?o }", base_iri=EX)
    assert subjects(result) == [EX + "bob"]


def test_run_reads_rows_and_triples_through_the_reader(oxigraph: OxigraphStore) -> None:
    def at_most_two(rows: Iterable[object]) -> Iterator[object]:
        for n, row in enumerate(rows, start=1):
            if n > 2:
                raise ValueError("more than two")
            yield row

    assert len(oxigraph.run("SELECT * WHERE { ?s ?p ?o } LIMIT 2", read=at_most_two)) == 2
    with pytest.raises(ValueError, match="more than two"):
        oxigraph.run("SELECT * WHERE { ?s ?p ?o }", read=at_most_two)
    with pytest.raises(ValueError, match="more than two"):
        oxigraph.run("CONSTRUCT WHERE { ?s ?p ?o }", read=at_most_two)
    assert oxigraph.run("ASK { ?s ?p ?o }", read=at_most_two) == Boolean(True)


def test_run_names_a_malformed_query(oxigraph: OxigraphStore) -> None:
    with pytest.raises(QueryError, match=r"malformed SPARQL query: .*1:"):
        oxigraph.run("SELECT ?s WHERE { ?s ?p }")


def test_an_endpoint_that_cuts_results_short_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """An endpoint with a row limit (Virtuoso's ResultSetMaxRows) returns fewer quads than it
    holds; copying it (`iodm serve --store sparql:…`) must fail rather than publish a part."""
    endpoint = SparqlStore("http://127.0.0.1:9/sparql")
    quads = [(*x, ox.NamedNode(g)) for g, triples in DATA.items() for x in triples]

    def answer(sparql: str) -> Solutions:
        if "COUNT" in sparql:
            return Solutions(["n"], [(lit(str(len(quads))),)])
        return Solutions(["s", "p", "o", "g"], [tuple(q) for q in quads[:-1]])  # one row short

    monkeypatch.setattr(endpoint, "_query", answer)
    with pytest.raises(StoreError, match="returned 3 of the 4 quads"):
        list(endpoint.quads())
