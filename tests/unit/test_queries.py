"""The query library: headers, parameters and their binding."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.core.errors import ParseError, QueryError, UsageError
from kg.queries import library, parse_query_file
from kg.store import bind_parameters

HEADER = """\
#+ id: {id}
#+ title: T
#+ question: Q?
#+ param: minYears xsd:decimal = 5 | Minimum years
#+ param: who iri | Somebody
#+ returns: rows
SELECT ?x WHERE {{ ?x ?p ?who FILTER(?p > ?minYears) }} ORDER BY ?x
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.rq"
    path.write_text(text, encoding="utf-8")
    return path


def test_header_and_parameters(tmp_path: Path) -> None:
    q = parse_query_file(write(tmp_path, "q1", HEADER.format(id="q1")))
    assert (q.id, q.title, q.question, q.returns) == ("q1", "T", "Q?", "rows")
    assert [(p.name, p.type, p.default) for p in q.params] == [
        ("minYears", "xsd:decimal", "5"),
        ("who", "iri", None),
    ]
    bound = q.bindings({"who": "iodm:Post"})
    assert bound["who"] == ox.NamedNode("https://w3id.org/iodm#Post")
    assert bound["minYears"].value == "5"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"who": "iodm:Post", "minYears": "five"}, "expects xsd:decimal"),
        ({"who": "not an iri"}, "expects an IRI"),
        ({}, "needs parameter who"),
        ({"who": "iodm:Post", "typo": "1"}, "no parameter typo"),
    ],
)
def test_bad_parameters_are_usage_errors(tmp_path: Path, given: dict, message: str) -> None:
    q = parse_query_file(write(tmp_path, "q1", HEADER.format(id="q1")))
    with pytest.raises(UsageError, match=message):
        q.bindings(given)


def test_bad_header_names_file_and_line(tmp_path: Path) -> None:
    text = HEADER.format(id="q2").replace("#+ title: T", "#+ titel: T")
    with pytest.raises(ParseError) as e:
        parse_query_file(write(tmp_path, "q2", text))
    assert e.value.location.line == 2
    assert "q2.rq:2" in str(e.value)


def test_id_must_match_file_name(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="differs from the file name"):
        parse_query_file(write(tmp_path, "other", HEADER.format(id="q3")))


def test_every_packaged_query_parses_with_a_complete_header() -> None:
    queries = library()
    assert queries, "the query library is empty"
    for q in queries.values():
        store = ox.Store()
        store.query(q.text) if not q.params else store.query(bind_parameters(q.text, q.bindings()))
        assert "ORDER BY" in q.text.upper(), f"{q.id} has no ORDER BY"


def _arbitrary_length_paths(text: str) -> list[str]:
    """The ``*``, ``+`` and ``?`` property paths in a query, however nested."""
    from rdflib.paths import MulPath, Path
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.plugins.sparql.algebra import traverse

    found: list[str] = []

    def visit(node: object) -> None:
        if isinstance(node, Path):
            todo = [node]
            while todo:
                path = todo.pop()
                if isinstance(path, MulPath):
                    found.append(path.n3())
                inner = [getattr(path, a, None) for a in ("path", "arg")] + getattr(
                    path, "args", []
                )
                todo += [p for p in inner if isinstance(p, Path)]

    traverse(prepareQuery(text).algebra, visitPre=visit)
    return found


def test_the_path_finder_sees_nested_paths() -> None:
    text = "PREFIX e: <http://e/> SELECT * { ?a e:p/(e:q|e:r*) ?b OPTIONAL { ?b e:s? ?c } }"
    assert sorted(_arbitrary_length_paths(text)) == ["<http://e/r>*", "<http://e/s>?"]


@pytest.mark.parametrize("query_id", [q.id for q in library().values() if q.group == "cq"])
def test_competency_questions_use_no_arbitrary_length_paths(query_id: str) -> None:
    """Virtuoso 7.2 answers ``*``, ``+`` and ``?`` paths wrongly once they are joined with other
    patterns; the named queries read what the build derives instead (docs/portable-queries.md)."""
    assert _arbitrary_length_paths(library()[query_id].text) == []


@pytest.mark.parametrize(
    ("query", "before"),
    [
        # "WHERE {" inside an IRI, a string and a comment must not fool the scanner
        ('SELECT ?x WHERE { ?x <http://e/p#where> "WHERE {" } # WHERE {\n', "SELECT ?x WHERE {"),
        # a CONSTRUCT template's group comes before WHERE
        (
            "PREFIX e: <http://e/#> CONSTRUCT { ?x e:p ?n } WHERE { ?x e:q ?y }",
            "PREFIX e: <http://e/#> CONSTRUCT { ?x e:p ?n } WHERE {",
        ),
        # WHERE is optional in SELECT
        ("SELECT ?x { ?x ?p ?n }", "SELECT ?x {"),
        # …and then a subquery's WHERE is not the main one
        (
            "SELECT * { { SELECT ?x WHERE { ?x ?p ?n } } FILTER (?x != ?n) }",
            "SELECT * {",
        ),
    ],
)
def test_bindings_go_into_the_main_group(query: str, before: str) -> None:
    bound = bind_parameters(query, {"n": ox.Literal("1")})
    assert bound.startswith(before + ' BIND ("1" AS ?n) ')
    ox.Store().query(bound)  # still valid SPARQL


def test_bindings_need_a_group() -> None:
    with pytest.raises(QueryError):
        bind_parameters("ASK", {"n": ox.Literal("1")})
