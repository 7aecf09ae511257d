"""Where a Turtle or N-Triples file states a subject or mentions a term: line numbers.

pyoxigraph's parser gives triples without positions, and rdflib's gives none either, so the
lines are found by a small scanner of our own. It reads just enough of the Turtle grammar to
know where each statement starts (prefix and base directives, prefixed names, full IRIs
resolved against the base, ``a``, strings and long strings that may span lines, comments,
blank nodes and collections that may nest, statements over several lines) and is run only
when a result needs a line, on files that already parsed: a cheap pass over the text, not a
second parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

# Whitespace matches no alternative, so finditer skips it in C; lines are counted only when a
# term is first seen (the scan must stay cheap on files of 100k lines).
_TOKEN = re.compile(
    r"""
      (?P<comment>\#[^\n]*)
    | (?P<long>\"\"\"(?:[^"\\]+|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]+|\\.|'(?!''))*''')
    | (?P<string>"(?:[^"\\\n]+|\\.)*"|'(?:[^'\\\n]+|\\.)*')
    | (?P<iri><[^<>"{}|^`\\\s]*>)
    | (?P<punct>\^\^|[;,\[\]()])
    | (?P<word>[^\s<>"'\[\](),;\#]+)
    """,
    re.VERBOSE | re.DOTALL,
)
_LOCAL_ESCAPE = re.compile(r"\\(.)")
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass
class Positions:
    """Lines (1-based) in one file: of each subject's first statement, of each term's first
    mention anywhere (subject, predicate, object or datatype)."""

    subjects: dict[str, int] = field(default_factory=dict)
    mentions: dict[str, int] = field(default_factory=dict)
    prefixes: dict[str, str] = field(default_factory=dict)


def scan(text: str, base: str = "") -> Positions:
    """The lines of the subjects and terms of a Turtle or N-Triples text.

    >>> p = scan('@prefix ex: <https://example.org/> .\\n# note\\nex:a a ex:C ;\\n'
    ...          '  ex:p \"\"\"two\\nlines\"\"\" .\\n<https://example.org/b>\\n'
    ...          '  ex:q [ ex:r ex:c ] .\\n')
    >>> p.subjects["https://example.org/a"], p.subjects["https://example.org/b"]
    (3, 6)
    >>> p.mentions["https://example.org/r"], "https://example.org/c" in p.subjects
    (7, False)
    """
    found = Positions()
    prefixes, mentions, subjects = found.prefixes, found.mentions, found.subjects
    counted, line = 0, 1  # the line at offset `counted`
    depth = 0  # inside [ … ] or ( … )
    expect_subject = True
    directive = ""  # "prefix", "prefix-iri" or "base" while a directive is read
    prefix_name = ""
    expanded: dict[str, str | None] = {}  # word → IRI, for the prefixes as they are now

    def line_at(offset: int) -> int:
        nonlocal counted, line
        line += text.count("\n", counted, offset)
        counted = offset
        return line

    def note(term: str, offset: int) -> None:
        nonlocal expect_subject
        if expect_subject and depth == 0:
            if term not in subjects:
                subjects[term] = line_at(offset)
            expect_subject = False
        if term not in mentions:
            mentions[term] = line_at(offset)

    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "word":  # a directive, a prefixed name, `a`, a number, a language tag, dots
            token = m.group()
            stripped = token.rstrip(".")
            if directive == "prefix":
                prefix_name = stripped.removesuffix(":")
                directive = "prefix-iri"
            elif stripped == "a":
                if RDF_TYPE not in mentions:
                    mentions[RDF_TYPE] = line_at(m.start())
            elif stripped:
                if stripped not in expanded:
                    expanded[stripped] = _expand(stripped, prefixes)
                term = expanded[stripped]
                if term is not None:
                    note(term, m.start())
                else:
                    lower = stripped.lower()
                    if lower in ("@prefix", "prefix"):
                        directive = "prefix"
                    elif lower in ("@base", "base"):
                        directive = "base"
                    elif not stripped.startswith("@"):
                        expect_subject = False  # a number, a boolean or a blank node label
            if len(stripped) < len(token) and depth == 0:
                expect_subject = True
        elif kind == "iri":
            iri = _resolve(base, m.group()[1:-1])
            if directive == "prefix-iri":
                prefixes[prefix_name] = iri
                expanded.clear()
                directive = ""
            elif directive == "base":
                base = iri
                directive = ""
            else:
                note(iri, m.start())
        elif kind == "punct":
            token = m.group()
            if token in "[(":
                if expect_subject and depth == 0:
                    expect_subject = False  # a blank node or a collection as subject
                depth += 1
            elif token in "])":
                depth = max(depth - 1, 0)
        elif kind != "comment":  # a string
            expect_subject = False
    return found


def _resolve(base: str, iri: str) -> str:
    """An IRI resolved against the base (urljoin would drop an empty fragment: ``ns#``)."""
    if not base or _ABSOLUTE.match(iri):
        return iri
    resolved = urljoin(base, iri)
    return resolved + "#" if iri.endswith("#") and not resolved.endswith("#") else resolved


def _expand(word: str, prefixes: dict[str, str]) -> str | None:
    """The IRI of a prefixed name (None for anything else: numbers, ``_:b``, ``true``)."""
    prefix, sep, local = word.partition(":")
    if not sep or prefix == "_" or prefix not in prefixes:
        return None
    return prefixes[prefix] + _LOCAL_ESCAPE.sub(r"\1", local)


def literal_line(text: str, lexical: str, start: int = 1) -> int | None:
    """The first line, from ``start`` on (else from the top), where a typed literal of this
    lexical form is written (``"…"^^`` or ``'…'^^``); None when it is written otherwise
    (escaped, in a long string).

    >>> literal_line('ex:a ex:n "1"^^xsd:integer .\\nex:b ex:n "1"^^xsd:integer .', "1", 2)
    2
    """
    lines = text.split("\n")
    needles = (f'"{lexical}"^^', f"'{lexical}'^^")
    for first in (max(start, 1), 1):
        for i in range(first - 1, len(lines)):
            if any(n in lines[i] for n in needles):
                return i + 1
    return None
