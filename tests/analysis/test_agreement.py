"""Inter-coder agreement (``iodm agreement``) on stores holding coders' graphs as the build writes
them (docs/ingest.md): a manifest attributing each coder's graph to the coder, the coded values on
the resources, one iodm:Coding per coded row."""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import json
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.analysis.agreement import NONE, AgreementReport, Variable, agreement
from kg.cli import main
from kg.core.errors import EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, StoreError, UsageError
from kg.core.namespaces import BUILD_GRAPH, ID, dcterms, iodm, prov, rdf, rdfs, skos, xsd
from kg.store import OxigraphStore

NS = "https://example.org/undp-study/"
OPTION = ID + "response-option/"
CONFIDENCE = ID + "confidence/"
QUIET, PUBLIC = OPTION + "quiet-diplomacy", OPTION + "public-denunciation"


def n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def t(s: str, p: str, o: ox.NamedNode | ox.Literal) -> ox.Triple:
    return ox.Triple(n(s), n(p), o)


def lit(value: str, datatype: str = xsd.string) -> ox.Literal:
    return ox.Literal(value, datatype=n(datatype))


def graph_of(coder: str, sheet: str = "responses") -> str:
    return f"{NS}graph/coding/{sheet}/coder/{coder}"


def manifest(coders: Iterable[str], uncoded: Iterable[str] = ()) -> list[ox.Triple]:
    """The build graph: every graph a part of the build, coders' graphs attributed to them."""
    build = BUILD_GRAPH
    out = []
    for g in uncoded:
        out += [t(build, dcterms.hasPart, n(g)), t(g, dcterms.type, lit("extra"))]
    for name in coders:
        g, coder = graph_of(name), f"{NS}coder/{name}"
        out += [
            t(build, dcterms.hasPart, n(g)),
            t(g, dcterms.type, lit("extra")),
            t(g, dcterms["title"], lit("coding.xlsx › responses")),
            t(g, prov.wasAttributedTo, n(coder)),
            t(coder, rdfs.label, lit(name)),
        ]
    return out


def coded(
    unit: str,
    coder: str,
    row: int,
    confidence: str = "high",
    cls: str = iodm.Response,
    **values: ox.NamedNode | ox.Literal | list[ox.NamedNode],
) -> list[ox.Triple]:
    """One coded row: the resource's values (property local names of iodm:) and its coding."""
    s, coding = f"{NS}id/{unit}", f"{NS}coding/{unit}/{coder}"
    out = [
        t(s, rdf.type, n(cls)),
        t(s, rdfs.label, lit(f"{unit} as {coder} labels it")),
        t(s, skos.note, lit(f"{coder}'s reading")),
        t(s, prov.wasDerivedFrom, n(f"{NS}id/source-{coder}")),
        t(coding, rdf.type, n(iodm.Coding)),
        t(coding, iodm.codes, n(s)),
        t(coding, prov.wasAttributedTo, n(f"{NS}coder/{coder}")),
        t(coding, iodm.confidence, n(CONFIDENCE + confidence)),
        t(coding, skos.note, lit("checked twice")),
        t(coding, iodm.sourceRow, lit(str(row), xsd.integer)),
    ]
    for local, value in values.items():
        for v in value if isinstance(value, list) else [value]:
            out.append(t(s, iodm[local], v))
    return out


def response(unit: str, coder: str, row: int, option: str, public: bool, **kw: object) -> list:
    return coded(
        unit,
        coder,
        row,
        hasResponseOption=n(option),
        isPublic=lit("true" if public else "false", xsd.boolean),
        occurredOn=lit("2021-05", xsd.gYearMonth),
        **kw,  # type: ignore[arg-type]
    )


def responses_store() -> OxigraphStore:
    """alice and bob code four responses; they differ on one option (resp-02); consensus
    adjudicates it; resp-05 is alice's alone."""
    store = OxigraphStore()
    store.add(manifest(["alice", "bob", "consensus"], [f"{NS}graph/reference"]), BUILD_GRAPH)
    store.add(
        [
            t(QUIET, rdfs.label, lit("quiet diplomacy")),
            t(PUBLIC, rdfs.label, lit("public denunciation")),
            t(CONFIDENCE + "low", rdfs.label, ox.Literal("low", language="en")),
            t(CONFIDENCE + "high", rdfs.label, ox.Literal("high", language="en")),
            t(f"{NS}id/resp-02", rdfs.label, lit("Response 2")),
        ],
        f"{NS}graph/reference",
    )
    alice = [
        *response("resp-01", "alice", 2, QUIET, False),
        *response("resp-02", "alice", 3, QUIET, False, confidence="low"),
        *response("resp-03", "alice", 4, PUBLIC, True),
        *response("resp-04", "alice", 5, PUBLIC, True),
        *response("resp-05", "alice", 6, QUIET, True),  # alice's alone: not a unit
    ]
    bob = [
        *response("resp-01", "bob", 12, QUIET, False),
        *response("resp-02", "bob", 13, PUBLIC, False),
        *response("resp-03", "bob", 14, PUBLIC, True),
        *response("resp-04", "bob", 15, PUBLIC, True),
    ]
    store.add(alice, graph_of("alice"))
    store.add(bob, graph_of("bob"))
    store.add(response("resp-02", "consensus", 2, QUIET, False), graph_of("consensus"))
    return store


