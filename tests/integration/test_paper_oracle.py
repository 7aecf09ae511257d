"""The paper as the oracle (issue 11): what IODM prints about the paper's world agrees with the
paper, and IODM's own coding is marked as such wherever it is printed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg.analysis.profile import CONCILIATION, CONFRONTATION, Profiler
from kg.analysis.rules import Derivation, derive
from kg.queries import get
from kg.store import Store

from ..conftest import rows
from .test_curated_graph import PAPER, _paper_text

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


# --- issue 11, point 4: what the paper says, added with its passage -----------------------------

ID = "https://w3id.org/iodm/id/"
IODM = "https://w3id.org/iodm#"
README = Path(__file__).resolve().parents[2] / "kg" / "data" / "README.md"


@pytest.fixture(scope="module")
def derivation(curated: Store) -> Derivation:
    """What the rules (queries/rules) derive from the curated graph, at any date."""
    return derive(curated)


@pytest.fixture(scope="module")
def derived(derivation: Derivation) -> Store:
    """The curated graph with the derived observations added."""
    return derivation.store


def _reached(store: Store, subject: str, base: str) -> bool:
    """Whether some derived observation for ``subject`` rests on the recorded ``base``."""
    return bool(
        rows(
            store.select(
                "PREFIX iodm: <https://w3id.org/iodm#> PREFIX prov: <http://www.w3.org/ns/prov#>"
                f" SELECT ?d WHERE {{ ?d iodm:observedFor <{ID}{subject}> ;"
                f" prov:wasDerivedFrom+ <{ID}factor-observation/{base}> }} LIMIT 1"
            )
        )
    )


# (resource, passage it cites, words of the paper that passage must hold)
ADDED = [
    (
        "factor-observation/western-northern-officials-previous-experience",
        "previous-experience-nationality",
        "They therefore gravitate towards the more conciliatory end of the spectrum",
    ),
    (
        "factor-observation/specialized-agency-background-previous-experience",
        "previous-experience-specialized-agencies",
        "you don’t do politics, so you will not be critical",
    ),
    (
        "factor-observation/promise-of-employment-career-security",
        "career-security-guarantee",
        "A promise of job security can empower officials to express public criticism",
    ),
    (
        "factor-observation/promise-of-employment-career-security",
        "career-security-statement",
        "Officials who have a promise of employment after the peacekeeping posting",
    ),
    (
        "factor-observation/senior-mission-officials-position",
        "position-senior-mission-officials",
        "you are forced to become a diplomat",
    ),
    (
        "factor-observation/field-office-officials-position",
        "position-mission-headquarters",
        "They become a lot more attuned to the local community",
    ),
    (
        "factor-observation/world-bank-country-directors-place-in-hierarchy",
        "footnote-41",
        "which may create predispositions towards conciliatory responses",
    ),
    (
        "factor-observation/minustah-human-rights-relations-ohchr",
        "relations-joint-reports",
        "while remaining structurally separate, issued joint reports",
    ),
    (
        "relation/minustah-human-rights-ohchr-separation",
        "relations-joint-reports",
        "while remaining structurally separate",
    ),
    (
        "response/unoci-outspoken-2010",
        "relations-unoci-separation",
        "enabled UNOCI to be outspoken against the attempt to undermine the election result",
    ),
    (
        "mandate/unoci",
        "spectrum-unoci-mandate-challenged",
        "some member states challenged this interpretation of the mandate",
    ),
    (
        "relation/drc-human-rights-reporting-line-geneva",
        "relations-geneva-communique",
        "in a communiqué that appeared to come from Geneva",
    ),
    (
        "response-option/withholding-support",
        "spectrum-working-level",
        "peacekeeping officials can facilitate or withhold various kinds of assistance",
    ),
    (
        "factor/length-of-service-at-duty-station",
        "length-of-service-quotes",
        "While being new to one's post and lacking expertise in host country politics",
    ),
    (
        "unit-function/political-affairs",
        "composition-civil-affairs",
        "Political affairs is this borderline",
    ),
    ("organization/un-peacekeeping-bureaucracy", "case-selection-size", "22,437 civilian staff"),
    (
        "organization/un-peacekeeping-bureaucracy",
        "case-selection-size",
        "approximately 1,000 officials at New York headquarters",
    ),
    (
        "source/oksamytna-2023-interviews",
        "case-selection-interviews",
        "over 200 semi-structured interviews",
    ),
    (
        "source/oksamytna-2023-interviews",
        "case-selection-interviews",
        "including eight SRSGs and twelve deputy SRSGs",
    ),
    (
        "source/oksamytna-2023-interviews",
        "section-case-selection",
        "The interviews took place in 2019–2022",
    ),
]

ADDED += [
    (f"norm/{norm}", "introduction-io-norms", words)
    for norm, words in (
        (
            "humanitarian-imperative",
            "the UN is guided by the humanitarian imperative of saving lives",
        ),
        ("good-governance", "international financial institutions promote good governance"),
        ("poverty-alleviation", "promote good governance and poverty alleviation"),
        (
            "against-undemocratic-changes-of-government",
            "the norm against undemocratic changes of government",
        ),
    )
]

ADDED += [
    (IODM + "DecisionFactors", passage, words)
    for passage, words in (
        ("case-selection-scope-conditions", "under the following scope conditions"),
        ("conclusion-generalization", "we believe that our findings apply more widely"),
        ("conclusion-future-research", "interactions between individual, departmental, and"),
        ("conclusion-future-research", "such as rhetorical criticisms of the IO itself"),
        ("conclusion-future-research", "by exploiting or abusing the local population"),
        ("conclusion-policy-levers", "an opportunity to downsize or enlarge departments"),
        ("conclusion-policy-levers", "the development of job profiles for different peacekeeping"),
        ("conclusion-policy-levers", "redraw horizontal and vertical relations between different"),
    )
]

SPECTRUM_SCHEME = IODM + "ConciliationConfrontationSpectrum"
SCHEME_PASSAGES = [
    ("spectrum-host-state-reliance", "grant visas, custom clearances, and flight authorizations"),
    ("spectrum-host-state-reliance", "provide continuous consent for the mission"),
    ("spectrum-not-lack-of-integrity", "for fear of being expelled by the host government"),
]


def _iri(local: str) -> str:
    return local if local.startswith("http") else ID + local


def _quote(store: Store, passage: str) -> str:
    found = rows(
        store.select(
            f"SELECT ?q WHERE {{ <{ID}passage/{passage}> <{IODM}quote> ?q ; "
            "<http://purl.org/dc/terms/isPartOf> <https://w3id.org/iodm/id/source/oksamytna-2023> }"
        )
    )
    assert len(found) == 1, passage
    return found[0]["q"]


def _cites(store: Store, resource: str, passage: str) -> bool:
    return bool(
        rows(
            store.select(
                f"SELECT ?x WHERE {{ <{_iri(resource)}> <http://purl.org/dc/terms/source> "
                f"<{ID}passage/{passage}> BIND(1 AS ?x) }}"
            )
        )
    )


@pytest.mark.parametrize(
    ("resource", "passage", "words"),
    ADDED + [(SPECTRUM_SCHEME, p, w) for p, w in SCHEME_PASSAGES],
    ids=lambda v: str(v)[-40:],
)
def test_each_added_characterization_cites_its_passage_verbatim(
    curated: Store, resource: str, passage: str, words: str
) -> None:
    """In the graph, citing its passage; the passage holds the paper's words; the quote is
    verbatim in the vendored paper (each piece between page-break marks)."""
    assert _cites(curated, resource, passage), (resource, passage)
    quote = _quote(curated, passage)
    assert words in re.sub(r"\s+", " ", quote), (passage, words)
    paper = _paper_text()
    assert words in paper
    for piece in re.sub(r"\s+", " ", quote).split(" [...] "):
        assert piece.strip() in paper, (passage, piece[:80])


# the general leans, with the pole the paper gives (or IODM reads), whose it is, and the group
# (a kind of official, never the bureaucracy as a whole: its profile must not add them up)
BUREAUCRACY = "organization/un-peacekeeping-bureaucracy"
GENERAL_LEANS = {
    "western-northern-officials-previous-experience": (
        "previous-experience",
        "Conciliation",
        STATED,
        "official-category/western-or-northern-officials",
    ),
    "specialized-agency-background-previous-experience": (
        "previous-experience",
        "Conciliation",
        READING,
        "official-category/officials-from-specialized-agencies",
    ),
    "promise-of-employment-career-security": (
        "career-security",
        "Confrontation",
        STATED,
        "official-category/officials-with-a-promise-of-employment",
    ),
    "senior-mission-officials-position": (
        "position-vis-a-vis-host-state-authorities",
        "Conciliation",
        STATED,
        "post/senior-mission-officials",
    ),
    "field-office-officials-position": (
        "position-vis-a-vis-host-state-authorities",
        "Confrontation",
        STATED,
        "post/field-office-officials",
    ),
}


def _observations(store: Store) -> dict[str, dict[str, str]]:
    found = rows(
        store.select(
            "PREFIX iodm: <https://w3id.org/iodm#>"
            " PREFIX skos: <http://www.w3.org/2004/02/skos/core#>"
            " SELECT ?o (SAMPLE(?f) AS ?factor) (SAMPLE(?p) AS ?pole) (SAMPLE(?s) AS ?subject)"
            " (COUNT(DISTINCT ?n) AS ?notes) (SAMPLE(?n) AS ?note)"
            " WHERE { ?o a iodm:FactorObservation ; iodm:observedFactor ?f ; iodm:pullsToward ?p ;"
            " iodm:observedFor ?s . OPTIONAL { ?o skos:editorialNote ?n }"
            ' FILTER (STRSTARTS(STR(?o), "https://w3id.org/iodm/id/factor-observation/")) }'
            " GROUP BY ?o"
        )
    )
    return {r["o"].rsplit("/", 1)[1]: r for r in found}


def test_general_leans_are_recorded_with_pole_and_whose_it_is(curated: Store) -> None:
    obs = _observations(curated)
    for name, (factor, pole, basis, subject) in GENERAL_LEANS.items():
        r = obs[name]
        assert r["factor"] == f"{ID}factor/{factor}", name
        assert r["pole"] == IODM + pole, name
        assert r["subject"] == ID + subject, name
        prefix = "Stated in the source: " if basis == STATED else "IODM's reading: "
        assert r["note"].startswith(prefix), name
    wb = obs["world-bank-country-directors-place-in-hierarchy"]
    assert (wb["pole"], wb["subject"]) == (
        IODM + "Conciliation",
        f"{ID}post/world-bank-country-director",
    )


def test_every_recorded_observation_says_whose_its_pole_is(curated: Store) -> None:
    """iodm:placementBasis does not apply to factor observations: the note is the marker."""
    obs = _observations(curated)
    assert len(obs) >= 36
    for name, r in obs.items():
        assert r["notes"] == "1", name
        assert r["note"].startswith(("Stated in the source: ", "IODM's reading: ")), name
    reading = {n for n, r in obs.items() if r["note"].startswith("IODM's reading: ")}
    # the paper names no pole for rule of law lawyers 'attuned to noticing' deviations
    assert "rule-of-law-composition" in reading
    # the paper's own example of leaders 'more conciliatory than ... their subordinates'
    assert "drc-leadership-place-in-hierarchy" not in reading


def test_no_rule_passes_a_general_claim_about_a_kind_of_official_to_anyone(derived: Store) -> None:
    """Claims the paper makes of officials with some characteristic are recorded for the
    bureaucracy as a whole, which has no sub-units, or for a kind of post that no one holds and
    that is in no unit: no derived observation for anyone else."""
    bases = ", ".join(f"<{ID}factor-observation/{n}>" for n in GENERAL_LEANS)
    found = rows(
        derived.select(
            "PREFIX iodm: <https://w3id.org/iodm#> PREFIX prov: <http://www.w3.org/ns/prov#>"
            " SELECT DISTINCT ?subject WHERE { ?d prov:wasDerivedFrom+ ?base ;"
            f" iodm:observedFor ?subject . FILTER (?base IN ({bases})) }}"
        )
    )
    groups = {ID + subject for *_, subject in GENERAL_LEANS.values()}
    assert {r["subject"] for r in found} == groups  # each applies to its group, and to no one else


def test_unoci_outspoken_is_a_response_iodm_placed(curated: Store) -> None:
    found = rows(get("cq2-responses-on-spectrum").run(curated))
    row = next(r for r in found if r["response"] == f"{ID}response/unoci-outspoken-2010")
    assert row["placedBy"] == READING
    stated = [r["response"] for r in found if r["placedBy"] == STATED]
    assert stated == ILLUSTRATIONS  # still exactly the paper's four


def test_unoci_2010_observations_do_not_reach_doss(curated: Store, derived: Store) -> None:
    """Doss's deputy headship of UNOCI is undated (and IODM's reading of the paper's citation):
    the paper's 2010 observation of UNOCI is not known to overlap it."""
    assert _reached(derived, "official/alan-doss", "doss-previous-experience")  # the rules ran
    assert _reached(derived, "post/unoci-deputy-head-of-mission", "unoci-relations")
    assert not _reached(derived, "official/alan-doss", "unoci-relations")
    note = rows(
        curated.select(
            "SELECT ?n WHERE { <https://w3id.org/iodm/id/post-holding/doss-unoci-deputy-head>"
            " <http://www.w3.org/2004/02/skos/core#editorialNote> ?n }"
        )
    )
    assert note and note[0]["n"].startswith("IODM's reading: ")


