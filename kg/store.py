"""One small store protocol, three backends, opened by a descriptor string.

- ``oxigraph:PATH`` — the embedded Oxigraph store, persistent in directory PATH (the default);
- ``memory:`` — an in-process rdflib Dataset, for interoperability with rdflib code;
- ``sparql:QUERY_URL[,UPDATE_URL]`` — any SPARQL 1.1 endpoint over HTTP.

Every backend answers SPARQL with the default graph as the union of all named graphs, writes a
set of named graphs in one transaction (:meth:`Store.replace_graphs`), and binds query
parameters the same way: BIND clauses first in the query's top-level group, written from RDF
term objects, never pasted from user text. (Oxigraph's substitutions accept only projected
variables, and remote endpoints have no other way, so one mechanism serves all three and gives
them the same semantics.)

An ``oxigraph:PATH`` store is written the way a build needs (:meth:`OxigraphStore.replace_graphs`):
into a fresh directory beside it, bulk-loaded, then swapped in by renaming a symbolic link, so a
build that fails or is killed leaves the previous store as it was, and readers keep reading the
previous build while a new one is written. Each build also leaves the privacy-filtered snapshot
that ``iodm serve`` and the reading commands open directly (:meth:`OxigraphStore.published`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, NamedTuple, TypeVar
from urllib.parse import urlsplit

import pyoxigraph as ox

from kg.core.errors import QueryError, StoreError, UsageError
from kg.core.namespaces import BUILD_GRAPH
from kg.core.results import Boolean, Result, Solutions, Triples
from kg.core.sparqltext import has_dataset_clause, main_group_start
from kg.core.terms import Term, canonical_boolean, from_rdflib, to_rdflib

if TYPE_CHECKING:
    from concurrent.futures import Future

Bindings = Mapping[str, Term]
#: Writes into the directory given the named queries' answers on the store given, which holds
#: what the store written holds (see Store.replace_graphs).
Answer = Callable[[Path, ox.Store], object]
R = TypeVar("R", Solutions, Boolean, Triples)

ENV_VAR = "IODM_STORE"


def default_descriptor() -> str:
    """``$IODM_STORE``, else an Oxigraph store in the user's data directory."""
    import os

    if os.environ.get(ENV_VAR):
        return os.environ[ENV_VAR]
    from platformdirs import user_data_dir

    return f"oxigraph:{Path(user_data_dir('iodm', appauthor=False)) / 'store'}"


def open_store(descriptor: str | None = None, *, writable: bool = False) -> Store:
    """Open the store a descriptor names (see the module docs); the default store if None.

    Opened to read (not ``writable``), an ``oxigraph:`` or ``sparql:`` store must hold a build
    (:func:`require_build`): a mistyped path is an error, not an empty store. A ``memory:``
    store is new and empty in each process, for the caller to fill.
    """
    descriptor = descriptor or default_descriptor()
    kind, _, rest = descriptor.partition(":")
    if kind == "oxigraph" and rest:
        store = OxigraphStore(Path(rest).expanduser(), writable=writable)
        return store if writable else require_build(store)
    if kind == "memory" and not rest:
        return MemoryStore()
    if kind == "sparql" and rest:
        query_url, _, update_url = rest.partition(",")
        for url in filter(None, (query_url, update_url)):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise UsageError(
                    f"sparql: needs http(s) URLs, got {url!r}",
                    "use sparql:QUERY_URL[,UPDATE_URL], e.g. sparql:http://127.0.0.1:7878/query",
                )
        remote = SparqlStore(query_url, update_url or None)
        return remote if writable else require_build(remote)
    raise UsageError(
        f"unknown store descriptor {descriptor!r}",
        "use oxigraph:PATH, memory: or sparql:QUERY_URL[,UPDATE_URL]",
    )


def require_build(store: Store) -> Store:
    """``store`` if it holds a built knowledge graph (the build graph that ``iodm build``
    writes); else, closed, a StoreError saying so and what to do."""
    what = f"{store.descriptor} holds no built knowledge graph"
    if isinstance(store, OxigraphStore) and store.path and not store.path.exists():
        raise StoreError(
            f"{what}: there is no store at {store.path}",
            "check the path (--store, or $IODM_STORE), or run `iodm build` first",
        )
    try:
        built = store.ask(f"ASK {{ GRAPH <{BUILD_GRAPH}> {{ ?s ?p ?o }} }}")
    except BaseException:
        store.close()
        raise
    if built:
        return store
    store.close()
    if isinstance(store, SparqlStore):
        hint = f"load one into it: `iodm push {store.descriptor}`"
    elif isinstance(store, MemoryStore):
        hint = "a memory: store lives in one process: build into oxigraph:PATH, or use `iodm run`"
    else:
        hint = "run `iodm build` first"
    raise StoreError(what, hint)


