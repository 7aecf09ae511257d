"""The query library: one SPARQL query per ``.rq`` file, with a front-matter header.

The header is a block of ``#+ key: value`` lines at the top of the file::

    #+ id: cq5-long-tenure
    #+ title: Officials with long tenure at one duty station
    #+ question: Which officials served at one duty station longer than N years?
    #+ param: minYears xsd:decimal = 5 | Minimum years at one duty station
    #+ returns: official, dutyStation, years — one row per holding, longest first

``param`` may repeat: ``NAME TYPE [= DEFAULT] | description``, TYPE being ``xsd:…`` for a literal
or ``iri`` for a resource. Values are bound by the engine (see :mod:`kg.store`), never pasted
into the query text. Queries run with the default graph as the union of all named graphs.

``answer`` (at most one) lets the answer a build keeps of a named query (:mod:`kg.answers`)
serve other values of one parameter than its default: every value at least the one given
(``NAME >= VALUE``), or every value (``NAME = VALUE``)::

    #+ answer: minYears >= 0 | ROUND(?years * 12) > ?minYears * 12

The build answers the query with that parameter at that value (``minYears`` at 0); for a value
served (the other parameters at their defaults), the rows are those of the answer kept for which
the expression, SPARQL over the variables of a row and the parameters, is true. The line is a
promise that this is exact: that for each value served, a row is in the query's answer just when
it is in the one kept and the expression holds of it (CQ5: a row's years are its whole months
divided by 12 to two places, so ``ROUND(?years * 12)`` gives back the months its FILTER
compares). Rows keep the order of the answer kept (rows its ORDER BY leaves tied may come in
another order than a run of the query gives them, as they may between two runs).

Rules (``queries/derive/``, ``queries/rules/``, run by :mod:`kg.rules`) say more::

    #+ stage: 1
    #+ factor: factor/place-in-io-hierarchy
    #+ pole: iodm:Conciliation
    #+ passage: passage/section-place-in-io-hierarchy passage/footnote-41
    #+ label: Heads of field presences

``stage`` orders the rules of a folder (a whole number; rules of one stage run by id).
``factor`` and ``pole`` are the decision factor and the pole of the spectrum a lean rule states;
the query reads them as ``?factor`` and ``?pole``, bound from the header like parameters, so the
header is the one place that says them. ``passage`` (may repeat; several per line) names the
passages of the paper a rule encodes, ``label`` what pulls, in a few words (for figures). A
resource is written as a prefixed name (``iodm:Conciliation``), as ``<IRI>``, or as IODM prints
its instances, ``kind/slug`` (for ``https://w3id.org/iodm/id/kind/slug``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

from kg.answers import Answer, prologue
from kg.core.errors import Location, ParseError, QueryError, UsageError
from kg.core.namespaces import ID, XSD, expand, iodm
from kg.core.resources import queries_dir
from kg.core.results import Result, Solutions, Triples
from kg.core.terms import Term, well_formed

R = TypeVar("R")
_HEADER = re.compile(r"^#\+\s*([A-Za-z_-]+)\s*:\s*(.*?)\s*$")
_PARAM = re.compile(
    r"^(?P<name>[A-Za-z_]\w*)\s+(?P<type>iri|xsd:[A-Za-z]+)"
    r"(?:\s*=\s*(?P<default>[^|]*?))?\s*(?:\|\s*(?P<doc>.*))?$"
)
_INSTANCE = re.compile(r"^[a-z][a-z0-9-]*/[^\s/<>]+$")  # kind/slug, as shorten() prints it
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>]+$")
REQUIRED = ("id", "title", "question", "returns")
KNOWN = {
    *REQUIRED,
    *("param", "answer", "explain", "scope", "stage", "factor", "pole", "passage", "label"),
}
_ANSWER = re.compile(
    r"^(?P<name>[A-Za-z_]\w*)\s*(?P<op>>=|=)\s*(?P<value>[^|]*?)\s*\|\s*(?P<keep>.+)$"
)
#: The poles a lean rule may pull toward.
POLES = (iodm.Conciliation, iodm.Confrontation)


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # "iri" or "xsd:…"
    default: str | None = None
    description: str = ""

    def term(self, given: object) -> Term:
        """The RDF term for a value, checked against the type: text as given on the command
        line, or a Python value (int, float, Decimal, bool, date, datetime) from the API."""
        raw = _lexical(given)
        if self.type == "iri":
            value = expand(raw.strip())
            try:
                if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", value):
                    raise ValueError(value)
                return ox.NamedNode(value)  # refuses what no IRI holds: <, >, quotes…
            except ValueError:
                raise UsageError(
                    f"parameter {self.name} expects an IRI, got {raw!r}",
                    "give a full IRI or a prefixed name such as iodm:Post",
                ) from None
        datatype = XSD + self.type.removeprefix("xsd:")
        _check_lexical(self.name, self.type, raw)
        return ox.Literal(raw, datatype=ox.NamedNode(datatype))


def _lexical(value: object) -> str:
    """The lexical form of a parameter value: text as it is, Python values as XSD writes them.

    >>> _lexical(3), _lexical(True), _lexical(2.5), _lexical(dt.date(2010, 11, 28))
    ('3', 'true', '2.5', '2010-11-28')
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):  # date and datetime
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)
    raise UsageError(
        f"a parameter value must be text, a number, a boolean or a date, not {type(value).__name__}"
    )


