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

_TOKEN = re.compile(
    r"""
      (?P<nl>\n)
    | (?P<space>[ \t\r]+)
    | (?P<comment>\#[^\n]*)
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
    prefixes = found.prefixes
    line = 1
    depth = 0  # inside [ … ] or ( … )
    expect_subject = True
    directive = ""  # "prefix", "prefix-iri" or "base" while a directive is read
    prefix_name = ""

    def note(term: str) -> None:
        nonlocal expect_subject
        found.mentions.setdefault(term, line)
        if expect_subject and depth == 0:
            found.subjects.setdefault(term, line)
        expect_subject = False

    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        token = m.group()
        if kind == "nl":
            line += 1
        elif kind in ("space", "comment"):
            continue
        elif kind in ("long", "string"):
            line += token.count("\n")
            expect_subject = False
        elif kind == "iri":
            iri = _resolve(base, token[1:-1])
            if directive == "prefix-iri":
                prefixes[prefix_name] = iri
                directive = ""
            elif directive == "base":
                base = iri
                directive = ""
            else:
                note(iri)
        elif kind == "punct":
            if token in "[(":
                if expect_subject and depth == 0:
                    expect_subject = False  # a blank node or a collection as subject
                depth += 1
            elif token in "])":
                depth = max(depth - 1, 0)
        else:  # a word: a directive, a prefixed name, `a`, a number, a language tag, dots
            stripped = token.rstrip(".")
            dots = len(token) - len(stripped)
            lower = stripped.lower()
            if directive == "prefix":
                prefix_name = stripped.removesuffix(":")
                directive = "prefix-iri"
            elif lower in ("@prefix", "prefix"):
                directive = "prefix"
            elif lower in ("@base", "base"):
                directive = "base"
            elif stripped == "a":
                found.mentions.setdefault(RDF_TYPE, line)
            elif stripped:
                term = _expand(stripped, prefixes)
                if term is not None:
                    note(term)
                elif not stripped.startswith("@"):
                    expect_subject = False  # a number, a boolean or a blank node label
            if dots and depth == 0:
                expect_subject = True
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
    """The first line, from ``start`` on, where a literal of this lexical form is written
    (as ``"…"`` or ``'…'``); None when it is written otherwise (escaped, in a long string)."""
    lines = text.split("\n")
    needles = (f'"{lexical}"', f"'{lexical}'")
    for i in range(max(start, 1) - 1, len(lines)):
        if any(n in lines[i] for n in needles):
            return i + 1
    if start > 1:
        return literal_line(text, lexical, 1)
    return None
