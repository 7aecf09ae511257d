"""Tidy tables and a codebook: `iodm export --tables DIR`, and the same tables as DataFrames.

One CSV per kind of thing, one row per resource (officials, posts, holdings, violations, …),
plus a codebook (``codebook.md``, ``codebook.csv``) and a Frictionless Data Package descriptor
(``datapackage.json``) with a Table Schema per table: field types, primary and foreign keys.

What is published is what `iodm serve` publishes: the store's quads go through
:func:`kg.publish.privacy.protect` first, so no anonymous or partially identified interviewee's
name, person or IRI reaches a table; an interview carries its interviewee's name and link only
when its anonymity is exactly ``iodm:Named``.

The rules every table follows:

- ``id`` is the resource's IRI (the primary key, what foreign keys hold); ``key`` is its short
  form: the part after ``/id/`` (``holding-amara``, ``post/head-of-mission-unmil``), else the
  prefixed name; ``label`` is its name under the one label policy (:mod:`kg.core.labels`).
- A column that points to a row of another table is ``{role}_id`` (``post_id``, ``unit_of_id``)
  with the target's label beside it in ``{role}_label``. A reference that may point to rows of
  several tables (a response's respondent) has one ``{table}_id`` column per table, and
  ``other_id`` for a value in none of them.
- A property that may have several values (a violation's norms) is a link table
  ``{table}__{column}`` with one row per resource and value; single values stay in the table.
- Dates are ISO 8601 text as precise as the source (``2019``, ``2019-03``, ``2019-03-05``),
  with ``{date}_precision`` (year, month, day; unknown when there is no date), and, where a
  coder qualified the date (``iodm:DateQualification``), ``{date}_approximate``,
  ``{date}_earliest`` and ``{date}_latest``.
- The union of every coder's coding: where coders disagree on a single value, the ``consensus``
  coder's value is taken if there is one, else the cell is empty and ``disputed`` names the
  column; ``coded_values`` holds what each coding states, ``codings`` who coded, how sure.
- Asserted values come from every graph but the derived one; the derived columns of posts (host
  state, distance, reporting steps) are those of ``cq1-distance-from-capital``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kg.core.errors import UsageError
from kg.core.files import write_text
from kg.core.labels import LABEL_PROPERTIES, best_label
from kg.core.namespaces import (
    GRAPH,
    dcat,
    dcterms,
    geo,
    iodm,
    org,
    prov,
    rdf,
    rdfs,
    shorten,
    skos,
    void,
    xsd,
)
from kg.store import OxigraphStore, Store

if TYPE_CHECKING:
    import pandas

    from kg.pipeline.load import Progress

DERIVED_GRAPH = GRAPH + "derived"
CODEBOOK_MD, CODEBOOK_CSV, DESCRIPTOR = "codebook.md", "codebook.csv", "datapackage.json"
#: A date as the store holds it: year, year and month, or a full date.
DATE_PATTERN = r"^-?\d{4,}(-\d{2}(-\d{2})?)?$"
_PRECISION = {xsd.gYear: "year", xsd.gYearMonth: "month", xsd.date: "day", xsd.dateTime: "day"}


# --- the tables: which class, which columns ----------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of a table, from one property of its rows' class.

    kind: ``text``, ``boolean``, ``integer``, ``number``, ``date``, ``ref`` (to rows of
    ``targets``: table names), or ``concept`` (a ref to the ``concepts`` table).
    """

    name: str
    prop: str
    kind: str
    targets: tuple[str, ...] = ()
    many: bool = False
    inverse: bool = False  # the row is the object of ``prop``: (value, prop, row)


@dataclass(frozen=True)
class Table:
    name: str
    row: str  # what one row is, in the singular: the name of foreign keys to this table
    classes: tuple[str, ...]
    columns: tuple[Column, ...] = ()


