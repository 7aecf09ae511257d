"""`iodm run` (and `make run`): build → validate → reason → answer the competency questions."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from kg.core.errors import EXIT_INVALID, EXIT_OK, EXIT_RUNTIME, ReasonerError
from kg.store import Store

MAX_ROWS = 12

NEXT_STEPS = """\
What to try next (after `source .venv/bin/activate`, or call .venv/bin/iodm):
  iodm queries                                   the question library
  iodm query cq5-long-tenure -p minYears=3       bind a parameter
  iodm query cq2-responses-on-spectrum --format csv
  iodm query --sparql my-query.rq                your own SPARQL
  iodm stats                                     what the store holds
  iodm validate --format json                    the SHACL report for machines
  iodm export --format ttl -o iodm.ttl           the whole graph as Turtle
"""


def run(store: Store, out: TextIO = sys.stdout) -> int:
    from kg.pipeline.build import build, split, stored_sources
    from kg.pipeline.load import Progress
    from kg.pipeline.reason import check
    from kg.queries import library

    def say(text: str = "") -> None:
        print(text, file=out, flush=True)

    say("IODM: the knowledge graph of Oksamytna, Tansey, von Billerbeck and Gippert (2023)")
    say(f"store: {store.descriptor}\n")
    started = time.perf_counter()

    say("1. build and validate")
    summary = build(store, progress=Progress(stream=out))
    r = summary.report
    say(
        f"   {summary.graphs} graphs, {summary.triples:,} triples; SHACL: conforms "
        f"({r.count('Violation')} violations, {r.count('Warning')} warnings, "
        f"{r.count('Info')} infos)\n"
    )

    say("2. reason (HermiT, OWL 2 DL)")
    status = EXIT_OK
    try:
        data, _ = split(stored_sources(store))
        report = check(list(data))
        say("   " + report.summary().rstrip().replace("\n", "\n   ") + "\n")
        if not report.ok:
            status = EXIT_INVALID
    except ReasonerError as e:
        say(f"   the reasoner could not run: {e}\n")
        status = EXIT_RUNTIME

    say("3. the competency questions")
    for q in library().values():
        if q.group != "cq":
            continue
        result = store.select(q.text, q.bindings()).readable()  # competency questions SELECT
        say(f"\n[{q.id}] {q.question}")
        if q.params:
            say("   with " + ", ".join(f"{p.name}={p.default}" for p in q.params))
        if not len(result):
            say("   (no rows in this graph)")
        else:
            say(result.head(MAX_ROWS).serialize("table").rstrip())
            if len(result) > MAX_ROWS:
                say(f"… {len(result) - MAX_ROWS} more rows: iodm query {q.id}")

    say(f"\ndone in {time.perf_counter() - started:.1f} s.\n")
    say(NEXT_STEPS.rstrip())
    return status
