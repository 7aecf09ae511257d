"""Checks on the terms of the user's data, right after parsing: ill-typed literals, terms no
known vocabulary defines, properties of the user's own that nothing declares.

Each finding is a located :class:`~kg.pipeline.validate.ValidationResult` with a stable rule
id (``check:ill-typed-literal``, ``check:unknown-term``, ``check:undeclared-property``) and
what to do, so these join the report of the shapes and checks and are all shown at once.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyoxigraph as ox

from kg.core.errors import Location
from kg.core.namespaces import (
    ID,
    NAMESPACES,
    XSD,
    ClosedNamespace,
    owl,
    pko,
    rdf,
    rdfs,
    schema_http,
    shorten,
)
from kg.core.results import display
from kg.pipeline.load import Source
from kg.pipeline.locate import literal_line
from kg.pipeline.validate import ValidationResult
from kg.store import LoadedGraph

ILL_TYPED = "check:ill-typed-literal"
UNKNOWN_TERM = "check:unknown-term"
UNDECLARED_PROPERTY = "check:undeclared-property"

# --- ill-typed literals --------------------------------------------------------------------------

#: what to write instead, by datatype: every XSD datatype RDF 1.1 admits as a literal's (the
#: ones checked), except xsd:string, where any text is valid
LEXICAL_HINTS = {
    "date": "write it as YYYY-MM-DD (or YYYY-MM with xsd:gYearMonth, YYYY with xsd:gYear)",
    "gYearMonth": "write it as YYYY-MM (or YYYY with xsd:gYear)",
    "gYear": "write it as YYYY, four digits",
    "gMonth": "write it as --MM, e.g. --04",
    "gDay": "write it as ---DD, e.g. ---12",
    "gMonthDay": "write it as --MM-DD, a day the month has, e.g. --04-12",
    "time": "write it as hh:mm:ss, a time zone (Z or +hh:mm) may follow",
    "dateTime": "write it as YYYY-MM-DDThh:mm:ss, a time zone (Z or +hh:mm) may follow",
    "dateTimeStamp": "write it as YYYY-MM-DDThh:mm:ss followed by a time zone (Z or +hh:mm)",
    "duration": "write it as an ISO 8601 duration, e.g. P1Y2M or P3DT4H",
    "yearMonthDuration": "write it as an ISO 8601 duration of years and months, e.g. P1Y2M",
    "dayTimeDuration": "write it as an ISO 8601 duration of days and time, e.g. P3DT4H",
    "integer": "write a whole number in digits, e.g. 12 (no spaces, separators or decimals)",
    "decimal": "write a number with a decimal point, e.g. 12.5 (no comma, no exponent)",
    "double": "write a number such as 12.5 or 1.25E3 (or INF, -INF, NaN)",
    "float": "write a number such as 12.5 or 1.25E3 (or INF, -INF, NaN)",
    "boolean": "write true or false",
    "positiveInteger": "write a whole number greater than 0",
    "nonNegativeInteger": "write a whole number, 0 or more",
    "negativeInteger": "write a whole number less than 0",
    "nonPositiveInteger": "write a whole number, 0 or less",
    "long": "write a whole number between -9223372036854775808 and 9223372036854775807",
    "int": "write a whole number between -2147483648 and 2147483647",
    "short": "write a whole number between -32768 and 32767",
    "byte": "write a whole number between -128 and 127",
    "unsignedLong": "write a whole number between 0 and 18446744073709551615",
    "unsignedInt": "write a whole number between 0 and 4294967295",
    "unsignedShort": "write a whole number between 0 and 65535",
    "unsignedByte": "write a whole number between 0 and 255",
    "normalizedString": "write it without tabs or line breaks",
    "token": "write it without tabs, line breaks, leading, trailing or double spaces",
    "language": "write a language tag, e.g. en or fr-CA",
    "Name": "write an XML name: a letter, _ or : then letters, digits, . - _ :",
    "NCName": "write an XML name without colons: a letter or _ then letters, digits, . - _",
    "NMTOKEN": "write letters, digits, . - _ : only",
    "anyURI": 'write an IRI without spaces or <>"{}|^`\\',
    "hexBinary": "write an even number of hexadecimal digits (0-9, A-F)",
    "base64Binary": "write base64 (A-Z, a-z, 0-9, + and /, padded with =)",
}

# Is a lexical form valid for its datatype? rdflib's Literal(...).ill_typed does not say for
# xsd:gYear or xsd:gYearMonth and accepts "1_000" as an integer, "1e3" as a decimal and
# "2021-04-12" as a dateTime (Python's own parsers); kg.core.terms.well_formed's regexes accept
# "2021-02-30". Oxigraph's XSD datatypes (its SPARQL casts) follow XML Schema 1.1, calendar
# included, so one query over the typed literals answers for all of them at once; the integer
# types (ranges, not all in 64 bits) and the string-like ones (patterns) are checked here.
_CASTS = {
    name: f"isLiteral(xsd:{name}(?t))"
    for name in (
        "date",
        "gYearMonth",
        "gYear",
        "gMonth",
        "gDay",
        "time",
        "dateTime",
        "duration",
        "yearMonthDuration",
        "dayTimeDuration",
        "decimal",
        "double",
        "float",
        "boolean",
    )
}
_CASTS["dateTimeStamp"] = 'isLiteral(xsd:dateTime(?t)) && REGEX(?t, "(Z|[+-][0-9]{2}:[0-9]{2})$")'


def _validity_query() -> str:
    test = "true"
    for name, expression in reversed(_CASTS.items()):
        test = f"IF(?d = xsd:{name}, {expression},\n    {test})"
    return f"""
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
SELECT ?i WHERE {{
  ?i <urn:iodm:datatype> ?d ; <urn:iodm:text> ?t .
  BIND (COALESCE({test}, false) AS ?ok)
  FILTER (!?ok)
}}
"""


_VALIDITY = _validity_query()

#: the integer types: (least, greatest), None for no bound
_INTEGERS: dict[str, tuple[int | None, int | None]] = {
    "integer": (None, None),
    "positiveInteger": (1, None),
    "nonNegativeInteger": (0, None),
    "negativeInteger": (None, -1),
    "nonPositiveInteger": (None, 0),
    "long": (-(2**63), 2**63 - 1),
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-(2**7), 2**7 - 1),
    "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 2**8 - 1),
}
_INTEGER = re.compile(r"[+-]?[0-9]+")
_MONTH_DAY = re.compile(
    r"--(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(?:Z|[+-](?:0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00)?"
)
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_NAME_START = (
    r"A-Za-z_:\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\uFFFD"
)
_NAME_CHAR = _NAME_START + r"\-.0-9\u00B7\u0300-\u036F\u203F-\u2040"
#: the string-like types, by their lexical pattern
_PATTERNS = {
    "normalizedString": r"[^\r\n\t]*",
    "token": r"(?:[^\s]+(?: [^\s]+)*)?",
    "language": r"[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*",
    "Name": f"[{_NAME_START}][{_NAME_CHAR}]*",
    "NCName": f"[{_NAME_START.replace(':', '')}][{_NAME_CHAR.replace(':', '')}]*",
    "NMTOKEN": f"[{_NAME_CHAR}]+",
    "anyURI": r'[^\x00-\x20<>"{}|^`\\]*',
    "hexBinary": r"(?:[0-9A-Fa-f]{2})*",
    "base64Binary": r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?",
    # XML Schema 1.1's: the store's cast also takes Rust's "inf", "Infinity" and "nan"
    **dict.fromkeys(
        ("double", "float"),
        r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[Ee][+-]?[0-9]+)?|[+-]?INF|NaN",
    ),
}


def _valid_here(datatype: str, text: str) -> bool | None:
    """Whether ``text`` is valid for an integer or string-like ``datatype``; None for the
    datatypes the store's casts answer for."""
    if datatype in _INTEGERS:
        if not _INTEGER.fullmatch(text):
            return False
        least, greatest = _INTEGERS[datatype]
        n = int(text)
        return (least is None or n >= least) and (greatest is None or n <= greatest)
    if datatype == "gMonthDay":  # Oxigraph refuses --02-29, which XML Schema allows
        m = _MONTH_DAY.fullmatch(text)
        return m is not None and int(m.group(2)) <= _DAYS[int(m.group(1)) - 1]
    if datatype in _PATTERNS:
        return re.fullmatch(_PATTERNS[datatype], text) is not None
    return None


