"""Reading a build as one view: through the privacy filter, all coders or one coder's.

Every reading command (``iodm query``, profiles, agreement, analysis) opens its store with
:func:`open_view`. The coders' graphs are those the build manifest attributes to a coder
(:mod:`kg.pipeline.sheets.coders`, docs/ingest.md).
"""

from __future__ import annotations

import pyoxigraph as ox

from kg.pipeline.sheets.coders import CONSENSUS, PROV_ATTRIBUTED, RDFS_LABEL


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
    """Open a built store for reading, through the privacy filter (:mod:`kg.core.privacy`):
    the snapshot its build filtered (:meth:`kg.store.OxigraphStore.published`), else a
    filtered copy in memory; all of it, or (``coder``) one coder's view of it. A store that
    does not exist or holds no build (a new ``memory:`` one too) is a StoreError."""
    from kg.core.privacy import protected_quads
    from kg.store import MemoryStore, OxigraphStore, open_store, require_build

    store = open_store(descriptor)
    if isinstance(store, MemoryStore):  # open_store leaves a new one for its caller to fill
        require_build(store)
    with store:
        built = store.published() if isinstance(store, OxigraphStore) and not coder else None
        if built is not None:  # the build filtered it already: read it where it lies
            view = OxigraphStore(built[0])
            view.descriptor = store.descriptor
            return view
        source = coder_view(store, coder) if coder else store
        # What a reading command shows passes the privacy filter, as every other output does:
        # a store changed after its build may attach a name to an anonymous interview.
        view = OxigraphStore(quads=protected_quads(source.quads()))
    view.descriptor = f"{store.descriptor} (coder {coder})" if coder else store.descriptor
    return view
