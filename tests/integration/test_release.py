"""``iodm release``: the artefacts every tool opens (rdflib, pyoxigraph, owlready2 with the
catalog, py-horned-owl), the Protégé catalog, and strict HermiT (no datatype escape) on the full
artefact with the curated data."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.core.namespaces import OWL, RDF
from kg.pipeline.load import packaged_files, parse_all
from kg.publish.release import FORMATS, release

MODULES = {
    "https://w3id.org/iodm": Path("iodm") / "iodm",
    "https://w3id.org/iodm/pko": Path("iodm") / "pko" / "iodm-pko",
}
RDFLIB_FORMATS = {"ttl": "turtle", "owl": "xml", "nt": "nt", "jsonld": "json-ld"}
CATALOG_NS = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    release(out)
    return out


def catalog(dist: Path) -> dict[str, Path]:
    root = ET.parse(dist / "catalog-v001.xml").getroot()
    return {e.attrib["name"]: dist / e.attrib["uri"] for e in root.iter(CATALOG_NS + "uri")}


def oxi(path: Path) -> list[ox.Triple]:
    fmt = FORMATS[path.suffix.lstrip(".")]
    return [q.triple for q in ox.parse(path=path, format=fmt)]


def ontology_headers(triples: list[ox.Triple]) -> dict[str, str | None]:
    heads = {
        t.subject.value: None
        for t in triples
        if t.predicate.value == RDF + "type" and t.object == ox.NamedNode(OWL + "Ontology")
    }
    for t in triples:
        if t.predicate.value == OWL + "versionIRI" and t.subject.value in heads:
            heads[t.subject.value] = t.object.value
    return heads


# --- what is written -------------------------------------------------------------------------


def test_every_artefact_in_every_format_and_under_the_version_iri(dist: Path) -> None:
    for iri, stem in MODULES.items():
        for kind in ("full", "base"):
            for suffix in FORMATS:
                path = dist / f"{stem}-{kind}.{suffix}"
                assert path.is_file(), path
                heads = ontology_headers(oxi(path))
                version = heads[iri if kind == "full" else iri + "/base"]
                assert version, f"{path.name}: no version IRI"
                versioned = dist / version.removeprefix("https://w3id.org/").removesuffix("/base")
                copy = versioned / path.name
                assert copy.read_bytes() == path.read_bytes(), copy
    assert (dist / "iodm" / "vocab" / "spectrum.ttl").is_file()
    assert (dist / "iodm" / "shapes" / "iodm-shapes.ttl").is_file()


def test_catalog_maps_every_ontology_and_version_iri_to_an_existing_file(dist: Path) -> None:
    mapped = catalog(dist)
    assert all(p.is_file() for p in mapped.values()), mapped
    for path in dist.rglob("*.owl"):
        for iri, version in ontology_headers(oxi(path)).items():
            assert iri in mapped, f"{iri} ({path.name}) is not in the catalog"
            assert version is None or version in mapped, f"{version} is not in the catalog"
            assert ontology_headers(oxi(mapped[iri])).keys() == {iri}


def test_full_merges_the_vocabularies_and_imports_nothing(dist: Path) -> None:
    full = oxi(dist / "iodm" / "pko" / "iodm-pko-full.ttl")
    assert not [t for t in full if t.predicate.value == OWL + "imports"]
    subjects = {t.subject.value for t in full if isinstance(t.subject, ox.NamedNode)}
    assert "https://w3id.org/iodm#Response" in subjects  # the core, merged
    assert "https://w3id.org/iodm/pko#PeacekeepingOperation" in subjects
    assert "https://w3id.org/iodm/id/response-option/naming-and-shaming" in subjects  # a vocabulary
    assert list(ontology_headers(full)) == ["https://w3id.org/iodm/pko"]


def test_base_holds_only_the_axioms_iodm_owns(dist: Path) -> None:
    base = oxi(dist / "iodm" / "iodm-base.ttl")
    for t in base:
        if isinstance(t.subject, ox.NamedNode):
            assert t.subject.value.startswith("https://w3id.org/iodm"), t
    assert any(t.subject.value == "https://w3id.org/iodm#Post" for t in base)
    assert not any(t.subject.value == "http://www.w3.org/ns/org#Post" for t in base)


@pytest.mark.parametrize("suffix", list(RDFLIB_FORMATS))
def test_rdflib_and_pyoxigraph_read_every_format_alike(dist: Path, suffix: str) -> None:
    from rdflib import Graph

    for stem in MODULES.values():
        for kind in ("full", "base"):
            path = dist / f"{stem}-{kind}.{suffix}"
            reference = len(oxi(dist / f"{stem}-{kind}.nt"))
            g = Graph().parse(path, format=RDFLIB_FORMATS[suffix])
            assert len(g) == reference, path.name
            assert len(oxi(path)) == reference, path.name


# --- OWL tools -------------------------------------------------------------------------------


def test_owlready2_opens_full_and_base_offline_through_the_catalog(dist: Path) -> None:
    import owlready2

    world = owlready2.World()
    full = world.get_ontology((dist / "iodm" / "pko" / "iodm-pko-full.owl").as_uri()).load()
    assert full.base_iri.rstrip("#/") == "https://w3id.org/iodm/pko"
    assert world["https://w3id.org/iodm#Response"] is not None
    assert world["https://w3id.org/iodm/pko#PeacekeepingOperation"] is not None

    # the base imports the core: the catalog says where it is, so nothing is fetched
    world = owlready2.World()
    mapped = catalog(dist)
    world.get_ontology(mapped["https://w3id.org/iodm"].as_uri()).load()
    base = world.get_ontology(mapped["https://w3id.org/iodm/pko/base"].as_uri()).load()
    assert [o.base_iri.rstrip("#/") for o in base.imported_ontologies] == ["https://w3id.org/iodm"]


@pytest.mark.parametrize("module", list(MODULES))
def test_py_horned_owl_finds_full_owl2_dl(dist: Path, module: str) -> None:
    horned = pytest.importorskip("pyhornedowl", reason="py-horned-owl is not installed")
    from pyhornedowl import profile

    onto = horned.open_ontology(str(dist / f"{MODULES[module]}-full.owl"), "rdf")
    report = profile.check_profile(onto, "DL")
    assert report.conformant, [v.message for v in report.violations][:10]


@pytest.mark.slow
def test_strict_hermit_on_full_artefact_with_the_curated_data(dist: Path, tmp_path: Path) -> None:
    """HermiT as Protégé runs it: no ignore_unsupported_datatypes."""
    import owlready2

    from kg.pipeline.reason import find_java

    owlready2.JAVA_EXE = find_java()
    data = [t for s in parse_all(packaged_files()) if s.role == "data" for t in s.triples]
    (tmp_path / "data.nt").write_bytes(ox.serialize(data, format=ox.RdfFormat.N_TRIPLES) or b"")
    world = owlready2.World()
    world.get_ontology((dist / "iodm" / "pko" / "iodm-pko-full.owl").as_uri()).load()
    world.get_ontology((tmp_path / "data.nt").as_uri()).load()
    try:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    except owlready2.OwlReadyInconsistentOntologyError:
        pytest.fail("HermiT: the full artefact with the curated data is inconsistent")
    unsatisfiable = [c.iri for c in world.inconsistent_classes() if c.iri != OWL + "Nothing"]
    assert not unsatisfiable


def test_release_command_writes_the_catalog(tmp_path: Path) -> None:
    from kg.cli import main

    assert main(["release", "-o", str(tmp_path / "dist")]) == 0
    assert (tmp_path / "dist" / "catalog-v001.xml").is_file()


# --- deprecation policy: no named query uses a deprecated term ------------------------------


def deprecated_terms() -> set[str]:
    """Terms the ontology files mark ``owl:deprecated true``."""
    from kg.core.resources import ontology_dir
    from kg.pipeline.load import parse_file

    found = set()
    for path in sorted(ontology_dir().rglob("*.ttl")):
        for t in parse_file(path, path.as_uri(), "ontology").triples:
            o = t.object
            if (
                t.predicate.value == OWL + "deprecated"
                and isinstance(o, ox.Literal)
                and o.value in ("true", "1")
            ):
                found.add(t.subject.value)
    return found


def used_in(text: str, terms: set[str]) -> set[str]:
    """The terms a query text names, as ``<IRI>`` or as a prefixed name of IODM's prefixes."""
    import re

    from kg.core.namespaces import shorten

    named = set()
    for term in terms:
        short = shorten(term)
        if f"<{term}>" in text or (
            not short.startswith("<") and re.search(rf"(?<![\w:]){re.escape(short)}(?![\w-])", text)
        ):
            named.add(term)
    return named


