"""Named queries answered at build time, so that a page of their rows is read, not recomputed.

At a million triples the analysis queries and some competency questions return tens or hundreds
of thousands of rows, which the engine must all compute and sort before it can cut a page: 13 to
35 s for the slowest on the store on disk, by machine (``make bench``,
``benchmarks/README.md``). A build therefore runs each query of :data:`GROUPS` once, with its
default parameters, on the store it has just validated and derived on (in memory, where queries
run several times faster), and so does ``iodm reason --materialize`` on a copy in memory of the
store it writes; each keeps the rows as SPARQL TSV results, one file per query, in the build's
directory (:meth:`kg.store.OxigraphStore.replace_graphs`). Reading commands and the server
answer such a query with its default parameters from that file, reading only the page asked for
(:meth:`kg.queries.NamedQuery.run`), and with other values of a parameter when its header says
the file serves them (below); other parameters, a coder's view and stores of other kinds run the
query.

The answers are those of the published snapshot only when it is the build's store itself, so
the store keeps them only then: not when the privacy filter withheld statements, not once the
store is changed in place. Each file records the text it answers (after binding), and a query
whose text has changed since (a new IODM, an edited file) runs instead.

A query whose header has an ``answer`` line (:mod:`kg.queries`) is answered with the value of
one parameter it names, and that answer serves other values of the parameter (the others at
their defaults): every value at least that one (``>=``), or every value (``=``). CQ5 keeps its
answer for minYears 0 and CQ8 for any claim, and so serve CQ5 for minYears 2 and CQ8 about one
claim::

    #+ answer: minYears >= 0 | ROUND(?years * 12) > ?minYears * 12
    #+ answer: about = any | STR(?claim) = ?about

For a value served, the rows are those of the file, in its order, for which the expression is
true with the parameters bound to the values asked for. The expression is evaluated by
Oxigraph on the rows' own terms, read from the file a thousand lines at a time until the page is
full: at a million triples, a first page of CQ5 for minYears 2 costs a few milliseconds, and a
page that needs every line of a file (CQ8 about one claim) about 0.2 s. The line promises that
this filtering is exact (a test checks it against the query run on a store,
``tests/integration/test_answers.py``); a row whose terms cannot be written in a VALUES block
(a blank node) leaves the reader without an answer, and the query runs.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pyoxigraph as ox

from kg.core.results import Solutions

if TYPE_CHECKING:
    from kg.core.terms import Term


@dataclass(frozen=True)
class Answer:
    """A query's ``answer`` header: the build keeps the query's answer with ``param`` at
    ``value``, which serves every value of it (or, ``at_least``, each value at least that one) by
    the rows for which ``keep`` holds."""

    param: str
    value: str  # as written in the header: a value of the parameter's type
    keep: str  # a SPARQL expression over the variables of a row and the parameters
    at_least: bool = False  # ">=": it serves values at least ``value``; "=": every value


class NamedQuery(Protocol):
    """What is read of a :class:`kg.queries.NamedQuery` here (which sits above this module)."""

    @property
    def id(self) -> str: ...
    @property
    def group(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def answer(self) -> Answer | None: ...

    def bindings(self, given: Mapping[str, object] | None = None) -> dict[str, Term]: ...


#: The folders of ``queries/`` whose queries are answered at build: what users and the analysis
#: run by name (the checks, rules and derivations run at build anyway).
GROUPS = ("cq", "analysis")
#: The record of which text each file answers.
INDEX = "index.json"
#: How many lines of an answer are filtered at a time (an ``answer`` header's expression).
CHUNK = 1000
#: The variable that numbers the rows filtered.
_ROW = "_row"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _answered(query: NamedQuery) -> dict[str, Term]:
    """The parameters a build answers ``query`` with: its defaults, but for an ``answer``
    header's."""
    answer = query.answer
    return query.bindings(None if answer is None else {answer.param: answer.value})


def _bound_text(query: NamedQuery) -> str:
    from kg.store import bind_parameters

    bindings = _answered(query)
    return bind_parameters(query.text, bindings) if bindings else query.text


def answer_all(store: ox.Store, directory: Path, queries: Iterable[NamedQuery]) -> None:
    """Write the answers of the ``queries`` of :data:`GROUPS` on ``store`` into ``directory``
    (made here)."""
    directory.mkdir(parents=True, exist_ok=True)
    index: dict[str, str] = {}
    for query in queries:
        if query.group not in GROUPS:
            continue
        text = _bound_text(query)
        result = store.query(text, use_default_graph_as_union=True)
        if not isinstance(result, ox.QuerySolutions):
            continue
        result.serialize(str(directory / f"{query.id}.tsv"), ox.QueryResultsFormat.TSV)
        index[query.id] = _digest(text)
    (directory / INDEX).write_text(json.dumps(index, indent=1, sort_keys=True) + "\n")


