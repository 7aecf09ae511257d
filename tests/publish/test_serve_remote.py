"""`iodm serve` from a `sparql:` store: the same site as from the embedded store.

The built knowledge graph is pushed into the session's Oxigraph server; one `iodm serve` runs
over that server (``--store sparql:…/query,…/update``), another over the embedded store it was
built in, and the same requests go to both: entity pages, content negotiation, 303 redirects,
the named queries through /sparql, the ontology documents and VoID. Blank nodes get new labels
in the remote, so RDF is compared as graphs (isomorphism), never as bytes. Then interviews that
break the anonymity rules are written straight into the remote, and a server over it must
withhold them as the embedded one does (the checks of test_privacy.py). Last, the errors of a
server whose endpoint is missing or read-only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from kg.core.errors import EXIT_RUNTIME, EXIT_USAGE
from kg.core.namespaces import ID, dcat, spdx, void
from kg.core.results import Solutions
from kg.publish.dataset import Published
from kg.publish.push import push
from kg.queries import library
from kg.store import SparqlStore, bind_parameters

from ..servers import free_port
from .conftest import iodm_cli, live_server
from .test_privacy import (
    ANON,
    ATTEMPTS,
    CONTROL,
    LEAKY,
    NAMED,
    PARTIAL,
    SECRET_GRAPH,
    UNSTATED,
    assert_anonymous,
)

pytestmark = pytest.mark.slow

JSON_RESULTS = "application/sparql-results+json"


@pytest.fixture(scope="module")
def remote(oxigraph_server: str, published: Published) -> SparqlStore:
    """The session's Oxigraph server holding exactly the published graph."""
    store = SparqlStore(f"{oxigraph_server}/query", f"{oxigraph_server}/update")
    store.update("DROP SILENT ALL")  # the server is shared with other modules: start from nothing
    push(published, store)
    return store


@pytest.fixture(scope="module")
def remote_server(remote: SparqlStore) -> Iterator[str]:
    with live_server(remote.descriptor) as base:
        yield base


@pytest.fixture(scope="module")
def embedded_server(curated_path: Path) -> Iterator[str]:
    with live_server(f"oxigraph:{curated_path}") as base:
        yield base


@pytest.fixture(scope="module")
def resources(published: Published) -> list[str]:
    """One curated resource of each kind (…/id/{kind}/{slug}), the first by IRI."""
    found = published.query(
        f'SELECT (MIN(STR(?s)) AS ?iri) WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{ID}")) '
        f'BIND(STRBEFORE(STRAFTER(STR(?s), "{ID}"), "/") AS ?kind) }} GROUP BY ?kind'
    )
    assert isinstance(found, Solutions)
    iris = sorted(iri.value for (iri,) in found.rows if isinstance(iri, ox.Literal))
    assert len(iris) > 10, "the built graph should have resources of many kinds"
    return iris


def get(base: str, path: str, accept: str | None = None, **params: str) -> httpx2.Response:
    headers = {"Accept": accept} if accept else {}
    return httpx2.get(base + path, headers=headers, params=params, timeout=60)


def both(
    remote_server: str, embedded_server: str, path: str, accept: str | None = None
) -> tuple[httpx2.Response, httpx2.Response]:
    """The same GET on both servers; both must answer 200."""
    r, e = get(remote_server, path, accept), get(embedded_server, path, accept)
    assert r.status_code == 200, f"{path} from the remote store: {r.status_code} {r.text[:500]}"
    assert e.status_code == 200, f"{path} from the embedded store: {e.status_code}"
    return r, e


def graph(body: bytes, fmt: str = "turtle") -> rdflib.Graph:
    return rdflib.Graph().parse(data=body, format=fmt)


def assert_same_graph(remote: rdflib.Graph, embedded: rdflib.Graph, where: str) -> None:
    if isomorphic(remote, embedded):
        return
    _, only_remote, only_embedded = graph_diff(to_isomorphic(remote), to_isomorphic(embedded))
    pytest.fail(
        f"{where}: {len(only_remote)} triples only from the remote store, "
        f"{len(only_embedded)} only from the embedded one; e.g. "
        f"{sorted(only_remote)[:3]} / {sorted(only_embedded)[:3]}"
    )


