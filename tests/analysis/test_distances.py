"""CQ1, distances from the host capital, as the build derived them: the named query's rows, the
network view that carries them, and its export to GraphML and GEXF."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import networkx as nx
import pytest

from kg.analysis.distances import for_mission, rows
from kg.analysis.network import build, export, neighbourhood

TOY = "https://example.org/toy/"


@pytest.mark.parametrize("name", ["curated", "bank", "toy", "stabilization"])
def test_the_network_view_carries_the_derived_rows(
    name: str, request: pytest.FixtureRequest
) -> None:
    store = request.getfixturevalue(name)
    graph, found = build(store), rows(store)
    assert found, name
    nearest: dict[str, float] = {}
    for r in found:
        assert graph.nodes[r.post].get("reportingSteps") == r.steps, r
        if r.km is not None:
            nearest[r.post] = min(float(r.km), nearest.get(r.post, float("inf")))
    carried = {n: d["distanceKm"] for n, d in graph.nodes(data=True) if "distanceKm" in d}
    assert carried == nearest
    liaisons = {
        n for n, d in graph.nodes(data=True) if "iodm:CapitalLiaisonPost" in d["classes"].split()
    }
    assert liaisons == {r.post for r in found if r.steps == 0}


def test_toy_numbers(toy) -> None:  # type: ignore[no-untyped-def]
    found = {r.post: r for r in rows(toy)}
    officer = found[TOY + "post-field-officer"]
    assert (officer.km, officer.steps, officer.outside) == (Decimal("296.7"), 3, False)
    assert found[TOY + "post-head"].steps == 0
    assert found[TOY + "post-liaison"].outside is True
    assert found[TOY + "post-hq-desk"].outside is True and found[TOY + "post-hq-desk"].km is None


def test_curated_capital_posts_at_zero_and_the_east_of_drc_unplaced(curated) -> None:  # type: ignore[no-untyped-def]
    """CQ1 on the curated graph: mission-HQ posts in the capital at 0 km; the post in "the
    conflict-affected east" of DRC has no distance, since the paper names a region and gives no
    position (sub-section "Position vis-à-vis host state authorities"); New York and Geneva posts
    outside the host state (coordinates: common public knowledge)."""
    found = rows(curated)
    with_km = [r for r in found if r.km is not None]
    assert with_km and all(r.km == 0 for r in with_km)  # posts at mission headquarters
    (east,) = [r for r in found if r.post.endswith("/post/monuc-monusco-official-eastern-drc")]
    assert east.km is None and east.outside is False
    outside = [r for r in found if r.outside]
    assert outside and all(r.km is None for r in outside)


def test_mission_filter_keeps_the_mission_posts(toy) -> None:  # type: ignore[no-untyped-def]
    graph = build(toy)
    kept = for_mission(rows(toy), graph, TOY + "mission")
    assert {r.post.removeprefix(TOY) for r in kept} == {
        "post-head",
        "post-deputy",
        "post-field-head",
        "post-field-officer",
        "post-liaison",
    }


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_export_reads_back_with_every_node_and_edge(toy, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    graph = build(toy)
    path = tmp_path / f"view.{fmt}"
    export(graph, fmt, path)
    back = nx.read_graphml(path) if fmt == "graphml" else nx.read_gexf(path)
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()
    relations = {d["relation"] for _, _, d in back.edges(data=True)}
    assert {"reportsTo", "postIn", "interlocutor", "holds", "hasDutyStation"} <= relations
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def test_neighbourhood_of_a_mission(stabilization) -> None:  # type: ignore[no-untyped-def]
    ex = "https://example.org/analysis-test/"
    part = neighbourhood(build(stabilization), ex + "mission")
    assert ex + "stabilization-officer" in part and ex + "dana" in part
    assert ex + "security-forces" in part  # an interlocutor of a unit of the mission
    assert "https://w3id.org/iodm/id/mission/unoci" not in part
