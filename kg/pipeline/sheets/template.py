"""`iodm template`: the coding workbook (or CSV folder), generated from the sheet kinds.

Nothing here is kept by hand: the sheets, their columns, which are required, their notes and
their dropdowns come from :func:`kg.pipeline.sheets.spec.sheet_specs` (the mapping completed
from the shapes, the ontology and the vocabularies).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from kg import __version__
from kg.core.errors import UsageError
from kg.core.files import write_bytes, write_text
from kg.pipeline.sheets.spec import Column, SheetSpec, sheet_specs

#: the key/value settings of the `dataset` sheet: (key, required, what it is)
DATASET_KEYS = (
    (
        "namespace",
        True,
        "the IRI namespace of your data, one you control, ending in / or #, "
        "e.g. https://example.org/my-study/ — every row's IRI is NAMESPACE + id/ + its id",
    ),
    ("title", False, "the dataset's title"),
    ("description", False, "what the dataset covers"),
    ("creator", False, "who made it (names; separate several with ';')"),
    ("license", False, "the licence's IRI, e.g. https://creativecommons.org/licenses/by/4.0/"),
    ("citation", False, "how to cite the dataset"),
    (
        "covers",
        False,
        "the organizations the dataset covers: ids of rows of the organizations "
        "sheet (or IRIs), separated with ';'",
    ),
    ("coder", False, "the default coder of coded rows whose coder cell is empty"),
)
SPECIAL_SHEETS = ("README", "dataset", "lists")

RULES = (
    "Every row has an id, unique in the workbook. Its IRI is NAMESPACE + id/ + id: keep ids "
    "stable, so that a re-import updates the same resources.",
    "A reference column takes the id of a row of the sheet it names (or a full IRI, e.g. of a "
    "norm or a place defined elsewhere).",
    "Vocabulary columns take one of the listed values (the dropdown); several values of a "
    "column marked 'several values' are separated with ';'.",
    "Dates: YYYY, YYYY-MM or YYYY-MM-DD; a range as 2019-05/2019-08; 'c. 2019' for circa. The "
    "graph keeps only the precision a range warrants and records the range and 'circa' on the "
    "coding.",
    "Claims (holdings, violations, responses, factor observations, relations, disagreements) "
    "cite their evidence: a source (a passage or publication of the sources sheet) or "
    "derived_from (a source or an interview).",
    "Coded sheets: each row is one coder's coding. Two coders may code the same id in separate "
    "rows; both codings are kept side by side (see `iodm agreement`). A coder named "
    "'consensus' marks the adjudicated coding.",
    "Interviews: record the interviewee only as your publication does. An anonymous or "
    "partially identified interviewee has no interviewee_name and no interviewee, and the "
    "label is 'Interview with ' followed by the published role exactly, then the date if you "
    "like (published role 'an anonymous source' gives 'Interview with an anonymous source, "
    "March 2020').",
    "Values are checked as typed: a literal must be valid for its datatype "
    "(check:ill-typed-literal), a term of a vocabulary IODM knows must exist in it "
    "(check:unknown-term, with a suggestion), and a property of your own namespace must be "
    "declared in your extension ontology (check:undeclared-property, a warning).",
    "Mark required columns first (bold headers); a cell's note (hover) says what it takes.",
)


def write_template(out: Path, core_only: bool = False, force: bool = False) -> list[Path]:
    """Write the workbook (``.xlsx``) or a folder of CSV files; return what was written."""
    specs = sheet_specs(core_only)
    if out.exists() and not force and (out.is_file() or any(out.iterdir())):
        raise UsageError(f"{out} exists", "choose another name, or pass --force to overwrite it")
    if out.suffix.lower() == ".xlsx":
        write_bytes(out, _workbook(specs, core_only))
        return [out]
    if out.suffix:
        raise UsageError(f"{out}: a template is an .xlsx workbook or a folder of CSV files")
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "README.md"]
    write_text(written[0], _readme_markdown(specs, core_only))
    write_text(
        out / "dataset.csv", _csv([["key", "value"], *([k, ""] for k, _, _ in DATASET_KEYS)])
    )
    written.append(out / "dataset.csv")
    for spec in specs:
        path = out / f"{spec.name}.csv"
        write_text(path, _csv([[c.header for c in spec.columns]]))
        written.append(path)
    return written


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _workbook(specs: tuple[SheetSpec, ...], core_only: bool) -> bytes:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    readme = book.active
    readme.title = "README"
    for line in _readme_lines(specs, core_only):
        readme.append([line])
    readme.column_dimensions["A"].width = 120
    for row in readme.iter_rows():
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    readme["A1"].font = Font(bold=True, size=14)

    dataset = book.create_sheet("dataset")
    dataset.append(["key", "value", "what it is"])
    for key, required, note in DATASET_KEYS:
        dataset.append([key, "", note + (" (required)" if required else "")])
    for cell in dataset[1]:
        cell.font = Font(bold=True)
    dataset.column_dimensions["A"].width = 14
    dataset.column_dimensions["B"].width = 50
    dataset.column_dimensions["C"].width = 100

    # Long code lists go on a hidden sheet and validations reference its ranges: an inline list
    # over 255 characters makes Excel report the file as corrupt.
    lists = book.create_sheet("lists")
    list_ranges: dict[tuple[str, ...], str] = {}

    def list_range(values: tuple[str, ...]) -> str:
        if values not in list_ranges:
            col = get_column_letter(len(list_ranges) + 1)
            for i, value in enumerate(values, start=1):
                lists[f"{col}{i}"] = value
            list_ranges[values] = f"lists!${col}$1:${col}${len(values)}"
        return list_ranges[values]

    required_fill = PatternFill("solid", fgColor="FFF2CC")
    for spec in specs:
        sheet = book.create_sheet(spec.name)
        sheet.append([c.header for c in spec.columns])
        sheet.freeze_panes = "B2"
        for i, column in enumerate(spec.columns, start=1):
            letter = get_column_letter(i)
            cell = sheet.cell(row=1, column=i)
            cell.font = Font(bold=column.required)
            if column.required:
                cell.fill = required_fill
            note = column.describe()
            if column.concepts and (column.many or len(column.concepts) > 12):
                note += "\nValues: " + "; ".join(c.label for c in column.concepts)
            cell.comment = Comment(note, "iodm template", width=360, height=220)
            sheet.column_dimensions[letter].width = max(12, min(40, len(column.header) + 6))
            values = _choices(column)
            if values and not column.many:
                check = DataValidation(type="list", formula1=list_range(values), allow_blank=True)
                check.error = f"{column.header}: choose one of the listed values"
                check.showErrorMessage = column.kind in ("boolean", "type")
                sheet.add_data_validation(check)
                check.add(f"{letter}2:{letter}1048576")
    lists.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _choices(column: Column) -> tuple[str, ...]:
    if column.kind == "boolean":
        return ("TRUE", "FALSE")
    return tuple(c.label for c in column.concepts)


def _readme_lines(specs: tuple[SheetSpec, ...], core_only: bool) -> list[str]:
    scope = "the core ontology" if core_only else "the core ontology and the peacekeeping module"
    lines = [
        "IODM coding workbook",
        f"Generated by iodm {__version__} (`iodm template`) from the shapes and vocabularies of "
        f"{scope}. Fill in the `dataset` sheet, then the sheets you need; leave the others "
        "empty. Build with: iodm build --core-only THIS-FILE.xlsx (or without --core-only to "
        "add your data to the paper's graph).",
        "",
        "Sheets:",
    ]
    lines += [f"  {s.name}: {s.title}" for s in specs]
    lines += ["", "Rules (the build checks each, and says which cell breaks it):"]
    lines += [f"  {i}. {rule}" for i, rule in enumerate(RULES, start=1)]
    lines += [
        "",
        "The shapes' own messages (in the header notes above) state what each kind of thing "
        "must have. Besides them, every build runs these checks over the whole graph "
        "(queries/checks; `iodm queries --all` describes each):",
    ]
    lines += [f"  {check_id}: {title}" for check_id, title in _checks()]
    return lines


def _checks() -> list[tuple[str, str]]:
    """The SPARQL checks a researcher's build runs (those of the curated graph left out)."""
    from kg.queries import library

    return sorted(
        (q.id, q.title) for q in library().values() if q.group == "checks" and q.scope != "curated"
    )


def _readme_markdown(specs: tuple[SheetSpec, ...], core_only: bool) -> str:
    head = _readme_lines(specs, core_only)
    out = [f"# {head[0]}", "", *head[1:], ""]
    out += ["## dataset.csv", "", "| key | what it is |", "|---|---|"]
    out += [f"| {k} | {note}{' (required)' if req else ''} |" for k, req, note in DATASET_KEYS]
    for spec in specs:
        out += [
            "",
            f"## {spec.name}.csv — {spec.title}",
            "",
            "| column | what it takes |",
            "|---|---|",
        ]
        for column in spec.columns:
            text = column.describe().replace("\n", " ")
            if column.concepts:
                text += " Values: " + "; ".join(c.label for c in column.concepts)
            out.append(f"| {column.header} | {text} |")
    return "\n".join(out) + "\n"
