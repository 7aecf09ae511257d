"""Query results: solutions (SELECT), a boolean (ASK) or triples (CONSTRUCT, DESCRIBE).

A :class:`Solutions` iterates as dicts of plain Python values, so ``pandas.DataFrame(result)``
takes it directly; the RDF terms stay available in ``rows`` for the W3C result formats.

The W3C formats are pyoxigraph's writers: SPARQL 1.1 Query Results JSON, XML, CSV and TSV for
solutions and booleans, Turtle, N-Triples, JSON-LD, RDF/XML, N-Quads and TriG for triples.
Formats are named by file extension or media type, as :class:`pyoxigraph.QueryResultsFormat`
and :class:`pyoxigraph.RdfFormat` know them (``csv``, ``json``, ``text/turtle``, ``ttl`` …),
plus ``table``, a plain-text table for people, which no library writes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

import pyoxigraph as ox

from kg.core.namespaces import shorten
from kg.core.terms import Term, to_python

#: ``--format`` names for people and for the W3C formats, by kind of result.
SELECT_FORMATS = ("table", "csv", "tsv", "json", "xml")
GRAPH_FORMATS = ("table", "ttl", "nt", "jsonld")


@dataclass
class Solutions:
    """The rows of a SELECT query, in the engine's order."""

    form: ClassVar[str] = "SELECT"
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
        r"""The rows as ``table`` or in a SPARQL results format (see the module docs).

        >>> Solutions(["x"], [(ox.NamedNode("https://example.org/a"),)]).serialize("csv")
        'x\r\nhttps://example.org/a\r\n'
        """
        if fmt == "table":
            return render_table(self.variables, [[display(t) for t in r] for r in self.rows])
        return _text(_engine_solutions(self).serialize(format=results_format(fmt)))


@dataclass
class Boolean:
    """The answer of an ASK query."""

    form: ClassVar[str] = "ASK"
    value: bool

    def __bool__(self) -> bool:
        return self.value

    def serialize(self, fmt: str) -> str:
        """``table`` or a SPARQL results format (CSV and TSV write ``true`` or ``false``)."""
        if fmt == "table":
            return ("true" if self.value else "false") + "\n"
        # pyoxigraph cannot construct a QueryBoolean either: its engine answers one.
        answer = ox.Store().query("ASK {}" if self.value else "ASK { FILTER(false) }")
        return _text(cast(ox.QueryBoolean, answer).serialize(format=results_format(fmt)))


@dataclass
class Triples:
    """The graph a CONSTRUCT or DESCRIBE query returned."""

    form: ClassVar[str] = "CONSTRUCT or DESCRIBE"
    triples: list[ox.Triple]

    def __len__(self) -> int:
        return len(self.triples)

    def __iter__(self) -> Iterator[ox.Triple]:
        return iter(self.triples)

    def serialize(self, fmt: str) -> str:
        if fmt == "table":
            rows = [[display(t.subject), display(t.predicate), display(t.object)] for t in self]
            return render_table(["subject", "predicate", "object"], rows)
        return serialize_rdf(self.triples, fmt)


Result = Solutions | Boolean | Triples


def results_format(name: str) -> ox.QueryResultsFormat:
    """A SPARQL results format by file extension or media type.

    >>> results_format("json").media_type, results_format("text/csv").file_extension
    ('application/sparql-results+json', 'csv')
    """
    return _format(ox.QueryResultsFormat, name, "SPARQL results")


def rdf_format(name: str) -> ox.RdfFormat:
    """An RDF format by file extension or media type.

    >>> rdf_format("ttl").media_type, rdf_format("application/n-quads").file_extension
    ('text/turtle', 'nq')
    """
    return _format(ox.RdfFormat, name, "RDF")


def _format(kind: Any, name: str, what: str) -> Any:
    fmt = kind.from_extension(name) or kind.from_media_type(name)
    if fmt is None:
        raise ValueError(f"unknown {what} format: {name}")
    return fmt


def serialize_rdf(items: Sequence[ox.Triple] | Sequence[ox.Quad], fmt: str) -> str:
    """Triples or quads in an RDF format (see :func:`rdf_format`); Turtle and TriG with the
    project's prefixes."""
    from kg.core.namespaces import PREFIXES

    rdf = rdf_format(fmt)
    prefixes = dict(PREFIXES) if rdf in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
    return _text(ox.serialize(items, format=rdf, prefixes=prefixes))


def _text(data: bytes | None) -> str:
    return (data or b"").decode("utf-8")


def _engine_solutions(s: Solutions) -> ox.QuerySolutions:
    """These rows as pyoxigraph's own :class:`~pyoxigraph.QuerySolutions`, for its writers.

    pyoxigraph 0.5 has no constructor for solutions, but it parses them: the rows are written
    as SPARQL TSV, whose cells are terms as pyoxigraph prints them (escaped, blank node labels
    kept), and parsed back. 11 µs for five rows and 16 ms for 10,000 rows of four columns, the
    server's limit: 4-6x faster than the query over VALUES it replaced (the server answers
    small queries at that pace).
    """
    lines = ["\t".join(f"?{v}" for v in s.variables)]
    lines += ["\t".join("" if t is None else _tsv(t) for t in row) for row in s.rows]
    data = "\n".join(lines) + "\n"
    return cast(ox.QuerySolutions, ox.parse_query_results(data, ox.QueryResultsFormat.TSV))


def _tsv(term: Term) -> str:
    """A term as a SPARQL TSV cell: as pyoxigraph prints it, but a triple term (RDF 1.2) in
    ``<<( )>>``, which its printing leaves out."""
    if isinstance(term, ox.Triple):
        return f"<<( {_tsv(term.subject)} {_tsv(term.predicate)} {_tsv(term.object)} )>>"
    return str(term)


# --- for people: a text table, which no RDF library writes -------------------------------------


def display(t: Term | None) -> str:
    """A term for people: a prefixed name, a literal's text, ``_:b`` for a blank node."""
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
