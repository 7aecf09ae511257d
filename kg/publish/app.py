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
- ``/query``: the query page (``?example=ID`` runs a named query, ``p.NAME=VALUE`` binds its
  parameters; ``limit`` and ``offset`` page the rows: 500 a page in HTML, with links to the
  pages before and after; a client that asks for a SPARQL results type gets the named query's
  rows in it, all of them unless ``limit`` is given, with a ``Link: rel="next"`` header while
  more follow); ``/``: home; ``/.well-known/void``: VoID and DCAT;
  ``/dumps/{file}``: dumps and ``SHA256SUMS``; ``/context.jsonld``: the JSON-LD context
  (``https://w3id.org/iodm/context.jsonld``, from ``ontology/iodm-context.jsonld``);
- ``/{host}/{path}``: an IRI under a namespace the dataset declares (``void:uriSpace``), 303
  See Other to ``/doc/{host}/{path}``, its document, negotiated like the others (see
  :class:`kg.publish.iris.Namespaces`).

Every negotiated response, redirects included, carries ``Vary: Accept``; HEAD answers like GET
without a body; CORS allows any origin.

Every document comes from :class:`kg.publish.documents.Documents`, which the static site writes to
files too; this module negotiates, speaks the SPARQL 1.1 Protocol, and maps IODM errors to HTTP
statuses in one place (:data:`STATUSES`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import re
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote_to_bytes, urlencode

from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kg.core.errors import IODMError, UsageError
from kg.core.namespaces import ID
from kg.core.results import Result, Solutions, Triples
from kg.publish import html
from kg.publish.dataset import DatasetSpec, Limits, Published, QueryTimeout, ResultTooLarge
from kg.publish.documents import SELECT_TYPES, Document, Documents, NotFound, result_types
from kg.publish.guard import (
    Busy,
    PoolLimits,
    QueryMemory,
    QueryPool,
    TextLimits,
    check_text,
    refuse_network,
)
from kg.publish.negotiate import (
    DOCUMENT_TYPES,
    HTML,
    RDF_TYPES,
    NotAcceptable,
    choose,
    negotiate,
    split_extension,
)

if TYPE_CHECKING:
    from kg.queries import NamedQuery

#: Rows an HTML result page shows when the request gives no ``limit``.
PAGE_ROWS = 500
TEXT_TYPES = ("text/", "application/sparql-results+xml", "application/rdf+xml", "application/xml")


@dataclass
class ServerConfig:
    """How the server runs. ``base_url`` is where clients reach it: every absolute link and
    redirect is built from it, never from the request's ``Host`` header. ``limits`` (time,
    rows), ``text`` and ``pool`` are the query limits of :mod:`kg.publish.guard`; with
    ``pool.workers`` 0, queries run in a thread of the server process (not stoppable: for
    platforms without worker processes only)."""

    update_token: str | None = None
    limits: Limits = field(default_factory=Limits)
    text: TextLimits = field(default_factory=TextLimits)
    pool: PoolLimits = field(default_factory=PoolLimits)
    base_url: str = "http://127.0.0.1:8000/"


class Forbidden(IODMError):
    """An update the server does not accept (HTTP 403); ``challenge`` asks for the token."""

    def __init__(self, message: str, *, challenge: bool = False) -> None:
        super().__init__(message)
        self.challenge = challenge


class UnsupportedMediaType(UsageError):
    """A request body in a type or charset the SPARQL 1.1 Protocol does not take (HTTP 415)."""


#: IODM errors and their HTTP statuses, most specific first: the one place the server maps them.
#: Anything else (a store that failed, …) is 500.
STATUSES: tuple[tuple[type[IODMError], int], ...] = (
    (NotFound, 404),
    (NotAcceptable, 406),
    (Forbidden, 403),
    (UnsupportedMediaType, 415),
    (UsageError, 400),  # malformed queries (QueryError) and requests
    (ResultTooLarge, 400),
    (QueryTimeout, 503),
    (QueryMemory, 503),
    (Busy, 503),
)


def status_of(error: Exception) -> int:
    return next((status for cls, status in STATUSES if isinstance(error, cls)), 500)


def error_response(request: Request, error: Exception) -> Response:
    """The answer to an IODM error: its status and message, as plain text."""
    status = status_of(error)
    headers = {"Vary": "Accept"} if isinstance(error, NotAcceptable) else {}
    if isinstance(error, Forbidden) and error.challenge:
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(error, Busy):
        headers["Retry-After"] = "5"
    return PlainTextResponse(
        f"{status} {HTTPStatus(status).phrase}: {error}\n", status_code=status, headers=headers
    )


def no_route(request: Request, error: Exception) -> Response:
    return error_response(request, NotFound(f"nothing is published at {request.url.path}"))


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


#: Characters no IRI may hold (RFC 3987), so no published path either.
_NOT_IN_IRIS = re.compile(r'[\x00-\x20<>"{}|^`\\\x7f-\x9f]')


def odd_path(raw_path: bytes) -> str | None:
    """Why a request path cannot name anything published, or None: not UTF-8 once decoded,
    a character no IRI holds (space, NUL, a control, ``<>"{}|^`\\``), or a ``.``/``..``
    segment.

    >>> [odd_path(p) for p in (b"/doc/x", b"/doc/a%20b", b"/doc/%ff", b"/doc/%2e%2e/x")]
    [None, 'a character no IRI holds', 'not UTF-8', 'a . or .. segment']
    """
    try:
        path = unquote_to_bytes(raw_path).decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8"
    if _NOT_IN_IRIS.search(path):
        return "a character no IRI holds"
    if any(segment in (".", "..") for segment in path.split("/")):
        return "a . or .. segment"
    return None


class PathGuard:
    """A path that cannot name anything published answers 404 before any route sees it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
            why = odd_path(raw.split(b"?", 1)[0])
            if why is not None:
                text = f"404 Not Found: nothing is published at this path ({why})\n"
                await PlainTextResponse(text, status_code=404)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class Server:
    """The running server: what it publishes, its configuration, the pool queries run on."""

    def __init__(self, published: Published, config: ServerConfig) -> None:
        self.published = published
        self.config = config
        pool = config.pool
        # one thread for each query a worker runs and each that waits for one, one for updates
        self.capacity = max(pool.workers, 1) + pool.queue
        self.executor = ThreadPoolExecutor(
            max_workers=self.capacity + 1, thread_name_prefix="sparql"
        )
        self.pool = QueryPool(pool) if pool.workers > 0 else None
        self.in_flight = 0

    def warm_up(self) -> None:
        """Start the query workers and give them the snapshot (else the first query does), and
        find what the home page lists, in the background (seconds of work at half a million
        statements; above, it lists none)."""
        if self.pool is not None:
            self.pool.warm_up(self.published.snapshot, self.published.quads)
        home = Documents(self.published, self.config.base_url, live=True).home
        threading.Thread(target=home, name="warm-up", daemon=True).start()

    def close(self) -> None:
        """Stop the query workers and remove their snapshot files."""
        if self.pool is not None:
            self.pool.close()
        self.executor.shutdown(wait=False, cancel_futures=True)

    async def query(
        self, text: str, dataset: DatasetSpec | None = None, base_iri: str | None = None
    ) -> Result:
        """Run a query within every limit of :mod:`kg.publish.guard`."""
        check_text(text, self.config.text)
        if self.in_flight >= self.capacity:
            raise Busy(
                "the server is answering as many queries as it can", "retry in a few seconds"
            )
        self.in_flight += 1
        try:
            if self.pool is None:
                return await self._in_thread(text, dataset, base_iri)
            spec = dataset if dataset is not None and dataset.given else DatasetSpec()
            published, limits = self.published, self.config.limits
            result: Result = await asyncio.get_running_loop().run_in_executor(
                self.executor,
                partial(
                    self.pool.run,
                    published.snapshot,
                    published.quads,
                    text,
                    base_iri=base_iri,
                    default_graphs=spec.default_graphs,
                    named_graphs=spec.named_graphs,
                    max_rows=limits.max_rows,
                    timeout=limits.timeout,
                ),
            )
            return result
        finally:
            self.in_flight -= 1

    async def _in_thread(
        self, text: str, dataset: DatasetSpec | None, base_iri: str | None
    ) -> Result:
        def run(cancel: threading.Event) -> Result:
            refuse_network(text)
            return self.published.query(
                text, dataset, base_iri, limits=self.config.limits, cancel=cancel
            )

        result: Result = await self.run(run)
        return result

    async def run(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run blocking work in a thread, waiting at most the time limit (the work itself is
        told to stop through its ``cancel`` event, which only a reader can honour)."""
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


def iri_path(handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
    """A path that makes no IRI (the engine refuses it) is 404, as any path naming nothing."""

    def answer(request: Request) -> Response:
        try:
            return handler(request)
        except ValueError as e:
            raise NotFound(f"nothing is published at {request.url.path}: {e}") from None

    return answer


def server_of(request: Request) -> Server:
    server: Server = request.app.state.server
    return server


def documents(request: Request) -> Documents:
    """The documents of the site at the configured base URL (never the request's ``Host``)."""
    server = server_of(request)
    return Documents(server.published, server.config.base_url, live=True)


def respond(
    document: Document, *, negotiated: bool = True, location: str | None = None, status: int = 200
) -> Response:
    media = document.media_type
    headers = {"Vary": "Accept"} if negotiated else {}
    if location:
        headers["Content-Location"] = location
    if document.etag:
        headers["ETag"] = f'"{document.etag}"'
    if media.startswith(TEXT_TYPES):
        media += "; charset=utf-8"
    return Response(document.body, status_code=status, media_type=media, headers=headers)


# --- linked data --------------------------------------------------------------------------------


def see_other(request: Request) -> Response:
    target = documents(request).see_other(ID + request.path_params["rest"])
    negotiate(request.headers.get("accept"), DOCUMENT_TYPES)
    return RedirectResponse(target, status_code=303, headers={"Vary": "Accept"})


def see_other_own(request: Request) -> Response:
    """An IRI under a namespace the dataset declares: 303 See Other to its document."""
    docs = documents(request)
    path = request.path_params["rest"]
    iri = docs.resource_at(path)
    if iri is None:
        raise NotFound(f"nothing is published at {request.url.path}")
    if request.method != "GET":
        return PlainTextResponse(
            "405 Method Not Allowed\n", status_code=405, headers={"Allow": "GET, HEAD"}
        )
    target = docs.see_other(iri)
    negotiate(request.headers.get("accept"), DOCUMENT_TYPES)
    return RedirectResponse(target, status_code=303, headers={"Vary": "Accept"})


def context(request: Request) -> Response:
    """The JSON-LD context, when the package ships one."""
    from kg.core.resources import ontology_dir

    found = ontology_dir() / "iodm-context.jsonld"
    if not found.is_file():
        raise NotFound("this installation of IODM has no JSON-LD context")
    return FileResponse(found, media_type="application/ld+json")


def document_route(prefix: str) -> Route:
    """``/{prefix}…``: documents negotiated between HTML and RDF, or named by an extension
    (except named graphs, whose names may end in one)."""

    def answer(request: Request) -> Response:
        path, explicit = prefix + request.path_params["rest"], None
        docs = documents(request)
        if prefix != "graph/" and not docs.is_document(path):
            path, explicit = split_extension(path)
        media = explicit or negotiate(request.headers.get("accept"), DOCUMENT_TYPES)
        location = None if explicit else docs.variant(path, media)
        return respond(docs.document(path, media), location=location)

    return Route(f"/{prefix}{{rest:path}}", iri_path(answer), methods=["GET"])


def void(request: Request) -> Response:
    media = choose(request.headers.get("accept"), RDF_TYPES) or RDF_TYPES[0]
    return respond(documents(request).void(media))


def dump(request: Request) -> Response:
    return respond(documents(request).dump(request.path_params["name"]), negotiated=False)


def home(request: Request) -> Response:
    return respond(documents(request).home(), negotiated=False)


def stylesheet(request: Request) -> Response:
    return FileResponse(html.STYLESHEET, media_type="text/css")


# --- the query page -------------------------------------------------------------------------


async def query_page(request: Request) -> Response:
    server = server_of(request)
    params = request.query_params
    accept = request.headers.get("accept")
    text = params.get("query")
    example: NamedQuery | None = None
    bound: list[dict[str, str]] = []
    error, status, result, page = None, 200, None, None
    docs = documents(request)
    # HTML unless the client prefers a results type (the named queries' API)
    api = params.get("example") is not None and choose(accept, (HTML, *SELECT_TYPES)) != HTML
    try:
        limit, offset = _page_params(params, None if api else PAGE_ROWS)
        answer = None
        if params.get("example"):
            example, bound, example_text, given = _example(params)
            if text is None:  # the named query as it is: its answer, if the build left one
                text, answer = example_text, _answer(server, example, given)
        if text:
            result, page = await _run_page(
                server, text, limit, offset, f"{docs.url}query", params, answer=answer
            )
    except IODMError as e:
        if api:
            raise
        error, status = str(e), status_of(e)
    if api and result is not None and text:
        media = negotiate(accept, result_types(result))
        response = respond(docs.results(result, media, text), negotiated=True)
        if page is not None and page.next:
            response.headers["Link"] = f'<{page.next}>; rel="next"'
        return response
    docs.site["page"] = page  # the links to the pages before and after (query.html)
    page_doc = docs.query_page(text, example=example, params=bound, error=error, result=result)
    return respond(page_doc, negotiated=False, status=status)


@dataclass(frozen=True)
class Page:
    """The rows a result shows (``offset``, ``shown``) and links to the pages around it."""

    offset: int
    shown: int
    previous: str | None = None
    next: str | None = None


def _page_params(params: QueryParams, default: int | None) -> tuple[int | None, int]:
    """``limit`` (``default`` when not given) and ``offset`` (0) of a request."""

    def number(name: str) -> int | None:
        raw = params.get(name)
        if raw is None or raw == "":
            return None
        if not raw.isdigit():
            raise UsageError(f"{name} must be a whole number ≥ 0, not {raw!r}", f"e.g. {name}=100")
        return int(raw)

    limit = number("limit")
    return (default if limit is None else limit), number("offset") or 0


async def _run_page(
    server: Server,
    text: str,
    limit: int | None,
    offset: int,
    base: str,
    params: QueryParams | list[tuple[str, str]],
    dataset: DatasetSpec | None = None,
    base_iri: str | None = None,
    answer: Answer | None = None,
) -> tuple[Result, Page | None]:
    """Run ``text`` for one page of rows: the engine cuts it when the text can take ``LIMIT``
    and ``OFFSET`` (one row more than the page, to know whether another follows), else the
    rows are cut here; or read that page from its ``answer``. Links to the pages around it
    repeat the request's parameters (from ``params``) at ``base``."""
    from kg.queries import paged_text

    if limit is None and not offset:
        if answer is not None:
            return await server.run(answer, None, 0), None
        return await server.query(text, dataset, base_iri), None
    probe = None if limit is None else limit + 1
    cut: str | None = text  # the page is cut before it comes here
    if answer is not None:
        result = await server.run(answer, probe, offset)
    else:
        cut = paged_text(text, probe, offset)
        result = await server.query(cut or text, dataset, base_iri)
    if isinstance(result, Solutions):
        rows = result.rows if cut else result.rows[offset:]
        more = probe is not None and len(rows) >= probe
        result = Solutions(result.variables, rows[:limit])
        shown = len(result.rows)
    elif isinstance(result, Triples) and not cut:  # a graph: its triples, cut here
        end = None if limit is None else offset + limit
        more = end is not None and len(result.triples) > end
        result = Triples(result.triples[offset:end])
        shown = len(result.triples)
    else:
        return result, None  # a yes/no answer, or a graph from a page of solutions

    def link(at: int) -> str:
        kept = [(k, v) for k, v in _items(params) if k not in ("limit", "offset")]
        page = [("limit", str(limit))] if limit is not None else []
        return f"{base}?{urlencode([*kept, *page, ('offset', str(at))])}"

    before = None if offset == 0 else link(max(offset - (limit or offset), 0))
    after = link(offset + shown) if more else None
    return result, Page(offset, shown, before, after)


def _items(params: QueryParams | list[tuple[str, str]]) -> list[tuple[str, str]]:
    return params.multi_items() if isinstance(params, QueryParams) else list(params)


#: Reads ``limit`` rows (None: all) after the first ``offset`` of a named query's answer.
Answer = Callable[..., Solutions]


def _answer(server: Server, example: NamedQuery, given: dict[str, str]) -> Answer | None:
    """How to read a page of ``example``'s answer with the request's parameters, when the
    snapshot's build left one (:mod:`kg.answers`); at most the server's row limit."""
    from kg.answers import read

    directory = server.published.snapshot.answers
    if directory is None or read(directory, example, given, 0, 0) is None:
        return None
    max_rows = server.config.limits.max_rows

    def page(limit: int | None, offset: int, cancel: object = None) -> Solutions:
        rows = read(directory, example, given, max_rows + 1 if limit is None else limit, offset)
        assert rows is not None  # the answer was there a moment ago, and files stay
        if len(rows.rows) > max_rows:
            raise ResultTooLarge.over(max_rows)
        return rows

    return page


def _example(
    params: QueryParams,
) -> tuple[NamedQuery, list[dict[str, str]], str, dict[str, str]]:
    """A named query, its parameters as the form shows them, its text with them bound, and the
    values the request gave them."""
    from kg.queries import get
    from kg.store import bind_parameters

    example = get(params["example"])
    names = [k for k, _ in params.multi_items() if k.startswith("p.")]
    for name in sorted({n for n in names if names.count(n) > 1}):
        raise UsageError(f"parameter {name[2:]} is given more than once", "give it once")
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
    text = bind_parameters(example.text, bindings) if bindings else example.text
    return example, bound, text, given


# --- the SPARQL 1.1 Protocol ----------------------------------------------------------------


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
        raise UnsupportedMediaType(f"charset {charset}; send UTF-8")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UsageError(f"the body is not UTF-8: {e}") from e


def _one(params: list[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in params if k == name]
    if len(values) > 1:
        raise UsageError(f"more than one {name} parameter")
    return values[0] if values else None


def _all(params: list[tuple[str, str]], name: str) -> tuple[str, ...]:
    return tuple(v for k, v in params if k == name)


async def _operation(request: Request) -> tuple[str, str, list[tuple[str, str]]]:
    """(``query`` | ``update`` | ``service``, the text, all parameters); ``service`` asks for
    the service description (no text)."""
    url_params = parse_qsl(request.url.query, keep_blank_values=True)
    if request.method == "GET":
        if any(k == "update" for k, _ in url_params):
            raise UsageError("an update must be sent with POST")
        query = _one(url_params, "query")
        return ("query", query, url_params) if query is not None else ("service", "", url_params)
    media, charset = _content_type(request)
    body = await request.body()
    if media == "application/x-www-form-urlencoded":
        form = parse_qsl(_utf8(body, charset), keep_blank_values=True)
        params = url_params + form
        query, update = _one(form, "query"), _one(form, "update")
        if query is not None and update is not None:
            raise UsageError("both query and update given")
        if query is not None:
            return "query", query, params
        if update is not None:
            return "update", update, params
        raise UsageError("the form has no query or update parameter")
    if media == "application/sparql-query":
        return "query", _utf8(body, charset), url_params
    if media == "application/sparql-update":
        return "update", _utf8(body, charset), url_params
    raise UnsupportedMediaType(
        f"{media or 'none'}. POST application/sparql-query, application/sparql-update "
        "or application/x-www-form-urlencoded"
    )


async def sparql(request: Request) -> Response:
    server = server_of(request)
    docs = documents(request)
    accept = request.headers.get("accept")
    kind, text, params = await _operation(request)
    if kind == "service":
        media = negotiate(accept, (*RDF_TYPES, HTML))
        updates = bool(server.config.update_token)
        return respond(docs.service_description(media, updates=updates))
    if kind == "update":
        await _update(request, server, text, params, docs.endpoint)
        return Response(status_code=204)
    dataset = DatasetSpec(_all(params, "default-graph-uri"), _all(params, "named-graph-uri"))
    if choose(accept, (*SELECT_TYPES, HTML)) == HTML:  # a result page: one page of rows
        limit, offset = _page_params(QueryParams(params), PAGE_ROWS)
        keep = list(params)
        if not any(k == "query" for k, _ in keep):
            keep.append(("query", text))  # a direct POST: the links carry the query
        result, page = await _run_page(
            server, text, limit, offset, docs.endpoint, keep, dataset, docs.endpoint
        )
        docs.site["page"] = page  # the links to the pages before and after (query.html)
    else:
        result = await server.query(text, dataset, docs.endpoint)
    media = negotiate(accept, result_types(result))
    return respond(docs.results(result, media, text))


async def _update(
    request: Request, server: Server, text: str, params: list[tuple[str, str]], endpoint: str
) -> None:
    token = server.config.update_token
    if not token:
        raise Forbidden("this server is read-only (start it with --update-token)")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip(), token):
        raise Forbidden("updates need the header Authorization: Bearer TOKEN", challenge=True)
    dataset = DatasetSpec(_all(params, "using-graph-uri"), _all(params, "using-named-graph-uri"))

    check_text(text, server.config.text)

    def run(cancel: threading.Event) -> None:
        refuse_network(text, update=True)
        server.published.update(text, dataset=dataset, base_iri=endpoint)

    await server.run(run)


# --- the application ------------------------------------------------------------------------


def create_app(published: Published, config: ServerConfig | None = None) -> Starlette:
    routes = [
        Route("/", home, methods=["GET"]),
        Route("/static/style.css", stylesheet, methods=["GET"]),
        Route("/sparql", sparql, methods=["GET", "POST"]),
        Route("/sparql/", sparql, methods=["GET", "POST"]),
        Route("/query", query_page, methods=["GET"]),
        Route("/.well-known/void", void, methods=["GET"]),
        Route("/iodm/void", void, methods=["GET"]),
        Route("/dumps/{name}", dump, methods=["GET"]),
        Route("/id/{rest:path}", iri_path(see_other), methods=["GET"]),
        Route("/context.jsonld", context, methods=["GET"]),
        document_route("doc/"),
        document_route("graph/"),
        document_route("iodm"),
        Route(
            "/{rest:path}",
            iri_path(see_other_own),
            methods=["GET", "POST", "PUT", "DELETE", "PATCH"],
        ),
    ]
    handlers: dict[Any, Callable[[Request, Exception], Response]] = {
        IODMError: error_response,
        404: no_route,
    }

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # uvicorn stops on SIGTERM by raising the signal again once shut down, so the process
        # ends without running its exit handlers: the workers and their snapshot are let go here
        yield
        app.state.server.close()

    app = Starlette(
        routes=routes,
        exception_handlers=handlers,
        lifespan=lifespan,
        middleware=[
            Middleware(PathGuard),
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
    app.state.server = Server(published, config or ServerConfig())
    return app
