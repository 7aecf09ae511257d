"""The web application of ``iodm serve``: linked data, HTML pages and a SPARQL 1.1 endpoint.

Routes (see :mod:`kg.publish.iris` for how w3id IRIs map onto paths):

- ``/id/{kind}/{slug}``: 303 See Other to ``/doc/{kind}/{slug}`` (Cool URIs for the Semantic
  Web), 404 when the IRI is unknown, 406 when no offered type is acceptable;
- ``/doc/{kind}/{slug}[.ext]``, ``/iodm[.ext]``, ``/iodm/pko[.ext]``, ``/graph/{path}``:
  documents, negotiated between text/html, text/turtle, application/ld+json,
  application/rdf+xml and application/n-triples (q-values honoured; HTML for ``*/*``; 406 with
  the list of types when none fits); ``.html .ttl .jsonld .rdf .nt`` name one format;
- ``/sparql``: the SPARQL 1.1 Protocol (query by GET, form POST or direct POST; update by POST
  only with the server's token); the service description when there is no query;
- ``/query``: the query page; ``/``: home; ``/.well-known/void``: VoID and DCAT;
  ``/dumps/{file}``: dumps and ``SHA256SUMS``.

Every negotiated response, redirects included, carries ``Vary: Accept``; HEAD answers like GET
without a body; CORS allows any origin.
"""

from __future__ import annotations

import asyncio
import hmac
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote

import pyoxigraph as ox
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kg.core.errors import IODMError, QueryError, StoreError
from kg.core.namespaces import ID
from kg.core.results import Boolean, Result, Solutions, Triples, serialize_rdf
from kg.publish import html, iris
from kg.publish.dataset import DatasetSpec, Limits, Published, QueryTimeout, ResultTooLarge
from kg.publish.describe import describe
from kg.publish.negotiate import DOCUMENT_TYPES, EXTENSION_OF, EXTENSIONS, HTML, RDF_TYPES, choose
from kg.publish.ontology_doc import ontology_document
from kg.publish.void import CHECKSUMS, Dump, checksums_file, describe_dataset, make_dumps
from kg.publish.void import service_description as sd_triples

#: SELECT results: media type → format of Solutions.serialize (JSON first: the default).
SELECT_TYPES = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
    HTML: "html",
}
ASK_TYPES = {k: v for k, v in SELECT_TYPES.items() if v in ("json", "xml", "html")}
GRAPH_TYPES = {**RDF_TYPES, "text/plain": "nt", HTML: "html"}
RDF_ONLY = tuple(RDF_TYPES)
TEXT_TYPES = ("text/", "application/sparql-results+xml", "application/rdf+xml", "application/xml")


@dataclass
class ServerConfig:
    update_token: str | None = None
    limits: Limits = field(default_factory=Limits)
    workers: int = 4


class HeadMiddleware:
    """HEAD answers exactly like GET, headers included, without the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def drop_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, drop_body)


def _media_type(media: str) -> str:
    return f"{media}; charset=utf-8" if media.startswith(TEXT_TYPES) else media


def negotiated(
    body: str | bytes, media: str, *, status: int = 200, location: str | None = None
) -> Response:
    headers = {"Vary": "Accept"}
    if location:
        headers["Content-Location"] = location
    return Response(body, status_code=status, media_type=_media_type(media), headers=headers)


def not_acceptable(offers: Any) -> Response:
    listing = "\n".join(f"  {m}" for m in offers)
    return PlainTextResponse(
        f"406 Not Acceptable: none of the types in your Accept header is available here.\n"
        f"Available:\n{listing}\n",
        status_code=406,
        headers={"Vary": "Accept"},
    )


def error(status: int, message: str, **headers: str) -> Response:
    return PlainTextResponse(message.rstrip() + "\n", status_code=status, headers=headers)


class Site:
    """One running site: the published data, its configuration, and per-snapshot caches."""

    def __init__(self, published: Published, config: ServerConfig) -> None:
        self.published = published
        self.config = config
        self.executor = ThreadPoolExecutor(max_workers=config.workers, thread_name_prefix="sparql")
        self._dumps: tuple[int, dict[str, Dump]] | None = None

    def dumps(self) -> dict[str, Dump]:
        key = id(self.published.snapshot)
        if self._dumps is None or self._dumps[0] != key:
            self._dumps = (key, make_dumps(self.published))
        return self._dumps[1]

    def render(self, request: Request) -> html.Render:
        return html.Render(self.published.store, root=root_of(request))

    def context(self, request: Request) -> dict[str, Any]:
        return {"root": root_of(request), "endpoint": endpoint_of(request), "live": True}

    async def run(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run blocking work on the query pool, waiting at most the time limit."""
        cancel = threading.Event()
        future = self.executor.submit(fn, *args, cancel=cancel, **kwargs)
        try:
            return await asyncio.wait_for(
                asyncio.wrap_future(future), timeout=self.config.limits.timeout
            )
        except TimeoutError as e:
            cancel.set()
            raise QueryTimeout(
                f"the query ran longer than {self.config.limits.timeout:g} s, this server's limit",
                "narrow the query or add a LIMIT",
            ) from e


