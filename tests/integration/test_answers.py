"""Named queries answered at build (kg.answers): the answer a build keeps is what the query
returns on the store, page by page, for the command line, the analysis and the server; it is
not used for other parameters, for an edited query, once the store changes, or when the
privacy filter withheld statements (issue 14 point 4)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.answers import GROUPS, INDEX
from kg.core.results import Solutions
from kg.queries import NamedQuery, library
from kg.store import OxigraphStore

NAMED = [q for q in library().values() if q.group in GROUPS]


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
    about = {"about": every[0][0].value}
    one = cq8.run(answered, about).rows  # type: ignore[union-attr]
    assert one == cq8.run(live, about).rows  # type: ignore[union-attr]
    assert 0 < len(one) < len(every)
    edited = dataclasses.replace(cq8, text=cq8.text + "\n# edited since the build\n")
    assert edited.run(answered).rows == edited.run(live).rows  # type: ignore[union-attr]
    from kg.answers import read

    directory = answered.answers()
    assert directory is not None
    assert read(directory, cq8, None, None, 0) is not None
    assert read(directory, edited, None, None, 0) is None  # its text is not the one answered


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