def test_minustah_connection_does_not_reach_an_undated_holding(derived: Store) -> None:
    """Known only at its end (2017): Ricci's undated headship of MINUSTAH's section is not
    reached, though the section and its post are."""
    base = "minustah-human-rights-relations-ohchr"
    assert _reached(derived, "post/minustah-head-of-human-rights", base)
    assert _reached(derived, "official/roberto-ricci", "human-rights-relations-ohchr")  # undated
    assert not _reached(derived, "official/roberto-ricci", base)


# --- the re-audit in kg/data/README.md ------------------------------------------------------------


def _readme_audit() -> tuple[str, list[tuple[str, str, str]]]:
    text = README.read_text(encoding="utf-8")
    query = re.search(r"^```sparql\n(.*?)^```$", text, re.S | re.M)
    assert query, "kg/data/README.md has no ```sparql block"
    table = re.findall(r"^\| (value|unknown) \| (.+?) \| (\d+) \|$", text, re.M)
    return query.group(1), table


def test_the_readme_audit_counts_are_what_its_query_prints(curated: Store) -> None:
    query, table = _readme_audit()
    got = [(r["kind"], r["category"], r["claims"]) for r in rows(curated.select(query))]
    assert got == table
    categories = {c for _, c, _ in got}
    assert "stated by the paper" in categories
    assert any(c.startswith("coding: reading") for c in categories)
    assert any(c.startswith("unknown: ") for c in categories)