# Forms certainly valid (a subset of each lexical space: a day up to 28 is in every month, 18
# digits fit Oxigraph's 64-bit integers): most literals, settled without the store. Every
# datatype checked has one, if only a pattern that matches nothing.
_DAY = r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"
_NUMBER = r"-?[0-9]{1,15}(\.[0-9]{1,15})?"
_NOTHING = r"(?!)"
_SURELY_VALID = {
    XSD + name: re.compile(pattern)
    for name, pattern in {
        **dict.fromkeys(LEXICAL_HINTS, _NOTHING),
        "date": _DAY,
        "gYearMonth": r"[0-9]{4}-(0[1-9]|1[0-2])",
        "gYear": r"[0-9]{4}",
        "dateTime": _DAY + r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?Z?",
        "integer": r"-?[0-9]{1,18}",
        "positiveInteger": r"[1-9][0-9]{0,17}",
        "nonNegativeInteger": r"0|[1-9][0-9]{0,17}",
        "decimal": _NUMBER,
        "double": _NUMBER + r"([eE][+-]?[0-9]{1,3})?",
        "float": _NUMBER + r"([eE][+-]?[0-9]{1,3})?",
        "boolean": r"true|false|0|1",
    }.items()
}


@dataclass(frozen=True)
class BadLiteral:
    """An ill-typed literal: the triple that holds it and the source that states it."""

    source: Source
    triple: ox.Triple