def read(
    directory: Path,
    query: NamedQuery,
    params: Mapping[str, object] | None,
    limit: int | None,
    offset: int,
) -> Solutions | None:
    """The rows ``offset`` to ``offset + limit`` (all when ``limit`` is None) of ``query``'s
    answer in ``directory``, or None when there is none for these parameters and this text."""
    if query.group not in GROUPS:
        return None
    given = query.bindings(params)
    filtered = given != _answered(query)
    if filtered and not _serves(query, given):
        return None
    try:
        index = json.loads((directory / INDEX).read_text(encoding="utf-8"))
        if index.get(query.id) != _digest(_bound_text(query)):
            return None
        with (directory / f"{query.id}.tsv").open("rb") as f:
            header = f.readline()
            rows: Iterator[bytes] = f
            if filtered:
                assert query.answer is not None  # _serves said so
                rows = _kept(rows, header, query, given)
            end = None if limit is None else offset + limit
            page = header + b"".join(itertools.islice(rows, offset, end))
    except (OSError, ValueError, SyntaxError):
        return None  # no answers here (or none this reader can filter): the query runs
    result = ox.parse_query_results(page, ox.QueryResultsFormat.TSV)
    assert isinstance(result, ox.QuerySolutions)  # a TSV file holds solutions
    return Solutions([v.value for v in result.variables], [tuple(s) for s in result])


def _serves(query: NamedQuery, given: Mapping[str, Term]) -> bool:
    """Whether the answer kept of ``query`` serves the parameters ``given``: the others than its
    ``answer`` parameter at their defaults, and that one at least the value answered if it must
    be."""
    from kg.core.terms import sparql_term

    answer, answered = query.answer, _answered(query)
    if answer is None or any(given[n] != t for n, t in answered.items() if n != answer.param):
        return False
    if not answer.at_least:
        return True
    at_least = f"{sparql_term(given[answer.param])} >= {sparql_term(answered[answer.param])}"
    return bool(ox.Store().query(f"ASK {{ FILTER ({at_least}) }}"))


def _kept(
    lines: Iterator[bytes], header: bytes, query: NamedQuery, given: Mapping[str, Term]
) -> Iterator[bytes]:
    """The lines of an answer (SPARQL TSV rows, after its ``header``) for which the expression
    of ``query``'s ``answer`` header is true with the parameters ``given``, in their order.

    The terms of a TSV row are written as SPARQL writes them, so the columns the expression
    reads go into a VALUES block as they are (an empty one, unbound, as UNDEF); a term that
    VALUES cannot hold (a blank node) makes the query a SyntaxError."""
    from kg.core.sparqltext import tokens
    from kg.store import bind_parameters

    assert query.answer is not None
    keep = query.answer.keep
    columns = header.decode("utf-8").rstrip("\r\n").split("\t")
    names = [t.text[1:] for t in tokens(keep) if t.kind == "var" and t.text[1:] not in given]
    names = list(dict.fromkeys(names))  # the variables of a row the expression reads
    where = [columns.index(f"?{v}") for v in names]  # a ValueError if a row has no such variable
    variables = " ".join(f"?{v}" for v in [_ROW, *names])
    # the parameters bound once (binding reads the text): the rows go between head and tail
    tail = f" }} FILTER ({keep}) }}"
    bound = bind_parameters(
        f"{prologue(query.text)}SELECT ?{_ROW} WHERE {{ VALUES ({variables}) {{ {tail}", dict(given)
    )
    head, tail_bytes = bound.removesuffix(tail).encode("utf-8"), tail.encode("utf-8")
    store = ox.Store()
    last = max(where, default=0)
    # the expression is a function of the terms it reads: each distinct row of them is asked
    # once (CQ5's years repeat in thousands of rows), and the verdict kept for the rows after
    verdicts: dict[bytes, bool] = {}
    while chunk := list(itertools.islice(lines, CHUNK)):
        split = [line.rstrip(b"\r\n").split(b"\t", last + 1) for line in chunk]
        keys = [b" ".join([f[c] or b"UNDEF" for c in where]) for f in split]
        new = list(dict.fromkeys(k for k in keys if k not in verdicts))
        if new:
            values = b" ".join(b"(%d %b)" % (i, k) for i, k in enumerate(new))
            solutions = store.query((head + values + tail_bytes).decode("utf-8"))
            passed = {int(s[0].value) for s in solutions}  # type: ignore[union-attr]
            verdicts.update((k, i in passed) for i, k in enumerate(new))
        yield from (line for line, k in zip(chunk, keys, strict=True) if verdicts[k])


def prologue(text: str) -> str:
    """A query's prologue: its text up to the query form (comments, BASE and PREFIX).

    >>> prologue("PREFIX e: <http://e/> SELECT * { ?s e:p ?o }")
    'PREFIX e: <http://e/> '
    """
    from kg.core.sparqltext import tokens

    for t in tokens(text):
        if t.is_word("SELECT", "CONSTRUCT", "DESCRIBE", "ASK"):
            return text[: t.start]
    return text
