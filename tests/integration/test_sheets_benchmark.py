"""The coding-sheets benchmark still runs (300 rows, no timing asserted: numbers belong in its
report), and its synthetic workbook is deterministic, labelled synthetic and imports cleanly."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks/sheets.py"
pytestmark = pytest.mark.slow


def test_sheets_benchmark_reports_ratios_against_n_triples(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--rows", "300", "--repeats", "1", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = out.read_text(encoding="utf-8")
    assert report in done.stdout
    assert "## 300 rows" in report
    assert "synthetic, not facts about the real world" in report
    # one row per measured operation, each with a ratio against parse_file of the N-Triples
    for label in (
        "load(workbook.xlsx as openpyxl writes it: inline strings)",
        "load(workbook.xlsx as Excel saves it: shared strings)",
        "load(CSV folder)",
        "pyoxigraph.parse(N-Triples of the same triples), raw iteration",
    ):
        row = next((line for line in report.splitlines() if label in line), None)
        assert row is not None, f"no row for {label!r}:\n{report}"
        assert re.search(r"\| \d+\.\d\dx \| \d+\.\d\dx \| (\d+\.\d\dx|—) \|$", row), row
    baseline = next(line for line in report.splitlines() if "parse_file(N-Triples" in line)
    assert baseline.endswith("| — | — | — |")
    # the breakdown of load(workbook) into the module's steps
    for part in ("read_tables (openpyxl", "_check_table (frictionless)", "_Mapper.sources()"):
        assert part in report


def test_synthetic_workbook_is_deterministic_labelled_and_valid(tmp_path: Path) -> None:
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import sheets  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(SCRIPT.parent))
    from kg.pipeline.sheets.read import load

    first = sheets.generate(500, seed=3)
    assert first == sheets.generate(500, seed=3)
    dataset, rows = first
    assert sum(len(r) for r in rows.values()) == 500
    assert ["namespace", sheets.NAMESPACE, ""] in dataset
    assert any("not facts about the real world" in " ".join(r) for r in dataset)
    coders = {r["coder"] for r in rows["holdings"]}
    assert {"ana", "ben"} <= coders
    sheets.write_workbook(tmp_path / "book.xlsx", dataset, rows)
    sheets.to_shared_strings(tmp_path / "book.xlsx", tmp_path / "shared.xlsx")
    sheets.write_csv_folder(tmp_path / "csv", dataset, rows)
    found = []
    for path in (tmp_path / "book.xlsx", tmp_path / "shared.xlsx", tmp_path / "csv"):
        sources = load(path)
        assert all(s.graph.startswith(f"{sheets.NAMESPACE}graph/{path.stem}/") for s in sources)
        # the graph's name starts with the file's stem; what follows it is the sheet and coder
        found.append(
            sorted((s.graph.split("/", 6)[-1], str(t)) for s in sources for t in s.triples)
        )
    assert found[0] and found[1] == found[0] and found[2] == found[0]
