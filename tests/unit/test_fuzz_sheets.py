"""Coding sheets, property-tested (issue 15, point 8): a CSV sheet or an .xlsx workbook with
hostile cells, cut short at any byte or replaced by other bytes is read, or refused with the
file and the line, or the sheet and the cell — never another exception, never rows silently
lost or changed.

The data is the fictional Lakeland study (examples/lakeland-study), as in test_sheets.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kg.core.errors import IODMError, ParseError
from kg.pipeline.sheets.read import load
from kg.pipeline.validate import ValidationFailed

from ..fuzzing import fuzz

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "lakeland-study"
SHEETS = sorted(p.name for p in (EXAMPLE / "coding").glob("*.csv"))


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as d:
        copy = Path(d) / "coding"
        shutil.copytree(EXAMPLE / "coding", copy)
        yield copy


@cache
def whole() -> set[str]:
    return triples(load(EXAMPLE / "coding"))


def triples(sources: list) -> set[str]:  # type: ignore[type-arg]
    return {str(t) for s in sources for t in s.triples}


def read(path: Path) -> set[str] | IODMError:
    """The triples of the sheets, or the located error that refuses them."""
    try:
        return triples(load(path))
    except ValidationFailed as e:
        assert e.report.results
        for r in e.report.results:  # file › sheet › cell, file › row n, or the file's line
            assert r.location and r.location.startswith(path.name), (r.location, r.message)
            assert "›" in r.location or ":" in r.location or r.location.endswith(".xlsx"), r
        return e
    except ParseError as e:
        assert e.location.line is not None and e.location.file.startswith(path.name), str(e)
        return e
    except IODMError as e:
        assert str(e).startswith(path.name), str(e)  # a workbook that is no workbook at all
        return e


_CELL = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            '"',
            '""',
            '"unclosed',
            "a\nb",
            "\r\n",
            "\x00",
            '=HYPERLINK("http://x")',
            "@SUM(1)",
            "c. 2020/2019",
            "2021-02-29",
            "circa",
            "1e309",
            "٥",
            "x" * 5000,
            "https://example.org/a b",
            "iodm:Nothing",
            "<script>",
        ]
    ),
)


@fuzz(15)
@given(sheet=st.sampled_from(SHEETS), data=st.data(), value=_CELL)
def test_a_hostile_cell_is_read_or_refused_at_its_cell(
    folder: Path, sheet: str, data: st.DataObject, value: str
) -> None:
    path = folder / sheet
    original = path.read_bytes()
    rows = list(csv.reader(io.StringIO(original.decode("utf-8"), newline="")))
    row = data.draw(st.integers(1, max(1, len(rows) - 1)))
    col = data.draw(st.integers(0, len(rows[0]) - 1))
    rows[row][col] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    try:
        path.write_text(out.getvalue(), encoding="utf-8")
        read(folder)
    finally:
        path.write_bytes(original)


@fuzz(20)
@given(sheet=st.sampled_from(SHEETS), at=st.integers(0, 10**6))
def test_a_csv_cut_short_is_refused_or_loses_only_whole_rows(
    folder: Path, sheet: str, at: int
) -> None:
    """A cut at a line break leaves whole rows (a CSV file has no end mark: that is a shorter
    sheet, and its triples are some of the whole's); a cut inside a row is refused, unless it
    falls in the row's last cell (a file with no final line break is valid CSV) or in the
    header (a sheet without rows)."""
    path = folder / sheet
    original = path.read_bytes()
    cut = original[: at % len(original)]
    assume(cut.strip() != original.strip())
    last = cut[cut.rfind(b"\n") + 1 :].decode("utf-8", "replace")
    cells = next(csv.reader([last]), [])
    header = next(csv.reader([original.decode("utf-8").splitlines()[0]]))
    try:
        path.write_bytes(cut)
        found = read(folder)
    finally:
        path.write_bytes(original)
    if isinstance(found, IODMError) or not last or b"\n" not in cut:
        assert isinstance(found, IODMError) or found <= whole(), "a cut changed a row"
        return
    assert len(cells) == len(header), f"a row cut to {last!r} was read"


@fuzz(12)
@given(
    sheet=st.sampled_from(SHEETS),
    mutation=st.tuples(st.floats(0, 1), st.binary(min_size=1, max_size=6)),
)
def test_a_csv_with_other_bytes_is_read_or_refused_located(
    folder: Path, sheet: str, mutation: tuple[float, bytes]
) -> None:
    path = folder / sheet
    original = path.read_bytes()
    where, piece = mutation
    at = int(len(original) * where)
    try:
        path.write_bytes(original[:at] + piece + original[at + len(piece) :])
        read(folder)
    finally:
        path.write_bytes(original)


# --- workbooks ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def book_folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


_VALUE = st.one_of(
    _CELL.filter(lambda v: "\x00" not in v and len(v) < 32_000),
    st.integers(-(10**18), 10**18),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
    st.none(),
)


@fuzz(5)
@given(data=st.data(), value=_VALUE)
def test_a_hostile_workbook_cell_is_read_or_refused_at_its_cell(
    book_folder: Path, data: st.DataObject, value: object
) -> None:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import IllegalCharacterError

    book = load_workbook(EXAMPLE / "lakeland-coding.xlsx")
    name = data.draw(st.sampled_from([n for n in book.sheetnames if n != "README"]))
    sheet = book[name]
    row = data.draw(st.integers(1, max(2, sheet.max_row)))
    col = data.draw(st.integers(1, max(1, sheet.max_column)))
    try:
        sheet.cell(row=row, column=col).value = value
    except (ValueError, TypeError, IllegalCharacterError):  # openpyxl will not write it
        assume(False)
    path = book_folder / "coding.xlsx"
    book.save(path)
    read(path)


@fuzz(6)
@given(at=st.integers(0, 10**7), piece=st.binary(max_size=8), kind=st.sampled_from(["cut", "put"]))
def test_a_damaged_workbook_is_refused_with_its_name(
    book_folder: Path, at: int, piece: bytes, kind: str
) -> None:
    original = (EXAMPLE / "lakeland-coding.xlsx").read_bytes()
    at %= len(original)
    data = original[:at] if kind == "cut" else original[:at] + piece + original[at + len(piece) :]
    assume(data != original)
    path = book_folder / "damaged.xlsx"
    path.write_bytes(data)
    read(path)
