"""The analysis subcommands as a researcher runs them."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from kg.cli import main
from kg.core.errors import EXIT_OK, EXIT_USAGE

from .conftest import FIXTURE, TOY


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    descriptor = f"oxigraph:{tmp_path_factory.mktemp('analysis-cli') / 'store'}"
    code, _, err = iodm("--store", descriptor, "build", "-q", *map(str, [*TOY, FIXTURE]))
    assert code == EXIT_OK, err
    return descriptor


def iodm(*args: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def test_distances_prints_the_rows_of_cq1(store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # a table as wide as its rows, whatever runs the test
    code, out, err = iodm("--store", store, "distances", "--mission", "TOYMIS")
    assert code == EXIT_OK, err
    assert "Field officer in Toy Town" in out and "296.7" in out
    assert "of the named query cq1-distance-from-capital" in out
    code, out, _ = iodm("--store", store, "distances", "--format", "json")
    assert any(r["distanceKm"] == 296.7 and r["reportingSteps"] == 3 for r in json.loads(out))


def test_profile_text_json_and_turtle(store: str) -> None:
    code, out, err = iodm("--store", store, "profile", "Stabilization officer in East Town")
    assert code == EXIT_OK, err
    assert "Cross-pressure" in out and "evidence:" in out and "predispose" in out
    code, out, _ = iodm(
        "--store", store, "profile", "Dana Test", "--at", "2016-01-01", "--format", "json"
    )
    data = json.loads(out)[0]
    assert data["at"] == "2016-01-01" and data["crossPressure"] is True
    code, out, _ = iodm("--store", store, "profile", "Alice Toy", "--format", "ttl")
    import pyoxigraph as ox

    triples = list(ox.parse(out.encode(), format=ox.RdfFormat.TURTLE))
    assert any(t.predicate.value.endswith("#pullsToward") for t in triples)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["profile", "Nobody Anywhere"], "hint:"),
        (["profile", "Alice Toy", "--at", "2016"], "YYYY-MM-DD"),
        (["whatif", "--mission", "TOYMIS"], "no change"),
        (["whatif", "--cut", "TOYMIS"], "expects A=B"),
        (["figure", "all", "-o", "x.png"], "folder"),
    ],
)
def test_usage_errors_exit_2_with_a_message(store: str, args: list[str], message: str) -> None:
    code, _, err = iodm("--store", store, *args)
    assert code == EXIT_USAGE and message in err


def test_whatif_and_evidence(store: str) -> None:
    code, out, err = iodm(
        "--store",
        store,
        "whatif",
        "--at",
        "2016-06-30",
        "--rotate",
        "3",
        "--move",
        "Head of the Toy Town field office=Toy City",
    )
    assert code == EXIT_OK, err
    assert out.index("rotation after 3") < out.index("moved from Toy Town to Toy City")
    assert "Posts of the mission by net lean" in out
    code, out, _ = iodm("--store", store, "evidence")
    assert code == EXIT_OK and "Descriptive only" in out and "curated data" in out


def test_network_and_figures_write_files(store: str, tmp_path: Path) -> None:
    code, _, err = iodm(
        "--store", store, "network", "-o", tmp_path / "v.gexf", "--mission", "TESTMIS"
    )
    assert code == EXIT_OK, err
    assert (tmp_path / "v.gexf").read_text(encoding="utf-8").startswith("<?xml")
    code, _, err = iodm(
        "--store", store, "figure", "all", "-o", tmp_path / "figs", "--mission", "TESTMIS"
    )
    assert code == EXIT_OK, err
    written = sorted(p.name for p in (tmp_path / "figs").iterdir())
    assert written == sorted(
        f"{n}.{f}"
        for n in ("spectrum", "factors", "hierarchy", "distances")
        for f in ("png", "svg")
    )
    assert "TESTMIS" in (tmp_path / "figs" / "hierarchy.svg").read_text(encoding="utf-8")


def test_figure_examples_regenerates_both_example_sets(tmp_path: Path) -> None:
    code, _, err = iodm("--store", "memory:", "figure", "examples", "-o", tmp_path)
    assert code == EXIT_OK, err
    for graph in ("curated", "development-bank"):
        names = sorted(p.name for p in (tmp_path / graph).iterdir())
        assert len(names) == 8, names
    synthetic = (tmp_path / "development-bank" / "spectrum.svg").read_text(encoding="utf-8")
    assert "synthetic toy data" in synthetic