def doc(iri: str) -> str:
    return "/doc/" + iri.removeprefix(ID)


# --- the same site ------------------------------------------------------------------------------


def test_the_remote_store_is_served_whole(remote_server: str, embedded_server: str) -> None:
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    r, e = (
        get(base, "/sparql", JSON_RESULTS, query=query) for base in (remote_server, embedded_server)
    )
    assert r.status_code == e.status_code == 200
    counts = r.json()["results"]["bindings"]
    assert len(counts) > 10
    assert counts == e.json()["results"]["bindings"]


def test_entity_pages_render_the_same_statements(
    remote_server: str, embedded_server: str, resources: list[str]
) -> None:
    for iri in resources:
        r, e = both(remote_server, embedded_server, doc(iri), "text/html")
        assert r.headers["content-type"].startswith("text/html")
        assert 'id="statements"' in r.text, doc(iri)
        assert r.text == e.text, f"{doc(iri)} renders differently from the remote store"


def test_doc_in_turtle_gives_the_same_triples(
    remote_server: str, embedded_server: str, resources: list[str]
) -> None:
    for iri in resources:
        r, e = both(remote_server, embedded_server, doc(iri), "text/turtle")
        assert r.headers["content-type"].split(";")[0] == "text/turtle"
        assert "Accept" in r.headers["vary"]
        assert r.headers["content-location"] == doc(iri) + ".ttl"
        remote_graph = graph(r.content)
        assert (rdflib.URIRef(iri), None, None) in remote_graph, doc(iri)
        assert_same_graph(remote_graph, graph(e.content), doc(iri))


def test_id_answers_303_see_other_to_its_doc(
    remote_server: str, embedded_server: str, resources: list[str]
) -> None:
    for iri in resources:
        path = "/id/" + iri.removeprefix(ID)
        for base in (remote_server, embedded_server):
            r = get(base, path, "text/turtle")
            assert r.status_code == 303, f"{base}{path}: {r.status_code}"
            assert r.headers["location"] == base + doc(iri)
            assert "Accept" in r.headers["vary"]
    assert get(remote_server, "/id/mission/no-such-mission-xyz").status_code == 404


@pytest.mark.parametrize("query_id", [q.id for q in library().values() if q.group == "cq"])
def test_sparql_answers_each_named_query_alike(
    remote_server: str, embedded_server: str, query_id: str
) -> None:
    q = library()[query_id]
    text = bind_parameters(q.text, q.bindings()) if q.params else q.text
    answers = []
    for base in (remote_server, embedded_server):
        r = httpx2.post(
            base + "/sparql", data={"query": text}, headers={"Accept": JSON_RESULTS}, timeout=60
        )
        assert r.status_code == 200, f"{base}: {r.text[:500]}"
        parsed = ox.parse_query_results(r.content, format=ox.QueryResultsFormat.JSON)
        assert isinstance(parsed, ox.QuerySolutions)
        variables = parsed.variables
        rows = [tuple(str(s[v]) for v in variables) for s in parsed]
        answers.append(([v.value for v in variables], sorted(rows)))
    assert answers[0] == answers[1]


@pytest.mark.parametrize("url", ["/iodm", "/iodm/pko"])
def test_ontology_documents_resolve_alike(
    remote_server: str, embedded_server: str, url: str
) -> None:
    r, e = both(remote_server, embedded_server, url, "text/turtle")
    remote_graph = graph(r.content)
    onto = rdflib.URIRef("https://w3id.org" + url)
    assert (onto, rdflib.RDF.type, rdflib.OWL.Ontology) in remote_graph
    assert_same_graph(remote_graph, graph(e.content), url)
    r, e = both(remote_server, embedded_server, url, "text/html")
    assert r.headers["content-type"].startswith("text/html")
    assert r.text == e.text, f"{url} renders differently from the remote store"


