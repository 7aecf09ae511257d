"""OWL 2 RL materialization as SPARQL rules run to a fixpoint on an Oxigraph store.

The rules are the ``.rq`` files of ``queries/owlrl/``, one per rule of the OWL 2 RL profile
(W3C OWL 2 Profiles, section 4.3, tables 4 to 9), by its name there. Their ``stage`` says what
they are:

1. the schema: subclasses, subproperties, domains, ranges, equivalences, restrictions
   (``scm-*``), run naively until nothing is new — the schema is small;
2. the instances (``cax-*``, ``prp-*``, ``cls-*``, ``eq-*``), run semi-naively: the first round
   over everything, each later round only on what the round before added. A rule marks the
   patterns the new triples can match as ``GRAPH ?d1 { … }``, ``GRAPH ?d2 { … }``: a later round
   runs the rule once per such pattern, with that ``?dN`` bound to the graph of the last round's
   triples (the other patterns match everything);
3. the inconsistencies (``cls-nothing2``, ``cax-dw``, ``cax-adc``, ``prp-irp``…): SELECT
   queries over the closure whose rows name the statements in conflict, in the words of their
   ``explain`` header.

Property chains (``owl:propertyChainAxiom``, rule prp-spo2) are the one rule generated here
rather than written in a file: a chain is an ``rdf:List`` of any length whose steps may be
inverse properties (``( [ owl:inverseOf iodm:holder ] iodm:heldPost )``), and a SPARQL join
cannot walk a list of unknown length, so each chain's length and directions give the shape of
its query; the properties themselves are bound by the engine, never written into the text.

A rule is a CONSTRUCT whose ``FILTER NOT EXISTS`` keeps what the store already holds out, so a
round's triples are all new and the fixpoint is reached when a round adds nothing. Left out, as
owlrl's closure has them only as noise: the axiomatic triples (``owl:Thing`` and
``owl:Nothing`` as every class's bounds, every class and property equivalent to itself), the
datatype rules (``dt-*``: literals as subjects; ill-typed literals are refused at build and by
:func:`kg.pipeline.reason.check`) and ``owl:hasKey`` (no ontology of IODM's uses it).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.core.namespaces import GRAPH, INFERRED_GRAPH, OWL, RDF, RDFS
from kg.queries import NamedQuery
from kg.store import OxigraphStore

#: The folder of ``queries/`` the rules are in.
GROUP = "owlrl"
#: The graphs of each round's new triples, in a closure's own store.
_SCRATCH = GRAPH + "owlrl/"
#: Instance rounds may derive schema triples (a sameAs between two classes…): then the
#: schema and the instances are closed again.
_SCHEMA_PREDICATES = frozenset(
    RDFS + p for p in ("subClassOf", "subPropertyOf", "domain", "range")
) | frozenset(
    OWL + p
    for p in (
        "equivalentClass",
        "equivalentProperty",
        "inverseOf",
        "onProperty",
        "someValuesFrom",
        "allValuesFrom",
        "hasValue",
        "intersectionOf",
        "unionOf",
        "oneOf",
        "propertyChainAxiom",
        "maxCardinality",
        "maxQualifiedCardinality",
        "onClass",
    )
)
_REFLEXIVE = frozenset(
    {
        OWL + "sameAs",
        RDFS + "subClassOf",
        RDFS + "subPropertyOf",
        OWL + "equivalentClass",
        OWL + "equivalentProperty",
    }
)
Bound = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
_TYPE = ox.NamedNode(RDF + "type")
_THING = ox.NamedNode(OWL + "Thing")


@dataclass
class Rule:
    """One rule: its query, and the ``?dN`` variables of its patterns the new triples match."""

    id: str
    text: str
    deltas: tuple[str, ...]
    #: terms the engine binds (a chain's properties): the rule runs as a CONSTRUCT query
    substitutions: dict[ox.Variable, Bound] = field(default_factory=dict)

    def variant(self, delta: str | None) -> str:
        """The text with the pattern ``GRAPH ?{delta} { … }`` on the last round's graph and
        every other ``GRAPH ?dN { … }`` on everything (the default graph of the closure)."""
        text = self.text
        if delta is not None:
            text = text.replace(f"GRAPH ?{delta} ", "GRAPH ?_delta ")
        for d in self.deltas:
            text = text.replace(f"GRAPH ?{d} ", "")
        return text.replace("GRAPH ?_delta ", "GRAPH ?rl_delta ")


@dataclass
class Clash:
    """One row of an inconsistency rule: the rule, its message template, the terms."""

    rule: str
    explain: str
    terms: dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]


_CONSTRUCT = re.compile(r"\bCONSTRUCT\s*\{(?P<template>[^{}]*)\}\s*WHERE\b", re.IGNORECASE)


_ORDER = re.compile(r"\}\s*ORDER\s+BY[^{}]*$", re.IGNORECASE)


def rules(stage: int | None = None) -> list[NamedQuery]:
    """The rules of ``queries/owlrl/`` (of one stage), in the order they run."""
    from kg.rules import ruleset

    return [q for q in ruleset(GROUP) if stage is None or q.stage == stage]


def _compiled(queries: Iterable[NamedQuery]) -> list[Rule]:
    found = []
    for q in queries:
        deltas = tuple(d for d in (f"d{n}" for n in range(1, 10)) if f"GRAPH ?{d} " in q.text)
        found.append(Rule(q.id, q.text, deltas))
    return found


class Closure:
    """The OWL 2 RL closure of some triples, in an Oxigraph store of its own, in memory.

    Its default graph holds everything, given and inferred (the rules read it); each round's
    new triples are also in a named graph of their own, which the next round's rules join on
    and from which :meth:`inferred` reads what was inferred.
    """

    def __init__(self, triples: Iterable[ox.Triple] = ()) -> None:
        self.store = ox.Store()
        self.store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
        self.rounds: list[ox.NamedNode] = []
        self.seconds = 0.0

    @classmethod
    def of_store(cls, store: OxigraphStore, graphs: Sequence[str]) -> Closure:
        """The closure of some named graphs of ``store``, copied by Oxigraph (a dump and a
        load, no Python object per triple)."""
        closure = cls()
        for name in graphs:
            data = store.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(name))
            if data:
                closure.store.load(data, format=ox.RdfFormat.N_TRIPLES)
        return closure

    def run(self) -> int:
        """Close the triples under the rules; the number of triples inferred (blank nodes and
        trivial ones included: :meth:`inferred` leaves them out)."""
        started = time.process_time()
        schema, instances = _compiled(rules(1)), _compiled(rules(2))
        while True:
            self._fixpoint(schema, semi_naive=False)
            if not self._fixpoint([*instances, *self._chains()], semi_naive=True):
                break  # no schema triple came out of the instances: nothing more to close
        self.seconds = time.process_time() - started
        return self.count()

    def count(self) -> int:
        """How many triples the rules added."""
        return sum(
            sum(1 for _ in self.store.quads_for_pattern(None, None, None, g)) for g in self.rounds
        )

    def _fixpoint(self, ruleset: Sequence[Rule], semi_naive: bool) -> bool:
        """Run ``ruleset`` until a round adds nothing; True if a schema triple was added."""
        first, schema_added = True, False
        while True:
            delta = self.rounds[-1] if self.rounds and not first else None
            this = ox.NamedNode(f"{_SCRATCH}round/{len(self.rounds) + 1}")
            self.rounds.append(this)
            for rule in ruleset:
                if first or not semi_naive:
                    variants: list[str | None] = [None]
                else:
                    variants = list(rule.deltas)
                for d in variants:
                    self._apply(rule, d, delta, this)
            first = False
            if not self.store.query(_ANY, substitutions={ox.Variable("g"): this}):
                self.rounds.pop()
                return schema_added
            if semi_naive and not schema_added:
                schema_added = bool(
                    self.store.query(_SCHEMA_ADDED, substitutions={ox.Variable("g"): this})
                )

    def _apply(
        self, rule: Rule, d: str | None, delta: ox.NamedNode | None, into: ox.NamedNode
    ) -> None:
        """Add what one variant of a rule derives to the closure and to this round's graph."""
        text = rule.variant(d)
        bound = dict(rule.substitutions)
        if d is not None and delta is not None:
            bound[ox.Variable("rl_delta")] = delta
        if rule.substitutions:  # a chain: the engine binds its properties
            found = self.store.query(text, substitutions=bound)
            new = set(found)  # type: ignore[arg-type]
            self.store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in new)
            self.store.extend(ox.Quad(t.subject, t.predicate, t.object, into) for t in new)
            return
        # A rule without bound terms runs as an update: what it derives never leaves the store.
        m = _CONSTRUCT.search(text)
        if m is None:
            raise ValueError(f"rule {rule.id} is not a CONSTRUCT query")
        template = m["template"]
        where = _ORDER.sub("}", text[m.end() :])  # an update has no ORDER BY
        if d is not None:  # updates take no bound terms: the round's graph is named
            where = where.replace("GRAPH ?rl_delta ", f"GRAPH {delta} ")
        self.store.update(
            f"{text[: m.start()]}INSERT {{ {template} GRAPH {into} {{ {template} }} }} WHERE{where}"
        )

    def _chains(self) -> list[Rule]:
        """One rule per property chain (prp-spo2), its query shaped by the chain."""
        found = []
        chain_axiom = ox.NamedNode(OWL + "propertyChainAxiom")
        for n, quad in enumerate(
            self.store.quads_for_pattern(None, chain_axiom, None, ox.DefaultGraph())
        ):
            steps = self._steps(quad.object)
            if steps is None or not isinstance(quad.subject, ox.NamedNode):
                continue  # not a well-formed list of properties
            patterns = []
            bound: dict[ox.Variable, Bound] = {ox.Variable("p"): quad.subject}
            for i, (prop, inverse) in enumerate(steps, start=1):
                a, b = f"?x{i - 1}", f"?x{i}"
                s, o = (b, a) if inverse else (a, b)
                patterns.append(f"GRAPH ?d{i} {{ {s} ?p{i} {o} }}")
                bound[ox.Variable(f"p{i}")] = prop
            last = f"?x{len(steps)}"
            text = (
                f"CONSTRUCT {{ ?x0 ?p {last} }} WHERE {{\n  "
                + "\n  ".join(patterns)
                + f"\n  FILTER (!isLiteral({last}))\n  FILTER NOT EXISTS {{ ?x0 ?p {last} }}\n}}"
            )
            deltas = tuple(f"d{i}" for i in range(1, len(steps) + 1))
            found.append(Rule(f"prp-spo2-{n}", text, deltas, bound))
        return found

    def _steps(self, node: Bound) -> list[tuple[ox.NamedNode, bool]] | None:
        """The properties of a chain's list, each with whether it is an inverse."""
        first, rest = ox.NamedNode(RDF + "first"), ox.NamedNode(RDF + "rest")
        nil, inverse_of = ox.NamedNode(RDF + "nil"), ox.NamedNode(OWL + "inverseOf")
        steps: list[tuple[ox.NamedNode, bool]] = []
        seen = set()
        while node != nil:
            if node in seen or not isinstance(node, ox.BlankNode | ox.NamedNode):
                return None
            seen.add(node)
            heads = [
                q.object for q in self.store.quads_for_pattern(node, first, None, ox.DefaultGraph())
            ]
            tails = [
                q.object for q in self.store.quads_for_pattern(node, rest, None, ox.DefaultGraph())
            ]
            if len(heads) != 1 or len(tails) != 1:
                return None
            head = heads[0]
            if isinstance(head, ox.NamedNode):
                steps.append((head, False))
            elif isinstance(head, ox.BlankNode):
                inverses = [
                    q.object
                    for q in self.store.quads_for_pattern(head, inverse_of, None, ox.DefaultGraph())
                ]
                if len(inverses) != 1 or not isinstance(inverses[0], ox.NamedNode):
                    return None
                steps.append((inverses[0], True))
            else:
                return None
            node = tails[0]
        return steps if len(steps) >= 2 else None

    def inferred(self) -> Iterator[ox.Triple]:
        """What the closure adds that a reader can use: triples about named resources (no
        blank node: it could not be linked back to the asserted graph), without the trivial
        ones (reflexive sameAs, subclass, subproperty and equivalence; ``rdf:type owl:Thing``)."""
        for g in self.rounds:
            for q in self.store.quads_for_pattern(None, None, None, g):
                if not isinstance(q.subject, ox.NamedNode) or isinstance(q.object, ox.BlankNode):
                    continue
                if q.subject == q.object and q.predicate.value in _REFLEXIVE:
                    continue
                if q.predicate == _TYPE and q.object == _THING:
                    continue
                yield q.triple

    def clashes(self) -> list[Clash]:
        """The rows of the inconsistency rules (stage 3) on the closure."""
        found = []
        for q in rules(3):
            result = self.store.query(q.text)
            for solution in result:  # type: ignore[union-attr]
                terms = {v.value: solution[v] for v in result.variables if solution[v] is not None}  # type: ignore[union-attr]
                found.append(Clash(q.id, q.explain, terms))  # type: ignore[arg-type]
        return found


