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


def test_the_scale_benchmark_runs_and_reports_ratios(tmp_path: Path) -> None:
    """``make bench`` at a tiny size: every part measured against its baseline in one run
    (owlrl left out: it takes seconds even here; pyrudof and reasonable, which only ``make
    bench`` installs, too)."""
    out = tmp_path / "scale.md"
    readme = tmp_path / "README.md"
    readme.write_text("# Benchmarks\n", encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks/scale.py"),
            *("--sizes", "2000,3000", "--owlrl-max", "0", "--out", str(out)),
            *("--pyrudof-max", "0", "--reasonable-max", "0"),  # make bench installs them
            *("--readme", str(readme)),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = out.read_text(encoding="utf-8")
    for row in (
        "`iodm build`",
        "pyshacl / compiled",
        "baseline: rdflib parse",
        "`oxigraph serve-read-only`",
        "From 2,000",
    ):
        assert row in report, row
    assert "SHACL results (compiled = pyshacl) | 0 = 0 | 0 = 0 |" in report
    assert report in readme.read_text(encoding="utf-8")
