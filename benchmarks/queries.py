"""CPU seconds of every named query on a built store: a page, all its rows, and computing it.

    python benchmarks/queries.py STORE_DIR [--repeats 3] [--only cq5-long-tenure ...]

The named queries are the competency questions (``queries/cq``) and the analysis queries
(``queries/analysis``), run with their default parameters through :meth:`NamedQuery.run`, the
way ``iodm query`` runs them, and the queries with a parameter once more with another value
(:data:`OTHER`: CQ5 for minYears 2, CQ8 about the first claim of its answer), on the store opened read-only as it is (this script builds
nothing: run ``iodm --store oxigraph:DIR build FILE`` first). Three figures each:

- ``page``: the first :data:`PAGE` rows, as ``iodm query NAME --limit 500`` and the server's
  query page read them (from the answer the build kept, :mod:`kg.answers`);
- ``all``: every row, likewise;
- ``computed``: every row, computed by the engine on the store on disk (the answer ignored), as
  for other parameters or a store without answers.

Each time is the best of ``repeats`` runs, in CPU seconds of this process
(``time.process_time``), rows read included. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

#: The rows of a page: the server's query page shows as many (kg.publish.app.PAGE_ROWS).
PAGE = 500


#: Other values of the named queries' parameters, timed as well (a function of the store gives
#: a value the data decides).
OTHER: dict[str, Callable[[Any], dict[str, object]]] = {
    "cq5-long-tenure": lambda store: {"minYears": "2"},
    "cq8-evidence": lambda store: {"about": _first_claim(store)},
}


def _first_claim(store: Any) -> str:
    import pyoxigraph as ox

    from kg.queries import library

    rows = library()["cq8-evidence"].run(store, limit=1).rows  # type: ignore[union-attr]
    claim = rows[0][0] if rows else None
    return claim.value if isinstance(claim, ox.NamedNode) else "any"


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
    store_path: Path, repeats: int = 3, only: Sequence[str] = ()
) -> list[tuple[str, float, float, float]]:
    """(query id, CPU seconds for a page, for all rows, to compute all rows) for every named
    query, in the library's order, on the store built at ``store_path``."""
    from kg.answers import GROUPS
    from kg.queries import library
    from kg.store import OxigraphStore

    class Computed(OxigraphStore):
        def answers(self) -> Path | None:
            return None

    if not store_path.exists():
        raise SystemExit(
            f"{store_path}: no store here; build one with `iodm --store oxigraph:DIR build`"
        )
    queries = [q for q in library().values() if q.group in GROUPS and (not only or q.id in only)]
    answered, computed = OxigraphStore(store_path), Computed(store_path)
    cases: list[tuple[str, Any, dict[str, object]]] = [(q.id, q, {}) for q in queries]
    for q in queries:
        if q.id in OTHER:
            params = OTHER[q.id](answered)
            shown = " ".join(f"{k}={v}" for k, v in params.items())
            cases.append((f"{q.id} {shown}", q, params))
    return [
        (
            name,
            cpu_seconds(lambda q=q, p=params: q.run(answered, p, limit=PAGE), repeats),  # type: ignore[misc]
            cpu_seconds(lambda q=q, p=params: q.run(answered, p), repeats),  # type: ignore[misc]
            cpu_seconds(lambda q=q, p=params: q.run(computed, p), repeats),  # type: ignore[misc]
        )
        for name, q, params in cases
    ]


def table(timings: Sequence[tuple[str, float, float, float]]) -> str:
    """The timings as a Markdown table."""
    lines = [
        f"| query | first {PAGE} rows (CPU s) | all rows (CPU s) | computed (CPU s) |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {q} | {page:.3f} | {every:.3f} | {done:.3f} |" for q, page, every, done in timings
    ]
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
