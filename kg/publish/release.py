"""``iodm release``: the ontology as files every OWL and RDF tool opens, with a Protégé catalog.

For each IODM ontology (the core ``https://w3id.org/iodm`` and the peacekeeping module
``https://w3id.org/iodm/pko``) two artefacts, each in Turtle, RDF/XML (``.owl``), N-Triples and
JSON-LD:

- **full** (ontology IRI and version IRI of the source): the ontology, its SKOS vocabularies and,
  for a module, everything it imports, merged into one file without ``owl:imports``, so that a
  tool opens it offline. The external terms (W3C ORG, PROV-O, OWL-Time, SKOS, GeoSPARQL, FOAF…)
  are present as IODM declares them (declarations and the few external axioms IODM states, e.g.
  ``org:member`` functional): IODM does not vendor the W3C ontologies, and merging OWL-Time or
  GeoSPARQL whole would bring ``xsd:gYear`` and ``geo:wktLiteral`` ranges that a strict OWL 2 DL
  reasoner refuses.
- **base** (ontology IRI ``…/base``): only the axioms IODM owns, those about terms of its own
  namespace (with their blank-node structures) and the anonymous axioms (disjointness) of its
  file, without the declarations of external terms; for merging into another ontology.

Beside them: the SKOS vocabularies and the SHACL shapes as their own files, versioned copies of
the artefacts under each version IRI's path (``iodm/0.3.0/…``), ``CHANGELOG.ttl`` (the changes
as data) when the source tree has it, and ``catalog-v001.xml`` mapping every ontology and version
IRI to its local file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pyoxigraph as ox

from kg.core.errors import UsageError
from kg.core.files import write_bytes, write_text
from kg.core.namespaces import OWL, PREFIXES, RDF

#: Where IRIs under the project's base live in the release directory.
BASE = "https://w3id.org/"

#: Serializations of each artefact: suffix -> format.
FORMATS: dict[str, ox.RdfFormat] = {
    "ttl": ox.RdfFormat.TURTLE,
    "owl": ox.RdfFormat.RDF_XML,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
}

#: Prefixes written into Turtle artefacts (those the ontology files use).
EXTRA_PREFIXES = {
    "vann": "http://purl.org/vocab/vann/",
    "bibo": "http://purl.org/ontology/bibo/",
    "voaf": "http://purl.org/vocommons/voaf#",
}


@dataclass
class Module:
    """One IODM ontology as its source files give it."""

    name: str  # file stem, e.g. "iodm-pko"
    iri: str  # the ontology IRI
    version_iri: str
    own: list[ox.Triple]  # the ontology file
    vocabularies: list[tuple[Path, list[ox.Triple]]]
    imports: list[str]

    @property
    def namespace(self) -> str:
        return self.iri + "#"


@dataclass
class Artefact:
    """One written file and the IRIs that resolve to it (for the catalog)."""

    path: Path  # relative to the release directory
    iris: list[str] = field(default_factory=list)


@dataclass
class Release:
    out: Path
    artefacts: list[Artefact] = field(default_factory=list)

    def summary(self) -> str:
        mapped = sum(len(a.iris) for a in self.artefacts)
        return (
            f"released {len(self.artefacts)} files into {self.out} "
            f"(catalog-v001.xml maps {mapped} IRIs to them)"
        )


def rel_dir(iri: str) -> Path:
    """The directory of an IRI under the release: ``https://w3id.org/iodm/pko`` → ``iodm/pko``."""
    if not iri.startswith(BASE):
        raise UsageError(f"{iri} is not under {BASE}; the release lays out w3id.org IRIs only")
    return Path(iri[len(BASE) :].strip("/"))