class Store(ABC):
    """What IODM needs of a store. Subclasses implement the abstract methods."""

    descriptor: str

    def query(self, sparql: str, bindings: Bindings | None = None) -> Result:
        """Run a SPARQL query; the default graph is the union of all named graphs.

        ``bindings`` pre-bind variables by name (see :func:`bind_parameters`).
        """
        return self._query(bind_parameters(sparql, bindings) if bindings else sparql)

    def select(self, sparql: str, bindings: Bindings | None = None) -> Solutions:
        """Run a SELECT query (see :meth:`query`); a QueryError for any other form."""
        return _expect(Solutions, self.query(sparql, bindings))

    def construct(self, sparql: str, bindings: Bindings | None = None) -> Triples:
        """Run a CONSTRUCT or DESCRIBE query (see :meth:`query`); a QueryError for any other."""
        return _expect(Triples, self.query(sparql, bindings))

    def ask(self, sparql: str, bindings: Bindings | None = None) -> bool:
        """Run an ASK query (see :meth:`query`); a QueryError for any other form."""
        return bool(_expect(Boolean, self.query(sparql, bindings)))

    @abstractmethod
    def _query(self, sparql: str) -> Result:
        """Run a query as it is."""

    @abstractmethod
    def update(self, sparql: str) -> None:
        """Run a SPARQL update request, in one transaction where the engine offers one."""

    def replace_graphs(
        self,
        graphs: Mapping[str, Collection[ox.Triple]],
        drop: Iterable[str] = (),
        answer: Answer | None = None,
        staged: ox.Store | None = None,
    ) -> None:
        """Drop the graphs in ``drop`` and in ``graphs``, then write ``graphs``: all or nothing.
        ``staged``, if given, is a store in memory holding what the store will: ``graphs`` and
        the graphs kept (a build's staging store): a backend may write from it rather than
        read the collections. ``answer`` writes the named queries' answers for the store
        written into the directory it is given (:mod:`kg.answers`), for a backend that keeps
        them (Oxigraph on disk): on ``staged``, where queries run faster, if given, else on
        the store written."""
        self.update(_replace_request(graphs, drop))

    def answers(self) -> Path | None:
        """The directory of the named queries' answers that hold for this store as it is
        (:mod:`kg.answers`), if it has one."""
        return None

    def reserve(self) -> None:  # noqa: B027 - optional for backends
        """Claim the store for a build that will write it (where the backend can)."""

    def named_graphs(self) -> list[str]:
        result = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return sorted(g.value for (g,) in result.rows if isinstance(g, ox.NamedNode))

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad of one named graph, or of all named graphs."""
        bindings = {"g": ox.NamedNode(graph)} if graph else None
        result = self.select("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }", bindings)
        g_node = ox.NamedNode(graph) if graph else None
        for s, p, o, g in result.rows:
            yield ox.Quad(s, p, o, g or g_node)  # type: ignore[arg-type]

    def close(self) -> None:  # noqa: B027 - optional for backends
        """Release the store."""

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.descriptor}>"


def _expect(form: type[R], result: Result) -> R:
    if not isinstance(result, form):
        raise QueryError(f"the query must be {form.form}, not {result.form}")
    return result


def _replace_request(graphs: Mapping[str, Collection[ox.Triple]], drop: Iterable[str]) -> str:
    """One SPARQL update request: DROP the graphs, then INSERT DATA the new ones."""
    parts = [f"DROP SILENT GRAPH <{g}>" for g in sorted(set(drop) | set(graphs))]
    body = "\n".join(
        f"GRAPH <{g}> {{\n" + "\n".join(f"{t} ." for t in triples) + "\n}"
        for g, triples in graphs.items()
        if triples
    )
    if body:
        parts.append(f"INSERT DATA {{\n{body}\n}}")
    return " ;\n".join(parts) if parts else ""


# --- Oxigraph -----------------------------------------------------------------------------------


class Built(NamedTuple):
    """The privacy-filtered snapshot a build left (:meth:`OxigraphStore.published`)."""

    #: its directory: the store's own when the filter withheld nothing
    directory: Path
    #: how many statements the filter withheld
    withheld: int
    #: how many statements it holds, as the build wrote them (None from earlier builds)
    statements: int | None = None


class OxigraphStore(Store):
    """The embedded Oxigraph store: in a directory (opened read-only unless asked to write), or,
    without a path, in memory and writable — the scratch store of derivations, what-if
    scenarios and published snapshots, with the same query semantics as the one on disk.

    On disk, ``PATH`` is a symbolic link to the current build's ``data`` directory under
    ``PATH.builds/`` (:meth:`replace_graphs`); a store written by an earlier IODM, a plain
    directory, is moved there by its next build.
    """

    def __init__(
        self,
        path: Path | None = None,
        *,
        writable: bool = False,
        quads: Iterable[ox.Quad] = (),
        store: ox.Store | None = None,
    ) -> None:
        """On disk at ``path``, or in memory: ``store`` (a store in memory already filled), or a
        new one holding ``quads``."""
        self.path = path
        self.descriptor = f"oxigraph:{path}" if path else "oxigraph: (in memory)"
        self.writable = writable or path is None
        self._store: ox.Store | None = None
        self._lock: IO[str] | None = None  # the writer's claim on PATH.lock (see _claim)
        self._in_place = False  # whether _store is opened to write in place
        if path is None:
            self._store = ox.Store() if store is None else store
            self._store.extend(quads)

    def add(self, triples: Iterable[ox.Triple], graph: str) -> None:
        """Add triples to one named graph (no transaction: for stores in memory).

        In chunks of :data:`_CHUNK`, each written as N-Triples and parsed by the store: 1.4x
        faster than making a quad of each triple in Python, and Oxigraph holds one chunk at a
        time, not them all. A parse gives blank nodes labels of its own, so a chunk with one is
        added as quads instead."""
        import itertools

        g = ox.NamedNode(graph)
        store = self._writer()
        triples = iter(triples)
        while chunk := list(itertools.islice(triples, _CHUNK)):
            if _has_blank_node(chunk):
                store.extend(ox.Quad(t.subject, t.predicate, t.object, g) for t in chunk)
            else:
                text = ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES)
                store.load(text, ox.RdfFormat.N_TRIPLES, to_graph=g)

    def copy(self) -> OxigraphStore:
        """A new store in memory holding every quad of this one."""
        return OxigraphStore(quads=self.quads())

    @property
    def store(self) -> ox.Store:
        if self._store is None:
            self._store = self._open()
        return self._store

    def _open(self) -> ox.Store:
        assert self.path is not None  # a store in memory is made in __init__
        try:
            if self.writable:
                self._claim()
                if self.path.is_symlink():  # a build's: read, and written in place on demand
                    return ox.Store.read_only(str(self.path))
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._claim(in_place=True)
                self._in_place = True
                return ox.Store(str(self.path))
            if not self.path.exists():
                return ox.Store()  # nothing built yet: an empty store answers empty results
            self._check_no_writer()
            return ox.Store.read_only(str(self.path))
        except OSError as e:
            raise StoreError(
                f"cannot open the Oxigraph store at {self.path}: {e}",
                "another process may hold it for writing (an `iodm serve`?); stop it and retry",
            ) from e

    def _writer(self) -> ox.Store:
        """The store, to change in place: on disk, the build's privacy-filtered snapshot no
        longer shows it, so it is given up first (readers filter as they open instead)."""
        if self.path is not None:
            if not self.writable:
                raise StoreError(f"{self.descriptor} was opened read-only")
            if not self._in_place:
                self._store = None
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._claim(in_place=True)
                self._store = ox.Store(str(self.path))
                self._in_place = True
            (self._build_dir() / _PRIVACY).unlink(missing_ok=True)
        return self.store

    def reserve(self) -> None:
        """Claim an on-disk store for a build now, so a second build stops at once."""
        if self.path is not None:
            if not self.writable:
                raise StoreError(f"{self.descriptor} was opened read-only")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._claim()

    def _query(self, sparql: str) -> Result:
        # The union default graph would hide a query's own FROM: honour it, as endpoints do.
        return self.run(sparql, union=not has_dataset_clause(sparql))

    def run(
        self,
        sparql: str,
        *,
        base_iri: str | None = None,
        union: bool = True,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        read: Callable[[Iterable[Any]], Iterable[Any]] = iter,
    ) -> Result:
        """Run a query as it is, on a dataset of its own (SPARQL 1.1 Protocol §2.1.4).

        The default graph is the union of the named graphs unless graphs are given or ``union``
        is False (then it is the query's FROM, else the store's default graph); ``named_graphs``
        None means all of them. ``read`` is wrapped around the rows (or triples) as they are
        read, so a caller can stop reading at its own limits by raising.
        """
        try:
            result = self.store.query(
                sparql,
                base_iri=base_iri,
                use_default_graph_as_union=union and default_graph is None and named_graphs is None,
                default_graph=None
                if default_graph is None
                else [ox.NamedNode(g) for g in default_graph],
                named_graphs=None
                if named_graphs is None
                else [ox.NamedNode(g) for g in named_graphs],
            )
            if isinstance(result, ox.QueryBoolean):
                return Boolean(bool(result))
            if isinstance(result, ox.QuerySolutions):
                # a solution iterates its values in the order of the variables, None if unbound
                rows = [tuple(sol) for sol in read(result)]
                return Solutions([v.value for v in result.variables], rows)
            return Triples(list(read(result)))
        except SyntaxError as e:
            raise QueryError(f"malformed SPARQL query: {e.msg}") from e
        except OSError as e:  # raised while the query runs, which is while it is read
            raise StoreError(f"the query failed in {self.descriptor}: {e}") from e

    def update(self, sparql: str) -> None:
        if not sparql:
            return
        if not self.writable:
            raise StoreError(f"{self.descriptor} was opened read-only")
        try:
            store = self._writer()
            store.update(sparql)
            store.flush()
        except SyntaxError as e:
            raise QueryError(f"malformed SPARQL update: {e.msg}") from e
        except OSError as e:
            raise StoreError(f"the update failed in {self.descriptor}: {e}") from e

    def replace_graphs(
        self,
        graphs: Mapping[str, Collection[ox.Triple]],
        drop: Iterable[str] = (),
        answer: Answer | None = None,
        staged: ox.Store | None = None,
    ) -> None:
        """On disk: a new build directory holding the graphs of the current one but those in
        ``drop`` and ``graphs``, then ``graphs``, bulk-loaded (all of it from ``staged``, if
        given, in one load); then the privacy-filtered snapshot
        (:meth:`published`) and, when it is the store itself, the answers ``answer`` writes
        (:meth:`answers`): on ``staged``, in a thread while the store is written (given up if
        the snapshot is filtered), else on the new store; then ``PATH`` is pointed at it by an
        atomic rename. A failure (a full disk, a kill) at any point leaves ``PATH`` as it was
        and readers reading it; the next build removes what a killed one left. Builds older
        than the previous one are removed (a reader still open on one keeps its open files)."""
        if self.path is None:  # in memory: no request text to build (slow at scale)
            for g in sorted({*drop, *graphs}):
                if self.store.contains_named_graph(ox.NamedNode(g)):
                    self.store.remove_graph(ox.NamedNode(g))
            self.store.extend(_quads(graphs))
            return
        import itertools
        import json
        import shutil

        from kg.core.files import write_text as _write_text

        self.reserve()
        replaced = {ox.NamedNode(g) for g in [*drop, *graphs]}
        builds = self._builds()
        answering: Future[object] | None = None  # on `staged`, while the store is written
        try:
            new = self._new_build_dir()
            earlier = new.with_name(new.name + "-earlier")  # where a plain-directory store goes
            previous = self._build_dir() if self.path.is_symlink() else earlier
            current = self._store
            if current is None and self.path.exists():
                current = ox.Store.read_only(str(self.path))
            kept = (
                []
                if current is None
                else [
                    g
                    for g in [*current.named_graphs(), ox.DefaultGraph()]
                    if g not in replaced and _any_quad(current, g)
                ]
            )
            if staged is not None:
                holds: set[Any] = set(staged.named_graphs())
                if _any_quad(staged, ox.DefaultGraph()):
                    holds.add(ox.DefaultGraph())
                if not set(kept) <= holds <= {*kept, *replaced}:
                    raise ValueError("the staged store does not hold what the store will")
                if answer is not None:
                    answering = _in_thread(answer, new / _ANSWERS, staged)
            fresh = ox.Store(str(new / _DATA))
            rest, written = graphs, 0
            if staged is not None:
                # One bulk load of everything: the loader sorts it all at once, where loads one
                # after another leave RocksDB files that overlap, to compact (4 CPU-s at a
                # million triples). Its quads are read from the store as they are, so blank
                # nodes keep their labels (a parse of a dump would label them anew), and this
                # takes less CPU than writing a dump and parsing it (10.4 against 11.5 CPU-s
                # for 1.4 million quads).
                fresh.bulk_extend(staged)
                rest, kept, written = {}, [], len(staged)
            held = {  # dumped by their store and loaded, without a Python object per triple
                g: ts
                for g, ts in rest.items()
                if isinstance(ts, LoadedGraph) and not ts.has_blank_node()
            }
            kept_quads = itertools.chain.from_iterable(
                current.quads_for_pattern(None, None, None, g)  # type: ignore[union-attr]
                for g in kept
            )
            counted = itertools.count()  # the quads kept, counted as they go by
            fresh.bulk_extend(  # one bulk load: each call writes files of its own
                itertools.chain(
                    (q for q, _ in zip(kept_quads, counted, strict=False)),
                    _quads({g: ts for g, ts in rest.items() if g not in held}),
                )
            )
            for g, graph in held.items():
                dumped = new / "held.nt"
                graph.dump(dumped)
                fresh.bulk_load(
                    path=str(dumped), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(g)
                )
                dumped.unlink()
            written += next(counted) + sum(map(len, rest.values()))
            del current
            fresh.flush()
            record = _write_published(fresh, new)
            record["statements"] = written - record["withheld"]
            if answering is not None:
                answering.result()
                if record["store"] != _DATA:  # answers of what the snapshot withholds: gone
                    shutil.rmtree(new / _ANSWERS)
            elif answer is not None and record["store"] == _DATA:
                answer(new / _ANSWERS, fresh)
            if answer is not None and record["store"] == _DATA:
                record["answers"] = _ANSWERS
            del fresh
            _write_text(new / _PRIVACY, json.dumps(record) + "\n")
            self._store, self._in_place = None, False  # the previous build's: reopened on use
            _swap(self.path, new / _DATA, earlier)
        except BaseException as e:
            if answering is not None:  # it writes into the build's directory until it ends
                from concurrent.futures import wait

                wait([answering])
            if "new" in locals():
                shutil.rmtree(new, ignore_errors=True)
            if isinstance(e, OSError):
                from kg.core.files import disk_error

                raise (disk_error(e, builds) or e) from None
            raise
        keep = {new.resolve(), previous.resolve()}  # a relative PATH resolves the same way
        for old in builds.iterdir():
            if old.resolve() not in keep:
                shutil.rmtree(old, ignore_errors=True)

    def _new_build_dir(self) -> Path:
        """A fresh, empty build directory under ``PATH.builds/``, named by time and process."""
        import datetime as dt
        import os

        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%f")
        new = self._builds() / f"{stamp}-{os.getpid()}"
        try:
            (new / _DATA).mkdir(parents=True)
        except OSError as e:
            from kg.core.files import disk_error

            raise (disk_error(e, self._builds()) or e) from None
        return new

    def published(self) -> Built | None:
        """The privacy-filtered snapshot of the current build, if it still shows the store
        (see :class:`Built`). None in memory, before a build, or once the store has been
        changed in place (an update): then readers filter what they read themselves."""
        if self.path is None or not self.path.is_symlink():
            return None
        import json

        build = self._build_dir()
        try:
            record = json.loads((build / _PRIVACY).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        statements = record.get("statements")
        return Built(build / str(record["store"]), int(record["withheld"]), statements)

    def answers(self) -> Path | None:
        """The named queries' answers of this build (:mod:`kg.answers`), for ``PATH`` and for
        the build's ``data`` directory opened as a store of its own (the published snapshot,
        :func:`kg.pipeline.views.open_view`): present when the snapshot is the store itself,
        gone once the store is changed in place."""
        if self.path is None or self._in_place:
            return None
        import json

        data = self.path.resolve()
        try:
            record = json.loads((data.parent / _PRIVACY).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if data.name != _DATA or record.get("store") != _DATA or "answers" not in record:
            return None
        return data.parent / str(record["answers"])

    def _builds(self) -> Path:
        assert self.path is not None
        return self.path.with_name(self.path.name + ".builds")

    def _build_dir(self) -> Path:
        """The current build's directory (the parent of the ``data`` that ``PATH`` links to);
        for a store of the earlier layout, a directory that never holds a snapshot."""
        assert self.path is not None
        return self.path.resolve().parent if self.path.is_symlink() else self._builds() / "-"

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode))

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        if graph is None:
            for q in self.store.quads_for_pattern(None, None, None, None):
                if not isinstance(q.graph_name, ox.DefaultGraph):
                    yield q
        else:
            yield from self.store.quads_for_pattern(None, None, None, ox.NamedNode(graph))

    def _check_no_writer(self) -> None:
        """A read-only open while another process writes the store in place can read files
        that the writer's compaction deletes under it: say who writes instead. A build writes a
        new directory, not this one: reading meanwhile is safe, and reads the previous build."""
        import fcntl

        assert self.path is not None
        lock = self.path.with_name(self.path.name + ".lock")
        if not lock.exists():
            return
        with lock.open("r") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                pid, _, how = handle.read().strip().partition(" ")
                if how == _BUILDING:
                    return
                raise StoreError(
                    f"{self.descriptor} is being written by process {pid or 'unknown'}",
                    "retry when it has finished",
                ) from None

    def _claim(self, in_place: bool = False) -> None:
        """Take the store for writing, or say who has it: RocksDB's own lock only says "No
        locks available". The claim is an flock on ``PATH.lock`` holding the writer's process
        id and whether it writes in place or builds a new directory; the kernel releases it
        when that process ends, however it ends. A reader opening while a writer changes the
        store in place is told the same (:meth:`_check_no_writer`)."""
        import fcntl
        import os

        assert self.path is not None
        if self._lock is None:
            lock = self.path.with_name(self.path.name + ".lock")
            handle = lock.open("a+")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                pid = handle.read().strip().partition(" ")[0] or "unknown"
                handle.close()
                raise StoreError(
                    f"{self.descriptor} is being written by process {pid} (an `iodm build`?)",
                    "wait for it to finish, or stop it",
                ) from None
            self._lock = handle
        self._lock.seek(0)
        self._lock.truncate()
        self._lock.write(f"{os.getpid()} {_IN_PLACE if in_place else _BUILDING}\n")
        self._lock.flush()

    def close(self) -> None:
        if self.path is not None:
            # pyoxigraph closes the database when the object is collected
            self._store, self._in_place = None, False
            lock, self._lock = self._lock, None
            if lock is not None:
                lock.close()  # releases the flock


#: The layout of a build directory under ``PATH.builds/``: the store, and the record of its
#: privacy-filtered snapshot (``{"store": "data" | "public", "withheld": N}``).
_DATA, _PUBLIC, _PRIVACY, _ANSWERS = "data", "public", "privacy.json", "answers"
#: How many triples OxigraphStore.add hands the store at a time.
_CHUNK = 50_000
#: What the lock file says the writer does (see OxigraphStore._claim).
_BUILDING, _IN_PLACE = "building", "in-place"


def _any_quad(store: ox.Store, graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> bool:
    return next(iter(store.quads_for_pattern(None, None, None, graph)), None) is not None


def _write_published(store: ox.Store, build: Path) -> dict[str, Any]:
    """Filter the named graphs of a new build's store for privacy (:mod:`kg.core.privacy`):
    when nothing is withheld (as the build's checks make usual), the snapshot is the store
    itself; else the filtered quads are a store of their own beside it. Returns the record
    for ``privacy.json``, which the caller writes last."""
    from kg.core.privacy import protect, withholds_nothing

    where, withheld = _DATA, 0
    if _any_quad(store, ox.DefaultGraph()) or not withholds_nothing(store):
        named = (
            q
            for q in store.quads_for_pattern(None, None, None, None)
            if not isinstance(q.graph_name, ox.DefaultGraph)
        )
        filtered = protect(named)
        public = ox.Store(str(build / _PUBLIC))
        public.bulk_extend(filtered.quads)
        public.flush()
        del public
        where, withheld = _PUBLIC, filtered.withheld
    return {"store": where, "withheld": withheld}


def _swap(link: Path, target: Path, earlier: Path) -> None:
    """Point the symbolic link ``link`` at ``target`` by one rename (atomic on POSIX); a
    directory at ``link`` (a store of the earlier layout) is first moved to ``earlier``."""
    import os

    temporary = link.with_name(f".{link.name}.{os.getpid()}.link")
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(os.path.relpath(target, link.parent))
    if link.is_dir() and not link.is_symlink():
        earlier.mkdir()
        link.rename(earlier / _DATA)
    os.replace(temporary, link)
    directory = os.open(link.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


class LoadedGraph(Collection[ox.Triple]):
    """A graph of a store in memory, held there rather than as a Python object per triple: a
    user's Turtle or N-Triples file that Oxigraph loaded (see
    :func:`kg.pipeline.load.parse_all`), or what the build derived; a source holds this in
    place of a list.

    Iterating a file's graph parses the file again, a triple at a time, so that each literal is
    as written: the store keeps literals canonical (``"05"^^xsd:integer`` as ``"5"``, a
    language tag in lower case), and a message must quote the file. The file holds no blank
    node (those files are parsed into lists), so the file's terms and the store's are the same
    nodes. A graph with no file is read from the store. ``len`` and :meth:`matching` ask the
    store: ``len`` counts distinct triples, as the store holds them."""

    def __init__(
        self,
        store: ox.Store,
        graph: str,
        path: Path | None = None,
        format: ox.RdfFormat = ox.RdfFormat.N_TRIPLES,
        base_iri: str | None = None,
    ) -> None:
        self.store, self.graph = store, ox.NamedNode(graph)
        self.path, self.format, self.base_iri = path, format, base_iri
        found = store.query(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {self.graph} {{ ?s ?p ?o }} }}"
        )
        self._len = int(next(iter(found))["n"].value)  # type: ignore[arg-type,union-attr]

    def __iter__(self) -> Iterator[ox.Triple]:
        if self.path is None:
            yield from self.matching()
            return
        with self.path.open("rb") as f:
            for quad in ox.parse(f, format=self.format, base_iri=self.base_iri):
                yield quad.triple

    def __len__(self) -> int:
        return self._len

    def __contains__(self, triple: object) -> bool:
        if not isinstance(triple, ox.Triple):
            return False
        return any(self.matching(triple.subject, triple.predicate, triple.object))  # type: ignore[arg-type]

    def matching(
        self,
        subject: ox.NamedNode | None = None,
        predicate: ox.NamedNode | None = None,
        object: ox.NamedNode | ox.Literal | None = None,
    ) -> Iterator[ox.Triple]:
        """The triples of the graph that match the pattern, from the store's indexes."""
        for quad in self.store.quads_for_pattern(subject, predicate, object, self.graph):
            yield quad.triple

    def dump(self, path: Path) -> None:
        """Write the graph to ``path`` as N-Triples (in Rust, as the store holds it)."""
        self.store.dump(str(path), ox.RdfFormat.N_TRIPLES, from_graph=self.graph)

    def has_blank_node(self) -> bool:
        """Whether a blank node (or a triple term, which may hold one) is in the graph: a
        load of its dump would label it anew."""
        plain = "FILTER(!isIRI(?s) || !(isIRI(?o) || isLiteral(?o)))"
        return bool(self.store.query(f"ASK {{ GRAPH {self.graph} {{ ?s ?p ?o {plain} }} }}"))


