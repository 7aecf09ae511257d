"""Inter-coder agreement (``iodm agreement``): Krippendorff's alpha per variable over the resources
two or more coders coded, and every disagreement with each coder's value, confidence and row.

The model is docs/ingest.md's. The build manifest attributes each coder's graph to the coder
(``prov:wasAttributedTo``); a coder's graph holds the values of the rows that coder coded, stated
on the coded resources, and one ``iodm:Coding`` per row (confidence, note, source row).

- A *unit* is a resource (an IRI) that the graphs of two or more coders state something about.
  The coder labelled ``consensus`` is the adjudicated coding: never counted, shown beside each
  disagreement.
- A *variable* is (the unit's class, a property). The class is the most general class every
  coder types the unit with (the sheet's class). Not compared: ``rdf:type``, labels, notes and
  other free text (string literals), evidence links (``prov:*``, ``dcterms:source``), blank
  nodes, and the codings themselves.
- A coder's *value* is the set of objects the coder states for the unit and property, compared
  as RDF terms (nominal); several objects count as one value, their sorted tuple. A coder who
  coded the unit's row (an ``iodm:Coding`` of it) but stated nothing for the property gave the
  value "(none)": an empty cell is a coding decision. A coder whose graphs mention the unit only
  from other rows (``<disagreement> iodm:hasStance <stance>`` from a stance's row) gave no value
  for the unit's other properties.
- A date is compared as the value the property holds; the coder's cell (a range, "c. 2019") is
  shown beside it when a date qualification records it.
"""

from __future__ import annotations

import csv
import io
import json
import math
import textwrap
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from kg.core.errors import StoreError, UsageError
from kg.core.labels import LABELS_QUERY, best_labels
from kg.core.namespaces import BUILD_GRAPH, dcterms, iodm, prov, rdf, rdfs, shorten, skos, xsd
from kg.core.results import display, render_table
from kg.core.terms import Term
from kg.store import Store

#: The coder whose coding is the adjudicated one (docs/ingest.md).
CONSENSUS = "consensus"
#: How a coder's empty cell reads.
NONE = "(none)"

#: Properties never compared: types, names, notes, evidence links (and any ``prov:`` property).
EXCLUDED = frozenset(
    {
        rdf.type,
        rdfs.label,
        rdfs.comment,
        skos.prefLabel,
        skos.altLabel,
        skos.note,
        skos.definition,
        skos.editorialNote,
        skos.scopeNote,
        skos.historyNote,
        skos.changeNote,
        skos.example,
        dcterms.source,
    }
)
#: Datatypes of free text, never compared.
FREE_TEXT = frozenset({xsd.string, rdf.langString})

_CODERS = f"""
SELECT ?g ?coder ?name ?title WHERE {{
  GRAPH ?build {{
    ?build <{dcterms.hasPart}> ?g . ?g <{prov.wasAttributedTo}> ?coder .
    OPTIONAL {{ ?coder <{rdfs.label}> ?name }}
    OPTIONAL {{ ?g <{dcterms["title"]}> ?title }}
  }}
}}
"""
_SUBCLASSES = f"SELECT ?a ?b WHERE {{ ?a <{rdfs.subClassOf}> ?b FILTER(isIRI(?a) && isIRI(?b)) }}"
_TYPES = f"SELECT ?type WHERE {{ ?unit <{rdf.type}> ?type FILTER(isIRI(?type)) }}"

Value = tuple[Term, ...]


@dataclass(frozen=True, order=True)
class Variable:
    """What is coded: a property of the units of a class (class "" if the unit has no type)."""

    cls: str
    prop: str

    @property
    def name(self) -> str:
        return f"{shorten(self.cls) if self.cls else '(no class)'} › {shorten(self.prop)}"


@dataclass(frozen=True)
class Coding:
    """One coder's value for one unit and variable, and where it came from."""

    coder: str  # the coder's name
    value: Value  # () if the coder coded the unit and stated nothing for the property
    confidence: str | None = None  # a confidence level's IRI
    source_row: int | None = None
    graph: str | None = None  # the coder's graph holding the coding
    sheet: str | None = None  # the graph's title in the build manifest
    written: str | None = None  # the cell as the coder wrote it, for a qualified date


