"""``iodm publish --out DIR``: the site as static files, for hosting without a server.

The same pages and documents ``iodm serve`` answers, one file per format (a static host cannot
negotiate; the w3id rules in ``.htaccess`` do, redirecting each IRI to the right file):

::

    index.html  query.html  static/style.css
    iodm.html iodm.ttl iodm.jsonld iodm.rdf iodm.nt          the core ontology (hash namespace)
    iodm/pko.html iodm/pko.ttl …                              the peacekeeping module, likewise
    doc/{kind}/{slug}.html .ttl .jsonld .rdf .nt              one document per /id/ resource
    dumps/iodm.ttl .nt .jsonld .nq .trig  dumps/SHA256SUMS    dumps and their checksums
    void.ttl  .well-known/void                                VoID and DCAT
    .htaccess                                                 w3id redirect rules to this site

The site is written to a temporary directory beside DIR and renamed into place: DIR is never
half-written. An existing DIR is replaced only if an earlier ``iodm publish`` wrote it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox

from kg.core.errors import UsageError
from kg.core.namespaces import ID
from kg.core.results import serialize_rdf
from kg.publish import html, iris
from kg.publish.dataset import Published
from kg.publish.describe import describe
from kg.publish.negotiate import EXTENSIONS, HTML, RDF_TYPES
from kg.publish.ontology_doc import ontology_document
from kg.publish.void import CHECKSUMS, checksums_file, describe_dataset, make_dumps

MARKER = ".iodm-site"
HTACCESS = Path(__file__).resolve().parent / "htaccess"


@dataclass
class PublishReport:
    out: Path
    files: int
    documents: int
    withheld: int

    def __str__(self) -> str:
        return (
            f"published {self.documents} documents in {self.files} files to {self.out} "
            f"({self.withheld} statements withheld for privacy)"
        )


def htaccess(site_url: str) -> str:
    """The w3id redirect rules, pointing at ``site_url``."""
    return HTACCESS.read_text(encoding="utf-8").replace("@SITE@", site_url)


def namespace_documents(published: Published) -> list[str]:
    """Every hash-namespace document IRI with something published under it."""
    found = set()
    for q in published.quads():
        for term in (q.subject, q.object):
            if isinstance(term, ox.NamedNode) and (ns := iris.namespace_of(term.value)):
                found.add(ns)
    return sorted(found)


def publish(
    published: Published, out: Path, site_url: str = "http://127.0.0.1:8000/"
) -> PublishReport:
    if not site_url.endswith("/"):
        site_url += "/"
    out = out.resolve()
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise UsageError(
            f"{out} exists and was not written by `iodm publish`",
            "give a new or empty directory; nothing was written",
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        # mkdtemp makes a private directory (0700) that a web server running as another user
        # cannot enter: give the site the mode a plain mkdir would (0755 under the usual umask).
        umask = os.umask(0o022)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)
        files, documents = _write(published, tmp, site_url)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            out.rename(old / "site")
            tmp.rename(out)
            shutil.rmtree(old)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return PublishReport(out, files, documents, published.withheld)


def _write(published: Published, root_dir: Path, site_url: str) -> tuple[int, int]:
    store = published.store
    root = urlsplit(site_url).path or "/"
    render = html.Render(store, root=root, static=True)
    context = {"root": root, "static": True, "ext": ".html", "live": False, "endpoint": ""}
    count = 0
    documents = 0

    def write(rel: str, data: str | bytes) -> None:
        nonlocal count
        path = root_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        count += 1

    for ns in namespace_documents(published):
        doc = ontology_document(store, ns)
        if doc is None:
            continue
        rel = ns[len(iris.W3ID) + 1 :]
        documents += 1
        for ext, media in EXTENSIONS.items():
            if media == HTML:
                write(rel + ext, html.ontology_page(render, doc, "/" + rel, **context))
            else:
                write(rel + ext, serialize_rdf(doc.triples, RDF_TYPES[media]))

    resources = sorted(
        {
            t.value
            for q in published.quads()
            for t in (q.subject, q.object)
            if isinstance(t, ox.NamedNode) and t.value.startswith(ID) and len(t.value) > len(ID)
        }
    )
    for iri in resources:
        d = describe(store, iri)
        rel = "doc/" + iri[len(ID) :]
        documents += 1
        for ext, media in EXTENSIONS.items():
            if media == HTML:
                write(rel + ext, html.entity_page(render, d, root + rel, **context))
            else:
                write(rel + ext, serialize_rdf(d.triples(), RDF_TYPES[media]))

    dumps = make_dumps(published)
    for name, dump in dumps.items():
        write(f"dumps/{name}", dump.data)
    write(f"dumps/{CHECKSUMS}", checksums_file(dumps))
    void = serialize_rdf(describe_dataset(published, dumps, site_url, None), "ttl")
    write("void.ttl", void)
    write(".well-known/void", void)

    write(
        "query.html",
        html.render_page(
            "query.html",
            context,
            title="Query",
            text="",
            example=None,
            params=[],
            error=None,
            table=None,
            examples=html.examples(),
        ),
    )
    kinds: dict[str, list[object]] = {}
    for iri in resources:
        kinds.setdefault(iri[len(ID) :].split("/", 1)[0], []).append(render.link(ox.NamedNode(iri)))
    write(
        "index.html",
        html.render_page(
            "home.html",
            context,
            title="IODM",
            kinds=sorted(kinds.items()),
            dumps=sorted(dumps.items()),
            triples=f"{len(published.triples()):,}",
            graphs=len(published.graphs),
        ),
    )
    write("static/style.css", html.STYLESHEET.read_bytes())
    write(".htaccess", htaccess(site_url))
    write(MARKER, "written by `iodm publish`; the next `iodm publish` replaces this directory\n")
    return count, documents
