"""CQ1 two ways: the named SPARQL query and the networkx view give the same rows; the network
view exports to GraphML and GEXF."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import networkx as nx
import pytest

from kg.analysis.distances import compare, for_mission, from_sparql
from kg.analysis.network import build, export, neighbourhood

TOY = "https://example.org/toy/"


@pytest.mark.parametrize("name", ["curated", "bank", "toy", "stabilization"])
def test_sparql_and_networkx_give_the_same_rows(name: str, request: pytest.FixtureRequest) -> None:
    store = request.getfixturevalue(name)
    result = compare(store, build(store))
    assert result.sparql, name
    assert result.agree, (result.only_sparql, result.only_network)
    assert len(set(result.network)) == len(set(result.sparql))


def test_toy_numbers(toy) -> None:  # type: ignore[no-untyped-def]
    rows = {r.post: r for r in from_sparql(toy)}
    officer = rows[TOY + "post-field-officer"]
    assert (officer.km, officer.steps, officer.outside) == (Decimal("296.7"), 3, False)
    assert rows[TOY + "post-head"].steps == 0
    assert rows[TOY + "post-liaison"].outside is True
    assert rows[TOY + "post-hq-desk"].outside is True and rows[TOY + "post-hq-desk"].km is None


def test_curated_field_posts_rank_above_capital_posts(curated) -> None:  # type: ignore[no-untyped-def]
    """CQ1's expectation: subnational posts farther than mission-HQ posts in the capital; New
    York and Geneva posts outside the host state (coordinates: common public knowledge)."""
    rows = from_sparql(curated)
    with_km = [r for r in rows if r.km is not None]
    assert with_km and with_km[0].km > 0
    assert any(r.km == 0 for r in with_km)  # posts at mission headquarters in the capital
    outside = [r for r in rows if r.outside]
    assert outside and all(r.km is None for r in outside)


def test_mission_filter_keeps_the_mission_posts(toy) -> None:  # type: ignore[no-untyped-def]
    graph = build(toy)
    rows = for_mission(compare(toy, graph).sparql, graph, TOY + "mission")
    assert {r.post.removeprefix(TOY) for r in rows} == {
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