_ANY = "ASK { GRAPH ?g { ?s ?p ?o } }"
_SCHEMA_ADDED = (
    "ASK { GRAPH ?g { ?s ?p ?o } FILTER (?p IN ("
    + ", ".join(f"<{p}>" for p in sorted(_SCHEMA_PREDICATES))
    + f') || (?p = <{RDF}type> && isIRI(?o) && STRSTARTS(STR(?o), "{OWL}") '
    f"&& ?o != <{OWL}NamedIndividual>)) }}"
)


def materialize_store(store: OxigraphStore, graphs: Sequence[str] | None = None) -> int:
    """Write the OWL 2 RL inferences of ``store`` into its inferred graph
    (:data:`kg.core.namespaces.INFERRED_GRAPH`, replaced); the number of triples written.

    ``graphs`` are the named graphs to reason over: by default every named graph but the
    inferred one and, in a build, the shapes and the build manifest. The store must hold the
    ontology (a build does). The closure is computed in memory and written in one transaction.
    """
    if graphs is None:
        graphs = reasoned_graphs(store)
    closure = Closure.of_store(store, graphs)
    closure.run()
    inferred = list(closure.inferred())
    write_inferred(store, inferred)
    return len(inferred)


def reasoned_graphs(store: OxigraphStore) -> list[str]:
    """The named graphs to reason over: all but the inferred graph, the scratch graphs and,
    in a build, the shapes and the manifest."""
    from kg.core.namespaces import BUILD_GRAPH
    from kg.pipeline.build import managed_graphs

    roles = managed_graphs(store)
    skip = {INFERRED_GRAPH, BUILD_GRAPH, *(g for g, role in roles.items() if role == "shapes")}
    return [g for g in store.named_graphs() if g not in skip and not g.startswith(_SCRATCH)]


def write_inferred(store: OxigraphStore, triples: Sequence[ox.Triple]) -> None:
    """Replace the inferred graph of ``store`` by ``triples``, all or nothing
    (:meth:`kg.store.OxigraphStore.replace_graphs`: on disk, a new build directory swapped in,
    whose privacy-filtered snapshot the server then opens as it is, with the named queries
    answered anew on it: the inferences change their answers)."""
    from kg.answers import answer_all
    from kg.queries import library

    staged = None
    built = store.published()
    if built is not None and not built.withheld:  # the new snapshot will be the store: answered
        # in memory, where the queries take a sixth of the time; the store is written from it
        g = ox.NamedNode(INFERRED_GRAPH)
        staged = ox.Store()
        staged.bulk_extend(q for q in store.store if q.graph_name != g)
        staged.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, g) for t in triples)
    store.replace_graphs(
        {INFERRED_GRAPH: triples},
        answer=lambda d, on: answer_all(on, d, library().values()),
        staged=staged,
    )
