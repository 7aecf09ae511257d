"""What the build derives (kg.pipeline.derive), on small synthetic graphs with the core ontology."""

from __future__ import annotations

from functools import cache

import pyoxigraph as ox

from kg.core.namespaces import IODM, PREFIXES, RDF, XSD
from kg.pipeline.build import split
from kg.pipeline.derive import derive
from kg.pipeline.load import packaged_files, parse_all

EX = "https://example.org/derive-test/"
ORG = PREFIXES["org"]
PREFIXES = f"""\
@prefix iodm: <{IODM}> .
@prefix org:  <{ORG}> .
@prefix ex:   <{EX}> .
# Synthetic test data, not facts about the real world.
"""
#: A field presence in a state, a section inside it, posts reporting up to the head in the
#: capital (who works with the government), one post reporting two ways, one in a cycle.
MISSION = """
ex:io a iodm:InternationalOrganization .
ex:state a iodm:State ; iodm:hasCapital ex:capital .
ex:capital a iodm:FieldPresenceHeadquarters ; iodm:locatedIn ex:state .
ex:government a iodm:Government ; iodm:authorityOf ex:state .
ex:mission a iodm:FieldPresence ; iodm:hostState ex:state ; iodm:deployedBy ex:io .
ex:section a iodm:Department ; org:subOrganizationOf ex:mission .
ex:team a iodm:OrganizationalUnit ; org:subOrganizationOf ex:section .
ex:head a iodm:Post ; org:postIn ex:mission ; iodm:hasDutyStation ex:capital ;
    iodm:interlocutor ex:government .
ex:chief a iodm:Post ; org:postIn ex:section ; org:reportsTo ex:head .
ex:officer a iodm:Post ; org:postIn ex:team ; org:reportsTo ex:chief .
ex:adviser a iodm:Post ; org:postIn ex:team ; org:reportsTo ex:officer , ex:head .
ex:loop-a a iodm:Post ; org:reportsTo ex:loop-b .
ex:loop-b a iodm:Post ; org:reportsTo ex:loop-a .
"""


@cache
def ontology() -> tuple[ox.Triple, ...]:
    files = [f for f in packaged_files(core_only=True) if f[2] == "ontology"]
    return tuple(split(parse_all(files))[0])


def derived(turtle: str) -> set[ox.Triple]:
    data = list(ox.parse(PREFIXES + turtle, format=ox.RdfFormat.TURTLE))
    new = derive([*ontology(), *data])
    assert not set(new) & set(data), "an asserted triple is never derived again"
    return set(new)


def t(s: str, p: str, o: str) -> ox.Triple:
    return ox.Triple(ox.NamedNode(EX + s), ox.NamedNode(p), ox.NamedNode(o))


def steps(found: set[ox.Triple]) -> dict[str, int]:
    return {
        x.subject.value.removeprefix(EX): int(x.object.value)
        for x in found
        if x.predicate.value == IODM + "reportingStepsToCapitalLiaison"
    }


def test_nothing_to_derive_from_nothing() -> None:
    assert derive([]) == []
    assert not steps(derived("ex:lonely a iodm:Post .")), "no liaison post: no steps"


def test_units_posts_and_types() -> None:
    found = derived(MISSION)
    part_of = ORG + "transitiveSubOrganizationOf"
    assert {t("team", part_of, EX + w) for w in ("section", "mission", "io")} <= found
    assert t("mission", part_of, EX + "io") in found  # iodm:deployedBy ⊑ org:unitOf ⊑ …
    in_presence = IODM + "inFieldPresence"
    for member in ("mission", "section", "team", "head", "chief", "officer"):
        assert t(member, in_presence, EX + "mission") in found, member
    assert not any(x.subject.value == EX + "io" and x.predicate.value == in_presence for x in found)
    assert t("section", RDF + "type", IODM + "OrganizationalUnit") in found  # Department ⊑ …
    assert t("head", RDF + "type", ORG + "Post") in found


def test_liaison_posts_and_the_fewest_reporting_steps() -> None:
    found = derived(MISSION)
    liaisons = {
        x.subject.value.removeprefix(EX)
        for x in found
        if x.predicate.value == RDF + "type" and x.object.value == IODM + "CapitalLiaisonPost"
    }
    assert liaisons == {"head"}
    # the adviser reports both to the officer and to the head: the shortest line counts;
    # the posts in a reporting cycle that reaches no liaison get nothing (and nothing hangs)
    assert steps(found) == {"head": 0, "chief": 1, "officer": 2, "adviser": 1}


def test_the_liaison_unit_must_be_in_the_field_presence() -> None:
    """The interlocutor of the unit the post is in counts only if that unit is in the field
    presence whose capital the post sits in: a second unit at headquarters does not lend it."""
    found = derived(
        MISSION
        + """
ex:hq-desk a iodm:OrganizationalUnit ; org:unitOf ex:io ; iodm:interlocutor ex:government .
ex:liaison a iodm:Post ; org:postIn ex:section , ex:hq-desk ; iodm:hasDutyStation ex:capital .
"""
    )
    assert t("liaison", RDF + "type", IODM + "CapitalLiaisonPost") not in found


def test_an_asserted_link_is_left_out_and_the_same_link_of_another_unit_derived() -> None:
    """The store holds ``org:transitiveSubOrganizationOf ex:io`` for the team: the section's
    and the mission's links to the IO (same property, same object) are still derived."""
    found = derived(MISSION + "ex:team org:transitiveSubOrganizationOf ex:io .")
    part_of = ORG + "transitiveSubOrganizationOf"
    assert {t("section", part_of, EX + "io"), t("mission", part_of, EX + "io")} <= found
    assert t("team", part_of, EX + "io") not in found


def test_distances_to_the_host_capital_once_for_each_place() -> None:
    """Two posts at one duty station get one distance, a post at another its own; in km,
    canonical xsd:decimal rounded to 0.1."""
    found = derived(
        MISSION
        + """
@prefix geo: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
ex:capital geo:lat 0.0 ; geo:long 0.0 .
ex:office a iodm:DutyStation ; geo:lat 0.0 ; geo:long 1.0 .
ex:far a iodm:DutyStation ; geo:lat 0.0 ; geo:long 10.0 .
ex:chief iodm:hasDutyStation ex:office .
ex:officer iodm:hasDutyStation ex:office .
ex:adviser iodm:hasDutyStation ex:far .
"""
    )
    km = {
        x.subject.value.removeprefix(EX): x.object
        for x in found
        if x.predicate.value == IODM + "distanceToHostCapitalKm"
    }
    decimal = ox.NamedNode(XSD + "decimal")
    assert km == {
        "head": ox.Literal("0", datatype=decimal),
        "chief": ox.Literal("111.2", datatype=decimal),
        "officer": ox.Literal("111.2", datatype=decimal),
        "adviser": ox.Literal("1112", datatype=decimal),  # 1111.95…: no trailing ".0"
    }
