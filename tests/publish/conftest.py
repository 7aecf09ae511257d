"""Fixtures for the publishing tests: built stores, and live `iodm serve` servers."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.build import build
from kg.store import OxigraphStore

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
ARTIFACTS = REPO / "tests" / "artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def live_server(descriptor: str, *args: str, token: str | None = None) -> Iterator[str]:
    """`iodm serve` in a subprocess on 127.0.0.1 and a free port; yields its base URL."""
    port = free_port()
    command = [sys.executable, "-m", "kg.cli", "--store", descriptor, "serve", "--port", str(port)]
    env = {k: v for k, v in os.environ.items() if k != "IODM_UPDATE_TOKEN"}
    if token:
        command += ["--update-token", token]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(command, stdout=log, stderr=log, env=env, cwd=REPO)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60  # only for a server that never comes up
            while True:
                try:
                    urllib.request.urlopen(f"{base}/sparql?query=ASK%7B%7D", timeout=2).read()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        log.seek(0)
                        pytest.fail(f"`iodm serve` did not start: {log.read().decode()}")
                    time.sleep(0.05)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="session")
def built_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An Oxigraph store directory holding the knowledge graph built from the packaged data."""
    path = tmp_path_factory.mktemp("built") / "store"
    store = OxigraphStore(path, writable=True)
    build(store)
    store.close()
    return path


@pytest.fixture(scope="session")
def token() -> str:
    return secrets.token_hex(16)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
