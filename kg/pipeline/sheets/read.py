"""Coding sheets in: read, check the tables, map each row to RDF, one graph per sheet and coder.

Order (docs/ingest.md): the workbook's structure (known sheets and columns, the dataset's
namespace), then table checks with frictionless (types, required cells, identifiers), then the
mapping (references, vocabulary values, dates, coders), all problems of all sheets collected
before anything is returned, as one located report. SHACL and the SPARQL checks then run on the
triples as on any Turtle file, and their results find their row through ``Source.locations``.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.core.errors import InvalidDataError, Location, ParseError, UsageError
from kg.core.namespaces import expand, shorten
from kg.pipeline.sheets.spec import RDF_TYPE, Column, SheetSpec, sheet_specs
from kg.pipeline.sheets.template import DATASET_KEYS, SPECIAL_SHEETS
from kg.pipeline.source import MAX_LITERAL, limit
from kg.pipeline.validate import ValidationFailed, ValidationReport, ValidationResult

if TYPE_CHECKING:
    from kg.pipeline.source import Progress, Source

IODM = "https://w3id.org/iodm#"
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DCTERMS = "http://purl.org/dc/terms/"
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._~-]*$"
CONSENSUS = "consensus"
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_CIRCA = re.compile(r"^(?:c\.|ca\.|circa|~)\s*", re.IGNORECASE)
_TRUE = ("true", "yes", "1")
_FALSE = ("false", "no", "0")


@dataclass
class Table:
    """One sheet as read: its header and its rows (sheet row number, cells as text)."""

    name: str  # the sheet's name (for a CSV file, its stem)
    file: str  # the file as the user named it
    in_book: bool  # a workbook sheet (locations say the sheet) or a CSV file
    header: list[str]
    rows: list[tuple[int, list[str]]]
    digest: str = ""

    def where(self, row: int | None = None, col: int | None = None) -> Location:
        sheet = self.name if self.in_book else None
        if col is None:
            return Location(self.file, row, sheet=sheet)
        header = self.header[col] if col < len(self.header) else None
        cell = f"{_letter(col + 1)}{row}" if row is not None else f"{_letter(col + 1)}1"
        return Location(self.file, sheet=sheet, cell=cell, header=header)


def _letter(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


# --------------------------------------------------------------------------------------------
# Reading workbooks and CSV files
# --------------------------------------------------------------------------------------------


def read_tables(path: Path) -> list[Table]:
    """The sheets of a workbook, a CSV file or a folder of CSV files, as text tables."""
    if path.is_dir():
        files = sorted(path.glob("*.csv"))
        if not files:
            raise UsageError(f"{path}: no CSV files in this folder")
        return [_read_csv(f, f"{path.name}/{f.name}") for f in files]
    if path.suffix.lower() == ".csv":
        return [_read_csv(path, path.name)]
    return _read_xlsx(path)


def _read_csv(path: Path, shown: str) -> Table:
    try:
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise ParseError(
            Location(shown, line), f"not UTF-8 text ({e.reason})", "save the file as CSV UTF-8"
        ) from e
    except OSError as e:
        raise UsageError(f"{shown}: cannot read: {e}") from e
    # newline="" keeps a line break inside a quoted cell; strict refuses a quote left open (the
    # rest of the file would become one cell); a cell may be as long as the file
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    old_limit = csv.field_size_limit(max(len(text), csv.field_size_limit()))
    try:
        rows = list(reader)
    except csv.Error as e:
        raise ParseError(
            Location(shown, reader.line_num),
            f"not a well-formed CSV file ({e})",
            'a quote opens a cell that must end with a quote; write "" for a quote inside it',
        ) from e
    finally:
        csv.field_size_limit(old_limit)
    if len(rows) > 1 and len(rows[-1]) < len(rows[0]) and not text.endswith(("\n", "\r")):
        raise ParseError(
            Location(shown, reader.line_num),
            f"the last row has {len(rows[-1])} cells and the header {len(rows[0])}, and the "
            "file ends without a line break: it looks cut short",
            "if the file is whole, end it with a line break; if not, use the whole file",
        )
    header = [h.strip() for h in rows[0]] if rows else []
    body = [(i, [c.strip() for c in r]) for i, r in enumerate(rows[1:], start=2)]
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    table = Table(path.stem, shown, False, header, _trim(body), digest)
    longest = limit("IODM_MAX_LITERAL", MAX_LITERAL)
    if len(text) > longest:  # else no cell can be longer
        _check_cells(table, longest)
    return table


#: the most a workbook may unpack to, in MB (``IODM_MAX_WORKBOOK_MB`` overrides it): a zip bomb
#: of a few kilobytes would otherwise fill the memory
MAX_WORKBOOK_MB = 2048


def _guard_workbook(path: Path) -> int | None:
    """Refuse a workbook that unpacks to more than :data:`MAX_WORKBOOK_MB` (as its zip directory
    declares; the reader is stopped at what is declared); the longest a cell may be when the
    workbook could hold a cell over the limit, else None."""
    import zipfile

    most = limit("IODM_MAX_WORKBOOK_MB", MAX_WORKBOOK_MB) * 2**20
    try:
        with zipfile.ZipFile(path) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError):
        return None  # not a zip: the reader says it is no workbook
    if unpacked > most:
        raise InvalidDataError(
            f"{path.name}: the workbook unpacks to {unpacked / 2**20:,.0f} MB, more than "
            f"{most // 2**20:,} MB",
            "split it into smaller workbooks, or set IODM_MAX_WORKBOOK_MB to allow it",
        )
    longest = limit("IODM_MAX_LITERAL", MAX_LITERAL)
    return longest if unpacked > longest else None


def _check_cells(table: Table, longest: int) -> None:
    """Refuse a cell longer than ``longest`` characters, at its sheet and cell."""
    for row, cells in table.rows:
        for col, cell in enumerate(cells):
            if len(cell) > longest:
                raise ParseError(
                    table.where(row, col),
                    f"a cell of {len(cell):,} characters, more than {longest:,}",
                    "shorten it; to raise the limit, set IODM_MAX_LITERAL",
                )


def _read_xlsx(path: Path) -> list[Table]:
    """The sheets of a workbook, read with python-calamine (a Rust reader; about ten times
    faster than openpyxl on the inline strings that openpyxl-written workbooks hold)."""
    import python_calamine as calamine

    longest = _guard_workbook(path)
    try:
        book = calamine.CalamineWorkbook.from_path(str(path))
        sheets = [(name, book.get_sheet_by_name(name)) for name in book.sheet_names]
        tables = []
        for name, sheet in sheets:
            top, left = sheet.start or (0, 0)  # a sheet's data may start below or right of A1
            rows = [[""] * left + [_text(v) for v in row] for row in sheet.to_python()]
            rows = [[] for _ in range(top)] + rows
            header = [h.strip() for h in rows[0]] if rows else []
            body = [(i, r) for i, r in enumerate(rows[1:], start=2)]
            digest = hashlib.sha256(
                "\n".join("\t".join(r) for r in rows).encode("utf-8")
            ).hexdigest()
            table = Table(name, path.name, True, header, _trim(body), digest)
            if longest is not None:
                _check_cells(table, longest)
            tables.append(table)
    except (calamine.CalamineError, OSError, ValueError) as e:
        raise InvalidDataError(
            f"{path.name}: not a readable .xlsx workbook ({e})",
            "save it from your spreadsheet program as an Excel workbook (.xlsx)",
        ) from e
    return tables


def _text(value: object) -> str:
    """A cell as the text a researcher typed: dates as ISO, whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _trim(rows: list[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
    """Drop the empty rows at the end (spreadsheets keep formatted but empty rows)."""
    while rows and not any(rows[-1][1]):
        rows.pop()
    return rows


# --------------------------------------------------------------------------------------------
# Checking and mapping
# --------------------------------------------------------------------------------------------


@dataclass
class _Problems:
    results: list[ValidationResult] = field(default_factory=list)

    def add(
        self, where: Location, rule: str, message: str, value: str = "", focus: str = ""
    ) -> None:
        self.results.append(
            ValidationResult.of_rule(rule, message, where, focus=focus, value=value)
        )


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word.lower(), [c.lower() for c in choices], n=1, cutoff=0.6)
    if not close:
        return ""
    original = next(c for c in choices if c.lower() == close[0])
    return f"; did you mean {original!r}?"


def load(path: Path, progress: Progress | None = None) -> list[Source]:
    """Read, check and map a workbook or CSV folder; raise one report of every problem."""
    tables = read_tables(path)
    problems = _Problems()
    specs = {s.name: s for s in sheet_specs(core_only=False)}
    settings = _settings(tables, problems, path)
    data = [t for t in tables if t.name not in SPECIAL_SHEETS]
    for table in data:
        if table.name not in specs:
            problems.add(
                table.where(),
                "sheet:unknown-sheet",
                f"unknown sheet {table.name!r}{_suggest(table.name, list(specs))} "
                f"the sheets are: {', '.join(specs)}",
                table.name,
            )
    data = [t for t in data if t.name in specs]
    for table in data:
        _check_header(table, specs[table.name], problems)
    if not problems.results:
        for table in data:
            _check_table(table, specs[table.name], problems)
    sources: list[Source] = []
    if not problems.results and settings is not None:
        mapper = _Mapper(settings, data, specs, problems, path)
        sources = mapper.sources()
        sources.append(_description(settings, path))
    if problems.results:
        report = ValidationReport(False, problems.results)
        raise ValidationFailed(report)
    if progress is not None:
        for s in sources:
            progress.done(Path(f"{path.name} › {s.graph.rsplit('/graph/', 1)[-1]}"), len(s.triples))
    return sources


@dataclass
class _Settings:
    namespace: str
    coder: str
    stem: str
    values: dict[str, str]
    where: Location  # the namespace's cell
    digest: str = ""  # of the dataset sheet


VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"


def _description(settings: _Settings, path: Path) -> Source:
    """The ``dataset`` sheet as a dataset description (VoID and DCAT), in its own graph
    ``{namespace}graph/{file stem}/dataset``: ``<{namespace}dataset>`` with its
    ``void:uriSpace``, title, description, creators (``;``-separated) and licence."""
    from kg.pipeline.source import Source, import_provenance

    ns = settings.namespace
    graph = f"{ns}graph/{settings.stem}/dataset"
    d = ox.NamedNode(f"{ns}dataset")
    values = settings.values
    triples = [
        ox.Triple(d, ox.NamedNode(RDF_TYPE), ox.NamedNode(VOID + "Dataset")),
        ox.Triple(d, ox.NamedNode(RDF_TYPE), ox.NamedNode(DCAT + "Dataset")),
        ox.Triple(d, ox.NamedNode(VOID + "uriSpace"), ox.Literal(ns)),
    ]
    for key in ("title", "description"):
        if values.get(key):
            triples.append(ox.Triple(d, ox.NamedNode(DCTERMS + key), ox.Literal(values[key])))
    for creator in (c.strip() for c in values.get("creator", "").split(";")):
        if creator:
            triples.append(ox.Triple(d, ox.NamedNode(DCTERMS + "creator"), ox.Literal(creator)))
    if values.get("license"):
        triples.append(
            ox.Triple(d, ox.NamedNode(DCTERMS + "license"), ox.NamedNode(values["license"]))
        )
    if values.get("citation"):
        citation = ox.Literal(values["citation"])
        triples.append(ox.Triple(d, ox.NamedNode(DCTERMS + "bibliographicCitation"), citation))
    for covered in (c.strip() for c in values.get("covers", "").split(";")):
        if covered:
            iri = _covered_iri(ns, covered)
            assert iri is not None  # checked by _settings
            triples.append(ox.Triple(d, ox.NamedNode(DCTERMS + "subject"), ox.NamedNode(iri)))
    source = Source(path, graph, "extra", triples, locations={d.value: settings.where})
    where = (
        f"{path.name} › dataset" if path.suffix.lower() == ".xlsx" else f"{path.name}/dataset.csv"
    )
    source.provenance = import_provenance(graph, where, settings.digest)
    return source


def _settings(tables: list[Table], problems: _Problems, path: Path) -> _Settings | None:
    table = next((t for t in tables if t.name == "dataset"), None)
    if table is None:
        problems.add(
            Location(path.name),
            "sheet:no-dataset",
            "no `dataset` sheet (or dataset.csv): it must give the namespace of your data",
        )
        return None
    values: dict[str, str] = {}
    known = [k for k, _, _ in DATASET_KEYS]
    for row, cells in table.rows:
        key = (cells[0] if cells else "").strip()
        value = (cells[1] if len(cells) > 1 else "").strip()
        if not key:
            continue
        if key not in known:
            problems.add(
                table.where(row, 0),
                "sheet:unknown-setting",
                f"unknown setting {key!r}{_suggest(key, known)} "
                f"the settings are: {', '.join(known)}",
                key,
            )
        values[key] = value
    ns = values.get("namespace", "")
    row_of_ns = next((r for r, c in table.rows if c and c[0].strip() == "namespace"), 2)
    if not ns:
        problems.add(
            table.where(row_of_ns, 1),
            "sheet:no-namespace",
            "the dataset's namespace is empty: give an IRI you control, ending in / or #, "
            "e.g. https://example.org/my-study/",
        )
        return None
    if (
        not re.match(r"^https?://[^\s/]+/\S*[/#]$", ns)
        or any(c in ns for c in '<>"{}|^`\\ ')
        or not _valid_iri(ns)
    ):
        problems.add(
            table.where(row_of_ns, 1),
            "sheet:bad-namespace",
            "the namespace must be an http(s) IRI ending in / or #, e.g. https://example.org/my-study/",
            ns,
        )
        return None
    license = values.get("license", "")
    if license and not _valid_iri(license):
        row = next((r for r, c in table.rows if c and c[0].strip() == "license"), 2)
        problems.add(
            table.where(row, 1),
            "sheet:bad-license",
            "the licence is the IRI of a licence, e.g. https://creativecommons.org/licenses/by/4.0/",
            license,
        )
        return None
    covers = values.get("covers", "")
    bad = [c for c in (c.strip() for c in covers.split(";")) if c and not _covered_iri(ns, c)]
    if bad:
        row = next((r for r, c in table.rows if c and c[0].strip() == "covers"), 2)
        problems.add(
            table.where(row, 1),
            "sheet:bad-covers",
            "covers names what the dataset is about: ids of rows (`;` between them) or IRIs",
            bad[0],
        )
        return None
    stem = _slug(path.stem if path.is_file() else path.name)
    where = table.where(row_of_ns, 1)
    return _Settings(ns, values.get("coder", ""), stem, values, where, table.digest)


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._~-]+", "-", text.strip()).strip("-").lower()
    return slug or "sheet"


