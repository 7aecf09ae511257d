"""Profiles in words: every line cites its evidence, cross-pressure is flagged, the net lean is a
summary that says factors predispose and do not determine."""

from __future__ import annotations

import json

import pytest

from kg.analysis import PREDISPOSE
from kg.analysis.profile import CONCILIATION, CONFRONTATION, Profiler, dumps
from kg.analysis.resolve import resolve
from kg.analysis.rules import derive
from kg.core.errors import UsageError
from kg.core.namespaces import ID

BANK = "https://example.org/devbank/id/"
WANTED = ("official", "post", "unit", "field presence", "organization")


@pytest.fixture(scope="module")
def profiler(curated) -> Profiler:  # type: ignore[no-untyped-def]
    return Profiler(derive(curated), curated)


def test_curated_human_rights_section_leans_confrontational_on_all_three_departmental_factors(
    profiler: Profiler,
) -> None:
    p = profiler.profile(ID + "unit/monuc-monusco-human-rights-section")
    departmental = {ln.factor.label for ln in p.lines if ln.factor.category == "departmental"}
    assert departmental == {
        "politicization of work",
        "professional composition",
        "type of interlocutors",
    }
    assert p.factors_toward(CONCILIATION) == []
    assert p.lean == CONFRONTATION and not p.cross_pressured


def test_curated_klein_is_cross_pressured(profiler: Profiler) -> None:
    p = profiler.profile(ID + "official/jacques-paul-klein")
    assert p.factors_toward(CONFRONTATION) == ["previous experience"]  # the retired US general
    assert "place in IO hierarchy" in p.factors_toward(CONCILIATION)  # head of mission
    assert p.cross_pressured
    text = p.render()
    assert "A gradation tool" not in text  # a unit's label never borrows another node's
    assert "Cross-pressure" in text and "not a weight, a probability or a prediction" in text


def test_a_dated_post_factor_reaches_only_holders_known_to_overlap(profiler: Profiler) -> None:
    """UNMIL's career-security pull is recorded for a period of the mission's drawdown (footnote
    50). Klein held the head of UNMIL until 2005, so it is not his; Doss's holding from 2005 has
    no known end, and unknown is not overlap (issue 11): it is not his either."""
    for official in ("jacques-paul-klein", "alan-doss"):
        lines = profiler.profile(ID + "official/" + official).lines
        assert "career security" not in [ln.factor.label for ln in lines], official


LATER_RELATION = """\
@prefix iodm: <https://w3id.org/iodm#> .
@prefix toy:  <https://example.org/toy/> .
@prefix org:  <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
# Synthetic test data, not facts about the real world.
toy:post-hr-officer a iodm:Post ; rdfs:label "Human rights officer, TOYMIS" ;
    org:postIn toy:hr-section .
toy:erin a iodm:Official ; rdfs:label "Erin Toy" .
toy:holding-erin a iodm:PostHolding ; iodm:holder toy:erin ; iodm:heldPost toy:post-hr-officer ;
    iodm:startDate "2005"^^xsd:gYear ; iodm:endDate "2008"^^xsd:gYear ;
    dcterms:source toy:passage-1 ; prov:wasDerivedFrom toy:passage-1 .
toy:separation-from-2012 a iodm:InstitutionalRelation ;
    rdfs:label "TOYMIS human rights section separate from the DFO, from 2012" ;
    iodm:linksUnit toy:hr-section ; iodm:linksToEntity toy:hq-department ;
    iodm:hasRelationKind <https://w3id.org/iodm/id/relation-kind/structural-separation> ;
    iodm:startDate "2012"^^xsd:gYear ;
    dcterms:source toy:passage-1 ; prov:wasDerivedFrom toy:passage-1 .
"""


