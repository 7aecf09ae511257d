"""``iodm serve``, ``iodm publish`` and ``iodm push``: argument parsers and thin commands.

Only argparse at module level: ``kg.cli`` imports this to build its parser, and ``iodm --help``
must stay instant. Each command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

TOKEN_ENV = "IODM_UPDATE_TOKEN"


def add_parsers(sub: Any) -> None:
    """Add the publishing commands to the ``iodm`` sub-command parsers."""
    store_help = "the store to publish (default: the global --store, else the default store)"

    c = sub.add_parser(
        "serve",
        help="serve the knowledge graph: linked data, HTML pages and a SPARQL 1.1 endpoint",
        description=(
            "Serve every IRI of the project (https://w3id.org/iodm…), and every IRI under the "
            "namespaces your dataset description declares (void:uriSpace, e.g. "
            "https://example.org/study/id/x at /example.org/study/id/x), with content "
            "negotiation, HTML pages, and a SPARQL 1.1 Protocol endpoint at /sparql. "
            "Read-only unless "
            f"--update-token (or ${TOKEN_ENV}) is given. Anonymous interviewees are withheld "
            "from everything served."
        ),
    )
    c.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    c.add_argument("--port", type=_port, default=8000, help="TCP port, 1-65535 (default: 8000)")
    c.add_argument(
        "--base-url",
        metavar="URL",
        default=os.environ.get("IODM_SERVE_BASE_URL") or None,
        help="where clients reach the server (behind a proxy, its public URL): every link and "
        "redirect is built from it, never from the Host header (default: http://HOST:PORT/; "
        "$IODM_SERVE_BASE_URL)",
    )
    c.add_argument("--store", metavar="DESCRIPTOR", default=argparse.SUPPRESS, help=store_help)
    c.add_argument(
        "--update-token",
        metavar="TOKEN",
        default=os.environ.get(TOKEN_ENV) or None,
        help=f"accept SPARQL updates that carry 'Authorization: Bearer TOKEN' (or ${TOKEN_ENV})",
    )
    limits = c.add_argument_group(
        "query limits",
        "Each query runs in a worker process that is stopped at its limits; each default can "
        "also be set by the environment variable its help names after $.",
    )
    for flag, kind, default, metavar, text in SERVE_LIMITS:
        env = "IODM_SERVE_" + flag.upper().replace("-", "_")
        limits.add_argument(
            f"--{flag}",
            type=kind,
            default=os.environ.get(env) or default,
            metavar=metavar,
            help=f"{text} (default {default}; ${env})",
        )
    c.set_defaults(func=cmd_serve)

    c = sub.add_parser(
        "publish",
        help="write the site as static files: pages, ontology documents, dumps, VoID, .htaccess",
    )
    c.add_argument("--out", type=Path, required=True, metavar="DIR", help="the site directory")
    c.add_argument(
        "--site-url",
        default="http://127.0.0.1:8000/",
        metavar="URL",
        help="where the site will be hosted: the .htaccess redirects w3id IRIs there",
    )
    c.add_argument("--store", metavar="DESCRIPTOR", default=argparse.SUPPRESS, help=store_help)
    c.set_defaults(func=cmd_publish)

    c = sub.add_parser(
        "push",
        help="load the built knowledge graph (every named graph) into a SPARQL 1.1 server",
    )
    c.add_argument("target", metavar="sparql:QUERY_URL,UPDATE_URL", help="the server to load into")
    c.add_argument("--store", metavar="DESCRIPTOR", default=argparse.SUPPRESS, help=store_help)
    c.add_argument(
        "--batch", type=int, default=2000, metavar="N", help="triples per INSERT DATA request"
    )
    c.set_defaults(func=cmd_push)

    c = sub.add_parser(
        "release",
        help="write the ontology release: base and full artefacts (Turtle, RDF/XML, N-Triples, "
        "JSON-LD), vocabularies, shapes and a Protégé catalog",
        description=(
            "Write, for the core and each module, a full artefact (the ontology with its SKOS "
            "vocabularies and imports merged: one file any OWL tool opens offline) and a base "
            "artefact (only the axioms IODM owns), in Turtle, RDF/XML (.owl), N-Triples and "
            "JSON-LD; copies under each version IRI's path; the vocabularies and shapes; and "
            "catalog-v001.xml, which maps every ontology and version IRI to its local file."
        ),
    )
    c.add_argument("-o", "--out", type=Path, required=True, metavar="DIR", help="release directory")
    c.set_defaults(func=cmd_release)


def _number(text: str, *, integer: bool, high: float, zero: bool = False, low: int = 1) -> Any:
    """An argparse type: a finite number, positive (or 0 if ``zero``) and at most ``high``."""
    try:
        value = int(text, 10) if integer else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not {'a whole number' if integer else 'a number'}"
        ) from None
    ok = value == value and value <= high and (value > 0 or (zero and value == 0))
    if not ok or (integer and value and value < low):
        least = 0 if zero else (low if integer else "more than 0")
        raise argparse.ArgumentTypeError(f"{text} is out of range: give {least} to {high:g}")
    return value


def _port(text: str) -> int:
    value: int = _number(text, integer=True, high=65535)
    return value


def _seconds(text: str) -> float:
    value: float = _number(text, integer=False, high=86_400)
    return value


def _count(text: str) -> int:
    value: int = _number(text, integer=True, high=10**9)
    return value


def _zero_or_more(text: str) -> int:
    value: int = _number(text, integer=True, high=1024, zero=True)
    return value


#: The serve options that limit queries: flag, type, default, metavar, help.
SERVE_LIMITS: tuple[tuple[str, Any, Any, str, str], ...] = (
    ("timeout", _seconds, 30.0, "S", "CPU seconds one query may use (and 3× in wall time)"),
    ("max-rows", _count, 10_000, "N", "most rows (or triples) one query may return"),
    ("max-result-mb", _count, 64, "MB", "largest result one query may return"),
    ("memory-mb", _count, 1024, "MB", "memory one query may add to its worker process"),
    (
        "workers",
        _zero_or_more,
        2,
        "N",
        "worker processes, so queries running at once; 0 runs them in the server, unstoppable",
    ),
    ("queue", _zero_or_more, 32, "N", "queries that may wait for a free worker"),
    ("queue-wait", _seconds, 10.0, "S", "seconds a query may wait for a free worker"),
    ("max-query-bytes", _count, 65_536, "N", "longest query text"),
    ("max-depth", _count, 16, "N", "deepest nesting of { ( [ in a query"),
    ("max-operators", _count, 128, "N", "most operators of one kind (UNION, OPTIONAL, path step…)"),
)


def _positive(name: str, value: float) -> None:
    from kg.core.errors import UsageError

    if value <= 0:
        raise UsageError(f"{name} must be positive, got {value:g}")


def cmd_serve(args: argparse.Namespace) -> int:
    from kg.publish.app import ServerConfig
    from kg.publish.dataset import Limits
    from kg.publish.guard import PoolLimits, TextLimits
    from kg.publish.server import serve

    config = ServerConfig(
        update_token=args.update_token,
        limits=Limits(timeout=args.timeout, max_rows=args.max_rows),
        text=TextLimits(
            max_bytes=args.max_query_bytes,
            max_depth=args.max_depth,
            max_operators=args.max_operators,
        ),
        pool=PoolLimits(
            memory_mb=args.memory_mb,
            max_result_mb=args.max_result_mb,
            workers=args.workers,
            queue=args.queue,
            queue_wait=args.queue_wait,
        ),
    )
    return serve(
        getattr(args, "store", None),
        host=args.host,
        port=args.port,
        base_url=args.base_url,
        config=config,
    )


def cmd_publish(args: argparse.Namespace) -> int:
    from kg.publish.dataset import Published
    from kg.publish.site import publish
    from kg.store import open_store

    with open_store(getattr(args, "store", None)) as store:
        published = Published(store)
    report = publish(published, args.out, args.site_url)
    print(report, file=sys.stderr)
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from kg.publish.release import release

    print(release(args.out).summary(), file=sys.stderr)
    return 0


def cmd_push(args: argparse.Namespace) -> int:
    from kg.publish.dataset import Published
    from kg.publish.push import push
    from kg.store import open_store

    _positive("--batch", args.batch)
    with open_store(getattr(args, "store", None)) as store:
        published = Published(store)
    with open_store(args.target, writable=True) as target:
        summary = push(published, target, batch=args.batch)
    print(summary, file=sys.stderr)
    return 0
