"""`iodm serve` at the HTTP level: content negotiation, redirects, documents, SPARQL, limits.

In-process (Starlette's TestClient) on the knowledge graph built from the packaged data; the
facts are whatever that data holds today, so the tests pick resources from the store itself and
only the stable IRIs (https://w3id.org/iodm#Post …) are named.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from starlette.testclient import TestClient

from kg.core.namespaces import DCTERMS, GRAPH, ID, OWL, PROV, RDF, sd, spdx, void
from kg.core.results import Solutions
from kg.publish.app import ServerConfig, create_app
from kg.publish.dataset import Limits, Published
from kg.queries import library
from kg.store import OxigraphStore, bind_parameters

from .conftest import iodm_cli

POST = "https://w3id.org/iodm#Post"
RDF_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
}


@pytest.fixture(scope="module")
def client(published: Published) -> TestClient:
    return TestClient(create_app(published, ServerConfig(base_url="http://testserver/")))


@pytest.fixture(scope="module")
def resource(published: Published) -> str:
    """A curated resource that cites a source (so it has provenance) and is linked to."""
    found = published.query(
        f"SELECT ?s WHERE {{ ?s <{DCTERMS}source> ?src . ?x ?p ?s "
        f'FILTER(STRSTARTS(STR(?s), "{ID}")) }} ORDER BY ?s LIMIT 1'
    )
    assert isinstance(found, Solutions) and found.rows, "the built graph has no sourced resource"
    return found.rows[0][0].value  # type: ignore[union-attr]


def path(iri: str) -> str:
    return iri.removeprefix("https://w3id.org/iodm")


def parse(body: bytes, media: str) -> set[ox.Triple]:
    return {q.triple for q in ox.parse(body, format=RDF_FORMATS[media])}


# --- /id/ → 303 → /doc/ ------------------------------------------------------------------------


@pytest.mark.parametrize("accept", [None, "text/html", *RDF_FORMATS])
def test_id_answers_303_see_other_to_doc_with_vary(
    client: TestClient, resource: str, accept
) -> None:  # type: ignore[no-untyped-def]
    r = client.get(
        path(resource), headers={"Accept": accept} if accept else {}, follow_redirects=False
    )
    assert r.status_code == 303
    assert r.headers["location"] == "http://testserver/doc/" + resource.removeprefix(ID)
    assert "Accept" in r.headers["vary"]


def test_head_is_like_get(client: TestClient, resource: str) -> None:
    for url in (path(resource), "/doc/" + resource.removeprefix(ID), "/iodm", "/sparql"):
        get = client.get(url, headers={"Accept": "text/turtle"}, follow_redirects=False)
        head = client.head(url, headers={"Accept": "text/turtle"}, follow_redirects=False)
        assert head.status_code == get.status_code
        assert head.content == b""
        for h in ("content-type", "location", "vary", "content-length"):
            assert head.headers.get(h) == get.headers.get(h), (url, h)


@pytest.mark.parametrize("media", list(RDF_FORMATS))
def test_doc_negotiates_every_rdf_format(client: TestClient, resource: str, media: str) -> None:
    r = client.get("/doc/" + resource.removeprefix(ID), headers={"Accept": media})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media
    assert "Accept" in r.headers["vary"]
    assert r.headers["content-location"].endswith(
        {
            "text/turtle": ".ttl",
            "application/ld+json": ".jsonld",
            "application/rdf+xml": ".rdf",
            "application/n-triples": ".nt",
        }[media]
    )
    triples = parse(r.content, media)
    assert any(t.subject == ox.NamedNode(resource) for t in triples)


def test_doc_holds_both_directions_labels_and_provenance(
    published: Published, client: TestClient, resource: str
) -> None:
    triples = parse(
        client.get("/doc/" + resource.removeprefix(ID) + ".nt").content, "application/n-triples"
    )
    node = ox.NamedNode(resource)
    store = published.store
    outgoing = {q.triple for q in store.quads_for_pattern(node, None, None, None)}
    incoming = {q.triple for q in store.quads_for_pattern(None, None, node, None)}
    assert outgoing and incoming
    assert outgoing <= triples and incoming <= triples
    for t in outgoing:  # every linked resource that has a label comes with it
        if isinstance(t.object, ox.NamedNode):
            labels = {
                q.triple
                for q in store.quads_for_pattern(
                    t.object, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), None, None
                )
            }
            assert labels <= triples
    for t in outgoing:  # the cited sources are described, one step on at least
        if t.predicate.value in (DCTERMS + "source", PROV + "wasDerivedFrom"):
            assert {
                q.triple for q in store.quads_for_pattern(t.object, None, None, None)
            } <= triples  # type: ignore[arg-type]


def test_q_values_are_honoured(client: TestClient, resource: str) -> None:
    doc = "/doc/" + resource.removeprefix(ID)
    cases = {
        "text/turtle;q=0.5, application/rdf+xml;q=0.9": "application/rdf+xml",
        "application/n-triples, text/html;q=0.1": "application/n-triples",
        "text/html;q=0, */*": "text/turtle",
        "*/*": "text/html",
        "text/*;q=0.3, application/ld+json;q=0.2": "text/html",
        "application/ld+json;q=1.0, text/turtle;q=0.99": "application/ld+json",
    }
    for accept, expected in cases.items():
        r = client.get(doc, headers={"Accept": accept})
        assert r.headers["content-type"].split(";")[0] == expected, accept


def test_unsupported_type_is_406_with_the_list(client: TestClient, resource: str) -> None:
    for url in (path(resource), "/doc/" + resource.removeprefix(ID), "/iodm"):
        r = client.get(url, headers={"Accept": "image/png"}, follow_redirects=False)
        assert r.status_code == 406
        assert "text/turtle" in r.text and "Accept" in r.headers["vary"]


def test_unknown_iris_are_404(client: TestClient) -> None:
    for url in (
        "/id/mission/no-such-mission-xyz",
        "/doc/mission/no-such-mission-xyz",
        "/iodm/nothing-here",
        "/graph/nothing",
        "/elsewhere",
    ):
        assert client.get(url, follow_redirects=False).status_code == 404, url


# --- the ontology (hash namespace) ------------------------------------------------------------


def test_ontology_document_anchors_every_term(published: Published, client: TestClient) -> None:
    r = client.get("/iodm", headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    terms = {
        q.subject.value
        for q in published.store.quads_for_pattern(
            None, ox.NamedNode(RDF + "type"), None, ox.NamedNode(GRAPH + "ontology/iodm.ttl")
        )
        if isinstance(q.subject, ox.NamedNode)
        and q.subject.value.startswith("https://w3id.org/iodm#")
    }
    assert POST in terms
    for term in terms:
        assert f'id="{term.split("#")[1]}"' in page, term
    definition = next(
        q.object.value
        for q in published.store.quads_for_pattern(
            ox.NamedNode(POST),
            ox.NamedNode("http://www.w3.org/2004/02/skos/core#definition"),
            None,
            None,
        )
    )
    assert re.sub(r"['\"&<>]", "", definition)[:60] in re.sub(
        r"&#39;|&#34;|&amp;|&lt;|&gt;|['\"]", "", page
    )


@pytest.mark.parametrize("url", ["/iodm", "/iodm/pko"])
@pytest.mark.parametrize("media", list(RDF_FORMATS))
def test_ontology_documents_in_rdf(client: TestClient, url: str, media: str) -> None:
    r = client.get(url, headers={"Accept": media})
    assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == media
    triples = parse(r.content, media)
    onto = ox.NamedNode("https://w3id.org" + url)
    assert ox.Triple(onto, ox.NamedNode(RDF + "type"), ox.NamedNode(OWL + "Ontology")) in triples
    if url == "/iodm":
        assert (
            ox.Triple(ox.NamedNode(POST), ox.NamedNode(RDF + "type"), ox.NamedNode(OWL + "Class"))
            in triples
        )


def test_format_suffixes_name_one_format(client: TestClient, resource: str) -> None:
    for ext, media in {
        ".ttl": "text/turtle",
        ".jsonld": "application/ld+json",
        ".rdf": "application/rdf+xml",
        ".nt": "application/n-triples",
        ".html": "text/html",
    }.items():
        for url in ("/iodm" + ext, "/doc/" + resource.removeprefix(ID) + ext):
            r = client.get(url, headers={"Accept": "image/png"})  # the suffix wins over Accept
            assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == media


# --- HTML -------------------------------------------------------------------------------------


def test_pages_load_nothing_from_elsewhere(client: TestClient, resource: str) -> None:
    for url in (
        "/",
        "/iodm",
        "/iodm/pko",
        "/query",
        "/doc/" + resource.removeprefix(ID),
        "/query?query=ASK%7B%7D",
    ):
        page = client.get(url, headers={"Accept": "text/html"}).text
        assert "<script" not in page.lower(), url
        for ref in re.findall(
            r'<(?:link|img|iframe|source|embed)[^>]+(?:href|src)="([^"]+)"', page
        ):
            assert ref.startswith("/") and not ref.startswith("//"), (url, ref)


def test_entity_page_shows_links_both_ways_and_sources(
    published: Published, client: TestClient, resource: str
) -> None:
    page = client.get("/doc/" + resource.removeprefix(ID), headers={"Accept": "text/html"}).text
    assert 'id="statements"' in page and 'id="incoming"' in page and 'id="provenance"' in page
    for q in published.store.quads_for_pattern(None, None, ox.NamedNode(resource), None):
        if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(ID):
            assert f'href="/doc/{q.subject.value.removeprefix(ID)}"' in page
    for q in published.store.quads_for_pattern(
        ox.NamedNode(resource), ox.NamedNode(DCTERMS + "source"), None, None
    ):
        assert f'href="/doc/{q.object.value.removeprefix(ID)}"' in page  # type: ignore[union-attr]


def test_entity_page_marks_what_the_build_derived(client: TestClient) -> None:
    """The head of UNMIL is asserted a head-of-mission post; that it is a post, a capital
    liaison post and in UNMIL is derived (kg.pipeline.derive): the page says which is which."""
    page = client.get("/doc/post/unmil-head-of-mission", headers={"Accept": "text/html"}).text
    badges = re.search(r'<p class="types">(.*?)</p>', page, re.S)
    assert badges and "head of mission post" in badges.group(1)
    assert "capital liaison post" not in badges.group(1), "the header shows asserted types only"
    statements = page[page.index('id="statements"') : page.index('id="incoming"')]
    derived = re.findall(r'>([^<>]+)</a> <span class="derived"', statements)
    assert {"capital liaison post", "post", "UNMIL"} <= set(derived)
    assert "head of mission post" not in derived and "Monrovia" not in derived  # asserted


def test_everything_is_escaped(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "store", writable=True)
    evil = '<script>alert("x")</script>'
    s = ox.NamedNode(ID + "test/escape")
    store.replace_graphs(
        {
            GRAPH + "test": [
                ox.Triple(
                    s, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal(evil)
                ),
                ox.Triple(s, ox.NamedNode(DCTERMS + "source"), ox.Literal(evil)),
            ]
        }
    )
    client = TestClient(create_app(Published(store)))
    for url in (
        "/doc/test/escape",
        "/",
        "/query?query=SELECT%20%3Fl%20WHERE%20%7B%3Fs%20%3Fp%20%3Fl%7D",
    ):
        page = client.get(url, headers={"Accept": "text/html"}).text
        assert "<script>" not in page, url
        assert "&lt;script&gt;" in page, url


@pytest.mark.parametrize("query_id", [q.id for q in library().values() if q.group == "cq"])
def test_query_page_runs_each_named_query(
    published: Published, client: TestClient, query_id: str
) -> None:
    q = library()[query_id]
    direct = published.query(bind_parameters(q.text, q.bindings()) if q.params else q.text)
    assert isinstance(direct, Solutions)
    r = client.get("/query", params={"example": q.id})
    assert r.status_code == 200
    assert 'id="results"' in r.text, r.text[-2000:]
    table = r.text.split('id="results"')[1].split("</table>")[0]
    assert table.count("<tr>") - 1 == len(direct)  # one header row
    assert f"{len(direct)} row" in r.text


# --- the dataset: VoID, DCAT, dumps -----------------------------------------------------------


def test_void_describes_dumps_with_true_checksums(client: TestClient) -> None:
    r = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    store = ox.Store()
    store.load(r.content, format=ox.RdfFormat.TURTLE)
    dataset = ox.NamedNode("https://w3id.org/iodm/void#dataset")
    assert ox.Quad(dataset, ox.NamedNode(RDF + "type"), ox.NamedNode(void.Dataset)) in store
    endpoint = [
        q.object
        for q in store.quads_for_pattern(dataset, ox.NamedNode(void.sparqlEndpoint), None, None)
    ]
    assert endpoint == [ox.NamedNode("http://testserver/sparql")]
    derived = ox.NamedNode(GRAPH + "derived")
    assert ox.Quad(dataset, ox.NamedNode(void.subset), derived) in store
    (description,) = store.quads_for_pattern(derived, ox.NamedNode(DCTERMS + "description"), None)
    assert "No source states these triples" in description.object.value
    dumps = [
        q.object.value
        for q in store.quads_for_pattern(dataset, ox.NamedNode(void.dataDump), None, None)
    ]  # type: ignore[union-attr]
    assert {d.rsplit("/", 1)[1] for d in dumps} >= {"iodm.ttl", "iodm.nt", "iodm.jsonld"}
    result = store.query(
        "SELECT ?url ?sum WHERE { ?d <http://www.w3.org/ns/dcat#downloadURL> ?url ; "
        f"<{spdx}checksum> [ <{spdx}checksumValue> ?sum ] }}"
    )
    checked = 0
    for row in result:  # type: ignore[union-attr]
        body = client.get(row["url"].value.removeprefix("http://testserver")).content
        assert hashlib.sha256(body).hexdigest() == row["sum"].value
        checked += 1
    assert checked == len(dumps)
    sums = client.get("/dumps/SHA256SUMS").text.splitlines()
    for line in sums:
        digest, name = line.split("  ")
        assert hashlib.sha256(client.get(f"/dumps/{name}").content).hexdigest() == digest


def test_dumps_hold_the_published_graph(published: Published, client: TestClient) -> None:
    union = set(published.triples())
    for name, fmt in (("iodm.nt", ox.RdfFormat.N_TRIPLES), ("iodm.ttl", ox.RdfFormat.TURTLE)):
        assert {
            q.triple for q in ox.parse(client.get(f"/dumps/{name}").content, format=fmt)
        } == union
    quads = set(ox.parse(client.get("/dumps/iodm.jsonld").content, format=ox.RdfFormat.JSON_LD))
    assert {q.graph_name.value for q in quads} == set(published.graphs)  # type: ignore[union-attr]
    assert len(quads) == sum(1 for _ in published.quads())


# --- SPARQL beyond the W3C suite --------------------------------------------------------------


def test_service_description_has_the_absolute_endpoint(client: TestClient) -> None:
    # from the configured base URL, whatever the Host header says
    for host, expected in (
        ("testserver", "http://testserver/sparql"),
        ("example.org:8080", "http://testserver/sparql"),
    ):
        r = client.get("/sparql", headers={"Accept": "text/turtle", "Host": host})
        assert r.status_code == 200
        store = ox.Store()
        store.load(r.content, format=ox.RdfFormat.TURTLE)
        endpoints = [
            q.object for q in store.quads_for_pattern(None, ox.NamedNode(sd.endpoint), None, None)
        ]
        assert endpoints == [ox.NamedNode(expected)]
        assert any(
            store.quads_for_pattern(
                None, ox.NamedNode(sd.feature), ox.NamedNode(sd.UnionDefaultGraph), None
            )
        )


def test_select_in_every_results_format(published: Published, client: TestClient) -> None:
    query = f"SELECT ?s ?o WHERE {{ ?s <{RDF}type> ?o FILTER(isIRI(?s)) }} ORDER BY ?s ?o LIMIT 7"
    expected = published.query(query)
    assert isinstance(expected, Solutions) and len(expected) == 7
    for media, fmt in (
        ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
        ("text/csv", ox.QueryResultsFormat.CSV),
        ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
    ):
        r = client.get("/sparql", params={"query": query}, headers={"Accept": media})
        assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == media
        if fmt == ox.QueryResultsFormat.CSV:  # CSV keeps lexical forms only
            rows = list(csv.reader(io.StringIO(r.text)))
            assert rows[0] == ["s", "o"]
            assert rows[1:] == [[t.value for t in row] for row in expected.rows]  # type: ignore[union-attr]
            continue
        parsed = ox.parse_query_results(r.content, format=fmt)
        rows = [tuple(s[v] for v in parsed.variables) for s in parsed]  # type: ignore[union-attr]
        assert rows == expected.rows


def test_construct_in_every_graph_format(client: TestClient) -> None:
    query = f"CONSTRUCT {{ <{POST}> ?p ?o }} WHERE {{ <{POST}> ?p ?o }}"
    results = set()
    for media in RDF_FORMATS:
        r = client.post(
            "/sparql",
            content=query,
            headers={"Content-Type": "application/sparql-query", "Accept": media},
        )
        assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == media
        results.add(frozenset(parse(r.content, media)))
    assert len(results) == 1 and len(next(iter(results))) > 2


def test_from_in_the_query_chooses_the_default_graph(
    published: Published, client: TestClient
) -> None:
    graph = GRAPH + "ontology/iodm.ttl"
    assert graph in published.graphs
    count = sum(1 for _ in published.quads(graph))
    q = f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}"
    body = client.get("/sparql", params={"query": q}).json()
    assert int(body["results"]["bindings"][0]["n"]["value"]) == count
    # the protocol's default-graph-uri wins over the query's FROM
    other = GRAPH + "build"
    body = client.get("/sparql", params={"query": q, "default-graph-uri": other}).json()
    assert int(body["results"]["bindings"][0]["n"]["value"]) == sum(
        1 for _ in published.quads(other)
    )


def test_malformed_query_is_400_with_the_parser_message(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert r.status_code == 400 and "malformed SPARQL query" in r.text and "1:" in r.text


def test_federation_and_load_are_refused(client: TestClient) -> None:
    r = client.get(
        "/sparql",
        params={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"},
    )
    assert r.status_code == 400 and "SERVICE" in r.text


def test_result_limit_is_a_clear_error(published: Published) -> None:
    client = TestClient(create_app(published, ServerConfig(limits=Limits(max_rows=5))))
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert r.status_code == 400 and "more than 5 rows" in r.text and "LIMIT" in r.text
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 5"})
    assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 5


def test_time_limit_is_a_clear_error(published: Published) -> None:
    client = TestClient(
        create_app(published, ServerConfig(limits=Limits(timeout=0.2, max_rows=10**12)))
    )
    # A three-way cross product of the whole graph: billions of rows, read until the deadline.
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"})
    assert r.status_code == 503 and "0.2 s" in r.text


def test_cors(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert r.headers["access-control-allow-origin"] == "*"
    r = client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert r.status_code == 200 and "POST" in r.headers["access-control-allow-methods"]


# --- updates ----------------------------------------------------------------------------------


EX = "https://example.org/"
UPDATE = f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}s> <{EX}p> 1 }} }}"
ASK = "ASK { <https://example.org/s> <https://example.org/p> 1 }"


def test_updates_are_refused_by_default(client: TestClient) -> None:
    for kwargs in (
        {"content": UPDATE, "headers": {"Content-Type": "application/sparql-update"}},
        {"data": {"update": UPDATE}},
    ):
        r = client.post("/sparql", **kwargs)  # type: ignore[arg-type]
        assert r.status_code == 403 and "read-only" in r.text
    assert client.get("/sparql", params={"query": ASK}).json()["boolean"] is False


def test_updates_need_the_token(tmp_path: Path) -> None:
    token = "t" * 32
    store = OxigraphStore(tmp_path / "store", writable=True)
    client = TestClient(create_app(Published(store), ServerConfig(update_token=token)))
    for auth in (None, "Bearer wrong-token-wrong-token", f"Basic {token}"):
        headers = {"Content-Type": "application/sparql-update"} | (
            {"Authorization": auth} if auth else {}
        )
        assert client.post("/sparql", content=UPDATE, headers=headers).status_code == 403
    assert client.get("/sparql", params={"query": ASK}).json()["boolean"] is False
    r = client.post(
        "/sparql",
        content=UPDATE,
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 204
    assert client.get("/sparql", params={"query": ASK}).json()["boolean"] is True
    assert "https://example.org/g" in store.named_graphs()  # written to the store itself


def test_serve_refuses_a_short_token() -> None:
    r = iodm_cli("--store", "memory:", "serve", "--update-token", "short", timeout=60)
    assert r.returncode == 2 and "too short" in r.stderr


def test_cli_help_lists_serve() -> None:
    assert re.search(r"\bserve\b", iodm_cli("--help").stdout)


def test_csv_is_parseable(client: TestClient) -> None:
    r = client.get(
        "/sparql",
        params={"query": 'SELECT ?a WHERE { VALUES ?a { "x,y" } }'},
        headers={"Accept": "text/csv"},
    )
    assert list(csv.reader(io.StringIO(r.text))) == [["a"], ["x,y"]]
    json.dumps(r.text)
