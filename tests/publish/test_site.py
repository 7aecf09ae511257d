"""`iodm publish --out DIR`: the static site, its dumps and checksums (its w3id rules run in a
real Apache httpd: tests/publish/test_apache.py)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from starlette.testclient import TestClient

from kg.core.errors import UsageError
from kg.core.namespaces import ID
from kg.publish import site as site_module
from kg.publish.app import ServerConfig, create_app
from kg.publish.dataset import Published
from kg.publish.site import MARKER, publish

from .conftest import iodm_cli

SITE_URL = "https://iodm.example.org/kg/"


@pytest.fixture(scope="module")
def site(published: Published, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("publish") / "site"
    publish(published, out, SITE_URL)
    return out


def test_the_site_has_every_document(published: Published, site: Path) -> None:
    for name in (
        "index.html",
        "query.html",
        "static/style.css",
        "void.ttl",
        ".well-known/void",
        ".htaccess",
    ):
        assert (site / name).is_file(), name
    for ext in (".html", ".ttl", ".jsonld", ".rdf", ".nt"):
        assert (site / f"iodm{ext}").is_file() and (site / f"iodm/pko{ext}").is_file()
    resources = {
        t.value
        for q in published.quads()
        for t in (q.subject, q.object)
        if isinstance(t, ox.NamedNode) and t.value.startswith(ID) and t.value != ID
    }
    assert resources
    for iri in resources:
        for ext in (".html", ".ttl", ".jsonld", ".rdf", ".nt"):
            assert (site / f"doc/{iri.removeprefix(ID)}{ext}").is_file(), iri
    assert 'id="Post"' in (site / "iodm.html").read_text()
    triples = {q.triple for q in ox.parse(path=str(site / "iodm.ttl"), format=ox.RdfFormat.TURTLE)}
    assert (
        ox.Triple(
            ox.NamedNode("https://w3id.org/iodm#Post"),
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode("http://www.w3.org/2002/07/owl#Class"),
        )
        in triples
    )


def test_the_server_answers_what_the_site_holds(
    published: Published, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """One producer of documents: published at the server's own address, the static files are
    byte for byte what `iodm serve` answers (HTML aside: static pages link to .html files)."""
    out = tmp_path_factory.mktemp("same") / "site"
    publish(published, out, "http://testserver/")
    client = TestClient(create_app(published, ServerConfig(base_url="http://testserver/")))
    resource = next(p for p in (out / "doc").rglob("*.ttl")).relative_to(out).with_suffix("")
    compared = 0
    for path in ("iodm", "iodm/pko", str(resource)):
        for ext in (".ttl", ".jsonld", ".rdf", ".nt"):
            assert client.get(f"/{path}{ext}").content == (out / f"{path}{ext}").read_bytes()
            compared += 1
    for dump in (out / "dumps").iterdir():
        assert client.get(f"/dumps/{dump.name}").content == dump.read_bytes(), dump.name
        compared += 1
    assert compared == 12 + 6


def test_static_pages_link_within_the_site(site: Path) -> None:
    page = (site / "index.html").read_text()
    assert 'href="/kg/static/style.css"' in page
    pages = page + (site / "iodm.html").read_text()
    assert not re.findall(r'href="/(?!kg/)', pages), "a link that leaves the site's root"
    links = re.findall(r'href="(/kg/[^"#]+)', pages)
    assert links
    for link in links:
        assert (site / link.removeprefix("/kg/")).is_file(), link


def test_dump_checksums(site: Path) -> None:
    lines = (site / "dumps/SHA256SUMS").read_text().splitlines()
    assert {line.split("  ")[1] for line in lines} == {
        "iodm.ttl",
        "iodm.nt",
        "iodm.jsonld",
        "iodm.nq",
        "iodm.trig",
    }
    for line in lines:
        digest, name = line.split("  ")
        assert hashlib.sha256((site / "dumps" / name).read_bytes()).hexdigest() == digest
    void = (site / "void.ttl").read_text()
    for line in lines:
        assert line.split("  ")[0] in void
    assert f"<{SITE_URL}dumps/iodm.ttl>" in void
    assert "sparqlEndpoint" not in void  # a static site has no endpoint


def test_publish_replaces_its_own_site_atomically(
    published: Published, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "site"
    publish(published, out)
    before = sorted(p.relative_to(out) for p in out.rglob("*"))

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        (args[1] / "half-written.html").write_text("…")
        raise RuntimeError("disk full")

    monkeypatch.setattr(site_module, "_write", broken)
    with pytest.raises(RuntimeError):
        publish(published, out)
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before  # untouched
    assert [p.name for p in tmp_path.iterdir()] == ["site"]  # no temporary left behind
    monkeypatch.undo()
    publish(published, out)
    assert (out / MARKER).is_file()


def test_publish_never_overwrites_a_foreign_directory(published: Published, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    with pytest.raises(UsageError):
        publish(published, out)
    assert (out / "thesis.tex").read_text() == "precious"


def test_publish_command(curated_path: Path, tmp_path: Path) -> None:
    r = iodm_cli("--store", f"oxigraph:{curated_path}", "publish", "--out", str(tmp_path / "s"))
    assert r.returncode == 0, r.stderr
    assert "published" in r.stderr and (tmp_path / "s" / "index.html").is_file()
