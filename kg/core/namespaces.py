"""IRIs the code refers to, in one place.

Ontology terms live under ``https://w3id.org/iodm#``; curated instances under
``https://w3id.org/iodm/id/{kind}/{slug}``; the named graphs IODM manages under
``https://w3id.org/iodm/graph/``.
"""

from __future__ import annotations

IODM = "https://w3id.org/iodm#"
PKO = "https://w3id.org/iodm/pko#"
ID = "https://w3id.org/iodm/id/"
GRAPH = "https://w3id.org/iodm/graph/"


class ClosedNamespace(str):
    """A namespace whose attributes are its terms; a misspelt term raises at once.

    >>> from kg.core.namespaces import iodm
    >>> iodm.Post
    'https://w3id.org/iodm#Post'
    >>> iodm.Psot
    Traceback (most recent call last):
    ...
    AttributeError: iodm:Psot is not a term of the ontology (see ontology/, and kg/core/vocab.py)
    """

    prefix: str
    terms: frozenset[str]

    def __new__(cls, base: str, prefix: str, terms: frozenset[str]) -> ClosedNamespace:
        ns = super().__new__(cls, base)
        ns.prefix, ns.terms = prefix, terms
        return ns

    def __getattr__(self, name: str) -> str:
        if name.startswith("__") or name not in self.terms:
            raise AttributeError(
                f"{self.prefix}:{name} is not a term of the ontology "
                "(see ontology/, and kg/core/vocab.py)"
            )
        return str(self) + name


def _closed(base: str, prefix: str) -> ClosedNamespace:
    from kg.core.vocab import TERMS

    return ClosedNamespace(base, prefix, TERMS[base])


iodm = _closed(IODM, "iodm")
pko = _closed(PKO, "pko")


#: The graph `iodm reason --materialize` writes OWL-RL inferences into.
INFERRED_GRAPH = GRAPH + "inferred"
#: The graph each `iodm build` writes its own record into (which files, how many triples, when).
BUILD_GRAPH = GRAPH + "build"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SH = "http://www.w3.org/ns/shacl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"

#: Prefixes used to shorten IRIs for people (tables, messages); longest namespace wins.
PREFIXES: dict[str, str] = {
    "iodm": IODM,
    "pko": PKO,
    "org": "http://www.w3.org/ns/org#",
    "prov": PROV,
    "time": "http://www.w3.org/2006/time#",
    "skos": SKOS,
    "geo": "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "geosparql": "http://www.opengis.net/ont/geosparql#",
    "dcterms": DCTERMS,
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "sh": SH,
    "graph": GRAPH,
    "shapes": "https://w3id.org/iodm/shapes#",
}

_BY_LENGTH = sorted(PREFIXES.items(), key=lambda kv: len(kv[1]), reverse=True)


def shorten(iri: str) -> str:
    """Write an IRI as a prefixed name when a known prefix fits, else as ``<iri>``.

    Curated instances print as ``kind/slug`` (e.g. ``mission/unmil``).

    >>> shorten("https://w3id.org/iodm#Post")
    'iodm:Post'
    >>> shorten("https://w3id.org/iodm/id/mission/unmil")
    'mission/unmil'
    >>> shorten("https://example.org/x")
    '<https://example.org/x>'
    """
    if iri.startswith(ID):
        return iri[len(ID) :]
    for prefix, ns in _BY_LENGTH:
        if iri.startswith(ns) and iri != ns:
            return f"{prefix}:{iri[len(ns) :]}"
    return f"<{iri}>"


def expand(name: str) -> str:
    """The full IRI of a prefixed name, a ``<iri>`` or a full IRI.

    >>> expand("iodm:Post")
    'https://w3id.org/iodm#Post'
    >>> expand("<https://example.org/x>")
    'https://example.org/x'
    """
    if name.startswith("<") and name.endswith(">"):
        return name[1:-1]
    prefix, sep, local = name.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return name
