"""What stands between a SPARQL request and the machine: limits on the text, a parser's verdict
on network access, and worker processes that can be stopped.

A query goes through three gates, cheapest first:

1. :func:`check_text`, before anything parses it: a linear scan of the token stream (no
   recursion, so no input can exhaust a stack) that refuses, with a 400 naming the limit, a
   query too long (bytes), too deeply nested (``{``, ``(``, ``[``), with too many operators of
   one kind (UNION branches, OPTIONALs, MINUS, FILTERs, subqueries, property path steps,
   ``||``/``&&`` terms, other operators) or too many tokens; and any ``\\u`` escape that stands
   for a character SPARQL syntax gives meaning to (a quote, ``<``, ``>``, a brace, ``#``,
   a backslash, white space), so that every parser reads the same tokens.
2. :func:`refuse_network`: rdflib's SPARQL parser (codepoint escapes expanded first, as the
   SPARQL grammar says) and a walk of the parse tree; SERVICE (in a query or an update's WHERE)
   and LOAD are refused. FROM and FROM NAMED stay: Oxigraph reads them from the store, never
   from the network. A text rdflib cannot parse is refused as malformed.
3. :class:`QueryPool`: each query runs in one of a few warm worker processes that open the
   published snapshot (a build's store directory, read-only and shared, or a filtered copy
   loaded in memory). The parent accounts the worker's CPU time (``/proc``, with
   ``RLIMIT_CPU`` as a backstop in the worker) and kills it past the time limit, or past
   ``wall_factor`` times it in wall time; each query may grow the worker's address space by
   ``memory_mb`` at most (``RLIMIT_AS``); results are capped in rows and in bytes. A killed
   worker is replaced at once by a spare kept warm (its slot frees at once), and a new spare
   is started. Requests that find every
   worker busy wait at most ``queue_wait`` seconds, and at most ``queue`` of them wait.

Gate 2 runs in the worker (it costs ~50-150 ms of CPU, and its time counts against the limit);
the parent remembers the texts that passed, so a repeated query is parsed once.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import queue
import re
import signal
import tempfile
import threading
import time
import unicodedata
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.core.errors import IODMError, QueryError, StoreError
from kg.core.sparqltext import tokens
from kg.publish.dataset import QueryTimeout, ResultTooLarge

# --- gate 1: limits on the text -------------------------------------------------------------


class QueryRefused(QueryError):
    """A query over one of the server's limits on query text (HTTP 400)."""


@dataclass(frozen=True)
class TextLimits:
    """Limits checked on the query text before it is parsed."""

    max_bytes: int = 65_536
    max_depth: int = 16  # nesting of { ( [ together; rdflib's parser recurses ~60 frames a level
    max_operators: int = 128  # of each kind
    max_tokens: int = 20_000


#: Keywords counted, each kind against ``max_operators``.
KEYWORDS = {
    "UNION": "UNION branches",
    "OPTIONAL": "OPTIONALs",
    "MINUS": "MINUS clauses",
    "FILTER": "FILTERs",
    "SELECT": "SELECT clauses (subqueries)",
    "EXISTS": "EXISTS tests",
    "GRAPH": "GRAPH clauses",
    "BIND": "BINDs",
    "VALUES": "VALUES blocks",
}
PATH = "property path steps (/ | ^)"
LOGICAL = "|| and && terms"
OPERATORS = "operators (+ - * = != < > !)"
OPENERS, CLOSERS = "{([", "})]"
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_SYNTAX_CHARS = set("\"'<>{}()[]#\\;,.|^/&=!")


