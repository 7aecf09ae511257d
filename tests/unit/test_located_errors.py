"""Every result of build and validate says where (file:line, or file › sheet › cell) and what to
do: the line scanner, Source.locate, ill-typed literals, the report's where column and CSV, a
failed build's own listing, and coding sheets wired into loading."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.cli import main
from kg.core.errors import EXIT_INVALID, Location, UsageError
from kg.core.namespaces import BUILD_GRAPH, XSD, iodm, prov, rdf, rdfs
from kg.pipeline import sheets
from kg.pipeline.build import build, check_sources, load_sources
from kg.pipeline.load import Locator, Source, extra_files, packaged_files, parse_all, parse_file
from kg.pipeline.locate import scan

BANK = Path(__file__).resolve().parents[2] / "examples" / "development-bank"
EX = "https://example.org/study/"
HEAD = (
    "@prefix iodm: <https://w3id.org/iodm#> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
    f"@prefix ex: <{EX}> .\n"
)


def parsed(tmp_path: Path, text: str, name: str = "mine.ttl") -> Source:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return parse_file(path, path.as_uri(), "extra")


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


# --- Location ------------------------------------------------------------------------------------


def test_a_location_prints_as_file_line_or_as_file_sheet_cell() -> None:
    assert str(Location("a.ttl")) == "a.ttl"
    assert str(Location("a.ttl", 3)) == "a.ttl:3"
    assert str(Location("a.ttl", 3, 7)) == "a.ttl:3:7"
    cell = Location("coding.xlsx", sheet="responses", cell="C14", header="option")
    assert str(cell) == "coding.xlsx › responses › C14 (option)"
    assert str(Location("coding.xlsx", sheet="responses")) == "coding.xlsx › responses"


# --- the scanner -------------------------------------------------------------------------------


def test_the_scanner_finds_each_subjects_first_statement() -> None:
    text = (
        '# a comment with a "quote and a <bracket\n'  # 1
        "@base <https://example.org/base/> .\n"  # 2
        "PREFIX ex: <https://example.org/study/>\n"  # 3
        "@prefix : <https://example.org/empty#> .\n"  # 4
        "ex:a a ex:C ;\n"  # 5
        '    rdfs:comment """two\n'  # 6
        'lines""" ;\n'  # 7
        "    ex:p [ ex:q ex:inner ] .\n"  # 8
        "<relative>\n"  # 9
        "    ex:p ( ex:x ex:y ) .\n"  # 10
        "[ ex:p ex:hidden ] ex:q ex:z .\n"  # 11
        ":e ex:p 'it''s' , 1.5 , true .\n"  # 12
        "ex:a ex:again ex:b.\n"  # 13
        "ex:esc\\.aped ex:p ex:o .\n"  # 14
    )
    found = scan(text, "https://example.org/file.ttl")
    assert found.subjects == {
        EX + "a": 5,
        "https://example.org/base/relative": 9,
        "https://example.org/empty#e": 12,
        EX + "esc.aped": 14,
    }
    assert found.mentions[EX + "inner"] == 8  # objects and nested terms are mentions only
    assert found.mentions[EX + "hidden"] == 11 and EX + "hidden" not in found.subjects
    assert found.mentions[EX + "again"] == 13
    assert found.mentions["http://www.w3.org/1999/02/22-rdf-syntax-ns#type"] == 5  # `a`
    assert found.prefixes["ex"] == EX


def test_the_scanner_reads_n_triples() -> None:
    text = (
        f'<{EX}a> <{EX}p> "x\\"y" .\n'
        f"<{EX}b> <{EX}p> <{EX}a> .\n"
        f"_:n <{EX}p> <{EX}c> .\n"
        f'<{EX}c> <{EX}p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
    )
    found = scan(text)
    assert found.subjects == {EX + "a": 1, EX + "b": 2, EX + "c": 4}