_REFS = ("officials", "posts", "organizations")
TABLES: tuple[Table, ...] = (
    Table(
        "organizations",
        "organization",
        (org.Organization,),
        (
            Column("acronym", iodm.acronym, "text"),
            Column("unit_of", org.unitOf, "ref", ("organizations",)),
            Column("part_of", org.subOrganizationOf, "ref", ("organizations",), many=True),
            Column("deployed_by", iodm.deployedBy, "ref", ("organizations",)),
            Column("host_state", iodm.hostState, "ref", ("places",)),
            Column("site", org.hasSite, "ref", ("places",), many=True),
            Column("function", iodm.hasFunction, "concept", many=True),
            Column("start", iodm.startDate, "date"),
            Column("end", iodm.endDate, "date"),
            Column("in_study_scope", iodm.isInStudyScope, "boolean"),
        ),
    ),
    Table(
        "places",
        "place",
        (iodm.Place, iodm.State),
        (
            Column("located_in", iodm.locatedIn, "ref", ("places",)),
            Column("capital", iodm.hasCapital, "ref", ("places",)),
            Column("lat", geo.lat, "number"),
            Column("long", geo.long, "number"),
        ),
    ),
    Table(
        "authorities",
        "authority",
        (iodm.StateAuthority,),
        (Column("authority_of", iodm.authorityOf, "ref", ("places",)),),
    ),
    Table(
        "posts",
        "post",
        (iodm.Post,),
        (
            Column("post_in", org.postIn, "ref", ("organizations",)),
            Column("duty_station", iodm.hasDutyStation, "ref", ("places",)),
            Column("reports_to", org.reportsTo, "ref", ("posts",), many=True),
            Column("interlocutor", iodm.interlocutor, "ref", ("authorities",), many=True),
        ),
    ),
    Table(
        "officials",
        "official",
        (iodm.Official,),
        (
            Column("full_name", iodm.fullName, "text"),
            Column("nationality", iodm.hasNationality, "ref", ("places",), many=True),
        ),
    ),
    Table(
        "holdings",
        "holding",
        (iodm.PostHolding,),
        (
            Column("official", iodm.holder, "ref", ("officials",)),
            Column("post", iodm.heldPost, "ref", ("posts",)),
            Column("start", iodm.startDate, "date"),
            Column("end", iodm.endDate, "date"),
            Column("leans_toward", iodm.leansToward, "concept"),
        ),
    ),
    Table(
        "sources",
        "source",
        (iodm.Passage, iodm.LiteratureReference, dcterms.BibliographicResource),
        (
            Column("part_of", dcterms.isPartOf, "ref", ("sources",)),
            Column("quote", iodm.quote, "text"),
            Column("section", iodm.sectionTitle, "text"),
            Column("footnote", iodm.footnoteNumber, "integer"),
            Column("citation", dcterms.bibliographicCitation, "text"),
        ),
    ),
    Table(
        "interviews",
        "interview",
        (iodm.Interview,),
        (
            Column("anonymity", iodm.anonymity, "concept"),
            Column("published_role", iodm.publishedRole, "text"),
            Column("date", iodm.occurredOn, "date"),
            Column("place", iodm.conductedIn, "ref", ("places",)),
            Column("remote", iodm.conductedRemotely, "boolean"),
            Column("interviewee_name", iodm.intervieweeName, "text"),
            Column("interviewee", iodm.interviewee, "ref", ("officials",)),
        ),
    ),
    Table(
        "violations",
        "violation",
        (iodm.NormViolation,),
        (
            Column("norm", iodm.violatesNorm, "concept", many=True),
            Column("violation_type", iodm.hasViolationType, "concept", many=True),
            Column("perpetrator", iodm.perpetrator, "ref", ("authorities",), many=True),
            Column("place", iodm.occurredAt, "ref", ("places",)),
            Column("date", iodm.occurredOn, "date"),
        ),
    ),
    Table(
        "responses",
        "response",
        (iodm.Response,),
        (
            Column("violation", iodm.respondsTo, "ref", ("violations",)),
            Column("option", iodm.hasResponseOption, "concept"),
            Column("respondent", iodm.respondent, "ref", _REFS, many=True),
            Column("public", iodm.isPublic, "boolean"),
            Column("delayed", iodm.isDelayed, "boolean"),
            Column("date", iodm.occurredOn, "date"),
            Column("placed_by", iodm.placementBasis, "concept"),
            Column("reading", skos.editorialNote, "text"),
        ),
    ),
    Table(
        "factor_observations",
        "factor_observation",
        (iodm.FactorObservation,),
        (
            Column("factor", iodm.observedFactor, "concept"),
            Column("observed_for", iodm.observedFor, "ref", (*_REFS, "concepts"), many=True),
            Column("pole", iodm.pullsToward, "concept"),
            Column("start", iodm.startDate, "date"),
            Column("end", iodm.endDate, "date"),
            Column("relation", iodm.concernsRelation, "ref", ("relations",)),
        ),
    ),
    Table(
        "relations",
        "relation",
        (iodm.InstitutionalRelation,),
        (
            Column("unit", iodm.linksUnit, "ref", ("organizations",)),
            Column("entity", iodm.linksToEntity, "ref", ("organizations", "posts"), many=True),
            Column("kind", iodm.hasRelationKind, "concept"),
            Column("start", iodm.startDate, "date"),
            Column("end", iodm.endDate, "date"),
        ),
    ),
    Table(
        "disagreements",
        "disagreement",
        (iodm.Disagreement,),
        (
            Column("violation", iodm.concernsViolation, "ref", ("violations",)),
            Column("resulted_in", iodm.resultedIn, "ref", ("responses",), many=True),
            Column("date", iodm.occurredOn, "date"),
        ),
    ),
    Table(
        "stances",
        "stance",
        (iodm.Stance,),
        (
            Column("disagreement", iodm.hasStance, "ref", ("disagreements",), inverse=True),
            Column("taken_by", iodm.takenBy, "ref", _REFS, many=True),
            Column("favours", iodm.favoursOption, "concept"),
            Column("leans_toward", iodm.leansToward, "concept"),
            Column("placed_by", iodm.placementBasis, "concept"),
            Column("reading", skos.editorialNote, "text"),
        ),
    ),
    Table(
        "concepts",
        "concept",
        (skos.Concept,),
        (
            Column("notation", skos.notation, "text"),
            Column("rank", iodm.confrontationRank, "integer"),
            Column("scheme", skos.inScheme, "ref", many=True),
            Column("definition", skos.definition, "text"),
        ),
    ),
)
_BY_NAME = {t.name: t for t in TABLES}

