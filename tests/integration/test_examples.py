"""The examples run as a researcher would run them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_python_api_example_prints_the_spectrum() -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "python_api.py")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("built ")
    ranks = [int(line.split()[-1]) for line in lines[2:]]
    assert ranks == sorted(ranks, reverse=True), "most confrontational first"
    # The paper's four illustrations of the spectrum, in its order; other responses may sit between.
    illustrations = [
        ("UNOCI", "enforcement action", 120),
        ("MINUSTAH", "withholding support", 110),
        ("MONUC/MONUSCO", "mild expression of concern", 40),
        ("UNAMID", "concealment", 10),
    ]
    where = [
        next(i for i, line in enumerate(lines) if line.split()[0] == mission and option in line)
        for mission, option, _ in illustrations
    ]
    assert where == sorted(where)
    assert [int(lines[i].split()[-1]) for i in where] == [rank for *_, rank in illustrations]
