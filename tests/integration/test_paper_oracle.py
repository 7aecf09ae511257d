"""The paper as the oracle (issue 11): what IODM prints about the paper's world agrees with the
paper, and IODM's own coding is marked as such wherever it is printed."""

from __future__ import annotations

from kg.queries import get
from kg.store import Store

from ..conftest import rows

STATED, READING = "stated in the source", "coder's reading"

# Section 'The Conciliation-Confrontation Spectrum': UNOCI "took military action"; "In a slightly
# less confrontational response", MINUSTAH; "An even less confrontational response", MONUSCO;
# "The most conciliatory response came from" UNAMID.
ILLUSTRATIONS = [
    "https://w3id.org/iodm/id/response/unoci-military-action-2010",
    "https://w3id.org/iodm/id/response/minustah-threat-to-withdraw-support",
    "https://w3id.org/iodm/id/response/monusco-general-concern-2018",
    "https://w3id.org/iodm/id/response/unamid-suppressing-information",
]


def test_cq2_says_whose_every_placement_is(curated: Store) -> None:
    found = rows(get("cq2-responses-on-spectrum").run(curated))
    assert found
    assert {r["placedBy"] for r in found} == {STATED, READING}  # every row says, both occur
    stated = [r["response"] for r in found if r["placedBy"] == STATED]
    assert stated == ILLUSTRATIONS  # exactly the paper's four, in its order (rank descending)


def test_every_rank_of_the_spectrum_is_marked_as_iodms_reading(curated: Store) -> None:
    """The paper gives the two ends and what lies in between, no order within them."""
    found = rows(
        curated.select(
            "SELECT ?option ?basis ?note WHERE { ?option a <https://w3id.org/iodm#ResponseOption> "
            "OPTIONAL { ?option <https://w3id.org/iodm#rankBasis> ?basis } "
            "OPTIONAL { ?option <http://www.w3.org/2004/02/skos/core#editorialNote> ?note } }"
        )
    )
    assert len(found) >= 12
    for r in found:
        assert r["basis"] == "https://w3id.org/iodm#CodersReading", r["option"]
        assert "IODM's" in r["note"], r["option"]


def test_every_stance_and_response_says_whose_placement_it_is(curated: Store) -> None:
    """Exactly one iodm:placementBasis on every stance and response; a coder's reading says why.

    A stance's option or pole is the paper's only where the paper names the option or itself calls
    the party confrontational or conciliatory in that matter (e.g. UNAMID's spokesperson, 'among the
    few who advocated a confrontational response', section 'The Conciliation-Confrontation
    Spectrum'); otherwise it is IODM's reading, with the reason in skos:editorialNote."""
    found = rows(
        curated.select(
            "PREFIX iodm: <https://w3id.org/iodm#>"
            " PREFIX skos: <http://www.w3.org/2004/02/skos/core#>"
            " SELECT ?x (COUNT(DISTINCT ?basis) AS ?n) (SAMPLE(?b) AS ?basis1)"
            " (SAMPLE(?note) AS ?note1)"
            " WHERE { VALUES ?class { iodm:Stance iodm:Response } ?x a ?class ."
            " OPTIONAL { ?x iodm:placementBasis ?basis } BIND(?basis AS ?b)"
            " OPTIONAL { ?x skos:editorialNote ?note } } GROUP BY ?x"
        )
    )
    assert len(found) >= 22  # 14 stances and 8 responses in kg/data/cases.ttl
    for r in found:
        assert r["n"] == "1", r["x"]
        assert r["basis1"] in (
            "https://w3id.org/iodm#StatedInSource",
            "https://w3id.org/iodm#CodersReading",
        ), r["x"]
        if r["basis1"] == "https://w3id.org/iodm#CodersReading":
            assert r["note1"].strip(), r["x"]
    basis = {r["x"].rsplit("/", 1)[1]: r["basis1"].rsplit("#", 1)[1] for r in found}
    # 'among the few who advocated a confrontational response' (Elbasri 2016)
    assert basis["unamid-reporting-of-abuses-spokesperson"] == "StatedInSource"
    # the East Timor section's public criticism is not stated: 'an annual report that was very
    # critical'
    assert basis["east-timor-human-rights-annual-report-section"] == "CodersReading"
    # 'gave little weight to their concerns' (Paddon Rhoads 2016, 148): downplaying is IODM's
    # reading, and so is its link to the army's abuse of the population
    assert basis["drc-joint-operations-with-the-army-leadership"] == "CodersReading"
    assert basis["drc-leadership-dismissed-concerns-joint-operations"] == "CodersReading"
