"""The second worked extension (examples/humanitarian-agency, fictional): a humanitarian agency's
country office on the IODM core alone, answered by the same named queries, and opened with
owlready2 offline through the catalog ``iodm release`` writes."""

from __future__ import annotations

import csv
import importlib.util
import io
import socket
from pathlib import Path
from types import ModuleType

import pyoxigraph as ox
import pytest

from kg.core.namespaces import GRAPH, IODM, OWL, PKO, RDFS
from kg.pipeline.load import parse_file
from kg.queries import get, library
from kg.store import OxigraphStore, Store

from ..conftest import rows

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "humanitarian-agency"
FILES = sorted(EXAMPLE.glob("*.ttl"))
EXPECTED = sorted((EXAMPLE / "expected").glob("*.csv"))
EXTENSION = "https://example.org/relief/ontology"
FICTIONAL = "Fictional example; not facts about the real world"


@pytest.fixture(scope="module")
def relief() -> Store:
    """The example built as `iodm build --core-only examples/humanitarian-agency/*.ttl` builds it,
    in memory."""
    from kg.pipeline.build import build

    store = OxigraphStore()
    summary = build(store, FILES, core_only=True)
    assert summary.report.conforms, summary.report.serialize()
    return store


def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "open_with_owlready2", EXAMPLE / "open_with_owlready2.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- what the example is -----------------------------------------------------------------------


def test_every_file_says_it_is_fictional() -> None:
    for path in [*FILES, EXAMPLE / "README.md", EXAMPLE / "open_with_owlready2.py"]:
        assert FICTIONAL in " ".join(path.read_text(encoding="utf-8").split()), path.name


def test_the_extension_imports_the_core_only_and_specializes_it() -> None:
    parsed = parse_file(EXAMPLE / "relief.ttl", (EXAMPLE / "relief.ttl").as_uri(), "extra")
    triples = [
        (t.subject.value, t.predicate.value, t.object.value)
        for t in parsed.triples
        if isinstance(t.subject, ox.NamedNode) and isinstance(t.object, ox.NamedNode)
    ]
    imports = {o for _, p, o in triples if p == OWL + "imports"}
    assert imports == {"https://w3id.org/iodm"}
    supers = {s: o for s, p, o in triples if p == RDFS + "subClassOf"}
    assert supers == {
        EXTENSION + "#HumanitarianCountryOffice": IODM + "CountryOffice",
        EXTENSION + "#CountryRepresentativePost": IODM + "HeadOfFieldPresencePost",
        EXTENSION + "#AreaOffice": IODM + "OrganizationalUnit",
    }
    for path in FILES:
        for t in parse_file(path, path.as_uri(), "extra").triples:
            for term in (t.subject, t.predicate, t.object):
                assert not (isinstance(term, ox.NamedNode) and term.value.startswith(PKO)), t


def test_it_builds_without_the_peacekeeping_module_under_its_own_namespace(relief: Store) -> None:
    graphs = relief.named_graphs()
    assert not [g for g in graphs if "pko" in g or g.startswith(GRAPH + "data/")]
    assert "https://example.org/relief/graph/relief-data.ttl" in graphs


def test_the_core_classes_find_the_extensions_instances(relief: Store) -> None:
    """The build's type closure: a core query about heads of field presences and country offices
    answers for the extension's subclasses."""
    for instance, core_class in (
        ("post-representative", "HeadOfFieldPresencePost"),
        ("country-office", "FieldPresence"),
        ("area-office", "OrganizationalUnit"),
    ):
        iri = f"https://example.org/relief/id/{instance}"
        ask = f"ASK {{ GRAPH ?g {{ <{iri}> a <{IODM}{core_class}> }} }}"
        assert relief.query(ask).value, (instance, core_class)  # type: ignore[union-attr]


# --- its competency questions, answered by the same named queries -------------------------------


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda p: p.stem)
def test_the_named_queries_answer_as_expected(relief: Store, expected: Path) -> None:
    want = list(csv.DictReader(expected.open(encoding="utf-8")))
    assert want, f"{expected.name} is empty"
    got = rows(get(expected.stem).run(relief))
    assert got == want  # the queries order their rows


def test_its_questions_are_named_queries_and_its_readme_answers_each() -> None:
    ids = set(library())
    stems = {p.stem for p in EXPECTED}
    assert stems <= ids
    assert {s.split("-")[0] for s in stems} == {"cq1", "cq2", "cq3", "cq6", "cq7", "cq8"}
    readme = (EXAMPLE / "README.md").read_text(encoding="utf-8")
    for stem in stems:
        assert f"`{stem}`" in readme, stem


def test_the_anonymous_interviewee_is_never_named() -> None:
    evidence = list(csv.DictReader((EXAMPLE / "expected" / "cq8-evidence.csv").open()))
    kinds = {
        r["anonymity"]: r["intervieweeName"] for r in evidence if r["evidenceKind"] == "interview"
    }
    assert kinds == {
        IODM + "Named": "Cleo Fict",
        IODM + "PartiallyIdentified": "",
        IODM + "Anonymous": "",
    }


def test_the_command_line_builds_and_checks_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kg.cli import main

    store = f"oxigraph:{tmp_path / 'store'}"
    assert main(["--store", store, "build", "--core-only", *map(str, FILES)]) == 0
    assert main(["--store", store, "check"]) == 0
    assert "checks pass" in capsys.readouterr().out


# --- opened with owlready2, offline, through the release's catalog -----------------------------


def test_owlready2_opens_the_extension_through_the_release_catalog_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import owlready2

    from kg.cli import main

    dist = tmp_path / "dist"
    assert main(["release", "-o", str(dist)]) == 0

    def offline(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access: {args}")

    monkeypatch.setattr(socket.socket, "connect", offline)
    monkeypatch.setattr(socket, "create_connection", offline)
    module = script()
    # without the catalog, owlready2 would download the import: the guard above refuses it
    bare = owlready2.World().get_ontology(EXTENSION)
    with pytest.raises(owlready2.OwlReadyOntologyParsingError, match="download"):
        nt = ox.serialize(
            ox.parse(path=EXAMPLE / "relief.ttl", format=ox.RdfFormat.TURTLE),
            format=ox.RdfFormat.N_TRIPLES,
        )
        bare.load(fileobj=io.BytesIO(nt or b""), format="ntriples")
    onto = module.open_extension(dist, owlready2.World())
    world = onto.world
    assert [o.base_iri.rstrip("#/") for o in onto.imported_ontologies] == ["https://w3id.org/iodm"]
    country_office = world[EXTENSION + "#HumanitarianCountryOffice"]
    core = world[IODM + "CountryOffice"]
    assert core in country_office.is_a and [str(x) for x in core.label] == ["country office"]
    head = world[IODM + "HeadOfFieldPresencePost"]
    found = [p.iri for p in world.search(type=head)]
    assert found == ["https://example.org/relief/id/post-representative"]

    # the script as the README runs it
    capsys.readouterr()
    assert module.main([str(dist)]) == 0
    out = capsys.readouterr().out
    readme = (EXAMPLE / "README.md").read_text(encoding="utf-8")
    for line in out.splitlines():
        assert line.strip() in readme, f"the README does not show: {line}"


def test_the_script_says_what_to_do_without_a_release(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="iodm release -o"):
        script().open_extension(tmp_path)