@dataclass
class VariableResult:
    """Krippendorff's alpha (nominal) for one variable, or why it is undefined."""

    variable: Variable
    alpha: float | None
    note: str  # why alpha is undefined; "" when it is defined
    units: int  # units with values from two or more coders
    coders: int
    values: int  # pairable values (Krippendorff's n)
    agreement: float  # % of units on which every coder gave the same value

    @property
    def alpha_text(self) -> str:
        return f"{self.alpha:.3f}" if self.alpha is not None else self.note


@dataclass
class Disagreement:
    """A unit and variable on which the coders gave different values."""

    unit: str
    unit_label: str
    variable: Variable
    codings: list[Coding]
    consensus: Coding | None = None


@dataclass
class AgreementReport:
    store: str
    coders: list[str]  # the coders counted (consensus excluded)
    consensus: bool  # whether a consensus coding is present
    variables: list[VariableResult]
    disagreements: list[Disagreement]
    labels: dict[str, str] = field(default_factory=dict, repr=False)

    def result(self, cls: str, prop: str) -> VariableResult:
        """The result for one variable (a KeyError if no unit has it)."""
        for r in self.variables:
            if r.variable == Variable(cls, prop):
                return r
        raise KeyError(f"{shorten(cls)} › {shorten(prop)}")

    # --- for people and for machines ---------------------------------------------------------

    def value_text(self, value: Value) -> str:
        """A value for people: labels by the one label policy, "(none)" for an empty cell."""
        if not value:
            return NONE
        return ", ".join(self._term(t) for t in value)

    def _term(self, t: Term) -> str:
        if isinstance(t, ox.NamedNode):
            return self.labels.get(t.value, shorten(t.value))
        return display(t)

    def coding_text(self, c: Coding) -> str:
        where = [f'written "{c.written}"'] if c.written else []
        if c.confidence:  # its label, else the level's own name (confidence/high: high)
            level = self.labels.get(c.confidence, c.confidence.rstrip("/").rsplit("/", 1)[-1])
            where.append(f"confidence {level}")
        if c.source_row is not None:
            where.append(f"{c.sheet}, row {c.source_row}" if c.sheet else f"row {c.source_row}")
        return self.value_text(c.value) + (f" ({'; '.join(where)})" if where else "")

    def _name(self, iri: str | None) -> str:
        return "" if iri is None else self.labels.get(iri, shorten(iri))

    def render(self) -> str:
        rows = [
            [
                shorten(r.variable.cls) if r.variable.cls else "(no class)",
                shorten(r.variable.prop),
                r.alpha_text,
                str(r.units),
                str(r.coders),
                str(r.values),
                f"{r.agreement:.0f}%",
            ]
            for r in self.variables
        ]
        consensus = " (and a consensus coding, shown, not counted)" if self.consensus else ""
        out = [
            f"Inter-coder agreement in {self.store}: Krippendorff's alpha (nominal) per variable",
            f"coders: {', '.join(self.coders)}{consensus}",
            "",
            render_table(
                ["class", "property", "alpha", "units", "coders", "values", "agree"], rows
            ).rstrip(),
            "",
            textwrap.fill(
                "units: resources two or more coders coded; values: the values paired "
                "(Krippendorff's n); agree: units on which every coder gave the same value. A "
                f"coder who coded a resource and left a property empty gave {NONE}. Types, "
                "labels, notes and other free text, and evidence links are not compared.",
                100,
            ),
            "",
        ]
        if not self.disagreements:
            out.append("Disagreements: none.")
            return "\n".join(out) + "\n"
        out.append(f"Disagreements ({len(self.disagreements)}):")
        for d in self.disagreements:
            out.append(f"{d.unit_label} ({_row_id(d.unit)}) — {d.variable.name}")
            width = max(len(c.coder) for c in [*d.codings, *filter(None, [d.consensus])])
            for c in [*d.codings, *filter(None, [d.consensus])]:
                out.append(f"  {c.coder.ljust(width)}  {self.coding_text(c)}")
        return "\n".join(out) + "\n"

    def to_json(self) -> str:
        def coding(c: Coding | None) -> dict[str, Any] | None:
            if c is None:
                return None
            return {
                "coder": c.coder,
                "values": [_json_term(t) for t in c.value],
                "valueLabel": self.value_text(c.value),
                "confidence": c.confidence,
                "confidenceLabel": self._name(c.confidence) or None,
                "sourceRow": c.source_row,
                "graph": c.graph,
                "sheet": c.sheet,
                "cellText": c.written,
            }

        data = {
            "store": self.store,
            "coders": self.coders,
            "consensus": self.consensus,
            "variables": [
                {
                    "class": r.variable.cls or None,
                    "property": r.variable.prop,
                    "alpha": r.alpha,
                    "alphaNote": r.note or None,
                    "units": r.units,
                    "coders": r.coders,
                    "values": r.values,
                    "agreementPercent": round(r.agreement, 2),
                }
                for r in self.variables
            ],
            "disagreements": [
                {
                    "unit": d.unit,
                    "unitLabel": d.unit_label,
                    "class": d.variable.cls or None,
                    "property": d.variable.prop,
                    "codings": [coding(c) for c in d.codings],
                    "consensus": coding(d.consensus),
                }
                for d in self.disagreements
            ],
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def to_csv(self) -> str:
        """One table: a ``variable`` row per variable, then a ``coding`` row per coding of each
        disagreement (the consensus coder's among them)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for r in self.variables:
            v = r.variable
            writer.writerow(
                ["variable", v.cls, v.prop, "" if r.alpha is None else repr(r.alpha), r.note]
                + [r.units, r.coders, r.values, f"{r.agreement:.2f}"]
                + [""] * 9
            )
        for d in self.disagreements:
            for c in [*d.codings, *filter(None, [d.consensus])]:
                writer.writerow(
                    ["coding", d.variable.cls, d.variable.prop]
                    + [""] * 6
                    + [d.unit, d.unit_label, c.coder]
                    + [" ".join(_json_term(t) for t in c.value), self.value_text(c.value)]
                    + [c.confidence or "", "" if c.source_row is None else c.source_row]
                    + [c.graph or "", c.written or ""]
                )
        return out.getvalue()


CSV_COLUMNS = (
    "record",
    "class",
    "property",
    "alpha",
    "alphaNote",
    "units",
    "coders",
    "values",
    "agreementPercent",
    "unit",
    "unitLabel",
    "coder",
    "value",
    "valueLabel",
    "confidence",
    "sourceRow",
    "graph",
    "cellText",
)


def _row_id(iri: str) -> str:
    """A coded resource as the sheets name it: the row's ID (``{namespace}id/{ID}``).

    >>> _row_id("https://example.org/study/id/resp-01"), _row_id("https://example.org/x")
    ('resp-01', '<https://example.org/x>')
    """
    head, sep, tail = iri.rpartition("/id/")
    return tail if sep and head and tail else shorten(iri)


def _json_term(t: Term) -> str:
    """IRIs as they are, literals in N-Triples syntax (so their datatype survives)."""
    return t.value if isinstance(t, ox.NamedNode) else str(t)


# --- reading the coders' graphs --------------------------------------------------------------


@dataclass
class _Coder:
    iri: str
    name: str
    graphs: dict[str, str | None] = field(default_factory=dict)  # graph IRI → manifest title

    @property
    def is_consensus(self) -> bool:
        return self.name.casefold() == CONSENSUS


def _coders(store: Store) -> list[_Coder]:
    """The coders of the last build's graphs (the build manifest's ``prov:wasAttributedTo``).

    A StoreError if the store holds no build.
    """
    from kg.pipeline.build import managed_graphs

    if not managed_graphs(store):
        raise StoreError(
            f"{store.descriptor} holds no built knowledge graph", "run `iodm build` first"
        )
    found: dict[str, _Coder] = {}
    for g, coder, name, title in store.select(_CODERS, {"build": ox.NamedNode(BUILD_GRAPH)}).rows:
        if not (isinstance(g, ox.NamedNode) and isinstance(coder, ox.NamedNode)):
            continue
        c = found.setdefault(coder.value, _Coder(coder.value, _coder_name(coder.value, name)))
        c.graphs[g.value] = title.value if isinstance(title, ox.Literal) else None
    return sorted(found.values(), key=lambda c: (c.name, c.iri))


def _coder_name(iri: str, name: Term | None) -> str:
    if isinstance(name, ox.Literal):
        return name.value
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


@dataclass
class _Statements:
    """What one coder's graphs state: values by unit and property, codings by unit, types."""

    values: dict[str, dict[str, set[Term]]] = field(default_factory=lambda: defaultdict(dict))
    types: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    codings: dict[str, Coding] = field(default_factory=dict)  # by the unit coded
    free_text: set[str] = field(default_factory=set)  # properties with a string value
    written: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))

    def coded_row(self, unit: str) -> bool:
        """Did this coder code the unit's own row? (Any mention, for graphs without codings.)"""
        return unit in self.codings if self.codings else unit in self.values

    def value(self, unit: str, prop: str) -> Value | None:
        """The coder's value; () for an empty cell of a row coded; None if not coded."""
        given = self.values.get(unit, {}).get(prop)
        if given:
            return _value(given)
        return () if self.coded_row(unit) else None