def test_used_in_finds_a_deprecated_term_however_written() -> None:
    old = "https://w3id.org/iodm#occurredOn"
    assert used_in("SELECT * { ?v iodm:occurredOn ?d }", {old}) == {old}
    assert used_in(f"SELECT * {{ ?v <{old}> ?d }}", {old}) == {old}
    assert used_in("SELECT * { ?v iodm:occurredOnward ?d }", {old}) == set()


def test_no_named_query_uses_a_deprecated_term() -> None:
    from kg.queries import library

    deprecated = deprecated_terms()
    offending = {
        q.id: sorted(found)
        for q in library().values()
        if (found := used_in(q.path.read_text(encoding="utf-8"), deprecated))
    }
    assert not offending, offending


# --- the changelog ---------------------------------------------------------------------------


def test_changelog_goes_from_0_1_0_to_the_current_version() -> None:
    from kg.core.resources import ontology_dir

    root = ontology_dir().parent
    text = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    current = ontology_headers(oxi_ttl(ontology_dir() / "iodm.ttl"))["https://w3id.org/iodm"]
    assert current is not None
    versions = [line.split()[1] for line in text.splitlines() if line.startswith("## ")]
    assert versions[0] == current.rsplit("/", 1)[-1] and versions[-1] == "0.1.0", versions


