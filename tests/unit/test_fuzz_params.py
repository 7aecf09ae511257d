"""Parameter binding, property-tested (issue 15, point 8): any text given as ``-p name=value``
either becomes a term of the parameter's declared type or is refused with a UsageError, and a
bound value never escapes its literal — whatever quotes, braces, comments or ``\\u`` escapes
it holds, the query keeps its shape and returns the value as given, on Oxigraph and on rdflib
(which expands ``\\uXXXX`` in the whole query text before parsing)."""

from __future__ import annotations

import re
from decimal import Decimal

import pyoxigraph as ox
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kg.core.errors import UsageError
from kg.core.namespaces import XSD
from kg.core.terms import literal, well_formed
from kg.queries import NamedQuery, Param, get
from kg.store import MemoryStore, OxigraphStore, Store, bind_parameters

#: characters that matter to SPARQL's grammar (and to engines that pre-expand escapes)
_SYNTAX = [*"\"'\\{}()<>#;.,?$^@|\n\r\t", "\\u0022", "\\U00000022", "u0022", "DROP ALL"]
_TEXT = st.lists(st.one_of(st.text(max_size=6), st.sampled_from(_SYNTAX)), max_size=12).map("".join)
#: datatypes a ``#+ param`` line may declare, with what a value of each must look like
_TYPES = {
    "xsd:string": None,
    "xsd:integer": r"[+-]?[0-9]+",
    "xsd:decimal": r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)",
    "xsd:boolean": r"true|false|1|0",
    "xsd:date": r"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})?",
    "xsd:gYear": r"-?[0-9]{4,}(Z|[+-][0-9]{2}:[0-9]{2})?",
}
_VALUES = st.one_of(
    _TEXT,
    st.integers().map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.dates().map(str),
    st.sampled_from(["٥", "５", "1e5", " 5", "5 ", "2021-02-29", "2020-13-45", "true ", "TRUE"]),
)

DATA = [
    ox.Triple(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p"), o)
    for o in (ox.Literal("one"), ox.Literal("two"))
]
#: the intended query: two rows, ?v the bound value in each; a value that escaped its literal
#: would change the rows, their number or the parse
QUERY = "SELECT ?o ?v WHERE { ?s <http://example.org/p> ?o }"


@pytest.fixture(scope="module", params=["oxigraph", "rdflib"])
def store(request: pytest.FixtureRequest) -> Store:
    s: Store = OxigraphStore() if request.param == "oxigraph" else MemoryStore()
    s.replace_graphs({"http://example.org/g": DATA})
    return s


@settings(max_examples=300, deadline=None, database=None)
@given(kind=st.sampled_from(sorted(_TYPES)), raw=_VALUES)
@example(kind="xsd:decimal", raw="٥")  # Arabic-Indic five: not an XSD digit
@example(kind="xsd:date", raw="2021-02-29")
@example(kind="xsd:string", raw="\udc80")  # undecodable argv byte (surrogateescape)
def test_a_value_is_a_term_of_the_declared_type_or_a_usage_error(kind: str, raw: str) -> None:
    param = Param("p", kind)
    try:
        term = param.term(raw)
    except UsageError as e:
        assert "parameter p" in e.message
        assert kind == "xsd:string" or not well_formed(raw, XSD + kind.removeprefix("xsd:"))
        return
    assert isinstance(term, ox.Literal)
    assert term.value == raw and term.datatype == ox.NamedNode(XSD + kind.removeprefix("xsd:"))
    shape = _TYPES[kind]
    assert shape is None or re.fullmatch(shape, raw), f"{raw!r} accepted as {kind}"
    if kind == "xsd:decimal":
        Decimal(raw)  # a decimal Python reads too
    if kind == "xsd:date" and not raw.startswith("-") and len(raw) == 10:
        import datetime

        datetime.date.fromisoformat(raw)  # a real day: 2021-02-29 is refused


@settings(max_examples=200, deadline=None, database=None)
@given(raw=st.one_of(_TEXT, _TEXT.map(lambda t: "iodm:" + t), _TEXT.map(lambda t: "http://x/" + t)))
@example(raw="a:<>")
@example(raw='iodm:a"b')
def test_an_iri_parameter_is_an_iri_or_a_usage_error(raw: str) -> None:
    try:
        term = Param("about", "iri").term(raw)
    except UsageError as e:
        assert "parameter about expects an IRI" in e.message
        return
    assert isinstance(term, ox.NamedNode)
    assert not re.search(r'[\s<>"{}|^`\\]', term.value), term.value


def test_a_lone_surrogate_is_refused_not_a_traceback() -> None:
    with pytest.raises(UsageError, match="parameter at"):
        Param("at", "xsd:string").term("2020\udc80")


@settings(max_examples=80, deadline=None, database=None)
@given(value=_TEXT, language=st.sampled_from([None, "en", "fr-CA"]))
@example(value='" } ; DROP ALL #', language=None)
@example(value="\\u0022 } UNION { ?s ?p ?o } #", language=None)
@example(value="\\\x00\\U0001F600\\", language="en")
def test_a_bound_value_never_leaves_its_literal(
    store: Store, value: str, language: str | None
) -> None:
    term = literal(value, language=language)
    text = bind_parameters(QUERY, {"v": term})
    assert text.endswith("?s <http://example.org/p> ?o }")  # the query's own text is unchanged
    rows = store.select(QUERY, {"v": term}).rows
    assert sorted(r[0].value for r in rows) == ["one", "two"]  # type: ignore[union-attr]
    assert all(r[1] == term for r in rows), (text, rows)


@settings(max_examples=30, deadline=None, database=None)
@given(value=_TEXT)
def test_a_named_query_parameter_filters_as_its_literal_would(store: Store, value: str) -> None:
    """A hostile value given to a real query's parameter is compared as a string: it matches
    exactly the rows whose value it equals (here none, then one)."""
    query = _query_with_string_param()
    found = query.select(store, {"x": value}).rows
    assert found == []
    store.replace_graphs({"http://example.org/h": [_triple(value)]})
    try:
        found = query.select(store, {"x": value}).rows
        assert [r[0] for r in found] == [ox.Literal(value)]
    finally:
        store.replace_graphs({}, drop=["http://example.org/h"])


def _triple(value: str) -> ox.Triple:
    return ox.Triple(
        ox.NamedNode("http://example.org/b"),
        ox.NamedNode("http://example.org/q"),
        ox.Literal(value),
    )


def _query_with_string_param() -> NamedQuery:
    template = get("cq5-long-tenure")  # a real query's header and path; its text replaced
    return NamedQuery(
        id="fuzz",
        title="fuzz",
        question="fuzz",
        returns="o",
        text="SELECT ?o WHERE { ?s <http://example.org/q> ?o FILTER (?o = ?x) }",
        path=template.path,
        params=(Param("x", "xsd:string"),),
    )