def modules(onto: Path | None = None) -> list[Module]:
    """The IODM ontologies of the ontology directory, with their vocabularies."""
    from kg.core.resources import ontology_dir

    onto = onto or ontology_dir()
    found = []
    vocab = sorted((onto / "vocab").glob("*.ttl"))
    for path in sorted(onto.glob("*.ttl")):
        triples = _parsed(path)
        header = [
            t.subject.value
            for t in triples
            if t.predicate.value == RDF + "type"
            and t.object == ox.NamedNode(OWL + "Ontology")
            and isinstance(t.subject, ox.NamedNode)
        ]
        if len(header) != 1:
            raise UsageError(f"{path}: declares {len(header)} owl:Ontology, expected one")
        iri = header[0]
        version = _value(triples, iri, OWL + "versionIRI")
        if version is None:
            raise UsageError(f"{path}: {iri} has no owl:versionIRI", "add one before releasing")
        is_module = "pko" in path.stem
        vocabs = [(p, _parsed(p)) for p in vocab if ("pko" in p.stem) == is_module]
        imports = [
            t.object.value
            for t in triples
            if t.predicate.value == OWL + "imports" and isinstance(t.object, ox.NamedNode)
        ]
        found.append(Module(path.stem, iri, version, triples, vocabs, imports))
    return found


def _parsed(path: Path) -> list[ox.Triple]:
    """The triples of one of the ontology's files."""
    from kg.pipeline.load import parse_file

    return list(parse_file(path, path.as_uri(), "ontology").triples)


def _value(triples: Iterable[ox.Triple], subject: str, predicate: str) -> str | None:
    for t in triples:
        o = t.object
        if t.subject == ox.NamedNode(subject) and t.predicate.value == predicate:
            return o.value if isinstance(o, (ox.NamedNode, ox.Literal)) else None
    return None


def base_axioms(module: Module) -> list[ox.Triple]:
    """The axioms the module owns: its header, every triple about a term of its namespace, and
    the blank-node structures they (or the file's anonymous axioms) lead to."""
    by_subject: dict[ox.NamedNode | ox.BlankNode, list[ox.Triple]] = {}
    for t in module.own:
        by_subject.setdefault(t.subject, []).append(t)  # type: ignore[arg-type]
    kept: list[ox.Triple] = []
    seen: set[ox.NamedNode | ox.BlankNode] = set()

    def take(node: ox.NamedNode | ox.BlankNode) -> None:
        if node in seen:
            return
        seen.add(node)
        for t in by_subject.get(node, []):
            kept.append(t)
            if isinstance(t.object, ox.BlankNode):
                take(t.object)

    referenced = {t.object for t in module.own if isinstance(t.object, ox.BlankNode)}
    for s in by_subject:
        own = isinstance(s, ox.NamedNode) and (
            s.value == module.iri or s.value.startswith(module.namespace)
        )
        anonymous_axiom = isinstance(s, ox.BlankNode) and s not in referenced
        if own or anonymous_axiom:
            take(s)
    return kept


def _retitle(triples: list[ox.Triple], iri: str, new_iri: str, version: str) -> list[ox.Triple]:
    """The triples with the ontology header moved to ``new_iri`` (version IRI ``version``)."""
    old, new = ox.NamedNode(iri), ox.NamedNode(new_iri)
    out = []
    for t in triples:
        if t.subject == old:
            if t.predicate.value == OWL + "versionIRI":
                t = ox.Triple(new, t.predicate, ox.NamedNode(version))
            elif t.predicate.value == OWL + "priorVersion":
                continue  # earlier versions had no base artefact
            else:
                t = ox.Triple(new, t.predicate, t.object)
        out.append(t)
    return out


def full_axioms(module: Module, by_iri: dict[str, Module]) -> list[ox.Triple]:
    """The module with its vocabularies and everything it imports, merged, without owl:imports.

    The imported ontologies' headers are dropped: the artefact is one ontology, the module's.
    """
    merged: list[ox.Triple] = []
    todo, done = [module.iri], set()
    while todo:
        iri = todo.pop()
        if iri in done:
            continue
        done.add(iri)
        m = by_iri.get(iri)
        if m is None:
            raise UsageError(
                f"{module.iri} imports {iri}, which is not among the ontology files",
                "add the imported ontology to ontology/ or remove the owl:imports",
            )
        todo.extend(m.imports)
        header = ox.NamedNode(m.iri)
        for t in m.own:
            if t.predicate.value == OWL + "imports":
                continue
            if m is not module and t.subject == header:
                continue
            merged.append(t)
        for _, triples in m.vocabularies:
            merged.extend(triples)
    return list(dict.fromkeys(merged))