def test_a_source_locates_lazily_and_prefers_what_its_reader_recorded(tmp_path: Path) -> None:
    source = parsed(tmp_path, HEAD + "\nex:a a iodm:Post ;\n  rdfs:label 'A' .\nex:b ex:p ex:a .\n")
    assert source._positions is None  # nothing scanned until a result needs a line
    assert source.locate(EX + "a") == Location(str(source.path), 6)
    assert source.locate(EX + "b") == Location(str(source.path), 8)
    assert source.locate(EX + "nothing") is None
    assert source.locate_use(iodm.Post) == Location(str(source.path), 6)
    source.locations[EX + "a"] = Location("coding.xlsx", sheet="posts", cell="A3", header="id")
    assert str(source.locate(EX + "a")) == "coding.xlsx › posts › A3 (id)"


def test_a_blank_node_is_located_through_the_subject_that_points_to_it(tmp_path: Path) -> None:
    source = parsed(tmp_path, HEAD + "\n\nex:a ex:p [ ex:q [ ex:r 1 ] ] .\n")
    inner = next(t.subject for t in source.triples if t.predicate.value == EX + "r")
    assert Locator([source])(inner) == Location(str(source.path), 7)


# --- ill-typed literals ------------------------------------------------------------------------


def core_and(*paths: Path) -> list[Source]:
    return parse_all([*packaged_files(core_only=True), *extra_files(paths)])


def test_a_bad_date_is_one_located_error_not_also_a_false_violation(tmp_path: Path) -> None:
    """The bank's norm violation dated "12/04/2021": the date check would call its response
    'dated before the norm violation'; the report says only what is wrong, and where."""
    text = (BANK / "devbank-data.ttl").read_text(encoding="utf-8")
    bad = tmp_path / "date.ttl"
    bad.write_text(text.replace('"2021-04-12"^^xsd:date', '"12/04/2021"^^xsd:date', 1))
    report = check_sources(core_and(BANK / "devbank.ttl", bad))
    assert not report.conforms
    violations = [r for r in report.results if r.severity == "Violation"]
    assert [r.shape for r in violations] == ["check:ill-typed-literal"]
    (result,) = violations
    assert result.location == f"{bad}:{line_of(bad, '12/04/2021')}"
    assert result.message.startswith('"12/04/2021" is not a valid xsd:date')
    assert "write it as YYYY-MM-DD (or YYYY-MM with xsd:gYearMonth, YYYY with xsd:gYear)" in (
        result.message
    )
    assert result.path == "iodm:occurredOn" and result.value == "12/04/2021"


@pytest.mark.parametrize(
    ("literal", "valid"),
    [
        ('"2021-04-12"^^xsd:date', True),
        ('"2021-02-30"^^xsd:date', False),  # no such day
        ('"2021-02-29"^^xsd:date', False),  # not a leap year
        ('"2020-02-29"^^xsd:date', True),
        ('"2021-04-12T10:00:00+02:00"^^xsd:dateTime', True),
        ('"99"^^xsd:positiveInteger', True),
        ('"2021-13"^^xsd:gYearMonth', False),
        ('"2021"^^xsd:gYear', True),
        ('"21"^^xsd:gYear', False),
        ('"2021-04-12"^^xsd:dateTime', False),
        ('"twelve"^^xsd:integer', False),
        ('"1_000"^^xsd:integer', False),
        ('"1,5"^^xsd:decimal', False),
        ('"0"^^xsd:positiveInteger', False),
        ('"0"^^xsd:nonNegativeInteger', True),
        ('"-1"^^xsd:nonNegativeInteger', False),
        ('"maybe"^^xsd:boolean', False),
        ('"1.5E3"^^xsd:double', True),
        ('"abc"^^xsd:double', False),
    ],
)
def test_each_xsd_datatype_iodm_uses_is_checked(tmp_path: Path, literal: str, valid: bool) -> None:
    from kg.pipeline.terms import ill_typed

    source = parsed(tmp_path, HEAD + f"ex:a ex:p {literal} .\n")
    assert (ill_typed([source]) == []) is valid


def test_every_datatype_checked_has_a_hint() -> None:
    from kg.pipeline.terms import _SURELY_VALID, LEXICAL_HINTS

    assert {XSD + name for name in LEXICAL_HINTS} == set(_SURELY_VALID)