def _check_lexical(name: str, xsd_type: str, raw: str) -> None:
    if not well_formed(raw, XSD + xsd_type.removeprefix("xsd:")):
        raise UsageError(f"parameter {name} expects {xsd_type}, got {raw!r}")


@dataclass(frozen=True)
class NamedQuery:
    id: str
    title: str
    question: str
    returns: str
    text: str
    path: Path
    params: tuple[Param, ...] = ()
    explain: str = ""  # a message template filled from each row, for diagnostic queries
    group: str = field(default="")  # the folder: cq, checks, rules, derive, diagnose
    stage: int | None = None  # the order of a rule in its folder
    factor: str | None = None  # IRI of the factor a lean rule states, bound as ?factor
    pole: str | None = None  # IRI of the pole it pulls toward, bound as ?pole
    passages: tuple[str, ...] = ()  # IRIs of the passages of the paper a rule encodes
    label: str = ""  # what pulls, in a few words
    #: for checks: "curated" when the check is about the curated graph and runs only on builds
    #: that include it; empty when it holds for any data
    scope: str = ""
    #: the parameter value the build answers the query with, if not its default (``answer``)
    answer: Answer | None = None

    def bindings(self, given: Mapping[str, object] | None = None) -> dict[str, Term]:
        """Terms for the parameters: given values, else defaults; unknown names are errors."""
        given = dict(given or {})
        known = {p.name: p for p in self.params}
        unknown = sorted(set(given) - set(known))
        if unknown:
            names = ", ".join(known) or "none"
            raise UsageError(
                f"query {self.id} has no parameter {', '.join(unknown)}",
                f"its parameters: {names}",
            )
        bound: dict[str, Term] = {}
        for p in self.params:
            raw = given.get(p.name, p.default)
            if raw is None:
                raise UsageError(
                    f"query {self.id} needs parameter {p.name} ({p.type})",
                    f"add -p {p.name}=VALUE",
                )
            bound[p.name] = p.term(raw)
        for name, iri in (("factor", self.factor), ("pole", self.pole)):
            if iri is not None:
                bound[name] = ox.NamedNode(iri)
        return bound

    def run(  # type: ignore[no-untyped-def]
        self,
        store,
        params: Mapping[str, object] | None = None,
        *,
        limit: int | None = None,
        offset: int = 0,
    ) -> Result:
        """Run the query; ``limit`` and ``offset`` keep one page of its rows (see :func:`page`).
        A store holding the query's answer for these parameters (:mod:`kg.answers`) reads the
        page from it instead."""
        answered = self._answered(store, params, limit, offset)
        if answered is not None:
            return answered
        return page(store.query, self.text, self.bindings(params), limit, offset)

    def _answered(  # type: ignore[no-untyped-def]
        self, store, params: Mapping[str, object] | None, limit: int | None, offset: int
    ) -> Solutions | None:
        """The page from the answer ``store`` keeps for this query and parameters, if any."""
        from kg.answers import read

        check_page(limit, offset)
        directory = store.answers()
        return None if directory is None else read(directory, self, params, limit, offset)

    def select(self, store, params: Mapping[str, object] | None = None) -> Solutions:  # type: ignore[no-untyped-def]
        """The rows of a SELECT query (:meth:`kg.store.Store.select`), or of the answer the
        store keeps for it (:mod:`kg.answers`)."""
        answered = self._answered(store, params, None, 0)
        return answered if answered is not None else self._named(store.select, params)

    def construct(self, store, params: Mapping[str, object] | None = None) -> Triples:  # type: ignore[no-untyped-def]
        """The triples of a CONSTRUCT query (:meth:`kg.store.Store.construct`)."""
        return self._named(store.construct, params)

    def _named(
        self, run: Callable[[str, dict[str, Term]], R], params: Mapping[str, object] | None
    ) -> R:
        """Run the query; a query error (of the wrong form, malformed) names this file."""
        try:
            return run(self.text, self.bindings(params))
        except QueryError as e:
            raise QueryError(f"{self.path}: query {self.id}: {e.message}", e.hint) from e


