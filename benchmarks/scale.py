"""IODM at scale: each part of a build and of serving, as ratios against a baseline in the same run.

    python benchmarks/scale.py --sizes 100000,1000000,5000000 [--readme benchmarks/README.md]

For each size, synthetic data (``synthetic.py``, labelled as such, deleted after the run) and, each
in a fresh process so that its peak memory is its own (``VmHWM``), CPU and wall seconds of:

- ``bulk``: pyoxigraph's bulk load of the file into a fresh store directory (the floor a build
  writes at, and the ratios' baseline); ``bulk_named``: the same into a named graph, as a build
  writes each file (Oxigraph keeps six indexes of the quads of named graphs, three of the
  default graph's triples, so this load takes about twice the CPU); ``build``: ``kg.pipeline.build.build`` of the same file into a fresh store (parse,
  SHACL, checks, derivations, privacy snapshot, bulk write and swap), the packaged ontology and
  curated data included;
- ``parse``: ``kg.pipeline.build.load_sources`` of the file (what a build parses) vs rdflib's
  parse of it into a Dataset (up to ``--rdflib-max``);
- ``shacl``: the shapes compiled to SPARQL on Oxigraph (:mod:`kg.pipeline.shacl`), on the
  staging store a build validates on (the file loaded in it by ``load_sources``, as in a build,
  before the clock starts) vs pyshacl, the reference, on the same data (its rdflib graph made
  inside the clock, as :func:`kg.pipeline.shacl.reference` makes it) (pyshacl up to ``--pyshacl-max`` triples: it takes minutes),
  and vs pyrudof (Rust; up to ``--pyrudof-max``: it needs about 10 GB at 1M);
- ``rl``: OWL 2 RL materialization as rules on the store (:mod:`kg.pipeline.rl`) vs owlrl (up to
  ``--owlrl-max``) and vs ``reasonable``, a Rust OWL 2 RL engine that does not apply property
  chains (up to ``--reasonable-max``);
- ``queries``: every named query on the built store (``benchmarks/queries.py``): a page and all
  rows from the answer the build kept, and all rows computed on the store on disk;
- ``serve``: ``iodm serve`` vs ``oxigraph serve-read-only`` on the same build: seconds until the
  first answer, the servers' resident memory, and a bounded loopback burst of small queries.

The Markdown table goes to stdout and, with ``--readme``, between the ``scale`` markers of that
file. No timing is asserted anywhere; ``tests/integration/test_benchmarks.py`` runs this script at
a tiny size to keep it runnable.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
BEGIN, END = "<!-- scale:begin -->", "<!-- scale:end -->"
SMALL_QUERY = "SELECT ?s WHERE { ?s a <https://w3id.org/iodm#Post> } LIMIT 5"


# --- one measurement, in its own process --------------------------------------------------------


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def task(name: str, nt: Path, work: Path) -> dict[str, Any]:
    """Run one measured task in this process; its figures."""
    import pyoxigraph as ox

    extra: dict[str, Any] = {}

    def run() -> None:
        if name in ("bulk", "bulk_named"):
            store = ox.Store(str(work / name))
            graph = ox.NamedNode("https://example.org/synthetic/graph") if name != "bulk" else None
            store.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
            store.flush()
        elif name == "build":
            from kg.pipeline.build import build
            from kg.store import OxigraphStore

            summary = build(OxigraphStore(work / "store", writable=True), [nt])
            extra["triples"] = summary.triples
        elif name == "parse":
            from kg.pipeline.build import load_sources

            extra["triples"] = sum(len(s.triples) for s in load_sources([nt]))
        elif name == "rdflib":
            from rdflib import Dataset

            Dataset().graph().parse(str(nt), format="nt")
        elif name in ("shacl", "pyshacl", "pyrudof"):
            from kg.pipeline.build import load_sources, split, staging_store
            from kg.pipeline.shacl import reference, validate

            sources = load_sources([nt])
            data, shapes = split(sources)
            if name == "shacl":  # the staging store of a build: the file loaded in it already
                staging = staging_store(sources)
            if name == "pyrudof":  # it reads files: written before the clock starts
                ox.serialize(data, str(work / "data.nt"), ox.RdfFormat.N_TRIPLES)
                ox.serialize(shapes, str(work / "shapes.nt"), ox.RdfFormat.N_TRIPLES)
                del data
            began.update(cpu=time.process_time(), wall=time.time())  # the check alone
            if name == "shacl":
                extra["results"] = len(validate(data, shapes, store=staging)[0].results)
            elif name == "pyshacl":
                extra["results"] = len(reference(data, shapes).results)
            else:
                import pyrudof

                rudof = pyrudof.Rudof(pyrudof.RudofConfig())
                rudof.read_data(str(work / "data.nt"), pyrudof.RDFFormat.NTriples)
                rudof.read_shacl(str(work / "shapes.nt"), pyrudof.ShaclFormat.NTriples)
                extra["results"] = len(rudof.validate_shacl())
        elif name == "reasonable":
            import reasonable

            from kg.pipeline.build import stored_sources
            from kg.store import OxigraphStore

            given = {
                t
                for s in stored_sources(OxigraphStore(work / "store"))
                if s.role != "shapes"
                for t in s.triples
            }
            data = work / "data.ttl"  # N-Triples is Turtle; it reads .ttl and .n3 files only
            ox.serialize(given, str(data), ox.RdfFormat.N_TRIPLES)
            began.update(cpu=time.process_time(), wall=time.time())
            reasoner = reasonable.PyReasoner()
            reasoner.load_file(str(data))
            closure = reasoner.reason()  # the data and what it infers
            extra["inferred"] = len(closure) - len(given)
        elif name in ("rl", "owlrl"):
            from kg.pipeline import rl
            from kg.pipeline.reason import materialize
            from kg.store import OxigraphStore

            stored = OxigraphStore(work / "store")
            if name == "rl":
                memory = stored.copy()
                began.update(cpu=time.process_time(), wall=time.time())
                extra["inferred"] = rl.materialize_store(memory)
            else:
                from kg.pipeline.build import stored_sources

                triples = [
                    t for s in stored_sources(stored) if s.role != "shapes" for t in s.triples
                ]
                began.update(cpu=time.process_time(), wall=time.time())
                extra["inferred"] = len(materialize(triples))
        elif name == "queries":
            from queries import time_queries  # benchmarks/queries.py

            found = time_queries(work / "store", repeats=1)
            extra["queries"] = {
                q: {"page": round(page, 3), "all": round(every, 3), "computed": round(done, 3)}
                for q, page, every, done in found
            }
        else:
            raise SystemExit(f"unknown task {name}")

    began = {"cpu": time.process_time(), "wall": time.time()}
    run()
    return {
        "cpu": time.process_time() - began["cpu"],
        "wall": time.time() - began["wall"],
        "peak_mb": _peak_mb(),
        **extra,
    }


def measure(name: str, nt: Path, work: Path, baseline: bool = False) -> dict[str, Any]:
    """``task`` in a fresh process; progress on stderr. A ``baseline`` that fails (another
    tool, killed for lack of memory say) is recorded as such; IODM failing stops the run."""
    print(f"  {name}…", file=sys.stderr, flush=True)
    done = subprocess.run(
        [sys.executable, __file__, "--task", name, str(nt), str(work)],
        capture_output=True,
        text=True,
        cwd=HERE,
    )
    if done.returncode != 0:
        if not baseline:
            raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
        code = done.returncode
        why = f"killed by signal {-code}" if code < 0 else f"exit {code}"
        print(f"  {name} failed ({why}): {done.stderr[-500:]}", file=sys.stderr, flush=True)
        return {"failed": f"failed ({why})"}
    return json.loads(done.stdout.splitlines()[-1])  # type: ignore[no-any-return]


# --- serving --------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the query workers), MB."""
    total = 0
    pids = [pid]
    while pids:
        p = pids.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        total += next(
            (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0
        )
        pids += [int(c) for c in children]
    return total / 1024


def _get(url: str, timeout: float = 60) -> int:
    with urllib.request.urlopen(url, timeout=timeout) as r:  # loopback only
        r.read()
        return int(r.status)


def serve(command: list[str], ready: str, query: str, clients: int = 4, each: int = 50) -> dict:
    """Start a server, time its first answer at ``ready``, then a burst of ``clients`` × ``each``
    small queries at ``query``; its memory after the burst; stop it."""
    began = time.time()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while True:
            try:
                if _get(ready, timeout=5) == 200:
                    break
            except OSError:
                if proc.poll() is not None:
                    failed = proc.stderr.read()[-2000:]  # type: ignore[union-attr]
                    raise SystemExit(f"{command[0]} failed: {failed!r}") from None
                time.sleep(0.05)
        startup = time.time() - began
        _get(query)  # a first query starts what starts lazily
        errors: list[str] = []

        def client() -> None:
            for _ in range(each):
                try:
                    _get(query)
                except urllib.error.HTTPError as e:  # counted, with what the server said
                    errors.append(f"{e.code} {e.read()[:300]!r}")
                except BaseException as e:  # counted, not raised
                    errors.append(repr(e))

        threads = [threading.Thread(target=client) for _ in range(clients)]
        t0 = time.time()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        burst = time.time() - t0
        return {
            "startup": startup,
            "rss_mb": _tree_rss_mb(proc.pid),
            "qps": clients * each / burst,
            "errors": len(errors),
            "first_error": errors[0][:400] if errors else None,  # in the run's log
        }
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def measure_serving(work: Path) -> tuple[dict, dict]:
    """(iodm serve, oxigraph serve-read-only) on the build in ``work``."""
    q = urllib.parse.quote(SMALL_QUERY)
    port = _free_port()
    base = f"http://127.0.0.1:{port}/"
    iodm = serve(
        [
            *(str(Path(sys.executable).with_name("iodm")), "--store", f"oxigraph:{work / 'store'}"),
            *("serve", "--host", "127.0.0.1", "--port", str(port)),
        ],
        base,
        f"{base}sparql?query={q}",
    )
    port = _free_port()
    base = f"http://127.0.0.1:{port}/"
    data = (work / "store").resolve()
    oxigraph = serve(
        [
            *(str(Path(sys.executable).with_name("oxigraph")), "serve-read-only"),
            *("--location", str(data), "--bind", f"127.0.0.1:{port}"),
        ],
        f"{base}query?query={urllib.parse.quote('ASK {}')}",
        f"{base}query?query={q}&union-default-graph",
    )
    return iodm, oxigraph


# --- the run --------------------------------------------------------------------------------------


def machine() -> str:
    cpus = os.cpu_count()
    memory = next(
        (
            int(line.split()[1]) / 2**20
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        ),
        float("nan"),
    )
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return f"{cpus} CPUs ({model}), {memory:.0f} GiB, Python {platform.python_version()}"


def run_size(n: int, args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    work = scratch / str(n)
    work.mkdir()
    nt = work / "synthetic.nt"
    print(f"{n:,} triples:", file=sys.stderr, flush=True)
    subprocess.run(
        [sys.executable, str(HERE / "synthetic.py"), str(n), "-o", str(nt)],
        check=True,
        capture_output=True,
    )
    found: dict[str, Any] = {"n": n}
    for name in ("bulk", "bulk_named", "parse", "build", "shacl"):
        found[name] = measure(name, nt, work)
    if n <= args.rdflib_max:
        found["rdflib"] = measure("rdflib", nt, work, baseline=True)
    if n <= args.pyshacl_max:
        found["pyshacl"] = measure("pyshacl", nt, work, baseline=True)
    if n <= args.pyrudof_max:
        found["pyrudof"] = measure("pyrudof", nt, work, baseline=True)
    found["rl"] = measure("rl", nt, work)
    if n <= args.owlrl_max:
        found["owlrl"] = measure("owlrl", nt, work, baseline=True)
    if n <= args.reasonable_max:
        found["reasonable"] = measure("reasonable", nt, work, baseline=True)
    if n <= args.queries_max:
        found["queries"] = measure("queries", nt, work)
    if n <= args.serve_max:
        print("  serve…", file=sys.stderr, flush=True)
        found["serve"], found["oxigraph_serve"] = measure_serving(work)
    shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(found), file=sys.stderr, flush=True)  # the figures, should a later size fail
    return found


def _x(a: float, b: float) -> str:
    return f"{a / b:.1f}x" if b > 0 else "–"


def table(runs: list[dict[str, Any]], when: str) -> str:
    """The Markdown report: one column per size, then how the figures grew."""
    sizes = [r["n"] for r in runs]
    head = "| | " + " | ".join(f"{n:,} triples" for n in sizes) + " |"
    lines = [
        f"Run of {when} on {machine()}, `python benchmarks/scale.py --sizes "
        + ",".join(map(str, sizes))
        + "`. Seconds are CPU (wall in brackets); memory is each process's peak (VmHWM); "
        "ratios are to the baseline in the same run; – not measured at that size.",
        "",
        head,
        "|---" * (len(sizes) + 1) + "|",
    ]

    def row(label: str, cell: Callable[[dict[str, Any]], str]) -> None:
        cells = []
        for r in runs:
            try:
                cells.append(cell(r))
            except KeyError:
                cells.append("–")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    def secs(m: dict[str, Any]) -> str:
        if "failed" in m:
            return str(m["failed"])
        return f"{m['cpu']:.1f} s ({m['wall']:.1f} s), {m['peak_mb']:,.0f} MB"

    row("baseline: pyoxigraph bulk load", lambda r: secs(r["bulk"]))
    row("pyoxigraph bulk load into a named graph", lambda r: secs(r["bulk_named"]))
    row("`iodm build`", lambda r: secs(r["build"]))
    row(
        "build / bulk load (wall, CPU)",
        lambda r: (
            f"{_x(r['build']['wall'], r['bulk']['wall'])}, "
            f"{_x(r['build']['cpu'], r['bulk']['cpu'])}"
        ),
    )
    row(
        "build / bulk load into a named graph (wall, CPU)",
        lambda r: (
            f"{_x(r['build']['wall'], r['bulk_named']['wall'])}, "
            f"{_x(r['build']['cpu'], r['bulk_named']['cpu'])}"
        ),
    )
    row(
        "build: triples per CPU second",
        lambda r: f"{r['build']['triples'] / r['build']['cpu']:,.0f}",
    )
    row(
        "parse (`load_sources`): triples per CPU second",
        lambda r: f"{r['parse']['triples'] / r['parse']['cpu']:,.0f} ({secs(r['parse'])})",
    )
    row("baseline: rdflib parse into a Dataset", lambda r: secs(r["rdflib"]))

    def versus(ours: str, label: str, theirs: str, baseline: str, ratio: str) -> None:
        """Three rows: IODM's figures, the baseline's, and the baseline's CPU over IODM's."""
        row(label, lambda r: secs(r[ours]))
        row(f"baseline: {baseline}", lambda r: secs(r[theirs]))
        row(ratio, lambda r: _x(r[theirs]["cpu"], r[ours]["cpu"]))

    versus(
        "shacl",
        "SHACL compiled to SPARQL, on the staging store",
        "pyshacl",
        "pyshacl",
        "pyshacl / compiled",
    )
    row(
        "SHACL results (compiled = pyshacl)",
        lambda r: (
            f"{r['shacl']['results']} = {r['pyshacl']['results']}"
            if "pyshacl" in r
            else str(r["shacl"]["results"])
        ),
    )
    row("baseline: pyrudof", lambda r: secs(r["pyrudof"]))
    row("pyrudof / compiled", lambda r: _x(r["pyrudof"]["cpu"], r["shacl"]["cpu"]))
    row("SHACL results (pyrudof)", lambda r: str(r["pyrudof"]["results"]))
    versus("rl", "OWL 2 RL as rules on the store", "owlrl", "owlrl", "owlrl / rules")
    row("baseline: reasonable (Rust OWL 2 RL)", lambda r: secs(r["reasonable"]))
    row("reasonable / rules", lambda r: _x(r["reasonable"]["cpu"], r["rl"]["cpu"]))
    row(
        "inferred triples (owlrl and reasonable count axiomatic triples too; reasonable skips "
        "property chains)",
        lambda r: "; ".join(
            f"{name} {r[k]['inferred']:,}"
            for k, name in (("rl", "rules"), ("owlrl", "owlrl"), ("reasonable", "reasonable"))
            if k in r
        ),
    )
    for kind, what in (
        ("page", "a page (500 rows) from the build's answer"),
        ("all", "all rows from the build's answer"),
        ("computed", "all rows computed on the store"),
    ):
        row(
            f"named queries ≤ 0.3 s: {what}",
            lambda r, kind=kind: (
                f"{sum(v[kind] <= 0.3 for v in r['queries']['queries'].values())} of "
                f"{len(r['queries']['queries'])}"
            ),
        )
        row(
            f"slowest named queries: {what}",
            lambda r, kind=kind: ", ".join(
                f"{q} {v[kind]:.2f} s"
                for q, v in sorted(r["queries"]["queries"].items(), key=lambda kv: -kv[1][kind])[:3]
            ),
        )
    row(
        "`iodm serve`: first answer, memory",
        lambda r: f"{r['serve']['startup']:.1f} s, {r['serve']['rss_mb']:,.0f} MB",
    )
    row(
        "baseline: `oxigraph serve-read-only`",
        lambda r: (
            f"{r['oxigraph_serve']['startup']:.1f} s, {r['oxigraph_serve']['rss_mb']:,.0f} MB"
        ),
    )
    row(
        "serve memory / Oxigraph's",
        lambda r: _x(r["serve"]["rss_mb"], r["oxigraph_serve"]["rss_mb"]),
    )
    row(
        "small-query burst, queries/s (Oxigraph's; errors)",
        lambda r: (
            f"{r['serve']['qps']:.0f} ({r['oxigraph_serve']['qps']:.0f}; {r['serve']['errors']})"
        ),
    )
    if len(runs) >= 2:
        a, b = runs[-2], runs[-1]
        lines += [
            "",
            f"From {a['n']:,} to {b['n']:,} triples ({b['n'] / a['n']:.0f}x the data):",
            "",
        ]
        for key, label in (
            ("bulk", "bulk load"),
            ("build", "`iodm build`"),
            ("shacl", "compiled SHACL"),
            ("rl", "OWL 2 RL rules"),
        ):
            if key in a and key in b:
                lines.append(
                    f"- {label}: CPU {_x(b[key]['cpu'], a[key]['cpu'])}, "
                    f"peak memory {_x(b[key]['peak_mb'], a[key]['peak_mb'])}"
                )
    return "\n".join(lines) + "\n"


def write_readme(readme: Path, report: str) -> None:
    """Put the report between the markers of ``readme`` (appended with them if absent)."""
    from kg.core.files import write_text

    text = readme.read_text(encoding="utf-8")
    block = f"{BEGIN}\n{report}{END}"
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + block + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + f"\n\n## At scale (`make bench`)\n\n{block}\n"
    write_text(readme, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000,5000000")
    parser.add_argument("--pyshacl-max", type=int, default=100_000)
    parser.add_argument("--owlrl-max", type=int, default=100_000)
    parser.add_argument("--rdflib-max", type=int, default=1_000_000)
    parser.add_argument("--pyrudof-max", type=int, default=1_000_000)  # 9.7 GB at 1M
    parser.add_argument("--reasonable-max", type=int, default=100_000)  # 24 GB not enough at 1M
    parser.add_argument("--queries-max", type=int, default=1_000_000)
    parser.add_argument("--serve-max", type=int, default=5_000_000)
    parser.add_argument("--readme", type=Path, help="write the table into this file's markers")
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    parser.add_argument("--task", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.task:
        name, nt, work = args.task
        print(json.dumps(task(name, Path(nt), Path(work))))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    with tempfile.TemporaryDirectory(prefix="iodm-scale-") as scratch:
        runs = [run_size(n, args, Path(scratch)) for n in sizes]
    report = table(runs, when)
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")
    if args.readme:
        write_readme(args.readme, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