def _check_header(table: Table, spec: SheetSpec, problems: _Problems) -> None:
    known = [c.header for c in spec.columns]
    seen: set[str] = set()
    for i, header in enumerate(table.header):
        if not header:
            if any(len(cells) > i and cells[i] for _, cells in table.rows):
                problems.add(
                    table.where(None, i),
                    "sheet:no-header",
                    "this column has values but no header: name it (see the template)",
                )
            continue
        if header in seen:
            problems.add(table.where(None, i), "sheet:duplicate-column", f"column {header!r} twice")
        seen.add(header)
        if header not in known:
            problems.add(
                table.where(None, i),
                "sheet:unknown-column",
                f"unknown column {header!r} in sheet {spec.name}{_suggest(header, known)} "
                "(the template lists the columns; a value under an unknown column would be lost)",
                header,
            )
    for column in spec.columns:
        if column.required and column.header not in seen:
            if column.kind == "coder":
                continue  # the dataset's default coder may stand in (checked per row)
            problems.add(
                table.where(None, len(table.header)),
                "sheet:missing-column",
                f"sheet {spec.name} lacks the required column {column.header!r}",
            )


def _check_table(table: Table, spec: SheetSpec, problems: _Problems) -> None:
    """Types, required cells and identifiers, checked by frictionless against a Table Schema
    generated from the sheet kind."""
    from frictionless import Checklist, Resource, Schema

    fields = []
    for header in table.header:
        column = spec.column(header)
        if column is None:
            continue
        descriptor: dict[str, object] = {"name": header, "type": "string"}
        constraints: dict[str, object] = {}
        if column.kind == "boolean":
            descriptor["type"] = "boolean"
            descriptor["trueValues"] = ["TRUE", "True", "true", "yes", "1"]
            descriptor["falseValues"] = ["FALSE", "False", "false", "no", "0"]
        elif column.kind == "integer":
            descriptor["type"] = "integer"
        elif column.kind == "decimal":
            descriptor["type"] = "number"
        elif column.kind == "id":
            constraints["pattern"] = ID_PATTERN
        if column.required and column.kind != "coder":
            constraints["required"] = True
        if constraints:
            descriptor["constraints"] = constraints
        fields.append(descriptor)
    names = [f["name"] for f in fields]
    index = [table.header.index(str(n)) for n in names]
    width = len(table.header)
    rows = [[(cells + [""] * width)[i] or None for i in index] for _, cells in table.rows]
    resource = Resource(
        data=[names, *rows],
        schema=Schema.from_descriptor({"fields": fields}),
    )
    report = resource.validate(Checklist(skip_errors=["blank-row"]), limit_errors=10_000)
    row_numbers = [r for r, _ in table.rows]
    for error in report.flatten(["rowNumber", "fieldNumber", "type", "note", "cell"]):
        row_number, field_number, kind, note, cell = error
        row = row_numbers[row_number - 2] if row_number and row_number >= 2 else None
        col = index[field_number - 1] if field_number else None
        header = table.header[col] if col is not None else ""
        column = spec.column(header)
        problems.add(
            table.where(row, col),
            f"table:{kind}",
            _table_message(kind, column, note),
            str(cell or ""),
        )


