"""Every iodm: and pko: term the query library names is one the ontology defines.

A misspelt term in a query does not fail: it matches nothing, and the query quietly answers
less. This test reads every .rq file under queries/ (the query, and the ``#+`` header lines the
rule runner reads, such as ``#+ pole: iodm:Conciliation``) and names the file and line of each
term that kg/core/vocab.py, kept in step with ontology/ by test_namespaces.py, does not list.

The files are tokenized here after the terminals of the SPARQL 1.1 grammar (section 19.8):
comments, strings, IRIs and prefixed names. rdflib's grammar has those terminals, but scanning
the 77 files with them through pyparsing takes some 13 s against a few milliseconds here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg.core.namespaces import NAMESPACES, PREFIXES
from kg.core.resources import queries_dir

CHECKED = ("iodm", "pko")

_PN_PREFIX = r"[^\W\d_](?:[\w.\-]*[\w\-])?"
_PN_LOCAL = (
    r"""(?:[\w:]|%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])(?:[\w.\-:]|%[0-9A-Fa-f]{2}|\\.)*"""
)
_PNAME = rf"(?<![\w.\-:?$])(?P<prefix>{_PN_PREFIX})?:(?P<local>{_PN_LOCAL})?"
_IRI = r"""<(?P<iri>[^<>"{}|^`\\\x00-\x20]*)>"""
TOKENS = re.compile(
    rf"""
      (?P<header>\#\+[^\r\n]*)
    | \#[^\r\n]*
    | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\" | '''(?:[^'\\]|\\.|'(?!''))*'''
    | "(?:[^"\\\r\n]|\\.)*" | '(?:[^'\\\r\n]|\\.)*'
    | (?i:PREFIX)\s+(?P<declared>{_PN_PREFIX})?:\s*<(?P<declared_iri>[^>]*)>
    | {_IRI}
    | {_PNAME}
    """,
    re.VERBOSE,
)
_IN_HEADER = re.compile(rf"{_IRI}|{_PNAME}")


def undefined_terms(text: str, name: str) -> list[str]:
    """``name:line: term`` for each iodm:/pko: term of a query text the ontology does not define.

    >>> undefined_terms("SELECT * { ?s <https://w3id.org/iodm#Psot> ?o }", "q.rq")
    ['q.rq:1: iodm:Psot (<https://w3id.org/iodm#Psot>)']
    """
    prefixes = dict(PREFIXES)  # what a header may use without declaring it, as the runner does
    found: list[str] = []

    def check(match: re.Match[str], offset: int, trailing: str) -> None:
        if match["iri"] is not None:
            iri, spelt = match["iri"], f"<{match['iri']}>"
        elif match["local"] is not None and (match["prefix"] or "") in prefixes:
            local = re.sub(r"\\(.)", r"\1", match["local"].rstrip(trailing))
            iri, spelt = prefixes[match["prefix"] or ""] + local, match.group().rstrip(trailing)
        else:
            return
        for prefix in CHECKED:
            namespace = NAMESPACES[prefix]
            local = iri.removeprefix(namespace)
            if local != iri and local:
                try:
                    namespace[local]
                except AttributeError:
                    line = text.count("\n", 0, offset + match.start()) + 1
                    term = f"{prefix}:{local}"
                    found.append(
                        f"{name}:{line}: {term}" + ("" if spelt == term else f" ({spelt})")
                    )

    for match in TOKENS.finditer(text):
        if match["declared_iri"] is not None:
            prefixes[match["declared"] or ""] = match["declared_iri"]
        elif match["header"] is not None:
            for inner in _IN_HEADER.finditer(match["header"]):
                check(inner, match.start(), ".:")  # prose: "iodm:HeadOfState: …"
        else:
            check(match, 0, ".")  # a local name may hold dots but not end with one
    return found


QUERY_FILES = sorted(queries_dir().rglob("*.rq"))


def test_the_query_library_is_found() -> None:
    assert len(QUERY_FILES) > 50


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.relative_to(queries_dir()).as_posix())
def test_every_term_a_query_names_is_defined(path: Path) -> None:
    name = path.relative_to(queries_dir().parent).as_posix()
    undefined = undefined_terms(path.read_text(encoding="utf-8"), name)
    assert not undefined, "terms the ontology does not define:\n" + "\n".join(undefined)


def test_a_misspelling_anywhere_in_the_library_is_caught() -> None:
    """The scanner sees the library's terms: spoil every iodm: name and each file must fail."""
    for path in QUERY_FILES:
        text = path.read_text(encoding="utf-8")
        body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
        if re.search(r"\biodm:\w", body):
            spoilt = re.sub(r"\biodm:(?=\w)", "iodm:Zz", text)
            assert undefined_terms(spoilt, path.name), path


TINY = """\
#+ id: tiny
#+ pole: iodm:Conciliaton
#+ question: Which iodm:Interview: …?
# prose is not read: iodm:NotATerm
PREFIX iodm: <https://w3id.org/iodm#>
PREFIX p: <https://w3id.org/iodm/pko#>
SELECT ?s WHERE {
  ?s a iodm:Interview ; iodm:isPublc true .
  ?s iodm:anonymity iodm:Named.
  ?s <https://w3id.org/iodm#fulName> "iodm:inAString" .
  ?m a p:PeacekeepingOperation, p:PeaceKeepingOperation .
}
"""


def test_a_misspelt_term_is_named_with_its_line() -> None:
    assert undefined_terms(TINY, "tiny.rq") == [
        "tiny.rq:2: iodm:Conciliaton",
        "tiny.rq:8: iodm:isPublc",
        "tiny.rq:10: iodm:fulName (<https://w3id.org/iodm#fulName>)",
        "tiny.rq:11: pko:PeaceKeepingOperation (p:PeaceKeepingOperation)",
    ]


def test_defined_terms_pass() -> None:
    fixed = (
        TINY.replace("Conciliaton", "Conciliation")
        .replace("isPublc", "anonymity")
        .replace("fulName", "fullName")
        .replace("PeaceKeeping", "Peacekeeping")
    )
    assert undefined_terms(fixed, "tiny.rq") == []
