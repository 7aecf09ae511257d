"""Small lookups the analysis needs: labels, kinds of resources, factors, evidence.

Labels of the paper's passages, interviews and references come from the store, or, when the
store lacks them (a graph built with ``--core-only``), from the packaged curated sources, so that
a rule's citation reads the same in every graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox

from kg.core.labels import LABELS_QUERY, best_labels
from kg.core.namespaces import shorten
from kg.core.results import Solutions
from kg.store import Store

PREFIXES = """\
PREFIX iodm: <https://w3id.org/iodm#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
"""

#: Kinds of resources the analysis tells apart, most specific first.
KINDS = (
    ("official", "iodm:Official"),
    ("post", "iodm:Post"),
    ("organization", "iodm:InternationalOrganization"),
    ("field presence", "iodm:FieldPresence"),
    ("unit", "org:Organization"),
    ("kind of unit", "iodm:UnitFunction"),
    ("kind of official", "iodm:OfficialCategory"),
)


def select(store: Store, sparql: str) -> Solutions:
    return store.select(PREFIXES + sparql)


def value(term: object) -> str:
    return term.value if isinstance(term, ox.NamedNode | ox.Literal) else ""


def labels(store: Store) -> dict[str, str]:
    """IRI → label, by the one label policy of the CLI, the pages and the figures
    (:mod:`kg.core.labels`)."""
    return best_labels(store.select(LABELS_QUERY).rows)


def kinds(store: Store) -> dict[str, str]:
    """IRI → kind (see :data:`KINDS`) for every official, post and organization or unit."""
    union = " UNION ".join(
        f'{{ ?s a/rdfs:subClassOf* {cls} BIND({i} AS ?rank) BIND("{kind}" AS ?kind) }}'
        for i, (kind, cls) in enumerate(KINDS)
    )
    rows = select(store, f"SELECT ?s ?kind ?rank WHERE {{ {union} FILTER(isIRI(?s)) }} ORDER BY ?s")
    best: dict[str, tuple[int, str]] = {}
    for s, kind, rank in rows.rows:
        key = (int(value(rank)), value(kind))
        if value(s) not in best or key < best[value(s)]:
            best[value(s)] = key
    return {s: k[1] for s, k in best.items()}


@dataclass(frozen=True)
class Factor:
    iri: str
    label: str
    notation: str
    category: str


def factors(store: Store) -> dict[str, Factor]:
    rows = select(
        store,
        "SELECT ?f ?label ?notation ?categoryLabel WHERE { ?f a iodm:Factor . "
        "OPTIONAL { ?f skos:prefLabel ?label } OPTIONAL { ?f skos:notation ?notation } "
        "OPTIONAL { ?f skos:broader ?c . OPTIONAL { ?c skos:prefLabel ?categoryLabel } } } "
        "ORDER BY ?notation",
    )
    return {
        value(f): Factor(value(f), value(label) or shorten(value(f)), value(n), value(c))
        for f, label, n, c in rows.rows
    }


@dataclass(frozen=True)
class Evidence:
    """A passage, footnote, interview, reference or other source cited for a claim."""

    iri: str
    kind: str  # passage, footnote, interview, reference, source
    label: str

    def cite(self) -> str:
        if self.kind in ("passage", "footnote"):
            return self.label
        return f"{self.kind}: {self.label}"


_EVIDENCE = """
SELECT ?e ?type ?label ?footnote WHERE {
  VALUES ?type {
    iodm:Passage iodm:Interview iodm:LiteratureReference dcterms:BibliographicResource
  }
  ?e a ?type .
  OPTIONAL { ?e rdfs:label ?label }
  OPTIONAL { ?e iodm:footnoteNumber ?footnote }
} ORDER BY ?e
"""
_KIND = {
    "https://w3id.org/iodm#Passage": "passage",
    "https://w3id.org/iodm#Interview": "interview",
    "https://w3id.org/iodm#LiteratureReference": "reference",
    "http://purl.org/dc/terms/BibliographicResource": "source",
}
_ORDER = ("passage", "interview", "reference", "source")


def evidence(store: Store) -> dict[str, Evidence]:
    """IRI → evidence, for every passage, interview, reference or source the store or the
    packaged curated sources describe (the store wins)."""
    found = dict(_packaged_evidence())
    found.update(_evidence_in(store))
    return found


def _evidence_in(store: Store) -> dict[str, Evidence]:
    found: dict[str, Evidence] = {}
    for e, t, label, footnote in select(store, _EVIDENCE).rows:
        kind = _KIND[value(t)]
        if footnote is not None:
            kind = "footnote"
        old = found.get(value(e))
        if old and _rank(old.kind) <= _rank(kind):
            continue
        found[value(e)] = Evidence(value(e), kind, value(label) or shorten(value(e)))
    return found


def _rank(kind: str) -> int:
    return 0 if kind == "footnote" else _ORDER.index(kind) + 1


@cache
def _packaged_evidence() -> dict[str, Evidence]:
    from kg.core.resources import data_dir
    from kg.store import OxigraphStore

    path = data_dir() / "sources.ttl"
    if not path.is_file():
        return {}
    scratch = OxigraphStore()
    scratch.store.load(
        path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(path.as_uri())
    )
    return _evidence_in(scratch)