def _table_message(kind: str, column: Column | None, note: str) -> str:
    if column is None:
        return note
    if kind == "constraint-error" and "required" in note:
        return f"{column.header} is required here: fill this cell"
    if kind == "constraint-error" and "pattern" in note:
        return (
            "an id takes letters, digits, '.', '_', '~' or '-' (no spaces), starting with a "
            "letter or digit"
        )
    if kind == "type-error":
        return {
            "boolean": f"{column.header} takes TRUE or FALSE",
            "integer": f"{column.header} takes a whole number",
            "decimal": f"{column.header} takes a number, with '.' as the decimal point",
        }.get(column.kind, note)
    return note


class _Mapper:
    """Rows → triples, per (sheet, coder) graph; the references, vocabulary values, dates and
    coders are checked as they are mapped."""

    def __init__(
        self,
        settings: _Settings,
        tables: list[Table],
        specs: dict[str, SheetSpec],
        problems: _Problems,
        path: Path,
    ) -> None:
        self.settings = settings
        self.tables = tables
        self.specs = specs
        self.problems = problems
        self.path = path
        self.ns = settings.namespace
        #: id → (sheet, first row), for references and duplicates
        self.ids: dict[str, tuple[str, int]] = {}
        self._index_ids()
        self._vocab: dict[Column, dict[str, str]] = {}

    def iri(self, ident: str) -> str:
        return f"{self.ns}id/{ident}"

    def _index_ids(self) -> None:
        seen: dict[tuple[str, str], int] = {}
        for table in self.tables:
            spec = self.specs[table.name]
            id_col = table.header.index("id")
            coder_col = table.header.index("coder") if "coder" in table.header else None
            for row, cells in table.rows:
                ident = cells[id_col] if id_col < len(cells) else ""
                if not ident:
                    continue
                coder = self._coder(cells, coder_col) if spec.coded else ""
                first = self.ids.get(ident)
                if first is not None and first[0] != table.name:
                    self.problems.add(
                        table.where(row, id_col),
                        "sheet:duplicate-id",
                        f"id {ident!r} is also used in sheet {first[0]}, row {first[1]}: ids are "
                        "unique in the workbook",
                        ident,
                    )
                    continue
                key = (f"{table.name}\x00{ident}", coder)
                if key in seen:
                    who = f" by coder {coder!r}" if coder else ""
                    self.problems.add(
                        table.where(row, id_col),
                        "sheet:duplicate-id",
                        f"id {ident!r} is coded twice{who} in sheet {table.name} (rows "
                        f"{seen[key]} and {row}): give each row its own id, or a different coder",
                        ident,
                    )
                    continue
                seen[key] = row
                self.ids.setdefault(ident, (table.name, row))

    def _coder(self, cells: list[str], coder_col: int | None) -> str:
        value = cells[coder_col] if coder_col is not None and coder_col < len(cells) else ""
        return value or self.settings.coder

    def sources(self) -> list[Source]:
        from kg.pipeline.source import Source

        out: dict[str, Source] = {}
        for table in self.tables:
            spec = self.specs[table.name]
            for row, cells in table.rows:
                if not any(cells):
                    continue
                coder = self._coder(cells, _col(table, "coder")) if spec.coded else ""
                if spec.coded and not coder:
                    self.problems.add(
                        table.where(row, _col(table, "coder") or len(table.header)),
                        "sheet:no-coder",
                        "who coded this row? fill the coder column (or set a default coder in "
                        "the dataset sheet)",
                    )
                    continue
                graph = f"{self.ns}graph/{self.settings.stem}/{spec.name}"
                if coder:
                    graph += f"/coder/{_slug(coder)}"
                source = out.get(graph)
                if source is None:
                    source = out[graph] = Source(self.path, graph, "extra")
                    source.provenance = self._provenance(graph, table, coder)
                    if coder:  # the coder, stated once in each of their graphs
                        agent = ox.NamedNode(f"{self.ns}coder/{_slug(coder)}")
                        source.triples = [
                            ox.Triple(agent, ox.NamedNode(RDF_TYPE), ox.NamedNode(PROV + "Agent")),
                            ox.Triple(agent, ox.NamedNode(RDFS_LABEL), ox.Literal(coder)),
                        ]
                self._map_row(table, spec, row, cells, coder, source)
        return list(out.values())

    def _provenance(self, graph: str, table: Table, coder: str) -> list[ox.Triple]:
        from kg.pipeline.source import import_provenance

        where = f"{table.file} › {table.name}" if table.in_book else table.file
        triples = import_provenance(graph, where, table.digest)
        g = ox.NamedNode(graph)
        if coder:
            agent = ox.NamedNode(f"{self.ns}coder/{_slug(coder)}")
            triples += [
                ox.Triple(g, ox.NamedNode(PROV + "wasAttributedTo"), agent),
                ox.Triple(agent, ox.NamedNode(RDF_TYPE), ox.NamedNode(PROV + "Agent")),
                ox.Triple(agent, ox.NamedNode(RDFS_LABEL), ox.Literal(coder)),
            ]
        return triples

    def _map_row(
        self, table: Table, spec: SheetSpec, row: int, cells: list[str], coder: str, source: Source
    ) -> None:
        assert isinstance(source.triples, list)  # a sheet's source holds a list
        add = source.triples.append
        ident = cells[table.header.index("id")]
        subject = ox.NamedNode(self.iri(ident))
        source.locations.setdefault(subject.value, table.where(row, table.header.index("id")))
        coding = ox.NamedNode(f"{self.ns}coding/{ident}/{_slug(coder)}") if coder else None
        kind_given = False
        qualifications: list[tuple[Column, str, str, str, bool]] = []
        for i, header in enumerate(table.header):
            column = spec.column(header)
            value = cells[i] if i < len(cells) else ""
            if column is None or not value or column.kind in ("id", "coder"):
                continue
            values = [v.strip() for v in value.split(";") if v.strip()] if column.many else [value]
            for v in values:
                term = self._term(table, spec, column, row, i, v, qualifications)
                if term is None:
                    continue
                if column.kind == "type":
                    kind_given = True
                if column.on_coding:
                    if coding is not None:
                        add(ox.Triple(coding, ox.NamedNode(column.prop), term))
                elif column.inverse:
                    assert isinstance(term, ox.NamedNode)
                    add(ox.Triple(term, ox.NamedNode(column.prop), subject))
                else:
                    add(ox.Triple(subject, ox.NamedNode(column.prop), term))
        if not kind_given:
            add(ox.Triple(subject, ox.NamedNode(RDF_TYPE), ox.NamedNode(spec.default_type)))
        if coding is None:
            for column, *_ in qualifications:
                self.problems.add(
                    table.where(row, table.header.index(column.header)),
                    "sheet:imprecise-date-without-coding",
                    "a date range or 'circa' is recorded on a coding: only coded sheets take one",
                )
            return
        source.locations.setdefault(coding.value, table.where(row, table.header.index("id")))
        agent = ox.NamedNode(f"{self.ns}coder/{_slug(coder)}")
        add(ox.Triple(coding, ox.NamedNode(RDF_TYPE), ox.NamedNode(IODM + "Coding")))
        add(ox.Triple(coding, ox.NamedNode(IODM + "codes"), subject))
        add(ox.Triple(coding, ox.NamedNode(PROV + "wasAttributedTo"), agent))
        add(
            ox.Triple(
                coding,
                ox.NamedNode(IODM + "sourceRow"),
                ox.Literal(str(row), datatype=ox.NamedNode(XSD + "positiveInteger")),
            )
        )
        for column, text, earliest, latest, approximate in qualifications:
            q = ox.NamedNode(f"{coding.value}/{column.header}")
            add(ox.Triple(coding, ox.NamedNode(IODM + "qualifiesDate"), q))
            add(ox.Triple(q, ox.NamedNode(RDF_TYPE), ox.NamedNode(IODM + "DateQualification")))
            add(ox.Triple(q, ox.NamedNode(IODM + "qualifiedProperty"), ox.NamedNode(column.prop)))
            add(ox.Triple(q, ox.NamedNode(IODM + "cellText"), ox.Literal(text)))
            add(ox.Triple(q, ox.NamedNode(IODM + "earliest"), _date_literal(earliest)))
            add(ox.Triple(q, ox.NamedNode(IODM + "latest"), _date_literal(latest)))
            add(
                ox.Triple(
                    q,
                    ox.NamedNode(IODM + "approximate"),
                    ox.Literal(
                        "true" if approximate else "false", datatype=ox.NamedNode(XSD + "boolean")
                    ),
                )
            )

    def _term(
        self,
        table: Table,
        spec: SheetSpec,
        column: Column,
        row: int,
        col: int,
        value: str,
        qualifications: list[tuple[Column, str, str, str, bool]],
    ) -> ox.NamedNode | ox.Literal | None:
        def where() -> Location:  # built only when a problem is reported
            return table.where(row, col)

        kind = column.kind
        if kind == "text":
            return ox.Literal(value)
        if kind == "boolean":
            flag = "true" if value.lower() in _TRUE else "false"
            return ox.Literal(flag, datatype=ox.NamedNode(XSD + "boolean"))
        if kind == "integer":
            return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
        if kind == "decimal":
            try:
                number = Decimal(value)
            except InvalidOperation:
                return None  # reported by the table checks
            return ox.Literal(_plain(number), datatype=ox.NamedNode(XSD + "decimal"))
        if kind == "date":
            return self._date(where, column, value, qualifications)
        if kind == "ref":
            return self._ref(where, column, value)
        return self._concept(where, column, value)

    def _ref(
        self, where: Callable[[], Location], column: Column, value: str
    ) -> ox.NamedNode | None:
        if _is_iri(value):
            return ox.NamedNode(value)
        if ":" in value:
            try:
                return ox.NamedNode(expand(value))
            except (KeyError, ValueError):
                pass
        found = self.ids.get(value)
        if found is not None and found[0] in column.refs:
            return ox.NamedNode(self.iri(value))
        if found is not None:
            message = (
                f"{column.header} names {value!r}, a row of sheet {found[0]}; it takes a row of "
                f"{' or '.join(column.refs)}"
            )
        else:
            candidates = [i for i, (s, _) in self.ids.items() if s in column.refs]
            message = (
                f"{column.header}: no row of {' or '.join(column.refs)} has the id {value!r}"
                f"{_suggest(value, candidates)}"
            )
        self.problems.add(where(), "sheet:unknown-reference", message, value)
        return None

    def _concept(
        self, where: Callable[[], Location], column: Column, value: str
    ) -> ox.NamedNode | None:
        if _is_iri(value):
            return ox.NamedNode(value)
        table = self._vocab.get(column)
        if table is None:
            table = {}
            for concept in column.concepts:
                table[concept.label.lower()] = concept.iri
                table[re.split(r"[/#]", concept.iri)[-1].lower()] = concept.iri
                table[shorten(concept.iri).lower()] = concept.iri
            self._vocab[column] = table
        iri = table.get(value.lower())
        if iri is not None:
            return ox.NamedNode(iri)
        labels = [c.label for c in column.concepts]
        self.problems.add(
            where(),
            "sheet:unknown-value",
            f"{column.header}: {value!r} is not one of its values{_suggest(value, labels)} "
            f"(the values: {'; '.join(labels)}; or a full IRI of your own)",
            value,
        )
        return None

    def _date(
        self,
        where: Callable[[], Location],
        column: Column,
        value: str,
        qualifications: list[tuple[Column, str, str, str, bool]],
    ) -> ox.Literal | None:
        text = value
        approximate = bool(_CIRCA.match(value))
        body = _CIRCA.sub("", value).strip()
        parts = [p.strip() for p in body.split("/")] if "/" in body else [body]
        if len(parts) > 2 or not all(_valid_date(p) for p in parts):
            self.problems.add(
                where(),
                "sheet:bad-date",
                f"{column.header}: {value!r} is not a date IODM reads: write YYYY, YYYY-MM or "
                "YYYY-MM-DD (e.g. 2019-05-06), a range as 2019-05/2019-08, 'c. 2019' for circa",
                value,
            )
            return None
        if len(parts) == 2 and parts[0] > parts[1]:
            self.problems.add(
                where(),
                "sheet:bad-date",
                f"{column.header}: the range {value!r} ends before it starts",
                value,
            )
            return None
        earliest, latest = parts[0], parts[-1]
        if approximate or len(parts) == 2:
            qualifications.append((column, text, earliest, latest, approximate))
        shared = _shared_precision(earliest, latest)
        return _date_literal(shared) if shared else None