#: What the ontology cannot say: the columns IODM derives, and terms the ontology only declares.
#: The one place where a column's description is written by hand.
DERIVED: dict[str, str] = {
    "id": "The resource's IRI: the table's primary key, the value its foreign keys hold.",
    "key": "The IRI in short: the part after /id/ (or a prefixed name); unique in the table.",
    "label": "The resource's name (rdfs:label, else skos:prefLabel, dcterms:title, foaf:name).",
    "_label": "The label of the row {target} that {column} points to.",
    "_precision": "How precise {column} is: year, month or day; unknown when there is no date.",
    "other_id": "The IRI of a value of {prop} that is a row of none of the tables above.",
    "disputed": "The columns (';'-joined) whose coders disagree, with no consensus coding: "
    "those cells are left empty; coded_values has each coder's value.",
    "link": "The row of {target} this link belongs to.",
    # terms of other vocabularies that the ontology uses without defining (their own wording)
    geo.lat: "WGS84 latitude (decimal degrees).",
    geo.long: "WGS84 longitude (decimal degrees).",
    org.Organization: "A collection of people organized together (W3C ORG).",
    org.unitOf: "The organization this unit is part of (W3C ORG).",
    org.subOrganizationOf: "An organization this one is a part of (W3C ORG).",
    org.hasSite: "A site at which the organization is located (W3C ORG).",
    org.postIn: "The organization in which the post exists (W3C ORG).",
    org.reportsTo: "A post this post reports to (W3C ORG).",
    dcterms.isPartOf: "A related resource in which this one is included (DCMI).",
    dcterms.bibliographicCitation: "A bibliographic reference for the resource (DCMI).",
    dcterms.source: "A related resource from which the claim is derived: its source (DCMI).",
    prov.wasDerivedFrom: "An entity the claim was derived from: its evidence (W3C PROV).",
    skos.definition: "A statement of the meaning of the concept (SKOS).",
    skos.editorialNote: "The coder's note on the reading: why the value was chosen (SKOS).",
    skos.inScheme: "A concept scheme the concept belongs to (SKOS).",
    skos.notation: "A code identifying the concept within its scheme (SKOS).",
    skos.note: "The coder's note on this coding (SKOS).",
    "host_state": "The host state of the field presence the post belongs to "
    "(cq1-distance-from-capital; empty when the post belongs to field presences of several).",
    "outside_host_state": "Whether the post's duty station lies outside the host state, or the "
    "post has a duty station and belongs to no field presence (IO headquarters); empty when "
    "neither is known (cq1-distance-from-capital).",
    "coded_id": "The IRI of the resource this coding codes (a row of coded_table).",
    "coded_table": "The table whose row this coding codes.",
    "coder": "The coder's name as the coding sheets give it.",
    "column": "The column of coded_table the value belongs to.",
    "value": "The value this coding states, as text: an IRI, a date or a literal's lexical form.",
    "evidence_id": "The IRI of the passage, source or interview a claim cites.",
    "evidence_table": "The table whose row evidence_id is (sources or interviews), if any.",
    "claim_id": "The IRI of the claim (a row of claim_table).",
    "claim_table": "The table whose row the claim is.",
    "via": "The property that links the claim to its evidence: dcterms:source or "
    "prov:wasDerivedFrom.",
}


# --- reading the store -------------------------------------------------------------------------


