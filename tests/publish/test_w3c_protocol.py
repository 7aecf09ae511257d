"""The W3C SPARQL 1.1 Protocol test suite, run against a live `iodm serve`.

The manifest and data come unchanged from the W3C test repository (``tests/data/w3c``). Each
test is a list of HTTP requests with expected status classes and, for queries, the expected
result format and boolean. Requests go through http.client, which adds no Content-Type of its
own (the "missing content type" tests need that). The server runs with an update token, and
every request carries it: the suite tests the protocol, including updates.
"""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest

from ..conftest import DATA
from .conftest import live_server

SUITE = DATA / "w3c" / "sparql11-protocol"
MANIFEST = SUITE / "manifest.ttl"
MANIFEST_BASE = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest.ttl"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
HT = "http://www.w3.org/2011/http#"
CNT = "http://www.w3.org/2011/content#"
UT = "http://www.w3.org/2009/sparql/tests/test-update#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"
TABULAR = {
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
}
BOOLEAN = {"application/sparql-results+json", "application/sparql-results+xml"}
RDF_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


@dataclass
class Request:
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes | None
    statuses: set[str]  # "2xx", "3xx", "4xx"
    expected_format: str | None
    expected_boolean: bool | None


@dataclass
class ProtocolTest:
    name: str
    label: str
    graph_data: list[tuple[Path, str]] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)


def _list(store: ox.Store, head: ox.NamedNode | ox.BlankNode) -> list[ox.NamedNode | ox.BlankNode]:
    items = []
    while head != ox.NamedNode(RDF + "nil"):
        items.append(_one(store, head, RDF + "first"))
        head = _one(store, head, RDF + "rest")  # type: ignore[assignment]
    return items  # type: ignore[return-value]


def _one(store: ox.Store, s: object, p: str) -> object:
    found = _all(store, s, p)
    assert len(found) == 1, f"{s} {p}: {found}"
    return found[0]


def _all(store: ox.Store, s: object, p: str) -> list[object]:
    return [q.object for q in store.quads_for_pattern(s, ox.NamedNode(p), None, None)]  # type: ignore[arg-type]


def load_suite() -> list[ProtocolTest]:
    if not MANIFEST.is_file():
        pytest.fail(f"the W3C protocol suite is missing: {MANIFEST} (see tests/data/README.md)")
    store = ox.Store()
    store.load(path=str(MANIFEST), format=ox.RdfFormat.TURTLE, base_iri=MANIFEST_BASE)
    manifest = ox.NamedNode(MANIFEST_BASE)
    tests = []
    for entry in _list(store, _one(store, manifest, MF + "entries")):  # type: ignore[arg-type]
        test = ProtocolTest(entry.value.rsplit("#", 1)[-1], _one(store, entry, MF + "name").value)  # type: ignore[attr-defined]
        for gd in _all(store, entry, UT + "graphData"):
            data = _one(store, gd, UT + "graph").value  # type: ignore[attr-defined]
            test.graph_data.append(
                (SUITE / data.rsplit("/", 1)[-1], _one(store, gd, RDFS + "label").value)
            )  # type: ignore[attr-defined]
        action = _one(store, entry, MF + "action")
        for r in _list(store, _one(store, action, HT + "requests")):  # type: ignore[arg-type]
            body = None
            bodies = _all(store, r, HT + "body")
            if bodies:
                chars = _one(store, bodies[0], CNT + "chars").value  # type: ignore[attr-defined]
                encoding = _one(store, bodies[0], CNT + "characterEncoding").value  # type: ignore[attr-defined]
                body = chars.encode(encoding)
            headers = []
            for h in _all(store, r, HT + "headers"):
                for item in _list(store, h):  # type: ignore[arg-type]
                    name = _one(store, item, HT + "fieldName").value  # type: ignore[attr-defined]
                    headers.append((name, _one(store, item, HT + "fieldValue").value))  # type: ignore[attr-defined]
            resp = _one(store, r, HT + "resp")
            statuses = {
                s.value.removeprefix(HTS).lower() for s in _all(store, resp, MF + "expectedStatus")
            }  # type: ignore[attr-defined]
            fmt = _all(store, resp, MF + "expectedFormat")
            boolean = _all(store, resp, MF + "expectedBoolean")
            test.requests.append(
                Request(
                    _one(store, r, HT + "methodName").value,  # type: ignore[attr-defined]
                    _one(store, r, HT + "absolutePath").value,  # type: ignore[attr-defined]
                    headers,
                    body,
                    statuses,
                    fmt[0].value if fmt else None,  # type: ignore[attr-defined]
                    boolean[0].value == "true" if boolean else None,  # type: ignore[attr-defined]
                )
            )
        tests.append(test)
    return tests