def test_changes_as_data_are_generated_and_released(dist: Path) -> None:
    import subprocess

    from tools import changelog

    if subprocess.run(["git", "rev-parse"], cwd=changelog.ROOT, capture_output=True).returncode:
        pytest.skip("not a git checkout")
    expected = changelog.as_turtle(changelog.changes())
    assert (changelog.ROOT / "CHANGELOG.ttl").read_text(encoding="utf-8") == expected, (
        "CHANGELOG.ttl is stale: run python -m tools.changelog"
    )
    released = oxi_ttl(dist / "iodm" / "CHANGELOG.ttl")
    assert any(t.predicate.value.endswith("changeNote") for t in released)


def oxi_ttl(path: Path) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(path=path, format=ox.RdfFormat.TURTLE)]


# --- the ontology page teaches the model --------------------------------------------------------


def test_response_page_shows_its_properties_what_is_required_and_an_example(curated) -> None:  # type: ignore[no-untyped-def]
    import html as H
    import re

    from kg.publish.dataset import Published
    from kg.publish.documents import Documents

    docs = Documents(Published(curated), "http://127.0.0.1:8000/", live=True)
    page = docs.document("iodm", "text/html").data.decode()
    start = page.index('id="Response"')
    section = page[start : page.index("</section>", start)]
    text = H.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section)))
    assert "in domain of" in text and "responds to" in text
    must = text[text.index("Must state:") : text.index("May state:")]
    assert "has response option — exactly 1" in must
    assert "responds to — exactly 1" in must
    assert "is public — 0 to 1" in text[text.index("May state:") :]
    assert "# from tests/shapes/valid/" in text and "a iodm:Response" in text
    # a property: its domain and range; a class: its superclasses; anchors are local names
    start = page.index('id="respondsTo"')
    prop = page[start : page.index("</section>", start)]
    assert "domain" in prop and "range" in prop
    assert 'id="PeacekeepingOperation"' not in page  # the module is its own document
    assert "in range of" in page