def check_text(text: str, limits: TextLimits) -> None:
    """Refuse a query text over one of ``limits``, or with a ``\\u`` escape of a character
    that SPARQL syntax gives meaning to; one pass over its tokens, no recursion."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        raise QueryRefused(
            f"the query is {size:,} bytes long; this server takes at most "
            f"{limits.max_bytes:,} (its query-size limit)"
        )
    _check_escapes(text)
    counts: dict[str, int] = {}
    depth = deepest = 0
    pending = ""  # a | or & that a second one right after it would make || or &&
    pending_end = -1
    for n, t in enumerate(tokens(text), start=1):
        if n > limits.max_tokens:
            raise QueryRefused(
                f"the query has more than {limits.max_tokens:,} tokens, this server's limit"
            )
        kind: str | None = None
        paired = False
        if t.kind == "punct":
            c = t.text
            if c in OPENERS:
                depth += 1
                if depth > deepest:
                    deepest = depth
                    if deepest > limits.max_depth:
                        raise QueryRefused(
                            f"the query nests {{ ( [ more than {limits.max_depth} deep "
                            f"(at line {_line(text, t.start)}), this server's nesting limit"
                        )
            elif c in CLOSERS:
                depth = max(depth - 1, 0)
            elif c in "|&":
                if pending == c and pending_end == t.start:
                    kind, paired = LOGICAL, True
                    if c == "|":
                        counts[PATH] -= 1  # the first | was counted as a path alternative
                else:
                    kind = PATH if c == "|" else None
            elif c in "/^":
                kind = PATH
            elif c in "+-*=!<>":
                kind = OPERATORS
        elif t.kind == "word":
            kind = KEYWORDS.get(t.text.upper())
            local = t.text.partition(":")[2]
            if local:  # a prefixed name swallows the path operators that follow it
                steps = len(re.findall(r"(?<!\\)[/|^]", local))
                if steps:
                    counts[PATH] = counts.get(PATH, 0) + steps
                    _over(counts, PATH, limits)
        if kind is not None:
            counts[kind] = counts.get(kind, 0) + 1
            _over(counts, kind, limits)
        if t.kind == "punct" and t.text in "|&" and not paired:
            pending, pending_end = t.text, t.end
        else:
            pending = ""


def _over(counts: dict[str, int], kind: str, limits: TextLimits) -> None:
    if counts[kind] > limits.max_operators:
        raise QueryRefused(
            f"the query has more than {limits.max_operators:,} {kind}, this server's limit "
            "on operators of one kind"
        )


def _check_escapes(text: str) -> None:
    for m in _ESCAPE.finditer(text):
        code = int(m.group(1) or m.group(2), 16)
        char = chr(code) if code <= 0x10FFFF else ""
        if not char or char in _SYNTAX_CHARS or unicodedata.category(char)[0] in "CZ":
            raise QueryRefused(
                f"{m.group()} at line {_line(text, m.start())} stands for a character SPARQL "
                "syntax gives meaning to (or none at all)",
                "write the character itself, or its string escape (\\\" \\' \\\\ \\n)",
            )


def _line(text: str, at: int) -> int:
    return text.count("\n", 0, at) + 1


# --- gate 2: a real parser's verdict on network access ------------------------------------


def refuse_network(text: str, *, update: bool = False) -> None:
    """Parse with rdflib and refuse SERVICE and LOAD (they would fetch from the network);
    a QueryError for text rdflib cannot parse. Call :func:`check_text` first: it bounds the
    parser's recursion and time."""
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql import parser

    what = "update" if update else "query"
    try:
        tree = parser.parseUpdate(text) if update else parser.parseQuery(text)
    except ParseBaseException as e:
        raise QueryError(
            f"malformed SPARQL {what}: at {e.lineno}:{e.col}: {e.msg} "
            f"(near {e.line.strip()[:60]!r})"
        ) from None
    except RecursionError:
        raise QueryRefused(f"the {what} nests too deeply for this server's parser") from None
    except ValueError as e:  # an invalid \u escape
        raise QueryError(f"malformed SPARQL {what}: {e}") from None
    found = _network_clause(tree)
    if found is not None:
        raise QueryRefused(
            f"{found} is not allowed on this server: it would fetch data from the network"
        )


def _network_clause(tree: Any) -> str | None:
    """SERVICE or LOAD if the parse tree holds one: an iterative walk (no recursion)."""
    from rdflib.plugins.sparql.parserutils import CompValue

    stack: list[Any] = [tree]
    seen = 0
    while stack:
        node = stack.pop()
        seen += 1
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                return "SERVICE"
            if node.name == "Load":
                return "LOAD"
            stack.extend(node.values())
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)) or type(node).__name__ == "ParseResults":
            stack.extend(node)
    return None


# --- gate 3: worker processes ----------------------------------------------------------------


class QueryMemory(IODMError):
    """A query needed more memory than the server allows one query and was stopped (503)."""


class Busy(IODMError):
    """Every worker is busy and the queue is full, or the wait too long (HTTP 503)."""


