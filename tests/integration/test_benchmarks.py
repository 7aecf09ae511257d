"""The benchmark still runs (tiny sizes, no timing asserted: numbers belong in its report)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def test_synthetic_data_is_deterministic_and_labelled(tmp_path: Path) -> None:
    outputs = []
    for name in ("a.nt", "b.nt"):
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "benchmarks/synthetic.py"),
                "2000",
                "-o",
                str(tmp_path / name),
            ],
            check=True,
            capture_output=True,
        )
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]
    assert b"Synthetic benchmark data" in outputs[0]
    assert b"w3id.org/iodm/id/" not in outputs[0]  # never curated IRIs


def test_bench_runs_and_reports_ratios(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks/bench.py"),
            "--sizes",
            "2000",
            "--sections",
            "parse,write,query",
            "--rdflib-max",  # rdflib answers the questions in test_backends_agree
            "0",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = out.read_text(encoding="utf-8")
    assert "ratio" in report and "cq2-responses-on-spectrum" in report
