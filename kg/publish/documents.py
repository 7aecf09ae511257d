"""Every document of the published site, made in one place for ``iodm serve`` and ``iodm publish``.

A :class:`Document` is a media type and a body. :class:`Documents` makes each one from the
privacy-filtered snapshot (:class:`kg.publish.dataset.Published`), for a resource and a format:

==============================  ============================================================
path under the site root        document
==============================  ============================================================
``doc/{kind}/{slug}``           about ``…/id/{kind}/{slug}`` (:mod:`kg.publish.describe`)
``iodm``, ``iodm/pko`` …        a hash-namespace ontology document (:mod:`.ontology_doc`)
``graph/{path}``                a named graph: its triples, or a page about it
home, query page                HTML
VoID/DCAT, service description  RDF (:mod:`kg.publish.void`)
``dumps/{name}``                a dump, or ``SHA256SUMS``
==============================  ============================================================

Each of the first two comes in every format of :data:`kg.publish.negotiate.EXTENSIONS`. The
server (:mod:`kg.publish.app`) negotiates a format and answers with the document; the static
site (:mod:`kg.publish.site`) writes every format of every document to a file. A live site has
a SPARQL endpoint and a query form; a static one has neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import pyoxigraph as ox
from markupsafe import Markup

from kg.core.errors import IODMError
from kg.core.namespaces import ID
from kg.core.results import Boolean, Result, Solutions, serialize_rdf
from kg.publish import html, iris
from kg.publish.dataset import Published
from kg.publish.describe import Description, describe
from kg.publish.negotiate import EXTENSION_OF, EXTENSIONS, HTML, RDF_TYPES
from kg.publish.ontology_doc import (
    OntologyDocument,
    document_graphs,
    ontology_document,
    ontology_iri_for,
)
from kg.publish.void import (
    CHECKSUMS,
    Dump,
    checksums_file,
    describe_dataset,
    dumps,
    service_description,
)

if TYPE_CHECKING:
    from kg.queries import NamedQuery

#: Query results, by the kind of result: media types offered, SPARQL JSON first (the default);
#: HTML is the query page, the others are pyoxigraph's writers (kg.core.results).
ASK_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "application/json",
    "application/xml",
    "text/xml",
    HTML,
)
SELECT_TYPES = (*ASK_TYPES[:2], "text/csv", "text/tab-separated-values", *ASK_TYPES[2:])
GRAPH_TYPES = (*RDF_TYPES, "text/plain", HTML)
DEFAULT_QUERY = """PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

SELECT ?class ?label WHERE {
  ?class a owl:Class ; rdfs:label ?label .
  FILTER(STRSTARTS(STR(?class), "https://w3id.org/iodm"))
}
ORDER BY ?label
"""


class NotFound(IODMError):
    """Nothing is published at a path (HTTP 404)."""


@dataclass(frozen=True)
class Document:
    """One document in one format: what the server answers with, what the static site writes."""

    media_type: str
    body: str | bytes
    etag: str | None = None  # for documents that have a checksum already (the dumps)

    @property
    def data(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


@dataclass(frozen=True)
class NamedGraph:
    """A named graph: in RDF its triples, in HTML the page about the graph's IRI."""

    iri: str


#: What a document with every format is made from, before it is written in one.
Source = Description | OntologyDocument | NamedGraph


def result_types(result: Result) -> tuple[str, ...]:
    """The media types a query result can be written in."""
    if isinstance(result, Solutions):
        return SELECT_TYPES
    if isinstance(result, Boolean):
        return ASK_TYPES
    return GRAPH_TYPES


