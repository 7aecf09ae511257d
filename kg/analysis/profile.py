"""Predisposition profiles: which factors apply to an official, post or unit at a date, which pole
each pulls toward, why, and on what evidence — in words.

A profile is read off a :class:`~kg.analysis.rules.Derivation`: every observation the rules
derived for the subject is one line. Lines that rest on the same recorded observation (or the
same structural fact) through several paths are one line with several paths. The net lean is a
count of factors, reported as a summary and never as a prediction; cross-pressure (factors pulling
both ways, the paper's Conclusion and CQ10) is flagged.
"""

from __future__ import annotations

import json
import textwrap
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from kg.analysis import PREDISPOSE
from kg.analysis.facts import Evidence, Factor, evidence, factors, kinds, labels
from kg.analysis.rules import DERIVED, Derivation, rule_of
from kg.core.namespaces import DCTERMS, PROV, RDFS, iodm, shorten
from kg.store import Store

CONFRONTATION = "confrontation"
CONCILIATION = "conciliation"
_POLES = {iodm.Confrontation: CONFRONTATION, iodm.Conciliation: CONCILIATION}

CROSS_PRESSURE = (
    "Cross-pressure: factors pull both ways. The paper's Conclusion gives the example of "
    "stabilization officials who work with host security forces from remote field offices, and "
    "asks how different predispositions 'coexist, conflict, or reinforce each other'."
)


@dataclass
class Line:
    """One factor that applies, with the pole it pulls toward, why, and the evidence."""

    factor: Factor
    pole: str
    statement: str
    paths: list[list[str]]  # each path: sentences from the subject down to the recorded fact
    rules: list[str]
    evidence: list[Evidence]
    root: str

    def to_json(self) -> dict[str, Any]:
        return {
            "factor": self.factor.iri,
            "factorLabel": self.factor.label,
            "category": self.factor.category,
            "pole": self.pole,
            "statement": self.statement,
            "paths": self.paths,
            "rules": self.rules,
            "derivedFrom": self.root,
            "evidence": [{"iri": e.iri, "kind": e.kind, "label": e.label} for e in self.evidence],
        }


@dataclass
class Characterization:
    """What the source itself says of the subject's approach in a post (``iodm:leansToward`` on a
    post holding): stated by the paper, never derived from factors."""

    pole: str
    holding: str  # the holding's label, e.g. "Klein as head of UNMIL"
    words: str  # the holding's comment: the paper's own words
    evidence: list[Evidence]

    def to_json(self) -> dict[str, Any]:
        return {
            "pole": self.pole,
            "holding": self.holding,
            "words": self.words,
            "evidence": [{"iri": e.iri, "kind": e.kind, "label": e.label} for e in self.evidence],
        }


#: What the factor lines of a profile are: IODM's coding, not the paper's statement.
READING = (
    "IODM's reading: the rules (queries/rules) apply the paper's factors to this graph; which "
    "factor reaches whom is IODM's coding, each line naming the passage that licenses it."
)