def _read(store: Store, coder: _Coder) -> _Statements:
    out = _Statements()
    coding_triples: list[tuple[str, ox.Quad]] = []
    subjects: dict[str, list[ox.Quad]] = defaultdict(list)
    for graph in sorted(coder.graphs):
        for q in store.quads(graph):
            if isinstance(q.subject, ox.NamedNode | ox.BlankNode):
                subjects[str(q.subject)].append(q)
    codings = {
        s for s, qs in subjects.items() if any(_is(q, rdf.type, iodm.Coding) for q in qs)
    } | {s for s, qs in subjects.items() if any(q.predicate.value == iodm.codes for q in qs)}
    qualifications = {
        str(q.object)
        for s in codings
        for q in subjects[s]
        if q.predicate.value == iodm.qualifiesDate
    }
    for s, qs in subjects.items():
        if s in codings or s in qualifications:
            coding_triples += [(s, q) for q in qs]
            continue
        if not isinstance(qs[0].subject, ox.NamedNode):
            continue  # a date qualification, or a blank node no other coder can name
        unit = qs[0].subject.value
        props = out.values[unit]  # the unit is coded, whatever its triples say
        for q in qs:
            p, o = q.predicate.value, q.object
            if p == rdf.type:
                if isinstance(o, ox.NamedNode):
                    out.types[unit].add(o.value)
                continue
            props.setdefault(p, set())
            if p in EXCLUDED or p.startswith(prov) or isinstance(o, ox.BlankNode | ox.Triple):
                continue
            if isinstance(o, ox.Literal) and o.datatype.value in FREE_TEXT:
                out.free_text.add(p)
                continue
            props[p].add(o)
    _codings(coder, coding_triples, out)
    return out


