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