@dataclass(frozen=True)
class PoolLimits:
    """Limits on evaluation besides time and rows (:class:`kg.publish.dataset.Limits`):
    memory, result bytes, concurrency."""

    wall_factor: float = 3.0  # … and wall seconds: timeout × wall_factor
    memory_mb: int = 1024  # address space one query may add to its worker
    max_result_mb: int = 64
    workers: int = 2
    queue: int = 32  # requests that may wait for a worker
    queue_wait: float = 10.0  # seconds one may wait


@dataclass(frozen=True)
class Job:
    text: str
    base_iri: str | None
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    check: bool  # run gate 2 first
    timeout: float  # CPU seconds: RLIMIT_CPU is set a little past it, as a backstop
    max_rows: int
    max_bytes: int
    generation: int
    data: str  # the snapshot: its store directory, or an N-Quads file


#: how long a query may run before its worker's CPU time is read from /proc (a read per query
#: took a tenth of the server's time on a burst of small queries)
_FIRST_WAIT = 0.02
_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process, from /proc; None where there is no /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK


class Worker:
    """One worker process (``python -m kg.publish.guard FD MEMORY_MB``) and its connection."""

    def __init__(self, limits: PoolLimits) -> None:
        import subprocess
        import sys
        from multiprocessing import Pipe

        self.conn, child = Pipe()
        fd = child.fileno()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kg.publish.guard", str(fd), str(limits.memory_mb)],
            pass_fds=[fd],
            stdin=subprocess.DEVNULL,
        )
        child.close()
        try:
            ready = self.conn.poll(120) and self.conn.recv()
        except (EOFError, OSError):
            ready = None
        if ready != "ready":
            self.kill()
            raise StoreError("a query worker did not start")

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def exitcode(self) -> int | None:
        with contextlib.suppress(Exception):
            self.process.wait(1)
        return self.process.returncode

    def cpu(self) -> float | None:
        return _cpu_seconds(self.process.pid)

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        with contextlib.suppress(Exception):
            self.process.wait(5)
        with contextlib.suppress(Exception):
            self.conn.close()


