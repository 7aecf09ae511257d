"""IODM's operations next to their baselines, measured in one run, reported as ratios.

    python benchmarks/bench.py [--sizes 10000,100000] [--out benchmarks/results.md]

Every number is a median of wall-clock seconds over ``runs`` repetitions (3 where one run is
cheap, else 1), and every row names the baseline it is divided by, measured in the same run on
the same synthetic file (see ``benchmarks/synthetic.py``; synthetic data, not facts about the
real world). Peak memory is ``ru_maxrss`` of a fresh subprocess per measurement (tracemalloc does
not see Rust allocations). See ``benchmarks/README.md`` for what each row means.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import pyoxigraph as ox  # noqa: E402
import synthetic  # noqa: E402

NT = ox.RdfFormat.N_TRIPLES
GRAPH = "https://example.org/synthetic/graph"
CHEAP = 3.0  # seconds: an operation faster than this is repeated (3 runs in all)


# --- measuring ----------------------------------------------------------------------------------


def measure(
    fn: Callable[[], object], repeats: int = 3, setup: Callable[[], object] | None = None
) -> list[float]:
    """Wall-clock seconds of ``fn`` (after ``setup``, untimed), once, then again if cheap."""
    times: list[float] = []
    for i in range(repeats):
        if setup is not None:
            setup()
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if i == 0 and times[0] > CHEAP:
            break
    return times


@dataclass
class Row:
    size: int
    section: str
    op: str
    times: list[float]
    baseline: str | None = None  # op name in the same size and section
    note: str = ""
    triples: int | None = None  # for a rate column
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


class Report:
    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.notes: list[str] = []

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        base = self.find(row.size, row.section, row.baseline) if row.baseline else None
        ratio = f"  = {row.median / base.median:.2f}x {row.baseline}" if base else ""
        print(
            f"  [{row.size:>9,}] {row.section:<7} {row.op:<52} {row.median:9.3f} s "
            f"(n={len(row.times)}){ratio}",
            file=sys.stderr,
            flush=True,
        )
        return row

    def find(self, size: int, section: str, op: str | None) -> Row | None:
        for r in self.rows:
            if r.size == size and r.section == section and r.op == op:
                return r
        return None

    def table(self, section: str, ratio_header: str = "ratio") -> str:
        rows = [r for r in self.rows if r.section == section]
        if not rows:
            return ""
        out = [
            f"| size | operation | median s | runs | triples/s | {ratio_header} | baseline |",
            "|---:|---|---:|---:|---:|---:|---|",
        ]
        for r in rows:
            base = self.find(r.size, r.section, r.baseline) if r.baseline else None
            ratio = f"{r.median / base.median:.2f}x" if base and base.median > 0 else "—"
            rate = f"{r.triples / r.median:,.0f}" if r.triples and r.median > 0 else ""
            label = r.op + (f" ({r.note})" if r.note else "")
            out.append(
                f"| {r.size:,} | {label} | {r.median:.3f} | {len(r.times)} | {rate} | {ratio} "
                f"| {r.baseline or '(baseline)'} |"
            )
        return "\n".join(out)


# --- sections -----------------------------------------------------------------------------------


def bench_parse(rep: Report, n: int, nt: Path, rdflib_max: int) -> list[ox.Triple]:
    from kg.pipeline.load import parse_file

    def raw() -> None:
        for _ in ox.parse(path=str(nt), format=NT):
            pass

    base = "pyoxigraph.parse, raw iteration"
    rep.add(Row(n, "parse", base, measure(raw), triples=n))
    kept: list[ox.Triple] = []

    def ours() -> None:
        kept[:] = parse_file(nt, GRAPH, "extra").triples

    rep.add(Row(n, "parse", "kg.pipeline.load.parse_file", measure(ours), base, triples=n))
    if n <= rdflib_max:
        from rdflib import Graph

        rep.add(
            Row(
                n,
                "parse",
                'rdflib Graph().parse(format="nt")',
                measure(lambda: Graph().parse(str(nt), format="nt")),
                base,
                triples=n,
            )
        )
    else:
        rep.notes.append(f"parse: rdflib skipped at {n:,} (> --rdflib-max {rdflib_max:,}).")
    return kept


def bench_write(
    rep: Report, n: int, nt: Path, triples: list[ox.Triple], work: Path, rdflib_max: int
) -> None:
    from kg.store import MemoryStore, OxigraphStore, _replace_request

    target = work / "write-store"

    def fresh() -> None:
        shutil.rmtree(target, ignore_errors=True)

    g = ox.NamedNode(GRAPH)

    def ox_load() -> None:
        s = ox.Store(str(target))
        s.load(path=str(nt), format=NT, to_graph=g)
        s.flush()
        del s

    def ox_bulk() -> None:
        s = ox.Store(str(target))
        s.bulk_load(path=str(nt), format=NT, to_graph=g)
        s.flush()
        del s

    def ox_extend() -> None:
        s = ox.Store(str(target))
        s.extend(ox.Quad(t.subject, t.predicate, t.object, g) for t in triples)
        s.flush()
        del s

    def ox_staged() -> None:
        # A transactional alternative to INSERT DATA: extend (one transaction) into a staging
        # graph, then one update request swaps it in (DROP old; MOVE staging → live).
        s = ox.Store(str(target))
        staging = ox.NamedNode(GRAPH + "#staging")
        s.extend(ox.Quad(t.subject, t.predicate, t.object, staging) for t in triples)
        s.update(f"DROP SILENT GRAPH <{GRAPH}> ; MOVE SILENT GRAPH <{staging.value}> TO <{GRAPH}>")
        s.flush()
        del s

    def ours() -> None:
        store = OxigraphStore(target, writable=True)
        store.replace_graphs({GRAPH: triples})
        store.close()

    base = "pyoxigraph Store(path).load(nt file)"
    rep.add(Row(n, "write", base, measure(ox_load, setup=fresh), triples=n))
    rep.add(
        Row(
            n,
            "write",
            "pyoxigraph Store(path).bulk_load(nt file)",
            measure(ox_bulk, setup=fresh),
            base,
            triples=n,
        )
    )
    rep.add(
        Row(
            n,
            "write",
            "pyoxigraph Store(path).extend(parsed quads)",
            measure(ox_extend, setup=fresh),
            base,
            note="transactional",
            triples=n,
        )
    )
    if n <= 200_000:
        rep.add(
            Row(
                n,
                "write",
                "extend to staging graph + DROP/MOVE update",
                measure(ox_staged, setup=fresh),
                base,
                note="transactional candidate",
                triples=n,
            )
        )
    rep.add(
        Row(
            n,
            "write",
            "kg OxigraphStore.replace_graphs (INSERT DATA)",
            measure(ours, setup=fresh),
            base,
            triples=n,
        )
    )
    rep.add(
        Row(
            n,
            "write",
            "  of which: building the INSERT DATA text",
            measure(lambda: _replace_request({GRAPH: triples}, ())),
            base,
            triples=n,
        )
    )
    shutil.rmtree(target, ignore_errors=True)

    if n <= rdflib_max:
        from rdflib import Dataset, URIRef

        def rdflib_parse() -> None:
            ds = Dataset(default_union=True)
            ds.graph(URIRef(GRAPH)).parse(str(nt), format="nt")

        mbase = "rdflib Dataset graph.parse(nt file)"
        rep.add(Row(n, "write", mbase, measure(rdflib_parse), triples=n))
        rep.add(
            Row(
                n,
                "write",
                "kg MemoryStore.replace_graphs",
                measure(lambda: MemoryStore().replace_graphs({GRAPH: triples})),
                mbase,
                triples=n,
            )
        )
    else:
        rep.notes.append(
            f"write: rdflib/MemoryStore skipped at {n:,} (> --rdflib-max {rdflib_max:,})."
        )


def bench_build(rep: Report, n: int, nt: Path, work: Path, shacl_max: int) -> None:
    """One instrumented kg.pipeline.build.build: the total and the time of each part, in the same call."""
    if n > shacl_max:
        rep.notes.append(
            f"build: skipped at {n:,} — pyshacl validation is too slow for the default run "
            f"(> --shacl-max {shacl_max:,}): pyshacl takes about 6 s per 1,000 triples here (see README), "
            "STACK-NOTES measured 276 s at 1M with other shapes."
        )
        return
    import pyshacl

    import kg.pipeline.build as kb
    import kg.pipeline.validate as kv
    from kg.store import OxigraphStore

    spent: dict[str, float] = {}
    stash: dict[str, object] = {}

    def timed(name: str, fn: Callable) -> Callable:  # type: ignore[type-arg]
        def wrapper(*a, **k):  # type: ignore[no-untyped-def]
            t0 = time.perf_counter()
            try:
                result = fn(*a, **k)
                stash[name] = result
                return result
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - t0

        return wrapper

    target = work / "build-store"
    shutil.rmtree(target, ignore_errors=True)
    store = OxigraphStore(target, writable=True)
    patched = [
        (kb, "load_sources"),
        (kb, "check_sources"),
        (kb, "run_checks"),
        (kv, "rdflib_graph"),
        (pyshacl, "validate"),
    ]
    if hasattr(kb, "derive"):
        patched.append((kb, "derive"))
    patched = [(mod, attr) for mod, attr in patched if hasattr(mod, attr)]
    names = {
        "load_sources": "parse",
        "check_sources": "validate",
        "run_checks": "checks",
        "rdflib_graph": "convert",
        "validate": "pyshacl",
        "derive": "derive",
    }
    saved = [(mod, attr, getattr(mod, attr)) for mod, attr in patched]
    for mod, attr, fn in saved:
        setattr(mod, attr, timed(names[attr], fn))
    store.replace_graphs = timed("write", store.replace_graphs)  # type: ignore[method-assign]
    failure = None
    try:
        gc.collect()
        t0 = time.perf_counter()
        try:
            summary = kb.build(store, [nt])
            m = summary.triples
        except Exception as e:  # the build itself is broken: say so, time the write by hand
            failure = f"{type(e).__name__}: {e}"
            sources = stash.get("parse") or []
            graphs = {s.graph: s.triples for s in sources}  # type: ignore[attr-defined]
            m = sum(len(t) for t in graphs.values())
            store.replace_graphs(graphs)
        total = time.perf_counter() - t0
    finally:
        for mod, attr, fn in saved:
            setattr(mod, attr, fn)
        del store.replace_graphs
        store.close()
    shutil.rmtree(target, ignore_errors=True)
    top = "kg.pipeline.build.build (all of it)"
    note = f"{m:,} triples incl. ontology and curated data"
    if failure:
        top = "parse + validate + write, by hand"
        note += "; kg.pipeline.build.build FAILED, see notes"
        rep.notes.append(
            f"build at {n:,}: `kg.pipeline.build.build` raised `{failure}` after parse and validation; "
            "the write was then timed by hand (replace_graphs of the parsed graphs, no derived graph)."
        )
    rep.add(Row(n, "build", top, [total], note=note, triples=m))
    parts = [
        ("parse: load_sources (packaged files + synthetic)", spent.get("parse", 0.0)),
        ("validate: check_sources (all of it)", spent.get("validate", 0.0)),
        ("  of which: ox triples → rdflib graphs", spent.get("convert", 0.0)),
        ("  of which: pyshacl.validate", spent.get("pyshacl", 0.0)),
        ("  of which: SPARQL checks on Oxigraph (run_checks)", spent.get("checks", 0.0)),
    ]
    if "derive" in spent:
        parts.append(("derive: kg.pipeline.derive.derive", spent["derive"]))
    parts.append(("write: OxigraphStore.replace_graphs", spent.get("write", 0.0)))
    accounted = sum(spent.get(k, 0.0) for k in ("parse", "validate", "derive", "write"))
    parts.append(("rest (manifest, managed_graphs query)", total - accounted))
    for name, secs in parts:
        rep.add(Row(n, "build", name, [secs], top))


def bench_queries(rep: Report, n: int, nt: Path, work: Path, rdflib_max: int) -> None:
    from kg.core.results import Solutions
    from kg.pipeline.build import load_sources, split
    from kg.pipeline.derive import DERIVED_GRAPH, derive
    from kg.queries import library
    from kg.store import MemoryStore, OxigraphStore, bind_parameters

    sources = load_sources([nt])
    graphs = {s.graph: s.triples for s in sources}
    graphs[DERIVED_GRAPH] = derive(split(sources)[0])  # what the named queries read (as a build)
    m = sum(len(t) for t in graphs.values())
    target = work / "query-store"
    shutil.rmtree(target, ignore_errors=True)
    oxs = OxigraphStore(target, writable=True)
    oxs.replace_graphs(graphs)
    mem = None
    if n <= rdflib_max:
        mem = MemoryStore()
        mem.replace_graphs(graphs)
    else:
        rep.notes.append(
            f"queries: rdflib MemoryStore skipped at {n:,} (> --rdflib-max {rdflib_max:,})."
        )
    del sources, graphs
    for q in sorted((q for q in library().values() if q.group == "cq"), key=lambda q: q.id):
        counts: dict[str, int] = {}

        def run(store, key: str, q=q, counts=counts) -> None:  # type: ignore[no-untyped-def]
            result = q.run(store)
            counts[key] = len(result.rows) if isinstance(result, Solutions) else -1

        text = bind_parameters(q.text, q.bindings()) if q.params else q.text

        def raw(q=q, text=text) -> None:  # type: ignore[no-untyped-def]
            list(oxs.store.query(text, use_default_graph_as_union=True))

        base = f"{q.id}: kg OxigraphStore (disk)"
        rep.add(Row(n, "query", base, measure(lambda: run(oxs, "ox")), note=f"{m:,} triples"))
        rep.add(Row(n, "query", f"{q.id}: raw pyoxigraph query, same store", measure(raw), base))
        if mem is not None:
            row = rep.add(
                Row(
                    n,
                    "query",
                    f"{q.id}: kg MemoryStore (rdflib)",
                    measure(lambda: run(mem, "rdflib")),
                    base,
                )
            )
            if counts.get("ox") != counts.get("rdflib"):
                row.note = (
                    f"ROW COUNTS DIFFER: oxigraph {counts.get('ox')}, rdflib {counts.get('rdflib')}"
                )
                rep.notes.append(f"queries: {q.id} at {n:,}: {row.note}")
            else:
                row.note = f"{counts.get('ox'):,} rows on both"
        else:
            rep.find(n, "query", base).note += f", {counts.get('ox'):,} rows"  # type: ignore[union-attr]
    oxs.close()
    shutil.rmtree(target, ignore_errors=True)


MEMORY_KINDS = {
    "python + imports": "nothing but the interpreter and imports",
    "oxigraph: pyoxigraph Store(path).load": "baseline",
    "oxigraph: kg parse_file + OxigraphStore.replace_graphs": "the project's Oxigraph path",
    "rdflib: Dataset graph.parse": "rdflib's own path",
    "rdflib: kg parse_file + MemoryStore.replace_graphs": "the project's memory: path",
}


def _status_kib(key: str) -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _current_rss_kib() -> int:
    return _status_kib("VmRSS") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def memory_probe(kind: str, nt: str, work: str) -> None:
    """Run in a fresh subprocess: build one store, print peak RSS (KiB) as JSON."""
    import rdflib

    from kg.pipeline.load import parse_file
    from kg.store import MemoryStore, OxigraphStore

    # ru_maxrss is a high-water mark that imports may already have set higher than the current
    # RSS; "before" is the current RSS (VmRSS), so net = peak - before counts the store's growth.
    before = _current_rss_kib()
    keep: object = None
    if kind == "oxigraph: pyoxigraph Store(path).load":
        keep = ox.Store(work)
        keep.load(path=nt, format=NT, to_graph=ox.NamedNode(GRAPH))
        keep.flush()
    elif kind == "oxigraph: kg parse_file + OxigraphStore.replace_graphs":
        triples = parse_file(Path(nt), GRAPH, "extra").triples
        keep = OxigraphStore(Path(work), writable=True)
        keep.replace_graphs({GRAPH: triples})
    elif kind == "rdflib: Dataset graph.parse":
        keep = rdflib.Dataset(default_union=True)
        keep.graph(rdflib.URIRef(GRAPH)).parse(nt, format="nt")
    elif kind == "rdflib: kg parse_file + MemoryStore.replace_graphs":
        triples = parse_file(Path(nt), GRAPH, "extra").triples
        keep = MemoryStore()
        keep.replace_graphs({GRAPH: triples})
        del triples
    # Peak = VmHWM, the high-water RSS of this process image. ru_maxrss(RUSAGE_SELF) survives
    # exec on Linux, so in a child it starts at the parent's RSS at fork (hundreds of MB here).
    peak = _status_kib("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "before_kib": before,
                "peak_kib": peak,
                "ru_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        )
    )


def bench_memory(
    rep: Report, n: int, nt: Path, work: Path, rdflib_max: int
) -> list[tuple[int, str, float, float]]:
    found = []
    for kind in MEMORY_KINDS:
        if kind.startswith("rdflib") and n > rdflib_max:
            continue
        target = work / "memory-store"
        shutil.rmtree(target, ignore_errors=True)
        out = subprocess.run(
            [sys.executable, __file__, "--memory-probe", kind, str(nt), str(target)],
            capture_output=True,
            text=True,
            check=True,
        )
        data = json.loads(out.stdout.strip().splitlines()[-1])
        peak_mb = data["peak_kib"] / 1024
        net_mb = (data["peak_kib"] - data["before_kib"]) / 1024
        found.append((n, kind, peak_mb, net_mb))
        print(
            f"  [{n:>9,}] memory  {kind:<52} peak {peak_mb:8.0f} MB (net {net_mb:.0f} MB)",
            file=sys.stderr,
            flush=True,
        )
        shutil.rmtree(target, ignore_errors=True)
    return found


def memory_table(found: list[tuple[int, str, float, float]]) -> str:
    """Net = this row's peak minus the peak of a probe that only imports (same process shape):
    ru_maxrss is a high-water mark, and imports alone set one, so small stores hide under it."""
    out = [
        "| size | store built by | peak RSS MB | net MB (peak − imports-only peak) | bytes/triple (net) | net ratio | baseline |",
        "|---:|---|---:|---:|---:|---:|---|",
    ]
    base_kind = "oxigraph: kg parse_file + OxigraphStore.replace_graphs"
    for n, kind, peak, _ in found:
        floor = next((p for (bn, k, p, _) in found if bn == n and k == "python + imports"), 0.0)
        base = next((p - floor for (bn, k, p, _) in found if bn == n and k == base_kind), None)
        net = max(peak - floor, 0.0)
        is_import = kind == "python + imports"
        ratio = "—" if is_import or not base or base <= 1 else f"{net / base:.2f}x"
        per = "—" if is_import else f"{net * 1024 * 1024 / n:,.0f}"
        out.append(
            f"| {n:,} | {kind} | {peak:,.0f} | {'—' if is_import else f'{net:,.0f}'} | {per} | {ratio} "
            f"| {'—' if is_import else base_kind} |"
        )
    return "\n".join(out)


# --- the run ------------------------------------------------------------------------------------


def machine() -> str:
    import pyshacl
    import rdflib

    def sh(cmd: str) -> str:
        try:
            return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.rstrip()
        except OSError:
            return "?"

    return "\n".join(
        [
            f"- date: {dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
            f"- machine: {platform.machine()}, `nproc` = {sh('nproc')}, {platform.platform()}",
            f"- Python {platform.python_version()}; pyoxigraph {ox.__version__ if hasattr(ox, '__version__') else '?'}, "
            f"rdflib {rdflib.__version__}, pyshacl {pyshacl.__version__}",
            "- `free -g`:\n\n```\n" + sh("free -g") + "\n```",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default="10000,100000",
        help="target triple counts, comma-separated (default: 10000,100000; add 1000000 for the Oxigraph side at 1M)",
    )
    parser.add_argument("--out", help="also write the markdown report to this file")
    parser.add_argument(
        "--shacl-max",
        type=int,
        default=10_000,
        help="largest size at which the full build (pyshacl) runs (default 10000)",
    )
    parser.add_argument(
        "--rdflib-max",
        type=int,
        default=100_000,
        help="largest size at which rdflib baselines and MemoryStore run (default 100000)",
    )
    parser.add_argument("--sections", default="parse,write,build,query,memory")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--memory-probe", nargs=3, metavar=("KIND", "NT", "DIR"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.memory_probe:
        memory_probe(*args.memory_probe)
        return 0
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s]
    sections = set(args.sections.split(","))
    started = time.perf_counter()
    rep = Report()
    mem_found: list[tuple[int, str, float, float]] = []
    work = Path(tempfile.mkdtemp(prefix="iodm-bench-"))
    try:
        for n in sizes:
            nt = work / f"synthetic-{n}.nt"
            t0 = time.perf_counter()
            count = synthetic.write(nt, n, args.seed)
            print(
                f"size {n:,}: generated {count:,} synthetic triples in {time.perf_counter() - t0:.1f} s "
                f"({nt.stat().st_size / 1e6:.0f} MB N-Triples)",
                file=sys.stderr,
                flush=True,
            )
            if "parse" in sections or "write" in sections:
                triples = bench_parse(rep, n, nt, args.rdflib_max)
                if "write" in sections:
                    bench_write(rep, n, nt, triples, work, args.rdflib_max)
                del triples
            if "build" in sections:
                bench_build(rep, n, nt, work, args.shacl_max)
            if "query" in sections:
                bench_queries(rep, n, nt, work, args.rdflib_max)
            if "memory" in sections:
                mem_found += bench_memory(rep, n, nt, work, args.rdflib_max)
            nt.unlink()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    elapsed = time.perf_counter() - started

    cmd = "python benchmarks/bench.py " + " ".join(sys.argv[1:] if argv is None else argv)
    parts = [
        "# IODM benchmark run",
        "",
        f"Command: `{cmd.strip()}` — total {elapsed:.0f} s. Synthetic data from `benchmarks/synthetic.py` "
        f"(seed {args.seed}; synthetic, not facts about the real world). Medians of wall-clock seconds; "
        f"`runs` = repetitions (3 when one run takes under {CHEAP:.0f} s, else 1). "
        "`ratio` = this row's median / its baseline's median, same size, same run (above 1 = slower).",
        "",
        machine(),
    ]
    titles = {
        "parse": ("Parse an N-Triples file", "ratio"),
        "write": ("Write one graph to a store (Oxigraph on disk; rdflib in memory)", "ratio"),
        "build": ("Full build and where its time goes (one instrumented call)", "share of build"),
        "query": (
            "Competency-question queries (`kg.queries.library()`, group cq, default parameters)",
            "ratio",
        ),
    }
    for section, (title, header) in titles.items():
        table = rep.table(section, header)
        if table:
            parts += ["", f"## {title}", "", table]
    if mem_found:
        parts += [
            "",
            "## Peak memory (fresh subprocess per row, VmHWM: see README on ru_maxrss)",
            "",
            memory_table(mem_found),
        ]
    if rep.notes:
        parts += ["", "## Skipped and flagged", ""] + [f"- {note}" for note in rep.notes]
    text = "\n".join(parts) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