@dataclass
class Profile:
    subject: str
    label: str
    kind: str
    at: str | None
    lines: list[Line] = field(default_factory=list)
    stated: list[Characterization] = field(default_factory=list)

    @property
    def stated_lean(self) -> str:
        """The pole the paper characterizes the subject's approach with: confrontation,
        conciliation, mixed (both, in different posts) or none (the paper says nothing)."""
        poles = {c.pole for c in self.stated}
        return poles.pop() if len(poles) == 1 else "mixed" if poles else "none"

    def factors_toward(self, pole: str) -> list[str]:
        seen: dict[str, str] = {}
        for line in self.lines:
            if line.pole == pole:
                seen.setdefault(line.factor.iri, line.factor.label)
        return list(seen.values())

    @property
    def cross_pressured(self) -> bool:
        return bool(self.factors_toward(CONFRONTATION)) and bool(self.factors_toward(CONCILIATION))

    @property
    def lean(self) -> str:
        """The net lean, a count of factors: confrontation, conciliation, balanced or none."""
        up, down = len(self.factors_toward(CONFRONTATION)), len(self.factors_toward(CONCILIATION))
        if not up and not down:
            return "none"
        if up == down:
            return "balanced"
        return CONFRONTATION if up > down else CONCILIATION

    def headline(self) -> str:
        """The paper's characterization first, where it gives one."""
        if self.stated_lean == "none":
            return ""
        if self.stated_lean == "mixed":
            return (
                f"The paper characterizes {self.label}'s approach differently in different posts."
            )
        adjective = "confrontational" if self.stated_lean == CONFRONTATION else "conciliatory"
        return f"The paper characterizes {self.label}'s approach as {adjective}."

    def summary(self) -> str:
        up, down = self.factors_toward(CONFRONTATION), self.factors_toward(CONCILIATION)
        if not self.lines:
            return "No factor applies in this graph: no lean can be summarized."
        lean = {
            "balanced": "balanced",
            CONFRONTATION: "toward confrontation",
            CONCILIATION: "toward conciliation",
        }[self.lean]
        text = (
            f"IODM's factor count: {len(up)} factor(s) pull toward confrontation, {len(down)} "
            f"toward conciliation; net {lean}. This is a count of factors, not a weight, a "
            "probability or a prediction of any response."
        )
        if self.stated_lean in (CONFRONTATION, CONCILIATION) and self.lean != self.stated_lean:
            text += (
                f" It differs from the paper's characterization ({self.stated_lean}), which "
                "stands: factors predispose, and the paper reports the approach itself."
            )
        return text

    def render(self, width: int = 100) -> str:
        when = f"at {self.at}" if self.at else "at any date the graph records (no --at given)"
        # "an official", "a unit" (a vowel letter, but not a vowel sound)
        article = "an" if self.kind[:1] in "aeio" else "a"
        out = [
            f"Profile of {self.label} ({shorten(self.subject)})",
            f"{article} {self.kind}, {when}",
            "",
        ]
        if self.stated:
            out += _wrap(self.headline(), width, "")
            for c in self.stated:
                arrow = "→ confrontation" if c.pole == CONFRONTATION else "← conciliation "
                out.append(f"   {arrow}  stated by the paper: {c.holding}")
                out += _wrap(c.words, width, "     ")
                cites = "; ".join(e.cite() for e in c.evidence) or "none recorded"
                out += _wrap(f"evidence: {cites}", width, "     ")
            out.append("")
        if not self.lines:
            out.append("No factor observation applies to it in this graph.")
        else:
            out += _wrap(READING, width, "")
        for i, line in enumerate(self.lines, start=1):
            arrow = "→ confrontation" if line.pole == CONFRONTATION else "← conciliation "
            category = f" ({line.factor.category})" if line.factor.category else ""
            out.append(f"{i}. {arrow}  {line.factor.label}{category}")
            out += _wrap(line.statement, width, "     ")
            for path in line.paths:
                out += _wrap("how: " + " ← ".join(path), width, "     ")
            cites = "; ".join(e.cite() for e in line.evidence) or "none recorded"
            out += _wrap(f"evidence: {cites}", width, "     ")
            out += _wrap(f"rule: {', '.join(line.rules)}", width, "     ")
        out.append("")
        if self.cross_pressured:
            out += _wrap(CROSS_PRESSURE, width, "")
            out += _wrap(
                f"  toward confrontation: {', '.join(self.factors_toward(CONFRONTATION))}; "
                f"toward conciliation: {', '.join(self.factors_toward(CONCILIATION))}.",
                width,
                "",
            )
        out += _wrap(self.summary(), width, "")
        out += _wrap(PREDISPOSE, width, "")
        return "\n".join(out) + "\n"

    def to_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "label": self.label,
            "kind": self.kind,
            "at": self.at,
            "lines": [line.to_json() for line in self.lines],
            "confrontation": self.factors_toward(CONFRONTATION),
            "conciliation": self.factors_toward(CONCILIATION),
            "crossPressure": self.cross_pressured,
            "netLean": self.lean,
            "statedByPaper": [c.to_json() for c in self.stated],
            "statedLean": self.stated_lean,
            "linesAre": READING,
            "note": PREDISPOSE,
        }


def _wrap(text: str, width: int, indent: str) -> list[str]:
    return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent + "  ") or [
        indent
    ]


@dataclass
class _Node:
    label: str = ""
    comment: str = ""
    factor: str = ""
    pole: str = ""
    subjects: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    derived_from: list[str] = field(default_factory=list)