class QueryPool:
    """Warm worker processes that run queries on the published snapshot (see the module docs).

    Started lazily, on the first query. The workers open a snapshot on disk where it lies;
    one in memory is written to a temporary N-Quads file that they load, and written again (a
    new generation) when the snapshot changes.
    """

    def __init__(self, limits: PoolLimits) -> None:
        self.limits = limits
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._spare: queue.Queue[Worker] = queue.Queue(maxsize=1)  # takes a killed one's place
        self._all: set[Worker] = set()
        self._lock = threading.Lock()
        self._waiting = 0
        self._started = False
        self._dir = tempfile.TemporaryDirectory(prefix="iodm-serve-")
        self._generation = 0
        self._snapshot: object = None
        self._data = ""
        self._checked: OrderedDict[bytes, None] = OrderedDict()
        self.restarts = 0
        weakref.finalize(self, QueryPool._close_all, self._all, self._dir)

    # --- the snapshot ----------------------------------------------------------------------

    def _publish(self, snapshot: object, quads: Callable[[], Iterable[Any]]) -> tuple[int, str]:
        """The generation and data file of ``snapshot``, written if new."""
        import pyoxigraph as ox

        with self._lock:
            if snapshot is not self._snapshot:
                self._generation += 1
                location = getattr(snapshot, "location", None)  # a store on disk: opened there
                path = Path(self._dir.name) / f"snapshot-{self._generation}.nq"
                if location is None:
                    ox.serialize(quads(), str(path), format=ox.RdfFormat.N_QUADS)
                stale = Path(self._dir.name) / f"snapshot-{self._generation - 2}.nq"
                stale.unlink(missing_ok=True)
                self._snapshot, self._data = snapshot, str(location or path)
            return self._generation, self._data

    # --- workers ---------------------------------------------------------------------------

    def _start(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
        for _ in range(self.limits.workers):
            self._spawn()
        threading.Thread(target=self._spawn_quietly, args=(True,), daemon=True).start()

    def _spawn(self, spare: bool = False) -> None:
        worker = Worker(self.limits)
        with self._lock:
            self._all.add(worker)
        (self._spare if spare else self._idle).put(worker)

    def _replace(self, worker: Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)
            self.restarts += 1
        try:  # the spare takes the slot at once, and a new spare is started
            self._idle.put(self._spare.get_nowait())
            spare = True
        except queue.Empty:
            spare = False
        threading.Thread(target=self._spawn_quietly, args=(spare,), daemon=True).start()

    def _spawn_quietly(self, spare: bool = False) -> None:
        for attempt in range(3):
            try:
                self._spawn(spare)
                return
            except Exception:  # retried, then the pool runs one worker short
                time.sleep(0.5 * (attempt + 1))

    def warm_up(self, snapshot: object, quads: Callable[[], Iterable[Any]]) -> None:
        """Start the workers and write the snapshot, before the first query."""
        self._start()
        self._publish(snapshot, quads)

    def close(self) -> None:
        QueryPool._close_all(self._all, self._dir)

    @staticmethod
    def _close_all(workers: set[Worker], directory: tempfile.TemporaryDirectory[str]) -> None:
        for w in list(workers):
            w.kill()
        workers.clear()
        with contextlib.suppress(Exception):
            directory.cleanup()

    # --- running a query -------------------------------------------------------------------

    def run(
        self,
        snapshot: object,
        quads: Callable[[], Iterable[Any]],
        text: str,
        *,
        base_iri: str | None = None,
        default_graphs: tuple[str, ...] | None = None,
        named_graphs: tuple[str, ...] | None = None,
        max_rows: int,
        timeout: float,
    ) -> Any:
        """Run a query on a worker: its result, or the IODM error it raised or caused.
        ``quads`` gives the snapshot's quads, called only when ``snapshot`` is new."""
        limits = self.limits
        self._start()
        generation, data = self._publish(snapshot, quads)
        key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        with self._lock:
            checked = key in self._checked
        job = Job(
            text,
            base_iri,
            default_graphs,
            named_graphs,
            not checked,
            timeout,
            max_rows,
            limits.max_result_mb * 2**20,
            generation,
            data,
        )
        worker = self._acquire()
        try:
            outcome = self._evaluate(worker, job, timeout)
        except BaseException:
            self._replace(worker)
            raise
        self._idle.put(worker)
        if outcome[0] != "refused":
            with self._lock:
                self._checked[key] = None
                while len(self._checked) > 4096:
                    self._checked.popitem(last=False)
        if outcome[0] == "ok":
            return pickle.loads(outcome[1])
        raise _error(*outcome[1:])

    def _acquire(self) -> Worker:
        with self._lock:
            if self._waiting >= self.limits.queue + self.limits.workers:
                raise Busy(
                    "the server is answering as many queries as it can",
                    "retry in a few seconds",
                )
            self._waiting += 1
        try:
            return self._idle.get(timeout=self.limits.queue_wait)
        except queue.Empty:
            raise Busy(
                f"no query worker was free within {self.limits.queue_wait:g} s",
                "retry in a few seconds",
            ) from None
        finally:
            with self._lock:
                self._waiting -= 1

    def _evaluate(self, worker: Worker, job: Job, timeout: float) -> tuple[Any, ...]:
        started = time.monotonic()
        wall = timeout * self.limits.wall_factor
        worker.conn.send(job)
        if worker.conn.poll(_FIRST_WAIT):  # most answers come before the worker's CPU is read
            cpu0 = None
        else:  # counted as if the worker had spent all of the time waited on this query
            cpu0 = worker.cpu()
            cpu0 = None if cpu0 is None else cpu0 - (time.monotonic() - started)
        while not worker.conn.poll(0.02):
            if not worker.alive():
                raise _death(worker.exitcode(), timeout, self.limits)
            elapsed = time.monotonic() - started
            cpu = worker.cpu()
            used = cpu - cpu0 if cpu is not None and cpu0 is not None else elapsed
            if used > timeout or elapsed > wall:
                raise QueryTimeout(
                    f"the query ran longer than {timeout:g} s, this server's limit, and was "
                    "stopped",
                    "narrow the query or add a LIMIT",
                )
        try:
            outcome: tuple[Any, ...] = worker.conn.recv()
        except (EOFError, OSError):
            raise _death(worker.exitcode(), timeout, self.limits) from None
        return outcome


def _death(code: int | None, timeout: float, limits: PoolLimits) -> IODMError:
    if code == -getattr(signal, "SIGXCPU", 24):
        return QueryTimeout(
            f"the query ran longer than {timeout:g} s, this server's limit, and was stopped",
            "narrow the query or add a LIMIT",
        )
    if code in (-signal.SIGABRT, -signal.SIGKILL, 3):
        return QueryMemory(
            f"the query needed more than {limits.memory_mb:,} MB of memory, this server's "
            "limit, and was stopped",
            "narrow the query (ORDER BY and GROUP BY over large joins hold every row)",
        )
    return QueryMemory(f"the query stopped its worker (exit {code}); the worker was replaced")


ERRORS: dict[str, type[IODMError]] = {
    c.__name__: c
    for c in (QueryRefused, QueryError, StoreError, ResultTooLarge, QueryTimeout, QueryMemory)
}


def _error(name: str, message: str, hint: str | None) -> IODMError:
    return ERRORS.get(name, IODMError)(message, hint)


# --- the worker ------------------------------------------------------------------------------


def worker_main(conn: Any, memory_mb: int) -> None:
    """A worker's loop: load the snapshot a job names (when it is new), run the job, answer
    ``("ok", pickled result)``, ``("error"|"refused", class name, message, hint)``."""
    with contextlib.suppress(Exception):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    import pyoxigraph  # noqa: F401 - loaded before the memory limit is set
    from rdflib.plugins.sparql import parser  # noqa: F401

    from kg.store import OxigraphStore

    store: OxigraphStore | None = None
    generation = -1
    conn.send("ready")
    while True:
        try:
            job: Job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if job.generation != generation:
                store, generation = _load(job.data), job.generation
            assert store is not None
            with _bounded_memory(memory_mb), _bounded_cpu(job.timeout):
                if job.check:
                    try:
                        refuse_network(job.text)
                    except IODMError as e:  # not remembered as checked: parsed again next time
                        conn.send(("refused", type(e).__name__, e.message, e.hint))
                        continue
                payload = _evaluate(store, job)
            conn.send(("ok", payload))
        except IODMError as e:
            conn.send(("error", type(e).__name__, e.message, e.hint))
        except MemoryError:
            os._exit(3)


def _load(path: str) -> Any:
    """The snapshot: a store directory (a build's, opened read-only, shared with the server
    and the other workers), or an N-Quads file loaded into memory."""
    import pyoxigraph as ox

    from kg.store import OxigraphStore

    if Path(path).is_dir():
        store = OxigraphStore(Path(path))
        store.store  # noqa: B018 - opened now, outside a query's memory bound: RocksDB takes
        return store  # about 1 GB of address space as it opens (a first query died of it)
    return OxigraphStore(quads=ox.parse(path=path, format=ox.RdfFormat.N_QUADS))


def _evaluate(store: Any, job: Job) -> bytes:
    from kg.core.sparqltext import has_dataset_clause

    given = bool(job.default_graphs or job.named_graphs)
    result = store.run(
        job.text,
        base_iri=job.base_iri,
        union=not has_dataset_clause(job.text),
        default_graph=job.default_graphs if given else None,
        named_graphs=job.named_graphs if given else None,
        read=lambda rows: _rows(rows, job.max_rows),
    )
    payload = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    if len(payload) > job.max_bytes:
        raise ResultTooLarge(
            f"the result is larger than {job.max_bytes // 2**20:,} MB, this server's limit",
            "add a LIMIT, or select fewer or shorter values",
        )
    return payload


def _rows(rows: Iterable[Any], max_rows: int) -> Iterator[Any]:
    for n, row in enumerate(rows, start=1):
        if n > max_rows:
            raise ResultTooLarge.over(max_rows)
        yield row


@contextlib.contextmanager
def _bounded_memory(memory_mb: int) -> Iterator[None]:
    """Let the process grow by ``memory_mb`` while the block runs (RLIMIT_AS, where there is
    one); a worker that goes past it fails an allocation and dies, and is replaced."""
    try:
        import resource
    except ImportError:  # not on this platform
        yield
        return
    current = _address_space()
    if current is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (current + memory_mb * 2**20, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@contextlib.contextmanager
def _bounded_cpu(timeout: float) -> Iterator[None]:
    """A backstop for the parent's CPU accounting: SIGXCPU (which ends the worker) a second
    past the time limit, should the parent be too busy to stop it."""
    try:
        import resource
    except ImportError:
        yield
        return
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = used.ru_utime + used.ru_stime
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    limit = int(spent + timeout) + 2
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _address_space() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


if __name__ == "__main__":
    import sys
    from multiprocessing.connection import Connection

    with contextlib.suppress(BrokenPipeError, KeyboardInterrupt):  # the server went away
        worker_main(Connection(int(sys.argv[1])), int(sys.argv[2]))
