"""Helpers for tests that run servers (always on 127.0.0.1, started and stopped by the test) and
compare answers across stores."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from kg.core.results import Solutions
from kg.queries import library
from kg.store import Store


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running(
    command: Sequence[str],
    ready_url: str,
    *,
    name: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    give_up_after: float = 60,
    log_file: Callable[[], Path] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server process, wait until ``ready_url`` answers, yield it, stop it.

    ``give_up_after`` only bounds a server that never comes up; the failure shows its log (the
    process's own output, or ``log_file()`` when the server writes one elsewhere).
    """
    with tempfile.TemporaryFile() as output:
        proc = subprocess.Popen(command, stdout=output, stderr=output, cwd=cwd, env=env)
        try:
            deadline = time.monotonic() + give_up_after
            while True:
                try:
                    urllib.request.urlopen(ready_url, timeout=5).read()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        output.seek(0)
                        log = output.read().decode(errors="replace")
                        if log_file is not None and log_file().exists():
                            log = log_file().read_text(errors="replace")
                        pytest.fail(f"{name} did not start: {log[-3000:]}")
                    time.sleep(0.05)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def cq_answers(store: Store) -> dict[str, list[tuple[str, ...]]]:
    """Every competency question's rows on a store, as sorted tuples of strings."""
    out = {}
    for q in library().values():
        if q.group != "cq":
            continue
        result = q.run(store)
        assert isinstance(result, Solutions)
        out[q.id] = sorted((tuple(map(_text, r.values())) for r in result), key=repr)
    return out


def _text(value: object) -> str:
    """A value as text, numbers by their value (an engine may type the decimal 0.0 as the
    integer 0: the same number)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return repr(float(value))
    return str(value)