def _is(q: ox.Quad, p: str, o: str) -> bool:
    return q.predicate.value == p and isinstance(q.object, ox.NamedNode) and q.object.value == o


def _codings(coder: _Coder, triples: list[tuple[str, ox.Quad]], out: _Statements) -> None:
    """Each unit's coding record (the one with the lowest row if a coder coded it twice), and
    the cells of its qualified dates."""
    records: dict[str, dict[str, Any]] = defaultdict(dict)
    for s, q in triples:
        r = records[s]
        p, o = q.predicate.value, q.object
        if p == iodm.qualifiesDate:
            r.setdefault("dates", []).append(str(o))
        elif p == iodm.qualifiedProperty and isinstance(o, ox.NamedNode):
            r["property"] = o.value
        elif p == iodm.cellText and isinstance(o, ox.Literal):
            r["cell"] = o.value
        elif p == iodm.codes and isinstance(o, ox.NamedNode):
            r["unit"] = o.value
            r["graph"] = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else None
        elif p == iodm.confidence and isinstance(o, ox.NamedNode):
            r["confidence"] = o.value
        elif p == iodm.sourceRow and isinstance(o, ox.Literal):
            try:
                r["row"] = int(o.value)
            except ValueError:
                r["row"] = None
    for r in sorted(records.values(), key=lambda r: (r.get("row") or 0, r.get("graph") or "")):
        if "unit" in r and r["unit"] not in out.codings:
            for d in r.get("dates", ()):
                date = records.get(d, {})
                if "property" in date and "cell" in date:
                    out.written[r["unit"]][date["property"]] = date["cell"]
            graph = r.get("graph")
            out.codings[r["unit"]] = Coding(
                coder.name,
                (),
                r.get("confidence"),
                r.get("row"),
                graph,
                coder.graphs.get(graph) if graph else None,
            )