@pytest.fixture(scope="module")
def report() -> AgreementReport:
    return agreement(responses_store())


def test_alpha_per_variable_by_hand(report: AgreementReport) -> None:
    # hasResponseOption, units (quiet, quiet) (quiet, public) (public, public) (public, public):
    # n = 8 pairable values, n_quiet = 3, n_public = 5, two disagreeing pairs o_qp = o_pq = 1;
    # alpha = 1 - (n - 1) (o_qp + o_pq) / (2 n_quiet n_public) = 1 - 7 * 2 / 30 = 8/15.
    option = report.result(iodm.Response, iodm.hasResponseOption)
    assert option.alpha == pytest.approx(8 / 15)
    assert (option.units, option.coders, option.values) == (4, 2, 8)  # resp-05 is not a unit
    assert option.agreement == pytest.approx(75.0)
    public = report.result(iodm.Response, iodm.isPublic)
    assert public.alpha == pytest.approx(1.0) and public.agreement == 100.0
    date = report.result(iodm.Response, iodm.occurredOn)
    assert date.alpha is None and date.note == "n/a: all coders gave one value"
    assert date.alpha_text == date.note and date.agreement == 100.0


def test_only_coded_values_are_variables(report: AgreementReport) -> None:
    """Labels, notes, types, evidence links and the codings themselves are not compared, and the
    consensus coder is not a coder."""
    assert {r.variable.prop for r in report.variables} == {
        iodm.hasResponseOption,
        iodm.isPublic,
        iodm.occurredOn,
    }
    assert {r.variable.cls for r in report.variables} == {iodm.Response}
    assert report.coders == ["alice", "bob"] and report.consensus


def test_the_disagreement_lists_both_codings_and_the_consensus(report: AgreementReport) -> None:
    (d,) = report.disagreements
    assert d.unit == f"{NS}id/resp-02" and d.unit_label == "Response 2"
    assert d.variable == Variable(iodm.Response, iodm.hasResponseOption)
    alice, bob = d.codings
    assert (alice.coder, alice.value, alice.confidence, alice.source_row) == (
        "alice",
        (n(QUIET),),
        CONFIDENCE + "low",
        3,
    )
    assert (bob.coder, bob.value, bob.source_row, bob.graph) == (
        "bob",
        (n(PUBLIC),),
        13,
        graph_of("bob"),
    )
    assert d.consensus is not None and d.consensus.value == (n(QUIET),)
    assert report.coding_text(alice) == (
        "quiet diplomacy (confidence low; coding.xlsx › responses, row 3)"
    )


def test_textbook_example() -> None:
    """Krippendorff (2011), 'Computing Krippendorff's Alpha-Reliability', the nominal example:
    four coders, twelve units, missing values; alpha = 0.743 over n = 40 pairable values (unit 12,
    coded by one coder, is not paired)."""
    rows = {
        "A": "1 2 3 3 2 1 4 1 2 . . .",
        "B": "1 2 3 3 2 2 4 1 2 5 . 3",
        "C": ". 3 3 3 2 3 4 2 2 5 1 .",
        "D": "1 2 3 3 2 4 4 1 2 5 1 .",
    }
    store = OxigraphStore()
    store.add(manifest(rows), BUILD_GRAPH)
    for coder, values in rows.items():
        triples = []
        for unit, v in enumerate(values.split(), start=1):
            if v != ".":
                triples += coded(
                    f"case-{unit}",
                    coder,
                    unit + 1,
                    cls=iodm.NormViolation,
                    hasViolationType=n(f"{ID}violation-type/{v}"),
                )
        store.add(triples, graph_of(coder))
    report = agreement(store)
    (r,) = report.variables
    assert r.variable == Variable(iodm.NormViolation, iodm.hasViolationType)
    assert r.alpha == pytest.approx(0.743, abs=5e-4)
    assert (r.units, r.coders, r.values) == (11, 4, 40)
    assert r.agreement == pytest.approx(100 * 8 / 11)  # all but units 2, 6 and 8
    assert [d.unit.rsplit("/", 1)[1] for d in report.disagreements] == [
        "case-2",
        "case-6",
        "case-8",
    ]
    assert not report.consensus


