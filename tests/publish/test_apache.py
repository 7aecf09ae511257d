"""The w3id rules that `iodm publish` ships (kg/publish/htaccess), in a real Apache httpd.

Apache is Debian's apache2 (installed by .ci/system-deps, its own service never started). The
test runs its own `apache2 -X` in the foreground with a configuration of its own, written to a
temporary directory: two virtual hosts, both bound to 127.0.0.1 only.

- "w3id" stands in for w3id.org: its document root holds the directory ``iodm/`` with the
  ``.htaccess`` that `iodm publish` wrote, where the w3id.org repository keeps it, honoured with
  ``AllowOverride All`` as w3id.org does.
- "site" hosts the site written by `iodm publish --site-url` (pointing at this host) as its
  document root, its own copy of the rules honoured too, as on any Apache host that reads
  ``.htaccess`` files. The w3id redirects land there.

When root runs the tests, Apache serves as nobody (it refuses to serve as root), so the site must
be readable by a web server's own user, as on any host. Requests go through http.client, which
never follows a redirect, so every hop is checked.
"""

from __future__ import annotations

import grp
import http.client
import os
import pwd
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest

from kg.core.namespaces import ID
from kg.publish import iris
from kg.publish.dataset import Published
from kg.publish.documents import namespace_documents
from kg.publish.negotiate import DOCUMENT_TYPES, EXTENSION_OF, EXTENSIONS, choose
from kg.publish.site import htaccess

from ..servers import free_port, running
from .conftest import iodm_cli

pytestmark = pytest.mark.slow

#: Where Debian's apache2 keeps its modules; the configuration below loads only these.
MODULE_DIR = Path("/usr/lib/apache2/modules")
MODULES = ("mpm_event", "authz_core", "mime", "dir", "rewrite", "headers")
HTTPD_CONF = """\
# A throw-away Apache for tests/publish/test_apache.py: loopback only, all its files in {dir}.
ServerRoot "{dir}"
ServerName 127.0.0.1
Listen 127.0.0.1:{w3id_port}
Listen 127.0.0.1:{site_port}
{user}
PidFile "{dir}/httpd.pid"
DefaultRuntimeDir "{dir}"
Mutex file:{dir} default
ErrorLog "{dir}/error.log"
LogLevel warn
{modules}
TypesConfig /etc/mime.types
DirectoryIndex index.html

<Directory />
    Options None
    AllowOverride None
    Require all denied
</Directory>
<FilesMatch "^\\.ht">
    Require all denied
</FilesMatch>

<VirtualHost 127.0.0.1:{w3id_port}>
    DocumentRoot "{w3id}"
    <Directory "{w3id}">
        Options FollowSymLinks
        AllowOverride All
        Require all granted
    </Directory>
</VirtualHost>

<VirtualHost 127.0.0.1:{site_port}>
    DocumentRoot "{site}"
    <Directory "{site}">
        Options FollowSymLinks
        AllowOverride All
        Require all granted
    </Directory>
</VirtualHost>
"""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Message
    body: bytes

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")

    @property
    def vary(self) -> set[str]:
        return {v.strip().lower() for h in self.headers.get_all("Vary") or [] for v in h.split(",")}

    @property
    def media_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip()


def get(url: str, accept: str | None = None) -> Answer:
    """GET ``url`` with this Accept header (none at all for None), never following a redirect."""
    parts = urlsplit(url)
    assert parts.hostname == "127.0.0.1", url
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(
            "GET", parts.path or "/", headers={} if accept is None else {"Accept": accept}
        )
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


@dataclass(frozen=True)
class Hosts:
    w3id: str  # http://127.0.0.1:PORT, standing for https://w3id.org
    site: str  # http://127.0.0.1:PORT/, the --site-url of the published site
    root: Path  # the published site on disk

    def iri(self, rel: str) -> str:
        """Where https://w3id.org/iodm/REL is on the stand-in for w3id.org."""
        return f"{self.w3id}/iodm/{rel}"


def run_as() -> str:
    """User and Group: Apache refuses to serve as root, so root runs it as nobody."""
    uid, gid = os.geteuid(), os.getegid()
    if uid == 0:
        uid = pwd.getpwnam("nobody").pw_uid
        gid = pwd.getpwnam("nobody").pw_gid
    try:
        return f"User {pwd.getpwuid(uid).pw_name}\nGroup {grp.getgrgid(gid).gr_name}"
    except KeyError:
        return f"User #{uid}\nGroup #{gid}"


