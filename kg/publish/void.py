"""The dataset described: VoID and DCAT, dumps in several formats, their SHA-256 checksums.

Dumps (all from the privacy-filtered snapshot):

- ``iodm.ttl``, ``iodm.nt``: the union of the named graphs, each triple once;
- ``iodm.jsonld``, ``iodm.nq``, ``iodm.trig``: every named graph kept apart.

``SHA256SUMS`` lists their checksums in the format ``sha256sum -c`` reads; the VoID/DCAT
description repeats each checksum (SPDX vocabulary) and size.
"""

from __future__ import annotations

import hashlib
import weakref
from dataclasses import dataclass

import pyoxigraph as ox

from kg.core.namespaces import BUILD_GRAPH, DCTERMS, ID, RDF, XSD
from kg.core.results import serialize_rdf
from kg.pipeline.derive import DERIVED_GRAPH
from kg.publish.dataset import Published, Snapshot
from kg.publish.iris import BASE

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
SPDX = "http://spdx.org/rdf/terms#"
SD = "http://www.w3.org/ns/sparql-service-description#"
FOAF = "http://xmlns.com/foaf/0.1/"
DATASET = BASE + "/void#dataset"
SERVICE = BASE + "/void#sparql"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
PAPER = "https://doi.org/10.1093/isq/sqad099"
DERIVED_DESCRIPTION = (
    "What IODM derives at build time from the data and the ontologies, so that queries need no"
    " property paths: RDFS and ORG entailments (superclasses, org:transitiveSubOrganizationOf),"
    " iodm:inFieldPresence, capital liaison posts by IODM's criterion, reporting steps and"
    " distances to the host capital. No source states these triples."
)
#: Dump file name → (format of serialize_rdf, media type, keeps named graphs).
DUMPS = {
    "iodm.ttl": ("ttl", "text/turtle", False),
    "iodm.nt": ("nt", "application/n-triples", False),
    "iodm.jsonld": ("jsonld", "application/ld+json", True),
    "iodm.nq": ("nq", "application/n-quads", True),
    "iodm.trig": ("trig", "application/trig", True),
}
CHECKSUMS = "SHA256SUMS"
#: https://www.w3.org/ns/formats/ names of what the endpoint answers in.
RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "RDF_XML",
    "JSON-LD",
)


@dataclass(frozen=True)
class Dump:
    name: str
    media_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


_DUMPS: weakref.WeakKeyDictionary[Snapshot, dict[str, Dump]] = weakref.WeakKeyDictionary()


def dumps(published: Published) -> dict[str, Dump]:
    """The dumps of the current snapshot, made once per snapshot."""
    snapshot = published.snapshot
    if snapshot not in _DUMPS:
        quads = sorted(snapshot.store.quads(), key=str)
        triples = list(dict.fromkeys(q.triple for q in quads))
        made = {}
        for name, (fmt, media, keeps_graphs) in DUMPS.items():
            data = serialize_rdf(quads, fmt) if keeps_graphs else serialize_rdf(triples, fmt)
            made[name] = Dump(name, media, data.encode("utf-8"))
        _DUMPS[snapshot] = made
    return _DUMPS[snapshot]


def checksums_file(dumps: dict[str, Dump]) -> bytes:
    return "".join(f"{d.sha256}  {name}\n" for name, d in sorted(dumps.items())).encode()


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name)


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _int(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=_n(XSD + "integer"))