def matching(
    triples: Iterable[ox.Triple],
    subject: ox.NamedNode | None = None,
    predicate: ox.NamedNode | None = None,
    object: ox.NamedNode | ox.Literal | None = None,
) -> Iterator[ox.Triple]:
    """The triples that match the pattern: from the indexes of a :class:`LoadedGraph`'s store,
    else one pass over the list."""
    if isinstance(triples, LoadedGraph):
        yield from triples.matching(subject, predicate, object)
        return
    for t in triples:
        if (
            (subject is None or t.subject == subject)
            and (predicate is None or t.predicate == predicate)
            and (object is None or t.object == object)
        ):
            yield t


def _has_blank_node(triples: Iterable[ox.Triple]) -> bool:
    """Whether a blank node (or a quoted triple, which may hold one) is among the terms."""
    plain = (ox.NamedNode, ox.Literal)
    return any(
        not isinstance(t.subject, ox.NamedNode) or not isinstance(t.object, plain) for t in triples
    )


def _quads(graphs: Mapping[str, Iterable[ox.Triple]]) -> Iterator[ox.Quad]:
    for graph, triples in graphs.items():
        g = ox.NamedNode(graph)
        for t in triples:
            yield ox.Quad(t.subject, t.predicate, t.object, g)


def _in_thread(fn: Callable[..., object], *args: object) -> Future[object]:
    """``fn(*args)`` begun in a thread of its own: its result or error, from the future."""
    from concurrent.futures import ThreadPoolExecutor

    executor = ThreadPoolExecutor(1)
    future = executor.submit(fn, *args)
    executor.shutdown(wait=False)  # the thread ends with the call
    return future


