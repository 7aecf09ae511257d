"""Run the predisposition rules of ``queries/rules/`` (SPARQL CONSTRUCT, one per factor or lean the
paper states, or per way a factor reaches an official, post or unit).

The rules run through :mod:`kg.rules` on an in-memory copy of the graph, in the order of their
``stage`` headers, each stage seeing what the earlier ones derived:

1. ``lean-*``: leans the paper states, derived from the structure of the graph (a post heads a
   field presence, sits in the capital, works with security forces, …);
2. ``applies-through-unit-membership``: departmental factors and relations pass from units to
   the posts and units inside them;
3. ``applies-directly``, ``applies-through-unit-function`` and any other rule: recorded
   observations apply to their subject, and to units of the function they were recorded for;
4. ``applies-through-post-holding``: officials share what applies to the posts they hold.

A lean rule's headers say the factor and the pole it states (``factor``, ``pole``) and what
pulls, in a few words (``label``); every rule's ``passage`` header names the passages it encodes.

Every derived observation is an ``iodm:FactorObservation`` minted under :data:`DERIVED`, with the
factor, the subject (``iodm:observedFor``), the pole, the passages (``dcterms:source``), what it
was derived from (``prov:wasDerivedFrom``) and a sentence saying why (``rdfs:comment``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

import pyoxigraph as ox

from kg.core.errors import UsageError
from kg.core.namespaces import GRAPH, ID
from kg.queries import NamedQuery
from kg.rules import ruleset, run
from kg.store import OxigraphStore, Store, copy_in_memory

#: Where the rules mint the IRIs of derived observations: ``DERIVED + rule id + "/" + hash``.
DERIVED = ID + "derived/"
#: The named graph the derived observations go to, in the in-memory copy only.
ANALYSIS_GRAPH = GRAPH + "analysis"


def rules() -> list[NamedQuery]:
    """The rules, in the order they run."""
    return ruleset("rules")


def rule_leans() -> list[tuple[str, str, str, str]]:
    """(rule id, factor IRI, pole IRI, what pulls) of every rule whose headers state a general
    lean the paper states: a factor pulling toward a pole."""
    return [
        (r.id, r.factor, r.pole, r.label or r.title)
        for r in rules()
        if r.factor is not None and r.pole is not None
    ]


def parse_date(raw: str | None) -> str | None:
    """Check a date given by a user (YYYY-MM-DD); None stays None ("any date").

    >>> parse_date("2004-06-30")
    '2004-06-30'
    >>> parse_date("June 2004")
    Traceback (most recent call last):
    ...
    kg.core.errors.UsageError: --at expects a date YYYY-MM-DD, got 'June 2004'
      hint: for a year, give a day in it
    """
    if raw is None:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            raise ValueError(raw)
        return dt.date.fromisoformat(raw).isoformat()
    except ValueError:
        raise UsageError(
            f"--at expects a date YYYY-MM-DD, got {raw!r}", "for a year, give a day in it"
        ) from None


@dataclass
class Derivation:
    """The graph with the derived observations added (in memory), and what each rule derived."""

    store: OxigraphStore
    at: str | None
    triples: list[ox.Triple] = field(default_factory=list)
    per_rule: dict[str, int] = field(default_factory=dict)

    def observations(self) -> set[str]:
        """IRIs of the derived observations."""
        rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
        return {
            t.subject.value
            for t in self.triples
            if t.predicate.value == rdf_type and isinstance(t.subject, ox.NamedNode)
        }


def derive(
    store: Store,
    at: str | None = None,
    min_years: Decimal | None = None,
    *,
    in_place: bool = False,
) -> Derivation:
    """Run every rule, stage by stage, on an in-memory copy of ``store`` (or on ``store`` itself
    when it is an in-memory :class:`OxigraphStore` and ``in_place``), at a date (None: any
    date)."""
    scratch = (
        store
        if in_place and isinstance(store, OxigraphStore) and store.path is None
        else copy_in_memory(store)
    )
    params = {"at": at or "any"}
    if min_years is not None:
        params["minYears"] = str(min_years)
    derivation = Derivation(scratch, at)
    for rule_id, triples in run(scratch, rules(), ANALYSIS_GRAPH, params).items():
        derivation.triples += triples
        derivation.per_rule[rule_id] = len({t.subject for t in triples})
    return derivation


def rule_of(observation: str) -> str | None:
    """The id of the rule that derived an observation, from its IRI (None if recorded).

    >>> rule_of(DERIVED + "lean-head-of-field-presence/0f3a")
    'lean-head-of-field-presence'
    >>> rule_of("https://w3id.org/iodm/id/factor-observation/x") is None
    True
    """
    if not observation.startswith(DERIVED):
        return None
    return observation[len(DERIVED) :].split("/", 1)[0]