# --- the report -----------------------------------------------------------------------------


def agreement(store: Store) -> AgreementReport:
    """Krippendorff's alpha per variable and the disagreements (see the module docs).

    A StoreError if the store holds no build; a UsageError if no resource was coded by two or
    more coders (the consensus coder not counted).
    """
    everyone = _coders(store)
    counted = [c for c in everyone if not c.is_consensus]
    consensus = [c for c in everyone if c.is_consensus]
    if len({c.iri for c in counted}) < 2:
        held = (
            f"the coders of its graphs are {', '.join(c.name for c in everyone)}"
            if everyone
            else "no graph of its build is attributed to a coder"
        )
        raise UsageError(
            f"this store holds no coded data from two or more coders: {held} ({store.descriptor})",
            "import coding sheets coded by two or more coders (a `coder` column, docs/ingest.md) "
            "and run `iodm build`",
        )
    read = {c.iri: _read(store, c) for c in everyone}
    by_unit: dict[str, list[_Coder]] = defaultdict(list)
    for c in counted:
        for unit in read[c.iri].values:
            by_unit[unit].append(c)
    units = {u: cs for u, cs in by_unit.items() if len(cs) >= 2}
    if not units:
        raise UsageError(
            "this store holds no coded data from two or more coders: "
            f"{', '.join(c.name for c in counted)} coded no resource in common "
            f"({store.descriptor})",
            "two coders code the same row when they give it the same `id` (docs/ingest.md)",
        )
    free_text: set[str] = set().union(*(s.free_text for s in read.values()))
    classes = _classes(store, units, read)
    labels = best_labels(store.select(LABELS_QUERY).rows)

    # variable → unit → coder IRI → value (of two or more coders)
    table: dict[Variable, dict[str, dict[str, Value]]] = defaultdict(dict)
    for unit, cs in units.items():
        props = set().union(*(read[c.iri].values[unit] for c in cs)) - free_text
        for p in props:
            given = {c.iri: read[c.iri].value(unit, p) for c in cs}
            coded = {iri: v for iri, v in given.items() if v is not None}
            if len(coded) >= 2 and any(coded.values()):  # else not paired, or not compared
                table[Variable(classes[unit], p)][unit] = coded

    names = {c.iri: c.name for c in everyone}
    results, disagreements = [], []
    for variable in sorted(table, key=lambda v: (shorten(v.cls), shorten(v.prop))):
        per_unit = table[variable]
        results.append(_alpha(variable, per_unit))
        for unit in sorted(per_unit, key=lambda u: (labels.get(u, shorten(u)), u)):
            coded = per_unit[unit]
            if len(set(coded.values())) < 2:
                continue
            codings = [
                _with_value(read[iri], unit, variable.prop, names[iri], value)
                for iri, value in sorted(coded.items(), key=lambda kv: (names[kv[0]], kv[0]))
            ]
            adjudicated = None
            for c in consensus:
                v = read[c.iri].value(unit, variable.prop)
                if v is not None:
                    adjudicated = _with_value(read[c.iri], unit, variable.prop, c.name, v)
            disagreements.append(
                Disagreement(unit, labels.get(unit, shorten(unit)), variable, codings, adjudicated)
            )
    return AgreementReport(
        store.descriptor,
        sorted({c.name for c in counted}),
        bool(consensus),
        results,
        disagreements,
        labels,
    )


