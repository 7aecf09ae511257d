"""The sheet kinds: `ontology/sheets.toml` (how columns map to RDF), completed from the model.

Whether a column is required, what its property means and which values a vocabulary column
takes are read from the shapes, the ontology and the SKOS vocabularies, never kept by hand: the
template and the reader both use this one description.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from typing import Any

import pyoxigraph as ox

from kg.core.errors import InvalidDataError
from kg.core.namespaces import expand, shorten
from kg.core.resources import ontology_dir

#: kinds of column; "id", "type" and "coder" are the columns every sheet (or coded sheet) has
KINDS = ("text", "boolean", "integer", "decimal", "date", "ref", "concept")
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DCTERMS_SOURCE = "http://purl.org/dc/terms/source"
DERIVED_FROM = "http://www.w3.org/ns/prov#wasDerivedFrom"
SKOS_NOTE = "http://www.w3.org/2004/02/skos/core#note"
CONFIDENCE = "https://w3id.org/iodm#confidence"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@dataclass(frozen=True)
class Concept:
    iri: str
    label: str


@dataclass(frozen=True)
class Column:
    header: str
    kind: str  # one of KINDS, or "id", "type", "coder"
    prop: str = ""  # the property's full IRI ("" for id and coder)
    refs: tuple[str, ...] = ()
    concept_class: str = ""
    many: bool = False
    inverse: bool = False
    on_coding: bool = False  # stated on the row's iodm:Coding, not on the resource
    # completed from the model:
    required_for: tuple[str, ...] = ()  # classes (of the sheet's types) a shape requires it for
    always_required: bool = False
    definition: str = ""
    concepts: tuple[Concept, ...] = ()

    @property
    def required(self) -> bool:
        return self.always_required

    def describe(self) -> str:
        """What to write in this column: the header note of the template and the codebook."""
        lines = [self.definition] if self.definition else []
        if self.prop:
            lines.append(f"Property: {shorten(self.prop)}" + (" (inverse)" if self.inverse else ""))
        lines.append("Value: " + _VALUE_TEXT[self.kind].replace("{refs}", " or ".join(self.refs)))
        if self.many:
            lines.append("Several values: separate them with ';'.")
        if self.always_required:
            lines.append("Required.")
        elif self.required_for:
            lines.append("Required for: " + ", ".join(shorten(c) for c in self.required_for) + ".")
        return "\n".join(lines)


_VALUE_TEXT = {
    "id": "an identifier of your own (letters, digits, '.', '_' or '-'), unique in the workbook; "
    "the row's IRI is NAMESPACE id/ID, so keep it stable",
    "type": "one of the listed kinds (default: the first)",
    "coder": "the coder's name or initials; 'consensus' marks the adjudicated coding",
    "text": "text",
    "boolean": "TRUE or FALSE",
    "integer": "a whole number",
    "decimal": "a number (decimal point '.')",
    "date": "YYYY, YYYY-MM or YYYY-MM-DD; a range 2019-05/2019-08; 'c. 2019' for circa",
    "ref": "the id of a row in {refs}, or a full IRI",
    "concept": "one of the listed values (their preferred labels), or a full IRI of your own",
}


@dataclass(frozen=True)
class SheetSpec:
    name: str
    title: str
    cls: str
    types: tuple[str, ...]
    modules: frozenset[str]  # "pko" when a type or column needs the peacekeeping module
    coded: bool
    claim: bool
    columns: tuple[Column, ...] = field(default=())

    def column(self, header: str) -> Column | None:
        return self._by_header.get(header)

    @cached_property
    def _by_header(self) -> dict[str, Column]:
        return {c.header: c for c in self.columns}

    @property
    def default_type(self) -> str:
        return self.types[0] if self.types else self.cls


def mapping_path():  # type: ignore[no-untyped-def]
    return ontology_dir() / "sheets.toml"


@cache
def sheet_specs(core_only: bool = False) -> tuple[SheetSpec, ...]:
    """Every sheet kind, completed from the shapes, ontology and vocabularies."""
    path = mapping_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise InvalidDataError(f"{path}: cannot read the sheet mapping: {e}") from e
    model = _Model.load(core_only)
    specs = []
    for s in raw["sheet"]:
        types = tuple(
            expand(t) for t in s.get("types", []) if not (core_only and t.startswith("pko:"))
        )
        spec = SheetSpec(
            name=s["name"],
            title=s["title"],
            cls=expand(s["class"]),
            types=types,
            modules=frozenset(),
            coded=bool(s.get("coded")),
            claim=bool(s.get("claim")),
        )
        columns = [Column("id", "id", always_required=True), Column("label", "text", RDFS_LABEL)]
        if types:
            columns.append(Column("type", "type", RDF_TYPE, concepts=model.classes(types)))
        for c in s["columns"]:
            kind = c["kind"]
            if kind not in KINDS:
                raise InvalidDataError(f"{path}: sheet {s['name']}: unknown kind {kind!r}")
            columns.append(
                Column(
                    header=c["header"],
                    kind=kind,
                    prop=expand(c["property"]),
                    refs=tuple(c.get("refs", ())),
                    concept_class=expand(c["class"]) if "class" in c else "",
                    many=bool(c.get("many")),
                    inverse=bool(c.get("inverse")),
                    always_required=bool(c.get("required")),
                )
            )
        if spec.claim:
            columns.append(Column("source", "ref", DCTERMS_SOURCE, refs=("sources",), many=True))
            columns.append(
                Column(
                    "derived_from", "ref", DERIVED_FROM, refs=("sources", "interviews"), many=True
                )
            )
        if spec.coded:
            columns.append(Column("coder", "coder", always_required=True))
            columns.append(
                Column(
                    "confidence",
                    "concept",
                    CONFIDENCE,
                    concept_class=expand("iodm:ConfidenceLevel"),
                    on_coding=True,
                )
            )
            columns.append(Column("note", "text", SKOS_NOTE, on_coding=True))
        spec = replace(spec, columns=tuple(model.complete(spec, col) for col in columns))
        specs.append(spec)
    return tuple(specs)


class _Model:
    """The ontology, vocabularies and shapes, in memory, for the questions the sheets ask."""

    def __init__(self, store) -> None:  # type: ignore[no-untyped-def]
        from kg.core.labels import LABELS_QUERY, best_labels

        self.store = store
        self.labels = best_labels(store.select(LABELS_QUERY).rows)

    @classmethod
    def load(cls, core_only: bool) -> _Model:
        from kg.pipeline.source import packaged_files
        from kg.store import OxigraphStore

        store = OxigraphStore()
        for path, graph, role in packaged_files(core_only):
            if role != "data":  # the packaged ontology, vocabularies and shapes: parsed as is
                store.add(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE), graph)
        return cls(store)

    def _select(self, query: str, **bindings: str) -> list[tuple[Any, ...]]:
        result = self.store.select(
            "PREFIX sh: <http://www.w3.org/ns/shacl#> "
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> " + query,
            {k: ox.NamedNode(v) for k, v in bindings.items()},
        )
        return [tuple(row) for row in result.rows]

    def classes(self, types: tuple[str, ...]) -> tuple[Concept, ...]:
        return tuple(Concept(t, self.labels.get(t, shorten(t))) for t in types)

    def complete(self, spec: SheetSpec, col: Column) -> Column:
        if not col.prop or col.kind in ("id", "coder"):
            return col
        concepts = col.concepts or (self._concepts(col.concept_class) if col.concept_class else ())
        required_for: tuple[str, ...] = ()
        always = col.always_required
        if not col.inverse and not col.on_coding:
            kinds = spec.types or (spec.cls,)
            required_for = tuple(t for t in kinds if self._required(t, col.prop))
            always = always or required_for == kinds
        return replace(
            col,
            definition=self._definition(col.prop),
            concepts=concepts,
            required_for=required_for,
            always_required=always,
        )

    def _definition(self, prop: str) -> str:
        rows = self._select(
            "SELECT ?d WHERE { { ?p skos:definition ?d } UNION { ?p rdfs:comment ?d } "
            "FILTER(langMatches(lang(?d), 'en') || lang(?d) = '') } ORDER BY ?d LIMIT 1",
            p=prop,
        )
        return rows[0][0].value if rows else ""

    def _required(self, cls: str, prop: str) -> bool:
        """Does a shape targeting ``cls`` (or a superclass of it) require ``prop``?"""
        rows = self._select(
            "SELECT ?n WHERE { ?c rdfs:subClassOf* ?target . "
            "{ ?shape sh:targetClass ?target ; sh:property ?ps . "
            "  ?ps sh:path ?p ; sh:minCount ?n } "
            "UNION { ?shape sh:targetClass ?target ; sh:path ?p ; sh:minCount ?n "
            "  BIND(?shape AS ?ps) } "
            "FILTER(?n >= 1) FILTER NOT EXISTS { ?ps sh:severity ?s FILTER(?s != sh:Violation) } "
            "FILTER NOT EXISTS { ?shape sh:severity ?s FILTER(?s != sh:Violation) } } LIMIT 1",
            c=cls,
            p=prop,
        )
        return bool(rows)

    def _concepts(self, cls: str) -> tuple[Concept, ...]:
        rows = self._select(
            "SELECT ?x (SAMPLE(?k) AS ?key) WHERE { ?sub rdfs:subClassOf* ?c . "
            "?x a ?sub . FILTER(isIRI(?x)) "
            "OPTIONAL { { ?x <https://w3id.org/iodm#confrontationRank> ?k } UNION "
            "{ ?x skos:notation ?k } } } GROUP BY ?x",
            c=cls,
        )

        def order(row: tuple[Any, ...]) -> tuple[float, str]:
            x, key = row
            label = self.labels.get(x.value, x.value)
            try:
                return (float(key.value) if key is not None else 1e9, label)
            except ValueError:
                return (1e9, label)

        return tuple(
            Concept(x.value, self.labels.get(x.value, shorten(x.value)))
            for x, _ in sorted(rows, key=order)
            if isinstance(x, ox.NamedNode)
        )
