"""A user's Turtle or N-Triples file loaded by the store (issue 14, point 2): its source holds a
:class:`kg.store.LoadedGraph`, not a Python object per triple, and everything the build and
``iodm validate`` make of it is what they make of the same file parsed into Python."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib.compare import isomorphic

import kg.pipeline.load as load
from kg.core.errors import IODMError
from kg.core.namespaces import BUILD_GRAPH, DCTERMS
from kg.core.terms import rdflib_graph
from kg.pipeline.build import build, check_sources, load_sources
from kg.pipeline.load import Source, extra_files, parse_all
from kg.store import LoadedGraph, OxigraphStore

ROOT = Path(__file__).resolve().parents[2]
BANK = ROOT / "examples" / "development-bank"
INVALID = sorted((ROOT / "tests" / "shapes" / "invalid").glob("*.ttl"))
MISTAKES = sorted((ROOT / "examples" / "lakeland-study" / "bad").glob("*.ttl"))


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synthetic") / "synthetic.nt"
    script = ROOT / "benchmarks" / "synthetic.py"
    subprocess.run([sys.executable, str(script), "3000", "-o", str(out)], check=True)
    return out


def parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file parsed into Python, as before files were loaded by the store."""
    monkeypatch.setattr(load, "_loadable", lambda *_: False)  # as _read asks it


def test_a_users_file_is_held_by_the_store_unless_it_has_a_blank_node(
    tmp_path: Path, synthetic: Path
) -> None:
    blank = tmp_path / "blank.ttl"
    blank.write_text(
        "@prefix ex: <https://example.org/> .\nex:a ex:b [ ex:c 1 ] .\n", encoding="utf-8"
    )
    brackets = tmp_path / "brackets.ttl"  # in a literal, an IRI and a comment: no blank node
    brackets.write_text(
        "@prefix ex: <https://example.org/> .\n# (a comment) [x]\n"
        'ex:a ex:b "UNMISS (South Sudan) [2011]" ; ex:c <https://example.org/x(1)> .\n',
        encoding="utf-8",
    )
    listed = tmp_path / "listed.ttl"
    listed.write_text("@prefix ex: <https://example.org/> .\nex:a ex:b ( ex:c ) .\n", "utf-8")
    twice = tmp_path / "twice.nt"
    twice.write_text('<https://example.org/a> <https://example.org/b> "1" .\n' * 2, "utf-8")
    files = [synthetic, blank, brackets, listed, twice]
    sources = {s.path: s for s in load_sources(files, core_only=True)}
    held = sources[synthetic].triples
    assert isinstance(held, LoadedGraph)
    assert len(held) == sum(1 for _ in ox.parse(path=synthetic, format=ox.RdfFormat.N_TRIPLES))
    stored = list(held.store.quads_for_pattern(None, None, None, held.graph))
    assert {(t.subject, t.predicate) for t in held} == {(q.subject, q.predicate) for q in stored}
    decimal = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
    written = {t.object.value for t in held if getattr(t.object, "datatype", None) == decimal}
    kept = {q.object.value for q in stored if getattr(q.object, "datatype", None) == decimal}
    assert any(v.endswith("0") for v in written) and written != kept  # read back as written
    assert isinstance(sources[blank].triples, list)  # parsed: a second parse would relabel it
    assert isinstance(sources[listed].triples, list)  # a collection is made of blank nodes
    assert isinstance(sources[brackets].triples, LoadedGraph)
    assert len(sources[brackets].triples) == 2
    assert len(sources[twice].triples) == 1  # distinct, as the store holds them
    assert not any(isinstance(s.triples, LoadedGraph) for s in sources.values() if not s.is_users)


def _quads(path: Path) -> set[ox.Quad]:
    store = OxigraphStore(path)
    when = ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")  # the build's, the import's
    found = {q for q in store.store if getattr(q.object, "datatype", None) != when}
    store.close()
    return found


def _plain(quads: set[ox.Quad]) -> set[ox.Quad]:
    return {q for q in quads if not any(isinstance(t, ox.BlankNode) for t in q)}


def _built_alike(tmp_path: Path, files: list[Path], core_only: bool) -> set[ox.Quad]:
    """The store a build writes, the same whether the files are loaded or parsed (and the
    named queries' answers, the same bytes); its quads."""
    build(OxigraphStore(tmp_path / "loaded", writable=True), files, core_only=core_only)
    with pytest.MonkeyPatch.context() as m:
        parsed(m)
        build(OxigraphStore(tmp_path / "parsed", writable=True), files, core_only=core_only)
    a, b = _quads(tmp_path / "loaded"), _quads(tmp_path / "parsed")
    assert _plain(a) == _plain(b)
    for graph in {q.graph_name for q in a} | {q.graph_name for q in b}:
        # a packaged file's blank nodes are labelled anew by each parse: alike up to labels
        left, right = (rdflib_graph(q.triple for q in x if q.graph_name == graph) for x in (a, b))
        assert isomorphic(left, right), graph
    here, there = (OxigraphStore(tmp_path / name).answers() for name in ("loaded", "parsed"))
    assert here is not None and there is not None
    answers = sorted(p.relative_to(here) for p in here.rglob("*") if p.is_file())
    assert answers  # computed on the staging store
    assert answers == sorted(p.relative_to(there) for p in there.rglob("*") if p.is_file())
    for name in answers:
        assert (here / name).read_bytes() == (there / name).read_bytes(), name
    return a