def describe_dataset(
    published: Published, dumps: dict[str, Dump], base_url: str, sparql_url: str | None
) -> list[ox.Triple]:
    """VoID and DCAT triples for the published dataset.

    ``base_url`` is where the site is (dumps live under ``dumps/``); ``sparql_url`` the
    endpoint, when there is one (a static site has none).
    """
    d = _n(DATASET)
    triples: list[ox.Triple] = []

    def add(
        s: ox.NamedNode | ox.BlankNode, p: str, o: ox.NamedNode | ox.BlankNode | ox.Literal
    ) -> None:
        triples.append(ox.Triple(s, _n(p), o))

    union = published.triples()
    add(d, RDF + "type", _n(VOID + "Dataset"))
    add(d, RDF + "type", _n(DCAT + "Dataset"))
    add(d, DCTERMS + "title", ox.Literal("IODM knowledge graph", language="en"))
    add(
        d,
        DCTERMS + "description",
        ox.Literal(
            "The IODM ontology and the curated graph of Oksamytna, Tansey, von Billerbeck and "
            "Gippert (2023): how UN peacekeeping officials respond to norm violations by host-"
            "state authorities, every claim with its source. Interviewees who chose anonymity "
            "are withheld.",
            language="en",
        ),
    )
    add(d, DCTERMS + "license", _n(LICENSE))
    add(d, DCTERMS + "source", _n(PAPER))
    add(d, FOAF + "homepage", _n(base_url))
    built = next(
        iter(
            published.store.quads_for_pattern(_n(BUILD_GRAPH), _n(DCTERMS + "created"), None, None)
        ),
        None,
    )
    if built is not None:
        add(d, DCTERMS + "modified", built.object)  # type: ignore[arg-type]
    add(d, VOID + "uriSpace", ox.Literal(ID))
    for ns in (BASE + "#", BASE + "/pko#"):
        add(d, VOID + "vocabulary", _n(ns))
    for onto in ("", "/pko"):
        add(d, VOID + "rootResource", _n(BASE + onto))
    ids = {
        t.subject
        for t in union
        if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(ID)
    }
    examples = sorted(s.value for s in ids)[:3]
    for e in examples:
        add(d, VOID + "exampleResource", _n(e))
    add(d, VOID + "triples", _int(len(union)))
    add(d, VOID + "distinctSubjects", _int(len({t.subject for t in union})))
    add(d, VOID + "properties", _int(len({t.predicate for t in union})))
    add(
        d,
        VOID + "classes",
        _int(len({t.object for t in union if t.predicate.value == RDF + "type"})),
    )
    add(
        d,
        VOID + "entities",
        _int(len(ids)),
    )
    for g in published.graphs:
        node = _n(g)
        add(d, VOID + "subset", node)
        add(node, RDF + "type", _n(VOID + "Dataset"))
        add(node, VOID + "triples", _int(sum(1 for _ in published.quads(g))))
        if g == DERIVED_GRAPH:
            add(node, DCTERMS + "description", ox.Literal(DERIVED_DESCRIPTION, language="en"))
    for name, dump in dumps.items():
        url = _n(f"{base_url}dumps/{name}")
        add(d, VOID + "dataDump", url)
        dist = ox.BlankNode("distribution-" + _slug(name))
        add(d, DCAT + "distribution", dist)
        add(dist, RDF + "type", _n(DCAT + "Distribution"))
        add(dist, DCAT + "downloadURL", url)
        add(
            dist,
            DCAT + "mediaType",
            _n("https://www.iana.org/assignments/media-types/" + dump.media_type),
        )
        add(
            dist,
            DCAT + "byteSize",
            ox.Literal(str(len(dump.data)), datatype=_n(XSD + "nonNegativeInteger")),
        )
        add(dist, DCTERMS + "license", _n(LICENSE))
        checksum = ox.BlankNode("checksum-" + _slug(name))
        add(dist, SPDX + "checksum", checksum)
        add(checksum, RDF + "type", _n(SPDX + "Checksum"))
        add(checksum, SPDX + "algorithm", _n(SPDX + "checksumAlgorithm_sha256"))
        add(
            checksum,
            SPDX + "checksumValue",
            ox.Literal(dump.sha256, datatype=_n(XSD + "hexBinary")),
        )
    if sparql_url:
        add(d, VOID + "sparqlEndpoint", _n(sparql_url))
        service = _n(SERVICE)
        add(service, RDF + "type", _n(DCAT + "DataService"))
        add(service, DCAT + "endpointURL", _n(sparql_url))
        add(service, DCAT + "servesDataset", d)
        add(service, DCTERMS + "conformsTo", _n("https://www.w3.org/TR/sparql11-protocol/"))
    return triples


def service_description(published: Published, endpoint: str, updates: bool) -> list[ox.Triple]:
    """SPARQL 1.1 Service Description of the endpoint (https://www.w3.org/TR/sparql11-service-description/)."""
    s = ox.BlankNode("service")
    triples: list[ox.Triple] = []

    def add(
        subj: ox.NamedNode | ox.BlankNode, p: str, o: ox.NamedNode | ox.BlankNode | ox.Literal
    ) -> None:
        triples.append(ox.Triple(subj, _n(p), o))

    formats = "http://www.w3.org/ns/formats/"
    add(s, RDF + "type", _n(SD + "Service"))
    add(s, SD + "endpoint", _n(endpoint))
    add(s, SD + "supportedLanguage", _n(SD + "SPARQL11Query"))
    if updates:
        add(s, SD + "supportedLanguage", _n(SD + "SPARQL11Update"))
    add(s, SD + "feature", _n(SD + "UnionDefaultGraph"))
    for f in RESULT_FORMATS:
        add(s, SD + "resultFormat", _n(formats + f))
    dataset = ox.BlankNode("dataset")
    add(s, SD + "defaultDataset", dataset)
    add(dataset, RDF + "type", _n(SD + "Dataset"))
    add(dataset, DCTERMS + "source", _n(DATASET))
    default = ox.BlankNode("default-graph")
    add(dataset, SD + "defaultGraph", default)
    add(default, RDF + "type", _n(SD + "Graph"))
    add(default, VOID + "triples", _int(len(published.triples())))
    for i, g in enumerate(published.graphs):
        named = ox.BlankNode(f"named-graph-{i}")
        add(dataset, SD + "namedGraph", named)
        add(named, RDF + "type", _n(SD + "NamedGraph"))
        add(named, SD + "name", _n(g))
        graph = ox.BlankNode(f"graph-{i}")
        add(named, SD + "graph", graph)
        add(graph, RDF + "type", _n(SD + "Graph"))
        add(graph, VOID + "triples", _int(sum(1 for _ in published.quads(g))))
    return triples