SUITE_TESTS = load_suite() if MANIFEST.is_file() else []


def test_the_suite_has_34_tests() -> None:
    assert len(load_suite()) == 34


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory, token: str):  # type: ignore[no-untyped-def]
    store = tmp_path_factory.mktemp("w3c") / "store"
    with live_server(f"oxigraph:{store}", token=token) as base:
        yield base


def send(base: str, method: str, path: str, headers: list[tuple[str, str]], body: bytes | None):  # type: ignore[no-untyped-def]
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type") or "", response.read()
    finally:
        conn.close()


def reset(base: str, token: str, graph_data: list[tuple[Path, str]]) -> None:
    """Load the test's dataset through the protocol itself: each file into its named graph."""
    graphs = " ".join(f"GRAPH <{label}> {{ {path.read_text()} }}" for path, label in graph_data)
    update = f"DROP ALL ; INSERT DATA {{ {graphs} }}".encode()
    status, _, body = send(
        base,
        "POST",
        "/sparql",
        [("Content-Type", "application/sparql-update"), ("Authorization", f"Bearer {token}")],
        update,
    )
    assert 200 <= status < 300, body


def check_format(request: Request, content_type: str, body: bytes) -> None:
    media = content_type.split(";")[0].strip().lower()
    if request.expected_format == "boolean":
        assert media in BOOLEAN, f"a boolean result came as {content_type}"
    elif request.expected_format == "tabular":
        assert media in TABULAR, f"a SELECT result came as {content_type}"
    elif request.expected_format == "RDF":
        assert media in RDF_TYPES, f"a graph result came as {content_type}"
        ox.parse(body, format=RDF_TYPES[media], base_iri="http://example.org/")
        return
    else:
        return
    if media in ("text/csv", "text/tab-separated-values"):
        fmt = ox.QueryResultsFormat.CSV if media == "text/csv" else ox.QueryResultsFormat.TSV
        ox.parse_query_results(body, format=fmt)
        return
    fmt = ox.QueryResultsFormat.JSON if media.endswith("json") else ox.QueryResultsFormat.XML
    parsed = ox.parse_query_results(body, format=fmt)
    if request.expected_boolean is not None:
        assert isinstance(parsed, ox.QueryBoolean), body
        assert bool(parsed) is request.expected_boolean, body
    if media.endswith("json"):
        json.loads(body)


@pytest.mark.slow
@pytest.mark.parametrize("test", SUITE_TESTS, ids=[t.name for t in SUITE_TESTS])
def test_protocol(endpoint: str, token: str, test: ProtocolTest) -> None:
    if test.graph_data:
        reset(endpoint, token, test.graph_data)
    for request in test.requests:
        path = "/sparql" + request.path.removeprefix("/sparql/")  # "/sparql/?q…" → "/sparql?q…"
        headers = [*request.headers, ("Authorization", f"Bearer {token}")]
        status, content_type, body = send(endpoint, request.method, path, headers, request.body)
        assert f"{status // 100}xx" in request.statuses, (
            f"{test.label}: {request.method} {path} answered {status}, expected "
            f"{sorted(request.statuses)}: {body[:500]!r}"
        )
        if 200 <= status < 300:
            check_format(request, content_type, body)
