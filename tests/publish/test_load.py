"""A bounded loopback load test of `iodm serve` (issue 15, point 8): 8 clients for
``$IODM_LOAD_SECONDS`` (default 20) seconds ask for pages, named queries and, now and then, a
hostile query (too deep, SERVICE, a cartesian product ORDER BY or COUNT). Every well-formed
request must succeed, every hostile one must be refused or stopped, and the server process must
be the one that started. Latencies (p50, p99) are printed, not asserted.
"""

from __future__ import annotations

import http.client
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from kg.queries import library

from ..servers import free_port, running
from .conftest import REPO

CLIENTS = 8
SECONDS = float(os.environ.get("IODM_LOAD_SECONDS", "20"))
HOSTILE = [
    ("SELECT * WHERE " + "{" * 2400 + "}" * 2400, {400}),
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", {400}),
    ('SELECT * WHERE { ?s ?p "\\u0022 . SERVICE <http://127.0.0.1:9/> {} #" }', {400}),
    ("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1", {503}),
    ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", {503}),
]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@pytest.mark.skipif(not Path("/proc").exists(), reason="reads the server's memory from /proc")
def test_load_with_hostile_queries_mixed_in(curated_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "kg.cli", "--store", f"oxigraph:{curated_path}", "serve"]
    # a long queue wait: on a busy machine (the rest of the suite beside it) a well-formed
    # query may wait behind hostile ones for their whole time limit, and must not be shed
    command += ["--port", str(port), "--timeout", "2", "--memory-mb", "512", "--queue-wait", "60"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("IODM_SERVE_")}
    ready = f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D"
    named = [q.text for q in library().values() if q.group == "cq" and not q.params]
    assert named, "no named query without parameters"
    with running(command, ready, name="`iodm serve`", cwd=REPO, env=env) as proc:
        pid = proc.pid
        pages = ["/", "/iodm", "/iodm/pko", "/query", "/.well-known/void", "/sparql"]
        docs = fetch(port, "GET", "/sparql?" + urlencode({"query": DOCS}), accept=CSV)[1]
        pages += [
            "/doc/" + line.removeprefix("https://w3id.org/iodm/id/")
            for line in docs.decode().splitlines()[1:]
        ]
        memory = [rss_mb(pid)]
        latencies: list[float] = []
        errors: list[str] = []
        hostile_seen: list[int] = []
        stop = time.monotonic() + SECONDS
        lock = threading.Lock()

        def client(n: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            i = n
            while time.monotonic() < stop:
                i += 1
                if i % 25 == 0:
                    text, expected = HOSTILE[(i // 25) % len(HOSTILE)]
                    status, _ = fetch(port, "POST", "/sparql", body=text, conn=conn)
                    with lock:
                        hostile_seen.append(status)
                        if status not in expected:
                            errors.append(f"hostile {text[:40]!r}: {status}")
                    continue
                if i % 3 == 0:
                    started = time.monotonic()
                    status, _ = fetch(
                        port, "POST", "/sparql", body=named[i % len(named)], conn=conn
                    )
                else:
                    started = time.monotonic()
                    status, body = fetch(port, "GET", pages[i % len(pages)], conn=conn)
                elapsed = time.monotonic() - started
                with lock:
                    latencies.append(elapsed)
                    if status != 200:
                        errors.append(f"request {i}: {status} {body[:200]!r}")

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            time.sleep(1)
            memory.append(rss_mb(pid))
        for t in threads:
            t.join()
        assert proc.poll() is None, "the server stopped"
        assert fetch(port, "GET", "/sparql?query=ASK%7B%7D")[0] == 200
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99)] * 1000
    print(
        f"\nload: {CLIENTS} clients, {SECONDS:g} s, {len(latencies)} well-formed requests "
        f"({len(latencies) / SECONDS:.0f}/s), {len(hostile_seen)} hostile "
        f"({sorted(set(hostile_seen))}); p50 {p50:.0f} ms, p99 {p99:.0f} ms; server RSS "
        f"{memory[0]:.0f} → {max(memory):.0f} MB (end {memory[-1]:.0f})"
    )
    assert errors == [], errors[:10]
    assert len(hostile_seen) >= CLIENTS


CSV = "text/csv"
DOCS = (
    "SELECT DISTINCT ?s WHERE { ?s ?p ?o "
    'FILTER(STRSTARTS(STR(?s), "https://w3id.org/iodm/id/")) } ORDER BY ?s LIMIT 20'
)


def fetch(
    port: int,
    method: str,
    path: str,
    *,
    body: str | None = None,
    accept: str = "*/*",
    conn: http.client.HTTPConnection | None = None,
) -> tuple[int, bytes]:
    """One request (on ``conn``, kept alive, if given): the status and the body."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Accept": accept}
    data = None
    if body is not None:
        data = urlencode({"query": body}).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    except (OSError, http.client.HTTPException) as e:
        conn.close()
        return -1, str(e).encode()
    finally:
        if own:
            conn.close()
