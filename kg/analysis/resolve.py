"""Turn what a user typed — a full IRI, ``<iri>``, a prefixed name, a curated ``kind/slug`` or a
label — into the resource it names, or a usage error with a hint."""

from __future__ import annotations

from dataclasses import dataclass

from kg.analysis.facts import select, value
from kg.core.errors import UsageError
from kg.core.namespaces import ID, expand, shorten
from kg.store import Store


@dataclass(frozen=True)
class Resource:
    iri: str
    label: str
    kind: str


_NAMES = """
SELECT ?s ?name WHERE {
  { ?s rdfs:label ?name } UNION { ?s skos:prefLabel ?name } UNION { ?s skos:altLabel ?name }
  UNION { ?s iodm:acronym ?name } UNION { ?s foaf:name ?name }
  FILTER(isIRI(?s))
} ORDER BY ?s
"""


def resolve(
    store: Store,
    text: str,
    kinds: dict[str, str],
    labels: dict[str, str],
    wanted: tuple[str, ...],
    what: str,
) -> Resource:
    """The resource ``text`` names, among those whose kind (``kinds``) is in ``wanted``.

    ``what`` names the wanted things in messages ("an official, post or unit")."""
    text = text.strip()
    if not text:
        raise UsageError(f"give {what}: its IRI or its label")
    iri = _as_iri(text)
    if iri is not None and (iri in kinds or _exists(store, iri)):
        kind = kinds.get(iri)
        if kind not in wanted:
            raise UsageError(
                f"{shorten(iri)} is not {what}",
                f"it is {'a ' + kind if kind else 'of another kind'}; give {what}",
            )
        return Resource(iri, labels.get(iri, shorten(iri)), kind)
    candidates = {s: k for s, k in kinds.items() if k in wanted}
    names: dict[str, list[str]] = {}
    for s, name in select(store, _NAMES).rows:
        if value(s) in candidates:
            names.setdefault(value(s), []).append(value(name))
    folded = text.casefold()
    exact = sorted(s for s, ns in names.items() if any(n.casefold() == folded for n in ns))
    found = exact or sorted(s for s, ns in names.items() if any(folded in n.casefold() for n in ns))
    if len(found) == 1:
        return Resource(found[0], labels.get(found[0], shorten(found[0])), candidates[found[0]])
    if not found:
        raise UsageError(
            f"nothing that is {what} has the IRI or label {text!r}",
            "give a full IRI, a prefixed name, a curated id such as mission/unmil, or a label "
            "(`iodm query --sparql` can list labels)",
        )
    listed = "; ".join(f"{shorten(s)} ({labels.get(s, '')})" for s in found[:8])
    more = f" and {len(found) - 8} more" if len(found) > 8 else ""
    raise UsageError(f"{text!r} names {len(found)} resources: {listed}{more}", "give one IRI")


def _as_iri(text: str) -> str | None:
    """An IRI if ``text`` is written as one (full, ``<…>``, prefixed or ``kind/slug``).

    >>> _as_iri("mission/unmil")
    'https://w3id.org/iodm/id/mission/unmil'
    >>> _as_iri("iodm:Post"), _as_iri("Head of UNMIL") is None
    ('https://w3id.org/iodm#Post', True)
    """
    expanded = expand(text)
    if expanded != text or text.startswith(("http://", "https://", "urn:", "file:")):
        return expanded
    if " " not in text and text.count("/") == 1 and not text.startswith("/"):
        return ID + text
    return None


def _exists(store: Store, iri: str) -> bool:
    import pyoxigraph as ox

    from kg.core.results import Boolean
    from kg.core.terms import Term

    node: Term = ox.NamedNode(iri)
    result = store.query("ASK { { ?s ?p ?o } UNION { ?o ?p ?s } }", {"s": node})
    return isinstance(result, Boolean) and bool(result)
