"""An interviewee who chose anonymity is never published: the filter every output goes through.

The paper "offered the option of full anonymity or partial identification to all interviewees".
The SHACL shapes already forbid a name on such an interview; this filter is the second line of
defence, applied to the quads *before* the server or the static site can read them, so no page,
dump or SPARQL query (aggregates and FILTERs included) can reach what it withholds.

Protected interviews: every instance of ``iodm:Interview`` (or of a subclass) whose anonymity is
not exactly ``iodm:Named`` — an interview with no recorded anonymity level is protected too — and
anything whose ``iodm:anonymity`` is ``iodm:Anonymous`` or ``iodm:PartiallyIdentified``.

Anything linked to a protected interview by an identity link (``owl:sameAs``,
``skos:exactMatch`` … see :data:`SAME_AS_LINKS`), either way, is protected too: a named
interview said to be the same as an anonymous one loses its name.

Withheld, for each protected interview:

1. its name statements (``iodm:intervieweeName``, FOAF, schema.org and vCard names, DC
   creators and contributors … see :data:`NAME_PROPERTIES`), its SKOS labels, any label that is
   not "Interview with " and the role as published, and the free text about it that a user's
   file wrote (``rdfs:comment``, ``dcterms:description`` … :data:`TEXT_PROPERTIES`; the curated
   graph's is kept);
2. its identity links (:data:`IDENTITY_LINKS`), either way;
3. every statement about or pointing to a person linked to it (the object of
   ``iodm:interviewee``, ``prov:wasAttributedTo``, ``dcterms:creator`` … :data:`PERSON_LINKS`,
   or anything typed a person, linked either way): the person's IRI itself may spell the name;
4. every statement anywhere whose literal or IRI contains one of the names withheld in 1 and 3
   (as words, or as an IRI slug such as ``jane-doe``); a graph whose IRI spells one (a file
   named after the interviewee) is renamed to an opaque IRI.

What no filter can catch: a name written into free text (say, a published role) with nothing
marking it as a name, or an IRI that spells a name stated nowhere. The build refuses the
second for the names it can see (``queries/checks/protected-interview-identified-violation.rq``);
the shapes and the curators are the first line for both.

:func:`protect` is the one filter: ``iodm serve``, ``publish`` and ``push`` read the snapshot
it makes (:mod:`kg.publish.dataset`), and ``iodm export``, the tables, figures and query results
pass their quads through it (:func:`protected_quads`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.core.namespaces import (
    GRAPH,
    dcterms,
    foaf,
    iodm,
    owl,
    prov,
    rdf,
    rdfs,
    schema,
    schema_http,
    skos,
    vcard,
)

# Every term below is a closed-namespace attribute (a misspelt one raises when this module is
# imported, instead of quietly withholding nothing), but for DC 1.1 and the vCard terms the
# closed namespaces lack, spelt out.
_DC = "http://purl.org/dc/elements/1.1/"
_VCARD = "http://www.w3.org/2006/vcard/ns#"

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
        schema.additionalName,
        schema_http.additionalName,
        dcterms.creator,
        dcterms.contributor,
        _DC + "creator",
        _DC + "contributor",
    }
)
#: Labels: withheld (and their text remembered as names) for a protected interviewee.
LABEL_PROPERTIES = frozenset({rdfs.label, skos.prefLabel, skos.altLabel, skos.hiddenLabel})
#: Free text about a protected interview: withheld unless the curated graph states it.
TEXT_PROPERTIES = frozenset(
    {
        rdfs.comment,
        skos.altLabel,
        skos.hiddenLabel,
        skos.note,
        skos.definition,
        dcterms["title"],
        dcterms.description,
        dcterms.abstract,
        schema.description,
        schema_http.description,
    }
)
#: Links from an interview to an agent: the agent is the interviewee's person, withheld whole.
PERSON_LINKS = frozenset(
    {
        iodm.interviewee,
        prov.wasAttributedTo,
        prov.wasAssociatedWith,
        dcterms.creator,
        dcterms.contributor,
        _DC + "creator",
        _DC + "contributor",
        foaf.maker,
        schema.author,
        schema.creator,
        schema.contributor,
        schema_http.author,
        schema_http.creator,
        schema_http.contributor,
        _VCARD + "hasName",
        _VCARD + "n",
    }
)
#: Statements that two IRIs name the same thing: they carry protection along.
SAME_AS_LINKS = frozenset({owl.sameAs, skos.exactMatch, schema.sameAs, schema_http.sameAs})
#: Links to what may name a protected interview: withheld, either way.
IDENTITY_LINKS = SAME_AS_LINKS | frozenset(
    {
        skos.closeMatch,
        rdfs.seeAlso,
        foaf.isPrimaryTopicOf,
        foaf.page,
    }
)
PERSON_CLASSES = frozenset(
    {
        foaf.Person,
        prov.Person,
        iodm.Official,
        schema.Person,
        schema_http.Person,
        _VCARD + "Individual",
    }
)
#: The graphs of the curated data: their labels and comments of interviews are curated.
CURATED_GRAPHS = GRAPH + "data/"
INTERVIEW = iodm.Interview
NAMED = iodm.Named
PROTECTED_LEVELS = frozenset({iodm.Anonymous, iodm.PartiallyIdentified})
MIN_NAME_LENGTH = 4  # shorter "names" would withhold half the graph by accident

_TYPE = rdf.type
_SUBCLASS = rdfs.subClassOf
_ANONYMITY = iodm.anonymity
_INTERVIEWEE = iodm.interviewee
_ROLE = iodm.publishedRole


@dataclass
class Filtered:
    """What the filter kept, and how much it withheld (never what: that would publish it)."""

    quads: list[ox.Quad]
    withheld: int = 0
    protected_interviews: int = 0
    protected_people: int = 0
    names: frozenset[str] = field(default=frozenset(), repr=False)


@dataclass
class _Index:
    """What the statements that say what is protected say (the first pass of :func:`protect`)."""

    protected: set[object]
    types: dict[ox.NamedNode | ox.BlankNode, set[str]]
    roles: dict[ox.NamedNode | ox.BlankNode, set[str]]
    person_classes: set[str]


def _index(quads: Iterable[ox.Quad]) -> _Index:
    types: dict[ox.NamedNode | ox.BlankNode, set[str]] = {}
    anonymity: dict[ox.NamedNode | ox.BlankNode, set[str]] = {}
    roles: dict[ox.NamedNode | ox.BlankNode, set[str]] = {}
    subclasses: dict[str, set[str]] = {}
    same: dict[object, set[object]] = {}
    for q in quads:
        p = q.predicate.value
        if p == _TYPE and isinstance(q.object, ox.NamedNode):
            types.setdefault(q.subject, set()).add(q.object.value)  # type: ignore[arg-type]
        elif p == _ANONYMITY and isinstance(q.object, ox.NamedNode):
            anonymity.setdefault(q.subject, set()).add(q.object.value)  # type: ignore[arg-type]
        elif p == _ROLE and isinstance(q.object, ox.Literal):
            roles.setdefault(q.subject, set()).add(q.object.value)  # type: ignore[arg-type]
        elif p == _SUBCLASS and isinstance(q.object, ox.NamedNode):
            subclasses.setdefault(q.object.value, set()).add(str(q.subject).strip("<>"))
        elif p in SAME_AS_LINKS and isinstance(q.object, ox.NamedNode | ox.BlankNode):
            same.setdefault(q.subject, set()).add(q.object)
            same.setdefault(q.object, set()).add(q.subject)
    interview_classes = _closure({INTERVIEW}, subclasses)
    person_classes = _closure(set(PERSON_CLASSES), subclasses)

    protected: set[object] = {
        s
        for s, ts in types.items()
        if ts & interview_classes and anonymity.get(s, set()) != {NAMED}
    }
    protected |= {s for s, levels in anonymity.items() if levels & PROTECTED_LEVELS}
    todo = list(protected)  # what is the same as a protected interview is protected too
    while todo:
        for other in same.get(todo.pop(), ()):
            if other not in protected:
                protected.add(other)
                todo.append(other)
    return _Index(protected, types, roles, person_classes)


def protect(quads: Iterable[ox.Quad]) -> Filtered:
    """The quads with every statement that could attach a name to a protected interview
    removed (see the module's description)."""
    quads = list(quads)
    index = _index(quads)
    protected, types, roles, person_classes = (
        index.protected,
        index.types,
        index.roles,
        index.person_classes,
    )
    if not protected:
        return Filtered(quads)

    people: set[object] = set()
    for q in quads:
        s, o, p = q.subject, q.object, q.predicate.value
        if not isinstance(o, ox.NamedNode | ox.BlankNode):
            continue
        if s in protected and (p in PERSON_LINKS or types.get(o, set()) & person_classes):
            people.add(o)
        if o in protected and types.get(s, set()) & person_classes:  # type: ignore[arg-type]
            people.add(s)
    people -= protected

    def identifying(q: ox.Quad) -> bool:
        s, p, o = q.subject, q.predicate.value, q.object
        if s in protected:
            if p in NAME_PROPERTIES or p in IDENTITY_LINKS:
                return True
            if p in LABEL_PROPERTIES and p not in TEXT_PROPERTIES:
                return not _role_label(o, roles.get(s, set()))  # type: ignore[arg-type]
            if p in TEXT_PROPERTIES:
                graph = q.graph_name
                return not (
                    isinstance(graph, ox.NamedNode) and graph.value.startswith(CURATED_GRAPHS)
                )
        return o in protected and p in IDENTITY_LINKS

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
    renamed: dict[ox.NamedNode, ox.NamedNode] = {}
    for q in quads:
        if (
            identifying(q)
            or q.subject in people
            or q.object in people
            or (mentions is not None and _mentions_any(q, mentions))
        ):
            continue
        g = q.graph_name
        if mentions is not None and isinstance(g, ox.NamedNode) and _term_mentions(g, mentions):
            if g not in renamed:  # a graph named after a file named after the interviewee
                digest = hashlib.sha256(g.value.encode("utf-8")).hexdigest()[:16]
                renamed[g] = ox.NamedNode(f"{GRAPH}withheld/{digest}")
            q = ox.Quad(q.subject, q.predicate, q.object, renamed[g])
        kept.append(q)
    return Filtered(kept, len(quads) - len(kept), len(protected), len(people), frozenset(names))


def withholds_nothing(store: ox.Store) -> bool:
    """Whether :func:`protect` keeps every quad of the named graphs of ``store`` as it is,
    decided from index lookups instead of a scan of the store (for a build of millions of
    statements): protection, the people linked and the names withheld all start from the
    statements about protected interviews, so :func:`protect` on those (and on the statements
    that say what is protected) withholds nothing and finds no name exactly when it would
    withhold nothing from the whole store."""

    def named(*pattern: object) -> list[ox.Quad]:
        return [
            q
            for q in store.quads_for_pattern(*pattern)  # type: ignore[arg-type]
            if not isinstance(q.graph_name, ox.DefaultGraph)
        ]

    relevant = [
        q
        for p in sorted({_ANONYMITY, _ROLE, _SUBCLASS, *SAME_AS_LINKS})
        for q in named(None, ox.NamedNode(p), None)
    ]
    subclasses: dict[str, set[str]] = {}
    for q in relevant:
        if q.predicate.value == _SUBCLASS and isinstance(q.object, ox.NamedNode):
            subclasses.setdefault(q.object.value, set()).add(str(q.subject).strip("<>"))
    # the types that matter: of interviews and of people (not all, a million at scale)
    for c in sorted(_closure({INTERVIEW, *PERSON_CLASSES}, subclasses)):
        relevant += named(None, ox.NamedNode(_TYPE), ox.NamedNode(c))
    protected = _index(relevant).protected
    if not protected:
        return True
    around = {
        q
        for node in protected
        for pattern in ((node, None, None), (None, None, node))
        for q in store.quads_for_pattern(*pattern)  # type: ignore[arg-type]
        if not isinstance(q.graph_name, ox.DefaultGraph)
    }
    found = protect([*relevant, *around])
    return not found.withheld and not found.names and not found.protected_people


def protected_quads(quads: Iterable[ox.Quad], graph: str | None = None) -> list[ox.Quad]:
    """The quads an output may show, :func:`protect`'s (of ``graph`` only, if given: the filter
    still reads every graph, where a name and the anonymity it breaks may be apart). For
    ``iodm export``, the tables, figures and query results."""
    kept = protect(quads).quads
    if graph is None:
        return kept
    return [
        q for q in kept if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value == graph
    ]


def _role_label(label: object, roles: set[str]) -> bool:
    """Whether a label says no more than "Interview with " and a published role (a date may
    follow), as the shapes ask of an interview not published with a name."""
    if not isinstance(label, ox.Literal):
        return False
    text = " ".join(label.value.split()).lower()
    return any(text.startswith(f"interview with {' '.join(r.split()).lower()}") for r in roles)


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
    if isinstance(t, ox.Literal):  # a file name in the build manifest spells a slug
        return bool(text.search(t.value) or iri.search(t.value))
    if isinstance(t, ox.NamedNode):
        return bool(iri.search(t.value) or text.search(t.value))
    if isinstance(t, ox.Triple):
        return any(_term_mentions(x, mentions) for x in (t.subject, t.predicate, t.object))
    return False
