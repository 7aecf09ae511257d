"""Shared fixtures: stores of every backend, and a live Oxigraph server on 127.0.0.1."""

from __future__ import annotations

import csv
import io
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.core.results import Solutions
from kg.store import MemoryStore, OxigraphStore, SparqlStore, Store

from .servers import free_port, running

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
DATA = TESTS / "data"  # third-party files, vendored unchanged (see data/README.md)


def rows(result: object) -> list[dict[str, str]]:
    """A SELECT result as CSV rows (dicts of strings), as `iodm query --format csv` writes them."""
    assert isinstance(result, Solutions)
    return list(csv.DictReader(io.StringIO(result.serialize("csv"))))


def oxigraph_binary() -> str:
    found = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which(
        "oxigraph"
    )
    if not found:
        pytest.fail("the `oxigraph` server binary is missing: pip install -e '.[dev]' installs it")
    return found


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A read-write Oxigraph server on 127.0.0.1 with a union default graph; yields its base URL."""
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph-server")
    base = f"http://127.0.0.1:{port}"
    command = [
        oxigraph_binary(),
        "serve",
        "--location",
        str(location),
        "--bind",
        f"127.0.0.1:{port}",
        "--union-default-graph",
    ]
    with running(command, f"{base}/query?query=ASK%7B%7D", name="the Oxigraph server"):
        yield base


@pytest.fixture(scope="session")
def curated_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The knowledge graph as `iodm build` writes it from the packaged files, built once per run.
    Read it only: tests that write build their own store."""
    from kg.pipeline.build import build

    store = OxigraphStore(tmp_path_factory.mktemp("curated") / "store", writable=True)
    build(store)
    yield store
    store.close()


@pytest.fixture(params=["oxigraph", "memory", "sparql"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """One empty, writable store of each backend."""
    store: Store
    if request.param == "oxigraph":
        store = OxigraphStore(tmp_path / "store", writable=True)
    elif request.param == "memory":
        store = MemoryStore()
    else:
        base = request.getfixturevalue("oxigraph_server")
        store = SparqlStore(f"{base}/query", f"{base}/update")
        store.update("DROP SILENT ALL")
    yield store
    store.close()