def serialize(triples: Sequence[ox.Triple], fmt: ox.RdfFormat) -> bytes:
    """The triples in ``fmt``. RDF/XML is rdflib's, with ``rdf:Description`` elements and
    prefixed names: pyoxigraph writes ``<Ontology xmlns="…owl#">``, which owlready2 takes for
    OWL/XML and refuses."""
    if fmt == ox.RdfFormat.RDF_XML:
        from kg.core.terms import rdflib_graph

        graph = rdflib_graph(triples)
        for prefix, ns in {**PREFIXES, **EXTRA_PREFIXES}.items():
            graph.bind(prefix, ns, override=True)
        return graph.serialize(format="xml", encoding="utf-8")
    prefixes = {**PREFIXES, **EXTRA_PREFIXES} if fmt == ox.RdfFormat.TURTLE else None
    if prefixes is not None:
        return ox.serialize(triples, format=fmt, prefixes=prefixes) or b""
    return ox.serialize(triples, format=fmt) or b""


def release(out: Path, onto: Path | None = None) -> Release:
    """Write the release artefacts and the catalog into ``out``."""
    from kg.core.resources import ontology_dir

    onto = onto or ontology_dir()
    found = modules(onto)
    if not found:
        raise UsageError(f"{onto}: no ontology file (*.ttl) to release")
    by_iri = {m.iri: m for m in found}
    result = Release(out)

    def emit(rel: Path, data: bytes, iris: Sequence[str] = ()) -> None:
        write_bytes(out / rel, data)
        result.artefacts.append(Artefact(rel, list(iris)))

    for m in found:
        here, versioned = rel_dir(m.iri), rel_dir(m.version_iri)
        kinds = {
            "full": (full_axioms(m, by_iri), m.iri, m.version_iri),
            "base": (
                _retitle(base_axioms(m), m.iri, m.iri + "/base", m.version_iri + "/base"),
                m.iri + "/base",
                m.version_iri + "/base",
            ),
        }
        for kind, (triples, iri, viri) in kinds.items():
            for suffix, fmt in FORMATS.items():
                data = serialize(triples, fmt)
                name = f"{m.name}-{kind}.{suffix}"
                # the catalog sends each IRI to the RDF/XML file, which every OWL tool reads
                emit(here / name, data, [iri] if suffix == "owl" else [])
                emit(versioned / name, data, [viri] if suffix == "owl" else [])
    for path in sorted((onto / "vocab").glob("*.ttl")) + sorted((onto / "shapes").glob("*.ttl")):
        triples = _parsed(path)
        rel = Path("iodm") / path.parent.name / path.name
        headers = [
            t.subject.value
            for t in triples
            if isinstance(t.subject, ox.NamedNode)
            and t.predicate.value == RDF + "type"
            and t.object == ox.NamedNode(OWL + "Ontology")
        ]
        iris = headers + [v for h in headers if (v := _value(triples, h, OWL + "versionIRI"))]
        emit(rel, serialize(triples, ox.RdfFormat.TURTLE))
        emit(rel.with_suffix(".owl"), serialize(triples, ox.RdfFormat.RDF_XML), iris)
    changes = onto.parent / "CHANGELOG.ttl"
    if changes.is_file():
        emit(Path("iodm") / "CHANGELOG.ttl", changes.read_bytes())
    write_text(out / "catalog-v001.xml", catalog(result.artefacts))
    return result


def catalog(artefacts: Iterable[Artefact]) -> str:
    """An OASIS XML catalog as Protégé reads it (``catalog-v001.xml``): IRI -> local file."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
        '<catalog prefer="public" xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">',
    ]
    for a in artefacts:
        for iri in a.iris:
            name, uri = quoteattr(iri), quoteattr(a.path.as_posix())
            lines.append(f'  <uri id="iodm release" name={name} uri={uri}/>')
    lines.append("</catalog>")
    return "\n".join(lines) + "\n"