def apache_binary() -> str:
    binary = shutil.which(
        "apache2", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin"])
    )
    missing = [m for m in MODULES if not (MODULE_DIR / f"mod_{m}.so").is_file()]
    if binary is None or missing:
        pytest.fail(
            "apache2 is missing"
            + (f" (no modules {', '.join(missing)} in {MODULE_DIR})" if binary else "")
            + ": run `make system-deps` (bash .ci/system-deps)"
        )
    return binary


@pytest.fixture(scope="module")
def hosts(curated_path: Path) -> Iterator[Hosts]:
    binary = apache_binary()
    # Not under pytest's private base directory: when root runs the tests, Apache serves as
    # nobody, who must be able to read the site, as a web server's own user must on any host.
    folder = Path(tempfile.mkdtemp(prefix="iodm-apache-"))
    folder.chmod(0o755)
    try:
        yield from start_apache(binary, folder, curated_path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def start_apache(binary: str, folder: Path, curated_path: Path) -> Iterator[Hosts]:
    """Publish the site into FOLDER, start Apache on two free ports, yield, stop it."""
    w3id_port, site_port = free_port(), free_port()
    site_url = f"http://127.0.0.1:{site_port}/"
    site = folder / "site"
    store = f"oxigraph:{curated_path}"
    published = iodm_cli("--store", store, "publish", "--out", str(site), "--site-url", site_url)
    assert published.returncode == 0, published.stderr
    rules = (site / ".htaccess").read_text()
    assert rules == htaccess(site_url)
    w3id = folder / "w3id"
    (w3id / "iodm").mkdir(parents=True)
    (w3id / "iodm" / ".htaccess").write_text(rules)

    conf = folder / "httpd.conf"
    conf.write_text(
        HTTPD_CONF.format(
            dir=folder,
            w3id=w3id,
            site=site,
            w3id_port=w3id_port,
            site_port=site_port,
            user=run_as(),
            modules="\n".join(f'LoadModule {m}_module "{MODULE_DIR}/mod_{m}.so"' for m in MODULES),
        )
    )
    with running(
        [binary, "-X", "-f", str(conf)],
        f"{site_url}static/style.css",
        name="Apache httpd",
        cwd=folder,
        log_file=lambda: folder / "error.log",
    ):
        yield Hosts(f"http://127.0.0.1:{w3id_port}", site_url, site)


def assert_see_other(answer: Answer, target: str, *, negotiated: bool) -> None:
    assert answer.status == 303, (answer.status, answer.location)
    assert answer.location == target, (answer.location, target)
    assert ("accept" in answer.vary) == negotiated, answer.headers.get_all("Vary")


# --- content negotiation ----------------------------------------------------------------------

#: Accept headers on which the rules choose what `iodm serve` chooses (kg.publish.negotiate).
AGREE_WITH_SERVE = [
    None,  # no Accept header at all
    "",
    "*/*",
    "text/html",
    "text/turtle",
    "application/ld+json",
    "application/rdf+xml",
    "application/n-triples",
    "TEXT/Turtle",  # media types are case-insensitive
    "text/turtle; charset=utf-8",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",  # a browser
    "text/turtle,application/n-triples;q=0.95,application/rdf+xml;q=0.8,*/*;q=0.1",
    "application/rdf+xml, text/turtle",  # a tie: the order of offers decides
    "text/html;q=1.0, text/turtle",
    "text/html, text/turtle;q=0.5",
    "text/turtle;q=0.9, */*;q=0.1",
    "application/ld+json;q=0.9, text/html;q=0.5",
    "application/n-triples;q=0.5, text/plain",
    "text/turtle;q=0, text/html;q=0.1",  # q=0: not acceptable
    "text/turtle;q=0.000, application/rdf+xml",
    "text/turtle;q=0, application/ld+json;q=0.2",
]

#: Where the rules answer differently, as kg/publish/htaccess says: mod_rewrite cannot compare
#: lower q-values, honour wildcards other than */*, or answer 406. Accept → (rules, serve).
DIFFER_FROM_SERVE = {
    "text/turtle;q=0.5, application/rdf+xml;q=0.8": (".ttl", ".rdf"),
    "text/html;q=0.5, text/turtle;q=0.4": (".ttl", ".html"),
    "application/*": (".html", ".jsonld"),
    "image/png": (".html", None),
}


def serve_choice(accept: str | None) -> str | None:
    media = choose(accept, DOCUMENT_TYPES)
    return None if media is None else EXTENSION_OF[media]


@pytest.mark.parametrize("accept", AGREE_WITH_SERVE)
def test_the_namespace_is_negotiated_like_iodm_serve(hosts: Hosts, accept: str | None) -> None:
    ext = serve_choice(accept)
    assert ext is not None
    for rel, document in (
        ("", "iodm"),
        ("pko", "iodm/pko"),
        ("id/mission/unmil", "doc/mission/unmil"),
    ):
        answer = get(hosts.iri(rel), accept)
        assert_see_other(answer, f"{hosts.site}{document}{ext}", negotiated=True)


@pytest.mark.parametrize("accept", DIFFER_FROM_SERVE)
def test_where_the_rules_differ_from_iodm_serve(hosts: Hosts, accept: str) -> None:
    rules, serve = DIFFER_FROM_SERVE[accept]
    assert serve_choice(accept) == serve
    assert_see_other(get(hosts.iri(""), accept), f"{hosts.site}iodm{rules}", negotiated=True)


def test_the_bare_namespace_iri_gets_the_directory_slash_first(hosts: Hosts) -> None:
    # https://w3id.org/iodm (what iodm#Term dereferences to) is the directory of the rules:
    # mod_dir adds the slash with a 301 before the rules answer.
    first = get(f"{hosts.w3id}/iodm", "text/turtle")
    assert first.status == 301 and first.location == f"{hosts.w3id}/iodm/"
    assert_see_other(get(first.location, "text/turtle"), f"{hosts.site}iodm.ttl", negotiated=True)


def test_every_ontology_document_is_reached(hosts: Hosts, published: Published) -> None:
    namespaces = namespace_documents(published)
    assert f"{iris.BASE}/pko" in namespaces
    for ns in namespaces:
        document = ns.removeprefix(iris.W3ID + "/")  # iodm, iodm/pko …
        rel = document.removeprefix("iodm").lstrip("/")  # "", pko …
        for ext, media in EXTENSIONS.items():
            answer = get(hosts.iri(rel), media)
            assert_see_other(answer, f"{hosts.site}{document}{ext}", negotiated=True)
            landed = get(answer.location or "", media)
            assert landed.status == 200 and landed.media_type == media, (ns, media)
            if media != "text/html":
                fmt = ox.RdfFormat.from_media_type(media)
                assert fmt is not None
                assert any(True for _ in ox.parse(landed.body, format=fmt)), (ns, media)
            else:
                assert b"<html" in landed.body.lower()


# --- resources and their documents ------------------------------------------------------------


def test_every_data_iri_is_303_to_its_document(hosts: Hosts, published: Published) -> None:
    resources = sorted(
        {
            t.value
            for q in published.quads()
            for t in (q.subject, q.object)
            if isinstance(t, ox.NamedNode) and t.value.startswith(ID) and len(t.value) > len(ID)
        }
    )
    assert len(resources) > 100
    formats = list(EXTENSIONS.items())
    for i, iri in enumerate(resources):
        rel = iri.removeprefix(ID)
        ext, media = formats[i % len(formats)]
        for section in ("id", "doc"):
            answer = get(hosts.iri(f"{section}/{rel}"), media)
            assert_see_other(answer, f"{hosts.site}doc/{rel}{ext}", negotiated=True)
        assert (hosts.root / f"doc/{rel}{ext}").is_file(), iri


def test_redirects_land_on_documents_in_the_format_asked_for(hosts: Hosts) -> None:
    for ext, media in EXTENSIONS.items():
        answer = get(hosts.iri("id/mission/unmil"), media)
        assert answer.location == f"{hosts.site}doc/mission/unmil{ext}"
        landed = get(answer.location, media)
        assert landed.status == 200 and landed.media_type == media
        if media != "text/html":
            fmt = ox.RdfFormat.from_media_type(media)
            assert fmt is not None
            subjects = {q.subject for q in ox.parse(landed.body, format=fmt)}
            assert ox.NamedNode(f"{ID}mission/unmil") in subjects


# --- the dataset --------------------------------------------------------------------------------


def test_void_graphs_and_dumps(hosts: Hosts, published: Published) -> None:
    assert_see_other(get(hosts.iri("void"), "text/html"), f"{hosts.site}void.ttl", negotiated=False)
    for graph in published.graphs:
        rel = graph.removeprefix(iris.BASE + "/")
        assert rel.startswith("graph/"), graph
        answer = get(hosts.iri(rel), "text/turtle")
        assert_see_other(answer, f"{hosts.site}dumps/iodm.trig", negotiated=False)
    names = [
        line.split("  ")[1] for line in (hosts.root / "dumps/SHA256SUMS").read_text().splitlines()
    ]
    for name in [*names, "SHA256SUMS"]:
        answer = get(hosts.iri(f"dumps/{name}"))
        assert_see_other(answer, f"{hosts.site}dumps/{name}", negotiated=False)
        landed = get(answer.location or "")
        assert landed.status == 200 and landed.body == (hosts.root / "dumps" / name).read_bytes()
    trig = get(f"{hosts.site}dumps/iodm.trig")
    assert trig.media_type == "application/trig"
    assert {q.graph_name.value for q in ox.parse(trig.body, format=ox.RdfFormat.TRIG)} >= set(
        published.graphs
    )


# --- what the rules do not know -----------------------------------------------------------------


@pytest.mark.parametrize(
    "rel",
    [
        "nothing/here",
        "pkox",
        "id/",
        "doc/mission/unmil.ttl",  # a document with its extension: a file of the site, no IRI
        "dumps/iodm.xml",
        "graph/",
        "voids",
    ],
)
def test_unknown_iris_are_404(hosts: Hosts, rel: str) -> None:
    answer = get(hosts.iri(rel), "text/turtle")
    assert answer.status == 404, (rel, answer.status, answer.location)
    assert "accept" not in answer.vary


def test_an_unknown_data_iri_is_303_then_404(hosts: Hosts) -> None:
    answer = get(hosts.iri("id/mission/no-such-mission"), "text/turtle")
    assert_see_other(answer, f"{hosts.site}doc/mission/no-such-mission.ttl", negotiated=True)
    assert get(answer.location or "", "text/turtle").status == 404


# --- the site itself, hosted by an Apache that reads its .htaccess ------------------------------


def test_the_site_serves_its_own_files_as_they_are(hosts: Hosts) -> None:
    home = get(hosts.site, "text/turtle")
    assert home.status == 200 and home.body == (hosts.root / "index.html").read_bytes()
    media = {
        **EXTENSIONS,
        ".css": "text/css",
        ".nq": "application/n-quads",
        ".trig": "application/trig",
    }
    one_of_each: dict[tuple[Path, str], Path] = {}
    for path in sorted(hosts.root.rglob("*")):
        if path.is_file() and not path.name.startswith(".ht"):
            one_of_each.setdefault((path.parent, path.suffix), path)
    assert len(one_of_each) > 10
    for path in one_of_each.values():
        rel = path.relative_to(hosts.root).as_posix()
        answer = get(f"{hosts.site}{rel}", "text/turtle")
        assert answer.status == 200, (rel, answer.status, answer.location)
        assert answer.body == path.read_bytes(), rel
        assert "accept" not in answer.vary, rel
        if path.suffix in media:
            assert answer.media_type == media[path.suffix], rel


def test_the_site_answers_w3id_paths_without_loops(hosts: Hosts) -> None:
    answer = get(f"{hosts.site}id/mission/unmil", "application/ld+json")
    assert_see_other(answer, f"{hosts.site}doc/mission/unmil.jsonld", negotiated=True)
    assert get(answer.location or "", "application/ld+json").status == 200
    assert_see_other(get(f"{hosts.site}void"), f"{hosts.site}void.ttl", negotiated=False)
    for missing in ("doc/mission/no-such-mission.html", "dumps/nothing.ttl", "iodm/nothing.ttl"):
        assert get(f"{hosts.site}{missing}").status == 404, missing


def test_apache_logged_no_error(hosts: Hosts) -> None:
    log = (hosts.root.parent / "error.log").read_text()
    assert not re.search(r"\[(\w+:)?(error|crit|alert|emerg)\]", log), log[-3000:]
