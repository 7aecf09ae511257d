"""The published dataset: a privacy-filtered snapshot of a store.

``iodm serve``, ``iodm publish`` and ``iodm push`` read only from a :class:`Published`, so
whatever a client asks, it asks the filtered snapshot. An ``iodm build`` of an ``oxigraph:``
store leaves one (:meth:`kg.store.OxigraphStore.published`: the store itself when the filter
withholds nothing), opened read-only where it lies (copied into memory when small), so a server
starts in no time whatever the size. Otherwise every named graph of the store is copied through
:func:`kg.publish.privacy.protect` into a :class:`kg.store.OxigraphStore` in memory. An update
(only with the server's token) goes to the store itself, then the snapshot is taken again (a
filtered copy: the build's snapshot no longer shows the store). A restart picks up a new
``iodm build``.

A ``sparql:`` store is copied the same way, by one SELECT over HTTP (about 0.3 s for the built
graph from a local Oxigraph server), and is not asked again until an update: forwarding client
queries to the endpoint instead would let them reach what the privacy filter withholds.

What the build was (:class:`BuiltDataset`) is read from the snapshot: the dataset descriptions
the build manifest references (``<build> dcterms:references <dataset>``), the namespaces they
declare (``void:uriSpace``), and whether the curated graph and the peacekeeping module were
loaded. The home page, VoID and DCAT describe that dataset; every IRI under its namespaces is
served (:class:`kg.publish.iris.Namespaces`).

Queries run with the default graph as the union of the named graphs, unless the query names its
own dataset (FROM / FROM NAMED) or the protocol does (default-graph-uri / named-graph-uri, which
win over the query's). Each query has a time limit and a row limit (:class:`Limits`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

from kg.core.errors import IODMError, QueryError, StoreError
from kg.core.namespaces import BUILD_GRAPH, GRAPH, dcterms, owl, rdf, void
from kg.core.results import Result
from kg.core.sparqltext import add_using, has_dataset_clause, tokens
from kg.publish.privacy import protect
from kg.store import OxigraphStore, Store

T = TypeVar("T")


class QueryTimeout(IODMError):
    """A query ran longer than the server allows."""


class ResultTooLarge(IODMError):
    """A result has more rows (or triples) than the server allows."""

    @classmethod
    def over(cls, max_rows: int) -> ResultTooLarge:
        return cls(
            f"the result has more than {max_rows:,} rows or triples, this server's limit",
            "add a LIMIT, or narrow the query",
        )


@dataclass(frozen=True)
class Limits:
    timeout: float = 30.0  # seconds
    max_rows: int = 10_000  # rows of a SELECT, triples of a CONSTRUCT/DESCRIBE


@dataclass(frozen=True)
class DatasetSpec:
    """The RDF dataset of one request (SPARQL 1.1 Protocol §2.1.4); None means not given."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    @property
    def given(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


PKO = "https://w3id.org/iodm/pko"
#: statements up to which the server reads the build's snapshot from a copy in memory, as do
#: its query workers (about a second to make; pages and queries read several times faster, and
#: a worker's memory bound counts only what a query allocates); above, where it lies on disk
IN_MEMORY = 250_000


@dataclass(frozen=True)
class BuiltDataset:
    """The dataset the build made: the user's descriptions (None and empty for IODM's own
    graph), the namespaces they declare, and which packaged parts the build loaded."""

    descriptions: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    curated: bool = True
    pko: bool = True

    @property
    def iri(self) -> str | None:
        """The main description (the first, by IRI); None for IODM's own graph."""
        return self.descriptions[0] if self.descriptions else None


def built_dataset(store: ox.Store, graphs: list[str]) -> BuiltDataset:
    """What the build manifest of ``store`` says about the dataset."""
    manifest = ox.NamedNode(BUILD_GRAPH)
    references = ox.NamedNode(dcterms.references)
    descriptions = sorted(
        {
            q.object.value
            for q in store.quads_for_pattern(manifest, references, None, manifest)
            if isinstance(q.object, ox.NamedNode)
        }
    )
    namespaces: list[str] = []
    for d in descriptions:
        for q in store.quads_for_pattern(ox.NamedNode(d), ox.NamedNode(void.uriSpace), None):
            obj = q.object
            if isinstance(obj, ox.Literal) and obj.value.startswith(("http://", "https://")):
                namespaces.append(obj.value)
    pko = ox.NamedNode(PKO)
    return BuiltDataset(
        tuple(descriptions),
        tuple(dict.fromkeys(namespaces)),
        curated=any(g.startswith(GRAPH + "data/") for g in graphs),
        pko=next(
            iter(store.quads_for_pattern(pko, ox.NamedNode(rdf.type), ox.NamedNode(owl.Ontology))),
            None,
        )
        is not None,
    )


@dataclass(eq=False)  # compared (and hashed) by identity: each snapshot is a new one
class Snapshot:
    """One privacy-filtered copy of the source, in an Oxigraph store in memory."""

    store: OxigraphStore
    graphs: list[str]
    withheld: int
    taken: float = field(default_factory=time.time)
    dataset: BuiltDataset = field(default_factory=BuiltDataset)
    #: the directory of the build's own snapshot, opened read-only where it lies (the query
    #: workers open it too); None for a copy in memory
    location: Path | None = None
    #: the named queries' answers that hold for it (:mod:`kg.answers`), if its build left them
    answers: Path | None = None
    #: how many statements it holds (as its build recorded them: counting reads every one)
    statements: int = 0


class Published:
    """What the server and the static site publish: the filtered snapshot of ``source``."""

    def __init__(self, source: Store) -> None:
        self.source = source
        self._lock = threading.Lock()
        self._snapshot = self._take()

    # --- the snapshot ------------------------------------------------------------------------

    def _take(self) -> Snapshot:
        """The snapshot the build of an ``oxigraph:`` store left (filtered once, at build:
        opened where it lies, in no time whatever its size); else (another backend, or a store
        changed since its build) every quad of the source copied through the filter."""
        built = self.source.published() if isinstance(self.source, OxigraphStore) else None
        location: Path | None = None
        answers: Path | None = None
        if built is not None:
            location, withheld, statements = built
            store = OxigraphStore(location)
            answers = store.answers()
            if statements is None:  # a build of an earlier IODM: count them (a scan)
                statements = len(store.store)
            if statements <= IN_MEMORY:  # pages and queries read faster from memory
                store, location = store.copy(), None
        else:
            filtered = protect(self.source.quads())
            store, withheld = OxigraphStore(quads=filtered.quads), filtered.withheld
            statements = len(store.store)
        graphs = store.named_graphs()
        dataset = built_dataset(store.store, graphs)
        return Snapshot(
            store,
            graphs,
            withheld,
            dataset=dataset,
            location=location,
            answers=answers,
            statements=statements,
        )

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    @property
    def store(self) -> ox.Store:
        """The snapshot's pyoxigraph store, for the triple-pattern reads of the documents
        (:class:`kg.store.Store` answers SPARQL only)."""
        return self._snapshot.store.store

    @property
    def graphs(self) -> list[str]:
        return self._snapshot.graphs

    @property
    def withheld(self) -> int:
        return self._snapshot.withheld

    @property
    def dataset(self) -> BuiltDataset:
        return self._snapshot.dataset

    def refresh(self) -> None:
        self._snapshot = self._take()

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad of the named graphs (or of one)."""
        return self._snapshot.store.quads(graph)

    def triples(self) -> list[ox.Triple]:
        """The union of the named graphs, each triple once."""
        return list(dict.fromkeys(q.triple for q in self.quads()))

    def knows(self, iri: str) -> bool:
        """Whether the published data mentions this IRI as a subject, object or graph name."""
        node = ox.NamedNode(iri)
        store = self.store
        return (
            next(iter(store.quads_for_pattern(node, None, None, None)), None) is not None
            or next(iter(store.quads_for_pattern(None, None, node, None)), None) is not None
            or iri in self.graphs
        )

    # --- SPARQL ------------------------------------------------------------------------------

    def query(
        self,
        text: str,
        dataset: DatasetSpec | None = None,
        base_iri: str | None = None,
        limits: Limits | None = None,
        cancel: threading.Event | None = None,
    ) -> Result:
        """Run a query on the snapshot; results are read in full, within the limits.

        Runs in the calling thread (the server calls it from a worker thread and stops waiting
        at the time limit); ``cancel`` stops reading a streaming result early. The protocol's
        dataset wins over the query's FROM, which wins over the union of the named graphs.
        """
        _refuse_network(text)
        limits = limits or Limits()
        deadline = time.monotonic() + limits.timeout
        spec = dataset if dataset is not None and dataset.given else None
        try:
            return self._snapshot.store.run(
                text,
                base_iri=base_iri,
                union=not has_dataset_clause(text),
                default_graph=spec.default_graphs if spec else None,
                named_graphs=spec.named_graphs if spec else None,
                read=lambda rows: _bounded(rows, limits, deadline, cancel),
            )
        except (QueryError, StoreError, ResultTooLarge, QueryTimeout) as e:
            # pyoxigraph results must be dropped on the thread that made them: the traceback of
            # an error raised while reading holds the result, so only a copy of the error,
            # without one, goes on to the thread that reports it.
            failure: IODMError = type(e)(e.message, e.hint)
        raise failure from None

    def update(
        self,
        text: str,
        dataset: DatasetSpec | None = None,
        base_iri: str | None = None,
    ) -> None:
        """Run an update on the source store, then take and filter the snapshot again."""
        if dataset is not None and dataset.given:
            text = add_using(text, dataset.default_graphs, dataset.named_graphs)
        if base_iri:
            text = f"BASE <{base_iri}>\n{text}"
        _check_update_syntax(text)
        with self._lock:
            self.source.update(text)
            self.refresh()


def _bounded(
    results: Iterable[T], limits: Limits, deadline: float, cancel: threading.Event | None
) -> Iterator[T]:
    max_rows = limits.max_rows
    for n, item in enumerate(results, start=1):
        if n > max_rows:
            raise ResultTooLarge.over(max_rows)
        if n % 256 == 0 and (time.monotonic() > deadline or (cancel and cancel.is_set())):
            raise QueryTimeout(
                f"the query ran longer than {limits.timeout:g} s, this server's limit",
                "narrow the query or add a LIMIT",
            )
        yield item


def _check_update_syntax(text: str) -> None:
    """Parse an update without touching any data: on an empty store, nothing can change.

    LOAD is refused here: it would fetch from the network, even on an empty store.
    """
    _refuse_network(text)
    OxigraphStore().update(text)


def _refuse_network(text: str) -> None:
    """SERVICE and LOAD would make the server fetch from other hosts: refused."""
    for t in tokens(text):
        if t.is_word("SERVICE", "LOAD"):
            raise QueryError(
                f"{t.text.upper()} is not allowed on this server: "
                "it would fetch data from the network"
            )
