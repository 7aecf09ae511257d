"""The dataset described: VoID and DCAT, dumps in several formats, their SHA-256 checksums.

Dumps (all from the privacy-filtered snapshot):

- ``iodm.ttl``, ``iodm.nt``: the union of the named graphs, each triple once;
- ``iodm.jsonld``, ``iodm.nq``, ``iodm.trig``: every named graph kept apart.

``SHA256SUMS`` lists their checksums in the format ``sha256sum -c`` reads; the VoID/DCAT
description repeats each checksum (SPDX vocabulary) and size.

The dataset described is the one the build made: IODM's own graph (``…/iodm/void#dataset``, the
paper's title, description and licence) for the default build; for a build of a user's files
with a dataset description, that description (its IRI and every statement it makes: title,
description, creators, licence, citation, ``void:uriSpace``…), to which the statistics, dumps
and endpoint are added. The peacekeeping module is named only when the build loaded it.
"""

from __future__ import annotations

import hashlib
import weakref
from dataclasses import dataclass

import pyoxigraph as ox

from kg.core.namespaces import (
    BUILD_GRAPH,
    ID,
    dcat,
    dcterms,
    foaf,
    formats,
    rdf,
    sd,
    spdx,
    void,
    xsd,
)
from kg.core.results import serialize_rdf
from kg.pipeline.derive import DERIVED_GRAPH
from kg.publish.dataset import Published, Snapshot
from kg.publish.iris import BASE

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
    return ox.Literal(str(n), datatype=_n(xsd.integer))


def dataset_iri(published: Published) -> str:
    """The IRI of the dataset described: the user's description, else IODM's own."""
    return published.dataset.iri or DATASET


def describe_dataset(
    published: Published, dumps: dict[str, Dump], base_url: str, sparql_url: str | None
) -> list[ox.Triple]:
    """VoID and DCAT triples for the published dataset.

    ``base_url`` is where the site is (dumps live under ``dumps/``); ``sparql_url`` the
    endpoint, when there is one (a static site has none).
    """
    made = published.dataset
    d = _n(dataset_iri(published))
    triples: list[ox.Triple] = []

    def add(
        s: ox.NamedNode | ox.BlankNode, p: str, o: ox.NamedNode | ox.BlankNode | ox.Literal
    ) -> None:
        triples.append(ox.Triple(s, _n(p), o))

    union = published.triples()
    store = published.store
    licenses: list[ox.NamedNode] = []
    if made.iri is None:
        add(d, rdf.type, _n(void.Dataset))
        add(d, rdf.type, _n(dcat.Dataset))
        add(d, dcterms["title"], ox.Literal("IODM knowledge graph", language="en"))
        add(
            d,
            dcterms.description,
            ox.Literal(
                "The IODM ontology and the curated graph of Oksamytna, Tansey, von Billerbeck "
                "and Gippert (2023): how UN peacekeeping officials respond to norm violations by "
                "host-state authorities, every claim with its source. Interviewees who chose "
                "anonymity are withheld.",
                language="en",
            ),
        )
        add(d, dcterms.license, _n(LICENSE))
        add(d, dcterms.source, _n(PAPER))
        licenses.append(_n(LICENSE))
    else:
        for description in made.descriptions:
            node = _n(description)
            stated = list(
                dict.fromkeys(q.triple for q in store.quads_for_pattern(node, None, None))
            )
            triples += stated
            if node != d:
                add(d, void.subset, node)
        licenses = [
            t.object
            for t in triples
            if t.subject == d
            and t.predicate.value == dcterms.license
            and isinstance(t.object, ox.NamedNode)
        ]
    add(d, foaf.homepage, _n(base_url))
    built = next(
        iter(published.store.quads_for_pattern(_n(BUILD_GRAPH), _n(dcterms.created), None, None)),
        None,
    )
    if built is not None and isinstance(built.object, ox.Literal):
        add(d, dcterms.modified, built.object)
    if made.curated:
        add(d, void.uriSpace, ox.Literal(ID))
    modules = ("", "/pko") if made.pko else ("",)
    for onto in modules:
        add(d, void.vocabulary, _n(BASE + onto + "#"))
    for onto in modules:
        add(d, void.rootResource, _n(BASE + onto))
    spaces = (ID, *made.namespaces) if made.curated or not made.namespaces else made.namespaces
    ids = {
        t.subject
        for t in union
        if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(spaces)
    }
    examples = sorted(s.value for s in ids)[:3]
    for e in examples:
        add(d, void.exampleResource, _n(e))
    add(d, void.triples, _int(len(union)))
    add(d, void.distinctSubjects, _int(len({t.subject for t in union})))
    add(d, void.properties, _int(len({t.predicate for t in union})))
    add(
        d,
        void.classes,
        _int(len({t.object for t in union if t.predicate.value == rdf.type})),
    )
    add(
        d,
        void.entities,
        _int(len(ids)),
    )
    for g in published.graphs:
        node = _n(g)
        add(d, void.subset, node)
        add(node, rdf.type, _n(void.Dataset))
        add(node, void.triples, _int(sum(1 for _ in published.quads(g))))
        if g == DERIVED_GRAPH:
            add(node, dcterms.description, ox.Literal(DERIVED_DESCRIPTION, language="en"))
    for name, dump in dumps.items():
        url = _n(f"{base_url}dumps/{name}")
        add(d, void.dataDump, url)
        dist = ox.BlankNode("distribution-" + _slug(name))
        add(d, dcat.distribution, dist)
        add(dist, rdf.type, _n(dcat.Distribution))
        add(dist, dcat.downloadURL, url)
        add(
            dist,
            dcat.mediaType,
            _n("https://www.iana.org/assignments/media-types/" + dump.media_type),
        )
        add(
            dist,
            dcat.byteSize,
            ox.Literal(str(len(dump.data)), datatype=_n(xsd.nonNegativeInteger)),
        )
        for license in licenses:
            add(dist, dcterms.license, license)
        checksum = ox.BlankNode("checksum-" + _slug(name))
        add(dist, spdx.checksum, checksum)
        add(checksum, rdf.type, _n(spdx.Checksum))
        add(checksum, spdx.algorithm, _n(spdx.checksumAlgorithm_sha256))
        add(
            checksum,
            spdx.checksumValue,
            ox.Literal(dump.sha256, datatype=_n(xsd.hexBinary)),
        )
    if sparql_url:
        add(d, void.sparqlEndpoint, _n(sparql_url))
        service = _n(SERVICE if made.iri is None else sparql_url)
        add(service, rdf.type, _n(dcat.DataService))
        add(service, dcat.endpointURL, _n(sparql_url))
        add(service, dcat.servesDataset, d)
        add(service, dcterms.conformsTo, _n("https://www.w3.org/TR/sparql11-protocol/"))
    return triples


