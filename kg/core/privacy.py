"""An interviewee who chose anonymity is never published: the filter every publication goes through.

The paper "offered the option of full anonymity or partial identification to all interviewees".
The SHACL shapes already forbid a name on such an interview; this filter is the second line of
defence, applied to the quads *before* the server or the static site can read them, so no page,
dump or SPARQL query (aggregates and FILTERs included) can reach what it withholds.

Protected interviews: every instance of ``iodm:Interview`` (or of a subclass) whose anonymity is
not exactly ``iodm:Named`` — an interview with no recorded anonymity level is protected too — and
anything whose ``iodm:anonymity`` is ``iodm:Anonymous`` or ``iodm:PartiallyIdentified``.

Withheld, for each protected interview:

1. its name statements (``iodm:intervieweeName``, ``foaf:name``, ``schema:name`` … see
   :data:`NAME_PROPERTIES`);
2. every statement about or pointing to its interviewee (the object of ``iodm:interviewee``, or
   any person linked to it either way): the person's IRI itself may spell the name;
3. every statement anywhere whose literal or IRI contains one of the names withheld in 1 and 2
   (as words, or as an IRI slug such as ``jane-doe``).

What no filter can catch: a name written into free text (say, a published role) with nothing
marking it as a name. The shapes and the curators are the first line there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.core.namespaces import foaf, iodm, prov, rdf, rdfs, schema, schema_http, skos, vcard

# Every term below is a closed-namespace attribute: a misspelt one raises when this module is
# imported, instead of quietly withholding nothing.

#: Properties whose value is a person's name (or part of it).
NAME_PROPERTIES = frozenset(
    {
        iodm.intervieweeName,
        iodm.fullName,
        foaf.name,
        foaf.givenName,
        foaf.familyName,
        foaf.firstName,
        foaf.lastName,
        foaf.surname,
        foaf.nick,
        vcard.fn,
        vcard["given-name"],
        vcard["family-name"],
        vcard.nickname,
        schema.name,
        schema.givenName,
        schema.familyName,
        schema.alternateName,
        schema_http.name,
        schema_http.givenName,
        schema_http.familyName,
        schema_http.alternateName,
    }
)
#: Labels: withheld (and their text remembered as names) for a protected interviewee.
LABEL_PROPERTIES = frozenset({rdfs.label, skos.prefLabel, skos.altLabel})
PERSON_CLASSES = frozenset(
    {foaf.Person, prov.Person, iodm.Official, schema.Person, schema_http.Person}
)
INTERVIEW = iodm.Interview
NAMED = iodm.Named
PROTECTED_LEVELS = frozenset({iodm.Anonymous, iodm.PartiallyIdentified})
MIN_NAME_LENGTH = 4  # shorter "names" would withhold half the graph by accident

_TYPE = rdf.type
_SUBCLASS = rdfs.subClassOf
_ANONYMITY = iodm.anonymity
_INTERVIEWEE = iodm.interviewee


@dataclass
class Filtered:
    """What the filter kept, and how much it withheld (never what: that would publish it)."""

    quads: list[ox.Quad]
    withheld: int = 0
    protected_interviews: int = 0
    protected_people: int = 0
    names: frozenset[str] = field(default=frozenset(), repr=False)


def protect(quads: Iterable[ox.Quad]) -> Filtered:
    """The quads with every identifying statement about anonymous interviewees removed."""
    quads = list(quads)
    types: dict[ox.NamedNode | ox.BlankNode, set[str]] = {}
    anonymity: dict[ox.NamedNode | ox.BlankNode, set[str]] = {}
    subclasses: dict[str, set[str]] = {}
    for q in quads:
        p = q.predicate.value
        if p == _TYPE and isinstance(q.object, ox.NamedNode):
            types.setdefault(q.subject, set()).add(q.object.value)  # type: ignore[arg-type]
        elif p == _ANONYMITY and isinstance(q.object, ox.NamedNode):
            anonymity.setdefault(q.subject, set()).add(q.object.value)  # type: ignore[arg-type]
        elif p == _SUBCLASS and isinstance(q.object, ox.NamedNode):
            subclasses.setdefault(q.object.value, set()).add(str(q.subject).strip("<>"))
    interview_classes = _closure({INTERVIEW}, subclasses)
    person_classes = _closure(set(PERSON_CLASSES), subclasses)

    protected = {
        s
        for s, ts in types.items()
        if ts & interview_classes and anonymity.get(s, set()) != {NAMED}
    }
    protected |= {s for s, levels in anonymity.items() if levels & PROTECTED_LEVELS}
    if not protected:
        return Filtered(quads)

    people: set[ox.NamedNode | ox.BlankNode] = set()
    for q in quads:
        s, o = q.subject, q.object
        linked = isinstance(o, ox.NamedNode | ox.BlankNode) and (
            q.predicate.value == _INTERVIEWEE or types.get(o, set()) & person_classes  # type: ignore[arg-type]
        )
        if s in protected and linked:
            people.add(o)  # type: ignore[arg-type]
        if o in protected and types.get(s, set()) & person_classes:  # type: ignore[arg-type]
            people.add(s)  # type: ignore[arg-type]
    people -= protected

    names: set[str] = set()
    for q in quads:
        p = q.predicate.value
        if not isinstance(q.object, ox.Literal):
            continue
        if (q.subject in protected and p in NAME_PROPERTIES) or (
            q.subject in people and (p in NAME_PROPERTIES or p in LABEL_PROPERTIES)
        ):
            name = " ".join(q.object.value.split())
            if len(name) >= MIN_NAME_LENGTH:
                names.add(name)
    mentions = _mentions(names)

    kept: list[ox.Quad] = []
    for q in quads:
        if (
            (q.subject in protected and q.predicate.value in NAME_PROPERTIES)
            or q.subject in people
            or q.object in people
            or (mentions is not None and _mentions_any(q, mentions))
        ):
            continue
        kept.append(q)
    return Filtered(kept, len(quads) - len(kept), len(protected), len(people), frozenset(names))


def _closure(roots: set[str], subclasses: dict[str, set[str]]) -> set[str]:
    found, todo = set(roots), list(roots)
    while todo:
        for sub in subclasses.get(todo.pop(), ()):
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def slug(name: str) -> str:
    """An IRI slug as curators write it.

    >>> slug("Jane  O'Doe-Smith")
    'jane-o-doe-smith'
    """
    return re.sub(r"[^0-9a-z]+", "-", name.lower()).strip("-")


def _mentions(names: set[str]) -> tuple[re.Pattern[str], re.Pattern[str]] | None:
    if not names:
        return None
    words = "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in sorted(names, key=len)[::-1])
    slugs = "|".join(re.escape(slug(n)) for n in names if len(slug(n)) >= MIN_NAME_LENGTH)
    text = re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.I)
    iri = re.compile(rf"(?:{slugs or words})", re.I)
    return text, iri


def _mentions_any(q: ox.Quad, mentions: tuple[re.Pattern[str], re.Pattern[str]]) -> bool:
    return any(_term_mentions(t, mentions) for t in (q.subject, q.predicate, q.object))


def _term_mentions(t: object, mentions: tuple[re.Pattern[str], re.Pattern[str]]) -> bool:
    text, iri = mentions
    if isinstance(t, ox.Literal):
        return bool(text.search(t.value))
    if isinstance(t, ox.NamedNode):
        return bool(iri.search(t.value) or text.search(t.value))
    if isinstance(t, ox.Triple):
        return any(_term_mentions(x, mentions) for x in (t.subject, t.predicate, t.object))
    return False