@dataclass
class Distinct:
    """The distinct terms of one source: its predicates, the IRIs in object position by what
    the predicate makes them (a class, a property, any term) and its literals as written."""

    predicates: set[ox.NamedNode] = field(default_factory=set)
    classes: set[ox.NamedNode] = field(default_factory=set)
    properties: set[ox.NamedNode] = field(default_factory=set)
    others: set[ox.NamedNode] = field(default_factory=set)
    literals: set[ox.Literal] = field(default_factory=set)


class Scan:
    """Each source's :class:`Distinct` terms, read in one pass over its triples when first
    asked for and kept, so that :func:`ill_typed` and :func:`term_results` share that pass (a
    user's file the store loaded is parsed again for it, as written: at a million triples the
    pass is about 1.4 CPU-s, where each of the two checks reading the triples itself took 1.7
    and 2.7). A check asks about distinct terms first, and reads the triples of a source again
    only when a term is wrong, to say where."""

    def __init__(self) -> None:
        #: by the source's id, with the source itself, so that the id is not reused meanwhile
        self._seen: dict[int, tuple[Source, Distinct]] = {}

    def __call__(self, source: Source) -> Distinct:
        if id(source) not in self._seen:
            self._seen[id(source)] = (source, self._read(source))
        return self._seen[id(source)][1]

    @staticmethod
    def _read(source: Source) -> Distinct:
        seen = Distinct()
        predicates, literals, others = seen.predicates, seen.literals, seen.others
        classes = {ox.NamedNode(p) for p in _CLASS_OBJECTS}
        properties = {ox.NamedNode(p) for p in _PROPERTY_OBJECTS}
        iri, literal = ox.NamedNode, ox.Literal
        for t in source.triples:  # the loop every triple of a source goes through: kept lean
            p, o = t.predicate, t.object
            predicates.add(p)
            if type(o) is iri:
                if p in classes:
                    seen.classes.add(o)
                elif p in properties:
                    seen.properties.add(o)
                else:
                    others.add(o)
            elif type(o) is literal:
                literals.add(o)
        return seen


def ill_typed(sources: Iterable[Source], scan: Scan | None = None) -> list[BadLiteral]:
    """Every triple of every source whose object is not a valid literal of its datatype."""
    scan = scan or Scan()
    sources = list(sources)
    checked = _SURELY_VALID.keys()
    literals = sorted(
        {
            o
            for s in sources
            for o in scan(s).literals
            if o.language is None
            and o.datatype.value in checked
            and not _SURELY_VALID[o.datatype.value].fullmatch(o.value)
        },
        key=lambda o: (o.datatype.value, o.value),
    )
    bad = set()
    asked = []
    for o in literals:
        here = _valid_here(o.datatype.value.removeprefix(XSD), o.value)
        if here is None:
            asked.append(o)
        elif not here:
            bad.add(o)
    if asked:
        bad |= _invalid(asked)
    if not bad:
        return []
    # where they are: the sources holding one are read again, triple by triple
    return [
        BadLiteral(s, t)
        for s in sources
        if not bad.isdisjoint(scan(s).literals)
        for t in s.triples
        if t.object in bad
    ]


def _invalid(asked: Sequence[ox.Literal]) -> set[ox.Literal]:
    """Those of ``asked`` the store's casts find invalid for their datatype."""
    # the lexical form as a plain string beside its datatype: SPARQL's DATATYPE() gives
    # xsd:integer for an xsd:positiveInteger literal on Oxigraph
    store = ox.Store()
    datatype, text = ox.NamedNode("urn:iodm:datatype"), ox.NamedNode("urn:iodm:text")
    for i, o in enumerate(asked):
        node = ox.NamedNode(f"urn:iodm:literal:{i}")
        store.add(ox.Quad(node, datatype, o.datatype))
        store.add(ox.Quad(node, text, ox.Literal(o.value)))
    return {
        asked[int(solution["i"].value.rsplit(":", 1)[1])]
        for solution in store.query(_VALIDITY)  # type: ignore[union-attr]
    }


