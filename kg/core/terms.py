"""RDF terms: IODM computes with pyoxigraph terms and converts at the edges.

rdflib (for pyshacl, owlrl and the ``memory:`` store) and plain Python values (for pandas and
JSON) are the two edges.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable
from decimal import InvalidOperation
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kg.core.namespaces import XSD

if TYPE_CHECKING:
    import rdflib

#: An RDF term as pyoxigraph gives it (a quoted triple only from RDF-star data).
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Subject = ox.NamedNode | ox.BlankNode


def iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def literal(value: str, datatype: str | None = None, language: str | None = None) -> ox.Literal:
    if language:
        return ox.Literal(value, language=language)
    return ox.Literal(value, datatype=ox.NamedNode(datatype or XSD + "string"))


def to_python(term: Term | None) -> Any:
    """A plain Python value for a term: IRIs as str, typed literals as int, float, bool, date
    or datetime where the datatype says so (xsd:decimal as float: numbers as numbers, for
    pandas and JSON), anything else as its lexical form.

    >>> to_python(literal("1572.1", XSD + "decimal"))
    1572.1

    >>> to_python(literal("7", XSD + "integer"))
    7
    >>> to_python(literal("2010-11-28", XSD + "date"))
    datetime.date(2010, 11, 28)
    >>> to_python(iri("https://w3id.org/iodm#Post"))
    'https://w3id.org/iodm#Post'
    """
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return str(term)
    dt = term.datatype.value
    convert = _CONVERTERS.get(dt)
    if convert is not None:
        try:
            return convert(term.value)
        except (ValueError, InvalidOperation):
            return term.value  # an ill-typed literal keeps its lexical form
    return term.value


def canonical_boolean(term: Term | None) -> Term | None:
    """An xsd:boolean literal in its canonical lexical form (``true``/``false``), the same value;
    any other term unchanged. Virtuoso writes booleans as ``1``/``0``.

    >>> canonical_boolean(literal("1", XSD + "boolean")).value
    'true'
    >>> canonical_boolean(literal("1", XSD + "integer")).value
    '1'
    """
    boolean = XSD + "boolean"
    if isinstance(term, ox.Literal) and term.datatype.value == boolean and term.value in ("1", "0"):
        return literal("true" if term.value == "1" else "false", boolean)
    return term


def _boolean(lexical: str) -> bool:
    if lexical in ("true", "1"):
        return True
    if lexical in ("false", "0"):
        return False
    raise ValueError(lexical)


_INTEGER_TYPES = (
    "integer long int short byte nonNegativeInteger positiveInteger negativeInteger "
    "nonPositiveInteger unsignedLong unsignedInt unsignedShort unsignedByte"
).split()
_CONVERTERS: dict[str, Any] = {XSD + t: int for t in _INTEGER_TYPES}
_CONVERTERS.update(
    {
        XSD + "decimal": float,
        XSD + "double": float,
        XSD + "float": float,
        XSD + "boolean": _boolean,
        XSD + "date": _dt.date.fromisoformat,
        XSD + "dateTime": _dt.datetime.fromisoformat,
    }
)


#: Lexical forms of the datatypes IODM checks (XML Schema 1.1 lexical spaces, simplified).
LEXICAL_FORMS = {
    XSD + "integer": r"[+-]?\d+",
    XSD + "decimal": r"[+-]?(\d+(\.\d*)?|\.\d+)",
    XSD + "double": r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?INF|NaN",
    XSD + "boolean": r"true|false|1|0",
    XSD + "date": r"-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(Z|[+-]\d{2}:\d{2})?",
    XSD + "gYear": r"-?\d{4,}(Z|[+-]\d{2}:\d{2})?",
    XSD + "gYearMonth": r"-?\d{4,}-(0[1-9]|1[0-2])(Z|[+-]\d{2}:\d{2})?",
}


def well_formed(lexical: str, datatype: str) -> bool:
    """Is this a valid lexical form of the datatype? (True for datatypes not checked.)

    XSD digits are ASCII digits: "٥" (Arabic-Indic five) is not an integer.

    >>> well_formed("2010-11-28", XSD + "date"), well_formed("five", XSD + "integer")
    (True, False)
    >>> well_formed("\u0665", XSD + "decimal")
    False
    """
    if _SURROGATE.search(lexical):  # not a character: no datatype's lexical form holds one
        return False
    pattern = LEXICAL_FORMS.get(datatype)
    if pattern is None:
        return True
    if re.fullmatch(pattern, lexical, re.ASCII) is None:
        return False
    return datatype != XSD + "date" or _real_day(lexical)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _real_day(lexical: str) -> bool:
    """Does a date of the form ``LEXICAL_FORMS[xsd:date]`` name a day of the (proleptic
    Gregorian) calendar? ("2021-02-29" does not.)"""
    year, month, day = re.match(r"(-?\d+)-(\d\d)-(\d\d)", lexical).groups()  # type: ignore[union-attr]
    y, m = int(year), int(month)
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    return int(day) <= (29 if m == 2 and leap else _DAYS[m - 1])


_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def sparql_term(term: Term) -> str:
    r"""``term`` as SPARQL text that every engine reads back as the same term.

    N-Triples syntax, except that a literal holding a backslash is written as a CONCAT of
    pieces each ending at a backslash: rdflib (and other engines) expand ``\uXXXX`` in the
    whole query text before parsing it, so an escaped backslash followed by ``u0022`` would
    become an escaped quote, and the value another one.

    >>> print(sparql_term(literal("5", XSD + "decimal")))
    "5"^^<http://www.w3.org/2001/XMLSchema#decimal>
    >>> print(sparql_term(literal("a\\u0022b")))
    CONCAT("a\\", "u0022b")
    """
    if not isinstance(term, ox.Literal) or "\\" not in term.value:
        return str(term)
    pieces = ", ".join(str(ox.Literal(p)) for p in re.split(r"(?<=\\)", term.value) if p)
    text = f"CONCAT({pieces})"
    if term.language:
        return f"STRLANG({text}, {ox.Literal(term.language)})"
    if term.datatype.value != XSD + "string":
        return f"STRDT({text}, {term.datatype})"
    return text


# --- rdflib edge -------------------------------------------------------------------------------


def to_rdflib(term: Term) -> rdflib.term.Identifier:
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Triple):
        raise TypeError("RDF-star quoted triples are not supported here")
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def from_rdflib(node: Any) -> Term:
    from rdflib import BNode, Literal, URIRef

    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype or XSD + "string")))
    raise TypeError(f"not an RDF term: {node!r}")


def rdflib_graph(triples: Iterable[ox.Triple]) -> rdflib.Graph:
    """An rdflib Graph holding these triples (for pyshacl and owlrl)."""
    from rdflib import Graph

    graph = Graph()
    add = graph.add
    for t in triples:
        add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return graph
