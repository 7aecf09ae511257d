"""The closed namespaces the code uses stay in step with the ontology."""

from __future__ import annotations

import pytest

from kg.core.namespaces import IODM, PKO, expand, iodm, pko, shorten
from kg.core.vocab import TERMS
from tools.vocab import ontology_terms


def test_vocab_module_lists_exactly_the_ontology_terms() -> None:
    defined = ontology_terms()
    for base in (IODM, PKO):
        missing, extra = defined[base] - TERMS[base], TERMS[base] - defined[base]
        assert not missing and not extra, (
            f"kg/core/vocab.py is out of date for {base} (missing {sorted(missing)}, extra "
            f"{sorted(extra)}): run `python -m tools.vocab`"
        )


def test_fixed_iris_of_the_foundation_exist() -> None:
    for name in (
        "Official",
        "Post",
        "OrganizationalUnit",
        "FieldPresence",
        "DutyStation",
        "StateAuthority",
        "Norm",
        "NormViolation",
        "Response",
        "ResponseOption",
        "Factor",
        "respondsTo",
        "hasResponseOption",
        "confrontationRank",
        "ConciliationConfrontationSpectrum",
        "DecisionFactors",
    ):
        assert getattr(iodm, name) == IODM + name
    assert pko.PeacekeepingOperation == PKO + "PeacekeepingOperation"


def test_misspelt_term_raises() -> None:
    with pytest.raises(AttributeError, match="iodm:Offical"):
        _ = iodm.Offical


def test_shorten_and_expand_are_inverse() -> None:
    for name in ("iodm:Post", "pko:PeacekeepingOperation", "skos:Concept"):
        assert shorten(expand(name)) == name
