"""The CONSTRUCT rules of queries/rules/: headers that cite the paper, the order they run in,
and what they derive on small graphs."""

from __future__ import annotations

from decimal import Decimal

import pyoxigraph as ox
import pytest

from kg.analysis.facts import select
from kg.analysis.profile import CONCILIATION, CONFRONTATION, Profiler
from kg.analysis.rules import DERIVED, derive, parse_date, rule_leans, rule_of, rules
from kg.core.errors import UsageError
from kg.core.namespaces import dcterms, iodm

from .conftest import EX, count


def test_every_rule_is_a_construct_that_cites_the_paper() -> None:
    found = rules()
    assert len(found) >= 13
    for rule in found:
        body = rule.text.upper()
        assert "CONSTRUCT" in body and "ORDER BY" in body, rule.id
        assert "Oksamytna" in rule.text, f"{rule.id} does not cite the paper"
        assert "section" in rule.text.lower(), f"{rule.id} does not name the passage it encodes"
        assert "dcterms:source" in rule.text or rule.id.startswith("applies-"), rule.id
        assert any(p.name == "at" and p.default == "any" for p in rule.params), rule.id


def test_every_rule_names_passages_of_the_paper_the_curated_graph_holds(curated) -> None:  # type: ignore[no-untyped-def]
    passages = set(select(curated, "SELECT ?p WHERE { ?p a iodm:Passage }").column("p"))
    for rule in rules():
        assert rule.passages, f"{rule.id} has no passage header"
        assert set(rule.passages) <= passages, (rule.id, set(rule.passages) - passages)


def test_rules_run_in_the_order_of_their_stage_headers() -> None:
    found = rules()
    order = [r.id for r in found]
    assert [(r.stage, r.id) for r in found] == sorted((r.stage or 0, r.id) for r in found)
    assert {r.stage for r in found if r.id.startswith("lean-")} == {1}
    assert order[-1] == "applies-through-post-holding"
    assert order.index("applies-through-unit-membership") < order.index("applies-directly")


def test_every_lean_rule_states_a_factor_and_pole_in_its_headers() -> None:
    leans = {rule: (factor, pole, pulls) for rule, factor, pole, pulls in rule_leans()}
    assert set(leans) == {r.id for r in rules() if r.id.startswith("lean-")}
    assert leans["lean-head-of-field-presence"] == (
        "https://w3id.org/iodm/id/factor/place-in-io-hierarchy",
        iodm.Conciliation,
        "Heads of field presences",
    )
    assert leans["lean-duty-station-in-field-office"][1] == iodm.Confrontation


def test_what_a_lean_rule_derives_carries_its_header_factor_pole_and_passages(
    stabilization,  # type: ignore[no-untyped-def]
) -> None:
    derivation = derive(stabilization)
    by_rule = {r.id: r for r in rules()}
    fired = set()
    for obs in derivation.observations():
        rule = by_rule[rule_of(obs) or ""]
        if rule.factor is None:
            continue
        about = {
            (t.predicate.value, t.object.value)
            for t in derivation.triples
            if t.subject.value == obs
        }
        assert (iodm.observedFactor, rule.factor) in about, obs
        assert (iodm.pullsToward, rule.pole) in about, obs
        assert {o for p, o in about if p == dcterms.source} == set(rule.passages), obs
        fired.add(rule.id)
    assert len(fired) >= 6, fired  # most lean rules find a subject in the fixture


def test_derivation_reads_the_store_and_never_writes_it(stabilization) -> None:  # type: ignore[no-untyped-def]
    before = count(stabilization)
    derivation = derive(stabilization)
    assert derivation.triples
    assert count(stabilization) == before
    assert all(rule_of(o) for o in derivation.observations())
    assert all(o.startswith(DERIVED) for o in derivation.observations())


def test_cq10_stabilization_officer_in_a_field_office_is_cross_pressured(stabilization) -> None:  # type: ignore[no-untyped-def]
    profile = Profiler(derive(stabilization), stabilization).profile(EX + "stabilization-officer")
    assert profile.cross_pressured
    up = profile.factors_toward(CONFRONTATION)
    down = profile.factors_toward(CONCILIATION)
    assert "position vis-à-vis host state authorities" in up
    assert "type of interlocutors" in down
    rules_used = {r for line in profile.lines for r in line.rules}
    assert {"lean-duty-station-in-field-office", "lean-security-forces-interlocutor"} <= rules_used


