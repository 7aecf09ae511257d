"""The closed namespaces the code uses stay in step with the ontology and with rdflib's lists."""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys

import pytest

from kg.core.namespaces import (
    IODM,
    NAMESPACES,
    PKO,
    RDFS,
    dcterms,
    expand,
    foaf,
    geo,
    iodm,
    pko,
    rdfs,
    sh,
    shorten,
    vcard,
)
from kg.core.vocab import VOCABULARIES
from tools.vocab import VOCAB, ontology_terms, vocab_module


def test_vocab_module_lists_exactly_the_ontology_terms() -> None:
    for prefix, defined in ontology_terms().items():
        listed = VOCABULARIES[prefix][2]
        missing, extra = defined - listed, listed - defined
        assert not missing and not extra, (
            f"kg/core/vocab.py is out of date for {prefix}: (missing {sorted(missing)}, extra "
            f"{sorted(extra)}): run `python -m tools.vocab`"
        )


def test_vocab_module_is_what_the_generator_writes() -> None:
    """Catches a hand edit, and an rdflib upgrade that changed an external vocabulary's terms."""
    assert VOCAB.read_text(encoding="utf-8") == vocab_module(), (
        "kg/core/vocab.py is out of date: run `python -m tools.vocab`"
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


@pytest.mark.parametrize(
    ("prefix", "typo"), [("iodm", "Offical"), ("foaf", "nmae"), ("rdfs", "lable"), ("sh", "Shap")]
)
def test_misspelt_term_raises(prefix: str, typo: str) -> None:
    with pytest.raises(AttributeError, match=f"^{prefix}:{typo} is not a term of {prefix}:"):
        getattr(NAMESPACES[prefix], typo)
    with pytest.raises(AttributeError, match=f"^{prefix}:{typo} is not a term"):
        _ = NAMESPACES[prefix][typo]


def test_a_closed_namespace_is_its_iri() -> None:
    """Older code concatenates and compares: the namespace is the plain IRI string too."""
    assert isinstance(foaf, str) and foaf == "http://xmlns.com/foaf/0.1/"
    assert RDFS + "label" == rdfs.label == "http://www.w3.org/2000/01/rdf-schema#label"
    assert type(foaf.name) is str
    assert "http://xmlns.com/foaf/0.1/name".startswith(foaf)
    assert iodm[:8] == "https://" and iodm[-1] == "#"
    assert copy.deepcopy(foaf).name == foaf.name
    with pytest.raises(AttributeError):
        _ = pickle.loads(pickle.dumps(foaf)).nmae


def test_terms_that_are_not_python_names_are_reached_by_index() -> None:
    assert vcard["given-name"] == "http://www.w3.org/2006/vcard/ns#given-name"
    assert sh["class"] == "http://www.w3.org/ns/shacl#class"
    # str's own methods win over attribute access; indexing reaches the term
    assert dcterms["title"] == "http://purl.org/dc/terms/title"
    assert callable(dcterms.title)
    # the namespace's own attributes are underscored, so they never hide a term
    assert sh.prefix == "http://www.w3.org/ns/shacl#prefix"


def test_external_vocabularies_use_the_iris_the_data_uses() -> None:
    assert geo.lat == "http://www.w3.org/2003/01/geo/wgs84_pos#lat"  # rdflib's WGS says https
    assert NAMESPACES["schema"].Person == "https://schema.org/Person"


def test_importing_the_namespaces_loads_no_rdf_library() -> None:
    code = (
        "import sys, kg.core.namespaces; print(sorted({'rdflib', 'pyoxigraph'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_shorten_and_expand_are_inverse() -> None:
    for name in ("iodm:Post", "pko:PeacekeepingOperation", "skos:Concept"):
        assert shorten(expand(name)) == name
