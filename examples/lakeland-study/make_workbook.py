"""Write lakeland-coding.xlsx: the generated coding template, filled with the rows of coding/.

Fictional example data (see README.md). The CSV folder is the readable, diffable copy; the
workbook is what a researcher fills in. Run from the repository root:

    .venv/bin/python examples/lakeland-study/make_workbook.py
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from openpyxl import load_workbook

from kg.core.files import write_bytes
from kg.pipeline.sheets.template import write_template

HERE = Path(__file__).resolve().parent


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        blank = Path(tmp) / "template.xlsx"
        write_template(blank, core_only=True)
        book = load_workbook(blank)
    for path in sorted((HERE / "coding").glob("*.csv")):
        rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
        sheet = book[path.stem]
        if path.stem == "dataset":
            for key, value in rows[1:]:
                row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == key)
                row[1].value = value or None
            continue
        header = [c.value for c in sheet[1]]
        assert header == rows[0], f"{path.name}: columns differ from the template's"
        for values in rows[1:]:
            sheet.append([_cell(v) for v in values])
    buffer = io.BytesIO()
    book.save(buffer)
    write_bytes(HERE / "lakeland-coding.xlsx", buffer.getvalue())
    print(f"wrote {HERE / 'lakeland-coding.xlsx'}")


def _cell(value: str) -> object:
    """A cell as a spreadsheet user types it: TRUE/FALSE and numbers become typed cells."""
    if value in ("TRUE", "FALSE"):
        return value == "TRUE"
    if value.lstrip("-").isdigit():
        return int(value)
    try:
        return float(value)
    except ValueError:
        return value


if __name__ == "__main__":
    main()