def paged_text(text: str, limit: int | None, offset: int = 0) -> str | None:
    """The query with ``LIMIT``/``OFFSET`` appended, or None when it cannot take them there:
    it has a ``LIMIT``, ``OFFSET`` or trailing ``VALUES`` of its own at the top level.

    >>> paged_text("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s", 10, 20)
    'SELECT * WHERE { ?s ?p ?o } ORDER BY ?s\\nLIMIT 10 OFFSET 20'
    >>> paged_text("SELECT * WHERE { { SELECT ?s { ?s ?p ?o } LIMIT 1 } }", None, 5)
    'SELECT * WHERE { { SELECT ?s { ?s ?p ?o } LIMIT 1 } }\\nOFFSET 5'
    >>> paged_text("SELECT * WHERE { ?s ?p ?o } LIMIT 3", 10) is None
    True
    """
    from kg.core.sparqltext import tokens

    check_page(limit, offset)
    if any(t.depth == 0 and t.is_word("LIMIT", "OFFSET", "VALUES") for t in tokens(text)):
        return None
    modifiers = ([f"LIMIT {limit}"] if limit is not None else []) + (
        [f"OFFSET {offset}"] if offset else []
    )
    return text if not modifiers else text.rstrip() + "\n" + " ".join(modifiers)