def _value(terms: Iterable[Term]) -> Value:
    return tuple(sorted(terms, key=str))


def _with_value(read: _Statements, unit: str, prop: str, name: str, value: Value) -> Coding:
    """A coder's coding of a unit, with the value for one property."""
    written = read.written.get(unit, {}).get(prop)
    coding = read.codings.get(unit)
    if coding is None:
        return Coding(name, value, written=written)
    return Coding(
        name, value, coding.confidence, coding.source_row, coding.graph, coding.sheet, written
    )


def _classes(
    store: Store, units: dict[str, list[_Coder]], read: dict[str, _Statements]
) -> dict[str, str]:
    """Each unit's class: the most general class every coder types it with (else any coder
    does, else the store does); "" if none."""
    supers: dict[str, set[str]] = defaultdict(set)
    for a, b in store.select(_SUBCLASSES).rows:
        if isinstance(a, ox.NamedNode) and isinstance(b, ox.NamedNode) and a != b:
            supers[a.value].add(b.value)

    def above(c: str) -> set[str]:
        seen, todo = set(), [c]
        while todo:
            for s in supers.get(todo.pop(), ()):
                if s not in seen:
                    seen.add(s)
                    todo.append(s)
        return seen

    found = {}
    for unit, cs in units.items():
        stated = [t for c in cs if (t := read[c.iri].types.get(unit))]
        candidates = (set.intersection(*stated) or set.union(*stated)) if stated else set()
        if not candidates:
            rows = store.select(_TYPES, {"unit": ox.NamedNode(unit)}).rows
            candidates = {t.value for (t,) in rows if isinstance(t, ox.NamedNode)}
        general = [c for c in candidates if not (above(c) & (candidates - {c}))]
        found[unit] = min(general or candidates, default="")
    return found


def _alpha(variable: Variable, per_unit: dict[str, dict[str, Value]]) -> VariableResult:
    """Krippendorff's alpha, nominal, with the `krippendorff` package; n/a when undefined."""
    paired = [coded for coded in per_unit.values() if len(coded) >= 2]
    coder_iris = sorted({c for coded in paired for c in coded})
    n = sum(len(coded) for coded in paired)
    domain = sorted({v for coded in paired for v in coded.values()}, key=str)
    same = sum(len(set(coded.values())) == 1 for coded in paired)
    agree = 100.0 * same / len(paired) if paired else 0.0
    alpha, note = None, ""
    if not paired:
        note = "n/a: no unit coded by two or more coders"
    elif len(domain) < 2:
        note = "n/a: all coders gave one value"
    elif len(paired) < 2:
        note = "n/a: only one unit coded by two or more coders"
    else:
        import krippendorff
        import numpy as np

        index = {v: i for i, v in enumerate(domain)}
        data = np.full((len(coder_iris), len(paired)), np.nan)
        for j, coded in enumerate(paired):
            for i, c in enumerate(coder_iris):
                if c in coded:
                    data[i, j] = index[coded[c]]
        value = float(
            krippendorff.alpha(
                reliability_data=data,
                value_domain=list(range(len(domain))),
                level_of_measurement="nominal",
            )
        )
        if math.isnan(value):
            note = "n/a: no expected disagreement"
        else:
            alpha = value
    coders_with_values = {c for coded in paired for c in coded}
    return VariableResult(variable, alpha, note, len(paired), len(coders_with_values), n, agree)