def test_every_interview_without_a_place_is_remote(curated: Store) -> None:
    """Footnote 4: 'Unless the location is specified, interviews were conducted remotely' — Adam
    Day's interview too (footnote 48 gives no place)."""
    found = rows(
        curated.select(
            "PREFIX iodm: <https://w3id.org/iodm#>"
            " SELECT ?i ?remote WHERE { ?i a iodm:Interview ."
            " FILTER NOT EXISTS { ?i iodm:conductedIn ?place }"
            " OPTIONAL { ?i iodm:conductedRemotely ?remote } }"
        )
    )
    assert len(found) >= 30
    assert all(r["remote"] == "true" for r in found), [
        r["i"] for r in found if r["remote"] != "true"
    ]


def _plain(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text)


def test_words_a_resource_quotes_from_the_paper_are_in_a_passage_it_cites(curated: Store) -> None:
    """A misattributed passage fails here: every sentence a curated resource quotes (in single
    quotes, 25 characters or more) from the paper's body is in one of the passages it cites
    (dcterms:source), not only somewhere in the paper. Headings (a section named by its title)
    and titles in the reference list are not quotations of the body."""
    body = _plain(_paper_text().split("### References")[0])
    headings = [
        _plain(h.strip("#* ."))
        for h in re.findall(r"^#+ .*$|^\*\*[^*]+\*\*", PAPER.read_text(encoding="utf-8"), re.M)
    ]
    cited = {
        r["s"]: _plain(r["qs"]).replace(" [...] ", " ")
        for r in rows(
            curated.select(
                "PREFIX iodm: <https://w3id.org/iodm#> PREFIX dcterms: <http://purl.org/dc/terms/>"
                " SELECT ?s (GROUP_CONCAT(?q; separator=' ') AS ?qs) WHERE {"
                " ?s dcterms:source ?p . ?p iodm:quote ?q } GROUP BY ?s"
            )
        )
    }
    texts = rows(
        curated.select(
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>"
            " PREFIX skos: <http://www.w3.org/2004/02/skos/core#>"
            " SELECT ?s ?t WHERE { VALUES ?p { rdfs:comment skos:editorialNote skos:scopeNote"
            " skos:definition } ?s ?p ?t }"
        )
    )
    checked, missing = 0, []
    for r in texts:
        if r["s"] not in cited:
            continue
        for quoted in re.findall(r"(?:(?<=\s)|(?<=^)|(?<=\())'(.{25,}?)'(?=[\s,.;:)]|$)", r["t"]):
            for piece in re.split(r"\s*\.\.\.\s*|\[\.\.\.\]|(?<=\.) (?=[A-Z])", _plain(quoted)):
                piece = re.sub(r"^\[(\w)\]", r"\1", piece.strip(" '\""))
                if len(piece) < 15 or piece not in body or any(piece in h for h in headings):
                    continue  # short, not the paper's body (IODM's words, a title), or a heading
                checked += 1
                if piece.lower() not in cited[r["s"]].lower():  # "[T]he" is quoted as "the"
                    missing.append((r["s"].rsplit("/", 2)[-2:], piece[:70]))
    assert checked > 300
    assert not missing


