"""The `iodm` command as a user runs it: build, validate, stats, query, export, and errors."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from kg.cli import main
from kg.core.errors import EXIT_INVALID, EXIT_OK, EXIT_USAGE

from ..conftest import FIXTURES

TOY = sorted((FIXTURES / "toy").glob("*.ttl"))
SHAPES = Path(__file__).resolve().parents[1] / "shapes"


def iodm(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store built from the ontology, the curated data and the toy fixture (tests that use
    it may try to write, but every write they try must be refused)."""
    descriptor = f"oxigraph:{tmp_path_factory.mktemp('cli') / 'store'}"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["--store", descriptor, "build", "-q", *map(str, TOY)])
    assert code == EXIT_OK, err.getvalue()
    return descriptor


def test_help_is_instant_and_imports_nothing_heavy() -> None:
    """Building the whole command line (the analysis and publishing commands included) imports
    no RDF, reasoning, graph, plotting or web library: they load when a command runs."""
    code = (
        "import sys, kg.cli\n"
        "kg.cli._parser()\n"
        "heavy = {'pyoxigraph', 'rdflib', 'pyshacl', 'owlready2', 'networkx', 'matplotlib',\n"
        "         'starlette', 'uvicorn', 'jinja2'}\n"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_broken_file_changes_nothing(store: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _, before, _ = iodm(capsys, "--store", store, "stats")
    broken = tmp_path / "broken.ttl"
    broken.write_text('@prefix ex: <https://example.org/> .\nex:a ex:b "oops .\n', encoding="utf-8")
    code, _, err = iodm(capsys, "--store", store, "build", broken)
    assert code == EXIT_INVALID
    assert "broken.ttl:2:" in err
    _, after, _ = iodm(capsys, "--store", store, "stats")
    assert after == before


def test_stating_what_the_build_derives_is_refused(store: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _, before, _ = iodm(capsys, "--store", store, "stats")
    mine = tmp_path / "mine.ttl"
    mine.write_text(
        "@prefix iodm: <https://w3id.org/iodm#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<https://example.org/p> a iodm:Post ; rdfs:label "A post" ;\n'
        "    iodm:distanceToHostCapitalKm 12.5 .\n",
        encoding="utf-8",
    )
    code, _, err = iodm(capsys, "--store", store, "build", mine)
    assert code == EXIT_INVALID
    assert "mine.ttl" in err and "iodm:distanceToHostCapitalKm" in err and "derives" in err
    _, after, _ = iodm(capsys, "--store", store, "stats")
    assert after == before


# Every invalid example is checked against its shape in tests/shapes; here two of them show
# what a user sees from the command line.
CLI_EXAMPLES = ["response-without-option.ttl", "anonymous-interviewee-named.ttl"]


@pytest.mark.parametrize("bad", [SHAPES / "invalid" / n for n in CLI_EXAMPLES], ids=str)
def test_data_breaking_a_shape_is_refused_with_its_message(
    store: str, bad: Path, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COLUMNS", "1000")
    _, before, _ = iodm(capsys, "--store", store, "stats")
    code, out, _ = iodm(capsys, "--store", store, "validate", bad)
    assert code == EXIT_INVALID
    shape = bad.read_text(encoding="utf-8").splitlines()[0].split()[2]
    report = json.loads(iodm(capsys, "--store", store, "validate", "--format", "json", bad)[1])
    messages = [r["message"] for r in report["results"] if r["severity"] == "Violation"]
    assert messages and all(messages), "every violation carries a message"
    assert any(m in out for m in messages)  # a wide terminal shows each message whole
    code, _, err = iodm(capsys, "--store", store, "build", bad)
    assert code == EXIT_INVALID and "SHACL" in err
    assert iodm(capsys, "--store", store, "stats")[1] == before
    assert shape  # the header names the shape (checked in tests/shapes)


def test_validate_formats(store: str, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = iodm(capsys, "--store", store, "validate", "--format", "json")
    assert code == EXIT_OK and json.loads(out)["conforms"] is True
    code, out, _ = iodm(capsys, "--store", store, "validate", "--format", "ttl")
    g = rdflib.Graph().parse(data=out, format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    assert (None, rdflib.RDF.type, sh.ValidationReport) in g


def test_stats_counts_graphs_and_classes(store: str, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = iodm(capsys, "--store", store, "stats")
    assert code == EXIT_OK
    assert "graph:ontology/iodm.ttl" in out
    assert "iodm:ResponseOption" in out


def test_query_formats_and_errors(store: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = iodm(
        capsys, "--store", store, "query", "cq3-decision-factors", "--format", "csv"
    )
    assert code == EXIT_OK and len(out.strip().splitlines()) == 1 + 9
    target = tmp_path / "out" / "factors.json"
    code, _, _ = iodm(
        capsys, "--store", store, "query", "cq3-decision-factors", "--format", "json", "-o", target
    )
    assert len(json.loads(target.read_text())["results"]["bindings"]) == 9
    assert target.read_text().endswith("}\n")  # a line of text, though pyoxigraph ends none
    code, out, _ = iodm(
        capsys, "--store", store, "query", "cq3-decision-factors", "--format", "xml"
    )
    parsed = ox.parse_query_results(out, format=ox.QueryResultsFormat.XML)
    assert code == EXIT_OK and isinstance(parsed, ox.QuerySolutions) and len(list(parsed)) == 9
    adhoc = tmp_path / "q.rq"
    adhoc.write_text("CONSTRUCT { ?s a ?c } WHERE { ?s a ?c } LIMIT 3", encoding="utf-8")
    code, out, _ = iodm(capsys, "--store", store, "query", "--sparql", adhoc, "--format", "nt")
    assert code == EXIT_OK and len(out.strip().splitlines()) == 3
    code, out, _ = iodm(capsys, "--store", store, "query", "--sparql", adhoc, "--format", "jsonld")
    document = json.loads(out)  # compacted with IODM's context, as `iodm export` writes it
    assert code == EXIT_OK and document["@context"]["iodm"] == "https://w3id.org/iodm#"
    types = [
        n["@type"] if isinstance(n["@type"], list) else [n["@type"]] for n in document["@graph"]
    ]
    assert sum(map(len, types)) == 3  # the three triples, as types of their subjects
    code, _, err = iodm(capsys, "--store", store, "query", "--sparql", adhoc, "--format", "csv")
    assert code == EXIT_USAGE
    assert "--format csv does not fit the result of a CONSTRUCT or DESCRIBE query" in err
    assert iodm(capsys, "--store", store, "query", "no-such-query")[0] == EXIT_USAGE
    code, _, err = iodm(capsys, "--store", store, "query", "cq5-long-tenure", "-p", "minYears=lots")
    assert code == EXIT_USAGE and "minYears" in err
    adhoc.write_text("SELECT ?s WHERE { ?s ?p }", encoding="utf-8")
    code, _, err = iodm(capsys, "--store", store, "query", "--sparql", adhoc)
    assert code == EXIT_USAGE and "malformed SPARQL" in err


@pytest.mark.parametrize(
    ("params", "says"),
    [
        (["-p", "minYears=\u0665"], "expects xsd:decimal, got '\u0665'"),  # Arabic-Indic five
        (["-p", "minYears=3", "-p", "minYears=4"], "parameter minYears given twice"),
    ],
)
def test_a_parameter_is_ascii_and_given_once(  # type: ignore[no-untyped-def]
    store: str, params: list[str], says: str, capsys
) -> None:
    code, _, err = iodm(capsys, "--store", store, "query", "cq5-long-tenure", *params)
    assert code == EXIT_USAGE and says in err


@pytest.mark.parametrize(
    ("fmt", "rdflib_format"), [("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")]
)
def test_export_round_trips(
    store: str, tmp_path: Path, fmt: str, rdflib_format: str, capsys
) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / f"kg.{fmt}"
    code, _, _ = iodm(capsys, "--store", store, "export", "--format", fmt, "-o", target)
    assert code == EXIT_OK
    exported = rdflib.Graph().parse(target, format=rdflib_format)
    nt = tmp_path / "reference.nt"
    iodm(capsys, "--store", store, "export", "--format", "nt", "-o", nt)
    reference = rdflib.Graph().parse(nt, format="nt")
    assert len(exported) == len(reference) > 1000


def test_export_graphml(store: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import networkx as nx

    target = tmp_path / "kg.graphml"
    assert (
        iodm(capsys, "--store", store, "export", "--format", "graphml", "-o", target)[0] == EXIT_OK
    )
    g = nx.read_graphml(target)
    assert g.number_of_nodes() > 50 and g.number_of_edges() > 50
    labelled = [n for n, d in g.nodes(data=True) if d.get("label")]
    assert labelled


@pytest.mark.slow
def test_reason_then_materialize_then_rebuild(curated_copy: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    store = f"oxigraph:{curated_copy}"  # a copy of the session's build of the curated graph
    code, out, _ = iodm(capsys, "--store", store, "reason", "--materialize")
    assert code == EXIT_OK and out.startswith("consistent") and "materialized" in out
    assert "graph:inferred" in iodm(capsys, "--store", store, "stats")[1]
    assert iodm(capsys, "--store", store, "build", "-q")[0] == EXIT_OK
    assert "graph:inferred" not in iodm(capsys, "--store", store, "stats")[1]


def test_reason_on_an_empty_store_says_what_to_do(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = iodm(capsys, "--store", f"oxigraph:{tmp_path / 'none'}", "reason")
    assert code == 3 and "iodm build" in err


def test_checks_all_pass_on_the_curated_graph(store: str, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = iodm(capsys, "--store", store, "check")
    last = out.strip().splitlines()[-1]
    assert code == EXIT_OK, out
    passed, _, total = last.split()[:3]
    assert passed == total and int(total) >= 1


def test_unknown_store_descriptor_is_a_usage_error(capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = iodm(capsys, "--store", "mongo:x", "stats")
    assert code == EXIT_USAGE and "oxigraph:PATH" in err


@pytest.mark.parametrize("url", ["not-a-url", "ftp://host/q", "http:///q"])
def test_a_sparql_store_needs_http_urls(url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = iodm(capsys, "--store", f"sparql:{url}", "stats")
    assert code == EXIT_USAGE and "needs http(s) URLs" in err and "Traceback" not in err


def test_provenance_share_is_reported_and_complete(store: str, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = iodm(capsys, "--store", store, "stats", "--provenance")
    assert code == EXIT_OK
    summary = next(line for line in out.splitlines() if "claims in the curated graph" in line)
    assert summary.startswith("100.0% of "), out
    assert "Without a source, in the curated graph" not in out
    # the toy fixture's files are the user's data of this build, counted apart, graph by graph
    assert " claims in your data (" in out
    assert "Without a source, in your data:\n  <https://example.org/toy/" in out


# --- a build of one's own (--core-only): the checks and counts that fit it ---------------------

ROOT = Path(__file__).resolve().parents[2]
DEVBANK = sorted((ROOT / "examples" / "development-bank").glob("*.ttl"))
LAKELAND = ROOT / "examples" / "lakeland-study" / "lakeland-coding.xlsx"


@pytest.fixture(scope="module")
def devbank(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The development-bank example, built without the peacekeeping module and curated data."""
    descriptor = f"oxigraph:{tmp_path_factory.mktemp('devbank') / 'store'}"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["--store", descriptor, "build", "-q", "--core-only", *map(str, DEVBANK)])
    assert code == EXIT_OK, err.getvalue()
    return descriptor


def test_checks_of_the_curated_graph_are_skipped_on_a_core_only_build(devbank: str, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = iodm(capsys, "--store", devbank, "check")
    assert code == EXIT_OK, out
    lines = out.strip().splitlines()
    skipped = [line.split()[1].rstrip(":") for line in lines if line.startswith("skip ")]
    assert skipped == ["dangling-reference-violation", "source-is-not-evidence-violation"]
    assert all("about the curated graph, which this build leaves out" in line for line in lines[:2])
    assert not [line for line in lines if line.startswith("FAIL")]
    passed, _, total = lines[-1].split()[:3]
    assert passed == total and int(total) > 30


def test_the_lakeland_workbook_built_core_only_passes_check(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    store = f"oxigraph:{tmp_path / 'store'}"
    code, _, err = iodm(capsys, "--store", store, "build", "-q", "--core-only", LAKELAND)
    assert code == EXIT_OK, err
    code, out, _ = iodm(capsys, "--store", store, "check")
    assert code == EXIT_OK and "FAIL" not in out, out


def test_provenance_counts_the_users_claims_on_their_build(devbank: str, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = iodm(capsys, "--store", devbank, "stats", "--provenance")
    assert code == EXIT_OK
    assert "curated graph" not in out and " of 0 claims" not in out
    summary = next(line for line in out.splitlines() if " claims in your data " in line)
    share, _, claims = summary.split()[:3]
    assert int(claims) >= 20 and 0 < float(share.rstrip("%")) <= 100, summary
    # what it counts, class by class and graph by graph; an official is a claim, a passage not
    assert "your data  iodm:Official " in out and "iodm:Passage" not in out
    assert "owl:Class" not in out  # the extension ontology declares, it does not claim
    from kg.inspect import YOURS, provenance
    from kg.store import open_store

    with open_store(devbank) as store:
        counted = provenance(store)
    assert list(counted.parts) == [YOURS] and counted.claims == int(claims)
    ((graph, part, n, sourced),) = counted.per_graph  # the example's one file of data
    assert graph.endswith("/graph/devbank-data.ttl") and (part, n) == (YOURS, int(claims))
    assert f"{100 * sourced / n:.1f}%" == share
    listed = out.split("Without a source, in your data:\n")[1:]
    assert len(listed[0].splitlines() if listed else []) == n - sourced == len(counted.unsourced)


# --- tidy tables ---------------------------------------------------------------------------------


def test_export_tables_writes_the_tables_codebook_and_data_package(
    devbank: str, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    out_dir = tmp_path / "tables"
    code, out, err = iodm(capsys, "--store", devbank, "export", "--tables", out_dir)
    assert code == EXIT_OK, err
    assert not out  # progress goes to standard error, nothing to standard output
    package = json.loads((out_dir / "datapackage.json").read_text(encoding="utf-8"))
    paths = {r["path"] for r in package["resources"]}
    assert {"officials.csv", "posts.csv", "holdings.csv"} <= paths
    assert all((out_dir / p).is_file() for p in paths)
    assert (out_dir / "codebook.md").is_file() and (out_dir / "codebook.csv").is_file()
    assert str(out_dir / "officials.csv") in err
    code, _, err = iodm(capsys, "--store", devbank, "export", "-q", "--tables", tmp_path / "q")
    assert code == EXIT_OK and not err


def test_export_tables_is_wired_to_write_tables(  # type: ignore[no-untyped-def]
    devbank: str, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kg.tables
    from kg.pipeline.load import Progress

    calls = []

    def write_tables(store, out_dir, progress=None):  # type: ignore[no-untyped-def]
        calls.append((store.descriptor, out_dir, progress))
        return []

    monkeypatch.setattr(kg.tables, "write_tables", write_tables)
    assert iodm(capsys, "--store", devbank, "export", "--tables", tmp_path / "t", "-q")[0] == 0
    ((descriptor, out_dir, progress),) = calls
    assert descriptor == devbank and out_dir == tmp_path / "t"
    assert isinstance(progress, Progress) and progress.quiet


@pytest.mark.parametrize(
    "extra", [["--format", "nt"], ["-o", "kg.ttl"], ["--graph", "https://example.org/g"]]
)
def test_export_tables_takes_no_rdf_options(
    devbank: str, tmp_path: Path, extra: list[str], capsys
) -> None:  # type: ignore[no-untyped-def]
    code, out, err = iodm(capsys, "--store", devbank, "export", "--tables", tmp_path / "t", *extra)
    assert code == EXIT_USAGE and not out
    assert f"--tables writes a folder of CSV tables: it takes no {extra[0]}" in err
    assert not (tmp_path / "t").exists()
    target = tmp_path / "file"
    target.write_text("", encoding="utf-8")
    code, _, err = iodm(capsys, "--store", devbank, "export", "--tables", target)
    assert code == EXIT_USAGE and "a file, not a folder" in err


# --- JSON-LD with IODM's context -----------------------------------------------------------------


def test_export_jsonld_is_compacted_with_iodm_context(devbank: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "kg.jsonld"
    code, _, err = iodm(capsys, "--store", devbank, "export", "--format", "jsonld", "-o", target)
    assert code == EXIT_OK, err
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["@context"]["iodm"] == "https://w3id.org/iodm#"  # embedded: reads offline
    holdings = [n for n in document["@graph"] if "PostHolding" in n.get("@type", [])]
    assert holdings and all(isinstance(h["heldPost"], str) for h in holdings), holdings[:1]
    code, out, _ = iodm(
        capsys, "--store", devbank, "export", "--format", "jsonld", "--link-context"
    )
    assert code == EXIT_OK
    linked = json.loads(out)
    assert linked["@context"] == "https://w3id.org/iodm/context.jsonld"
    assert linked["@graph"] == document["@graph"]
    code, _, err = iodm(capsys, "--store", devbank, "export", "--link-context")
    assert code == EXIT_USAGE and "--link-context applies to --format jsonld" in err


def test_export_nquads_keeps_the_graph_names_of_the_build(devbank: str, capsys) -> None:  # type: ignore[no-untyped-def]
    from kg.store import open_store

    code, out, _ = iodm(capsys, "--store", devbank, "export", "--format", "nq")
    assert code == EXIT_OK
    quads = list(ox.parse(out.encode(), format=ox.RdfFormat.N_QUADS))
    exported = {q.graph_name.value for q in quads}  # type: ignore[union-attr]
    with open_store(devbank) as store:
        assert exported == set(store.named_graphs())
    assert not any(g.startswith("file:") for g in exported)
