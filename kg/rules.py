"""The one rule runner: what the build derives (``queries/derive/``) and what the analysis
derives (``queries/rules/``) run the same way.

The rules of a folder run in the order of their ``#+ stage:`` headers (then by id), on an
Oxigraph store in memory, each seeing what the rules before it added. A rule is a CONSTRUCT
query, whose triples are what it derives, or a SELECT query whose rows a Python function turns
into triples, for what SPARQL 1.1 cannot compute (shortest paths, trigonometry): the caller names
those functions by rule id. Parameters a caller gives reach the rules that declare them; a lean
rule's ``factor`` and ``pole`` headers are bound too (see :mod:`kg.queries`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pyoxigraph as ox

from kg.core.errors import Location, ParseError
from kg.core.results import Solutions
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
) -> dict[str, list[ox.Triple]]:
    """Run ``rules`` in order on ``store``, adding what each derives to the named graph ``graph``
    so that the rules after it see it. Returns, by rule id, the triples each added: a triple the
    store already holds (in any graph) is not added again.

    ``params`` are values by parameter name, given to each rule that declares the parameter;
    ``compute`` turns the rows of a SELECT rule into triples, by rule id.
    """
    given, compute = params or {}, compute or {}
    added: dict[str, list[ox.Triple]] = {}
    for rule in rules:
        values = {p.name: given[p.name] for p in rule.params if p.name in given}
        if rule.id in compute:
            new: Iterable[ox.Triple] = compute[rule.id](rule.select(store, values))
        else:
            new = rule.construct(store, values).triples
        fresh = [t for t in dict.fromkeys(new) if not _holds(store, t)]
        store.add(fresh, graph)
        added[rule.id] = fresh
    return added


def _holds(store: OxigraphStore, triple: ox.Triple) -> bool:
    quads = store.store.quads_for_pattern(triple.subject, triple.predicate, triple.object, None)
    return next(iter(quads), None) is not None