def copy_in_memory(store: Store) -> OxigraphStore:
    """A new Oxigraph store in memory holding every quad of ``store`` (which is only read)."""
    return OxigraphStore(quads=store.quads())


# --- rdflib, in memory -------------------------------------------------------------------------


class MemoryStore(Store):
    """An in-process rdflib Dataset (its default graph is the union of the named graphs)."""

    descriptor = "memory:"

    def __init__(self) -> None:
        from rdflib import Dataset

        self.dataset = Dataset(default_union=True)

    def _query(self, sparql: str) -> Result:
        try:
            result = self.dataset.query(sparql)
        except Exception as e:  # rdflib raises pyparsing errors and bare Exceptions
            raise QueryError(f"the query failed in memory:: {e}") from e
        if result.type == "SELECT":
            names = [str(v) for v in result.vars or []]
            rows = [
                tuple(None if t is None else from_rdflib(t) for t in row)  # type: ignore[union-attr]
                for row in result
            ]
            return Solutions(names, rows)
        if result.type == "ASK":
            return Boolean(bool(result.askAnswer))
        assert result.graph is not None
        return Triples(
            [
                ox.Triple(from_rdflib(s), from_rdflib(p), from_rdflib(o))  # type: ignore[arg-type]
                for s, p, o in result.graph
            ]
        )

    def update(self, sparql: str) -> None:
        if sparql:
            self.dataset.update(sparql)

    def replace_graphs(
        self,
        graphs: Mapping[str, Collection[ox.Triple]],
        drop: Iterable[str] = (),
        answer: Answer | None = None,
        staged: ox.Store | None = None,
    ) -> None:
        from rdflib import URIRef

        # Convert everything first, so a failure leaves the dataset untouched.
        converted = {
            g: [(to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)) for t in ts]
            for g, ts in graphs.items()
        }
        for g in set(drop) | set(graphs):
            self.dataset.remove_graph(URIRef(g))
        for g, triples in converted.items():
            graph = self.dataset.graph(URIRef(g))
            for triple in triples:
                graph.add(triple)  # type: ignore[arg-type]

    def named_graphs(self) -> list[str]:
        from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

        return sorted(
            str(c.identifier)
            for c in self.dataset.graphs()
            if c.identifier != DATASET_DEFAULT_GRAPH_ID and len(c)
        )


