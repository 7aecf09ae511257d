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
    ranks = [line.split()[-1] for line in lines[2:]]
    assert ranks == ["120", "110", "40", "10"]
