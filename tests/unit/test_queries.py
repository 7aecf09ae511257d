"""The query library: headers, parameters and their binding; the rule runner."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.answers import Answer
from kg.core.errors import Location, ParseError, QueryError, UsageError
from kg.queries import library, parse_query_file
from kg.rules import ruleset, run
from kg.store import OxigraphStore, bind_parameters

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


def test_an_answer_line_names_a_parameter_a_value_and_an_expression(tmp_path: Path) -> None:
    line = "#+ answer: minYears >= 0 | ROUND(?x * 12) > ?minYears * 12\n"
    text = HEADER.format(id="q1").replace("#+ returns", line + "#+ returns")
    q = parse_query_file(write(tmp_path, "q1", text))
    assert q.answer == Answer("minYears", "0", "ROUND(?x * 12) > ?minYears * 12", at_least=True)
    every = text.replace("minYears >= 0", "minYears = 5")
    assert parse_query_file(write(tmp_path, "q1", every)).answer == Answer(
        "minYears", "5", "ROUND(?x * 12) > ?minYears * 12"
    )
    assert parse_query_file(write(tmp_path, "q2", HEADER.format(id="q2"))).answer is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("#+ answer: minYears <= 0 | ?x > 1", "bad answer line"),
        ("#+ answer: minYears >= 0", "bad answer line"),
        ("#+ answer: maxYears >= 0 | ?x > 1", "names no parameter"),
        ("#+ answer: minYears >= none | ?x > 1", "expects xsd:decimal"),
        ("#+ answer: minYears >= 0 | ?x >", "does not parse"),
        ("#+ answer: minYears >= 0 | ?x > 1\n#+ answer: minYears >= 1 | ?x > 1", "second"),
    ],
)
def test_a_bad_answer_line_names_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    text = HEADER.format(id="q1").replace("#+ returns", line + "\n#+ returns")
    path = write(tmp_path, "q1", text)
    with pytest.raises(ParseError, match=message) as e:
        parse_query_file(path)
    assert e.value.location == Location(str(path), 7 if "second" in message else 6, 1)


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


RULE = """\
#+ id: {id}
#+ title: T
#+ question: Q?
#+ returns: triples
{extra}PREFIX e: <https://example.org/>
{body}
"""


def rule(root: Path, group: str, name: str, body: str, extra: str = "") -> Path:
    (root / group).mkdir(parents=True, exist_ok=True)
    path = root / group / f"{name}.rq"
    path.write_text(RULE.format(id=name, extra=extra, body=body), encoding="utf-8")
    return path


def test_rule_headers_say_stage_factor_pole_passages_and_label(tmp_path: Path) -> None:
    extra = (
        "#+ stage: 2\n#+ factor: factor/place-in-io-hierarchy\n#+ pole: iodm:Conciliation\n"
        "#+ passage: passage/footnote-41, passage/footnote-42\n#+ passage: <https://e.org/p>\n"
        "#+ label: Heads\n"
    )
    q = parse_query_file(rule(tmp_path, "rules", "r", "CONSTRUCT { ?x ?y ?z } WHERE {}", extra))
    assert q.stage == 2 and q.label == "Heads"
    assert q.factor == "https://w3id.org/iodm/id/factor/place-in-io-hierarchy"
    assert q.passages == (
        "https://w3id.org/iodm/id/passage/footnote-41",
        "https://w3id.org/iodm/id/passage/footnote-42",
        "https://e.org/p",
    )
    # the factor and pole are bound as ?factor and ?pole, like parameters
    assert q.bindings() == {
        "factor": ox.NamedNode(q.factor),
        "pole": ox.NamedNode("https://w3id.org/iodm#Conciliation"),
    }
    plain = parse_query_file(write(tmp_path, "q1", HEADER.format(id="q1")))
    assert (plain.stage, plain.factor, plain.pole, plain.passages) == (None, None, None, ())


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("#+ stage: second", "not a whole number"),
        ("#+ stage: -1", "not a whole number"),
        ("#+ pole: iodm:Post", "neither iodm:Conciliation nor iodm:Confrontation"),
        ("#+ factor: nope:thing", "names no resource"),
        ("#+ passage: passage/footnote-1 footnote", "names no resource"),
    ],
)
def test_bad_rule_headers_name_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = rule(tmp_path, "rules", "r", "CONSTRUCT { ?x ?y ?z } WHERE {}", line + "\n")
    with pytest.raises(ParseError, match=message) as e:
        parse_query_file(path)
    assert e.value.location == Location(str(path), 5, 1)


def test_a_header_bound_variable_cannot_also_be_a_parameter(tmp_path: Path) -> None:
    extra = "#+ pole: iodm:Conciliation\n#+ param: pole iri | the pole\n"
    with pytest.raises(ParseError, match="both a header and a parameter"):
        parse_query_file(rule(tmp_path, "rules", "r", "CONSTRUCT { ?x ?y ?z } WHERE {}", extra))


# --- the rule runner (kg.rules) ----------------------------------------------------------------

E = "https://example.org/"


def triple(s: str, p: str, o: str) -> ox.Triple:
    return ox.Triple(ox.NamedNode(E + s), ox.NamedNode(E + p), ox.NamedNode(E + o))


def test_rules_run_by_stage_each_seeing_what_the_earlier_derived(tmp_path: Path) -> None:
    # b-second would find nothing if it ran before a-first: stages, not names, decide
    rule(tmp_path, "r", "b-first", "CONSTRUCT { ?x e:q ?y } WHERE { ?x e:p ?y }", "#+ stage: 1\n")
    rule(
        tmp_path,
        "r",
        "a-second",
        "CONSTRUCT { ?x e:r ?y } WHERE { ?x e:q ?y FILTER (STR(?y) != ?skip) }",
        "#+ stage: 2\n#+ param: skip xsd:string = none | an IRI to leave out\n",
    )
    rules = ruleset("r", tmp_path)
    assert [r.id for r in rules] == ["b-first", "a-second"]
    store = OxigraphStore()
    store.add([triple("a", "p", "b"), triple("a", "q", "b")], E + "given")
    added = run(store, rules, E + "derived", {"skip": E + "nothing", "unused": "x"})
    # a triple the store holds is not added again
    assert added == {"b-first": [], "a-second": [triple("a", "r", "b")]}
    assert [q.triple for q in store.quads(E + "derived")] == [triple("a", "r", "b")]


def test_a_select_rule_needs_a_computation_and_a_rule_a_stage(tmp_path: Path) -> None:
    path = rule(tmp_path, "r", "rows", "SELECT ?x WHERE { ?x e:p ?y }", "#+ stage: 1\n")
    rules = ruleset("r", tmp_path)
    store = OxigraphStore()
    store.add([triple("a", "p", "b")], E + "given")
    with pytest.raises(QueryError, match="must be CONSTRUCT or DESCRIBE, not SELECT") as e:
        run(store, rules, E + "derived")
    assert e.value.message.startswith(f"{path}: query rows:")
    added = run(store, rules, E + "derived", compute={"rows": lambda rows: [triple("a", "s", "b")]})
    assert added == {"rows": [triple("a", "s", "b")]}
    rule(tmp_path / "other", "r", "no-stage", "CONSTRUCT { ?x e:q ?y } WHERE { ?x e:p ?y }")
    with pytest.raises(ParseError, match="no-stage has no stage"):
        ruleset("r", tmp_path / "other")


def test_parameters_take_python_values_and_numbers_come_back_as_numbers() -> None:
    """From Python, parameters are values, not strings; decimals come back as floats (pandas
    reads them as numbers), as the API's users ask."""
    import datetime as dt
    from decimal import Decimal

    from kg.core.errors import UsageError
    from kg.queries import Param
    from kg.store import OxigraphStore

    years = Param("minYears", "xsd:decimal")
    assert years.term(3) == years.term("3") == years.term(Decimal("3"))
    assert Param("on", "xsd:date").term(dt.date(2010, 11, 28)).value == "2010-11-28"
    assert Param("flag", "xsd:boolean").term(True).value == "true"
    with pytest.raises(UsageError, match="not list"):
        years.term([3])
    store = OxigraphStore()
    decimal = "<http://www.w3.org/2001/XMLSchema#decimal>"
    row = next(iter(store.select(f'SELECT ?km WHERE {{ BIND("1572.1"^^{decimal} AS ?km) }}')))
    assert row == {"km": 1572.1} and isinstance(row["km"], float)