class Profiler:
    """Builds profiles from a derivation; lookups are made once, so many profiles are cheap."""

    def __init__(self, derivation: Derivation, store: Store | None = None) -> None:
        self.derivation = derivation
        facts_store = store or derivation.store
        self.labels = labels(derivation.store)
        self.kinds = kinds(derivation.store)
        self.factors = factors(derivation.store)
        self.evidence = evidence(facts_store)
        self.nodes = _index(derivation.store)
        self.stated = self._characterizations(facts_store)
        self.by_subject: dict[str, list[str]] = defaultdict(list)
        for iri, node in self.nodes.items():
            if iri.startswith(DERIVED):
                for s in node.subjects:
                    self.by_subject[s].append(iri)

    def subjects(self) -> list[str]:
        """Every official, post and unit some rule derived an observation for."""
        return sorted(self.by_subject)

    def profile(self, subject: str) -> Profile:
        groups: dict[tuple[str, str, str], Line] = {}
        for iri in sorted(self.by_subject.get(subject, [])):
            node = self.nodes[iri]
            pole = _POLES.get(node.pole)
            factor = self.factors.get(node.factor) or Factor(
                node.factor, shorten(node.factor), "", ""
            )
            if pole is None:
                continue
            path, root, chain = self._chain(iri)
            key = (factor.iri, pole, root)
            rules = [r for r in (rule_of(n) for n in chain) if r]
            if key in groups:
                line = groups[key]
                if path not in line.paths:
                    line.paths.append(path)
                line.rules += [r for r in rules if r not in line.rules]
                continue
            groups[key] = Line(
                factor=factor,
                pole=pole,
                statement=node.label or self.labels.get(root, shorten(root)),
                paths=[path],
                rules=rules,
                evidence=self._evidence(chain),
                root=root,
            )
        lines = sorted(
            groups.values(), key=lambda ln: (ln.factor.notation, ln.pole, ln.statement, ln.root)
        )
        return Profile(
            subject,
            self.labels.get(subject, shorten(subject)),
            self.kinds.get(subject, "resource"),
            self.derivation.at,
            lines,
            self.stated.get(subject, []),
        )

    def _characterizations(self, store: Store) -> dict[str, list[Characterization]]:
        """Official → what the source says of their approach in each post they held."""
        from kg.analysis.facts import select, value

        rows = select(
            store,
            "SELECT ?h ?pole ?official ?post ?comment ?source WHERE { ?h iodm:leansToward ?pole ; "
            "iodm:holder ?official ; iodm:heldPost ?post . OPTIONAL { ?h rdfs:comment ?comment } "
            "OPTIONAL { ?h dcterms:source ?source } } ORDER BY ?h ?source",
        )
        found: dict[str, Characterization] = {}
        owners: dict[str, str] = {}
        for h, pole, official, post, comment, source in rows.rows:
            key = value(h)
            if value(pole) not in _POLES:
                continue
            if key not in found:
                official_label = self.labels.get(value(official), shorten(value(official)))
                post_label = self.labels.get(value(post), shorten(value(post)))
                found[key] = Characterization(
                    _POLES[value(pole)], f"{official_label} as {post_label}", value(comment), []
                )
                owners[key] = value(official)
            e = self.evidence.get(value(source))
            if e is not None and e not in found[key].evidence:
                found[key].evidence.append(e)
        by_subject: dict[str, list[Characterization]] = defaultdict(list)
        for key, c in found.items():
            by_subject[owners[key]].append(c)
        return dict(by_subject)

    def _chain(self, iri: str) -> tuple[list[str], str, list[str]]:
        """(the sentences from the subject down, the root observation, every node on the way)."""
        path: list[str] = []
        chain: list[str] = []
        current = iri
        while current.startswith(DERIVED) and current not in chain:
            chain.append(current)
            node = self.nodes[current]
            if node.comment:
                path.append(node.comment)
            bases = [b for b in node.derived_from if b in self.nodes]
            if not bases:
                break
            current = sorted(bases)[0]
        if not current.startswith(DERIVED):
            chain.append(current)
        return path, current, chain

    def _evidence(self, chain: list[str]) -> list[Evidence]:
        seen: dict[str, Evidence] = {}
        for iri in chain:
            node = self.nodes[iri]
            for e in [*node.sources, *node.derived_from]:
                if e in self.evidence and e not in seen:
                    seen[e] = self.evidence[e]
        order = {"passage": 0, "footnote": 1, "interview": 2, "reference": 3, "source": 4}
        return sorted(seen.values(), key=lambda e: (order[e.kind], e.label))


def _index(store: Store) -> dict[str, _Node]:
    """Every factor observation of the store (recorded and derived), with what a profile needs."""
    from kg.analysis.facts import select, value

    rows = select(
        store,
        "SELECT ?o ?p ?v WHERE { ?o a iodm:FactorObservation ; ?p ?v . "
        "VALUES ?p { rdfs:label rdfs:comment iodm:observedFactor iodm:observedFor "
        "iodm:pullsToward dcterms:source prov:wasDerivedFrom } } ORDER BY ?o ?p ?v",
    )
    nodes: dict[str, _Node] = defaultdict(_Node)
    for o, p, v in rows.rows:
        node = nodes[value(o)]
        prop, val = value(p), value(v)
        if prop == RDFS + "label":
            node.label = node.label or val
        elif prop == RDFS + "comment":
            node.comment = node.comment or val
        elif prop == iodm.observedFactor:
            node.factor = val
        elif prop == iodm.observedFor:
            node.subjects.append(val)
        elif prop == iodm.pullsToward:
            node.pole = val
        elif prop == DCTERMS + "source":
            node.sources.append(val)
        elif prop == PROV + "wasDerivedFrom":
            node.derived_from.append(val)
    return dict(nodes)


def dumps(profiles: list[Profile]) -> str:
    return json.dumps([p.to_json() for p in profiles], indent=2, ensure_ascii=False) + "\n"


def triples_for(derivation: Derivation, subject: str) -> list[ox.Triple]:
    """The derived observations of one subject, as triples (for ``--format ttl``)."""
    mine = {
        t.subject
        for t in derivation.triples
        if t.predicate.value == iodm.observedFor and t.object == ox.NamedNode(subject)
    }
    return [t for t in derivation.triples if t.subject in mine]