def test_a_relation_applies_only_while_it_holds(stabilization) -> None:  # type: ignore[no-untyped-def]
    def relations(at: str | None) -> list[str]:
        p = Profiler(derive(stabilization, at), stabilization).profile(EX + "mission")
        return [
            ln.statement for ln in p.lines if ln.factor.label == "relations with other IO entities"
        ]

    assert relations("2012-06-30") == []
    assert len(relations("2016-06-30")) == 1
    assert "depending on the context" in relations(None)[0]


def test_ohchr_connection_reaches_the_section_and_its_officer(stabilization) -> None:  # type: ignore[no-untyped-def]
    profiler = Profiler(derive(stabilization), stabilization)
    for subject in ("human-rights-section", "human-rights-officer"):
        rules_used = {r for ln in profiler.profile(EX + subject).lines for r in ln.rules}
        assert "lean-ohchr-connection" in rules_used, subject


def test_length_of_service_depends_on_the_date_and_the_threshold(stabilization) -> None:  # type: ignore[no-untyped-def]
    def long_service(at: str | None, years: str | None = None) -> bool:
        derivation = derive(stabilization, at, Decimal(years) if years else None)
        p = Profiler(derivation, stabilization).profile(EX + "dana")
        return any(ln.factor.label == "length of service at a duty station" for ln in p.lines)

    assert not long_service("2013-01-01")  # under 3 years by then
    assert long_service("2016-01-01")  # 5 years 10 months
    assert not long_service("2016-01-01", "6")
    assert long_service(None)  # the whole holding: 9 years


def test_position_rules_follow_the_duty_station(stabilization) -> None:  # type: ignore[no-untyped-def]
    profiler = Profiler(derive(stabilization), stabilization)

    def poles(subject: str) -> set[str]:
        return {
            ln.pole
            for ln in profiler.profile(EX + subject).lines
            if ln.factor.label == "position vis-à-vis host state authorities"
        }

    assert poles("head") == {CONCILIATION}
    assert poles("observer") == {CONFRONTATION}
    assert poles("human-rights-office") == {CONFRONTATION}


def test_date_must_be_a_day() -> None:
    assert parse_date("2016-02-29") == "2016-02-29"
    with pytest.raises(UsageError, match="YYYY-MM-DD"):
        parse_date("2015-02-29")


def test_a_rule_result_is_rdf(stabilization) -> None:  # type: ignore[no-untyped-def]
    derivation = derive(stabilization)
    kinds = {t.object for t in derivation.triples if t.predicate.value.endswith("#type")}
    assert kinds == {ox.NamedNode(iodm.FactorObservation)}


UNKNOWN_OVERLAP = """
SELECT ?derived ?holding WHERE {
  ?derived prov:wasDerivedFrom ?base , ?holding .
  ?holding a iodm:PostHolding .
  ?base a iodm:FactorObservation .
  FILTER (STRSTARTS(STR(?derived), "https://w3id.org/iodm/id/derived/applies-through-post-holding/"))
  { ?base iodm:startDate ?from FILTER NOT EXISTS { ?holding iodm:endDate ?end } }
  UNION
  { ?base iodm:endDate ?to FILTER NOT EXISTS { ?holding iodm:startDate ?start } }
}
"""


@pytest.mark.parametrize("graph", ["curated", "toy"])
def test_no_dated_observation_reaches_a_holding_not_known_to_overlap(
    graph: str, request: pytest.FixtureRequest
) -> None:
    """Unknown is not overlap (issue 11): a dated observation reaches a holding only when the
    holding's dates show that it overlaps the observed period."""
    derivation = derive(request.getfixturevalue(graph))
    assert derivation.per_rule["applies-through-post-holding"] > 0  # the rule did run and derive
    found = select(derivation.store, UNKNOWN_OVERLAP).rows
    assert not found, found