def test_all_bad_literals_of_all_files_are_reported_at_once(tmp_path: Path) -> None:
    from kg.pipeline.terms import ill_typed, ill_typed_results

    one = parsed(tmp_path, HEAD + 'ex:a ex:n "x"^^xsd:integer ;\n  ex:d "y"^^xsd:date .\n', "1.ttl")
    two = parsed(tmp_path, HEAD + '\nex:b ex:b "no"^^xsd:boolean .\n', "2.ttl")
    found = ill_typed_results(ill_typed([one, two]))
    assert sorted(r.location for r in found) == [f"{one.path}:5", f"{one.path}:6", f"{two.path}:6"]


def test_a_bad_literal_prints_no_traceback_and_no_rdflib_warning(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        HEAD
        + 'ex:i a iodm:Interview ; rdfs:label "x" ;\n  iodm:occurredOn "05/06/2019"^^xsd:date .'
    )
    code = (
        "import sys; from kg.cli import main; "
        f"sys.exit(main(['--store', 'memory:', 'build', '-q', '--core-only', {str(bad)!r}]))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == EXIT_INVALID
    assert "Traceback" not in run.stderr and "Failed to convert" not in run.stderr
    assert f'{bad}:6: "05/06/2019" is not a valid xsd:date' in run.stderr


# --- the report: where column, JSON, CSV, a failed build's listing -----------------------------


def test_validate_shows_where_in_the_table_json_and_errors_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    mine = tmp_path / "mine.ttl"
    mine.write_text(HEAD + "\nex:p a iodm:Post .\n", encoding="utf-8")  # no label
    errors = tmp_path / "out" / "errors.csv"
    code = main(["validate", "--core-only", str(mine), "--errors", str(errors)])
    out = capsys.readouterr().out
    assert code == EXIT_INVALID
    assert out.splitlines()[0].split()[0] == "where"
    assert f"{mine}:6" in out
    rows = list(csv.DictReader(io.StringIO(errors.read_text(encoding="utf-8"))))
    assert list(rows[0]) == ["where", "severity", "rule", "focus", "path", "value", "message"]
    label = next(r for r in rows if r["path"] == "rdfs:label")
    assert label["where"] == f"{mine}:6" and label["focus"] == "ex:p"
    assert label["rule"] == "shapes:LabelRequiredShape" and label["severity"] == "Violation"
    assert oct(errors.stat().st_mode & 0o777) == "0o644"
    main(["validate", "--core-only", "--format", "json", str(mine)])
    results = json.loads(capsys.readouterr().out)["results"]
    assert {r["location"] for r in results} == {f"{mine}:6"}


def test_a_failed_build_lists_its_results_and_writes_them_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = tmp_path / "mine.ttl"
    mine.write_text(HEAD + "".join(f"ex:p{i} a iodm:Post .\n" for i in range(25)), encoding="utf-8")
    errors = tmp_path / "errors.csv"
    code = main(
        ["--store", "memory:", "build", "-q", "--core-only", str(mine), "--errors", str(errors)]
    )
    err = capsys.readouterr().err
    assert code == EXIT_INVALID
    assert "the data breaks 25 constraints" in err
    assert f"{mine}:5: This resource has no rdfs:label" in err  # where: what to do
    assert "rule shapes:LabelRequiredShape; focus ex:p0; path rdfs:label" in err
    assert err.count("This resource has no rdfs:label") == 20
    assert "… and 5 more results" in err and "iodm validate" in err
    assert len(errors.read_text(encoding="utf-8").splitlines()) == 26  # header + every result


def test_a_parse_error_also_goes_to_the_errors_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text(HEAD + 'ex:a ex:b "oops .\n', encoding="utf-8")
    errors = tmp_path / "errors.csv"
    code = main(["--store", "memory:", "build", "-q", str(broken), "--errors", str(errors)])
    assert code == EXIT_INVALID and f"{broken}:5:" in capsys.readouterr().err
    (row,) = csv.DictReader(io.StringIO(errors.read_text(encoding="utf-8")))
    assert row["where"].startswith(f"{broken}:5:") and row["rule"] == "parse:syntax"


# --- coding sheets wired into loading ------------------------------------------------------------


def fake_sheets(path: Path, progress: object = None) -> list[Source]:
    """What kg.pipeline.sheets.load_sheets gives: a source per sheet, located by cell."""
    graph = f"{EX}graph/{path.stem}/posts"
    post = ox.NamedNode(EX + "id/P1")
    source = Source(
        path,
        graph,
        "extra",
        [ox.Triple(post, ox.NamedNode(rdf.type), ox.NamedNode(iodm.Post))],  # no label
        locations={post.value: Location(path.name, sheet="posts", cell="A2", header="id")},
        provenance=[
            ox.Triple(
                ox.NamedNode(graph),
                ox.NamedNode(prov.wasAttributedTo),
                ox.NamedNode(EX + "coder/A"),
            )
        ],
    )
    other = Source(path, f"{EX}graph/{path.stem}/places", "extra", [])
    return [source, other]


@pytest.mark.parametrize("name", ["coding.xlsx", "posts.csv", "folder"])
def test_workbooks_csv_files_and_folders_are_read_as_sheets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setattr(sheets, "load_sheets", fake_sheets)
    path = tmp_path / name
    if name == "folder":
        path.mkdir()
        (path / "posts.csv").write_text("id\nP1\n", encoding="utf-8")
    else:
        path.write_bytes(b"")
    found = [s for s in load_sources([path], core_only=True) if s.is_users]
    assert [s.graph for s in found] == [
        f"{EX}graph/{path.stem}/posts",
        f"{EX}graph/{path.stem}/places",
    ]
    report = check_sources([*load_sources(core_only=True), *found])
    label = next(r for r in report.results if r.path == "rdfs:label")
    assert label.location == f"{path.name} › posts › A2 (id)"


def test_a_folder_without_csv_files_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="folder without CSV files"):
        extra_files([tmp_path])


