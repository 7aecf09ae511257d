"""What IODM needs to know about SPARQL text, without a full parser.

A small tokenizer that skips strings, IRIs and comments is enough to find the three things the
store and the protocol layer act on: where a query's top-level WHERE group opens (parameters are
bound there), a query's own dataset clause (``FROM`` / ``FROM NAMED``), and where a ``USING``
clause goes in each operation of an update request (``using-graph-uri`` and
``using-named-graph-uri``, SPARQL 1.1 Protocol §2.2.3). The engine parses the result; this
module never has to decide whether text is valid SPARQL. (rdflib's parser would, but costs
~65 ms a query and does not keep positions in the text.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from kg.core.errors import QueryError

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              | '''(?:[^'\\]|\\.|'(?!''))*'''
              | "(?:[^"\\\n]|\\.)*"
              | '(?:[^'\\\n]|\\.)*')
  | (?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+)
  | (?P<word>[A-Za-z_\u00c0-\uffff][\w.\-\u00b7\u00c0-\uffff]*(?::[^\s{}();,<>"']*)?
            |:[^\s{}();,<>"']*)
  | (?P<punct>.)
    """,
    re.X | re.S,
)


@dataclass(frozen=True)
class Token:
    kind: str  # comment, iri, string, var, word, punct
    text: str
    start: int
    end: int
    depth: int  # brace depth before the token

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words


def tokens(text: str) -> Iterator[Token]:
    """Tokens of SPARQL text (whitespace dropped), each with its brace depth.

    >>> [t.text for t in tokens('SELECT ?x FROM <g> { ?x ?p "a}" }') if t.depth == 0]
    ['SELECT', '?x', 'FROM', '<g>', '{']
    """
    depth = 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "punct"
        if kind == "ws":
            continue
        token = Token(kind, m.group(), m.start(), m.end(), depth)
        if kind == "punct":
            if token.text == "{":
                depth += 1
            elif token.text == "}":
                depth = max(depth - 1, 0)
        yield token


def has_dataset_clause(query: str) -> bool:
    """Whether a query names its own dataset with FROM or FROM NAMED.

    >>> has_dataset_clause("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }")
    True
    >>> has_dataset_clause('SELECT ?from WHERE { ?s ?p "FROM" }')
    False
    """
    return any(t.depth == 0 and t.is_word("FROM") for t in tokens(query))


def main_group_start(query: str) -> int:
    """Index of the ``{`` opening the top-level WHERE group: the first ``{`` at brace depth 0
    after a WHERE at depth 0, or the first at depth 0 when the query has no such WHERE (a SELECT
    may leave it out).

    >>> q = 'SELECT ?x FROM <g> WHERE { ?x ?p "{" } '
    >>> q[main_group_start(q):]
    '{ ?x ?p "{" } '
    """
    top = [t for t in tokens(query) if t.depth == 0]
    where = next((i for i, t in enumerate(top) if t.is_word("WHERE")), 0)
    brace = next((t for t in top[where:] if t.kind == "punct" and t.text == "{"), None)
    if brace is None:
        raise QueryError("cannot bind parameters: the query has no WHERE group")
    return brace.start


def add_using(update: str, default_graphs: Sequence[str], named_graphs: Sequence[str]) -> str:
    """Give every DELETE/INSERT … WHERE operation the protocol's dataset as USING clauses.

    The protocol forbids combining ``using-graph-uri``/``using-named-graph-uri`` with an
    operation that has its own USING or WITH: that raises :class:`QueryError`.

    >>> add_using("INSERT { ?s a <C> } WHERE { ?s ?p ?o }", ["http://g"], [])
    'INSERT { ?s a <C> } USING <http://g> WHERE { ?s ?p ?o }'
    """
    if not default_graphs and not named_graphs:
        return update
    clause = " ".join(
        [f"USING <{_check_iri(g)}>" for g in default_graphs]
        + [f"USING NAMED <{_check_iri(g)}>" for g in named_graphs]
    )
    inserts: list[int] = []
    for operation in _operations(update):
        top = [t for t in operation if t.depth == 0]
        if any(t.is_word("USING", "WITH") for t in top):
            raise QueryError(
                "the request gives using-graph-uri or using-named-graph-uri and the update "
                "has its own USING or WITH clause (SPARQL 1.1 Protocol, section 2.2.3)"
            )
        words = [t for t in top if t.kind == "word" and not _in_prologue(t, top)]
        if not words or not words[0].is_word("DELETE", "INSERT"):
            continue
        after = top.index(words[0]) + 1
        if after < len(top) and top[after].is_word("WHERE", "DATA"):
            continue  # DELETE WHERE, INSERT DATA, DELETE DATA take no USING
        where = next((t for t in top if t.is_word("WHERE")), None)
        if where is not None:
            inserts.append(where.start)
    for at in reversed(inserts):
        update = update[:at] + clause + " " + update[at:]
    return update


def _operations(update: str) -> Iterator[list[Token]]:
    current: list[Token] = []
    for t in tokens(update):
        if t.kind == "comment":
            continue
        if t.kind == "punct" and t.text == ";" and t.depth == 0:
            yield current
            current = []
        else:
            current.append(t)
    if current:
        yield current


def _in_prologue(token: Token, top: list[Token]) -> bool:
    """PREFIX p: <iri> and BASE <iri> words at the start of an operation."""
    i = top.index(token)
    if token.is_word("PREFIX", "BASE"):
        return True
    before = top[i - 1] if i else None
    return before is not None and before.is_word("PREFIX")


def _check_iri(iri: str) -> str:
    if not iri or re.search(r'[<>"{}|^`\\\x00-\x20]', iri):
        raise QueryError(f"not an IRI: {iri!r}")
    return iri
