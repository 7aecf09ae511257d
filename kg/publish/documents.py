"""Every document of the published site, made in one place for ``iodm serve`` and ``iodm publish``.

A :class:`Document` is a media type and a body. :class:`Documents` makes each one from the
privacy-filtered snapshot (:class:`kg.publish.dataset.Published`), for a resource and a format:

==============================  ============================================================
path under the site root        document
==============================  ============================================================
``doc/{kind}/{slug}``           about ``…/id/{kind}/{slug}`` (:mod:`kg.publish.describe`)
``doc/{host}/{path}``           about ``https://{host}/{path}`` under a namespace the dataset
                                declares (:class:`kg.publish.iris.Namespaces`): a resource, an
                                ontology or hash namespace, or a named graph
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

import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlsplit

import pyoxigraph as ox
from markupsafe import Markup

from kg.core.errors import IODMError
from kg.core.namespaces import ID, dcterms, owl, rdf
from kg.core.results import Boolean, Result, Solutions, serialize_rdf
from kg.core.terms import sparql_term
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
    DUMPS,
    Dump,
    checksums_file,
    describe_dataset,
    dumps,
    service_description,
)

if TYPE_CHECKING:
    from kg.queries import NamedQuery

T = TypeVar("T")
#: what is computed once per snapshot, by name (:meth:`Documents._once`)
_PER_SNAPSHOT: weakref.WeakKeyDictionary[object, dict[str, Any]] = weakref.WeakKeyDictionary()
_COMPUTING = threading.RLock()
#: links per kind of resource on the home page
HOME_LINKS = 200
#: statements above which the home page lists no resources (finding them all reads every
#: statement: seconds at a million, a minute at five) and points to the query page instead
HOME_SCAN_LIMIT = 500_000

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
        self.namespaces = iris.Namespaces(published.dataset.namespaces)
        self.render = html.Render(
            published.store, root=self.root, static=not live, namespaces=self.namespaces
        )
        self.site: dict[str, Any] = {
            "root": self.root,
            "static": not live,
            "ext": "" if live else ".html",
            "live": live,
            "endpoint": self.endpoint if live else "",
            "pko": published.dataset.pko,
            "dataset": self.about(),
        }

    @property
    def endpoint(self) -> str:
        return self.url + "sparql"

    # --- what is published ----------------------------------------------------------------------

    def resources(self) -> list[str]:
        """Every ``/id/`` resource the data mentions; each has a document (once per snapshot:
        found by the store, not by reading every quad into Python)."""
        return self._once("resources", lambda: self._iris_under([ID]))

    def own_documents(self) -> list[str]:
        """The document IRI of every IRI the data mentions under the dataset's declared
        namespaces (a hash IRI's document is the IRI before ``#``); each has a document."""
        if not self.namespaces:
            return []

        def find() -> list[str]:
            found: set[str] = set()
            for iri in self._iris_under(list(self.published.dataset.namespaces), graphs=True):
                doc = self.namespaces.document_iri(iri)
                if doc is not None and self.namespaces.doc_path(doc) is not None:
                    found.add(doc)
            return sorted(d for d in found if self._own_kind(d) is not None)

        return self._once("own", find)

    def triple_count(self) -> int:
        """How many distinct triples the named graphs hold (once per snapshot)."""

        def count() -> int:
            rows = self.published.snapshot.store.select(
                "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o "
                "WHERE { GRAPH ?g { ?s ?p ?o } } }"
            ).rows
            return int(rows[0][0].value)  # type: ignore[union-attr]

        return self._once("triples", count)

    def _iris_under(self, namespaces: list[str], graphs: bool = False) -> list[str]:
        """The IRIs longer than one of ``namespaces`` that a subject or object (or, with
        ``graphs``, a graph name) of the named graphs is, sorted."""
        starts = " || ".join(
            f"STRSTARTS(STR(?t), {sparql_term(ox.Literal(n))})" for n in namespaces
        )
        graph = "UNION { GRAPH ?t { } }" if graphs else ""
        rows = self.published.snapshot.store.select(
            "SELECT DISTINCT ?t WHERE { { GRAPH ?g { ?t ?p ?o } } UNION { GRAPH ?g { ?s ?p ?t } } "
            f"{graph} FILTER (isIRI(?t) && ({starts})) }}"
        ).rows
        return sorted(t.value for (t,) in rows if t.value not in namespaces)  # type: ignore[union-attr]

    def _once(self, name: str, make: Callable[[], T]) -> T:
        """``make()``, computed once for the current snapshot (whichever request asks)."""
        with _COMPUTING:  # a request meanwhile waits for it instead of computing it again
            known = _PER_SNAPSHOT.setdefault(self.published.snapshot, {})
            if name not in known:
                known[name] = make()
            return known[name]  # type: ignore[no-any-return]

    def paths(self) -> list[str]:
        """The path of every document that comes in every format: the ontology documents and
        one per resource."""
        store = self.published.store
        namespaces = [
            ns[len(iris.W3ID) + 1 :]
            for ns in namespace_documents(self.published)
            if document_graphs(store, ontology_iri_for(store, ns))
        ]
        own = [self.namespaces.doc_path(d) for d in self.own_documents()]
        return (
            namespaces
            + ["doc/" + iri[len(ID) :] for iri in self.resources()]
            + [p for p in own if p is not None]
        )

    def see_other(self, iri: str) -> str:
        """Where the document about a resource is (the target of its 303)."""
        own = self.namespaces.doc_path(iri)
        if own is not None:
            doc = self.namespaces.document_iri(iri)
            if doc is None or self._own_kind(doc) is None:
                raise NotFound(f"nothing is published about <{iri}>")
            return self.url + quote(own)
        if not self.published.knows(iri):
            raise NotFound(f"nothing is published about <{iri}>")
        return self.url + "doc/" + quote(iri[len(ID) :])

    def resource_at(self, path: str) -> str | None:
        """The IRI a site path (``{host}/{path}``, no leading slash) stands for under the
        declared namespaces: the source of a 303."""
        if not iris.safe_path(path):
            return None
        return self.namespaces.iri_at(path)

    def is_document(self, path: str) -> bool:
        """Whether ``path`` names a document of a declared namespace as it is (a named graph's
        name may end in ``.ttl``: no extension to split off)."""
        iri = self.namespaces.iri_of_doc(path)
        return iri is not None and self._own_kind(iri) is not None

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

    def _own_kind(self, iri: str) -> str | None:
        """What the document about ``iri`` under a declared namespace is: ``graph`` (a named
        graph), ``ontology`` (an ontology or hash namespace: its terms), ``resource`` (the data
        mentions it); None if nothing is published about it."""
        store = self.published.store
        if iri in self.published.graphs:
            return "graph"
        node = ox.NamedNode(iri)
        typed = store.quads_for_pattern(node, ox.NamedNode(rdf.type), ox.NamedNode(owl.Ontology))
        hashed = self.namespaces.namespace(iri + "#") == iri + "#"
        if (hashed or next(iter(typed), None) is not None) and document_graphs(store, iri):
            return "ontology"
        if self.published.knows(iri):
            return "resource"
        # not mentioned itself: the document of the terms in its hash namespace, if any
        return "ontology" if document_graphs(store, iri) else None

    def _own_source(self, iri: str) -> Source | None:
        kind = self._own_kind(iri)
        if kind == "graph":
            return NamedGraph(iri)
        if kind == "ontology":
            return ontology_document(self.published.store, iri)
        if kind == "resource":
            return describe(self.published.store, iri)
        return None

    def _source(self, path: str) -> Source:
        store = self.published.store
        own = self.namespaces.iri_of_doc(path)
        if own is not None:
            found = self._own_source(own)
            if found is None:
                raise NotFound(f"nothing is published about <{own}>")
            return found
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

    def about(self) -> dict[str, Any] | None:
        """The user's dataset as the pages show it, from its description; None for IODM's own
        graph (the default build)."""
        built = self.published.dataset
        if built.iri is None:
            return None
        store = self.published.store
        node = ox.NamedNode(built.iri)

        def values(term: str) -> list[ox.NamedNode | ox.BlankNode | ox.Literal]:
            found = store.quads_for_pattern(node, ox.NamedNode(term), None, None)
            return sorted({q.object for q in found}, key=str)  # type: ignore[misc]

        def text(term: str) -> str | None:
            literals = [v for v in values(term) if isinstance(v, ox.Literal)]
            literals.sort(key=lambda lit: (lit.language not in (None, "en"), lit.value))
            return literals[0].value if literals else None

        return {
            "iri": built.iri,
            "title": text(dcterms["title"]) or built.iri,
            "description": text(dcterms.description),
            "creators": [self.render.link(c) for c in values(dcterms.creator)],
            "licenses": [self.render.link(v) for v in values(dcterms.license)],
            "citation": text(dcterms.bibliographicCitation),
            "subjects": [self.render.link(v) for v in values(dcterms.subject)],
            "namespaces": list(built.namespaces),
        }

    def home(self) -> Document:
        statements = self.published.snapshot.statements
        if statements > HOME_SCAN_LIMIT:  # finding every resource would take a minute
            return self._page(
                "home.html",
                title=self.site["dataset"]["title"] if self.site["dataset"] else "IODM",
                kinds=[],
                dumps=sorted(DUMPS),
                triples=None,
                statements=f"{statements:,}",
                graphs=len(self.published.graphs),
            )
        kinds: dict[str, list[Markup]] = {}
        more: dict[str, int] = {}

        def add(kind: str, node: ox.NamedNode) -> None:
            if len(kinds.setdefault(kind, [])) < HOME_LINKS:
                kinds[kind].append(self.render.link(node))
            else:
                more[kind] = more.get(kind, 0) + 1

        for iri in self.resources():
            add(iri[len(ID) :].split("/", 1)[0], ox.NamedNode(iri))
        store = self.published.store
        for iri in self.own_documents():
            node = ox.NamedNode(iri)
            types = sorted(
                q.object.value
                for q in store.quads_for_pattern(node, ox.NamedNode(rdf.type), None, None)
                if isinstance(q.object, ox.NamedNode)
            )
            if iri in self.published.graphs:
                kind = "named graph"
            else:
                kind = self.render.name(ox.NamedNode(types[0])) if types else "other"
            add(kind, node)
        about = self.site["dataset"]
        return self._page(
            "home.html",
            title=about["title"] if about else "IODM",
            kinds=[(kind, links, more.get(kind, 0)) for kind, links in sorted(kinds.items())],
            dumps=sorted(DUMPS),
            triples=f"{self.triple_count():,}",
            statements=f"{statements:,}",
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
