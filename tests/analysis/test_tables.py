"""Tidy tables, codebook and data package (kg/tables.py) on the curated graph and on the Lakeland
example: written, joinable, valid for frictionless, numeric for pandas, described column by
column, and never naming an anonymous interviewee."""

from __future__ import annotations

import csv
import json
import stat
import sys
from pathlib import Path

import pytest

from kg.core.errors import UsageError
from kg.pipeline.build import build
from kg.store import OxigraphStore, Store, copy_in_memory
from kg.tables import CODEBOOK_CSV, CODEBOOK_MD, DESCRIPTOR, tables, write_tables

from ..publish.test_privacy import CONTROL, LEAKY, SECRET_GRAPH, SECRETS, SLUGS

LAKELAND = Path(__file__).resolve().parents[2] / "examples" / "lakeland-study"
LAKE = "https://example.org/lakeland-study/id/"


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as f:
        return next(csv.reader(f))


@pytest.fixture(scope="module")
def lakeland(tmp_path_factory: pytest.TempPathFactory) -> OxigraphStore:
    store = OxigraphStore(tmp_path_factory.mktemp("lakeland") / "store", writable=True)
    summary = build(store, [LAKELAND / "lakeland-coding.xlsx"], core_only=True)
    assert summary.report.conforms
    return store


