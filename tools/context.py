"""Generate ``ontology/iodm-context.jsonld``, the JSON-LD context of IODM's data.

Published at https://w3id.org/iodm/context.jsonld (``iodm serve`` and ``iodm publish`` serve it
at ``/context.jsonld``) and shipped in the package beside the ontology: ``iodm export --format
jsonld`` compacts with it. ``python -m tools.context`` rewrites the file; a test fails when it
is out of step with ``ontology/``.

What the context holds:

- the prefixes of the vocabularies IODM's data uses (:data:`PREFIXES`);
- a term for each class and property that the ontology files (``ontology/*.ttl``: the core and
  its modules) declare, named by its local name: ``Post`` for ``iodm:Post``. An object property
  coerces its values to IRIs (``"@type": "@id"``); a datatype property whose range is one XSD
  datatype coerces to that type (``"@type": "xsd:decimal"``), except ``xsd:string``, the type
  of a plain string; other properties (an annotation, a range such as ``iodm:FlexibleDate``
  that admits several datatypes) leave each value its own type. Where the core and a module
  declare the same local name (``iodm:IOHeadquarters``, ``pko:IOHeadquarters``) the core's
  term has it; a local name that is a prefix gets no term (it is written as a prefixed name).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from kg.core.namespaces import NAMESPACES
from kg.core.resources import ontology_dir

CONTEXT = Path(__file__).resolve().parents[1] / "ontology" / "iodm-context.jsonld"
#: where the context is published
URL = "https://w3id.org/iodm/context.jsonld"

#: the prefixes of the context, in this order: IODM's own, then the vocabularies it reuses
PREFIXES = (
    "iodm",
    "pko",
    "org",
    "prov",
    "time",
    "skos",
    "geo",
    "geosparql",
    "dcterms",
    "dcat",
    "void",
    "foaf",
    "vcard",
    "bibo",
    "rdf",
    "rdfs",
    "owl",
    "xsd",
)

OWL = "http://www.w3.org/2002/07/owl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
KINDS = {
    OWL + "Class": "class",
    RDFS + "Class": "class",
    OWL + "ObjectProperty": "object",
    OWL + "DatatypeProperty": "datatype",
    OWL + "AnnotationProperty": "annotation",
}


def declarations() -> dict[str, tuple[str, str | None]]:
    """IRI -> (kind, the one XSD datatype of its range or None), for every class and property
    of IODM's namespaces that ``ontology/*.ttl`` declare."""
    import pyoxigraph as ox

    own = tuple(NAMESPACES[p] for p in ("iodm", "pko"))
    kinds: dict[str, str] = {}
    ranges: dict[str, set[str]] = {}
    for path in sorted(ontology_dir().glob("*.ttl")):
        for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            s, p, o = t.subject, t.predicate.value, t.object
            if not isinstance(s, ox.NamedNode) or not s.value.startswith(own):
                continue
            if p == RDF_TYPE and isinstance(o, ox.NamedNode) and o.value in KINDS:
                kind = KINDS[o.value]
                if kinds.get(s.value, kind) != kind:
                    raise SystemExit(f"{s.value} is declared both {kinds[s.value]} and {kind}")
                kinds[s.value] = kind
            elif p == RDFS + "range" and isinstance(o, ox.NamedNode):
                ranges.setdefault(s.value, set()).add(o.value)
    found: dict[str, tuple[str, str | None]] = {}
    for iri, kind in kinds.items():
        datatypes = ranges.get(iri, set())
        datatype = next(iter(datatypes)) if len(datatypes) == 1 else None
        xsd = kind == "datatype" and datatype is not None and datatype.startswith(XSD)
        found[iri] = (kind, datatype if xsd and datatype != XSD + "string" else None)
    return found


def context() -> dict[str, object]:
    """The context document: ``{"@context": {prefix or term: definition}}``."""
    prefixes = {p: str(NAMESPACES[p]) for p in PREFIXES}
    found = declarations()
    by_name: dict[str, list[str]] = {}
    for iri in found:
        by_name.setdefault(_local(iri), []).append(iri)
    terms: dict[str, object] = {}
    core = str(NAMESPACES["iodm"])
    for name, iris in sorted(by_name.items()):
        if len(iris) > 1:  # the core's term wins over a module's of the same name
            iris = [i for i in iris if i.startswith(core)]
        if len(iris) != 1 or name in prefixes:
            continue  # ambiguous: written as prefixed names
        (iri,) = iris
        kind, datatype = found[iri]
        short = _prefixed(iri, prefixes)
        if kind == "object":
            terms[name] = {"@id": short, "@type": "@id"}
        elif datatype:
            terms[name] = {"@id": short, "@type": _prefixed(datatype, prefixes)}
        else:
            terms[name] = short
    return {"@context": {**prefixes, **terms}}


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _prefixed(iri: str, prefixes: dict[str, str]) -> str:
    for prefix, base in prefixes.items():
        if iri.startswith(base) and iri != base:
            return f"{prefix}:{iri[len(base) :]}"
    return iri


def context_text() -> str:
    return json.dumps(context(), indent=2, ensure_ascii=False) + "\n"


def write_context() -> str:
    text = context_text()
    CONTEXT.write_text(text, encoding="utf-8")
    return text


if __name__ == "__main__":  # pragma: no cover
    text = write_context()
    terms = len(json.loads(text)["@context"]) - len(PREFIXES)
    print(f"wrote {CONTEXT} ({len(PREFIXES)} prefixes, {terms} terms)", file=sys.stderr)