def check_page(limit: int | None, offset: int) -> None:
    """A UsageError unless ``limit`` (when given) and ``offset`` are whole numbers ≥ 0."""
    for name, value in (("limit", limit), ("offset", offset)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            raise UsageError(
                f"{name} must be a whole number ≥ 0, not {value!r}", f"e.g. --{name} 100"
            )


def page(
    run: Callable[[str, dict[str, Term]], Result],
    text: str,
    bindings: dict[str, Term],
    limit: int | None,
    offset: int = 0,
) -> Result:
    """One page of a query's rows (CONSTRUCT: of its solutions): ``limit`` rows (all when None)
    after the first ``offset``. The engine cuts the page when the text can take ``LIMIT`` and
    ``OFFSET`` at its end; else the rows are cut here. A yes/no answer is left whole."""
    if limit is None and not offset:
        return run(text, bindings)
    text_of_page = paged_text(text, limit, offset)
    if text_of_page is not None:
        return run(text_of_page, bindings)
    result = run(text, bindings)
    end = None if limit is None else offset + limit
    if isinstance(result, Solutions):
        return Solutions(result.variables, result.rows[offset:end])
    if isinstance(result, Triples):
        return Triples(result.triples[offset:end])
    return result


def parse_query_file(path: Path, group: str = "") -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    params: list[Param] = []
    passages: list[str] = []
    values: dict[str, str | int] = {}
    answer: tuple[int, str] | None = None  # the line and value of an answer header
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#+"):
            if line.strip() and not line.startswith("#"):
                break
            continue
        m = _HEADER.match(line)
        if not m or m.group(1) not in KNOWN:
            raise ParseError(
                Location(str(path), lineno, 1),
                f"bad header line {line!r}",
                f"header keys: {', '.join(sorted(KNOWN))}",
            )
        key, value = m.groups()
        if key == "param":
            pm = _PARAM.match(value)
            if not pm:
                raise ParseError(
                    Location(str(path), lineno, 1),
                    f"bad parameter {value!r}",
                    "write: NAME TYPE [= DEFAULT] | description (TYPE: iri or xsd:…)",
                )
            params.append(Param(pm["name"], pm["type"], pm["default"], pm["doc"] or ""))
        elif key == "answer":
            if answer is not None:
                raise ParseError(Location(str(path), lineno, 1), "a second answer line")
            answer = (lineno, value)
        elif key == "passage":
            passages += [_resource(path, lineno, name) for name in value.replace(",", " ").split()]
        elif key in ("stage", "factor", "pole"):
            values[key] = _rule_value(path, lineno, key, value)
        else:
            meta[key] = value
    missing = [k for k in REQUIRED if not meta.get(k)]
    if missing:
        raise ParseError(Location(str(path), 1, 1), f"header lacks {', '.join(missing)}")
    if meta["id"] != path.stem:
        raise ParseError(Location(str(path), 1, 1), f"id {meta['id']!r} differs from the file name")
    if meta.get("scope", "curated") != "curated":
        raise ParseError(
            Location(str(path), 1, 1), f"unknown scope {meta['scope']!r}", "the one scope: curated"
        )
    clash = sorted({"factor", "pole"} & set(values) & {p.name for p in params})
    if clash:
        raise ParseError(
            Location(str(path), 1, 1),
            f"{', '.join(clash)} is both a header and a parameter",
            "the header binds it: drop the parameter",
        )
    stage, factor, pole = values.get("stage"), values.get("factor"), values.get("pole")
    answered = None if answer is None else _answer(path, *answer, text, params)
    return NamedQuery(
        id=meta["id"],
        title=meta["title"],
        question=meta["question"],
        returns=meta["returns"],
        text=text,
        path=path,
        params=tuple(params),
        explain=meta.get("explain", ""),
        group=group,
        scope=meta.get("scope", ""),
        stage=stage if isinstance(stage, int) else None,
        factor=factor if isinstance(factor, str) else None,
        pole=pole if isinstance(pole, str) else None,
        passages=tuple(passages),
        label=meta.get("label", ""),
        answer=answered,
    )


def _answer(path: Path, lineno: int, value: str, text: str, params: list[Param]) -> Answer:
    """The ``answer`` header line ``value``, checked: it names a parameter, a value of its type
    and an expression that parses (with the query's prefixes)."""
    where = Location(str(path), lineno, 1)
    m = _ANSWER.match(value)
    if not m:
        raise ParseError(
            where,
            f"bad answer line {value!r}",
            "write: NAME = VALUE (or NAME >= VALUE) | SPARQL expression over a row's variables"
            " and the parameters",
        )
    found = [p for p in params if p.name == m["name"]]
    if not found:
        raise ParseError(where, f"answer names no parameter of the query: {m['name']!r}")
    try:
        found[0].term(m["value"])
    except UsageError as e:
        raise ParseError(where, e.message) from None
    try:
        ox.Store().query(f"{prologue(text)} ASK {{ FILTER ({m['keep']}) }}")
    except SyntaxError as e:
        raise ParseError(where, f"answer: the expression does not parse: {e.msg}") from None
    return Answer(m["name"], m["value"], m["keep"], at_least=m["op"] == ">=")


def _rule_value(path: Path, lineno: int, key: str, value: str) -> str | int:
    """The value of a ``stage``, ``factor`` or ``pole`` header line, checked."""
    where = Location(str(path), lineno, 1)
    if key == "stage":
        if not value.isdigit():
            raise ParseError(
                where, f"stage {value!r} is not a whole number", "write e.g. #+ stage: 2"
            )
        return int(value)
    iri = _resource(path, lineno, value)
    if key == "pole" and iri not in POLES:
        raise ParseError(
            where, f"pole {value!r} is neither iodm:Conciliation nor iodm:Confrontation"
        )
    return iri


def _resource(path: Path, lineno: int, name: str) -> str:
    """The IRI of a resource named in a header: ``kind/slug``, a prefixed name or ``<IRI>``.

    >>> _resource(Path("q.rq"), 1, "factor/place-in-io-hierarchy")
    'https://w3id.org/iodm/id/factor/place-in-io-hierarchy'
    >>> _resource(Path("q.rq"), 3, "nonsense")
    Traceback (most recent call last):
    ...
    kg.core.errors.ParseError: q.rq:3:1: 'nonsense' names no resource
      hint: write kind/slug (e.g. passage/footnote-41), a prefixed name or <IRI>
    """
    if _INSTANCE.match(name):
        return ID + name
    iri = expand(name)
    known = iri != name or name.startswith(("http://", "https://"))  # else: an unknown prefix
    if not (known and _ABSOLUTE.match(iri)):
        raise ParseError(
            Location(str(path), lineno, 1),
            f"{name!r} names no resource",
            "write kind/slug (e.g. passage/footnote-41), a prefixed name or <IRI>",
        )
    return iri


@cache
def library(root: Path | None = None) -> dict[str, NamedQuery]:
    """Every query under the queries directory, by id."""
    root = root or queries_dir()
    found: dict[str, NamedQuery] = {}
    for path in sorted(root.rglob("*.rq"), key=_natural):
        q = parse_query_file(path, path.parent.relative_to(root).as_posix())
        if q.id in found:
            raise ParseError(Location(str(path)), f"id {q.id!r} is also {found[q.id].path}")
        found[q.id] = q
    return found


def _natural(path: Path) -> list[str | int]:
    """Sort key putting cq2 before cq10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.as_posix())]


def checks(curated: bool = True) -> list[NamedQuery]:
    """The quality checks (``queries/checks``) that apply to a build: those scoped to the
    curated graph (``#+ scope: curated``) only when it includes the curated graph."""
    return [
        q for q in library().values() if q.group == "checks" and (curated or q.scope != "curated")
    ]


def get(query_id: str) -> NamedQuery:
    queries = library()
    if query_id in queries:
        return queries[query_id]
    close = [i for i in queries if query_id in i]
    raise UsageError(
        f"no query named {query_id!r}",
        f"did you mean {', '.join(close)}?" if close else "`iodm queries` lists them",
    )