def ill_typed_results(found: Sequence[BadLiteral]) -> list[ValidationResult]:
    """A located violation for each ill-typed literal (its line, when the file shows it)."""
    results = []
    for bad in found:
        s, p, o = bad.triple.subject, bad.triple.predicate, bad.triple.object
        assert isinstance(o, ox.Literal)
        datatype = o.datatype.value.removeprefix(XSD)
        results.append(
            ValidationResult(
                severity="Violation",
                focus_node=display(s),
                path=display(p),
                value=o.value,
                message=f'"{o.value}" is not a valid xsd:{datatype} ({display(p)}), '
                + LEXICAL_HINTS[datatype],
                shape=ILL_TYPED,
                constraint="sh:DatatypeConstraintComponent",
                location=_literal_location(bad.source, s, o),
                focus_term=s,
            )
        )
    return results


def _literal_location(source: Source, subject: object, o: ox.Literal) -> str:
    where = source.locate(subject.value) if isinstance(subject, ox.NamedNode) else None
    text = source.text()
    if text is not None and source.path is not None:
        line = literal_line(text, o.value, (where.line or 1) if where else 1)
        if line is not None:
            return str(Location(str(source.path), line))
    if where is None and text is None and source.path is not None:
        line = _line_in_file(source.path, o.value)
        if line is not None:
            return str(Location(str(source.path), line))
    return str(where) if where else ""


def _line_in_file(path: Path, lexical: str) -> int | None:
    """The first line of a JSON-LD or RDF/XML file that holds ``lexical`` as a JSON string or
    an XML text or attribute value."""
    import json
    from html import escape

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    for needle in (json.dumps(lexical, ensure_ascii=False), f">{escape(lexical, False)}<"):
        at = text.find(needle)
        if at >= 0:
            return text.count("\n", 0, at) + 1
    return None


def without(sources: Sequence[Source], found: Sequence[BadLiteral]) -> list[Source]:
    """The sources without the triples of the ill-typed literals: what SHACL and the checks see,
    so that a bad literal is reported once, as itself, not also as a false violation."""
    drop: dict[int, set[ox.Triple]] = {}
    for bad in found:
        drop.setdefault(id(bad.source), set()).add(bad.triple)
    for s in sources:  # a loaded graph drops them in its store (the store SHACL runs on)
        if id(s) in drop and isinstance(s.triples, LoadedGraph):
            for t in drop.pop(id(s)):
                s.triples.store.remove(ox.Quad(t.subject, t.predicate, t.object, s.triples.graph))
    return [
        replace(s, triples=[t for t in s.triples if t not in drop[id(s)]]) if id(s) in drop else s
        for s in sources
    ]


# --- unknown terms and undeclared properties ----------------------------------------------------

#: how a vocabulary is named in a message
VOCABULARY_NAMES = {
    "iodm": "IODM",
    "pko": "IODM's peacekeeping module",
    "org": "the W3C Organization Ontology (org:)",
    "prov": "PROV-O (prov:)",
    "time": "OWL-Time (time:)",
    "skos": "SKOS (skos:)",
    "geo": "W3C Basic Geo (geo:)",
    "geosparql": "GeoSPARQL (geosparql:)",
    "dcterms": "DCMI Metadata Terms (dcterms:)",
    "foaf": "FOAF (foaf:)",
    "xsd": "XML Schema datatypes (xsd:)",
    "schema": "schema.org (schema:)",
}
_PROPERTY_TYPES = {rdf.Property} | {
    str(owl) + t for t in owl._terms if t.endswith("Property") and t[0].isupper()
}
_CLASS_TYPES = {owl.Class, rdfs.Class, rdfs.Datatype}
#: properties whose object is a class (checked like an rdf:type's)
_CLASS_OBJECTS = {rdf.type, rdfs.subClassOf, owl.equivalentClass, rdfs.domain, rdfs.range}
#: properties whose object is a property
_PROPERTY_OBJECTS = {rdfs.subPropertyOf, owl.equivalentProperty, owl.inverseOf}
#: IRIs under IODM's own domain (instances, graphs, shapes) are never the user's namespace
_IODM_DOMAIN = "https://w3id.org/iodm"


@dataclass
class Vocabulary:
    """A namespace IODM knows and its classes and properties: the closed term list of
    kg/core/vocab.py plus whatever the loaded files declare in it."""

    prefix: str
    namespace: ClosedNamespace
    classes: set[str]
    properties: set[str]

    @property
    def name(self) -> str:
        return VOCABULARY_NAMES.get(self.prefix, f"{self.prefix}:")


_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def _is_datatype(local: str) -> bool:
    return local.endswith("Literal") or local in ("langString", "dirLangString")


