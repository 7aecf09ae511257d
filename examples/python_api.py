"""Use IODM from Python: build the knowledge graph in memory and read answers into pandas.

Run it with `python examples/python_api.py` after `make run` (or `pip install -e .`).
"""

from __future__ import annotations

from kg.pipeline.build import build
from kg.queries import get
from kg.store import open_store


def main() -> None:
    store = open_store("memory:")  # or "oxigraph:/some/dir", or "sparql:http://host/query"
    summary = build(store)
    print(f"built {summary.graphs} graphs, {summary.triples} triples in memory")

    responses = get("cq2-responses-on-spectrum").run(store)
    columns = ["missionLabel", "optionLabel", "rank"]
    try:
        import pandas as pd
    except ImportError:  # pandas is optional: rows are plain dicts too
        for row in responses:
            print(*(row[c] for c in columns))
    else:
        print(pd.DataFrame(responses)[columns].to_string(index=False))


if __name__ == "__main__":
    main()
