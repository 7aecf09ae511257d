"""Named queries answered at build (kg.answers): the answer a build keeps is what the query
returns on the store, page by page, for the command line, the analysis and the server; it is
not used for other parameters (but those an ``answer`` header line says it serves), for an
edited query, once the store changes, or when the privacy filter withheld statements (issue 14
point 4)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.answers import CHUNK, GROUPS, INDEX, answer_all, read
from kg.core.results import Solutions
from kg.queries import NamedQuery, library, page, parse_query_file
from kg.store import OxigraphStore

NAMED = [q for q in library().values() if q.group in GROUPS]
ROOT = Path(__file__).resolve().parents[2]
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


class Live(OxigraphStore):
    """The same store on disk, read without its answers: every query runs."""

    def answers(self) -> Path | None:
        return None


@pytest.fixture(scope="module")
def stores(curated_path: Path) -> Iterator[tuple[OxigraphStore, OxigraphStore]]:
    answered, live = OxigraphStore(curated_path), Live(curated_path)
    yield answered, live
    answered.close()
    live.close()


def test_a_build_answers_every_named_query(curated_path: Path) -> None:
    answers = OxigraphStore(curated_path).answers()
    assert answers is not None and answers.parent == curated_path.resolve().parent
    index = json.loads((answers / INDEX).read_text())
    assert sorted(index) == sorted(q.id for q in NAMED)


@pytest.mark.parametrize("query", NAMED, ids=lambda q: q.id)
def test_an_answer_is_what_the_query_returns(
    query: NamedQuery, stores: tuple[OxigraphStore, OxigraphStore]
) -> None:
    answered, live = stores
    whole = query.run(live)
    assert isinstance(whole, Solutions)
    kept = query.run(answered)
    assert (kept.variables, kept.rows) == (whole.variables, whole.rows)
    assert query.select(answered).rows == whole.rows
    for limit, offset in ((2, 0), (3, 1), (None, 2), (0, 0), (5, len(whole.rows))):
        page = query.run(answered, limit=limit, offset=offset)
        end = None if limit is None else offset + limit
        assert page.rows == whole.rows[offset:end], (limit, offset)  # type: ignore[union-attr]


def test_other_parameters_and_an_edited_query_run_the_query(
    stores: tuple[OxigraphStore, OxigraphStore],
) -> None:
    answered, live = stores
    cq8 = library()["cq8-evidence"]
    every = cq8.run(answered).rows  # type: ignore[union-attr]
    directory = answered.answers()
    assert directory is not None
    for claim in sorted({row[0].value for row in every}):  # its answer line: served by any's
        about = {"about": claim}
        one = read(directory, cq8, about, None, 0)
        assert one is not None and one.rows == cq8.run(live, about).rows  # type: ignore[union-attr]
        assert 0 < len(one.rows) < len(every)
    assert read(directory, cq8, {"about": "no claim"}, None, 0).rows == []  # type: ignore[union-attr]
    cq5 = library()["cq5-long-tenure"]  # minYears below the 0 of its answer line: it runs
    assert read(directory, cq5, {"minYears": "-1"}, None, 0) is None
    edited = dataclasses.replace(cq8, text=cq8.text + "\n# edited since the build\n")
    assert edited.run(answered).rows == edited.run(live).rows  # type: ignore[union-attr]
    assert read(directory, cq8, None, None, 0) is not None
    assert read(directory, edited, None, None, 0) is None  # its text is not the one answered
    assert read(directory, edited, {"about": every[0][0].value}, None, 0) is None


def test_a_change_in_place_or_a_filtered_snapshot_has_no_answers(
    curated_copy: Path, tmp_path: Path
) -> None:
    from kg.core.namespaces import GRAPH, iodm

    store = OxigraphStore(tmp_path / "store", writable=True)
    store.replace_graphs({GRAPH + "x": []}, answer=lambda d, on: d.mkdir())
    assert store.answers() is not None
    store.add(
        [ox.Triple(ox.NamedNode("urn:x:s"), ox.NamedNode(iodm.intervieweeName), ox.Literal("x"))],
        GRAPH + "x",
    )
    assert store.answers() is None  # changed in place: the answers no longer hold
    store.close()

    from tests.publish.test_privacy import LEAKY, SECRET_GRAPH

    leaky = OxigraphStore(tmp_path / "leaky", writable=True)
    staged = OxigraphStore()
    staged.add(LEAKY, SECRET_GRAPH)  # answered while the store is written, then given up
    leaky.replace_graphs({SECRET_GRAPH: LEAKY}, answer=lambda d, on: d.mkdir(), staged=staged.store)
    built = leaky.published()
    assert built is not None and built[1] > 0  # the filter withheld statements
    assert leaky.answers() is None and OxigraphStore(built[0]).answers() is None
    assert not (built[0].parent / "answers").exists()


def test_the_server_pages_a_named_query_from_its_answer(
    curated_path: Path, stores: tuple[OxigraphStore, OxigraphStore]
) -> None:
    from starlette.testclient import TestClient

    from kg.publish.app import ServerConfig, create_app
    from kg.publish.dataset import Limits, Published

    published = Published(OxigraphStore(curated_path))
    assert published.snapshot.answers is not None
    cq1 = library()["cq1-distance-from-capital"]
    whole = cq1.run(stores[1])
    config = ServerConfig(base_url="http://127.0.0.1/", limits=Limits(max_rows=len(whole.rows)))  # type: ignore[union-attr]
    with TestClient(create_app(published, config)) as client:
        accept = {"accept": "application/sparql-results+json"}
        r = client.get(
            "/query", params={"example": cq1.id, "limit": 3, "offset": 2}, headers=accept
        )
        assert r.status_code == 200, r.text
        bindings = r.json()["results"]["bindings"]
        posts = [b["post"]["value"] for b in bindings]
        assert posts == [row[0].value for row in whole.rows[2:5]]  # type: ignore[union-attr]
        assert 'rel="next"' in r.headers["link"]
        r = client.get("/query", params={"example": cq1.id}, headers=accept)
        assert len(r.json()["results"]["bindings"]) == len(whole.rows)  # type: ignore[union-attr]
        config_small = ServerConfig(base_url="http://127.0.0.1/", limits=Limits(max_rows=2))
    with TestClient(create_app(published, config_small)) as client:
        r = client.get("/query", params={"example": cq1.id}, headers=accept)
        assert r.status_code == 400 and "more than 2 rows" in r.text


@pytest.mark.parametrize("layout", ["built", "plain directory"])
def test_materialized_inferences_are_answered_anew(
    curated_path: Path, tmp_path: Path, layout: str
) -> None:
    """`iodm reason --materialize` writes a new build keeping the built graphs: its answers are
    computed on that store (a copy in memory when the store is a build's), inferences included,
    not left out nor carried over."""
    import shutil

    from kg.core.namespaces import INFERRED_GRAPH
    from kg.pipeline.rl import materialize_store

    if layout == "built":  # PATH links to its build's directory (relative links: copied as such)
        shutil.copytree(curated_path.parent, tmp_path / "c", symlinks=True)
        path = tmp_path / "c" / curated_path.name
        assert path.is_symlink() and OxigraphStore(path).published() is not None
    else:  # a store written by an earlier IODM
        path = Path(shutil.copytree(curated_path, tmp_path / "store"))
    store = OxigraphStore(path, writable=True)
    assert materialize_store(store) > 0
    store.close()
    answered, live = OxigraphStore(path), Live(path)
    assert INFERRED_GRAPH in answered.named_graphs()
    directory = answered.answers()
    assert directory is not None
    assert sorted(json.loads((directory / INDEX).read_text())) == sorted(q.id for q in NAMED)
    for query in NAMED:
        whole = query.run(live)
        assert query.run(answered).rows == whole.rows, query.id  # type: ignore[union-attr]


def test_a_failed_answer_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    """The answers run in a thread while the store is written: when they fail, the write is given
    up, the store still shows the build before, and the new build's directory is gone."""
    from kg.core.namespaces import GRAPH

    store = OxigraphStore(tmp_path / "store", writable=True)
    store.replace_graphs({GRAPH + "x": []}, answer=lambda d, on: d.mkdir())
    before = store.path.resolve() if store.path else None
    staged = OxigraphStore()
    triple = ox.Triple(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.Literal("new"))
    staged.add([triple], GRAPH + "y")

    def fail(directory: Path, on: ox.Store) -> None:
        directory.mkdir()
        raise RuntimeError("an answer failed")

    with pytest.raises(RuntimeError, match="an answer failed"):
        store.replace_graphs({GRAPH + "y": [triple]}, answer=fail, staged=staged.store)
    assert store.path is not None and store.path.resolve() == before
    builds = store.path.with_name("store.builds")
    assert [p for p in builds.iterdir() if p.resolve() != before.parent] == []  # type: ignore[union-attr]
    store.close()
    assert not any(True for _ in OxigraphStore(tmp_path / "store").quads(GRAPH + "y"))


# --- an answer that serves other values of a parameter (an ``answer`` header line) -----------

E = "https://example.org/"
THRESHOLD = """\
#+ id: above
#+ title: T
#+ question: Which things have a number above min?
#+ param: min xsd:integer = 5 | the number to be above
#+ answer: {answer} | {keep}
#+ returns: x, n
PREFIX e: <https://example.org/>
SELECT ?x ?n WHERE {{ ?x a e:Thing OPTIONAL {{ ?x e:n ?n }} FILTER (!BOUND(?n) || ?n > ?min) }}
ORDER BY ?x
"""


def _threshold(
    tmp_path: Path, keep: str, things: list[ox.Quad], answer: str = "min >= 0"
) -> tuple[NamedQuery, Path, OxigraphStore]:
    """A query with an answer line over ``things``, answered into a directory as a build does."""
    (tmp_path / "cq").mkdir(exist_ok=True)
    path = tmp_path / "cq" / "above.rq"
    path.write_text(THRESHOLD.format(answer=answer, keep=keep), encoding="utf-8")
    query = parse_query_file(path, "cq")
    store = OxigraphStore(quads=things)
    answer_all(store.store, tmp_path / "answers", [query])
    return query, tmp_path / "answers", store


def _thing(subject: ox.NamedNode | ox.BlankNode, n: int | None) -> list[ox.Quad]:
    """A thing (``e:Thing``), with its number ``e:n`` unless None."""
    g, n_ = ox.NamedNode(E + "g"), ox.NamedNode(E + "n")
    typed = [ox.Quad(subject, ox.NamedNode(RDF_TYPE), ox.NamedNode(E + "Thing"), g)]
    return typed + ([] if n is None else [ox.Quad(subject, n_, ox.Literal(n), g)])


def test_an_answer_line_serves_every_value_from_its_own_on(tmp_path: Path) -> None:
    """The rows for a value at least the one answered are the rows kept that the expression
    keeps, page by page, across the chunks the reader filters; below it, the query runs."""
    things = [
        q for i in range(2 * CHUNK + 500) for q in _thing(ox.NamedNode(f"{E}{i:05}"), i % 1500)
    ]
    things += _thing(ox.NamedNode(E + "none"), None)  # no number: an empty column, read as UNDEF
    query, directory, store = _threshold(tmp_path, "!BOUND(?n) || ?n > ?min", things)
    for given in ("0", "5", "1000", "1499", "2000", "+7"):
        whole = page(store.query, query.text, query.bindings({"min": given}), None, 0)
        assert isinstance(whole, Solutions)
        kept = read(directory, query, {"min": given}, None, 0)
        assert kept is not None, given  # served by the answer, not run
        assert (kept.variables, kept.rows) == (whole.variables, whole.rows), given
        for limit, offset in ((500, 0), (10, CHUNK - 5), (3, len(whole.rows) - 1), (0, 0)):
            got = read(directory, query, {"min": given}, limit, offset)
            assert got is not None and got.rows == whole.rows[offset : offset + limit]
    assert read(directory, query, {"min": "-1"}, None, 0) is None  # below 0: the query runs


def test_an_answer_line_with_equals_serves_every_value(tmp_path: Path) -> None:
    """``min = -1``: every value (the numbers here are from 0 on, so no value below -1 finds
    more than -1 does, and the line is exact)."""
    things = [q for i in range(30) for q in _thing(ox.NamedNode(f"{E}{i:05}"), i)]
    query, directory, store = _threshold(tmp_path, "?n > ?min", things, answer="min = -1")
    for given in ("-5", "-1", "0", "12", "40"):
        whole = page(store.query, query.text, query.bindings({"min": given}), None, 0)
        kept = read(directory, query, {"min": given}, None, 0)
        assert kept is not None and kept.rows == whole.rows  # type: ignore[union-attr]


def test_an_answer_line_cannot_read_a_blank_node(tmp_path: Path) -> None:
    """VALUES holds no blank node: with one in a column the expression reads, the query runs."""
    things = _thing(ox.NamedNode(E + "a"), 7) + _thing(ox.BlankNode(), 9)
    query, directory, _ = _threshold(tmp_path, "isIRI(?x) && ?n > ?min", things)
    assert read(directory, query, None, None, 0) is None
    assert read(directory, query, {"min": "0"}, None, 0) is not None  # the values answered


@pytest.fixture(scope="module")
def tenures(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[OxigraphStore, OxigraphStore]]:
    """A build on disk of the curated graph and synthetic data (benchmarks/synthetic.py): a
    thousand dated post holdings, so that CQ5 has rows for any minYears; with its answers, and
    read without them."""
    from kg.pipeline.build import build

    folder = tmp_path_factory.mktemp("tenures")
    data = folder / "synthetic.nt"
    script = ROOT / "benchmarks" / "synthetic.py"
    subprocess.run([sys.executable, str(script), "20000", "-o", str(data)], check=True)
    writer = OxigraphStore(folder / "store", writable=True)
    build(writer, [data])
    writer.close()
    answered, live = OxigraphStore(folder / "store"), Live(folder / "store")
    yield answered, live
    answered.close()
    live.close()


@pytest.mark.parametrize(
    "min_years",
    # 2.08 and 2.0833: a holding of 25 months is longer, though its years, 2.08, are not
    ["0", "0.5", "2", "2.08", "2.0833", "5", "6.9999", "7", "10.25", "100"],
)
def test_cq5_from_its_answer_is_what_the_query_returns(
    min_years: str, tenures: tuple[OxigraphStore, OxigraphStore]
) -> None:
    answered, live = tenures
    cq5 = library()["cq5-long-tenure"]
    directory = answered.answers()
    assert directory is not None
    kept = read(directory, cq5, {"minYears": min_years}, None, 0)
    assert kept is not None  # served by the answer kept for minYears 0
    whole = cq5.run(live, {"minYears": min_years})
    assert isinstance(whole, Solutions) and kept.variables == whole.variables
    assert sorted(map(repr, kept.rows)) == sorted(map(repr, whole.rows))  # the same rows
    keys = [whole.variables.index(v) for v in ("years", "officialLabel", "dutyStationLabel")]
    order = lambda rows: [[r[k] for k in keys] for r in rows]  # noqa: E731 - what ORDER BY sorts
    assert order(kept.rows) == order(whole.rows)  # in its order (rows tied on all three aside)
    assert cq5.run(answered, {"minYears": min_years}, limit=500).rows == kept.rows[:500]  # type: ignore[union-attr]


def test_cq5_below_the_value_answered_runs(tenures: tuple[OxigraphStore, OxigraphStore]) -> None:
    answered, live = tenures
    cq5 = library()["cq5-long-tenure"]
    directory = answered.answers()
    assert directory is not None and read(directory, cq5, {"minYears": "-1"}, None, 0) is None
    assert cq5.run(answered, {"minYears": "-1"}).rows == cq5.run(live, {"minYears": "-1"}).rows  # type: ignore[union-attr]
