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
TOY = sorted((FIXTURES / "toy").glob("*.ttl"))
BANK = sorted((TESTS.parent / "examples" / "development-bank").glob("*.ttl"))


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


# --- the graphs, each built once per session under one name -------------------------------------


@pytest.fixture(scope="session")
def curated_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory of an Oxigraph store holding the knowledge graph as `iodm build` writes it
    from the packaged files (validated, derived graph included): the session's one build of it.
    Servers and commands open it read-only; a test that writes takes :func:`curated_copy`."""
    from kg.pipeline.build import build

    path = tmp_path_factory.mktemp("curated") / "store"
    store = OxigraphStore(path, writable=True)
    build(store)
    store.close()
    return path


@pytest.fixture(scope="session")
def curated(curated_path: Path) -> Iterator[Store]:
    """The built knowledge graph (:func:`curated_path`), opened read-only."""
    store = OxigraphStore(curated_path)
    yield store
    store.close()


@pytest.fixture
def curated_copy(curated_path: Path, tmp_path: Path) -> Path:
    """A copy of the built store's directory that the test may write to (open it writable)."""
    return Path(shutil.copytree(curated_path, tmp_path / "curated"))


@pytest.fixture(scope="session")
def toy() -> Store:
    """The curated graph and the toy fixture (tests/fixtures/toy), built together, in memory: the
    toy's reporting lines, field offices and liaison posts exercise what the curated graph leaves
    out."""
    from kg.pipeline.build import build

    store = OxigraphStore()
    build(store, TOY)
    return store


@pytest.fixture(scope="session")
def bank() -> Store:
    """The development-bank example on the core ontology alone (no peacekeeping module), in
    memory."""
    from kg.pipeline.build import build

    store = OxigraphStore()
    summary = build(store, BANK, core_only=True)
    assert summary.report.conforms, summary.report.serialize()
    return store


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
