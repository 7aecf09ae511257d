"""Generate ``kg/core/vocab.py``, the closed term lists behind ``kg.core.namespaces``.

Kept outside the runtime package (as RDFLib keeps its ``defined_namespace_creator``): the
generator needs the loader and rdflib, the package only needs the lists, so importing
``kg.core.namespaces`` costs no rdflib. ``python -m tools.vocab`` rewrites the module; a test
fails when it is out of step with ``ontology/`` or with the installed rdflib.

Where each vocabulary's terms come from:

- ``iodm``, ``pko``: what the files of ``ontology/`` declare (every subject with an ``rdf:type``);
- the external vocabularies rdflib defines: its ``DefinedNamespace`` classes (:data:`RDFLIB`);
- the few rdflib does not define: :data:`WRITTEN` below, transcribed from their specifications.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import textwrap
from pathlib import Path

from kg.core.resources import ontology_dir

VOCAB = Path(__file__).resolve().parents[1] / "kg" / "core" / "vocab.py"

#: IODM's own ontologies, whose terms are read from ontology/.
ONTOLOGY = {"iodm": "https://w3id.org/iodm#", "pko": "https://w3id.org/iodm/pko#"}

#: Prefix -> name of the rdflib.namespace class that lists the vocabulary's terms.
RDFLIB = {
    "dcat": "DCAT",
    "dcterms": "DCTERMS",
    "foaf": "FOAF",
    "geo": "WGS",
    "geosparql": "GEO",
    "org": "ORG",
    "owl": "OWL",
    "prov": "PROV",
    "rdf": "RDF",
    "rdfs": "RDFS",
    "schema": "SDO",
    "sh": "SH",
    "skos": "SKOS",
    "time": "TIME",
    "vann": "VANN",
    "void": "VOID",
    "xsd": "XSD",
}

#: Namespace IRIs that differ from rdflib's: the W3C Basic Geo vocabulary is
#: http://www.w3.org/2003/01/geo/wgs84_pos# (the IRI the data and the queries use), which
#: rdflib 7's WGS class spells with https.
BASES = {"geo": "http://www.w3.org/2003/01/geo/wgs84_pos#"}

#: Vocabularies rdflib has no class for, written here because the generator must not fetch
#: anything from the network: prefix -> (namespace IRI, specification, terms). Small vocabularies
#: (formats, sd) are listed whole; the large ones (vCard, BIBO, SPDX) only with the terms IODM
#: uses: add a term here, checked against the specification, before using it.
WRITTEN: dict[str, tuple[str, str, frozenset[str]]] = {
    "bibo": (
        "http://purl.org/ontology/bibo/",
        "http://purl.org/ontology/bibo/",
        frozenset({"AcademicArticle", "Journal", "doi", "issue", "locator", "volume"}),
    ),
    "formats": (
        "http://www.w3.org/ns/formats/",
        "https://www.w3.org/ns/formats/",
        frozenset(
            {
                "JSON-LD",
                "LD_Patch",
                "microdata",
                "N-Quads",
                "N-Triples",
                "N3",
                "OWL_Functional",
                "OWL_Manchester",
                "OWL_XML",
                "POWDER",
                "POWDER-S",
                "PROV-N",
                "PROV-XML",
                "RDF_JSON",
                "RDF_XML",
                "RDFa",
                "RIF_XML",
                "SPARQL_Results_CSV",
                "SPARQL_Results_JSON",
                "SPARQL_Results_TSV",
                "SPARQL_Results_XML",
                "TriG",
                "Turtle",
            }
        ),
    ),
    "sd": (
        "http://www.w3.org/ns/sparql-service-description#",
        "https://www.w3.org/TR/sparql11-service-description/",
        frozenset(
            {
                "Aggregate",
                "BasicFederatedQuery",
                "Dataset",
                "DereferencesURIs",
                "EmptyGraphs",
                "EntailmentProfile",
                "EntailmentRegime",
                "Feature",
                "Function",
                "Graph",
                "GraphCollection",
                "Language",
                "NamedGraph",
                "RequiresDataset",
                "SPARQL10Query",
                "SPARQL11Query",
                "SPARQL11Update",
                "Service",
                "UnionDefaultGraph",
                "availableGraphs",
                "defaultDataset",
                "defaultEntailmentRegime",
                "defaultGraph",
                "defaultSupportedEntailmentProfile",
                "endpoint",
                "entailmentRegime",
                "extensionAggregate",
                "extensionFunction",
                "feature",
                "graph",
                "inputFormat",
                "languageExtension",
                "name",
                "namedGraph",
                "propertyFeature",
                "resultFormat",
                "supportedEntailmentProfile",
                "supportedLanguage",
            }
        ),
    ),
    "spdx": (
        "http://spdx.org/rdf/terms#",
        "https://spdx.org/rdf/terms/",
        frozenset(
            {"Checksum", "algorithm", "checksum", "checksumAlgorithm_sha256", "checksumValue"}
        ),
    ),
    "vcard": (
        "http://www.w3.org/2006/vcard/ns#",
        "https://www.w3.org/TR/vcard-rdf/",
        frozenset({"family-name", "fn", "given-name", "nickname"}),
    ),
}


def ontology_terms() -> dict[str, frozenset[str]]:
    """Local names the ontology files define, per prefix (what kg/core/vocab.py must list).

    Parsed here with pyoxigraph rather than through ``kg.pipeline.load``, which imports
    ``kg.core.namespaces`` and so this module's output: the generator must run even when
    kg/core/vocab.py is stale or broken.
    """
    import pyoxigraph as ox

    onto = ontology_dir()
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    found: dict[str, set[str]] = {prefix: set() for prefix in ONTOLOGY}
    for path in sorted(onto.rglob("*.ttl")):
        if path.relative_to(onto).parts[0] == "shapes":
            continue
        for t in ox.parse(path=path, format=ox.RdfFormat.TURTLE):
            if t.predicate.value == rdf_type and isinstance(t.subject, ox.NamedNode):
                for prefix, base in ONTOLOGY.items():
                    local = t.subject.value.removeprefix(base)
                    if local != t.subject.value and local and "/" not in local:
                        found[prefix].add(local)
    return {prefix: frozenset(names) for prefix, names in found.items()}


def rdflib_terms(class_name: str) -> tuple[str, frozenset[str]]:
    """The namespace IRI and the terms of one of rdflib's DefinedNamespace classes.

    The terms are the class's annotations and its ``_extras`` (names that are not Python
    identifiers, such as ``sh:class``), on it and its bases, as rdflib's own ``__contains__``
    counts them. rdflib's ``RDF._underscore_num`` (``rdf:_1``, ``rdf:_2`` …) is not carried over.

    >>> base, terms = rdflib_terms("FOAF")
    >>> base, "name" in terms, "nmae" in terms
    ('http://xmlns.com/foaf/0.1/', True, False)
    """
    import rdflib.namespace as rn

    ns = getattr(rn, class_name)
    terms: set[str] = set()
    for c in ns.mro():
        if issubclass(c, rn.DefinedNamespace) and c is not rn.DefinedNamespace:
            terms |= set(inspect.get_annotations(c)) | set(c._extras)
    return str(ns._NS), frozenset(terms - {"__slots__"})


def vocabularies() -> dict[str, tuple[str, str, frozenset[str]]]:
    """Prefix -> (namespace IRI, where its terms come from, the terms), for every vocabulary."""
    found: dict[str, tuple[str, str, frozenset[str]]] = {
        prefix: (ONTOLOGY[prefix], "ontology/", terms) for prefix, terms in ontology_terms().items()
    }
    external = {
        prefix: (base, f"tools/vocab.py, from {spec}", terms)
        for prefix, (base, spec, terms) in WRITTEN.items()
    }
    for prefix, class_name in RDFLIB.items():
        base, terms = rdflib_terms(class_name)
        external[prefix] = (BASES.get(prefix, base), f"rdflib.namespace.{class_name}", terms)
    return found | dict(sorted(external.items()))


def vocab_module() -> str:
    """The text of kg/core/vocab.py.

    Each term list is written as space-separated words split at import: Python compiles that
    some fifteen times faster than one string literal per term (about 1.5 ms against 22 ms for
    schema.org's 2,768 terms), which matters wherever bytecode is not cached.
    """
    lines = [
        '"""The closed term lists of the vocabularies the code names: do not edit, run',
        "`python -m tools.vocab`.",
        "",
        "iodm and pko come from ontology/, the others from rdflib's DefinedNamespace classes or",
        "from tools/vocab.py. A test checks that this module is what the generator makes.",
        '"""',
        "",
        "#: Prefix -> (namespace IRI, where the terms come from, the terms).",
        "VOCABULARIES: dict[str, tuple[str, str, frozenset[str]]] = {",
    ]
    for prefix, (base, source, terms) in vocabularies().items():
        if any(t.split() != [t] for t in terms):  # the words are split at import
            raise ValueError(f"{prefix}: a term holds white space: {sorted(terms)}")
        words = textwrap.wrap(" ".join(sorted(terms)), 80, break_on_hyphens=False)
        lines += [f"    {_quoted(prefix)}: (", f"        {_quoted(base)},"]
        lines += [f"        {_quoted(source)},", "        frozenset(", "            ("]
        lines += [f"                {_quoted(w + ' ')}" for w in words[:-1]]
        lines += [f"                {_quoted(words[-1])}", "            ).split()", "        ),"]
        lines.append("    ),")
    lines.append("}")
    return _formatted("\n".join(lines) + "\n")


def _formatted(text: str) -> str:
    """The text as `ruff format` (the project's formatter, a dev dependency) lays it out."""
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", str(VOCAB), "-"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def _quoted(text: str) -> str:
    """A Python string literal in the double quotes `ruff format` prefers."""
    return json.dumps(text)


def write_vocab_module() -> str:
    """Regenerate kg/core/vocab.py (`python -m tools.vocab`)."""
    text = vocab_module()
    VOCAB.write_text(text, encoding="utf-8")
    return text


if __name__ == "__main__":  # pragma: no cover
    write_vocab_module()