class Terms:
    """What the loaded files and the known vocabularies define, to look terms up in."""

    def __init__(self, sources: Sequence[Source]) -> None:
        namespaces = {**NAMESPACES, "schema_http": schema_http}
        self.vocabularies = []
        for prefix, ns in namespaces.items():
            terms = ns._terms
            if prefix == "xsd":  # datatypes are written in lower case: all are classes here
                classes, properties = set(terms), set()
            else:  # by the naming convention; datatypes (rdf:langString, wktLiteral) are classes
                classes = {t for t in terms if t[:1].isupper() or _is_datatype(t)}
                properties = {t for t in terms if t not in classes}
            self.vocabularies.append(
                Vocabulary(prefix.removesuffix("_http"), ns, classes, properties)
            )
        self.vocabularies.sort(key=lambda v: len(v.namespace), reverse=True)
        self._vocabulary_of: dict[str, Vocabulary | None] = {}
        self.declared_properties: set[str] = set()
        self.declared_classes: set[str] = set()
        self.superclasses: dict[str, set[str]] = {}
        self._sources = sources
        self._types: dict[str, set[str]] | None = None
        a, subclass_of = rdf.type, rdfs.subClassOf  # looked up once, not per triple
        declaring = [ox.NamedNode(t) for t in sorted(_PROPERTY_TYPES | _CLASS_TYPES)]
        for source in sources:
            graph = source.triples
            triples: Iterable[ox.Triple] = graph
            if isinstance(graph, LoadedGraph):  # the statements read here, from the store
                triples = itertools.chain(
                    *(graph.matching(None, ox.NamedNode(a), t) for t in declaring),
                    graph.matching(None, ox.NamedNode(subclass_of)),
                )
            for t in triples:
                if not isinstance(t.object, ox.NamedNode) or isinstance(t.subject, ox.Triple):
                    continue
                s, p, o = t.subject.value, t.predicate.value, t.object.value
                if p == a:
                    if o in _PROPERTY_TYPES:
                        self.declared_properties.add(s)
                    elif o in _CLASS_TYPES:
                        self.declared_classes.add(s)
                elif p == subclass_of:
                    self.superclasses.setdefault(s, set()).add(o)
        for iri in self.declared_properties | self.declared_classes:
            vocabulary = self.vocabulary(iri)
            if vocabulary is not None:
                local = iri[len(vocabulary.namespace) :]
                kind = vocabulary.classes if iri in self.declared_classes else vocabulary.properties
                kind.add(local)
        self._known_classes: dict[str, bool] = {}
        self._users: dict[str, bool] = {}
        self._unknown: dict[tuple[str, str, str], str | None] = {}

    @property
    def types(self) -> dict[str, set[str]]:
        """Each subject's classes (``rdf:type``), read when first asked for (a loaded graph's
        from the store): only a rare check needs them, and a large dataset types every thing."""
        if self._types is None:
            self._types = {}
            a = ox.NamedNode(rdf.type)
            for source in self._sources:
                graph = source.triples
                typing = graph.matching(None, a) if isinstance(graph, LoadedGraph) else graph
                for t in typing:
                    if (
                        t.predicate == a
                        and isinstance(t.object, ox.NamedNode)
                        and not isinstance(t.subject, ox.Triple)
                    ):
                        self._types.setdefault(t.subject.value, set()).add(t.object.value)
        return self._types

    def vocabulary(self, iri: str) -> Vocabulary | None:
        """The known vocabulary whose namespace the IRI is in (the longest that fits).

        Looked up by the IRI up to its last ``#`` or ``/`` (every namespace ends with one, so
        the namespaces that fit the IRI are those that fit that part, or the part itself when
        the IRI ends there): one lookup for all the IRIs of a namespace, not one per IRI."""
        cut = max(iri.rfind("#"), iri.rfind("/")) + 1
        if cut == len(iri):  # a namespace IRI itself is in none (or in a shorter one)
            cut = max(iri.rfind("#", 0, cut - 1), iri.rfind("/", 0, cut - 1)) + 1
        head = iri[:cut]
        if head not in self._vocabulary_of:
            self._vocabulary_of[head] = next(
                (v for v in self.vocabularies if head.startswith(v.namespace)), None
            )
        return self._vocabulary_of[head]

    def is_users(self, iri: str) -> bool:
        """Is this IRI in the user's own namespace (none IODM knows)?"""
        if iri not in self._users:
            self._users[iri] = not iri.startswith(_IODM_DOMAIN) and self.vocabulary(iri) is None
        return self._users[iri]

    def known_class(self, iri: str) -> bool:
        """A class of a known vocabulary, or a class of the user's under one."""
        if iri not in self._known_classes:
            self._known_classes[iri] = False  # no loop through a cycle of subclasses
            v = self.vocabulary(iri)
            if v is not None:
                self._known_classes[iri] = iri[len(v.namespace) :] in v.classes
            else:
                self._known_classes[iri] = any(
                    self.known_class(c) for c in self.superclasses.get(iri, ())
                )
        return self._known_classes[iri]

    def unknown(self, iri: str, kind: str, label: str = "") -> str | None:
        """The message for a term of a known vocabulary that it does not define as a ``kind``
        ("class", "property", or "term" for any); None when the term is fine or not in a known
        vocabulary. ``label`` names the kind in the message (a datatype is a class here)."""
        key = (iri, kind, label)
        if key not in self._unknown:
            self._unknown[key] = self._message(iri, kind, label)
        return self._unknown[key]

    def _message(self, iri: str, kind: str, label: str) -> str | None:
        v = self.vocabulary(iri)
        if v is None:
            return None
        local = iri[len(v.namespace) :]
        if kind == "term":
            # any object: only in a hash namespace and with a plain local name, as a link to a
            # page under http://purl.org/dc/terms/ or https://schema.org/ is no misspelt term
            if not v.namespace.endswith("#") or not _PLAIN.fullmatch(local):
                return None
            wanted, other = v.classes | v.properties, set()
        elif kind == "class":
            wanted, other = v.classes, v.properties
        else:
            wanted, other = v.properties, v.classes
        if local in wanted or (v.prefix == "rdf" and local[:1] == "_" and local[1:].isdigit()):
            return None
        name, label = f"{v.prefix}:{local}", label or kind
        if local in other:
            other_kind = "property" if kind == "class" else "class"
            return f"{name} is a {other_kind} in {v.name}, not a {label}"
        message = f"{name}: no such {label} in {v.name}"
        suggestions = self._suggest(local, v, kind)
        if suggestions:
            message += f"; did you mean {' or '.join(suggestions)}?"
        else:
            message += "; check the spelling, or use a term of your own namespace"
        return message

    def _suggest(self, local: str, v: Vocabulary, kind: str) -> list[str]:
        terms = sorted(self._pool(v, kind))
        same_case = [t for t in terms if t.lower() == local.lower()]
        close = same_case or difflib.get_close_matches(local, terms, n=2, cutoff=0.75)
        found = [f"{v.prefix}:{t}" for t in close]
        for other in self.vocabularies:  # the same name in another vocabulary (org:reportsTo)
            if other.prefix != v.prefix and local in self._pool(other, kind):
                found.append(f"{other.prefix}:{local}")
        return list(dict.fromkeys(found))[:3]

    @staticmethod
    def _pool(v: Vocabulary, kind: str) -> set[str]:
        if kind == "class":
            return v.classes
        return v.properties if kind == "property" else v.classes | v.properties


