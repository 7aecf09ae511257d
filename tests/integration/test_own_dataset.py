"""A researcher's own dataset out, under its own namespace (issue 13, points 1 and 5).

The development-bank example (synthetic), built ``--core-only`` with its dataset description
(``examples/development-bank/dataset.ttl``), and the Lakeland workbook (fictional), whose
``dataset`` sheet becomes the same description: graph names come from the namespace, never a
local path; ``iodm serve`` (in-process) answers every IRI under the namespace with a 303 and a
document; the home page, VoID and DCAT describe the dataset; ``iodm publish`` writes the pages,
and nothing outside its directory; anonymous interviewees stay withheld.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from starlette.testclient import TestClient

from kg.core.errors import UsageError
from kg.core.namespaces import BUILD_GRAPH, DCTERMS, GRAPH, dcterms, foaf, iodm, rdf, void
from kg.core.resources import ontology_dir
from kg.pipeline.build import build, check_sources, load_sources
from kg.pipeline.load import USER_GRAPHS
from kg.pipeline.validate import ValidationFailed
from kg.publish.app import create_app
from kg.publish.dataset import Published
from kg.publish.site import publish
from kg.store import OxigraphStore

ROOT = Path(__file__).resolve().parents[2]
BANK_DIR = ROOT / "examples" / "development-bank"
BANK_FILES = sorted(BANK_DIR.glob("*.ttl"))
BOOK = ROOT / "examples" / "lakeland-study" / "lakeland-coding.xlsx"
NS = "https://example.org/devbank/"
DATASET = NS + "dataset"
TITLE = "Toy Development Bank in Riverland (synthetic example)"
SECRET = "Quintus Secretperson"


@pytest.fixture(scope="module")
def bank_store(tmp_path_factory: pytest.TempPathFactory) -> OxigraphStore:
    """The development bank built core-only into a store on disk."""
    store = OxigraphStore(tmp_path_factory.mktemp("devbank") / "store", writable=True)
    summary = build(store, BANK_FILES, core_only=True)
    assert summary.report.conforms, summary.report.serialize()
    assert summary.warnings == []
    return store


@pytest.fixture(scope="module")
def bank(bank_store: OxigraphStore) -> Published:
    return Published(bank_store)


@pytest.fixture(scope="module")
def client(bank: Published) -> TestClient:
    return TestClient(create_app(bank))


def turtle(body: bytes) -> set[ox.Triple]:
    return {q.triple for q in ox.parse(body, format=ox.RdfFormat.TURTLE)}


# --- the build: graph names and the description in the manifest --------------------------------


def test_graph_names_come_from_the_namespace_never_a_local_path(
    bank_store: OxigraphStore,
) -> None:
    graphs = bank_store.named_graphs()
    assert not [g for g in graphs if g.startswith("file:") or str(ROOT) in g]
    mine = sorted(g for g in graphs if g.startswith(NS))
    assert mine == [NS + "graph/" + p.name for p in BANK_FILES]
    for quad in bank_store.quads(BUILD_GRAPH):
        for term in (quad.subject, quad.object):
            assert "file:" not in str(term) and str(ROOT) not in str(term), quad


def test_the_manifest_references_the_dataset_description(bank_store: OxigraphStore) -> None:
    manifest = ox.NamedNode(BUILD_GRAPH)
    refs = [
        q.object.value
        for q in bank_store.quads(BUILD_GRAPH)
        if q.subject == manifest and q.predicate.value == dcterms.references
    ]
    assert refs == [DATASET]
    # the description itself stays in the graph of the file that states it
    spaces = [
        q.object.value
        for q in bank_store.quads(NS + "graph/dataset.ttl")
        if q.predicate.value == void.uriSpace
    ]
    assert spaces == [NS]


def _description(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "dataset.ttl"
    path.write_text(
        "@prefix void: <http://rdfs.org/ns/void#> .\n"
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n\n"
        f"<https://example.org/study/dataset> a void:Dataset ;\n{body}",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("body", "rule", "value"),
    [
        ('    dcterms:title "A study" .\n', "dataset:no-uri-space", ""),
        ('    void:uriSpace "file:///home/me/study/" .\n', "dataset:bad-uri-space", "file:///"),
        ('    void:uriSpace "study/" .\n', "dataset:bad-uri-space", "study/"),
        ("    void:uriSpace <https://example.org/study/> .\n", "dataset:bad-uri-space", "https"),
    ],
    ids=["missing", "file-iri", "relative", "an-iri-not-a-string"],
)
def test_a_bad_namespace_is_a_located_error(
    tmp_path: Path, body: str, rule: str, value: str
) -> None:
    path = _description(tmp_path, body)
    report = check_sources(load_sources([path], core_only=True))
    found = [r for r in report.results if r.shape == rule]
    assert not report.conforms and len(found) == 1, report.serialize()
    (result,) = found
    assert result.severity == "Violation"
    assert result.location == f"{path}:4"  # the line of the description's subject
    assert value in result.value
    assert "void:uriSpace" in result.message


def test_a_description_without_title_or_licence_is_warned_about(tmp_path: Path) -> None:
    path = _description(tmp_path, '    void:uriSpace "https://example.org/study/" .\n')
    report = check_sources(load_sources([path], core_only=True))
    assert report.conforms
    assert sorted(r.shape for r in report.results) == ["dataset:no-licence", "dataset:no-title"]
    assert all(r.severity == "Warning" and r.location == f"{path}:4" for r in report.results)


def test_without_a_description_the_fallback_leaks_no_path_and_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kg.cli import main

    files = [tmp_path / "bank.ttl", tmp_path / "bank-data.ttl"]
    shutil.copy(BANK_DIR / "devbank.ttl", files[0])
    shutil.copy(BANK_DIR / "devbank-data.ttl", files[1])
    store = tmp_path / "store"
    code = main(["--store", f"oxigraph:{store}", "build", "--core-only", *map(str, files)])
    err = capsys.readouterr().err
    assert code == 0
    assert "warning: no dataset description among your files" in err
    assert f"<{USER_GRAPHS}{{file name}}>" in err
    with OxigraphStore(store) as built:
        graphs = built.named_graphs()
    assert USER_GRAPHS + "bank-data.ttl" in graphs
    assert not [g for g in graphs if g.startswith("file:") or str(tmp_path) in g]


def test_two_files_of_the_same_name_are_refused(tmp_path: Path) -> None:
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        shutil.copy(BANK_DIR / "devbank.ttl", tmp_path / sub / "same.ttl")
    with pytest.raises(UsageError, match="same name"):
        load_sources([tmp_path / "a" / "same.ttl", tmp_path / "b" / "same.ttl"], core_only=True)


# --- serving the namespace ----------------------------------------------------------------------


@pytest.mark.parametrize("host", ["example.org/", ""])
@pytest.mark.parametrize("local", ["id/bank", "id/interview-eli-2023", "id/response-quiet"])
def test_a_resource_iri_path_redirects_to_its_document(
    client: TestClient, local: str, host: str
) -> None:
    """At the host form of its path, or at its own path (a site at the namespace's host)."""
    r = client.get(f"/{host}devbank/{local}", follow_redirects=False)
    assert r.status_code == 303
    # an absolute redirect, built from the server's configured base URL (never from Host:)
    assert r.headers["location"].endswith(f"/doc/example.org/devbank/{local}")
    assert r.headers["location"].startswith("http")
    assert "Accept" in r.headers["vary"]
    location = "/" + r.headers["location"].split("://", 1)[1].split("/", 1)[1]
    page = client.get(location, headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert NS + local in page.text
    rdf_doc = client.get(location, headers={"Accept": "text/turtle"})
    assert rdf_doc.status_code == 200 and rdf_doc.headers["content-type"].startswith("text/turtle")
    assert any(t.subject == ox.NamedNode(NS + local) for t in turtle(rdf_doc.content))
    assert client.get(f"/doc/example.org/devbank/{local}.ttl").status_code == 200


def test_pages_link_to_the_namespace_documents(client: TestClient) -> None:
    page = client.get("/doc/example.org/devbank/id/response-quiet").text
    assert 'href="/doc/example.org/devbank/id/violation-forest-clearing"' in page
    assert 'href="/doc/example.org/devbank/id/interview-eli-2023"' in page


def test_the_extension_ontology_and_named_graphs_have_documents(client: TestClient) -> None:
    onto = client.get("/doc/example.org/devbank/ontology")
    assert onto.status_code == 200 and "resident mission" in onto.text
    term = client.get("/example.org/devbank/ontology", follow_redirects=False)
    assert term.status_code == 303
    graph = client.get(
        "/doc/example.org/devbank/graph/devbank-data.ttl", headers={"Accept": "text/turtle"}
    )
    assert graph.status_code == 200
    assert ox.NamedNode(NS + "id/bank") in {t.subject for t in turtle(graph.content)}


def test_an_unknown_iri_of_the_namespace_is_404(client: TestClient) -> None:
    assert client.get("/example.org/devbank/id/nothing", follow_redirects=False).status_code == 404
    assert client.get("/doc/example.org/devbank/id/nothing").status_code == 404
    assert client.get("/example.org/elsewhere/id/bank").status_code == 404


def test_the_home_page_describes_the_dataset_built(client: TestClient) -> None:
    home = client.get("/").text
    assert f"<h1>{TITLE}</h1>" in home
    assert "https://creativecommons.org/licenses/by/4.0/" in home
    assert "<code>https://example.org/devbank/</code>" in home
    assert "peacekeeping" not in home.lower() and "iodm/pko" not in home
    assert 'href="/doc/example.org/devbank/id/bank"' in home


def test_void_describes_the_dataset_built(client: TestClient) -> None:
    r = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    triples = turtle(r.content)
    d = ox.NamedNode(DATASET)

    def objects(p: str) -> set[str]:
        return {t.object.value for t in triples if t.subject == d and t.predicate.value == p}

    assert objects(DCTERMS + "title") == {TITLE}
    assert objects(void.uriSpace) == {NS}
    assert objects(DCTERMS + "license") == {"https://creativecommons.org/licenses/by/4.0/"}
    assert objects(rdf.type) >= {void.Dataset, "http://www.w3.org/ns/dcat#Dataset"}
    assert objects(void.vocabulary) == {"https://w3id.org/iodm#"}
    (endpoint,) = objects(void.sparqlEndpoint)
    assert endpoint.startswith("http") and endpoint.endswith("/sparql")
    assert all(e.startswith(NS) for e in objects(void.exampleResource))
    assert objects(void.dataDump)
    assert "IODM knowledge graph" not in r.text
    assert not [t for t in triples if "iodm/pko" in str(t)]


def test_the_dumps_hold_the_namespace(client: TestClient) -> None:
    dump = client.get("/dumps/iodm.nq")
    assert dump.status_code == 200
    assert f"<{NS}id/bank>" in dump.text and f"<{NS}graph/devbank-data.ttl>" in dump.text
    assert "file:" not in dump.text


# --- privacy: the researcher's interviews ------------------------------------------------------


def test_an_anonymous_interviewee_of_the_namespace_is_withheld(tmp_path: Path) -> None:
    """The shapes refuse a name on an anonymous interview; a store that holds one anyway
    (added after the build) still publishes nothing that names the person."""
    store = OxigraphStore(tmp_path / "store", writable=True)
    build(store, BANK_FILES, core_only=True)
    person = ox.NamedNode(NS + "id/secret-person")
    interview = ox.NamedNode(NS + "id/interview-anonymous-2023")
    store.add(
        [
            ox.Triple(interview, ox.NamedNode(iodm.interviewee), person),
            ox.Triple(person, ox.NamedNode(rdf.type), ox.NamedNode(foaf.Person)),
            ox.Triple(person, ox.NamedNode(foaf.name), ox.Literal(SECRET)),
        ],
        NS + "graph/devbank-data.ttl",
    )
    published = Published(store)
    assert published.withheld >= 3
    client = TestClient(create_app(published))
    assert (
        client.get("/example.org/devbank/id/secret-person", follow_redirects=False).status_code
        == 404
    )
    for url in ("/", "/doc/example.org/devbank/id/interview-anonymous-2023", "/dumps/iodm.nq"):
        assert SECRET not in client.get(url).text, url
    site = publish(published, tmp_path / "site")
    assert not (site.out / "doc/example.org/devbank/id/secret-person.html").exists()
    for path in site.out.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


# --- publishing ---------------------------------------------------------------------------------


def test_publish_writes_the_namespace_pages_and_nothing_outside(
    bank_store: OxigraphStore, tmp_path: Path
) -> None:
    store = OxigraphStore(tmp_path / "store", writable=True)
    store.replace_graphs(
        {g: [q.triple for q in bank_store.quads(g)] for g in bank_store.named_graphs()}
    )
    # IRIs that would climb out of the site as file names
    evil = ox.NamedNode(NS + "id/../../../../escaped")
    store.add(
        [ox.Triple(evil, ox.NamedNode(dcterms["title"]), ox.Literal("climbs out"))],
        NS + "graph/devbank-data.ttl",
    )
    parent = tmp_path / "out"
    parent.mkdir()
    report = publish(Published(store), parent / "site")
    site = report.out
    assert [p.name for p in parent.iterdir()] == ["site"]
    assert not list(tmp_path.rglob("escaped*"))
    for path in site.rglob("*"):
        assert path.resolve().is_relative_to(site.resolve()), path
    for local in ("id/bank", "id/interview-eli-2023", "ontology", "graph/devbank-data.ttl"):
        for ext in (".html", ".ttl", ".jsonld", ".rdf", ".nt"):
            assert (site / f"doc/example.org/devbank/{local}{ext}").is_file(), local + ext
    home = (site / "index.html").read_text(encoding="utf-8")
    assert TITLE in home and 'href="/doc/example.org/devbank/id/bank.html"' in home
    void_ttl = turtle((site / "void.ttl").read_bytes())
    assert ox.Triple(ox.NamedNode(DATASET), ox.NamedNode(void.uriSpace), ox.Literal(NS)) in void_ttl
    assert (site / "dumps/iodm.trig").is_file()
    assert not (site / "iodm/pko.html").exists()


# --- the workbook's dataset sheet -------------------------------------------------------------


@pytest.fixture(scope="module")
def lakeland() -> Published:
    store = OxigraphStore()
    summary = build(store, [BOOK], core_only=True)
    assert summary.report.conforms and summary.warnings == []
    return Published(store)


def test_the_dataset_sheet_becomes_the_description(lakeland: Published) -> None:
    ns = "https://example.org/lakeland-study/"
    assert lakeland.dataset.iri == ns + "dataset"
    assert lakeland.dataset.namespaces == (ns,)
    graph = ns + "graph/lakeland-coding/dataset"
    assert graph in lakeland.graphs
    stated = {
        (q.predicate.value, q.object.value)
        for q in lakeland.quads(graph)
        if q.subject == ox.NamedNode(ns + "dataset")
    }
    assert {
        (void.uriSpace, ns),
        (DCTERMS + "title", "Lakeland country office study (fictional example)"),
        (DCTERMS + "creator", "IODM example authors"),
        (DCTERMS + "license", "https://creativecommons.org/licenses/by/4.0/"),
        (rdf.type, void.Dataset),
    } <= stated
    assert not [g for g in lakeland.graphs if g.startswith("file:")]
    client = TestClient(create_app(lakeland))
    assert "<h1>Lakeland country office study (fictional example)</h1>" in client.get("/").text
    r = client.get("/example.org/lakeland-study/id/interview-01", follow_redirects=False)
    assert r.status_code == 303
    assert client.get(r.headers["location"]).status_code == 200
    # the anonymous interview is published, its interviewee is not
    anonymous = client.get("/doc/example.org/lakeland-study/id/interview-03")
    assert anonymous.status_code == 200


def test_a_licence_that_is_not_an_iri_is_a_located_error(tmp_path: Path) -> None:
    folder = tmp_path / "coding"
    shutil.copytree(BOOK.parent / "coding", folder)
    text = (folder / "dataset.csv").read_text(encoding="utf-8")
    (folder / "dataset.csv").write_text(
        text.replace("https://creativecommons.org/licenses/by/4.0/", "CC BY 4.0"),
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as failed:
        load_sources([folder], core_only=True)
    (result,) = [r for r in failed.value.report.results if r.shape == "sheet:bad-license"]
    assert result.location.startswith("coding/dataset.csv") and result.value == "CC BY 4.0"


# --- the JSON-LD context ------------------------------------------------------------------------


def test_the_json_ld_context_is_served_when_shipped(client: TestClient) -> None:
    shipped = ontology_dir() / "iodm-context.jsonld"
    r = client.get("/context.jsonld")
    if not shipped.is_file():
        assert r.status_code == 404
        return
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
    assert "@context" in json.loads(r.content)


def test_a_build_without_description_describes_iodm_without_the_module() -> None:
    """Without a description, VoID names IODM's own dataset (checked in tests/publish); here:
    a core-only build of the ontology alone has no description and no peacekeeping module."""
    store = OxigraphStore()
    build(store, (), core_only=True)
    published = Published(store)
    assert published.dataset.iri is None and not published.dataset.pko
    client = TestClient(create_app(published))
    home = client.get("/").text
    assert "IODM — how international bureaucracies decide" in home
    assert "iodm/pko" not in home
    assert GRAPH + "build" in published.graphs