def test_an_empty_cell_is_a_value_and_one_unit_gives_no_alpha() -> None:
    store = OxigraphStore()
    store.add(manifest(["alice", "bob"]), BUILD_GRAPH)
    store.add(
        [
            *response("resp-01", "alice", 2, QUIET, False, isDelayed=lit("true", xsd.boolean)),
            *response("resp-02", "alice", 3, QUIET, False),
        ],
        graph_of("alice"),
    )
    store.add(
        [
            *response("resp-01", "bob", 2, QUIET, False),
            *response("resp-02", "bob", 3, QUIET, False),
        ],
        graph_of("bob"),
    )
    report = agreement(store)
    delayed = report.result(iodm.Response, iodm.isDelayed)
    assert (
        delayed.alpha is None and delayed.note == "n/a: only one unit coded by two or more coders"
    )
    assert (delayed.units, delayed.values, delayed.agreement) == (1, 2, 0.0)
    (d,) = report.disagreements
    assert [report.value_text(c.value) for c in d.codings] == ["true", NONE]


def test_several_values_are_one_value() -> None:
    """A coder's values for one property count as one value, their sorted set."""
    store = OxigraphStore()
    store.add(manifest(["alice", "bob"]), BUILD_GRAPH)
    two = [n(f"{NS}id/official-1"), n(f"{NS}id/official-2")]
    for coder, units in {"alice": (two, two[::-1]), "bob": (two[::-1], two[:1])}.items():
        store.add(
            [
                *coded("resp-01", coder, 2, respondent=units[0]),
                *coded("resp-02", coder, 3, respondent=units[1]),
            ],
            graph_of(coder),
        )
    r = agreement(store).result(iodm.Response, iodm.respondent)
    assert (r.units, r.values, r.agreement) == (2, 4, 50.0)
    assert r.alpha == pytest.approx(0.0)  # 1 - 3 * 2 / (2 * 3 * 1): as bad as chance


def test_no_build_and_no_coders_are_clear_errors() -> None:
    with pytest.raises(StoreError, match="holds no built knowledge graph"):
        agreement(OxigraphStore())
    store = OxigraphStore()
    store.add(manifest([], [f"{NS}graph/reference"]), BUILD_GRAPH)
    with pytest.raises(UsageError, match="no coded data from two or more coders: no graph"):
        agreement(store)
    store = OxigraphStore()
    store.add(manifest(["alice", "consensus"]), BUILD_GRAPH)
    with pytest.raises(UsageError, match="coders of its graphs are alice, consensus"):
        agreement(store)
    store = OxigraphStore()
    store.add(manifest(["alice", "bob"]), BUILD_GRAPH)
    store.add(response("resp-01", "alice", 2, QUIET, False), graph_of("alice"))
    store.add(response("resp-02", "bob", 2, QUIET, False), graph_of("bob"))
    with pytest.raises(UsageError, match="alice, bob coded no resource in common"):
        agreement(store)


# --- the command --------------------------------------------------------------------------


def on_disk(path: Path, memory: OxigraphStore) -> str:
    disk = OxigraphStore(path, writable=True)
    disk.store.extend(memory.quads())
    disk.store.flush()
    disk.close()
    del disk
    gc.collect()  # pyoxigraph closes the database when the object is collected
    return f"oxigraph:{path}"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return on_disk(tmp_path_factory.mktemp("agreement") / "store", responses_store())