def term_results(sources: Sequence[Source], scan: Scan | None = None) -> list[ValidationResult]:
    """Violations for the classes, properties and datatypes of the user's files that the
    vocabularies IODM knows do not define; warnings for properties of the user's own namespace,
    on things of a known class, that no loaded file declares. One result per term, located at
    its first use."""
    users = [s for s in sources if s.is_users]
    if not users:
        return []
    scan = scan or Scan()
    terms = Terms(sources)
    results: dict[tuple[str, str], ValidationResult] = {}

    def report(
        rule: str,
        severity: str,
        iri: str,
        source: Source,
        triple: ox.Triple,
        message: str,
        value: str = "",
    ) -> None:
        key = (rule, iri)
        if key in results:
            return
        where = source.locate_use(iri)
        results[key] = ValidationResult(
            severity=severity,
            focus_node=display(triple.subject),
            path=display(triple.predicate),
            value=value or shorten(iri),
            message=message,
            shape=rule,
            constraint="",
            location=str(where) if where else "",
            focus_term=triple.subject,
        )

    for source in (s for s in users if _may_find(terms, scan(s))):
        for t in source.triples:
            p, o = t.predicate.value, t.object
            message = terms.unknown(p, "property")
            if message:
                report(UNKNOWN_TERM, "Violation", p, source, t, message, display(o))
            elif terms.is_users(p) and p not in terms.declared_properties:
                subject_types = terms.types.get(t.subject.value, set())  # type: ignore[union-attr]
                if any(terms.known_class(c) for c in subject_types):
                    message = (
                        f"{shorten(p)}: this property is not declared; declare it in your "
                        "extension ontology (a owl:DatatypeProperty or owl:ObjectProperty) or "
                        "check the spelling"
                    )
                    report(UNDECLARED_PROPERTY, "Warning", p, source, t, message, display(o))
            if isinstance(o, ox.NamedNode) and not o.value.startswith(ID):
                kind = (
                    "class"
                    if p in _CLASS_OBJECTS
                    else "property"
                    if p in _PROPERTY_OBJECTS
                    else "term"
                )
                message = terms.unknown(o.value, kind)
                if message:
                    report(UNKNOWN_TERM, "Violation", o.value, source, t, message)
            elif isinstance(o, ox.Literal) and o.language is None:
                message = terms.unknown(o.datatype.value, "class", "datatype")
                if message:
                    report(UNKNOWN_TERM, "Violation", o.datatype.value, source, t, message)
    return [*results.values(), *rewrite_results(sources, terms)]