def test_a_relation_from_after_a_holding_does_not_reach_its_holder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A lean derived from a dated relation carries the relation's dates to the holders' test."""
    from kg.pipeline.build import build
    from kg.store import OxigraphStore

    from .conftest import TOY

    extra = tmp_path / "later-relation.ttl"
    extra.write_text(LATER_RELATION, encoding="utf-8")
    store = OxigraphStore()
    build(store, [*TOY, extra])
    erin = Profiler(derive(store), store).profile("https://example.org/toy/erin")
    separation = [ln for ln in erin.lines if "Structural separation" in ln.statement]
    assert separation == [], "Erin left the section in 2008; the separation began in 2012"
    section = Profiler(derive(store), store).profile("https://example.org/toy/hr-section")
    assert any("Structural separation" in ln.statement for ln in section.lines)


def test_every_line_of_every_curated_profile_cites_a_passage(profiler: Profiler) -> None:
    subjects = profiler.subjects()
    assert len(subjects) >= 10
    for subject in subjects:
        p = profiler.profile(subject)
        assert p.lines, subject
        for line in p.lines:
            kinds = {e.kind for e in line.evidence}
            assert kinds & {"passage", "footnote"}, (subject, line.statement)
            assert line.paths and all(line.paths), (subject, line.statement)
        text = p.render()
        assert text.count("evidence: ") == len(p.lines) + len(p.stated)
        assert "none recorded" not in text
        assert PREDISPOSE.split(":")[0] in text


def test_rule_passages_are_cited_by_label_in_a_core_only_graph(bank) -> None:  # type: ignore[no-untyped-def]
    p = Profiler(derive(bank), bank).profile(BANK + "post-director")
    labels = {e.label for ln in p.lines for e in ln.evidence}
    assert "Sub-section 'Place in the IO hierarchy'" in labels
    assert "place in IO hierarchy" in p.factors_toward(CONCILIATION)
    hq = Profiler(derive(bank), bank).profile(BANK + "post-hq-officer")
    assert hq.factors_toward(CONFRONTATION) == ["position vis-à-vis host state authorities"]


def test_json_carries_the_note_and_the_lines(profiler: Profiler) -> None:
    data = json.loads(dumps([profiler.profile(ID + "official/alan-doss")]))
    assert data[0]["note"] == PREDISPOSE
    assert data[0]["netLean"] == CONCILIATION
    assert all(line["evidence"] for line in data[0]["lines"])


def test_a_subject_with_no_factor_says_so(profiler: Profiler) -> None:
    p = profiler.profile(ID + "mission/unamid")
    assert p.lines == [] and p.lean == "none"
    assert "No factor applies" in p.render()


def test_resolve_by_label_acronym_and_curated_id(curated, profiler: Profiler) -> None:  # type: ignore[no-untyped-def]
    def find(text: str) -> str:
        return resolve(curated, text, profiler.kinds, profiler.labels, WANTED, "x").iri

    assert find("Alan Doss") == ID + "official/alan-doss"
    assert find("unmil") == ID + "mission/unmil"
    assert find("mission/unoci") == ID + "mission/unoci"
    assert find("<" + ID + "post/unmil-head-of-mission>") == ID + "post/unmil-head-of-mission"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Nobody Anywhere", "nothing that is an official, post or unit has"),
        ("passage/table-1", "is not"),
        ("Head of UN", "names \\d+ resources"),
    ],
)
def test_resolve_errors_are_usage_errors_with_hints(
    curated, profiler: Profiler, text: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match=message) as e:
        resolve(curated, text, profiler.kinds, profiler.labels, WANTED, "an official, post or unit")
    assert e.value.hint


@pytest.mark.parametrize(
    ("official", "pole", "words"),
    [
        # sub-section 'Previous experience': "which entailed a confrontational approach"
        ("jacques-paul-klein", CONFRONTATION, "confrontational approach"),
        # same sub-section: Doss "took a more conciliatory approach"
        ("alan-doss", CONCILIATION, "conciliatory approach"),
    ],
)
def test_a_profile_opens_with_the_paper_characterization(
    profiler: Profiler, official: str, pole: str, words: str
) -> None:
    """The paper as the oracle (issue 11): the headline agrees with the paper, cites its words
    first, and where IODM's factor count differs it says so and keeps the paper's reading."""
    profile = profiler.profile(ID + "official/" + official)
    assert profile.stated_lean == pole
    text = profile.render()
    adjective = "confrontational" if pole == CONFRONTATION else "conciliatory"
    assert (
        text.splitlines()[3]
        == f"The paper characterizes {profile.label}'s approach as {adjective}."
    )
    assert text.index(words) < text.index("IODM's reading")  # the paper's words come first
    if profile.lean != pole:
        assert f"differs from the paper's characterization ({pole})" in profile.summary()
    assert profile.to_json()["statedLean"] == pole


def test_no_characterization_is_invented(profiler: Profiler) -> None:
    """Posts and units get no headline of their own: the paper characterizes officials' approach
    in a post (iodm:leansToward on a holding), and nothing else is read as one."""
    for subject in profiler.subjects():
        profile = profiler.profile(subject)
        if profile.kind != "official":
            assert profile.stated == [] and profile.headline() == ""
