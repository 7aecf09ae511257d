"""The one label policy: how the CLI, the pages and the figures name a resource.

A resource is named by its ``rdfs:label`` (every resource the shapes describe has one, and the
named queries print it), else its ``skos:prefLabel``, ``dcterms:title``, ``foaf:name`` or
``iodm:fullName``. An
English label comes before an untagged one, which comes before any other language; then the
property decides, then the smallest value, so the choice never depends on the order in which a
store returns triples. A SKOS concept with both is named by its ``rdfs:label`` ("CAMEO 19:
Fight", not "Fight") everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pyoxigraph as ox

from kg.core.namespaces import dcterms, foaf, iodm, rdfs, skos

#: Properties that name a resource, best first.
LABEL_PROPERTIES = (rdfs.label, skos.prefLabel, dcterms["title"], foaf.name, iodm.fullName)

_RANK = {p: i for i, p in enumerate(LABEL_PROPERTIES)}

#: Every candidate label of every IRI, for :func:`best_labels` (``?s ?p ?label``).
LABELS_QUERY = (
    "SELECT ?s ?p ?label WHERE { VALUES ?p { "
    + " ".join(f"<{p}>" for p in LABEL_PROPERTIES)
    + " } ?s ?p ?label FILTER(isIRI(?s) && isLITERAL(?label)) }"
)


def _key(prop: str, label: ox.Literal) -> tuple[int, int, str]:
    language = 0 if label.language == "en" else 1 if not label.language else 2
    return (language, _RANK.get(prop, len(_RANK)), label.value)


def best_label(candidates: Iterable[tuple[str, ox.Literal]]) -> str | None:
    """The label the policy picks from (property IRI, literal) pairs; None if there is none.

    >>> en, fr = ox.Literal("Fight", language="en"), ox.Literal("Combattre", language="fr")
    >>> best_label([(skos.prefLabel, en), (rdfs.label, fr)])
    'Fight'
    >>> cameo = ox.Literal("CAMEO 19: Fight", language="en")
    >>> best_label([(skos.prefLabel, en), (rdfs.label, cameo)])
    'CAMEO 19: Fight'
    >>> best_label([(rdfs.label, fr), (rdfs.label, ox.Literal("Combat"))])
    'Combat'
    >>> best_label([]) is None
    True
    """
    best = min(
        ((prop, label) for prop, label in candidates if isinstance(label, ox.Literal)),
        key=lambda c: _key(*c),
        default=None,
    )
    return best[1].value if best else None


def best_labels(rows: Iterable[Sequence[object]]) -> dict[str, str]:
    """IRI → label from the rows of :data:`LABELS_QUERY` (subject, property, label)."""
    found: dict[str, tuple[tuple[int, int, str], str]] = {}
    for s, p, label in rows:
        if not (isinstance(s, ox.NamedNode) and isinstance(p, ox.NamedNode)):
            continue
        if not isinstance(label, ox.Literal):
            continue
        key = _key(p.value, label)
        if s.value not in found or key < found[s.value][0]:
            found[s.value] = (key, label.value)
    return {s: label for s, (_, label) in found.items()}