def _col(table: Table, header: str) -> int | None:
    return table.header.index(header) if header in table.header else None


def _valid_iri(value: str) -> bool:
    try:
        ox.NamedNode(value)
    except ValueError:
        return False
    return _is_iri(value)


def _covered_iri(ns: str, covered: str) -> str | None:
    """The IRI a ``covers`` entry names (an IRI, else the id of a row), None if it is none."""
    iri = covered if _is_iri(covered) else f"{ns}id/{covered}"
    return iri if _valid_iri(iri) else None


def _is_iri(value: str) -> bool:
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$", value))


def _plain(number: Decimal) -> str:
    text = format(number, "f")
    return text if "." in text else f"{text}.0"


def _valid_date(text: str) -> bool:
    m = _DATE.match(text)
    if not m:
        return False
    year, month, day = m.group(1), m.group(2), m.group(3)
    try:
        dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return False
    return True


def _shared_precision(a: str, b: str) -> str:
    """The most precise date both ends of a range share: 2019-05/2019-08 → 2019."""
    if a == b:
        return a
    pa, pb = a.split("-"), b.split("-")
    shared = []
    for x, y in zip(pa, pb, strict=False):
        if x != y:
            break
        shared.append(x)
    return "-".join(shared)


def _date_literal(text: str) -> ox.Literal:
    datatype = {1: "gYear", 2: "gYearMonth", 3: "date"}[text.count("-") + 1]
    return ox.Literal(text, datatype=ox.NamedNode(XSD + datatype))
