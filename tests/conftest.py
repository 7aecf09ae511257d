"""Shared fixtures: stores of every backend, and a live Oxigraph server on 127.0.0.1."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.store import MemoryStore, OxigraphStore, SparqlStore, Store

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
    port = _free_port()
    location = tmp_path_factory.mktemp("oxigraph-server")
    proc = subprocess.Popen(
        [
            oxigraph_binary(),
            "serve",
            "--location",
            str(location),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"{base}/query?query=ASK%7B%7D", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read().decode() if proc.stderr else ""
                    pytest.fail(f"the Oxigraph server did not start: {err}")
                time.sleep(0.05)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


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
