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
(:meth:`kg.queries.NamedQuery.run`); other parameters, a coder's view and stores of other kinds
run the query.

The answers are those of the published snapshot only when it is the build's store itself, so
the store keeps them only then: not when the privacy filter withheld statements, not once the
store is changed in place. Each file records the text it answers (after binding), and a query
whose text has changed since (a new IODM, an edited file) runs instead.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pyoxigraph as ox

from kg.core.results import Solutions

if TYPE_CHECKING:
    from kg.core.terms import Term


class NamedQuery(Protocol):
    """What is read of a :class:`kg.queries.NamedQuery` here (which sits above this module)."""

    @property
    def id(self) -> str: ...
    @property
    def group(self) -> str: ...
    @property
    def text(self) -> str: ...

    def bindings(self, given: Mapping[str, object] | None = None) -> dict[str, Term]: ...


#: The folders of ``queries/`` whose queries are answered at build: what users and the analysis
#: run by name (the checks, rules and derivations run at build anyway).
GROUPS = ("cq", "analysis")
#: The record of which text each file answers.
INDEX = "index.json"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _bound_text(query: NamedQuery) -> str:
    from kg.store import bind_parameters

    bindings = query.bindings()
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
    if query.group not in GROUPS or query.bindings(params) != query.bindings():
        return None
    try:
        index = json.loads((directory / INDEX).read_text(encoding="utf-8"))
        if index.get(query.id) != _digest(_bound_text(query)):
            return None
        with (directory / f"{query.id}.tsv").open("rb") as f:
            header = f.readline()
            end = None if limit is None else offset + limit
            page = header + b"".join(itertools.islice(f, offset, end))
    except (OSError, ValueError):
        return None  # no answers here: the query runs
    result = ox.parse_query_results(page, ox.QueryResultsFormat.TSV)
    assert isinstance(result, ox.QuerySolutions)  # a TSV file holds solutions
    return Solutions([v.value for v in result.variables], [tuple(s) for s in result])
