"""HTTP content negotiation (RFC 9110 §12.5.1): the best offer for an Accept header.

For each offered media type the most specific matching range gives its quality (``type/sub``
beats ``type/*`` beats ``*/*``); the highest quality wins, ties go to the server's order of
offers, and ``q=0`` excludes. No Accept header (or an empty one) accepts the first offer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from kg.core.errors import IODMError

#: RDF documents, in the order offered: pyoxigraph's formats, named by media type (as
#: :func:`kg.core.results.serialize_rdf` takes them) and by file extension.
RDF_FORMATS = (
    ox.RdfFormat.TURTLE,
    ox.RdfFormat.JSON_LD,
    ox.RdfFormat.RDF_XML,
    ox.RdfFormat.N_TRIPLES,
)
RDF_TYPES = tuple(f.media_type for f in RDF_FORMATS)
HTML = "text/html"
#: Documents offer HTML first: a client that accepts anything (``*/*``) gets the page.
DOCUMENT_TYPES = (HTML, *RDF_TYPES)
#: File extensions of the format-specific variants of every document.
EXTENSIONS = {".html": HTML, **{f".{f.file_extension}": f.media_type for f in RDF_FORMATS}}
EXTENSION_OF = {v: k for k, v in EXTENSIONS.items()}


class NotAcceptable(IODMError):
    """None of the offered media types is acceptable to the client (HTTP 406)."""

    def __init__(self, offers: Sequence[str]) -> None:
        listing = "".join(f"\n  {m}" for m in offers)
        super().__init__(
            f"none of the types in your Accept header is available here.\nAvailable:{listing}"
        )
        self.offers = tuple(offers)


def split_extension(path: str) -> tuple[str, str | None]:
    """A document path and the format its extension names, if it has one of ours.

    >>> split_extension("doc/mission/unmil.ttl")
    ('doc/mission/unmil', 'text/turtle')
    >>> split_extension("iodm/pko")
    ('iodm/pko', None)
    """
    for ext, media in EXTENSIONS.items():
        if path.endswith(ext):
            return path[: -len(ext)], media
    return path, None


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    params: int  # how many parameters besides q: more is more specific

    def matches(self, media_type: str) -> int:
        """Specificity of the match (3 exact with parameters … 0 ``*/*``), -1 for none."""
        t, _, s = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != t:
            return -1
        if self.subtype == "*":
            return 1
        if self.subtype != s:
            return -1
        return 3 if self.params else 2


def parse_accept(header: str) -> list[MediaRange]:
    """The media ranges of an Accept header; malformed entries are ignored.

    >>> [(r.type, r.subtype, r.q) for r in parse_accept("text/html;q=0.5, */*;q=0.1")]
    [('text', 'html', 0.5), ('*', '*', 0.1)]
    """
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        t, slash, s = media.partition("/")
        if not slash or not t or not s or (t == "*" and s != "*"):
            continue
        q, params = 1.0, 0
        for f in fields[1:]:
            name, _, value = f.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 0.0
            elif name.strip():
                params += 1
        ranges.append(MediaRange(t, s, q, params))
    return ranges


def negotiate(accept: str | None, offers: Sequence[str]) -> str:
    """The offer the client prefers; :class:`NotAcceptable` when it accepts none of them."""
    media = choose(accept, offers)
    if media is None:
        raise NotAcceptable(offers)
    return media


def choose(accept: str | None, offers: Sequence[str]) -> str | None:
    """The offer the client prefers, or None when it accepts none of them (406).

    >>> choose("text/turtle;q=0.9, text/html;q=0.8", ["text/html", "text/turtle"])
    'text/turtle'
    >>> choose("application/rdf+xml, */*;q=0.1", ["text/html", "application/rdf+xml"])
    'application/rdf+xml'
    >>> choose("text/*, text/html;q=0", ["text/html", "text/turtle"])
    'text/turtle'
    >>> choose("image/png", ["text/html"]) is None
    True
    """
    if not accept or not accept.strip():
        return offers[0] if offers else None
    ranges = parse_accept(accept)
    best: str | None = None
    best_q = 0.0
    for offer in offers:
        specificity, q = -1, 0.0
        for r in ranges:
            s = r.matches(offer)
            if s > specificity:
                specificity, q = s, r.q
        if specificity >= 0 and q > best_q:
            best, best_q = offer, q
    return best