def _may_find(terms: Terms, seen: Distinct) -> bool:
    """Whether :func:`term_results` may find something in a source with these terms: any term
    it would report, or a property of the user's that nothing declares (whether its subject
    is of a known class is asked triple by triple)."""
    return (
        any(
            terms.unknown(p.value, "property")
            or (terms.is_users(p.value) and p.value not in terms.declared_properties)
            for p in seen.predicates
        )
        or any(
            not o.value.startswith(ID) and terms.unknown(o.value, kind)
            for kind, objects in (
                ("class", seen.classes),
                ("property", seen.properties),
                ("term", seen.others),
            )
            for o in objects
        )
        or any(
            o.language is None and terms.unknown(o.datatype.value, "class", "datatype")
            for o in seen.literals
        )
    )


# --- statements that rewrite the ontology ---------------------------------------------------------

ONTOLOGY_AXIOM = "check:ontology-axiom"
SAME_AS = "check:same-as"
NOTHING = "check:owl-nothing"

#: properties whose statements are axioms about their subject: a user's file that makes one
#: about a term of a vocabulary IODM builds on changes what every other statement means
AXIOM_PROPERTIES = frozenset(
    {
        rdf.type,
        rdfs.subClassOf,
        rdfs.subPropertyOf,
        rdfs.domain,
        rdfs.range,
        owl.equivalentClass,
        owl.equivalentProperty,
        owl.disjointWith,
        owl.disjointUnionOf,
        owl.complementOf,
        owl.unionOf,
        owl.intersectionOf,
        owl.oneOf,
        owl.inverseOf,
        owl.propertyDisjointWith,
        owl.propertyChainAxiom,
        owl.hasKey,
        owl.sameAs,
        owl.differentFrom,
        owl.deprecated,
        owl.onProperty,
        owl.someValuesFrom,
        owl.allValuesFrom,
        owl.hasValue,
    }
)
#: vocabularies IODM's ontology is made of or imports: no user's file adds axioms to their terms
#: (a violation); for the others (FOAF, schema.org, DCMI, Basic Geo, GeoSPARQL) an alignment
#: axiom between two vocabularies is a researcher's legitimate choice, so a warning
OWN_VOCABULARIES = frozenset(
    {"iodm", "pko", "org", "prov", "time", "skos", "owl", "rdf", "rdfs", "xsd"}
)
#: the kinds of property OWL 2 DL keeps apart (punning them is a SPARQL check's to report)
PROPERTY_KINDS = frozenset({owl.ObjectProperty, owl.DatatypeProperty, owl.AnnotationProperty})


