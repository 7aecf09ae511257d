"""`iodm push`: the knowledge graph into an Oxigraph server and into Virtuoso; the named queries
answer alike on the embedded store and on both servers.

Virtuoso is Debian's virtuoso-opensource (installed by .ci/system-deps, its own service never
started). The test runs its own `virtuoso-t` in the foreground with a fresh database, both ports
bound to 127.0.0.1, lets the anonymous SPARQL user update (only this throw-away database), and
stops it afterwards. Notes on Virtuoso: its default graph is the union of *all* its graphs,
system graphs included (checked below), and a direct POST of application/sparql-query hangs, so
the client uses form POSTs (kg.store.SparqlStore does).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.publish.dataset import Published
from kg.publish.push import count, push
from kg.store import SparqlStore, Store

from ..servers import cq_answers, free_port, running
from .conftest import iodm_cli

pytestmark = pytest.mark.slow
VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 10
CheckpointInterval = 60
CaseMode = 2
AllowOSCalls = 0
DirsAllowed = ., {dir}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections = 10
ServerThreads = 10
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 400
"""


@pytest.fixture(scope="module")
def reference(curated: Store) -> dict[str, list[tuple[str, ...]]]:
    result = cq_answers(curated)
    assert any(result.values()), "the questions should have answers on the built graph"
    return result


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if not binary or not isql:
        pytest.fail("virtuoso-t/isql-vt are missing: run `make system-deps` (bash .ci/system-deps)")
    folder = tmp_path_factory.mktemp("virtuoso")
    sql_port, http_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(dir=folder, sql_port=sql_port, http_port=http_port))
    base = f"http://127.0.0.1:{http_port}"
    command = [binary, "-c", str(ini), "+foreground"]
    with running(
        command,
        f"{base}/sparql?query=ASK%7B%7D",
        name="Virtuoso",
        cwd=folder,
        give_up_after=120,
        log_file=lambda: folder / "virtuoso.log",
    ):
        grant = subprocess.run(
            [isql, f"127.0.0.1:{sql_port}", "dba", "dba", 'exec=GRANT SPARQL_UPDATE TO "SPARQL";'],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert grant.returncode == 0, grant.stdout + grant.stderr
        yield base


def test_push_command_into_the_oxigraph_server(
    curated_path: Path, oxigraph_server: str, published: Published, reference
) -> None:  # type: ignore[no-untyped-def]
    target = f"sparql:{oxigraph_server}/query,{oxigraph_server}/update"
    remote = SparqlStore(f"{oxigraph_server}/query", f"{oxigraph_server}/update")
    remote.update("DROP SILENT ALL")  # the server is shared with other modules: start from nothing
    r = iodm_cli("--store", f"oxigraph:{curated_path}", "push", target, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "pushed" in r.stderr
    assert set(published.graphs) <= set(remote.named_graphs())
    for g in published.graphs:
        assert count(remote, g) == sum(1 for _ in published.quads(g))
    assert cq_answers(remote) == reference


@pytest.fixture(scope="module")
def virtuoso_store(virtuoso: str, toy: Store) -> SparqlStore:
    remote = SparqlStore(f"{virtuoso}/sparql", f"{virtuoso}/sparql")
    push(Published(toy), remote, batch=500)
    return remote


def test_push_into_virtuoso(virtuoso_store: SparqlStore, toy: Store) -> None:
    remote = virtuoso_store
    published = Published(toy)
    assert set(published.graphs) <= set(remote.named_graphs())
    for g in published.graphs:
        assert count(remote, g) == sum(1 for _ in published.quads(g))
    # Virtuoso's default graph is the union of every graph it holds: ours and its own.
    first, last = published.graphs[0], published.graphs[-1]
    union = remote.query(
        f"ASK {{ GRAPH <{first}> {{ ?s1 ?p1 ?o1 }} GRAPH <{last}> {{ ?s2 ?p2 ?o2 }} "
        "FILTER EXISTS { ?s1 ?p1 ?o1 } FILTER EXISTS { ?s2 ?p2 ?o2 } }"
    )
    assert bool(union)


def test_virtuoso_answers_like_the_embedded_store(virtuoso_store: SparqlStore, toy: Store) -> None:
    expected = cq_answers(toy)
    assert all(expected.values()), "every question should have answers on curated + toy"
    got = cq_answers(virtuoso_store)
    differ = {  # question: (rows missing on Virtuoso, rows only Virtuoso gives)
        q: (sorted(set(rows) - set(got[q])), sorted(set(got[q]) - set(rows)))
        for q, rows in expected.items()
        if got[q] != rows
    }
    assert not differ, differ