@dataclass
class Graph:
    """The privacy-filtered quads of a store, indexed for the tables."""

    facts: dict[str, dict[str, dict[ox.NamedNode | ox.Literal, set[str]]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(dict))
    )
    inverse: dict[str, dict[str, set[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set))
    )
    types: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    labels: dict[str, list[tuple[str, ox.Literal]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    coders: dict[str, str] = field(default_factory=dict)  # graph → coder IRI

    def values(self, s: str, p: str) -> dict[ox.NamedNode | ox.Literal, set[str]]:
        return self.facts.get(s, {}).get(p, {})

    def label(self, iri: str) -> str | None:
        return best_label(self.labels.get(iri, ()))

    def consensus(self, graphs: Iterable[str]) -> bool:
        coder = (self.coders.get(g) for g in graphs)
        return any(c is not None and self.label(c) == "consensus" for c in coder)


def _index(quads: Iterable[ox.Quad]) -> Graph:
    g = Graph()
    label_props = set(LABEL_PROPERTIES)
    for q in quads:
        s, p, o = q.subject, q.predicate.value, q.object
        if not isinstance(s, ox.NamedNode) or isinstance(o, ox.BlankNode | ox.Triple):
            continue
        graph = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
        if p == rdf.type and isinstance(o, ox.NamedNode):
            g.types[s.value].add(o.value)
        if p in label_props and isinstance(o, ox.Literal):
            g.labels[s.value].append((p, o))
        if graph == DERIVED_GRAPH and p != rdf.type:
            p = "derived:" + p  # derived statements kept apart from asserted ones
        g.facts[s.value][p].setdefault(o, set()).add(graph)
        if isinstance(o, ox.NamedNode):
            g.inverse[o.value][p].add(s.value)
    for subject, props in g.facts.items():
        if iodm.Coding in g.types.get(subject, ()):
            for coder, graphs in props.get(prov.wasAttributedTo, {}).items():
                for graph in graphs:
                    g.coders[graph] = coder.value
    return g


def _filtered(store: Store) -> tuple[Graph, OxigraphStore]:
    """The store's quads through the privacy filter, indexed and as a store in memory."""
    from kg.publish.privacy import protect

    kept = protect(store.quads()).quads
    return _index(kept), OxigraphStore(quads=kept)


def _key(iri: str) -> str:
    """The short form of an IRI.

    >>> _key("https://example.org/study/id/holding-amara")
    'holding-amara'
    >>> _key("https://example.org/study/coding/holding-amara/ana")
    'coding/holding-amara/ana'
    >>> _key("https://w3id.org/iodm#Named")
    'iodm:Named'
    """
    if "/id/" in iri:
        return iri.rsplit("/id/", 1)[1]
    if "/coding/" in iri:
        return "coding/" + iri.rsplit("/coding/", 1)[1]
    short = shorten(iri)
    return short.strip("<>")


# --- building the rows -------------------------------------------------------------------------


@dataclass
class Field:
    """A column of an output table, as the codebook and the Table Schema describe it."""

    name: str
    type: str  # Table Schema: string, integer, number, boolean
    description: str
    prop: str | None = None  # the property the value comes from
    target: str | None = None  # the table a foreign key points to
    unit: str = ""
    pattern: str | None = None


@dataclass
class Output:
    name: str
    title: str
    description: str
    fields: list[Field]
    rows: list[dict[str, Any]]
    primary_key: list[str]


class _Builder:
    def __init__(self, graph: Graph, store: OxigraphStore) -> None:
        self.g = graph
        self.store = store
        self.ids: dict[str, set[str]] = {}
        self.terms = _TermText(graph)
        for table in TABLES:
            self.ids[table.name] = self._members(table)
        # every value a concept column takes is a row of concepts, a SKOS concept or not
        for table in TABLES:
            for col in table.columns:
                if col.kind == "concept":
                    for s in self.ids[table.name]:
                        self.ids["concepts"] |= {
                            v.value for v in self.g.values(s, col.prop) if _iri(v)
                        }
        # a reference to a resource that is a row of no table (a journal a passage is part of,
        # an IRI of another dataset) makes it a row of the table the column points to
        changed = True
        while changed:
            changed = False
            known = set().union(*self.ids.values())
            for table in TABLES:
                for col in table.columns:
                    if col.kind != "ref" or len(col.targets) != 1 or col.inverse:
                        continue
                    for s in list(self.ids[table.name]):
                        new = {v.value for v in self.g.values(s, col.prop) if _iri(v)} - known
                        if new:
                            self.ids[col.targets[0]] |= new
                            known |= new
                            changed = True
        self.table_of: dict[str, str] = {}
        for table in TABLES:
            for s in self.ids[table.name]:
                self.table_of.setdefault(s, table.name)

    def _members(self, table: Table) -> set[str]:
        return {s for s, ts in self.g.types.items() if ts & set(table.classes)}

    # one value, the union's, with the consensus rule
    def single(self, s: str, col: Column) -> tuple[ox.NamedNode | ox.Literal | None, bool]:
        if col.inverse:
            subjects = sorted(self.g.inverse.get(s, {}).get(col.prop, ()))
            vals: dict[ox.NamedNode | ox.Literal, set[str]] = {
                ox.NamedNode(x): {""} for x in subjects
            }
        else:
            vals = {v: gs for v, gs in self.g.values(s, col.prop).items() if gs - {DERIVED_GRAPH}}
        if len(vals) <= 1:
            return next(iter(vals), None), False
        agreed = [v for v, gs in vals.items() if self.g.consensus(gs)]
        if len(agreed) == 1:
            return agreed[0], False
        return None, True

    def many(self, s: str, col: Column) -> list[ox.NamedNode | ox.Literal]:
        vals = self.g.values(s, col.prop)
        return sorted((v for v, gs in vals.items() if gs - {DERIVED_GRAPH}), key=str)

    def entity(self, table: Table) -> tuple[Output, list[Output]]:
        fields = [
            Field("id", "string", DERIVED["id"]),
            Field("key", "string", DERIVED["key"]),
            Field("label", "string", DERIVED["label"]),
        ]
        links: list[Output] = []
        for col in table.columns:
            if col.many:
                continue
            fields += self._fields(table, col)
        if table.name == "posts":
            fields += self._post_fields()
        fields.append(Field("disputed", "string", DERIVED["disputed"]))
        qualified = self._qualifications(table)
        rows = []
        keys = self._keys(table)
        for s in sorted(self.ids[table.name]):
            row: dict[str, Any] = {"id": s, "key": keys[s], "label": self.g.label(s)}
            disputed = []
            for col in table.columns:
                if col.many:
                    continue
                value, dispute = self.single(s, col)
                if dispute:
                    disputed.append(col.name)
                row.update(self._cells(table, col, value))
                if col.kind == "date":
                    row.update(qualified.get((s, col.prop), {}))
            if table.name == "interviews" and not self._named(s):
                row.update(interviewee_name=None, interviewee_id=None, interviewee_label=None)
            row["disputed"] = ";".join(disputed) or None
            rows.append(row)
        if table.name == "posts":
            self._post_cells(rows)
        for col in table.columns:
            if col.many:
                links.append(self._link(table, col))
        out = Output(
            table.name, self.terms.title(table), self.terms.about(table), fields, rows, ["id"]
        )
        return out, links

    def _named(self, interview: str) -> bool:
        levels = {v.value for v in self.g.values(interview, iodm.anonymity) if _iri(v)}
        return levels == {iodm.Named}

    def _keys(self, table: Table) -> dict[str, str]:
        keys = {s: _key(s) for s in self.ids[table.name]}
        clash = {k for k in keys.values() if list(keys.values()).count(k) > 1}
        return {s: (s if k in clash else k) for s, k in keys.items()}

    def _fields(self, table: Table, col: Column, *, link: bool = False) -> list[Field]:
        about = self.terms.prop(col.prop)
        name = col.name
        if col.kind in ("ref", "concept"):
            targets = ("concepts",) if col.kind == "concept" else col.targets
            if len(targets) <= 1:
                target = targets[0] if targets else None
                return [
                    Field(f"{name}_id", "string", about, col.prop, target),
                    Field(
                        f"{name}_label",
                        "string",
                        DERIVED["_label"].format(target=f"of {target}", column=f"{name}_id"),
                    ),
                ]
            fs = [
                Field(
                    f"{_BY_NAME[t].row}_id", "string", f"{about} (when a row of {t})", col.prop, t
                )
                for t in targets
            ]
            fs.append(
                Field("other_id", "string", DERIVED["other_id"].format(prop=shorten(col.prop)))
            )
            fs.append(
                Field(
                    f"{name}_label",
                    "string",
                    DERIVED["_label"].format(target="", column="the id columns").replace("  ", " "),
                )
            )
            return fs
        if col.kind == "date":
            fs = [
                Field(name, "string", about, col.prop, unit="ISO 8601 date", pattern=DATE_PATTERN),
                Field(f"{name}_precision", "string", DERIVED["_precision"].format(column=name)),
            ]
            if not link:
                for q, kind in (
                    (iodm.approximate, "boolean"),
                    (iodm.earliest, "string"),
                    (iodm.latest, "string"),
                ):
                    fs.append(
                        Field(
                            f"{name}_{_local(q)}",
                            kind,
                            f"{self.terms.prop(q)} (of {name}, where a coder qualified it)",
                            q,
                            pattern=DATE_PATTERN if kind == "string" else None,
                        )
                    )
            return fs
        kind = {"text": "string"}.get(col.kind, col.kind)
        return [Field(name, kind, about, col.prop)]

    def _cells(
        self, table: Table, col: Column, value: ox.NamedNode | ox.Literal | None
    ) -> dict[str, Any]:
        name = col.name
        if col.kind in ("ref", "concept"):
            targets = ("concepts",) if col.kind == "concept" else col.targets
            iri = value.value if isinstance(value, ox.NamedNode) else None
            label = self.g.label(iri) if iri else None
            if len(targets) <= 1:
                return {f"{name}_id": iri, f"{name}_label": label}
            cells: dict[str, Any] = {f"{_BY_NAME[t].row}_id": None for t in targets}
            cells["other_id"] = None
            if iri is not None:
                home = next((t for t in targets if iri in self.ids[t]), None)
                cells[f"{_BY_NAME[home].row}_id" if home else "other_id"] = iri
            cells[f"{name}_label"] = label
            return cells
        if col.kind == "date":
            if not isinstance(value, ox.Literal):
                return {name: None, f"{name}_precision": "unknown"}
            text = value.value[:10] if value.datatype.value == xsd.dateTime else value.value
            return {
                name: text,
                f"{name}_precision": _PRECISION.get(value.datatype.value, "unknown"),
            }
        return {name: _python(value, col.kind)}

    def _qualifications(self, table: Table) -> dict[tuple[str, str], dict[str, Any]]:
        """(resource, date property) → the qualification cells a coder's coding gives."""
        found: dict[tuple[str, str], list[tuple[dict[str, Any], set[str]]]] = defaultdict(list)
        for coding in self.ids_of(iodm.Coding):
            coded = [v.value for v in self.g.values(coding, iodm.codes) if _iri(v)]
            coded = [c for c in coded if c in self.ids[table.name]]
            for q in self.g.values(coding, iodm.qualifiesDate):
                if not _iri(q):
                    continue
                props = [v.value for v in self.g.values(q.value, iodm.qualifiedProperty) if _iri(v)]
                col = next((c for c in table.columns if c.prop in props and c.kind == "date"), None)
                if col is None:
                    continue
                cells = {
                    f"{col.name}_approximate": _python(
                        _one(self.g, q.value, iodm.approximate), "boolean"
                    ),
                    f"{col.name}_earliest": _lexical(_one(self.g, q.value, iodm.earliest)),
                    f"{col.name}_latest": _lexical(_one(self.g, q.value, iodm.latest)),
                }
                graphs = set().union(*self.g.values(coding, iodm.codes).values())
                for c in coded:
                    found[(c, col.prop)].append((cells, graphs))
        chosen = {}
        for where, options in found.items():
            distinct = {json.dumps(c, sort_keys=True): c for c, _ in options}
            if len(distinct) == 1:
                chosen[where] = next(iter(distinct.values()))
            else:
                agreed = [c for c, gs in options if self.g.consensus(gs)]
                if agreed:
                    chosen[where] = agreed[0]
        return chosen

    def ids_of(self, cls: str) -> list[str]:
        return sorted(s for s, ts in self.g.types.items() if cls in ts)

    def _link(self, table: Table, col: Column) -> Output:
        owner = Field(
            f"{table.row}_id",
            "string",
            DERIVED["link"].format(target=table.name),
            target=table.name,
        )
        fields = [owner, *self._fields(table, col, link=True)]
        rows = []
        for s in sorted(self.ids[table.name]):
            for value in self.many(s, col):
                rows.append({f"{table.row}_id": s, **self._cells(table, col, value)})
        name = f"{table.name}__{col.name}"
        if col.kind in ("ref", "concept"):
            several = col.kind == "ref" and len(col.targets) > 1
            pk = [] if several else [owner.name, f"{col.name}_id"]
        else:
            pk = [owner.name, col.name]
        return Output(
            name,
            f"{self.terms.title(table)}: {col.name}",
            f"One row per {table.row} and value of {shorten(col.prop)}.",
            fields,
            rows,
            pk,
        )

    def _post_fields(self) -> list[Field]:
        return [
            Field("host_state_id", "string", DERIVED["host_state"], iodm.hostState, "places"),
            Field(
                "host_state_label",
                "string",
                DERIVED["_label"].format(target="of places", column="host_state_id"),
            ),
            Field(
                "distance_km",
                "number",
                self.terms.prop(iodm.distanceToHostCapitalKm),
                iodm.distanceToHostCapitalKm,
                unit="km",
            ),
            Field(
                "reporting_steps",
                "integer",
                self.terms.prop(iodm.reportingStepsToCapitalLiaison),
                iodm.reportingStepsToCapitalLiaison,
                unit="steps",
            ),
            Field("outside_host_state", "boolean", DERIVED["outside_host_state"]),
        ]

    def _post_cells(self, rows: list[dict[str, Any]]) -> None:
        from kg.queries import get

        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in get("cq1-distance-from-capital").select(self.store):
            found[r["post"]].append(r)
        for row in rows:
            derived = found.get(row["id"], [])
            host = {r["hostState"] for r in derived}
            one = derived[0] if len(derived) == 1 else {}
            state = next(iter(host)) if len(host) == 1 else None
            distance = {r["distanceKm"] for r in derived if r["distanceKm"] is not None}
            steps = {r["reportingSteps"] for r in derived if r["reportingSteps"] is not None}
            row.update(
                host_state_id=state,
                host_state_label=self.g.label(state) if state else None,
                distance_km=float(next(iter(distance))) if len(distance) == 1 else None,
                reporting_steps=int(next(iter(steps))) if len(steps) == 1 else None,
                outside_host_state=one.get("outsideHostState"),
            )

    def codings(self) -> tuple[Output, Output]:
        fields = [
            Field("id", "string", DERIVED["id"]),
            Field("key", "string", DERIVED["key"]),
            Field("coded_id", "string", DERIVED["coded_id"], iodm.codes),
            Field("coded_table", "string", DERIVED["coded_table"]),
            Field("coder", "string", DERIVED["coder"], prov.wasAttributedTo),
            Field(
                "confidence_id",
                "string",
                self.terms.prop(iodm.confidence),
                iodm.confidence,
                "concepts",
            ),
            Field(
                "confidence_label",
                "string",
                DERIVED["_label"].format(target="of concepts", column="confidence_id"),
            ),
            Field("note", "string", self.terms.prop(skos.note), skos.note),
            Field("source_row", "integer", self.terms.prop(iodm.sourceRow), iodm.sourceRow),
        ]
        values_fields = [
            Field(
                "coding_id", "string", DERIVED["link"].format(target="codings"), target="codings"
            ),
            Field("column", "string", DERIVED["column"]),
            Field("value", "string", DERIVED["value"]),
        ]
        rows, values = [], []
        keys = {c: _key(c) for c in self.ids_of(iodm.Coding)}
        for c in self.ids_of(iodm.Coding):
            coded = _one(self.g, c, iodm.codes)
            coded_iri = coded.value if isinstance(coded, ox.NamedNode) else None
            coder = _one(self.g, c, prov.wasAttributedTo)
            confidence = _one(self.g, c, iodm.confidence)
            conf = confidence.value if isinstance(confidence, ox.NamedNode) else None
            table = self.table_of.get(coded_iri or "")
            rows.append(
                {
                    "id": c,
                    "key": keys[c],
                    "coded_id": coded_iri,
                    "coded_table": table,
                    "coder": self.g.label(coder.value) if isinstance(coder, ox.NamedNode) else None,
                    "confidence_id": conf if conf in self.ids["concepts"] else None,
                    "confidence_label": self.g.label(conf) if conf else None,
                    "note": _lexical(_one(self.g, c, skos.note)),
                    "source_row": _python(_one(self.g, c, iodm.sourceRow), "integer"),
                }
            )
            if table is None or coded_iri is None:
                continue
            graphs = set().union(*self.g.values(c, iodm.codes).values())
            for col in _BY_NAME[table].columns:
                if col.inverse or (
                    table == "interviews"
                    and col.prop in (iodm.intervieweeName, iodm.interviewee)
                    and not self._named(coded_iri)
                ):
                    continue
                for v, gs in sorted(
                    self.g.values(coded_iri, col.prop).items(), key=lambda x: str(x[0])
                ):
                    if gs & graphs:
                        values.append({"coding_id": c, "column": col.name, "value": v.value})
        return (
            Output(
                "codings",
                self.terms.title_of(iodm.Coding, "Codings"),
                self.terms.about_of(iodm.Coding),
                fields,
                rows,
                ["id"],
            ),
            Output(
                "coded_values",
                "What each coding states",
                "One row per coding, column and value: what the coder's graph states about the "
                "coded resource, so a disagreement is kept.",
                values_fields,
                values,
                ["coding_id", "column", "value"],
            ),
        )

    def evidence(self) -> Output:
        fields = [
            Field("claim_id", "string", DERIVED["claim_id"]),
            Field("claim_table", "string", DERIVED["claim_table"]),
            Field("via", "string", DERIVED["via"]),
            Field(
                "source_id",
                "string",
                self.terms.prop(dcterms.source) + " (when a row of sources)",
                dcterms.source,
                "sources",
            ),
            Field(
                "interview_id",
                "string",
                self.terms.prop(prov.wasDerivedFrom) + " (when a row of interviews)",
                prov.wasDerivedFrom,
                "interviews",
            ),
            Field("other_id", "string", DERIVED["evidence_id"] + " (a row of neither table)"),
            Field(
                "evidence_label",
                "string",
                DERIVED["_label"].format(target="", column="the id columns").replace("  ", " "),
            ),
        ]
        rows = []
        for table in TABLES:
            if table.name == "concepts":
                continue
            for s in sorted(self.ids[table.name]):
                for prop in (dcterms.source, prov.wasDerivedFrom):
                    for v in self.many(s, Column("", prop, "ref")):
                        if not _iri(v):
                            continue
                        home = (
                            "sources"
                            if v.value in self.ids["sources"]
                            else "interviews"
                            if v.value in self.ids["interviews"]
                            else None
                        )
                        rows.append(
                            {
                                "claim_id": s,
                                "claim_table": table.name,
                                "via": shorten(prop),
                                "source_id": v.value if home == "sources" else None,
                                "interview_id": v.value if home == "interviews" else None,
                                "other_id": v.value if home is None else None,
                                "evidence_label": self.g.label(v.value),
                            }
                        )
        return Output(
            "evidence",
            "The evidence of each claim",
            "One row per claim and passage, source or interview it cites (dcterms:source, "
            "prov:wasDerivedFrom).",
            fields,
            rows,
            [],
        )


class _TermText:
    """Labels and definitions of the ontology's terms, for titles and the codebook."""

    def __init__(self, graph: Graph) -> None:
        self.g = graph

    def _text(self, iri: str, *props: str) -> str | None:
        for p in props:
            vals = [v for v in self.g.values(iri, p) if isinstance(v, ox.Literal)]
            if vals:
                best = sorted(vals, key=lambda v: (v.language != "en", v.value))[0]
                return " ".join(best.value.split())
        return None

    def prop(self, iri: str) -> str:
        definition = self._text(iri, skos.definition, rdfs.comment) or DERIVED.get(iri)
        label = self.g.label(iri)
        if definition and label:
            return f"{label}: {definition}"
        return definition or label or f"The value of {shorten(iri)}."

    def title(self, table: Table) -> str:
        return self.title_of(table.classes[0], table.name)

    def title_of(self, cls: str, default: str) -> str:
        return self.g.label(cls) or default

    def about(self, table: Table) -> str:
        return " ".join(self.about_of(c) for c in table.classes[:1]) + (
            f" Rows: instances of {', '.join(shorten(c) for c in table.classes)}."
        )

    def about_of(self, cls: str) -> str:
        return self._text(cls, skos.definition, rdfs.comment) or DERIVED.get(cls, "")


def _iri(term: object) -> bool:
    return isinstance(term, ox.NamedNode)


def _local(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


def _one(g: Graph, s: str, p: str) -> ox.NamedNode | ox.Literal | None:
    vals = sorted(g.values(s, p), key=str)
    return vals[0] if len(vals) == 1 else None


def _lexical(term: ox.NamedNode | ox.Literal | None) -> str | None:
    return term.value if term is not None else None


def _python(term: ox.NamedNode | ox.Literal | None, kind: str) -> Any:
    """A cell's Python value: int, float, bool or str."""
    if term is None:
        return None
    text = term.value
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
    except ValueError:
        return text
    if kind == "boolean":
        return {"true": True, "1": True, "false": False, "0": False}.get(text, text)
    return text


# --- the whole set -----------------------------------------------------------------------------


def build_tables(store: Store) -> tuple[list[Output], Graph]:
    """Every table, in a stable order (entity tables, their link tables, codings, evidence),
    and the privacy-filtered graph they come from."""
    graph, filtered = _filtered(store)
    b = _Builder(graph, filtered)
    out: list[Output] = []
    links: list[Output] = []
    for table in TABLES:
        main, extra = b.entity(table)
        out.append(main)
        links += extra
    out += links
    out += b.codings()
    out.append(b.evidence())
    return out, graph


def _csv(table: Output) -> str:
    buffer = io.StringIO()
    names = [f.name for f in table.fields]
    writer = csv.DictWriter(buffer, names, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in table.rows:
        writer.writerow({k: _cell(row.get(k)) for k in names})
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _dataset(graph: Graph) -> dict[str, Any]:
    """Title, description and licence from the store's dataset description, if it has one."""
    for cls in (void.Dataset, dcat.Dataset):
        for s in sorted(s for s, ts in graph.types.items() if cls in ts):
            title = _lexical(_one(graph, s, dcterms["title"]))
            if not title:
                continue
            meta: dict[str, Any] = {"title": title}
            description = _lexical(_one(graph, s, dcterms.description))
            if description:
                meta["description"] = description
            licence = _one(graph, s, dcterms.license)
            if licence is not None:
                meta["licenses"] = [{"path": licence.value, "title": licence.value}]
            meta["homepage"] = s
            return meta
    return {
        "title": "IODM tables",
        "description": "Tidy tables exported from an IODM knowledge graph "
        "by `iodm export --tables`.",
    }


def _descriptor(tables: list[Output], meta: Mapping[str, Any]) -> dict[str, Any]:
    from frictionless import Package

    resources: list[dict[str, Any]] = []
    for t in tables:
        schema: dict[str, Any] = {
            "fields": [
                {
                    "name": f.name,
                    "type": f.type,
                    "description": f.description,
                    **({"constraints": {"pattern": f.pattern}} if f.pattern else {}),
                }
                for f in t.fields
            ],
            "missingValues": [""],
        }
        if t.primary_key:
            schema["primaryKey"] = t.primary_key
        fks = [
            {
                "fields": f.name,
                "reference": {"resource": "" if f.target == t.name else f.target, "fields": "id"},
            }
            for f in t.fields
            if f.target
        ]
        if fks:
            schema["foreignKeys"] = fks
        resources.append(
            {
                "name": t.name.replace("__", "-"),
                "path": f"{t.name}.csv",
                "title": t.title,
                "description": t.description,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": schema,
            }
        )
    names = {t.name: t.name.replace("__", "-") for t in tables}
    for r in resources:
        for fk in r["schema"].get("foreignKeys", []):
            target = fk["reference"]["resource"]
            if target:
                fk["reference"]["resource"] = names[target]
    package = Package.from_descriptor({"name": "iodm-tables", **meta, "resources": resources})
    return package.to_descriptor()


def _codebook(tables: list[Output]) -> tuple[str, str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["table", "column", "type", "unit", "description"])
    md = [
        "# Codebook",
        "",
        "Generated by `iodm export --tables` from the ontology's labels and definitions. Every "
        "table is a CSV file (UTF-8, header row, empty cell = no value); `datapackage.json` "
        "gives the same as Frictionless Table Schemas, with primary and foreign keys.",
        "",
        "Rules: `id` is the resource's IRI and every `…_id` column holds the IRI of a row of the "
        "table it names; `…_label` is the label of the row beside it; a property with several "
        "values is a link table `{table}__{column}`; dates are ISO 8601 text with a "
        "`…_precision` column; `disputed` names the columns whose coders disagree.",
        "",
    ]
    for t in tables:
        md += [f"## {t.name}", "", f"**{t.title}.** {t.description}".strip(), ""]
        md.append(f"{len(t.rows)} rows." if t.rows else "No rows in this build.")
        md += ["", "| column | type | unit | description |", "|---|---|---|---|"]
        for f in t.fields:
            kind = f"{f.type} → {f.target}.id" if f.target else f.type
            md.append(f"| `{f.name}` | {kind} | {f.unit} | {f.description.replace('|', '/')} |")
            writer.writerow([t.name, f.name, f.type, f.unit, f.description])
        md.append("")
    return "\n".join(md), buffer.getvalue()


def write_tables(store: Store, out_dir: Path, *, progress: Progress | None = None) -> list[Path]:
    """Write one CSV per table, ``codebook.md``, ``codebook.csv`` and ``datapackage.json`` into
    ``out_dir`` (created if need be; other files in it are left alone); the paths written."""
    say = progress.say if progress is not None else (lambda text: None)
    say("reading the store through the privacy filter…")
    outputs, graph = build_tables(store)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for t in outputs:
        path = out_dir / f"{t.name}.csv"
        write_text(path, _csv(t))
        written.append(path)
        say(f"  {path}  {len(t.rows):,} rows")
    md, codebook_csv = _codebook(outputs)
    for name, text in ((CODEBOOK_MD, md), (CODEBOOK_CSV, codebook_csv)):
        write_text(out_dir / name, text)
        written.append(out_dir / name)
    descriptor = _descriptor(outputs, _dataset(graph))
    write_text(out_dir / DESCRIPTOR, json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n")
    written.append(out_dir / DESCRIPTOR)
    say(f"wrote {len(outputs)} tables, the codebook and {DESCRIPTOR} to {out_dir}")
    return written


def tables(store: Store) -> dict[str, pandas.DataFrame]:
    """The tables of :func:`write_tables` as pandas DataFrames, by table name; integers as
    ``Int64``, numbers as ``float64``, booleans as ``boolean`` (all nullable)."""
    try:
        import pandas as pd
    except ImportError as e:
        raise UsageError("the tables as DataFrames need pandas", "pip install pandas") from e
    dtypes = {"integer": "Int64", "number": "float64", "boolean": "boolean", "string": "string"}
    frames = {}
    for t in build_tables(store)[0]:
        columns = [f.name for f in t.fields]
        frame = pd.DataFrame(t.rows, columns=columns)
        frames[t.name] = frame.astype({f.name: dtypes[f.type] for f in t.fields})
    return frames
