"""Misspelt terms are caught: a class or property of a vocabulary IODM knows that it does not
define is a violation with a suggestion; a property of the user's own namespace that nothing
declares, on a thing of a known class, is a warning. Both located at their first use."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.cli import main
from kg.core.errors import EXIT_INVALID
from kg.pipeline.load import parse_file
from kg.pipeline.terms import UNDECLARED_PROPERTY, UNKNOWN_TERM, term_results
from kg.pipeline.validate import ValidationResult

BANK = Path(__file__).resolve().parents[2] / "examples" / "development-bank"
HEAD = (
    "@prefix iodm: <https://w3id.org/iodm#> .\n"
    "@prefix org: <http://www.w3.org/ns/org#> .\n"
    "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
    "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
    "@prefix ex: <https://example.org/study/> .\n"
)  # 7 lines: the body starts on line 8


def results(tmp_path: Path, body: str, role: str = "extra") -> list[ValidationResult]:
    path = tmp_path / "mine.ttl"
    path.write_text(HEAD + body, encoding="utf-8")
    return term_results([parse_file(path, path.as_uri(), role)])


def one(found: list[ValidationResult]) -> ValidationResult:
    assert len(found) == 1, [r.message for r in found]
    return found[0]


def test_a_misspelt_iodm_property_is_a_located_violation_with_a_suggestion(tmp_path: Path) -> None:
    r = one(results(tmp_path, "ex:r a iodm:Response ;\n  iodm:isPublc false .\n"))
    assert (r.severity, r.shape) == ("Violation", UNKNOWN_TERM)
    assert r.message == "iodm:isPublc: no such property in IODM; did you mean iodm:isPublic?"
    assert r.location.endswith("mine.ttl:9")
    assert (r.path, r.value) == ("iodm:isPublc", "false")


def test_a_misspelt_org_property_is_caught(tmp_path: Path) -> None:
    r = one(results(tmp_path, "ex:a a iodm:Post .\nex:b a iodm:Post ; org:reportTo ex:a .\n"))
    assert r.message.startswith("org:reportTo: no such property in the W3C Organization")
    assert r.message.endswith("did you mean org:reportsTo?")
    assert r.location.endswith("mine.ttl:9")


def test_a_misspelt_class_is_checked_against_classes(tmp_path: Path) -> None:
    r = one(results(tmp_path, "\nex:r a iodm:Reponse .\n"))
    assert r.message == "iodm:Reponse: no such class in IODM; did you mean iodm:Response?"
    assert r.location.endswith("mine.ttl:9") and r.path == "rdf:type"


def test_a_term_of_another_vocabulary_is_suggested(tmp_path: Path) -> None:
    r = one(results(tmp_path, "ex:b a iodm:Post ; iodm:reportsTo ex:a .\n"))
    assert "did you mean" in r.message and "org:reportsTo" in r.message


def test_a_class_used_as_a_property_says_so(tmp_path: Path) -> None:
    r = one(results(tmp_path, "ex:b iodm:Post ex:a .\n"))
    assert r.message == "iodm:Post is a class in IODM, not a property"


def test_misspelt_individuals_and_datatypes_are_caught(tmp_path: Path) -> None:
    found = results(
        tmp_path,
        "ex:i a iodm:Interview ;\n  iodm:anonymity iodm:Anonymus ;\n"
        '  iodm:occurredOn "2020"^^xsd:gyear .\n',
    )
    messages = sorted(r.message for r in found)
    assert messages == [
        "iodm:Anonymus: no such term in IODM; did you mean iodm:Anonymous?",
        "xsd:gyear: no such datatype in XML Schema datatypes (xsd:); did you mean xsd:gYear?",
    ]


def test_what_is_fine_is_not_flagged(tmp_path: Path) -> None:
    body = (
        "ex:r a iodm:Response , <https://w3id.org/iodm/id/response-option/quiet-diplomacy> ;\n"
        "  iodm:isPublic false ;\n"
        "  dcterms:source <http://purl.org/dc/terms/some/page> ;\n"  # a link, not a term
        "  rdfs:seeAlso <https://schema.org/docs/faq.html> ;\n"
        '  ex:note "mine" ;\n'  # own namespace, but ex:r is typed only… see below
        "  owl:sameAs ex:x .\n"
        "ex:Mine rdfs:subClassOf iodm:Post .\n"
    )
    found = results(tmp_path, body)
    # ex:note is undeclared on a known class: the only result, a warning
    assert [(r.severity, r.shape, r.value) for r in found] == [
        ("Warning", UNDECLARED_PROPERTY, "mine")
    ]


def test_an_undeclared_own_property_on_a_known_class_is_a_warning(tmp_path: Path) -> None:
    body = (
        "ex:Office rdfs:subClassOf iodm:CountryOffice .\n"  # 8
        "ex:budget a owl:DatatypeProperty .\n"  # 9
        "ex:o a ex:Office ;\n"  # 10
        '  ex:budget "1" ;\n'  # 11
        '  ex:budgte "2" .\n'  # 12: under a subclass of a known class
        'ex:thing ex:colour "red" .\n'  # 13: not of a known class: nothing to say
    )
    r = one(results(tmp_path, body))
    assert (r.severity, r.shape) == ("Warning", UNDECLARED_PROPERTY)
    assert r.message.startswith("<https://example.org/study/budgte>: this property is not declared")
    assert "declare it in your extension ontology" in r.message
    assert r.location.endswith("mine.ttl:12")


def test_packaged_files_are_not_checked(tmp_path: Path) -> None:
    assert results(tmp_path, "ex:r iodm:isPublc false .\n", role="data") == []


def test_the_build_names_both_misspellings_with_suggestions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (BANK / "devbank-data.ttl").read_text(encoding="utf-8")
    typo = tmp_path / "typo.ttl"
    typo.write_text(
        text.replace("iodm:isPublic false", "iodm:isPublc false").replace(
            "org:reportsTo", "org:reportTo", 1
        ),
        encoding="utf-8",
    )
    lines = typo.read_text(encoding="utf-8").splitlines()
    public = next(i for i, x in enumerate(lines, 1) if "iodm:isPublc" in x)
    reports = next(i for i, x in enumerate(lines, 1) if "org:reportTo " in x)
    code = main(
        ["--store", "memory:", "build", "-q", "--core-only", str(BANK / "devbank.ttl"), str(typo)]
    )
    err = capsys.readouterr().err
    assert code == EXIT_INVALID
    assert (
        f"{typo}:{public}: iodm:isPublc: no such property in IODM; did you mean iodm:isPublic?"
        in err
    )
    assert f"{typo}:{reports}: org:reportTo: no such property" in err
    assert "did you mean org:reportsTo?" in err


def test_iodm_check_finds_a_misspelt_term_in_a_stored_graph(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A store built before terms were checked may hold one: `iodm check` says so."""
    import pyoxigraph as ox

    from kg.pipeline.build import build
    from kg.pipeline.load import USER_GRAPHS
    from kg.store import OxigraphStore

    mine = tmp_path / "mine.ttl"
    mine.write_text(HEAD + 'ex:p a iodm:Post ; rdfs:label "P" .\n', encoding="utf-8")
    store = OxigraphStore(tmp_path / "store", writable=True)
    build(store, [mine], core_only=True)
    post = ox.NamedNode("https://example.org/study/p")
    store.add(
        [ox.Triple(post, ox.NamedNode("https://w3id.org/iodm#isPublc"), ox.Literal("x"))],
        USER_GRAPHS + "mine.ttl",
    )
    store.close()
    code = main(["--store", f"oxigraph:{tmp_path / 'store'}", "check"])
    out = capsys.readouterr().out
    assert code == EXIT_INVALID
    assert "FAIL unknown-term" in out and "did you mean iodm:isPublic?" in out
    assert "ok   ill-typed-literal" in out
