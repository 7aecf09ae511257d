"""A coding workbook or sheet cannot be turned against the machine (issue 15, point 2): a
workbook that unpacks to more than the limit (a zip bomb) is refused before it is read, and a
cell longer than the literal limit is refused at its sheet and cell."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from kg.core.errors import InvalidDataError, ParseError
from kg.pipeline.sheets.read import read_tables


def test_a_workbook_that_unpacks_past_the_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (3 * 2**20))  # 3 MB of zeros, a few KB
    assert bomb.stat().st_size < 2**16
    monkeypatch.setenv("IODM_MAX_WORKBOOK_MB", "2")
    with pytest.raises(InvalidDataError, match=r"bomb\.xlsx: the workbook unpacks to 3 MB") as e:
        read_tables(bomb)
    assert e.value.hint and "IODM_MAX_WORKBOOK_MB" in e.value.hint


def test_a_long_cell_is_refused_at_its_sheet_and_cell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpyxl import Workbook

    monkeypatch.setenv("IODM_MAX_LITERAL", "100")
    book = Workbook()
    sheet = book.active
    sheet.title = "responses"
    sheet.append(["id", "note"])
    sheet.append(["r1", "short"])
    sheet.append(["r2", "x" * 5000])
    path = tmp_path / "coding.xlsx"
    book.save(path)
    with pytest.raises(ParseError, match="a cell of 5,000 characters, more than 100") as e:
        read_tables(path)
    assert "responses" in str(e.value.location) and "B3" in str(e.value.location)
    csv = tmp_path / "responses.csv"
    csv.write_text("id,note\nr1,short\nr2," + "y" * 500 + "\n", encoding="utf-8")
    with pytest.raises(ParseError, match="a cell of 500 characters") as e:
        read_tables(csv)
    assert "B3" in str(e.value.location)
    monkeypatch.setenv("IODM_MAX_LITERAL", "10000")
    assert [t.name for t in read_tables(path)] == ["responses"]