def test_a_sheets_provenance_goes_to_the_build_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kg.store import OxigraphStore

    def labelled(path: Path, progress: object = None) -> list[Source]:
        found = fake_sheets(path, progress)
        post = found[0].triples[0].subject
        found[0].triples.append(ox.Triple(post, ox.NamedNode(rdfs.label), ox.Literal("P1")))
        return found

    monkeypatch.setattr(sheets, "load_sheets", labelled)
    book = tmp_path / "coding.xlsx"
    book.write_bytes(b"")
    store = OxigraphStore()
    build(store, [book], core_only=True)
    graph = ox.NamedNode(f"{EX}graph/coding/posts")
    manifest = [q.triple for q in store.quads(BUILD_GRAPH)]
    assert ox.Triple(graph, ox.NamedNode(prov.wasAttributedTo), ox.NamedNode(EX + "coder/A")) in (
        manifest
    )


def test_help_of_build_and_validate_mentions_sheets(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("build", "validate"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = capsys.readouterr().out
        assert "sheets" in out and "--errors" in out


def test_validate_shows_problems_found_while_reading_sheets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kg.pipeline.validate import ValidationFailed, ValidationReport, ValidationResult

    def refused(path: Path, progress: object = None) -> list[Source]:
        cell = Location(path.name, sheet="responses", cell="C14", header="option")
        problem = ValidationResult(
            "Violation", "", "", "maybe", "not an option", "map:unknown-concept", "", str(cell)
        )
        raise ValidationFailed(ValidationReport(False, [problem]))

    monkeypatch.setattr(sheets, "load_sheets", refused)
    book = tmp_path / "coding.xlsx"
    book.write_bytes(b"")
    code = main(["validate", "--format", "csv", str(book)])
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert code == EXIT_INVALID
    assert [(r["where"], r["rule"], r["value"]) for r in rows] == [
        ("coding.xlsx › responses › C14 (option)", "map:unknown-concept", "maybe")
    ]
    code = main(["--store", "memory:", "build", "-q", str(book)])
    assert code == EXIT_INVALID
    assert "coding.xlsx › responses › C14 (option): not an option" in capsys.readouterr().err


def test_a_file_without_lines_is_still_named(tmp_path: Path) -> None:
    from kg.pipeline.terms import term_results

    doc = tmp_path / "mine.jsonld"
    doc.write_text(
        '{"@id": "https://example.org/study/r", "@type": "https://w3id.org/iodm#Reponse"}',
        encoding="utf-8",
    )
    source = parse_file(doc, doc.as_uri(), "extra")
    (result,) = term_results([source])
    assert result.location == str(doc)
    assert Locator([source]).locate(EX + "r") == Location(str(doc))
