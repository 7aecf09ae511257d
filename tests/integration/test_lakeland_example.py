"""The worked example of researchers' own data (examples/lakeland-study, fictional): a workbook
coded by two coders builds, answers the named queries per coder, reports their agreement; the
typical mistakes of bad/ give located errors; re-importing one sheet changes only its graphs."""

from __future__ import annotations

import csv
import io
import shutil
import tomllib
from pathlib import Path

import pytest

from kg.cli import main
from kg.store import OxigraphStore

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "lakeland-study"
BOOK = EXAMPLE / "lakeland-coding.xlsx"
NORTH = "https://example.org/lakeland-study/id/response-protest-north"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out + err


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> str:
    from kg.pipeline.build import build

    path = tmp_path_factory.mktemp("lakeland") / "store"
    store = OxigraphStore(path, writable=True)
    summary = build(store, [BOOK], core_only=True)
    store.close()
    warnings = [r.message for r in summary.report.results if r.severity == "Warning"]
    assert any("coders disagree on iodm:hasResponseOption" in w for w in warnings), warnings
    return f"oxigraph:{path}"


def options_of_north(capsys: pytest.CaptureFixture[str], *argv: str) -> set[str]:
    code, out = run(capsys, *argv, "query", "cq2-responses-on-spectrum", "--format", "csv")
    assert code == 0, out
    return {
        line.split(",")[6].rsplit("/", 1)[-1]
        for line in out.splitlines()
        if line.startswith(NORTH + ",")
    }


def test_the_union_shows_both_codings_and_each_coder_one(
    built: str, capsys: pytest.CaptureFixture[str]
) -> None:
    both = {"private-or-delayed-condemnation", "public-criticism"}
    assert options_of_north(capsys, "--store", built) == both
    assert options_of_north(capsys, "--store", built, "--coder", "ben") == {"public-criticism"}
    assert options_of_north(capsys, "--store", built, "--coder", "ana") == {
        "private-or-delayed-condemnation"
    }
    consensus = options_of_north(capsys, "--store", built, "--coder", "consensus")
    assert consensus == {"private-or-delayed-condemnation"}
    code, out = run(capsys, "--store", built, "--coder", "carla", "query", "cq3-decision-factors")
    assert code == 2 and "the coders are: ana, ben, consensus" in out


def test_agreement_prints_alpha_and_the_disagreement(
    built: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "--store", built, "agreement", "--format", "csv")
    assert code == 0, out
    variables = {
        (r["class"].rsplit("#")[-1], r["property"].rsplit("#")[-1]): r
        for r in csv.DictReader(io.StringIO(out))
        if r["record"] == "variable"
    }
    option = variables[("Response", "hasResponseOption")]
    assert (option["alpha"][:5], option["units"], option["agreementPercent"]) == (
        "0.545",
        "3",
        "66.67",
    )
    assert variables[("NormViolation", "violatesNorm")]["alpha"] == "1.0"
    code, out = run(capsys, "--store", built, "agreement")
    assert "Disagreements (1):" in out
    assert "ben        public criticism (confidence low" in out


def test_the_anonymous_interviewee_is_not_named(built: str) -> None:
    store = OxigraphStore(Path(built.removeprefix("oxigraph:")))
    try:
        text = "\n".join(str(q) for q in store.quads())
    finally:
        store.close()
    assert "Amara Example" in text  # the named interviewee, as published
    anonymous = "https://example.org/lakeland-study/id/interview-03"
    assert not [q for q in text.splitlines() if anonymous in q and "intervieweeName" in q]


CASES = tomllib.loads((EXAMPLE / "bad" / "expected.toml").read_text(encoding="utf-8"))["case"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["file"])
def test_each_typical_mistake_gives_its_located_error(
    case: dict[str, object], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = EXAMPLE / "bad" / str(case["file"])
    code, out = run(
        capsys, "--store", f"oxigraph:{tmp_path}/s", "build", "--core-only", "-q", str(target)
    )
    assert code == 1
    assert "Traceback" not in out
    for expected in case["says"]:  # type: ignore[attr-defined]
        assert expected in out, out


def test_reimporting_one_sheet_changes_only_its_graphs(tmp_path: Path) -> None:
    from kg.pipeline.build import build

    folder = tmp_path / "coding"
    shutil.copytree(EXAMPLE / "coding", folder)
    path = tmp_path / "store"

    def dump() -> dict[str, list[str]]:
        store = OxigraphStore(path)
        try:
            graphs: dict[str, list[str]] = {}
            for q in store.quads():
                graphs.setdefault(q.graph_name.value, []).append(str(q))  # type: ignore[union-attr]
            return {g: sorted(qs) for g, qs in graphs.items()}
        finally:
            store.close()

    def rebuild() -> None:
        store = OxigraphStore(path, writable=True)
        try:
            build(store, [folder], core_only=True)
        finally:
            store.close()

    rebuild()
    before = dump()
    responses = folder / "responses.csv"
    responses.write_text(
        responses.read_text(encoding="utf-8").replace("briefed donors", "briefed two donors"),
        encoding="utf-8",
    )
    rebuild()
    after = dump()
    # the study's graphs, byte for byte (the packaged graphs' blank nodes get new labels on each
    # parse, so they are compared by size)
    ours = "https://example.org/lakeland-study/graph/"
    changed = {g for g in before.keys() | after.keys() if before.get(g) != after.get(g)}
    assert {g for g in changed if g.startswith(ours)} == {
        f"{ours}coding/responses/coder/{c}" for c in ("ana", "ben", "consensus")
    }
    assert {g: len(q) for g, q in before.items() if not g.startswith(ours)} == {
        g: len(q) for g, q in after.items() if not g.startswith(ours)
    }
