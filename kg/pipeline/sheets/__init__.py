"""Researchers' coding sheets (XLSX workbooks, CSV folders) → named graphs. See docs/ingest.md."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kg.pipeline.source import Progress, Source

#: file suffixes read as coding sheets; a directory of CSV files is one too
SHEET_SUFFIXES = (".xlsx", ".csv")


def is_sheets(path: Path) -> bool:
    """Is this path a coding workbook, a CSV sheet or a folder of CSV sheets?"""
    if path.is_dir():
        return any(path.glob("*.csv"))
    return path.suffix.lower() in SHEET_SUFFIXES


def load_sheets(path: Path, progress: Progress | None = None) -> list[Source]:
    """Check, then map a workbook or CSV folder: one Source per sheet (and per coder)."""
    from kg.pipeline.sheets.read import load

    return load(path, progress)