@pytest.fixture(scope="module")
def lake_out(lakeland: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lake-tables")
    (out / "keep.txt").write_text("not ours")
    write_tables(lakeland, out)
    return out


@pytest.fixture(scope="module")
def leaky(curated: Store) -> OxigraphStore:
    """The curated build plus interviews that name anonymous interviewees, past validation."""
    store = copy_in_memory(curated)
    store.replace_graphs({SECRET_GRAPH: LEAKY})
    return store


@pytest.fixture(scope="module")
def curated_out(leaky: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("curated-tables")
    written = write_tables(leaky, out)
    assert {p.name for p in written} == {p.name for p in out.iterdir()}
    return out


@pytest.fixture(params=["lakeland", "curated"])
def out(request: pytest.FixtureRequest, lake_out: Path, curated_out: Path) -> Path:
    return lake_out if request.param == "lakeland" else curated_out


def descriptor(out: Path) -> dict:
    return json.loads((out / DESCRIPTOR).read_text(encoding="utf-8"))


def test_written_atomically_with_headers_and_mode(out: Path) -> None:
    package = descriptor(out)
    for resource in package["resources"]:
        path = out / resource["path"]
        fields = [f["name"] for f in resource["schema"]["fields"]]
        assert header(path) == fields, path  # empty tables too: honest empty state
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
    for name in (CODEBOOK_MD, CODEBOOK_CSV, DESCRIPTOR):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o644
    expected = {"officials", "holdings", "posts", "organizations", "places", "violations"}
    expected |= {"responses", "factor_observations", "interviews", "codings", "evidence"}
    assert expected <= {Path(r["path"]).stem for r in package["resources"]}


def test_other_files_are_left_alone(lake_out: Path) -> None:
    assert (lake_out / "keep.txt").read_text() == "not ours"


def test_frictionless_validates(out: Path) -> None:
    import frictionless

    report = frictionless.validate(str(out / DESCRIPTOR))
    assert report.valid, report.flatten(["resourceName", "type", "message"])[:5]


def test_foreign_keys_join(out: Path) -> None:
    package = descriptor(out)
    by_name = {r["name"]: r for r in package["resources"]}
    checked = 0
    for resource in package["resources"]:
        rows = read(out / resource["path"])
        for fk in resource["schema"].get("foreignKeys", []):
            target = by_name[fk["reference"]["resource"] or resource["name"]]
            assert fk["reference"]["fields"] == ["id"]
            ids = {r["id"] for r in read(out / target["path"])}
            (column,) = fk["fields"]
            for row in rows:
                value = row[column]
                if value:
                    assert value in ids, (resource["name"], column, value)
                    checked += 1
        if "id" in header(out / resource["path"]):
            keys = [r["key"] for r in rows]
            assert len(set(keys)) == len(keys), resource["name"]
    assert checked > 50


def test_codebook_describes_every_column(out: Path) -> None:
    with (out / CODEBOOK_CSV).open(encoding="utf-8", newline="") as f:
        book = {(r["table"], r["column"]): r for r in csv.DictReader(f)}
    md = (out / CODEBOOK_MD).read_text(encoding="utf-8")
    for resource in descriptor(out)["resources"]:
        table = Path(resource["path"]).stem
        for column in header(out / resource["path"]):
            entry = book.pop((table, column))
            assert len(entry["description"]) > 15, (table, column)
            assert f"`{column}`" in md
        assert f"## {table}\n" in md
        if not read(out / resource["path"]):
            section = md.split(f"## {table}\n", 1)[1].split("\n## ", 1)[0]
            assert "No rows in this build." in section
    assert not book  # and nothing it describes is missing from the tables


def test_pandas_reads_numbers_as_numbers(lake_out: Path, lakeland: Store) -> None:
    pd = pytest.importorskip("pandas")
    posts = pd.read_csv(lake_out / "posts.csv")
    assert pd.api.types.is_float_dtype(posts["distance_km"])
    assert pd.api.types.is_numeric_dtype(posts["reporting_steps"])
    concepts = pd.read_csv(lake_out / "concepts.csv")
    assert pd.api.types.is_numeric_dtype(concepts["rank"])
    codings = pd.read_csv(lake_out / "codings.csv")
    assert pd.api.types.is_integer_dtype(codings["source_row"])

    frames = tables(lakeland)
    assert set(frames) == {Path(r["path"]).stem for r in descriptor(lake_out)["resources"]}
    north = frames["posts"].set_index("key").loc["post-north-coordinator"]
    assert isinstance(north["distance_km"], float) and north["distance_km"] == pytest.approx(196.6)
    assert (
        north["reporting_steps"] == 2 and str(frames["posts"]["reporting_steps"].dtype) == "Int64"
    )
    assert str(frames["responses"]["public"].dtype) == "boolean"


def test_tables_without_pandas(lakeland: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(UsageError) as e:
        tables(lakeland)
    assert "pip install pandas" in str(e.value.hint)


def test_lakeland_values(lake_out: Path) -> None:
    holdings = {r["key"]: r for r in read(lake_out / "holdings.csv")}
    chen, bruno = holdings["holding-chen"], holdings["holding-bruno"]
    assert (chen["start"], chen["start_precision"]) == ("2019", "year")
    assert (chen["start_earliest"], chen["start_latest"]) == ("2019-01", "2019-06")
    assert chen["start_approximate"] == "false" and chen["official_id"] == LAKE + "official-chen"
    assert (bruno["start"], bruno["start_approximate"]) == ("2016", "true")
    assert (bruno["end"], bruno["end_precision"]) == ("2021-06", "month")
    assert chen["end"] == "" and chen["end_precision"] == "unknown"

    responses = {r["key"]: r for r in read(lake_out / "responses.csv")}
    north = responses["response-protest-north"]
    # ana and ben disagree; the consensus coder's option is the table's, and both are kept
    assert north["option_label"] == "private or delayed condemnation"
    assert north["placed_by_label"] == "coder's reading"
    assert north["violation_id"] == LAKE + "violation-protest"
    concepts = {r["id"]: r for r in read(lake_out / "concepts.csv")}
    assert int(concepts[north["option_id"]]["rank"]) < int(
        concepts[responses["response-media-law"]["option_id"]]["rank"]
    )
    stated = {
        (r["coding_id"].rsplit("/", 1)[1], r["value"].rsplit("/", 1)[1])
        for r in read(lake_out / "coded_values.csv")
        if r["column"] == "option" and "response-protest-north" in r["coding_id"]
    }
    assert stated == {
        ("ana", "private-or-delayed-condemnation"),
        ("ben", "public-criticism"),
        ("consensus", "private-or-delayed-condemnation"),
    }
    codings = read(lake_out / "codings.csv")
    assert {r["coder"] for r in codings} == {"ana", "ben", "consensus"}
    assert all(r["coded_table"] for r in codings)

    respondents = read(lake_out / "responses__respondent.csv")
    office = [r for r in respondents if r["response_id"] == LAKE + "response-protest-office"]
    assert {(r["organization_id"], r["post_id"]) for r in office} == {
        (LAKE + "lakeland-office", ""),
        ("", LAKE + "post-resrep"),
    }
    evidence = read(lake_out / "evidence.csv")
    assert {"claim_id": LAKE + "holding-amara", "interview_id": LAKE + "interview-01"}.items() <= {
        k: v for r in evidence if r["claim_id"] == LAKE + "holding-amara" for k, v in r.items()
    }.items()


def test_interviews_as_published(lake_out: Path) -> None:
    interviews = {r["key"]: r for r in read(lake_out / "interviews.csv")}
    assert interviews["interview-01"]["interviewee_name"] == "Amara Example"
    assert interviews["interview-01"]["interviewee_id"] == LAKE + "official-amara"
    for key in ("interview-02", "interview-03"):  # partially identified, anonymous
        row = interviews[key]
        assert row["anonymity_id"] != "https://w3id.org/iodm#Named"
        assert not (row["interviewee_name"] or row["interviewee_id"] or row["interviewee_label"])


def test_no_anonymous_interviewee_anywhere(curated_out: Path) -> None:
    for path in curated_out.iterdir():
        text = path.read_text(encoding="utf-8").lower()
        for secret in (*SECRETS, *SLUGS):
            assert secret.lower() not in text, f"{path.name} identifies an anonymous interviewee"
    interviews = {r["key"]: r for r in read(curated_out / "interviews.csv")}
    assert interviews["interview/privacy-test-named"]["interviewee_name"] == CONTROL
    assert "interview/privacy-test-anonymous" in interviews  # the interview stays, unnamed


def test_progress_lines(lakeland: Store, tmp_path: Path) -> None:
    import io

    from kg.pipeline.load import Progress

    stream = io.StringIO()
    write_tables(lakeland, tmp_path / "t", progress=Progress(stream=stream))
    lines = stream.getvalue().splitlines()
    assert any("holdings.csv  3 rows" in line for line in lines)
    assert lines[-1].startswith("wrote ")


def test_dataset_description_names_the_package(lakeland: Store, tmp_path: Path) -> None:
    import pyoxigraph as ox

    from kg.core.namespaces import dcterms, rdf, void

    store = copy_in_memory(lakeland)
    ds = ox.NamedNode("https://example.org/lakeland-study/")
    store.replace_graphs(
        {
            "https://example.org/lakeland-study/graph/dataset": [
                ox.Triple(ds, ox.NamedNode(rdf.type), ox.NamedNode(void.Dataset)),
                ox.Triple(ds, ox.NamedNode(dcterms["title"]), ox.Literal("The Lakeland study")),
                ox.Triple(
                    ds,
                    ox.NamedNode(dcterms.license),
                    ox.NamedNode("https://creativecommons.org/licenses/by/4.0/"),
                ),
            ]
        }
    )
    write_tables(store, tmp_path)
    package = descriptor(tmp_path)
    assert package["title"] == "The Lakeland study"
    assert package["licenses"][0]["path"] == "https://creativecommons.org/licenses/by/4.0/"
    import frictionless

    assert frictionless.validate(str(tmp_path / DESCRIPTOR)).valid