# --- any SPARQL 1.1 endpoint --------------------------------------------------------------------


class SparqlStore(Store):
    """A remote SPARQL 1.1 endpoint (Protocol for queries, Update for writes).

    The endpoint must treat its default graph as the union of its named graphs (Oxigraph's
    ``--union-default-graph``; Virtuoso does by default). Solutions come back as the endpoint
    wrote them, except xsd:boolean values, which are given their canonical form (Virtuoso
    writes ``1``/``0`` for ``true``/``false``).
    """

    def __init__(self, query_url: str, update_url: str | None = None, timeout: float = 60) -> None:
        self.query_url = query_url
        self.update_url = update_url
        self.timeout = timeout
        self.descriptor = f"sparql:{query_url}" + (f",{update_url}" if update_url else "")

    def _post(self, url: str, form: dict[str, str], accept: str) -> tuple[str, bytes]:
        import urllib.error
        import urllib.parse
        import urllib.request

        data = urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(
            url,
            data=data,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.headers.get("Content-Type", ""), response.read()
        except urllib.error.HTTPError as e:
            body = e.read().decode("utf-8", "replace").strip()[:500]
            cls = QueryError if e.code == 400 else StoreError
            raise cls(f"{url} answered {e.code} {e.reason}: {body}") from e
        except (urllib.error.URLError, OSError) as e:
            raise StoreError(
                f"cannot reach the SPARQL endpoint {url}: {e}", "is the server running?"
            ) from e

    def _query(self, sparql: str) -> Result:
        accept = "application/sparql-results+json, application/n-triples;q=0.9"
        content_type, body = self._post(self.query_url, {"query": sparql}, accept)
        media = content_type.split(";")[0].strip()
        if media in ("application/sparql-results+json", "application/json"):
            parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            if isinstance(parsed, ox.QueryBoolean):
                return Boolean(bool(parsed))
            variables = parsed.variables
            return Solutions(
                [v.value for v in variables],
                [tuple(canonical_boolean(s[v]) for v in variables) for s in parsed],
            )
        if media in ("application/n-triples", "text/plain", "text/turtle"):
            fmt = ox.RdfFormat.TURTLE if media == "text/turtle" else ox.RdfFormat.N_TRIPLES
            return Triples([q.triple for q in ox.parse(body, format=fmt)])
        raise StoreError(f"{self.query_url} answered with an unexpected type {content_type!r}")

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad, checked against the endpoint's own count: an endpoint that caps result
        rows (Virtuoso's ResultSetMaxRows) would otherwise cut the copy short without a word."""
        quads = list(super().quads(graph))
        pattern = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "GRAPH ?g { ?s ?p ?o }"
        (n,) = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}").rows[0]
        expected = int(n.value) if isinstance(n, ox.Literal) else 0
        if len(quads) != expected:
            raise StoreError(
                f"{self.query_url} returned {len(quads):,} of the {expected:,} quads it holds",
                "raise the endpoint's limit on result rows (Virtuoso: ResultSetMaxRows)",
            )
        yield from quads

    def update(self, sparql: str) -> None:
        if not sparql:
            return
        if not self.update_url:
            raise StoreError(
                f"{self.descriptor} is read-only",
                "give an update endpoint: sparql:QUERY_URL,UPDATE_URL",
            )
        self._post(self.update_url, {"update": sparql}, "*/*")


def bind_parameters(sparql: str, bindings: Bindings) -> str:
    """Bind variables with BIND clauses placed first in the query's top-level group.

    Terms are written in N-Triples syntax from RDF term objects, so no user text reaches the
    query unescaped, and a literal holding a backslash so that no engine's ``\\u`` expansion
    can change it (:func:`kg.core.terms.sparql_term`). A binding first in the group is
    visible to the whole group, its FILTERs included, as a one-row VALUES block would be;
    Virtuoso 7.2 runs some queries with such a VALUES block for ever (CQ5 on the toy
    fixture), so every engine gets BIND.

    >>> from kg.core.terms import literal
    >>> bind_parameters("SELECT ?x WHERE { ?x ?p ?n }", {"n": literal("5")})
    'SELECT ?x WHERE { BIND ("5" AS ?n) ?x ?p ?n }'
    """
    for name, term in bindings.items():
        if isinstance(term, ox.BlankNode):
            raise UsageError(f"parameter {name}: a blank node cannot be bound")
    from kg.core.terms import sparql_term

    block = "".join(f"BIND ({sparql_term(term)} AS ?{name}) " for name, term in bindings.items())
    brace = main_group_start(sparql)
    return sparql[: brace + 1] + " " + block + sparql[brace + 1 :].lstrip()
