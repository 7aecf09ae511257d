"""Several coders: their codings sit side by side, and validation says so instead of failing.

Each coder's rows are in that coder's named graph (docs/ingest.md). Validation runs on the union,
where two coders who gave one response different options make it break "exactly one option".
That is a disagreement between coders, not an error in either coding: such a result becomes a
warning that names each coder's value and points to ``iodm agreement``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.core.namespaces import expand, sh
from kg.core.results import display

if TYPE_CHECKING:
    from kg.pipeline.load import Source
    from kg.pipeline.validate import ValidationReport

PROV_ATTRIBUTED = "http://www.w3.org/ns/prov#wasAttributedTo"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_MAX_COUNT = sh.MaxCountConstraintComponent
#: the coder whose rows are the adjudicated coding
CONSENSUS = "consensus"


def coder_of(source: Source) -> str | None:
    """The coder's name of a source that holds one coder's rows (else None)."""
    agent = next(
        (t.object for t in source.provenance if t.predicate.value == PROV_ATTRIBUTED), None
    )
    if not isinstance(agent, ox.NamedNode):
        return None
    return next(
        (
            t.object.value
            for t in source.provenance
            if t.subject == agent
            and t.predicate.value == RDFS_LABEL
            and isinstance(t.object, ox.Literal)
        ),
        agent.value,
    )


def relax_disagreements(report: ValidationReport, sources: Sequence[Source]) -> None:
    """Turn each cardinality violation that only the union of coders' graphs breaks into a
    warning naming every coder's value."""
    coded = [(coder, s) for s in sources if (coder := coder_of(s)) is not None]
    if len({coder for coder, _ in coded}) < 2:
        return
    candidates = [
        r
        for r in report.results
        if r.severity == "Violation" and r.path and expand(r.constraint) == _MAX_COUNT
    ]
    if not candidates:
        return
    keys = {(_focus_iri(r.focus_term, r.focus_node), expand(r.path)) for r in candidates}
    found: dict[tuple[str, str], dict[str, set[str]]] = {}
    for coder, source in coded:  # one pass over the coders' triples
        for t in source.triples:
            key = (str(getattr(t.subject, "value", "")), t.predicate.value)
            if key in keys:
                found.setdefault(key, {}).setdefault(coder, set()).add(display(t.object))
    results = []
    for r in report.results:
        if r in candidates:
            values = found.get((_focus_iri(r.focus_term, r.focus_node), expand(r.path)), {})
            distinct = {frozenset(v) for v in values.values()}
            if len(values) >= 2 and all(len(v) == 1 for v in values.values()) and len(distinct) > 1:
                said = "; ".join(f"{c}: {', '.join(sorted(v))}" for c, v in sorted(values.items()))
                settle = (
                    "the consensus row settles it"
                    if CONSENSUS in values
                    else "add a row by coder 'consensus' to settle it"
                )
                r = replace(
                    r,
                    severity="Warning",
                    message=f"coders disagree on {r.path} ({said}); the codings are kept side "
                    f"by side (see `iodm agreement`); {settle}",
                )
        results.append(r)
    report.results = results
    report.conforms = not any(r.severity == "Violation" for r in results)


def _focus_iri(term: object, text: str) -> str:
    return term.value if isinstance(term, ox.NamedNode) else expand(text)


def coders_in(store) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Graph IRI → coder name, for the coders' graphs of the last build."""
    from kg.core.namespaces import BUILD_GRAPH

    result = store.select(
        "SELECT ?g ?name WHERE { GRAPH ?build { ?g ?attributed ?agent . ?agent ?label ?name } }",
        {
            "build": ox.NamedNode(BUILD_GRAPH),
            "attributed": ox.NamedNode(PROV_ATTRIBUTED),
            "label": ox.NamedNode(RDFS_LABEL),
        },
    )
    return {g.value: name.value for g, name in result.rows}


def coder_view(store, coder: str):  # type: ignore[no-untyped-def]
    """An in-memory store with one coder's view of a build: every graph without a coder, plus
    that coder's graphs. For ``consensus``: the adjudicated codings (rows by coder
    'consensus'), and for every resource no such row covers, what all its coders agree on."""
    from kg.core.errors import UsageError
    from kg.pipeline.build import managed_graphs
    from kg.store import OxigraphStore

    graphs = managed_graphs(store)
    by_graph = coders_in(store)
    names = sorted(set(by_graph.values()))
    if coder not in names and coder != CONSENSUS:
        raise UsageError(
            f"no coder {coder!r} in {store.descriptor}",
            f"the coders are: {', '.join(names) or 'none (this build has no coded sheets)'}",
        )
    view = OxigraphStore()
    from kg.core.namespaces import BUILD_GRAPH

    view.add([q.triple for q in store.quads(BUILD_GRAPH)], BUILD_GRAPH)
    for g in graphs:
        owner = by_graph.get(g)
        if owner is None or owner == coder:
            view.add([q.triple for q in store.quads(g)], g)
    if coder == CONSENSUS:
        view.add(_agreed(store, by_graph), f"{BUILD_GRAPH}/consensus")
    return view


def _agreed(store, by_graph: dict[str, str]) -> list[ox.Triple]:  # type: ignore[no-untyped-def]
    """The triples about each coded resource that every coder of it states (resources that a
    consensus row covers are left to it)."""
    statements: dict[str, dict[str, set[ox.Triple]]] = {}
    for g, coder in by_graph.items():
        if coder == CONSENSUS:
            continue
        for q in store.quads(g):
            subject = q.subject.value
            statements.setdefault(subject, {}).setdefault(coder, set()).add(q.triple)
    settled = {
        q.subject.value for g, c in by_graph.items() if c == CONSENSUS for q in store.quads(g)
    }
    agreed: list[ox.Triple] = []
    for subject, per_coder in statements.items():
        if subject in settled:
            continue
        agreed += sorted(set.intersection(*per_coder.values()), key=str)
    return agreed


def open_view(descriptor: str | None, coder: str | None):  # type: ignore[no-untyped-def]
    """Open a built store for reading, through the privacy filter (:mod:`kg.core.privacy`),
    in memory: all of it, or (``coder``) one coder's view of it. A store that does not exist or
    holds no build (a new ``memory:`` one too) is a StoreError."""
    from kg.core.privacy import protected_quads
    from kg.store import MemoryStore, OxigraphStore, open_store, require_build

    store = open_store(descriptor)
    if isinstance(store, MemoryStore):  # open_store leaves a new one for its caller to fill
        require_build(store)
    with store:
        source = coder_view(store, coder) if coder else store
        # What a reading command shows passes the privacy filter, as every other output does:
        # a store changed after its build may attach a name to an anonymous interview.
        view = OxigraphStore(quads=protected_quads(source.quads()))
    view.descriptor = f"{store.descriptor} (coder {coder})" if coder else store.descriptor
    return view
