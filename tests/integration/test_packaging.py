"""An installed `iodm` works outside the checkout, and `iodm run` works with an empty home."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (found,) = out.glob("iodm-*.whl")
    return found


def test_wheel_carries_ontology_queries_and_data(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for folder, suffix in (("ontology", ".ttl"), ("queries", ".rq"), ("data", ".ttl")):
        packaged = [n for n in names if n.startswith(f"kg/{folder}/") and n.endswith(suffix)]
        here = list((ROOT / ("kg/data" if folder == "data" else folder)).rglob(f"*{suffix}"))
        assert len(packaged) == len(here) > 0, folder


def test_installed_wheel_builds_and_answers_outside_the_checkout(
    wheel: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": str(site),
        "HOME": str(tmp_path / "home"),
        "IODM_STORE": f"oxigraph:{tmp_path / 'store'}",
    }
    env.pop("XDG_DATA_HOME", None)

    def iodm(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "kg.cli", *args],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    where = subprocess.run(
        [sys.executable, "-c", "import kg; print(kg.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(site))
    iodm("build", "-q")
    assert "cq3-decision-factors" in iodm("queries")
    assert len(iodm("query", "cq3-decision-factors", "--format", "csv").splitlines()) == 10


def test_run_with_an_empty_home_uses_the_user_data_directory(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path)}
    for var in ("IODM_STORE", "XDG_DATA_HOME"):
        env.pop(var, None)
    done = subprocess.run(
        [sys.executable, "-m", "kg.cli", "run"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / ".local/share/iodm/store").is_dir()
    assert "consistent" in done.stdout
    assert "[cq3-decision-factors]" in done.stdout
    assert "What to try next" in done.stdout
