"""What-if levers change an in-memory copy only, and the mission's profiles shift as the rules
say they should."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kg.analysis.profile import CONCILIATION, CONFRONTATION
from kg.analysis.whatif import Lever, run
from kg.core.errors import UsageError

from .conftest import EX, count

TOY = "https://example.org/toy/"


def rows(result) -> dict:  # type: ignore[no-untyped-def]
    return {r.subject: r for r in result.rows}


def test_rotation_removes_long_service_and_leaves_the_store_alone(toy) -> None:  # type: ignore[no-untyped-def]
    before = count(toy)
    result = run(toy, [Lever("rotate", number=Decimal(3))], "TOYMIS", "2016-06-30")
    assert count(toy) == before
    alice = rows(result)[TOY + "alice"]
    labels = lambda p: {ln.factor.label for ln in p.lines}  # noqa: E731
    assert "length of service at a duty station" in labels(alice.before)
    assert "length of service at a duty station" not in labels(alice.after)
    assert "2 holding(s) cut" in result.changes[0]
    assert "not a forecast" in result.render()
    # the option names the paper's lever it stands for, and the levers no option models
    assert result.levers == ["length of officials' employment at a duty station"]
    assert result.unmodelled == ["appointments and tenures of mission leaders", "job profiles"]
    assert "The paper's lever: length of officials' employment" in result.render()


def test_moving_a_post_to_the_capital_flips_its_position(toy) -> None:  # type: ignore[no-untyped-def]
    lever = Lever("move", target="Head of the Toy Town field office", other="Toy City")
    result = run(toy, [lever])
    assert result.mission.iri == TOY + "mission"
    row = rows(result)[TOY + "post-field-head"]
    assert row.before.factors_toward(CONFRONTATION) == ["position vis-à-vis host state authorities"]
    assert row.after.factors_toward(CONCILIATION) == ["position vis-à-vis host state authorities"]
    assert row.after.factors_toward(CONFRONTATION) == []


def test_enlarge_and_cut_change_the_posts_of_the_mission(stabilization) -> None:  # type: ignore[no-untyped-def]
    result = run(
        stabilization, [Lever("enlarge", "TESTMIS human rights section", number=Decimal(2))]
    )
    new = [r for r in result.rows if r.before is None]
    assert len(new) == 2 and all(r.after.lean == CONFRONTATION for r in new)
    result = run(stabilization, [Lever("cut", "Stabilization support unit", number=Decimal(1))])
    gone = rows(result)[EX + "stabilization-officer"]
    assert gone.after is None and gone.status() == "removed"
    assert rows(result)[EX + "dana"].status() == "left the mission"


def test_integrating_a_human_rights_section_with_ohchr_like_office(stabilization) -> None:  # type: ignore[no-untyped-def]
    # The electoral unit is not a human rights unit: the paper says nothing of it, nothing moves.
    result = run(
        stabilization, [Lever("integrate", "TESTMIS electoral unit", "Test human rights office")]
    )
    assert not rows(result)[EX + "electoral-unit"].changed


def test_separating_a_unit_gives_the_mission_a_relation_pull(stabilization) -> None:  # type: ignore[no-untyped-def]
    result = run(stabilization, [Lever("separate", "TESTMIS electoral unit")], at="2012-01-01")
    mission = rows(result)[EX + "mission"]
    assert mission.before.factors_toward(CONFRONTATION) == []
    assert mission.after.factors_toward(CONFRONTATION) == ["relations with other IO entities"]
    assert rows(result)[EX + "electoral-unit"].status() == "left the mission"


@pytest.mark.parametrize(
    ("levers", "mission", "message"),
    [
        ([], "TESTMIS", "no change"),
        ([Lever("rotate", number=Decimal(2))], None, "which mission"),
        ([Lever("separate", "Test human rights office")], "TESTMIS", "not a unit inside"),
        ([Lever("enlarge", "TESTMIS electoral unit", number=Decimal("1.5"))], None, "whole number"),
        ([Lever("move", "Head of TESTMIS", "Atlantis")], None, "no a duty station|has the IRI"),
    ],
)
def test_bad_levers_are_usage_errors(stabilization, levers, mission, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match=message):
        run(stabilization, levers, mission)
