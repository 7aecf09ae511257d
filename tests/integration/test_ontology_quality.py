"""Quality of the ontology itself: OWL 2 DL, HermiT, the quality checks (and that each can fail),
Table 1 and the spectrum, no deterministic factor axiom, the generated diagram, shape messages,
and the development-bank example that uses the core without the peacekeeping module."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.core.namespaces import GRAPH, IODM, OWL, PKO, RDF, RDFS, SH, SKOS
from kg.pipeline.load import Source, packaged_files, parse_all, parse_file
from kg.queries import get, library
from kg.store import OxigraphStore, Store

from ..conftest import FIXTURES, rows
from .conftest import Reasoned

ROOT = Path(__file__).resolve().parents[2]
DEVBANK = ROOT / "examples" / "development-bank"
SEEDS = FIXTURES / "checks"
CHECKS = sorted(q.id for q in library().values() if q.group == "checks")
SEED_GRAPH = GRAPH + "data/seeded.ttl"


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sources() -> list[Source]:
    """Ontology, vocabularies, shapes and curated data, as the build reads them."""
    return parse_all(packaged_files())


def triples(sources: list[Source], *roles: str) -> list[ox.Triple]:
    return [t for s in sources if s.role in roles for t in s.triples]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, sources: list[Source]) -> Iterator[Store]:
    """The same graphs, unvalidated, with room for one seeded defect at a time."""
    store = OxigraphStore(tmp_path_factory.mktemp("seeded") / "store", writable=True)
    store.replace_graphs({s.graph: s.triples for s in sources})
    yield store
    store.close()


# --- quality checks: none fires on the curated graph, each fires on its seeded defect ----------


def test_every_check_has_a_seeded_defect() -> None:
    assert CHECKS, "no checks in queries/checks"
    assert {p.stem for p in SEEDS.glob("*.ttl")} == set(CHECKS)


@pytest.mark.parametrize("check", CHECKS)
def test_check_finds_nothing_on_the_curated_graph(curated: Store, check: str) -> None:
    found = rows(get(check).run(curated))
    assert not found, f"{check}: {found[:5]}"


@pytest.mark.parametrize("check", CHECKS)
def test_check_finds_its_seeded_defect(seeded: Store, check: str) -> None:
    seed = parse_file(SEEDS / f"{check}.ttl", SEED_GRAPH, "data")
    seeded.replace_graphs({SEED_GRAPH: seed.triples})
    try:
        assert rows(get(check).run(seeded)), f"{check} did not find the defect seeded for it"
    finally:
        seeded.replace_graphs({SEED_GRAPH: []})


# --- OWL 2 DL ------------------------------------------------------------------------------------


def _rdfxml(data: list[ox.Triple]) -> str:
    from kg.core.terms import rdflib_graph

    return str(rdflib_graph(data).serialize(format="xml"))


@pytest.mark.parametrize(
    "roles", [("ontology",), ("ontology", "data")], ids=["ontology", "curated"]
)
def test_owl2_dl_profile(sources: list[Source], roles: tuple[str, ...]) -> None:
    """The full OWL 2 DL profile check of py-horned-owl (a dev dependency; skipped without it).

    Without it, the dl-* checks in queries/checks still test the structural restrictions."""
    horned = pytest.importorskip("pyhornedowl", reason="py-horned-owl is not installed")
    from pyhornedowl import profile

    onto = horned.open_ontology_from_string(_rdfxml(triples(sources, *roles)), "rdf")
    report = profile.check_profile(onto, "DL")
    assert report.conformant, [v.message for v in report.violations][:20]


# --- HermiT ---------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    "roles", [("ontology",), ("ontology", "data")], ids=["ontology", "curated"]
)
def test_hermit_consistent_and_no_class_unsatisfiable(
    sources: list[Source], roles: tuple[str, ...], hermit: Reasoned
) -> None:
    graphs = {s.graph for s in sources if s.role in roles}
    assert graphs <= hermit.graphs, sorted(graphs - hermit.graphs)
    assert hermit.report.consistent, hermit.report.summary()
    assert not hermit.report.unsatisfiable, hermit.report.summary()


# --- Table 1, the spectrum, and no deterministic rule -------------------------------------------

TABLE_1 = {
    "individual": {"previous experience", "career security", "length of service at a duty station"},
    "departmental": {"politicization of work", "professional composition", "type of interlocutors"},
    "positional": {
        "place in IO hierarchy",
        "relations with other IO entities",
        "position vis-à-vis host state authorities",
    },
}


def _graph(sources: list[Source], *roles: str):  # type: ignore[no-untyped-def]
    from kg.core.terms import rdflib_graph

    return rdflib_graph(triples(sources, *roles))


def test_factor_scheme_is_table_1(sources: list[Source]) -> None:
    from rdflib import URIRef

    g = _graph(sources, "ontology")
    scheme = URIRef(IODM + "DecisionFactors")
    categories = set(g.subjects(URIRef(SKOS + "topConceptOf"), scheme))
    assert len(categories) == 3
    factors = {
        f
        for f in g.subjects(URIRef(RDF + "type"), URIRef(IODM + "Factor"))
        if (f, URIRef(SKOS + "inScheme"), scheme) in g
    }
    assert len(factors) == 9
    found = {
        str(g.value(c, URIRef(SKOS + "prefLabel"))): {
            str(g.value(f, URIRef(SKOS + "prefLabel")))
            for f in factors
            if (f, URIRef(SKOS + "broader"), c) in g
        }
        for c in categories
    }
    assert found == TABLE_1


OPTIONS_THE_PAPER_NAMES = [
    "enforcement action",
    "withholding support",
    "cancelling joint operations",
    "naming and shaming",
    "public criticism",
    "private or delayed condemnation",
    "quiet diplomacy",
    "mild expression of concern",
    "silence",
    "downplaying",
    "concealment",
    "leaking reports to the press",
]


def test_spectrum_ranks_and_ordered_collection(sources: list[Source]) -> None:
    from rdflib import URIRef
    from rdflib.collection import Collection

    g = _graph(sources, "ontology")
    spectrum = URIRef(IODM + "ConciliationConfrontationSpectrum")
    options = set(g.subjects(URIRef(SKOS + "inScheme"), spectrum))
    ranks = {o: g.value(o, URIRef(IODM + "confrontationRank")) for o in options}
    assert all(r is not None and r.datatype == URIRef(XSD_INTEGER) for r in ranks.values())
    values = [int(r) for r in ranks.values()]  # type: ignore[arg-type]
    assert len(set(values)) == len(values), "two options share a rank"
    order = g.value(URIRef(IODM + "ConciliationConfrontationOrder"), URIRef(SKOS + "memberList"))
    listed = list(Collection(g, order))  # type: ignore[arg-type]
    assert set(listed) == options and len(listed) == len(options)
    assert [int(ranks[o]) for o in listed] == sorted(values)  # type: ignore[arg-type,index]
    labels = {
        str(label).lower()
        for o in options
        for p in ("prefLabel", "altLabel")
        for label in g.objects(o, URIRef(SKOS + p))
    }
    missing = [name for name in OPTIONS_THE_PAPER_NAMES if not any(name in x for x in labels)]
    assert not missing, f"options the paper names are missing from the spectrum: {missing}"


XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"


def test_no_axiom_makes_a_factor_determine_a_response(sources: list[Source]) -> None:
    """Factors predispose, never determine: no class axiom or assertion of the ontology and
    vocabularies connects the factor side (factors, categories, observations, poles) to the
    response side (responses, options), directly or through a class expression."""
    from rdflib import BNode, URIRef

    g = _graph(sources, "ontology")

    def side(*classes: str, props: tuple[str, ...] = ()) -> set[URIRef]:
        members = {URIRef(IODM + c) for c in classes} | {URIRef(IODM + p) for p in props}
        for c in classes:
            members |= set(g.subjects(URIRef(RDF + "type"), URIRef(IODM + c)))
        return members

    factor_side = side(
        "Factor",
        "FactorCategory",
        "FactorObservation",
        "Pole",
        props=("observedFactor", "observedFor", "pullsToward", "concernsRelation"),
    )
    response_side = side(
        "Response", "ResponseOption", props=("respondsTo", "hasResponseOption", "respondent")
    )

    def reach(node: object, seen: set[object]) -> set[object]:
        out: set[object] = set()
        for _, p, o in g.triples((node, None, None)):  # type: ignore[arg-type]
            out |= {p, o}
            if isinstance(o, BNode) and o not in seen:
                seen.add(o)
                out |= reach(o, seen)
        return out

    for term in factor_side | response_side:
        other = response_side if term in factor_side else factor_side
        linked = reach(term, set()) & other
        # rdfs:domain/range of a property on its own side is not a link between the sides
        assert not linked, f"{term} is tied by an axiom to {sorted(map(str, linked))}"


# --- style ---------------------------------------------------------------------------------------


def test_diagram_in_the_ontology_readme_is_up_to_date() -> None:
    from tools.diagram import mermaid, rewrite

    readme = ROOT / "ontology" / "README.md"
    text = readme.read_text(encoding="utf-8")
    assert rewrite(text, mermaid()) == text, "run `python -m tools.diagram`"


GROUPING = {
    RDF + "type",
    RDFS + "label",
    RDFS + "comment",
    SH + "property",
    SH + "path",
    SH + "message",
    SH + "severity",
    SH + "name",
    SH + "description",
    SH + "targetClass",
    SH + "targetNode",
    SH + "targetSubjectsOf",
    SH + "targetObjectsOf",
}


def test_every_shape_constraint_has_a_message_and_a_severity(sources: list[Source]) -> None:
    from rdflib import URIRef

    g = _graph(sources, "shapes")
    sh = lambda name: URIRef(SH + name)  # noqa: E731
    shapes = {s for s, p, _ in g if str(p).startswith(SH + "target")} | set(
        g.objects(None, sh("property"))
    )
    bare = []
    for shape in shapes:
        params = {str(p) for p in g.predicates(shape)} - GROUPING
        if not params:
            continue  # a shape that only groups property shapes
        messages = list(g.objects(shape, sh("message"))) + [
            m for q in g.objects(shape, sh("sparql")) for m in g.objects(q, sh("message"))
        ]
        if not messages or g.value(shape, sh("severity")) is None:
            bare.append(str(shape))
    assert not bare, f"shapes without sh:message or sh:severity: {sorted(bare)}"


def test_core_files_mention_no_peacekeeping_term() -> None:
    for path, graph, _role in packaged_files(core_only=True):
        parsed = parse_file(path, graph, "ontology")
        for t in parsed.triples:
            for term in (t.subject, t.predicate, t.object):
                assert not (isinstance(term, ox.NamedNode) and term.value.startswith(PKO)), (
                    f"{path.name} mentions {term.value}"
                )


def test_ontologies_have_their_fair_metadata(sources: list[Source]) -> None:
    from rdflib import URIRef

    g = _graph(sources, "ontology")
    required = [
        "http://purl.org/dc/terms/title",
        "http://purl.org/dc/terms/description",
        "http://purl.org/dc/terms/creator",
        "http://purl.org/dc/terms/license",
        "http://purl.org/dc/terms/created",
        "http://purl.org/dc/terms/modified",
        "http://purl.org/dc/terms/issued",
        "http://purl.org/dc/terms/bibliographicCitation",
        "http://purl.org/dc/terms/source",
        "http://purl.org/vocab/vann/preferredNamespacePrefix",
        "http://purl.org/vocab/vann/preferredNamespaceUri",
        OWL + "versionInfo",
        OWL + "versionIRI",
    ]
    for iri in ("https://w3id.org/iodm", "https://w3id.org/iodm/pko"):
        onto = URIRef(iri)
        missing = [p for p in required if g.value(onto, URIRef(p)) is None]
        assert not missing, f"{iri} lacks {missing}"
        assert g.value(onto, URIRef(OWL + "versionIRI")) != onto


# --- the second organization: a development bank on the core alone --------------------------


def test_devbank_imports_the_core_only() -> None:
    imports = OWL + "imports"
    found = set()
    for path in sorted(DEVBANK.glob("*.ttl")):
        parsed = parse_file(path, path.as_uri(), "extra")
        for t in parsed.triples:
            if t.predicate.value == imports:
                found.add(t.object.value)  # type: ignore[union-attr]
            for term in (t.subject, t.predicate, t.object):
                assert not (isinstance(term, ox.NamedNode) and term.value.startswith(PKO))
        text = path.read_text(encoding="utf-8")
        assert "Synthetic toy example; not facts about the real world" in text
    assert found == {"https://w3id.org/iodm"}


def test_devbank_builds_without_the_peacekeeping_module(bank: Store) -> None:
    graphs = bank.named_graphs()
    assert not [g for g in graphs if "pko" in g or g.startswith(GRAPH + "data/")]


@pytest.mark.parametrize(
    "expected", sorted((DEVBANK / "expected").glob("*.csv")), ids=lambda p: p.stem
)
def test_devbank_answers_as_expected(bank: Store, expected: Path) -> None:
    want = list(csv.DictReader(expected.open(encoding="utf-8")))
    got = rows(get(expected.stem).run(bank))
    assert got == want  # the queries order their rows


def test_devbank_answers_cq1_to_cq3() -> None:
    assert {p.stem.split("-")[0] for p in (DEVBANK / "expected").glob("*.csv")} == {
        "cq1",
        "cq2",
        "cq3",
    }


@pytest.mark.slow
def test_devbank_is_consistent_under_hermit(hermit: Reasoned) -> None:
    graphs = {graph for _, graph, role in packaged_files(core_only=True) if role == "ontology"}
    graphs |= {p.as_uri() for p in sorted(DEVBANK.glob("*.ttl"))}
    assert graphs <= hermit.graphs, sorted(graphs - hermit.graphs)
    assert hermit.report.ok, hermit.report.summary()