@pytest.mark.parametrize(
    ("subject", "pole"),
    [
        # 'may create predispositions towards conciliatory responses' (footnote 41)
        ("post/world-bank-country-director", CONCILIATION),
        # 'senior mission officials feel the need to be cautious with host country authorities'
        ("post/senior-mission-officials", CONCILIATION),
        # 'another resource that allows them to be forthcoming in their criticism'
        ("post/field-office-officials", CONFRONTATION),
        # the human rights section of MINUSTAH: 'The OHCHR connection equips human rights sections'
        ("unit/minustah-human-rights-section", CONFRONTATION),
        # 'They therefore gravitate towards the more conciliatory end of the spectrum' (fn 14)
        ("official-category/western-or-northern-officials", CONCILIATION),
        # 'may find it easier to be forthcoming than those who do not'
        ("official-category/officials-with-a-promise-of-employment", CONFRONTATION),
    ],
)
def test_profiles_of_the_added_groups_agree_with_the_paper(
    curated: Store, derivation: Derivation, subject: str, pole: str
) -> None:
    profile = Profiler(derivation, curated).profile(ID + subject)
    assert profile.lines
    assert profile.lean == pole
    assert not profile.factors_toward(CONFRONTATION if pole == CONCILIATION else CONCILIATION)


def test_the_bureaucracy_is_not_given_the_leans_of_kinds_of_its_officials(
    curated: Store, derivation: Derivation
) -> None:
    """The paper generalizes about officials from Western or Northern countries, with a promise
    of employment, from specialized agencies, with long service: never about the peacekeeping
    bureaucracy as a whole, whose profile must not add those leans up into a net lean."""
    profile = Profiler(derivation, curated).profile(ID + BUREAUCRACY)
    assert not profile.lines
    assert profile.lean not in (CONFRONTATION, CONCILIATION)


def test_the_readme_lists_every_reading_with_its_reason(curated: Store) -> None:
    text = README.read_text(encoding="utf-8")
    query = re.search(r"<<'END'\n(.*?)^END$", text, re.S | re.M)
    count = re.search(r"the reason it gives \((\d+) at this\s+commit\)", text)
    assert query and count
    found = rows(curated.select(query.group(1)))
    assert len(found) == int(count.group(1))
    assert all(r["why"].strip() for r in found)
    listed = {r["resource"].rsplit("/", 1)[1] for r in found}
    assert {"unoci-outspoken-2010", "doss-unoci-deputy-head", "rule-of-law-composition"} <= listed
