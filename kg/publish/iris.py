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
"""

from __future__ import annotations

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
