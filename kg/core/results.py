"""Query results: solutions (SELECT), a boolean (ASK) or triples (CONSTRUCT, DESCRIBE).

A :class:`Solutions` iterates as dicts of plain Python values, so ``pandas.DataFrame(result)``
takes it directly; the RDF terms stay available in ``rows`` for the W3C result formats.

Why written here: pyoxigraph serializes only the solutions its own engine produced, and rdflib
has no TSV writer; the four formats (SPARQL 1.1 Query Results JSON, XML, CSV and TSV) are short
specifications, and the tests check this writer against pyoxigraph's on the same results.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from kg.core.namespaces import XSD, shorten
from kg.core.terms import Term, to_python

SELECT_FORMATS = ("table", "csv", "tsv", "json")
GRAPH_FORMATS = ("table", "ttl", "nt", "jsonld")


@dataclass
class Solutions:
    """The rows of a SELECT query, in the engine's order."""

    variables: list[str]
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for row in self.rows:
            yield {v: to_python(t) for v, t in zip(self.variables, row, strict=True)}

    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts of Python values (what pandas.DataFrame takes)."""
        return list(self)

    def head(self, n: int) -> Solutions:
        """The first n rows."""
        return Solutions(self.variables, self.rows[:n])

    def readable(self) -> Solutions:
        """For people: where a column ``x`` has a ``xLabel`` column, show the label as ``x``.

        >>> s = Solutions(["m", "mLabel", "n"], [(None, None, None)])
        >>> s.readable().variables
        ['m', 'n']
        """
        keep: list[tuple[str, int]] = []
        for i, v in enumerate(self.variables):
            if v + "Label" in self.variables:
                continue
            name = v.removesuffix("Label") if v.endswith("Label") else v
            keep.append((name if name in self.variables else v, i))
        return Solutions([n for n, _ in keep], [tuple(r[i] for _, i in keep) for r in self.rows])

    def column(self, name: str) -> list[Any]:
        i = self.variables.index(name)
        return [to_python(r[i]) for r in self.rows]

    def serialize(self, fmt: str) -> str:
        if fmt == "csv":
            return _csv(self)
        if fmt == "tsv":
            return _tsv(self)
        if fmt == "json":
            return _json(self)
        if fmt == "xml":
            return _xml(self)
        if fmt == "table":
            return render_table(self.variables, [[_display(t) for t in r] for r in self.rows])
        raise ValueError(f"unknown format for solutions: {fmt}")


@dataclass
class Boolean:
    """The answer of an ASK query."""

    value: bool

    def __bool__(self) -> bool:
        return self.value

    def serialize(self, fmt: str) -> str:
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": self.value}) + "\n"
        if fmt == "xml":
            answer = "true" if self.value else "false"
            return f"{_XML_HEAD}<head/>\n<boolean>{answer}</boolean>\n</sparql>\n"
        if fmt in ("csv", "tsv", "table"):
            return ("true" if self.value else "false") + "\n"
        raise ValueError(f"unknown format for a boolean: {fmt}")


@dataclass
class Triples:
    """The graph a CONSTRUCT or DESCRIBE query returned."""

    triples: list[ox.Triple]

    def __len__(self) -> int:
        return len(self.triples)

    def __iter__(self) -> Iterator[ox.Triple]:
        return iter(self.triples)

    def serialize(self, fmt: str) -> str:
        if fmt == "table":
            rows = [[_display(t.subject), _display(t.predicate), _display(t.object)] for t in self]
            return render_table(["subject", "predicate", "object"], rows)
        return serialize_rdf(self.triples, fmt)


Result = Solutions | Boolean | Triples

RDF_FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


def serialize_rdf(items: Sequence[ox.Triple] | Sequence[ox.Quad], fmt: str) -> str:
    from kg.core.namespaces import PREFIXES

    rdf_format = RDF_FORMATS[fmt]
    kwargs: dict[str, Any] = {}
    if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
        kwargs["prefixes"] = dict(PREFIXES)
    data = ox.serialize(items, format=rdf_format, **kwargs)
    return (data or b"").decode("utf-8")


# --- W3C result formats -----------------------------------------------------------------------


def _csv(s: Solutions) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(s.variables)
    for row in s.rows:
        writer.writerow(["" if t is None else _plain(t) for t in row])
    return out.getvalue()


def _plain(t: Term) -> str:
    if isinstance(t, ox.BlankNode):
        return f"_:{t.value}"
    if isinstance(t, ox.Triple):
        return f"<< {t} >>"
    return t.value


def _tsv(s: Solutions) -> str:
    lines = ["\t".join(f"?{v}" for v in s.variables)]
    for row in s.rows:
        lines.append("\t".join("" if t is None else _tsv_term(t) for t in row))
    return "\n".join(lines) + "\n"


#: Numbers TSV may write bare: lexical forms that Turtle reads back with the same datatype.
_TURTLE_NUMBER = {
    XSD + "integer": re.compile(r"[+-]?\d+"),
    XSD + "decimal": re.compile(r"[+-]?\d*\.\d+"),
    XSD + "double": re.compile(r"[+-]?(\d+\.\d*|\.?\d+)[eE][+-]?\d+"),
}


def _tsv_term(t: Term) -> str:
    if isinstance(t, ox.Literal) and not t.language:
        pattern = _TURTLE_NUMBER.get(t.datatype.value)
        if pattern is not None and pattern.fullmatch(t.value):
            return t.value
    return str(t)  # N-Triples syntax, which escapes tabs and newlines


def _json(s: Solutions) -> str:
    bindings = []
    for row in s.rows:
        bindings.append({v: _json_term(t) for v, t in zip(s.variables, row, strict=True) if t})
    return json.dumps({"head": {"vars": s.variables}, "results": {"bindings": bindings}}) + "\n"


def _json_term(t: Term) -> dict[str, Any]:
    if isinstance(t, ox.Triple):
        parts = ("subject", "predicate", "object")
        return {"type": "triple", "value": {k: _json_term(getattr(t, k)) for k in parts}}
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if t.language:
        return {"type": "literal", "value": t.value, "xml:lang": t.language}
    if t.datatype.value == XSD + "string":
        return {"type": "literal", "value": t.value}
    return {"type": "literal", "value": t.value, "datatype": t.datatype.value}


_XML_HEAD = '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'


def _xml(s: Solutions) -> str:
    """SPARQL Query Results XML Format (https://www.w3.org/TR/rdf-sparql-XMLres/)."""
    out = [_XML_HEAD, "<head>\n"]
    out += [f"<variable name={quoteattr(v)}/>\n" for v in s.variables]
    out.append("</head>\n<results>\n")
    for row in s.rows:
        out.append("<result>")
        for v, t in zip(s.variables, row, strict=True):
            if t is not None:
                out.append(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>")
        out.append("</result>\n")
    out.append("</results>\n</sparql>\n")
    return "".join(out)


def _xml_term(t: Term) -> str:
    if isinstance(t, ox.NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    if isinstance(t, ox.Triple):
        parts = "".join(
            f"<{k}>{_xml_term(getattr(t, k))}</{k}>" for k in ("subject", "predicate", "object")
        )
        return f"<triple>{parts}</triple>"
    if t.language:
        return f"<literal xml:lang={quoteattr(t.language)}>{escape(t.value)}</literal>"
    if t.datatype.value == XSD + "string":
        return f"<literal>{escape(t.value)}</literal>"
    return f"<literal datatype={quoteattr(t.datatype.value)}>{escape(t.value)}</literal>"


# --- for people -------------------------------------------------------------------------------


def _display(t: Term | None) -> str:
    if t is None:
        return ""
    if isinstance(t, ox.NamedNode):
        return shorten(t.value)
    if isinstance(t, ox.BlankNode):
        return f"_:{t.value}"
    if isinstance(t, ox.Triple):
        return f"<< {t} >>"
    return t.value


def render_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], width: int = 0, wrap: bool = False
) -> str:
    """A plain-text table that fits the terminal: long cells are cut with an ellipsis, or
    wrapped onto more lines with ``wrap=True``.

    >>> print(render_table(["a", "b"], [["1", "two"]]), end="")
    a  b
    -  ---
    1  two
    """
    import shutil
    import textwrap

    width = width or shutil.get_terminal_size((120, 24)).columns
    cells = [[" ".join(str(c).split()) for c in r] for r in rows]
    widths = [len(h) for h in headers]
    for r in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, r, strict=True)]
    budget = max(width - 2 * (len(headers) - 1), 10 * len(headers))
    while sum(widths) > budget:  # shrink the widest column until the table fits
        i = widths.index(max(widths))
        widths[i] = max(widths[i] - 1, 8)
        if all(w <= 8 for w in widths):
            break

    def lines_of(text: str, w: int) -> list[str]:
        if len(text) <= w:
            return [text]
        if wrap:
            return textwrap.wrap(text, w, break_long_words=True) or [""]
        return [text[: w - 1] + "…"]

    def block(row: Sequence[str]) -> list[str]:
        parts = [lines_of(c, w) for c, w in zip(row, widths, strict=True)]
        height = max(len(p) for p in parts)
        return [
            "  ".join(
                (p[k] if k < len(p) else "").ljust(w) for p, w in zip(parts, widths, strict=True)
            )
            for k in range(height)
        ]

    out = block(headers)
    out.append("  ".join("-" * w for w in widths))
    for r in cells:
        out.extend(block(r))
    return "\n".join(line.rstrip() for line in out) + "\n"
