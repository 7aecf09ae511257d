"""``iodm publish --out DIR``: the site as static files, for hosting without a server.

The documents ``iodm serve`` answers, from the same producer (:mod:`kg.publish.documents`), one
file per format (a static host cannot negotiate; the w3id rules in ``.htaccess`` do, redirecting
each IRI to the right file):

::

    index.html  query.html  static/style.css
    iodm.html iodm.ttl iodm.jsonld iodm.rdf iodm.nt          the core ontology (hash namespace)
    iodm/pko.html iodm/pko.ttl …                              the peacekeeping module, likewise
    doc/{kind}/{slug}.html .ttl .jsonld .rdf .nt              one document per /id/ resource
    doc/{host}/{path}.html .ttl …                             one per IRI under a namespace
                                                              the dataset declares
    dumps/iodm.ttl .nt .jsonld .nq .trig  dumps/SHA256SUMS    dumps and their checksums
    void.ttl  .well-known/void                                VoID and DCAT
    .htaccess                                                 w3id redirect rules to this site

The site is written to a temporary directory beside DIR and renamed into place: DIR is never
half-written (a full disk leaves DIR as it was and says so). An existing DIR is replaced only if
an earlier ``iodm publish`` wrote it.

Every file's place comes from one function, :func:`site_path`: the path a document has on the
server, each segment kept if it is made of IRI characters safe in a file name and
percent-encoded otherwise; a path with an empty, ``.`` or ``..`` segment, or a segment too long
for a file name, has no file (the document is skipped and counted). Nothing is written outside
DIR, whatever the IRIs.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kg.core.errors import UsageError
from kg.core.files import disk_error
from kg.publish import html
from kg.publish.dataset import Published
from kg.publish.documents import Documents
from kg.publish.negotiate import EXTENSIONS
from kg.publish.void import CHECKSUMS

MARKER = ".iodm-site"
HTACCESS = Path(__file__).resolve().parent / "htaccess"


#: the characters a segment of a site path keeps as they are; any other is percent-encoded
_KEPT = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@-]")
#: the longest segment a file system takes (255 bytes), less room for an extension and the
#: temporary names of an atomic write
MAX_SEGMENT = 200


def site_path(path: str) -> str | None:
    """Where the document at server path ``path`` (no leading slash) is written under the
    site's directory: relative, every segment made of :data:`_KEPT` characters and
    percent-escapes (``%`` itself included, so two paths never share a file); None when no
    file can stand for it (an empty, ``.`` or ``..`` segment, a segment too long).

    >>> site_path("doc/example.org/study/id/café"), site_path("doc/x/../../etc/passwd")
    ('doc/example.org/study/id/caf%C3%A9', None)
    >>> site_path("/etc/passwd"), site_path("doc/a%2F..%2Fb")
    (None, 'doc/a%252F..%252Fb')
    """
    segments = []
    for segment in path.split("/"):
        if segment in ("", ".", ".."):
            return None
        encoded = "".join(
            c if _KEPT.fullmatch(c) else "".join(f"%{b:02X}" for b in c.encode("utf-8"))
            for c in segment
        )
        if len(encoded) > MAX_SEGMENT:
            return None
        segments.append(encoded)
    return "/".join(segments)


@dataclass
class PublishReport:
    out: Path
    files: int
    documents: int
    withheld: int
    skipped: int = 0

    def __str__(self) -> str:
        skipped = (
            f"; {self.skipped} documents skipped, their IRIs make no safe file name"
            if self.skipped
            else ""
        )
        return (
            f"published {self.documents} documents in {self.files} files to {self.out} "
            f"({self.withheld} statements withheld for privacy{skipped})"
        )


def htaccess(site_url: str) -> str:
    """The w3id redirect rules, pointing at ``site_url``."""
    return HTACCESS.read_text(encoding="utf-8").replace("@SITE@", site_url)


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
        files, documents, skipped = _write(published, tmp, site_url)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            out.rename(old / "site")
            tmp.rename(out)
            shutil.rmtree(old)
        else:
            tmp.rename(out)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        full = disk_error(e, getattr(e, "filename", None) or tmp)
        if full is None:
            raise
        raise full from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return PublishReport(out, files, documents - skipped, published.withheld, skipped)


def _write(published: Published, root_dir: Path, site_url: str) -> tuple[int, int, int]:
    """Write the site under ``root_dir``: (files, documents, documents skipped)."""
    docs = Documents(published, site_url, live=False)
    count = 0

    root = root_dir.resolve()

    def write(rel: str, data: bytes) -> None:
        nonlocal count
        path = root_dir / rel
        if not path.resolve().is_relative_to(root):  # site_path's promise, checked again
            raise UsageError(f"refusing to write {rel!r}: it is outside the site directory")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        count += 1

    paths = docs.paths()
    skipped = 0
    for path in paths:
        targets = {ext: site_path(path + ext) for ext in EXTENSIONS}
        if None in targets.values():
            skipped += 1
            continue
        for ext, document in docs.variants(path).items():
            write(targets[ext] or "", document.data)
    for name in [*docs.dumps(), CHECKSUMS]:
        write(f"dumps/{name}", docs.dump(name).data)
    void = docs.void("text/turtle").data
    write("void.ttl", void)
    write(".well-known/void", void)
    write("query.html", docs.query_page().data)
    write("index.html", docs.home().data)
    write("static/style.css", html.STYLESHEET.read_bytes())
    write(".htaccess", htaccess(site_url).encode("utf-8"))
    write(MARKER, b"written by `iodm publish`; the next `iodm publish` replaces this directory\n")
    return count, len(paths), skipped
