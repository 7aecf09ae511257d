"""Fixtures for the publishing tests: the published graph, and live `iodm serve` servers."""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.publish.dataset import Published
from kg.store import Store

from ..servers import free_port, running

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"


def iodm_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`iodm ARGS…` in a subprocess started in the repository, its output captured as text."""
    command = [sys.executable, "-m", "kg.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=REPO)


@contextlib.contextmanager
def live_server(descriptor: str, *args: str, token: str | None = None) -> Iterator[str]:
    """`iodm serve` in a subprocess on 127.0.0.1 and a free port; yields its base URL.

    Once the server is stopped (SIGTERM), the temporary directory it was given must be empty:
    its query workers' snapshot files are removed as it shuts down."""
    port = free_port()
    command = [sys.executable, "-m", "kg.cli", "--store", descriptor, "serve", "--port", str(port)]
    command += args
    env = {k: v for k, v in os.environ.items() if k != "IODM_UPDATE_TOKEN"}
    if token:
        command += ["--update-token", token]
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as scratch:
        env["TMPDIR"] = scratch
        ready = f"{base}/sparql?query=ASK%7B%7D"
        with running(command, ready, name="`iodm serve`", cwd=REPO, env=env):
            yield base
        left = sorted(p.name for p in Path(scratch).iterdir())
        assert left == [], f"`iodm serve` left {left} in its temporary directory"


@pytest.fixture(scope="session")
def token() -> str:
    return secrets.token_hex(16)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def published(curated: Store) -> Published:
    """The session's built store as the server publishes it (privacy filter applied), a snapshot
    per module."""
    return Published(curated)
