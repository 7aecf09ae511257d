"""The rule runner (kg.rules) as the build runs it: without ORDER BY, adding what each rule
derives to the store in one parse, and triples with blank nodes one by one."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kg.rules import ruleset, run
from kg.store import OxigraphStore

E = "https://example.org/"
RULE = """\
#+ id: {id}
#+ title: T
#+ question: Q?
#+ returns: triples
#+ stage: {stage}
PREFIX e: <https://example.org/>
{body}
"""


def rules(root: Path, *bodies: str) -> list:  # type: ignore[type-arg]
    (root / "r").mkdir(parents=True, exist_ok=True)
    for stage, body in enumerate(bodies, 1):
        name = f"rule-{stage}"
        text = RULE.format(id=name, stage=stage, body=body)
        (root / "r" / f"{name}.rq").write_text(text, encoding="utf-8")
    return ruleset("r", root)


def given() -> OxigraphStore:
    store = OxigraphStore()
    store.add(
        [
            ox.Triple(ox.NamedNode(E + s), ox.NamedNode(E + "p"), ox.NamedNode(E + o))
            for s, o in [("a", "b"), ("b", "c"), ("c", "d")]
        ],
        E + "given",
    )
    return store


def in_graph(store: OxigraphStore) -> set[ox.Triple]:
    return {q.triple for q in store.quads(E + "derived")}


def test_unordered_rules_derive_what_ordered_ones_do(tmp_path: Path) -> None:
    found = rules(
        tmp_path,
        "CONSTRUCT { ?y e:q ?x } WHERE { ?x e:p ?y } ORDER BY DESC(?x)",
        # a LIMIT makes the order choose what is derived: that ORDER BY stays
        "CONSTRUCT { ?x e:first ?y } WHERE { ?x e:q ?y } ORDER BY DESC(?x) LIMIT 1",
    )
    ordered, unordered = given(), given()
    expected = run(ordered, found, E + "derived")
    got = run(unordered, found, E + "derived", ordered=False)
    assert {k: set(v) for k, v in got.items()} == {k: set(v) for k, v in expected.items()}
    first = ox.Triple(ox.NamedNode(E + "d"), ox.NamedNode(E + "first"), ox.NamedNode(E + "c"))
    assert got["rule-2"] == [first]
    assert in_graph(unordered) == in_graph(ordered) == {*got["rule-1"], first}


def test_what_a_rule_adds_is_in_the_store_blank_nodes_included(tmp_path: Path) -> None:
    """Triples with a blank node keep it in the store (a parse would rename it), and a literal
    that merely looks like one (``_:``) is stored as it is."""
    found = rules(
        tmp_path,
        "CONSTRUCT { ?x e:via [ e:to ?y ] } WHERE { ?x e:p ?y }",
        'CONSTRUCT { ?x e:note "see _:b0" } WHERE { ?x e:p ?y }',
        "CONSTRUCT { ?y e:q ?x } WHERE { ?x e:p ?y }",
    )
    store = given()
    added = run(store, found, E + "derived", ordered=False)
    assert [len(added[r.id]) for r in found] == [6, 3, 3]
    assert in_graph(store) == {t for triples in added.values() for t in triples}
    # the same blank node links each e:via to its e:to, in the store as in what was returned
    links = store.select(
        "SELECT ?x ?y WHERE { ?x <https://example.org/via> ?b . ?b <https://example.org/to> ?y }"
    )
    assert sorted((x.value[-1], y.value[-1]) for x, y in links.rows) == [  # type: ignore[union-attr]
        ("a", "b"),
        ("b", "c"),
        ("c", "d"),
    ]