def service_description(published: Published, endpoint: str, updates: bool) -> list[ox.Triple]:
    """SPARQL 1.1 Service Description of the endpoint (https://www.w3.org/TR/sparql11-service-description/)."""
    s = ox.BlankNode("service")
    triples: list[ox.Triple] = []

    def add(
        subj: ox.NamedNode | ox.BlankNode, p: str, o: ox.NamedNode | ox.BlankNode | ox.Literal
    ) -> None:
        triples.append(ox.Triple(subj, _n(p), o))

    add(s, rdf.type, _n(sd.Service))
    add(s, sd.endpoint, _n(endpoint))
    add(s, sd.supportedLanguage, _n(sd.SPARQL11Query))
    if updates:
        add(s, sd.supportedLanguage, _n(sd.SPARQL11Update))
    add(s, sd.feature, _n(sd.UnionDefaultGraph))
    for f in RESULT_FORMATS:
        add(s, sd.resultFormat, _n(formats[f]))
    dataset = ox.BlankNode("dataset")
    add(s, sd.defaultDataset, dataset)
    add(dataset, rdf.type, _n(sd.Dataset))
    add(dataset, dcterms.source, _n(dataset_iri(published)))
    default = ox.BlankNode("default-graph")
    add(dataset, sd.defaultGraph, default)
    add(default, rdf.type, _n(sd.Graph))
    add(default, void.triples, _int(len(published.triples())))
    for i, g in enumerate(published.graphs):
        named = ox.BlankNode(f"named-graph-{i}")
        add(dataset, sd.namedGraph, named)
        add(named, rdf.type, _n(sd.NamedGraph))
        add(named, sd.name, _n(g))
        graph = ox.BlankNode(f"graph-{i}")
        add(named, sd.graph, graph)
        add(graph, rdf.type, _n(sd.Graph))
        add(graph, void.triples, _int(sum(1 for _ in published.quads(g))))
    return triples