def test_a_loaded_file_builds_the_store_a_parsed_one_builds(tmp_path: Path) -> None:
    # the bank's files name the graphs (a dataset description), and a file of the user's states
    # something about the dataset itself: set aside from the checks, then written
    about = tmp_path / "about.ttl"
    about.write_text(
        '<https://example.org/devbank/> <http://purl.org/dc/terms/description> "synthetic" .\n',
        encoding="utf-8",
    )
    files = [*sorted(BANK.glob("*.ttl")), about]
    loaded = load_sources(files, core_only=True)
    held = {s.path.name for s in loaded if isinstance(s.triples, LoadedGraph) and s.path}
    # all but dataset.ttl (it describes the dataset in VoID: parsed, so it names the graphs)
    assert held == {"devbank.ttl", "devbank-data.ttl", "about.ttl"}
    quads = _built_alike(tmp_path, files, core_only=True)
    assert any(q.predicate == ox.NamedNode(DCTERMS + "description") for q in quads)
    assert any(q.graph_name == ox.NamedNode(BUILD_GRAPH) for q in quads)


def test_a_loaded_synthetic_graph_builds_the_store_a_parsed_one_builds(
    tmp_path: Path, synthetic: Path
) -> None:
    assert len(_built_alike(tmp_path, [synthetic], core_only=False)) > 10_000


@pytest.mark.parametrize("path", INVALID + MISTAKES, ids=lambda p: p.name)
def test_a_loaded_files_findings_are_those_of_the_parsed_file(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def findings() -> list[tuple[str, ...]]:
        try:
            report = check_sources(load_sources([path]))
        except IODMError as e:  # refused as it is read: what a file may not state
            return [("refused", str(e))]
        return [
            (r.severity, r.focus_node, r.path, r.value, r.message, r.location, r.shape)
            for r in report.results
        ]

    loaded = findings()
    with monkeypatch.context() as m:
        parsed(m)
        assert findings() == loaded
    assert loaded  # each file breaks something


def test_the_checks_on_terms_find_in_a_loaded_file_what_they_find_in_a_parsed_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checks on terms screen a loaded file's distinct terms and its typings in the store
    (kg.pipeline.terms.Scan, _typings), then read it again to say where: each kind of finding,
    alike both ways."""
    path = tmp_path / "terms.ttl"
    path.write_text(
        """@prefix iodm: <https://w3id.org/iodm#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://example.org/study/> .
iodm:Official a owl:DeprecatedClass .
foaf:Person a skos:Concept .
ex:nobody a owl:Nothing .
ex:p1 a iodm:Official ; rdfs:label "P1" ; ex:shoeSize "42"^^xsd:integer .
ex:p2 a iodm:Offical ; rdfs:label "P2" ; ex:since "20x1"^^xsd:gYear .
""",
        encoding="utf-8",
    )

    alone = tmp_path / "alone.ttl"  # a property of the user's, undeclared, and nothing else
    alone.write_text(
        "<https://example.org/study/p1> a <https://w3id.org/iodm#Official> ;\n"
        '  <https://example.org/study/shoeSize> "42" .\n',
        encoding="utf-8",
    )

    def findings(path: Path) -> list[tuple[str, ...]]:
        sources = load_sources([path])
        held = [isinstance(s.triples, LoadedGraph) for s in sources if s.is_users]
        return [
            (str(held), r.severity, r.focus_node, r.path, r.value, r.message, r.location, r.shape)
            for r in check_sources(sources).results
            if r.shape.startswith("check:")
        ]

    loaded = {p: findings(p) for p in (path, alone)}
    with monkeypatch.context() as m:
        parsed(m)
        for p, found in loaded.items():
            assert [f[1:] for f in findings(p)] == [f[1:] for f in found]
    assert {f[0] for found in loaded.values() for f in found} == {"[True]"}
    found = {(f[7], f[2], f[6].rsplit(":", 1)[1]) for f in loaded[path]}
    assert {
        ("check:ontology-axiom", "iodm:Official", "8"),
        ("check:ontology-axiom", "foaf:Person", "9"),
        ("check:owl-nothing", "ex:nobody", "10"),
        ("check:undeclared-property", "ex:p1", "11"),
        ("check:unknown-term", "ex:p2", "12"),
        ("check:ill-typed-literal", "ex:p2", "12"),
    } <= found
    assert [f[7] for f in loaded[alone]] == ["check:undeclared-property"]


def _sources(path: Path) -> list[Source]:
    try:
        return load_sources([path])
    except IODMError:
        return parse_all(extra_files([path]), into=ox.Store())


def test_most_invalid_examples_are_loaded_by_the_store() -> None:
    """The test above compares something: most of its files take the store's way in."""
    held = [
        p
        for p in INVALID + MISTAKES
        if any(isinstance(s.triples, LoadedGraph) for s in _sources(p) if s.is_users)
    ]
    assert len(held) >= len(INVALID + MISTAKES) // 2, held