def run(*args: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def test_command_prints_the_table_and_the_disagreement(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    code, out, err = run("--store", store, "agreement")
    assert code == EXIT_OK, err
    assert out.startswith(f"Inter-coder agreement in {store}:")
    assert "coders: alice, bob (and a consensus coding, shown, not counted)" in out
    lines = out.splitlines()
    assert any(
        line.split()[:3] == ["iodm:Response", "iodm:hasResponseOption", "0.533"]
        and line.split()[-4:] == ["4", "2", "8", "75%"]
        for line in lines
    )
    assert any(
        "iodm:occurredOn" in line and "n/a: all coders gave one value" in line for line in lines
    )
    tail = out[out.index("Disagreements (1):") :].splitlines()
    assert tail[1] == "Response 2 (resp-02) — " + ("iodm:Response › iodm:hasResponseOption")
    assert tail[2].split(None, 1) == [
        "alice",
        "quiet diplomacy (confidence low; coding.xlsx › responses, row 3)",
    ]
    assert tail[3].split(None, 1) == [
        "bob",
        "public denunciation (confidence high; coding.xlsx › responses, row 13)",
    ]
    assert tail[4].split(None, 1)[0] == "consensus" and "quiet diplomacy" in tail[4]
    assert "nan" not in out.lower()


def test_command_json_and_csv(store: str) -> None:
    code, out, err = run("--store", store, "agreement", "--format", "json")
    assert code == EXIT_OK, err
    data = json.loads(out)
    variables = {v["property"]: v for v in data["variables"]}
    assert variables[iodm.hasResponseOption]["alpha"] == pytest.approx(8 / 15)
    assert variables[iodm.occurredOn]["alpha"] is None
    assert variables[iodm.occurredOn]["alphaNote"] == "n/a: all coders gave one value"
    (d,) = data["disagreements"]
    assert [c["coder"] for c in d["codings"]] == ["alice", "bob"]
    assert [c["sourceRow"] for c in d["codings"]] == [3, 13]
    assert d["consensus"]["values"] == [QUIET]

    code, out, err = run("--store", store, "agreement", "--format", "csv")
    assert code == EXIT_OK, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["record"] for r in rows] == ["variable"] * 3 + ["coding"] * 3
    option = next(r for r in rows if r["property"] == iodm.hasResponseOption)
    assert float(option["alpha"]) == pytest.approx(8 / 15) and option["units"] == "4"
    assert [r["coder"] for r in rows[3:]] == ["alice", "bob", "consensus"]
    assert rows[4]["value"] == PUBLIC and rows[4]["sourceRow"] == "13"


def test_command_without_build_or_coders(tmp_path: Path) -> None:
    code, _, err = run("--store", f"oxigraph:{tmp_path / 'none'}", "agreement")
    assert code == EXIT_RUNTIME and "holds no built knowledge graph" in err and "iodm build" in err
    memory = OxigraphStore()
    memory.add(manifest([], [f"{NS}graph/reference"]), BUILD_GRAPH)
    code, out, err = run("--store", on_disk(tmp_path / "uncoded", memory), "agreement")
    assert code == EXIT_USAGE and not out
    assert "this store holds no coded data from two or more coders" in err and "hint:" in err
    assert "Traceback" not in err


def test_a_resource_mentioned_from_another_row_is_not_coded_there() -> None:
    """Both coders code the stance, whose row states ``<dis> iodm:hasStance <stance>``; only
    alice codes the disagreement's own row. Bob gave no value for the disagreement's own
    properties (not "(none)"), and both agree on its stances."""
    store = OxigraphStore()
    store.add(manifest(["alice", "bob"]), BUILD_GRAPH)
    dis, stance = f"{NS}id/dis-1", f"{NS}id/st-1"
    for coder in ("alice", "bob"):
        triples = [
            *coded("st-1", coder, 2, cls=iodm.Stance, favoursOption=n(QUIET)),
            t(dis, iodm.hasStance, n(stance)),
        ]
        if coder == "alice":
            triples += coded(
                "dis-1", coder, 3, cls=iodm.Disagreement, concernsViolation=n(f"{NS}id/v-1")
            )
        store.add(triples, graph_of(coder))
    report = agreement(store)
    assert {(r.variable.cls, r.variable.prop) for r in report.variables} == {
        (iodm.Stance, iodm.favoursOption),
        (iodm.Disagreement, iodm.hasStance),
    }
    stances = report.result(iodm.Disagreement, iodm.hasStance)
    assert (stances.units, stances.values, stances.agreement) == (1, 2, 100.0)
    assert not report.disagreements
    assert report.render().endswith("\nDisagreements: none.\n")


def test_a_qualified_date_shows_the_cell_as_written() -> None:
    store = OxigraphStore()
    store.add(manifest(["alice", "bob"]), BUILD_GRAPH)
    for coder, date, cell in (("alice", "2019", "2019-05/2019-08"), ("bob", "2020-01", None)):
        triples = coded("v-1", coder, 4, cls=iodm.NormViolation, occurredOn=lit(date, xsd.gYear))
        if cell:
            q = f"{NS}coding/v-1/{coder}/occurredOn"
            triples += [
                t(f"{NS}coding/v-1/{coder}", iodm.qualifiesDate, n(q)),
                t(q, rdf.type, n(iodm.DateQualification)),
                t(q, iodm.qualifiedProperty, n(iodm.occurredOn)),
                t(q, iodm.earliest, lit("2019-05", xsd.gYearMonth)),
                t(q, iodm.latest, lit("2019-08", xsd.gYearMonth)),
                t(q, iodm.cellText, lit(cell)),
            ]
        store.add(triples, graph_of(coder))
    report = agreement(store)
    assert [r.variable.prop for r in report.variables] == [iodm.occurredOn]
    (d,) = report.disagreements
    assert [report.coding_text(c) for c in d.codings] == [
        '2019 (written "2019-05/2019-08"; confidence high; coding.xlsx › responses, row 4)',
        "2020-01 (confidence high; coding.xlsx › responses, row 4)",
    ]


def test_a_build_without_coders(stabilization: OxigraphStore) -> None:
    """A store as `iodm build` writes it from Turtle alone: no graph is attributed to a coder."""
    with pytest.raises(UsageError, match="no graph of its build is attributed to a coder") as e:
        agreement(stabilization)
    assert e.value.hint and "iodm build" in e.value.hint
