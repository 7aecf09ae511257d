"""The one rule runner: what the build derives (``queries/derive/``) and what the analysis
derives (``queries/rules/``) run the same way.

The rules of a folder run in the order of their ``#+ stage:`` headers (then by id), on an
Oxigraph store in memory, each seeing what the rules before it added. A rule is a CONSTRUCT
query, whose triples are what it derives, or a SELECT query whose rows a Python function turns
into triples, for what SPARQL 1.1 cannot compute (shortest paths, trigonometry): the caller names
those functions by rule id. Parameters a caller gives reach the rules that declare them; a lean
rule's ``factor`` and ``pole`` headers are bound too (see :mod:`kg.queries`).

A caller that only keeps what the rules derive as a set (the build) may run them without their
``ORDER BY``: every rule has one, for whoever runs it as a query, and on a million triples
sorting costs more than deriving.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox

from kg.core.errors import Location, ParseError
from kg.core.results import Solutions
from kg.core.sparqltext import tokens
from kg.queries import NamedQuery, library
from kg.store import OxigraphStore

#: Turns the rows of a SELECT rule into the triples it derives.
Compute = Callable[[Solutions], Iterable[ox.Triple]]


def ruleset(group: str, root: Path | None = None) -> list[NamedQuery]:
    """The rules of one folder of ``queries/`` (or of ``root``), in the order they run: by
    stage, then by id."""
    found = [q for q in library(root).values() if q.group == group]
    for rule in found:
        if rule.stage is None:
            raise ParseError(
                Location(str(rule.path), 1, 1),
                f"rule {rule.id} has no stage",
                "add a header line such as '#+ stage: 3': rules run by stage, then by id",
            )
    return sorted(found, key=lambda q: (q.stage or 0, q.id))


def run(
    store: OxigraphStore,
    rules: Iterable[NamedQuery],
    graph: str,
    params: Mapping[str, str] | None = None,
    compute: Mapping[str, Compute] | None = None,
    *,
    ordered: bool = True,
) -> dict[str, list[ox.Triple]]:
    """Run ``rules`` in order on ``store``, adding what each derives to the named graph ``graph``
    so that the rules after it see it. Returns, by rule id, the triples each added: a triple the
    store already holds (in any graph) is not added again.

    ``params`` are values by parameter name, given to each rule that declares the parameter;
    ``compute`` turns the rows of a SELECT rule into triples, by rule id. With ``ordered``
    False, the rules run without their top-level ``ORDER BY`` (:func:`unordered`), so the
    triples each added come in no particular order.
    """
    given, compute = params or {}, compute or {}
    added: dict[str, list[ox.Triple]] = {}
    for rule in rules:
        values = {p.name: given[p.name] for p in rule.params if p.name in given}
        query = rule if ordered else replace(rule, text=unordered(rule.text))
        if rule.id in compute:
            new: Iterable[ox.Triple] = compute[rule.id](query.select(store, values))
        else:
            new = query.construct(store, values).triples
        fresh = _fresh(store, new)
        _add(store, fresh, graph)
        added[rule.id] = fresh
    return added


def unordered(query: str) -> str:
    """The query without its top-level ``ORDER BY``, unless a ``LIMIT`` or ``OFFSET`` makes the
    order decide which rows there are.

    >>> unordered("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s DESC(?o)")
    'SELECT ?s WHERE { ?s ?p ?o } '
    >>> unordered("SELECT ?s { { SELECT ?s { ?s ?p ?o } ORDER BY ?s } } ORDER BY ?s VALUES ?s {}")
    'SELECT ?s { { SELECT ?s { ?s ?p ?o } ORDER BY ?s } } VALUES ?s {}'
    >>> unordered("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 1")
    'SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 1'
    """
    start = end = None
    for t in tokens(query):
        if t.depth > 0:
            continue
        if t.is_word("LIMIT", "OFFSET"):
            return query
        if start is None and t.is_word("ORDER"):
            start = t.start
        elif start is not None and end is None and t.is_word("VALUES"):
            end = t.start
    if start is None:
        return query
    return query[:start] + query[len(query) if end is None else end :]


def _fresh(store: OxigraphStore, triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """The triples, each once, that the store holds in none of its graphs. A triple is looked up
    only if the store holds its predicate with its object: one look-up for each pair is enough
    for most (each type a closure adds, what only the build derives)."""
    find = store.store.quads_for_pattern
    pairs: dict[tuple[ox.NamedNode, object], bool] = {}  # whether the store holds the pair
    fresh = []
    for t in dict.fromkeys(triples):
        pair = (t.predicate, t.object)
        held = pairs.get(pair)
        if held is None:
            held = pairs[pair] = next(find(None, t.predicate, t.object, None), None) is not None
        if not held or next(find(t.subject, t.predicate, t.object, None), None) is None:
            fresh.append(t)
    return fresh


def _add(store: OxigraphStore, triples: list[ox.Triple], graph: str) -> None:
    """Add triples to a named graph: in a store in memory, parsed from N-Triples in one call,
    which costs about half of making a Python ``Quad`` of each (:meth:`OxigraphStore.add`).
    Triples with blank nodes, which a parse would rename, take that way instead (``_:``
    anywhere in the text, even inside a literal, is enough)."""
    text = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    if store.path is not None or b"_:" in text:
        store.add(triples, graph)
    else:
        store.store.load(text, ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph))
