"""CPU seconds of every named query on a built store, on disk and in memory.

    python benchmarks/queries.py STORE_DIR [--repeats 3] [--only cq5-long-tenure ...]

The named queries are the competency questions (``queries/cq``) and the analysis queries
(``queries/analysis``), run with their default parameters through :meth:`NamedQuery.run`, the
way ``iodm query`` runs them. The store is opened read-only as it is (this script builds
nothing: run ``iodm --store oxigraph:DIR build FILE`` first), then copied into memory
(:meth:`OxigraphStore.copy`). Each time is the best of ``repeats`` runs, in CPU seconds of this
process (``time.process_time``), rows read included. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

#: The folders of ``queries/`` whose queries users and the analysis run by name.
GROUPS = ("cq", "analysis")


def cpu_seconds(fn: Callable[[], object], repeats: int = 3) -> float:
    """The least CPU time of ``repeats`` calls of ``fn``."""
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def time_queries(
    store_path: Path, repeats: int = 3, only: Sequence[str] = (), disk_only: bool = False
) -> list[tuple[str, float, float]]:
    """(query id, CPU seconds on disk, CPU seconds in memory) for every named query, in the
    library's order, on the store built at ``store_path`` (``disk_only``: memory is NaN, and no
    copy is made: at millions of triples it costs more than the queries)."""
    from kg.queries import library
    from kg.store import OxigraphStore

    if not store_path.exists():
        raise SystemExit(
            f"{store_path}: no store here; build one with `iodm --store oxigraph:DIR build`"
        )
    queries = [q for q in library().values() if q.group in GROUPS and (not only or q.id in only)]
    on_disk = OxigraphStore(store_path)
    in_memory = None if disk_only else on_disk.copy()
    out = []
    for q in queries:
        disk = cpu_seconds(lambda q=q: q.run(on_disk), repeats)  # type: ignore[misc]
        memory = (
            float("nan")
            if in_memory is None
            else cpu_seconds(lambda q=q: q.run(in_memory), repeats)  # type: ignore[misc]
        )
        out.append((q.id, disk, memory))
    return out


def table(timings: Sequence[tuple[str, float, float]]) -> str:
    """The timings as a Markdown table."""
    lines = ["| query | on disk (CPU s) | in memory (CPU s) |", "|---|---:|---:|"]
    lines += [f"| {name} | {disk:.3f} | {memory:.3f} |" for name, disk, memory in timings]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store", type=Path, help="directory of a built Oxigraph store")
    parser.add_argument("--repeats", type=int, default=3, help="runs per query (best kept)")
    parser.add_argument("--only", nargs="*", default=(), help="query ids to time (default all)")
    args = parser.parse_args(argv)
    print(table(time_queries(args.store, args.repeats, args.only)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