def test_void_resolves_alike_and_its_checksums_hold(
    remote_server: str, embedded_server: str
) -> None:
    r, e = both(remote_server, embedded_server, "/.well-known/void", "text/turtle")
    remote_void = graph(r.content)
    # The embedded server's links, rewritten to the remote server's address.
    embedded_void = graph(e.content.replace(embedded_server.encode(), remote_server.encode()))
    endpoint = rdflib.URIRef(remote_server + "/sparql")
    assert (None, rdflib.URIRef(void.sparqlEndpoint), endpoint) in remote_void
    # The dumps name blank nodes differently, so their sizes and checksums differ: checked below.
    for g in (remote_void, embedded_void):
        g.remove((None, rdflib.URIRef(dcat.byteSize), None))
        g.remove((None, rdflib.URIRef(spdx.checksumValue), None))
    assert_same_graph(remote_void, embedded_void, "VoID")

    checksums = graph(r.content).query(
        f"SELECT ?url ?sum WHERE {{ ?d <{dcat}downloadURL> ?url ; "
        f"<{spdx}checksum> [ <{spdx}checksumValue> ?sum ] }}"
    )
    assert len(checksums) >= 5
    for url, checksum in checksums:  # type: ignore[misc]
        body = get(str(url), "").content
        assert hashlib.sha256(body).hexdigest() == str(checksum), url
    r, e = both(remote_server, embedded_server, "/dumps/iodm.nt")
    assert_same_graph(graph(r.content, "nt"), graph(e.content, "nt"), "the dump iodm.nt")


# --- privacy -------------------------------------------------------------------------------------


def test_privacy_filter_holds_on_a_remote_store(remote: SparqlStore, remote_server: str) -> None:
    """Written straight into the remote, past validation and past `iodm push` (which filters)."""
    remote.replace_graphs({SECRET_GRAPH: LEAKY})
    try:
        assert bool(remote.query('ASK { ?s ?p "Zebulon Quuxworth" }')), "the remote holds names"
        with live_server(remote.descriptor, "--max-rows", "1000000") as base:
            for iri in (ANON, PARTIAL, UNSTATED):
                for ext in ("", ".html", ".ttl", ".jsonld", ".rdf", ".nt"):
                    r = get(base, doc(iri) + ext)
                    assert r.status_code == 200
                    assert_anonymous(r.content, doc(iri) + ext)
            assert get(base, "/id/person/zebulon-quuxworth").status_code == 404
            assert get(base, "/doc/person/zebulon-quuxworth").status_code == 404
            for url in ("/", "/iodm", "/.well-known/void", "/graph/test/privacy"):
                assert_anonymous(get(base, url).content, url)
            for name in ("iodm.ttl", "iodm.nt", "iodm.jsonld", "iodm.nq", "iodm.trig"):
                assert_anonymous(get(base, f"/dumps/{name}").content, name)
            assert CONTROL in get(base, doc(NAMED)).text
            assert CONTROL in get(base, "/dumps/iodm.nt").text
            for query in ATTEMPTS:
                r = httpx2.post(base + "/sparql", data={"query": query}, timeout=60)
                assert r.status_code == 200, f"{query}: {r.status_code} {r.text}"
                assert_anonymous(r.content, query)
            for query, expected in (
                ('ASK { ?s ?p "Zebulon Quuxworth" }', False),
                (f'ASK {{ ?s ?p "{CONTROL}" }}', True),
            ):
                r = get(base, "/sparql", JSON_RESULTS, query=query)
                assert r.json()["boolean"] is expected, query
    finally:
        remote.update(f"DROP SILENT GRAPH <{SECRET_GRAPH}>")


# --- errors -------------------------------------------------------------------------------------


def test_serve_from_an_endpoint_nobody_answers_is_a_clear_error() -> None:
    endpoint = f"http://127.0.0.1:{free_port()}/query"
    port = str(free_port())
    r = iodm_cli("--store", f"sparql:{endpoint}", "serve", "--host", "127.0.0.1", "--port", port)
    assert r.returncode == EXIT_RUNTIME, r.stderr
    assert r.stderr.startswith(f"iodm: error: cannot reach the SPARQL endpoint {endpoint}")
    assert "hint: is the server running?" in r.stderr
    assert "Traceback" not in r.stderr


def test_serve_with_a_token_needs_an_update_endpoint(remote: SparqlStore) -> None:
    r = iodm_cli("--store", f"sparql:{remote.query_url}", "serve", "--update-token", "t" * 32)
    assert r.returncode == EXIT_USAGE, r.stderr
    assert "has no update endpoint" in r.stderr and "sparql:QUERY_URL,UPDATE_URL" in r.stderr
    assert "Traceback" not in r.stderr
