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
    c.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    c.add_argument("--store", metavar="DESCRIPTOR", default=argparse.SUPPRESS, help=store_help)
    c.add_argument(
        "--update-token",
        metavar="TOKEN",
        default=os.environ.get(TOKEN_ENV) or None,
        help=f"accept SPARQL updates that carry 'Authorization: Bearer TOKEN' (or ${TOKEN_ENV})",
    )
    c.add_argument(
        "--timeout", type=float, default=30.0, metavar="S", help="query time limit (default 30)"
    )
    c.add_argument(
        "--max-rows",
        type=int,
        default=10_000,
        metavar="N",
        help="most rows (or triples) one query may return (default 10000)",
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


def _positive(name: str, value: float) -> None:
    from kg.core.errors import UsageError

    if value <= 0:
        raise UsageError(f"{name} must be positive, got {value:g}")


def cmd_serve(args: argparse.Namespace) -> int:
    from kg.publish.dataset import Limits
    from kg.publish.server import serve

    _positive("--timeout", args.timeout)
    _positive("--max-rows", args.max_rows)
    _positive("--port", args.port)
    return serve(
        getattr(args, "store", None),
        host=args.host,
        port=args.port,
        update_token=args.update_token,
        limits=Limits(timeout=args.timeout, max_rows=args.max_rows),
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