class Documents:
    """The documents of one site, whose root is at ``url``. A ``live`` site has its SPARQL
    endpoint at ``{url}sparql``; a static one has none, and its pages link to ``.html`` files."""

    def __init__(self, published: Published, url: str, *, live: bool) -> None:
        self.published = published
        self.url = url if url.endswith("/") else url + "/"
        self.root = urlsplit(self.url).path or "/"
        self.live = live
        self.render = html.Render(published.store, root=self.root, static=not live)
        self.site: dict[str, Any] = {
            "root": self.root,
            "static": not live,
            "ext": "" if live else ".html",
            "live": live,
            "endpoint": self.endpoint if live else "",
        }

    @property
    def endpoint(self) -> str:
        return self.url + "sparql"

    # --- what is published ----------------------------------------------------------------------

    def resources(self) -> list[str]:
        """Every ``/id/`` resource the data mentions; each has a document."""
        return sorted(
            {
                t.value
                for q in self.published.quads()
                for t in (q.subject, q.object)
                if isinstance(t, ox.NamedNode) and t.value.startswith(ID) and len(t.value) > len(ID)
            }
        )

    def paths(self) -> list[str]:
        """The path of every document that comes in every format: the ontology documents and
        one per resource."""
        store = self.published.store
        namespaces = [
            ns[len(iris.W3ID) + 1 :]
            for ns in namespace_documents(self.published)
            if document_graphs(store, ontology_iri_for(store, ns))
        ]
        return namespaces + ["doc/" + iri[len(ID) :] for iri in self.resources()]

    def see_other(self, iri: str) -> str:
        """Where the document about a resource is (the target of its 303)."""
        if not self.published.knows(iri):
            raise NotFound(f"nothing is published about <{iri}>")
        return self.url + "doc/" + quote(iri[len(ID) :])

    # --- documents in every format ----------------------------------------------------------

    def document(self, path: str, media: str) -> Document:
        """The document at ``path`` (under the site root, no extension) in one format."""
        return self._format(self._source(path), path, media)

    def variants(self, path: str) -> dict[str, Document]:
        """The document at ``path`` in every format, by file extension."""
        source = self._source(path)
        return {ext: self._format(source, path, media) for ext, media in EXTENSIONS.items()}

    def variant(self, path: str, media: str) -> str | None:
        """Where the document at ``path`` has its own address in one format (Content-Location);
        None for named graphs, whose names may end in an extension themselves."""
        return None if path.startswith("graph/") else self.root + path + EXTENSION_OF[media]

    def _source(self, path: str) -> Source:
        store = self.published.store
        iri = iris.iri_of("/" + path)
        if iri is not None and path.startswith("doc/"):
            subject = ID + path[len("doc/") :]
            if self.published.knows(subject):
                return describe(store, subject)
            raise NotFound(f"nothing is published about <{subject}>")
        if iri is not None and path.startswith("graph/"):
            if iri in self.published.graphs:
                return NamedGraph(iri)
            raise NotFound(f"no named graph <{iri}>")
        if iri is not None and path.startswith("iodm"):
            doc = ontology_document(store, iri)
            if doc is not None:
                return doc
        raise NotFound(f"nothing is published at {self.root}{path}")

    def _format(self, source: Source, path: str, media: str) -> Document:
        if isinstance(source, Description):
            if media == HTML:
                page = html.entity_page(self.render, source, self.root + path, self.site)
                return self._html(page)
            return self._rdf(source.triples(), media)
        if isinstance(source, OntologyDocument):
            if media == HTML:
                return self._html(
                    html.ontology_page(self.render, source, self.root + path, self.site)
                )
            return self._rdf(source.triples, media)
        if media == HTML:
            about = describe(self.published.store, source.iri)
            return self._html(html.entity_page(self.render, about, None, self.site))
        return self._rdf([q.triple for q in self.published.quads(source.iri)], media)

    # --- pages --------------------------------------------------------------------------------

    def home(self) -> Document:
        kinds: dict[str, list[Markup]] = {}
        for iri in self.resources():
            kind = iri[len(ID) :].split("/", 1)[0]
            kinds.setdefault(kind, []).append(self.render.link(ox.NamedNode(iri)))
        return self._page(
            "home.html",
            title="IODM",
            kinds=sorted(kinds.items()),
            dumps=sorted(self.dumps().items()),
            triples=f"{len(self.published.triples()):,}",
            graphs=len(self.published.graphs),
        )

    def query_page(
        self,
        text: str | None = None,
        *,
        example: NamedQuery | None = None,
        params: Sequence[dict[str, str]] = (),
        error: str | None = None,
        result: Result | None = None,
    ) -> Document:
        """The query page: the form (on a live site), an error or a result, the named queries."""
        return self._page(
            "query.html",
            title="Query",
            text=text or DEFAULT_QUERY,
            example=example,
            params=list(params),
            error=error,
            table=None if result is None else html.result_table(self.render, result),
            examples=html.examples(),
        )

    def results(self, result: Result, media: str, text: str) -> Document:
        """A query result in a media type of :func:`result_types` (HTML: the query page)."""
        if media == HTML:
            return self.query_page(text, result=result)
        return Document(media, result.serialize(media))

    # --- the dataset --------------------------------------------------------------------------

    def void(self, media: str) -> Document:
        endpoint = self.endpoint if self.live else None
        triples = describe_dataset(self.published, self.dumps(), self.url, endpoint)
        return self._rdf(triples, media)

    def service_description(self, media: str, *, updates: bool) -> Document:
        if media == HTML:
            return self.query_page()
        return self._rdf(service_description(self.published, self.endpoint, updates), media)

    def dumps(self) -> dict[str, Dump]:
        return dumps(self.published)

    def dump(self, name: str) -> Document:
        found = self.dumps()
        if name == CHECKSUMS:
            return Document("text/plain", checksums_file(found))
        if name not in found:
            raise NotFound(f"no dump {name}; available: {', '.join(found)}")
        d = found[name]
        return Document(d.media_type, d.data, etag=d.sha256)

    # --- helpers ------------------------------------------------------------------------------

    def _page(self, template: str, **context: Any) -> Document:
        return self._html(html.render_page(template, self.site, **context))

    @staticmethod
    def _html(page: str) -> Document:
        return Document(HTML, page)

    @staticmethod
    def _rdf(triples: Sequence[ox.Triple], media: str) -> Document:
        return Document(media, serialize_rdf(triples, media))


def namespace_documents(published: Published) -> list[str]:
    """Every hash-namespace document IRI with something published under it."""
    found = set()
    for q in published.quads():
        for term in (q.subject, q.object):
            if isinstance(term, ox.NamedNode) and (ns := iris.namespace_of(term.value)):
                found.add(ns)
    return sorted(found)