def root_of(request: Request) -> str:
    return request.scope.get("root_path", "").rstrip("/") + "/"


def endpoint_of(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/sparql"


# --- linked data --------------------------------------------------------------------------------


def resolve(request: Request) -> Response:
    site: Site = request.app.state.site
    path = request.url.path
    accept = request.headers.get("accept")
    store = site.published.store
    base, explicit = path, None
    if not path.startswith(("/graph/", "/id/")):
        for ext, ext_media in EXTENSIONS.items():
            if path.endswith(ext):
                base, explicit = path[: -len(ext)], ext_media
                break
    found = iris.iri_of(base)
    if found is None:
        return error(404, f"404 Not Found: {path}")
    iri: str = found

    if base.startswith("/id/"):
        if not site.published.knows(iri):
            return error(404, f"404 Not Found: nothing is published about <{iri}>")
        if choose(accept, DOCUMENT_TYPES) is None:
            return not_acceptable(DOCUMENT_TYPES)
        target = str(request.base_url).rstrip("/") + "/doc/" + quote(base[len("/id/") :])
        return RedirectResponse(target, status_code=303, headers={"Vary": "Accept"})

    if base in ("/iodm/void",):
        return void_response(request)

    media = explicit or choose(accept, DOCUMENT_TYPES)
    if media is None:
        return not_acceptable(DOCUMENT_TYPES)
    location = None if explicit else base + EXTENSION_OF[media]

    if base.startswith("/doc/"):
        subject = ID + base[len("/doc/") :]
        if not site.published.knows(subject):
            return error(404, f"404 Not Found: nothing is published about <{subject}>")
        d = describe(store, subject)
        if media == HTML:
            page = html.entity_page(site.render(request), d, base, **site.context(request))
            return negotiated(page, media, location=location)
        return negotiated(serialize_rdf(d.triples(), RDF_TYPES[media]), media, location=location)

    if base.startswith("/graph/"):
        if iri not in site.published.graphs:
            return error(404, f"404 Not Found: no named graph <{iri}>")
        if media == HTML:
            d = describe(store, iri)
            page = html.entity_page(site.render(request), d, base, **site.context(request))
            return negotiated(page, media)
        triples = [q.triple for q in site.published.quads(iri)]
        return negotiated(serialize_rdf(triples, RDF_TYPES[media]), media)

    doc = ontology_document(store, iri)
    if doc is None:
        return error(404, f"404 Not Found: nothing is published about <{iri}>")
    if media == HTML:
        page = html.ontology_page(site.render(request), doc, base, **site.context(request))
        return negotiated(page, media, location=location)
    return negotiated(serialize_rdf(doc.triples, RDF_TYPES[media]), media, location=location)


def void_response(request: Request) -> Response:
    site: Site = request.app.state.site
    media = choose(request.headers.get("accept"), RDF_ONLY) or choose("*/*", RDF_ONLY)
    assert media is not None
    base_url = str(request.base_url)
    triples = describe_dataset(site.published, site.dumps(), base_url, endpoint_of(request))
    return negotiated(serialize_rdf(triples, RDF_TYPES[media]), media)


def dump_response(request: Request) -> Response:
    site: Site = request.app.state.site
    name = request.path_params["name"]
    dumps = site.dumps()
    if name == CHECKSUMS:
        return Response(checksums_file(dumps), media_type="text/plain; charset=utf-8")
    if name not in dumps:
        return error(404, f"404 Not Found: no dump {name}; available: {', '.join(dumps)}")
    d = dumps[name]
    return Response(d.data, media_type=_media_type(d.media_type), headers={"ETag": f'"{d.sha256}"'})


def home(request: Request) -> Response:
    site: Site = request.app.state.site
    render = site.render(request)
    kinds: dict[str, list[Any]] = {}
    subjects = sorted(
        {
            q.subject.value
            for q in site.published.quads()
            if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(ID)
        }
    )
    for s in subjects:
        kind = s[len(ID) :].split("/", 1)[0]
        kinds.setdefault(kind, []).append(render.link(ox.NamedNode(s)))
    page = html.render_page(
        "home.html",
        site.context(request),
        title="IODM",
        kinds=sorted(kinds.items()),
        dumps=sorted(site.dumps().items()),
        triples=f"{len(site.published.triples()):,}",
        graphs=len(site.published.graphs),
    )
    return Response(page, media_type="text/html; charset=utf-8")


def stylesheet(request: Request) -> Response:
    return FileResponse(html.STYLESHEET, media_type="text/css")


# --- the query page -------------------------------------------------------------------------


DEFAULT_QUERY = """PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

SELECT ?class ?label WHERE {
  ?class a owl:Class ; rdfs:label ?label .
  FILTER(STRSTARTS(STR(?class), "https://w3id.org/iodm"))
}
ORDER BY ?label
"""


async def query_page(request: Request) -> Response:
    site: Site = request.app.state.site
    params = request.query_params
    text = params.get("query")
    example = None
    bound: list[dict[str, str]] = []
    error_text = None
    status = 200
    table = None
    if params.get("example"):
        from kg.queries import get
        from kg.store import bind_parameters

        try:
            example = get(params["example"])
            given = {k[2:]: v for k, v in params.items() if k.startswith("p.")}
            bindings = example.bindings(given)
            bound = [
                {
                    "name": p.name,
                    "type": p.type,
                    "description": p.description,
                    "value": given.get(p.name, p.default or ""),
                }
                for p in example.params
            ]
            if text is None:
                text = bind_parameters(example.text, bindings) if bindings else example.text
        except IODMError as e:
            error_text, status = str(e), 400
    if text:
        try:
            result = await site.run(site.published.query, text, limits=site.config.limits)
            table = html.result_table(site.render(request), result)
        except (QueryError, ResultTooLarge) as e:
            error_text, status = str(e), 400
        except QueryTimeout as e:
            error_text, status = str(e), 503
    page = html.render_page(
        "query.html",
        site.context(request),
        title="Query",
        text=text or DEFAULT_QUERY,
        example=example,
        params=bound,
        error=error_text,
        table=table,
        examples=html.examples(),
    )
    return Response(page, status_code=status, media_type="text/html; charset=utf-8")


# --- the SPARQL 1.1 Protocol ----------------------------------------------------------------


class ProtocolError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _content_type(request: Request) -> tuple[str, str | None]:
    raw = request.headers.get("content-type", "")
    media, _, rest = raw.partition(";")
    charset = None
    for param in rest.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.strip().lower(), charset


def _utf8(body: bytes, charset: str | None) -> str:
    if charset not in (None, "utf-8", "utf8"):
        raise ProtocolError(415, f"415 Unsupported Media Type: charset {charset}; send UTF-8")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ProtocolError(400, f"400 Bad Request: the body is not UTF-8: {e}") from e


def _one(params: list[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in params if k == name]
    if len(values) > 1:
        raise ProtocolError(400, f"400 Bad Request: more than one {name} parameter")
    return values[0] if values else None


def _all(params: list[tuple[str, str]], name: str) -> tuple[str, ...]:
    return tuple(v for k, v in params if k == name)


async def _operation(request: Request) -> tuple[str, str | None, list[tuple[str, str]]]:
    """(``query`` | ``update`` | ``describe-service``, the text, all parameters)."""
    url_params = parse_qsl(request.url.query, keep_blank_values=True)
    if request.method == "GET":
        if any(k == "update" for k, _ in url_params):
            raise ProtocolError(400, "400 Bad Request: an update must be sent with POST")
        query = _one(url_params, "query")
        return ("query", query, url_params) if query is not None else ("service", None, url_params)
    media, charset = _content_type(request)
    body = await request.body()
    if media == "application/x-www-form-urlencoded":
        form = parse_qsl(_utf8(body, charset), keep_blank_values=True)
        params = url_params + form
        query, update = _one(form, "query"), _one(form, "update")
        if query is not None and update is not None:
            raise ProtocolError(400, "400 Bad Request: both query and update given")
        if query is not None:
            return "query", query, params
        if update is not None:
            return "update", update, params
        raise ProtocolError(400, "400 Bad Request: the form has no query or update parameter")
    if media == "application/sparql-query":
        return "query", _utf8(body, charset), url_params
    if media == "application/sparql-update":
        return "update", _utf8(body, charset), url_params
    shown = media or "none"
    raise ProtocolError(
        415,
        f"415 Unsupported Media Type: {shown}. POST application/sparql-query, "
        "application/sparql-update or application/x-www-form-urlencoded",
    )


async def sparql(request: Request) -> Response:
    site: Site = request.app.state.site
    try:
        kind, text, params = await _operation(request)
    except ProtocolError as e:
        return error(e.status, str(e))
    if kind == "service":
        return service_description(request)
    assert text is not None
    if kind == "update":
        return await _update(request, site, text, params)
    dataset = DatasetSpec(_all(params, "default-graph-uri"), _all(params, "named-graph-uri"))
    try:
        result = await site.run(
            site.published.query,
            text,
            dataset=dataset,
            base_iri=endpoint_of(request),
            limits=site.config.limits,
        )
    except (QueryError, ResultTooLarge) as e:
        return error(400, f"400 Bad Request: {e}")
    except QueryTimeout as e:
        return error(503, f"503 Service Unavailable: {e}")
    except StoreError as e:
        return error(500, f"500 Internal Server Error: {e}")
    return _results(request, site, result, text)


def _results(request: Request, site: Site, result: Result, text: str) -> Response:
    accept = request.headers.get("accept")
    offers = (
        SELECT_TYPES
        if isinstance(result, Solutions)
        else ASK_TYPES
        if isinstance(result, Boolean)
        else GRAPH_TYPES
    )
    media = choose(accept, list(offers))
    if media is None:
        return not_acceptable(offers)
    fmt = offers[media]
    if fmt == "html":
        page = html.render_page(
            "query.html",
            site.context(request),
            title="Query",
            text=text,
            example=None,
            params=[],
            error=None,
            table=html.result_table(site.render(request), result),
            examples=html.examples(),
        )
        return negotiated(page, media)
    if isinstance(result, Triples):
        return negotiated(serialize_rdf(result.triples, fmt), media)
    return negotiated(result.serialize(fmt), media)


async def _update(
    request: Request, site: Site, text: str, params: list[tuple[str, str]]
) -> Response:
    token = site.config.update_token
    if not token:
        return error(403, "403 Forbidden: this server is read-only (start it with --update-token)")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip(), token):
        return error(
            403,
            "403 Forbidden: updates need the header Authorization: Bearer TOKEN",
            **{"WWW-Authenticate": "Bearer"},
        )
    dataset = DatasetSpec(_all(params, "using-graph-uri"), _all(params, "using-named-graph-uri"))

    def run(cancel: threading.Event) -> None:
        site.published.update(text, dataset=dataset, base_iri=endpoint_of(request))

    try:
        await site.run(run)
    except QueryError as e:
        return error(400, f"400 Bad Request: {e}")
    except QueryTimeout as e:
        return error(503, f"503 Service Unavailable: {e}")
    except StoreError as e:
        return error(500, f"500 Internal Server Error: {e}")
    return Response(status_code=204)


def service_description(request: Request) -> Response:
    site: Site = request.app.state.site
    offers = (*RDF_ONLY, HTML)
    media = choose(request.headers.get("accept"), offers)
    if media is None:
        return not_acceptable(offers)
    if media == HTML:
        page = html.render_page(
            "query.html",
            site.context(request),
            title="Query",
            text=DEFAULT_QUERY,
            example=None,
            params=[],
            error=None,
            table=None,
            examples=html.examples(),
        )
        return negotiated(page, media)
    triples = sd_triples(site.published, endpoint_of(request), bool(site.config.update_token))
    return negotiated(serialize_rdf(triples, RDF_TYPES[media]), media)


# --- the application ------------------------------------------------------------------------


def create_app(published: Published, config: ServerConfig | None = None) -> Starlette:
    config = config or ServerConfig()
    routes = [
        Route("/", home, methods=["GET"]),
        Route("/static/style.css", stylesheet, methods=["GET"]),
        Route("/sparql", sparql, methods=["GET", "POST"]),
        Route("/sparql/", sparql, methods=["GET", "POST"]),
        Route("/query", query_page, methods=["GET"]),
        Route("/.well-known/void", void_response, methods=["GET"]),
        Route("/dumps/{name}", dump_response, methods=["GET"]),
        Route("/{path:path}", resolve, methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(HeadMiddleware),
            Middleware(
                CORSMiddleware,
                allow_origins=["*"],
                allow_methods=["GET", "POST", "HEAD", "OPTIONS"],
                allow_headers=["Accept", "Content-Type", "Authorization"],
                expose_headers=["Content-Location", "Location", "Vary"],
                max_age=3600,
            ),
        ],
    )
    app.state.site = Site(published, config)
    return app
