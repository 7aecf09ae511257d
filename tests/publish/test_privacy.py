"""Try to identify an interviewee who chose anonymity through everything the server publishes.

The test store holds the built knowledge graph plus interviews written straight into the store,
past the SHACL validation that would refuse them: anonymous and partially identified interviews
that nonetheless carry names, a linked person whose IRI spells the name, and free text repeating
it. Every page, document, dump and SPARQL answer is searched for the names; a named interview
is the control (its name must stay published, so the filter does not simply drop everything).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from starlette.testclient import TestClient

from kg.core.namespaces import GRAPH, ID, foaf, iodm, rdf, rdfs, schema
from kg.publish.app import ServerConfig, create_app
from kg.publish.dataset import Limits, Published
from kg.publish.privacy import NAME_PROPERTIES, protect
from kg.publish.site import publish
from kg.store import OxigraphStore, Store, copy_in_memory

SECRET_GRAPH = GRAPH + "test/privacy"
ANON = ID + "interview/privacy-test-anonymous"
PARTIAL = ID + "interview/privacy-test-partial"
UNSTATED = ID + "interview/privacy-test-unstated"
NAMED = ID + "interview/privacy-test-named"
PERSON = ID + "person/zebulon-quuxworth"
SECRETS = ("Zebulon Quuxworth", "Yolanda Wexcombe", "Xavier Vantablack")
SLUGS = ("zebulon-quuxworth",)
CONTROL = "Walter Controlname"


def t(s: str, p: str, o: str | ox.Literal) -> ox.Triple:
    obj = o if isinstance(o, ox.Literal) else ox.NamedNode(o)
    return ox.Triple(ox.NamedNode(s), ox.NamedNode(p), obj)


LEAKY = [
    t(ANON, rdf.type, iodm.Interview),
    t(ANON, iodm.anonymity, iodm.Anonymous),
    t(ANON, rdfs.label, ox.Literal("Interview with an anonymous source, May 2020")),
    t(ANON, iodm.intervieweeName, ox.Literal("Zebulon Quuxworth")),
    t(ANON, foaf.name, ox.Literal("Zebulon Quuxworth")),
    t(ANON, rdfs.comment, ox.Literal("As Zebulon Quuxworth put it, nothing was done.")),
    t(ANON, iodm.interviewee, PERSON),
    t(PERSON, rdf.type, foaf.Person),
    t(PERSON, foaf.name, ox.Literal("Zebulon Quuxworth")),
    t(PERSON, rdfs.label, ox.Literal("Z. Quuxworth")),
    t(PARTIAL, rdf.type, iodm.Interview),
    t(PARTIAL, iodm.anonymity, iodm.PartiallyIdentified),
    t(PARTIAL, schema.name, ox.Literal("Yolanda Wexcombe")),
    t(PARTIAL, iodm.publishedRole, ox.Literal("a former UN official")),
    t(UNSTATED, rdf.type, iodm.Interview),
    t(UNSTATED, iodm.intervieweeName, ox.Literal("Xavier Vantablack")),
    t(NAMED, rdf.type, iodm.Interview),
    t(NAMED, iodm.anonymity, iodm.Named),
    t(NAMED, iodm.intervieweeName, ox.Literal(CONTROL)),
]


@pytest.fixture(scope="module")
def leaky_store(curated: Store) -> OxigraphStore:
    """The session's curated build, copied into memory, plus a graph that names an anonymous
    interviewee, written straight into the store: no validation stands in the way."""
    store = copy_in_memory(curated)
    store.replace_graphs({SECRET_GRAPH: LEAKY})
    assert "Zebulon Quuxworth" in str(list(store.quads(SECRET_GRAPH)))
    return store


@pytest.fixture(scope="module")
def client(leaky_store: OxigraphStore) -> TestClient:
    # no row limit: the attempts below read the whole dataset, and must find no name in it
    unlimited = ServerConfig(limits=Limits(max_rows=10_000_000))
    return TestClient(create_app(Published(leaky_store), unlimited))


def assert_anonymous(body: bytes | str, where: str) -> None:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    lowered = text.lower()
    for secret in (*SECRETS, *SLUGS, "Quuxworth"):
        assert secret.lower() not in lowered, f"{where} identifies an anonymous interviewee"


def test_the_filter_itself() -> None:
    quads = [ox.Quad(x.subject, x.predicate, x.object, ox.NamedNode(SECRET_GRAPH)) for x in LEAKY]
    filtered = protect(quads)
    assert filtered.protected_interviews == 3 and filtered.protected_people == 1
    kept = "".join(str(q) for q in filtered.quads)
    assert_anonymous(kept, "protect()")
    assert CONTROL in kept
    assert ANON in kept  # the interview itself stays: only what identifies the person goes


@pytest.mark.parametrize("name_property", sorted(NAME_PROPERTIES))
def test_every_name_property_is_withheld(name_property: str) -> None:
    g = ox.NamedNode(SECRET_GRAPH)
    quads = [
        ox.Quad(x.subject, x.predicate, x.object, g)
        for x in (
            t(ANON, rdf.type, iodm.Interview),
            t(ANON, name_property, ox.Literal("Zebulon Quuxworth")),
            t(NAMED, rdf.type, iodm.Interview),
            t(NAMED, iodm.anonymity, iodm.Named),
            t(NAMED, name_property, ox.Literal(CONTROL)),
        )
    ]
    kept = "".join(str(q) for q in protect(quads).quads)
    assert_anonymous(kept, name_property)
    assert CONTROL in kept


def test_pages_and_documents(client: TestClient) -> None:
    for iri in (ANON, PARTIAL, UNSTATED):
        doc = "/doc/" + iri.removeprefix(ID)
        for ext in ("", ".html", ".ttl", ".jsonld", ".rdf", ".nt"):
            r = client.get(doc + ext)
            assert r.status_code == 200
            assert_anonymous(r.content, doc + ext)
    assert client.get("/id/person/zebulon-quuxworth", follow_redirects=False).status_code == 404
    assert client.get("/doc/person/zebulon-quuxworth").status_code == 404
    for url in ("/", "/iodm", "/query", "/.well-known/void", "/sparql", "/graph/test/privacy"):
        assert_anonymous(client.get(url).content, url)
    assert CONTROL in client.get("/doc/" + NAMED.removeprefix(ID)).text


def test_dumps(client: TestClient) -> None:
    for name in ("iodm.ttl", "iodm.nt", "iodm.jsonld", "iodm.nq", "iodm.trig", "SHA256SUMS"):
        r = client.get(f"/dumps/{name}")
        assert r.status_code == 200
        assert_anonymous(r.content, name)
    assert CONTROL in client.get("/dumps/iodm.nt").text


ATTEMPTS = [
    f"DESCRIBE <{ANON}>",
    f"DESCRIBE <{PERSON}>",
    "CONSTRUCT WHERE { ?s ?p ?o }",
    "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT ?s ?p ?o ?g WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }",
    f"SELECT ?name WHERE {{ <{ANON}> ?p ?name }}",
    f"SELECT ?who ?name WHERE {{ <{ANON}> <{iodm.interviewee}> ?who . ?who ?p ?name }}",
    "SELECT (GROUP_CONCAT(STR(?o); separator='|') AS ?all) { ?s ?p ?o FILTER(isLiteral(?o)) }",
    "SELECT (GROUP_CONCAT(STR(?s); separator='|') AS ?all) WHERE { ?s ?p ?o }",
    'SELECT ?s WHERE { ?s ?p ?o FILTER(CONTAINS(LCASE(STR(?o)), "quuxworth")) }',
    'SELECT (IF(EXISTS { ?s ?p "Zebulon Quuxworth" }, "Zebulon Quuxworth", "no") AS ?x) {}',
    'ASK { ?s ?p "Zebulon Quuxworth" }',
    f"SELECT ?p ?o FROM <{SECRET_GRAPH}> WHERE {{ ?s ?p ?o }}",
]


@pytest.mark.parametrize("query", ATTEMPTS)
def test_sparql(client: TestClient, query: str) -> None:
    for accept in (
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/turtle",
        "application/n-triples",
    ):
        r = client.post("/sparql", data={"query": query}, headers={"Accept": accept})
        if r.status_code == 406:
            continue
        assert r.status_code == 200, r.text
        assert_anonymous(r.content, f"{query} as {accept}")
    ask = client.get("/sparql", params={"query": 'ASK { ?s ?p "Zebulon Quuxworth" }'}).json()
    assert ask["boolean"] is False
    ask = client.get("/sparql", params={"query": f'ASK {{ ?s ?p "{CONTROL}" }}'}).json()
    assert ask["boolean"] is True


def test_the_query_page(client: TestClient) -> None:
    r = client.get("/query", params={"query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"})
    assert r.status_code == 200
    assert_anonymous(r.content, "/query")


def test_the_static_site(leaky_store: OxigraphStore, tmp_path: Path) -> None:
    publish(Published(leaky_store), tmp_path / "site")
    files = [p for p in (tmp_path / "site").rglob("*") if p.is_file()]
    assert len(files) > 20
    for p in files:
        assert_anonymous(p.read_bytes(), str(p))
        assert "quuxworth" not in p.name.lower()
