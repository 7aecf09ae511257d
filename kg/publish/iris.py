"""Where each w3id IRI of the project lives on the server, and back.

=====================================  =================================================
IRI                                    server path
=====================================  =================================================
``https://w3id.org/iodm#Term``         ``/iodm`` (hash namespace: the ontology document)
``https://w3id.org/iodm/pko#Term``     ``/iodm/pko`` (likewise any ``…/iodm/X#``)
``https://w3id.org/iodm/id/K/S``       ``/id/K/S`` → 303 See Other → ``/doc/K/S``
``https://w3id.org/iodm/doc/K/S``      ``/doc/K/S`` (the document about ``…/id/K/S``)
``https://w3id.org/iodm/graph/P``      ``/graph/P`` (a named graph)
=====================================  =================================================

The w3id redirect rules (``kg/publish/htaccess``) send ``https://w3id.org/iodm/…`` to the same
paths on the published site.

The namespaces a researcher's dataset declares (``void:uriSpace``, e.g.
``https://example.org/devbank/``) are served under their host and path
(:class:`Namespaces`): ``https://example.org/devbank/id/bank`` is at
``/example.org/devbank/id/bank`` (303 See Other) and its document at
``/doc/example.org/devbank/id/bank``. A redirect from the namespace to
``SITE/example.org/devbank/…`` makes the IRIs dereferenceable; a site deployed at the
namespace's own host answers the IRIs' own paths too (``/devbank/id/bank``, 303 the same way).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote

from kg.core.namespaces import GRAPH, ID

W3ID = "https://w3id.org"
BASE = W3ID + "/iodm"
DOC = BASE + "/doc/"
#: Sections of the w3id space that sit at the site root (``/id/…``, not ``/iodm/id/…``).
SECTIONS = {"id": ID, "doc": DOC, "graph": GRAPH}


def path_of(iri: str) -> str | None:
    """The server path (with any ``#fragment``) for a project IRI; None for others.

    >>> path_of("https://w3id.org/iodm#Post")
    '/iodm#Post'
    >>> path_of("https://w3id.org/iodm/id/mission/unmil")
    '/id/mission/unmil'
    >>> path_of("https://example.org/x") is None
    True
    """
    for name, base in SECTIONS.items():
        if iri.startswith(base) and len(iri) > len(base):
            return f"/{name}/{iri[len(base) :]}"
    if iri == BASE or iri.startswith((BASE + "#", BASE + "/")):
        return "/iodm" + iri[len(BASE) :]
    return None


def iri_of(path: str) -> str | None:
    """The project IRI a server path stands for (no fragment); None for other paths.

    >>> iri_of("/id/mission/unmil")
    'https://w3id.org/iodm/id/mission/unmil'
    >>> iri_of("/iodm/pko")
    'https://w3id.org/iodm/pko'
    """
    head, _, rest = path.lstrip("/").partition("/")
    if head in SECTIONS and rest:
        return SECTIONS[head] + rest
    if head == "iodm":
        return BASE + ("/" + rest if rest else "")
    return None


def namespace_of(iri: str) -> str | None:
    """The hash-namespace document IRI of a term (``…/iodm#Post`` → ``…/iodm``)."""
    if "#" in iri and path_of(iri) is not None and iri.startswith(BASE):
        doc = iri.split("#", 1)[0]
        return doc if not any(doc.startswith(b) for b in SECTIONS.values()) else None
    return None


def href(iri: str, root: str = "/", static: bool = False) -> str:
    """Where a page links to show a resource: its page on this site, or the IRI itself.

    >>> href("https://w3id.org/iodm/id/mission/unmil")
    '/doc/mission/unmil'
    >>> href("https://w3id.org/iodm/pko#HeadOfMissionPost", static=True)
    '/iodm/pko.html#HeadOfMissionPost'
    """
    ext = ".html" if static else ""
    if iri.startswith(ID) and len(iri) > len(ID):
        return f"{root}doc/{iri[len(ID) :]}{ext}"
    ns = namespace_of(iri)
    if ns is not None:
        return f"{root}{ns[len(W3ID) + 1 :]}{ext}#{iri.split('#', 1)[1]}"
    if iri.startswith(GRAPH):
        return iri if static else f"{root}graph/{iri[len(GRAPH) :]}"
    path = path_of(iri)
    if path is not None:
        return f"{root}{path[1:]}{ext}"
    return iri


# --- the namespaces a dataset declares (void:uriSpace) -----------------------------------------

#: a segment of a document path the site may hold as a file name (no "..", no separators)
_SEGMENT = re.compile(r"^[A-Za-z0-9._~!$&'()*+,;=:@%-]+$")


def site_form(namespace: str) -> str:
    """Where a declared namespace lives under ``/doc/`` (and at the site root): the namespace
    without its scheme.

    >>> site_form("https://example.org/devbank/")
    'example.org/devbank/'
    """
    return namespace.split("://", 1)[1]


def safe_path(path: str) -> bool:
    """Whether a path (under the site root) names a file inside the site: no empty, ``.`` or
    ``..`` segment, nothing but IRI characters.

    >>> safe_path("doc/example.org/devbank/id/bank"), safe_path("doc/example.org/../../etc")
    (True, False)
    """
    return all(_SEGMENT.match(s) and s not in (".", "..") for s in path.split("/"))


class Namespaces:
    """Where the IRIs of the namespaces a dataset declares (``void:uriSpace``) live on the site.

    =========================================  ============================================
    IRI                                        server path
    =========================================  ============================================
    ``https://example.org/devbank/id/bank``    ``/example.org/devbank/id/bank`` → 303 See
                                               Other → ``/doc/example.org/devbank/id/bank``
    ``https://example.org/devbank/onto#T``     in ``/doc/example.org/devbank/onto``, at ``#T``
    ``https://example.org/study#x`` (a hash    in ``/doc/example.org/study``, at ``#x``
    namespace)
    =========================================  ============================================

    The IRIs of ``https://w3id.org/iodm/`` keep their own paths (:func:`path_of`). An IRI
    whose path is not safe for a file (:func:`safe_path`) has no document.
    """

    def __init__(self, namespaces: Iterable[str] = ()) -> None:
        self.namespaces = sorted(
            {ns for ns in namespaces if "://" in ns and not ns.startswith(BASE)},
            key=lambda ns: (-len(ns), ns),
        )

    def __bool__(self) -> bool:
        return bool(self.namespaces)

    def namespace(self, iri: str) -> str | None:
        """The declared namespace ``iri`` is in (the longest), or None."""
        return next((ns for ns in self.namespaces if iri.startswith(ns)), None)

    def document_iri(self, iri: str) -> str | None:
        """The IRI whose document holds ``iri``: ``iri`` itself, or the part before its
        ``#``; None outside the declared namespaces."""
        ns = self.namespace(iri)
        if ns is None:
            return None
        if ns.endswith("#"):
            return ns[:-1]
        doc = iri.split("#", 1)[0]
        return doc if len(doc) > len(ns) else None

    def doc_path(self, iri: str) -> str | None:
        """``doc/{host}/{path}`` of the document holding ``iri`` (no leading slash)."""
        doc = self.document_iri(iri)
        if doc is None:
            return None
        path = "doc/" + doc.split("://", 1)[1]
        return path if safe_path(path) else None

    def iri_of_doc(self, path: str) -> str | None:
        """The document IRI that ``doc/{host}/{path}`` is about, or None."""
        if not path.startswith("doc/") or not safe_path(path):
            return None
        return self.iri_at(path[len("doc/") :])

    def iri_at(self, rest: str) -> str | None:
        """The IRI ``{host}/{path}`` stands for under a declared namespace, or None. The IRI's
        own path (``{path}``, without the host) stands for it too, so that a site deployed at the
        namespace's host answers the IRIs themselves; where two namespaces share a path, the
        host form tells them apart (the first declared, longest first, answers the short one).

        >>> ns = Namespaces(["https://example.org/devbank/"])
        >>> ns.iri_at("example.org/devbank/id/bank"), ns.iri_at("devbank/id/bank")
        ('https://example.org/devbank/id/bank', 'https://example.org/devbank/id/bank')
        """
        for ns in self.namespaces:
            form = site_form(ns)
            if ns.endswith("#") and rest == form[:-1]:
                return ns[:-1]
            if rest.startswith(form) and len(rest) > len(form) and not ns.endswith("#"):
                return ns + rest[len(form) :]
        for ns in self.namespaces:
            own = site_form(ns).partition("/")[2]  # the namespace's path on its own host
            if not own or ns.endswith("#"):
                continue
            if rest.startswith(own) and len(rest) > len(own):
                return ns + rest[len(own) :]
        return None

    def href(self, iri: str, root: str = "/", static: bool = False) -> str | None:
        """Where a page links to show ``iri``: its document on this site, with the fragment;
        None outside the declared namespaces."""
        path = self.doc_path(iri)
        if path is None:
            return None
        fragment = "#" + iri.split("#", 1)[1] if "#" in iri else ""
        return f"{root}{quote(path)}{'.html' if static else ''}{fragment}"
