"""Coding sheets: the template is generated from the model, and rows map to located, sourced RDF.

The example used throughout is the fictional Lakeland study (examples/lakeland-study), coded as a
CSV folder and as a workbook.
"""

from __future__ import annotations

import csv
import shutil
import zipfile
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.core.namespaces import expand
from kg.pipeline.sheets.read import load, read_tables
from kg.pipeline.sheets.spec import sheet_specs
from kg.pipeline.sheets.template import write_template
from kg.pipeline.validate import ValidationFailed

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "lakeland-study"
CODING = EXAMPLE / "coding"
NS = "https://example.org/lakeland-study/"


def copy_example(tmp_path: Path) -> Path:
    folder = tmp_path / "coding"
    shutil.copytree(CODING, folder)
    return folder


def edit(folder: Path, sheet: str, row: int, column: str, value: str) -> None:
    """Set one cell of a CSV sheet (row as a spreadsheet numbers it: the header is row 1)."""
    path = folder / f"{sheet}.csv"
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    rows[row - 1][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def problems(folder: Path) -> list[tuple[str, str, str]]:
    """(where, rule, message) of every problem the reader finds."""
    with pytest.raises(ValidationFailed) as caught:
        load(folder)
    return [(r.location, r.shape, r.message) for r in caught.value.report.results]


# --- the template --------------------------------------------------------------------------


def test_the_workbook_has_a_sheet_per_kind_with_notes_and_dropdowns(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "coding.xlsx"
    write_template(out)
    book = load_workbook(out)
    specs = sheet_specs()
    assert book.sheetnames == ["README", "dataset", "lists", *(s.name for s in specs)]
    assert book["lists"].sheet_state == "hidden"
    responses = book["responses"]
    header = [c.value for c in responses[1]]
    assert header == [c.header for c in next(s for s in specs if s.name == "responses").columns]
    option = responses.cell(row=1, column=header.index("option") + 1)
    assert option.font.bold, "a required column's header is bold"
    assert "iodm:hasResponseOption" in option.comment.text
    assert "Required." in option.comment.text
    ranges = {str(r) for v in responses.data_validations.dataValidation for r in v.sqref.ranges}
    letter = option.column_letter
    assert f"{letter}2:{letter}1048576" in ranges
    lists = book["lists"]
    listed = {c.value for col in lists.iter_cols() for c in col}
    assert {"quiet diplomacy", "naming and shaming", "conciliation", "TRUE"} <= listed


def test_a_core_only_template_has_no_peacekeeping_terms(tmp_path: Path) -> None:
    written = write_template(tmp_path / "folder", core_only=True)
    assert {p.name for p in written} >= {"README.md", "dataset.csv", "responses.csv"}
    text = "\n".join(p.read_text(encoding="utf-8") for p in written)
    assert "pko:" not in text and "head of mission post" not in text
    assert "quiet diplomacy" in text


def test_the_template_refuses_to_overwrite_a_filled_workbook(tmp_path: Path) -> None:
    from kg.core.errors import UsageError

    out = tmp_path / "coding.xlsx"
    write_template(out)
    with pytest.raises(UsageError, match="--force"):
        write_template(out)


def test_every_property_a_shape_requires_has_a_column() -> None:
    """The template follows the shapes: a property a shape requires of a sheet's class (or of
    one of the kinds its `type` column offers) must be a column of that sheet, or an inverse
    column elsewhere. A new required property in the shapes fails here until it is mapped."""
    from kg.pipeline.load import packaged_files, parse_all
    from kg.store import OxigraphStore

    store = OxigraphStore()
    for source in parse_all([f for f in packaged_files() if f[2] != "data"]):
        store.add(source.triples, source.graph)
    required = store.select(
        "PREFIX sh: <http://www.w3.org/ns/shacl#> "
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT DISTINCT ?target ?path WHERE { "
        "{ ?shape sh:targetClass ?target ; sh:property ?ps . ?ps sh:path ?path ; sh:minCount ?n } "
        "UNION { ?shape sh:targetClass ?target ; sh:path ?path ; sh:minCount ?n } "
        "FILTER(?n >= 1 && isIRI(?path)) }"
    ).rows
    specs = sheet_specs()
    inverse = {c.prop for s in specs for c in s.columns if c.inverse}
    unmapped = []
    for target, path in required:
        for spec in specs:
            kinds = {spec.cls, *spec.types}
            if target.value not in kinds:
                continue
            mapped = {c.prop for c in spec.columns if not c.inverse}
            if path.value not in mapped and path.value not in inverse:
                unmapped.append((spec.name, target.value, path.value))
    assert not unmapped, f"required by a shape, but no column maps it: {unmapped}"
    covered = {t.value for t, _ in required} & {k for s in specs for k in (s.cls, *s.types)}
    assert expand("iodm:Response") in covered and expand("iodm:Interview") in covered


# --- reading and mapping ---------------------------------------------------------------------


def test_the_example_maps_to_one_graph_per_sheet_and_coder() -> None:
    sources = load(CODING)
    graphs = {s.graph.removeprefix(f"{NS}graph/coding/") for s in sources}
    assert {"places", "responses/coder/ana", "responses/coder/ben"} <= graphs
    assert "responses/coder/consensus" in graphs
    responses_ben = next(s for s in sources if s.graph.endswith("responses/coder/ben"))
    option = ox.NamedNode(expand("iodm:hasResponseOption"))
    north = ox.NamedNode(f"{NS}id/response-protest-north")
    assert [
        t.object.value for t in responses_ben.triples if (t.subject, t.predicate) == (north, option)
    ] == ["https://w3id.org/iodm/id/response-option/public-criticism"]
    coding = ox.NamedNode(f"{NS}coding/response-protest-north/ben")
    facts = {
        (t.predicate.value, t.object.value) for t in responses_ben.triples if t.subject == coding
    }
    assert (expand("iodm:codes"), north.value) in facts
    assert (expand("iodm:confidence"), "https://w3id.org/iodm/id/confidence/low") in facts
    assert (expand("skos:note"), "Unsure whether the briefing was public.") in facts
    assert (expand("iodm:sourceRow"), "5") in facts
    where = responses_ben.locate(north.value)
    assert where is not None and str(where) == "coding/responses.csv › A5 (id)"


def test_iris_are_stable_across_imports() -> None:
    first = {s.graph: sorted(map(str, s.triples)) for s in load(CODING)}
    second = {s.graph: sorted(map(str, s.triples)) for s in load(CODING)}
    assert first == second


def test_the_workbook_and_the_csv_folder_give_the_same_triples() -> None:
    def triples(path: Path) -> set[str]:
        return {str(t) for s in load(path) for t in s.triples}

    assert (EXAMPLE / "lakeland-coding.xlsx").read_bytes()[:2] == b"PK"
    assert triples(EXAMPLE / "lakeland-coding.xlsx") == triples(CODING)


def test_imprecise_dates_keep_only_the_precision_they_warrant() -> None:
    holdings = next(s for s in load(CODING) if s.graph.endswith("holdings/coder/ana"))
    start = ox.NamedNode(expand("iodm:startDate"))
    by_subject = {
        t.subject.value.rsplit("/", 1)[-1]: t.object
        for t in holdings.triples
        if t.predicate == start
    }
    assert by_subject["holding-amara"] == ox.Literal(
        "2017-03", datatype=ox.NamedNode(expand("xsd:gYearMonth"))
    )
    # "c. 2016": the year, marked approximate on the coding
    assert by_subject["holding-bruno"] == ox.Literal(
        "2016", datatype=ox.NamedNode(expand("xsd:gYear"))
    )
    # "2019-01/2019-06": only the year both ends share
    assert by_subject["holding-chen"] == ox.Literal(
        "2019", datatype=ox.NamedNode(expand("xsd:gYear"))
    )
    qualification = ox.NamedNode(f"{NS}coding/holding-chen/ana/start")
    facts = {
        (t.predicate.value, t.object.value) for t in holdings.triples if t.subject == qualification
    }
    assert (expand("iodm:earliest"), "2019-01") in facts and (
        expand("iodm:latest"),
        "2019-06",
    ) in facts
    bruno = ox.NamedNode(f"{NS}coding/holding-bruno/ana/start")
    assert (expand("iodm:approximate"), "true") in {
        (t.predicate.value, t.object.value) for t in holdings.triples if t.subject == bruno
    }


def test_a_date_range_wider_than_a_year_states_no_date(tmp_path: Path) -> None:
    folder = copy_example(tmp_path)
    edit(folder, "holdings", 4, "start", "2018/2019")
    holdings = next(s for s in load(folder) if s.graph.endswith("holdings/coder/ana"))
    chen = ox.NamedNode(f"{NS}id/holding-chen")
    assert not [
        t
        for t in holdings.triples
        if t.subject == chen and t.predicate.value == expand("iodm:startDate")
    ]


@pytest.mark.parametrize(
    ("sheet", "row", "column", "value", "where", "rule", "says"),
    [
        (
            "violations",
            2,
            "date",
            "14/09/2020",
            "coding/violations.csv › G2 (date)",
            "sheet:bad-date",
            "YYYY-MM-DD",
        ),
        (
            "violations",
            3,
            "date",
            "2021-02-30",
            "coding/violations.csv › G3 (date)",
            "sheet:bad-date",
            "YYYY",
        ),
        (
            "responses",
            2,
            "option",
            "quiet diplomcy",
            "coding/responses.csv › D2 (option)",
            "sheet:unknown-value",
            "did you mean 'quiet diplomacy'",
        ),
        (
            "responses",
            2,
            "violation",
            "violation-protets",
            "coding/responses.csv › C2 (violation)",
            "sheet:unknown-reference",
            "did you mean 'violation-protest'",
        ),
        (
            "responses",
            2,
            "respondent",
            "official-amara;places",
            "coding/responses.csv › E2 (respondent)",
            "sheet:unknown-reference",
            "'places'",
        ),
        (
            "responses",
            2,
            "public",
            "maybe",
            "coding/responses.csv › F2 (public)",
            "table:type-error",
            "TRUE or FALSE",
        ),
        (
            "responses",
            2,
            "coder",
            "",
            "coding/responses.csv › M2 (coder)",
            "sheet:no-coder",
            "who coded this row",
        ),
        (
            "responses",
            2,
            "id",
            "response protest",
            "coding/responses.csv › A2 (id)",
            "table:constraint-error",
            "no spaces",
        ),
        (
            "places",
            3,
            "lat",
            "three",
            "coding/places.csv › F3 (lat)",
            "table:type-error",
            "a number",
        ),
        (
            "places",
            2,
            "label",
            "",
            "coding/places.csv › B2 (label)",
            "table:constraint-error",
            "required",
        ),
        (
            "places",
            3,
            "id",
            "lakeland",
            "coding/places.csv › A3 (id)",
            "sheet:duplicate-id",
            "rows 2 and 3",
        ),
    ],
)
def test_a_bad_cell_is_located_and_says_what_to_do(
    tmp_path: Path, sheet: str, row: int, column: str, value: str, where: str, rule: str, says: str
) -> None:
    folder = copy_example(tmp_path)
    edit(folder, sheet, row, column, value)
    found = problems(folder)
    assert any(w == where and r == rule and says in m for w, r, m in found), found


def test_an_unknown_column_or_sheet_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    folder = copy_example(tmp_path)
    edit(folder, "responses", 1, "option", "optoin")
    (folder / "reponses.csv").write_text("id,label\n", encoding="utf-8")
    found = problems(folder)
    messages = " | ".join(m for _, _, m in found)
    assert "unknown column 'optoin'" in messages and "did you mean 'option'" in messages
    assert "unknown sheet 'reponses'" in messages and "did you mean 'responses'" in messages
    assert ("coding/responses.csv › D1 (optoin)", "sheet:unknown-column") in {
        (w, r) for w, r, _ in found
    }


def test_every_problem_of_every_sheet_is_reported_at_once(tmp_path: Path) -> None:
    folder = copy_example(tmp_path)
    edit(folder, "violations", 2, "norm", "human rigths")
    edit(folder, "responses", 3, "option", "quiet diplomcy")
    edit(folder, "holdings", 2, "post", "post-nowhere")
    rules = [r for _, r, _ in problems(folder)]
    assert rules.count("sheet:unknown-value") == 2 and "sheet:unknown-reference" in rules


def test_the_dataset_sheet_must_give_a_namespace(tmp_path: Path) -> None:
    folder = copy_example(tmp_path)
    edit(folder, "dataset", 2, "value", "lakeland study")
    assert [(w, r) for w, r, _ in problems(folder)] == [
        ("coding/dataset.csv › B2 (value)", "sheet:bad-namespace")
    ]


def test_a_workbook_cell_is_located_by_sheet_and_cell(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    book = load_workbook(EXAMPLE / "lakeland-coding.xlsx")
    book["violations"]["G2"] = "14/09/2020"
    path = tmp_path / "coded.xlsx"
    book.save(path)
    found = problems(path)
    assert ("coded.xlsx › violations › G2 (date)", "sheet:bad-date") in {
        (w, r) for w, r, _ in found
    }


def test_a_broken_workbook_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    from kg.core.errors import InvalidDataError

    path = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    with pytest.raises(InvalidDataError, match=r"not a readable \.xlsx workbook"):
        read_tables(path)