def rewrite_results(
    sources: Sequence[Source], terms: Terms | None = None
) -> list[ValidationResult]:
    """Statements of the user's files that rewrite IODM's ontology, located:

    - an axiom (:data:`AXIOM_PROPERTIES`) whose subject is a term of one of
      :data:`OWN_VOCABULARIES` and that the packaged files do not state themselves (making an
      ontology class a subclass of ``rdfs:Literal``, declaring ``iodm:Post`` deprecated, giving
      an IODM property another domain): a violation; about a term of another known vocabulary:
      a warning (an alignment of vocabularies is the researcher's to make, but the reasoner then
      applies it to IODM's data too);
    - ``owl:sameAs`` between two curated resources, two missions, or with an ontology term: a
      violation (IODM counts missions and curated resources as distinct); with a resource of
      the user's: nothing, that is how a researcher links data to the curated graph;
    - ``rdf:type owl:Nothing`` (or ``rdfs:subClassOf owl:Nothing`` of a class of a known
      vocabulary): a violation, the data is then inconsistent;

    An IRI declared as two kinds of property (object, datatype, annotation) is the SPARQL check
    ``check:dl-illegal-punning-violation``'s to report, not repeated here.
    """
    users = [s for s in sources if s.is_users]
    if not users:
        return []
    terms = terms or Terms(sources)
    packaged = {t for s in sources if not s.is_users for t in s.triples}
    missions = _subclasses(terms, {pko.PeacekeepingOperation})
    results: dict[tuple[str, str, str], ValidationResult] = {}

    def report(
        rule: str, severity: str, source: Source, t: ox.Triple, message: str, key: str = ""
    ) -> None:
        s = t.subject.value  # type: ignore[union-attr]
        k = (rule, s, key or t.predicate.value)
        if k in results:
            return
        where = source.locate(s) or source.locate_use(s)
        results[k] = ValidationResult(
            severity=severity,
            focus_node=display(t.subject),
            path=display(t.predicate),
            value=display(t.object),
            message=message,
            shape=rule,
            constraint="",
            location=str(where) if where else "",
            focus_term=t.subject,
        )

    same_as, a, nothing = owl.sameAs, rdf.type, owl.Nothing  # looked up once, not per triple
    for source in users:
        graph = source.triples
        triples: Iterable[ox.Triple] = graph
        if isinstance(graph, LoadedGraph):  # only these predicates matter: from the store
            triples = itertools.chain.from_iterable(
                _typings(graph, terms) if p == a else graph.matching(None, ox.NamedNode(p))
                for p in sorted({same_as, *AXIOM_PROPERTIES})
            )
        for t in triples:
            s, p, o = t.subject, t.predicate.value, t.object
            if not isinstance(s, ox.NamedNode):
                continue
            if p != same_as and p not in AXIOM_PROPERTIES:
                continue
            if p == same_as and isinstance(o, ox.NamedNode) and o != s:
                why = _same_as(terms, missions, s.value, o.value)
                if why:
                    report(
                        SAME_AS,
                        "Violation",
                        source,
                        t,
                        f"{shorten(s.value)} owl:sameAs {shorten(o.value)}: {why}; IODM counts "
                        "them as distinct, and the reasoner would merge everything said about them",
                        o.value,
                    )
                continue
            if p == a and isinstance(o, ox.NamedNode) and o.value == nothing:
                report(
                    NOTHING,
                    "Violation",
                    source,
                    t,
                    f"{shorten(s.value)} is declared a member of owl:Nothing, the empty class: "
                    "the data would be inconsistent; remove the statement",
                )
                continue
            vocabulary = terms.vocabulary(s.value)
            if vocabulary is None or p not in AXIOM_PROPERTIES or t in packaged:
                continue
            if isinstance(o, ox.NamedNode) and o.value in PROPERTY_KINDS:
                continue  # a second kind of property: check:dl-illegal-punning-violation says so
            if p == rdf.type and _declares_as_it_is(vocabulary, s.value, o):
                continue  # restating that a class is a class
            own = vocabulary.prefix in OWN_VOCABULARIES
            report(
                ONTOLOGY_AXIOM,
                "Violation" if own else "Warning",
                source,
                t,
                f"{shorten(s.value)} {shorten(p)} {display(o)}: your file adds an axiom to a "
                f"term of {vocabulary.name}"
                + (
                    ", which only IODM's ontology may define; state it about a term of your "
                    "own namespace (e.g. a subclass of it) instead"
                    if own
                    else "; an alignment of vocabularies is yours to make, but the reasoner "
                    "applies it to all of IODM's data"
                ),
            )
    return list(results.values())


def _typings(graph: LoadedGraph, terms: Terms) -> Iterator[ox.Triple]:
    """The ``rdf:type`` statements of ``graph`` that :func:`rewrite_results` may report: those
    about an IRI in a known vocabulary's namespace, or typing a thing as ``owl:Nothing`` (a
    dataset types each of its things, and the store picks these out without a Python object
    for each of the others)."""
    meta = re.compile(r"[\\.^$|?*+()\[\]{}]")  # escaped in the pattern
    about = "^(" + "|".join(meta.sub(r"\\\g<0>", v.namespace) for v in terms.vocabularies) + ")"
    a = ox.NamedNode(rdf.type)
    for row in graph.store.query(  # type: ignore[union-attr]  # one REGEX: 4x faster than a STRSTARTS each
        f"SELECT ?s ?o WHERE {{ GRAPH {graph.graph} {{ ?s {a} ?o }} "
        f"FILTER (?o = <{owl.Nothing}> || REGEX(STR(?s), {ox.Literal(about)})) }}"
    ):
        yield ox.Triple(row["s"], a, row["o"])  # type: ignore[arg-type,index,union-attr]


def _declares_as_it_is(vocabulary: Vocabulary, iri: str, kind: object) -> bool:
    local = iri[len(vocabulary.namespace) :]
    if isinstance(kind, ox.NamedNode) and kind.value in _CLASS_TYPES:
        return local in vocabulary.classes
    if isinstance(kind, ox.NamedNode) and kind.value in _PROPERTY_TYPES:
        return local in vocabulary.properties
    return False


def _subclasses(terms: Terms, roots: set[str]) -> set[str]:
    found = set(roots)
    changed = True
    while changed:
        changed = False
        for c, supers in terms.superclasses.items():
            if c not in found and supers & found:
                found.add(c)
                changed = True
    return found


def _same_as(terms: Terms, missions: set[str], a: str, b: str) -> str | None:
    """Why ``a owl:sameAs b`` is refused, or None."""
    if a.startswith(ID) and b.startswith(ID):
        return "both are curated resources"
    if terms.types.get(a, set()) & missions and terms.types.get(b, set()) & missions:
        return "both are missions"
    for iri in (a, b):
        v = terms.vocabulary(iri)
        if v is not None:
            return f"{shorten(iri)} is a term of {v.name}"
    return None
