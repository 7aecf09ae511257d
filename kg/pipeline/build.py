"""Build the knowledge graph: files → parse → validate → store, in that order.

Nothing is written unless every file parses and the whole graph conforms to the shapes; the
write itself is one transaction (:meth:`kg.store.Store.replace_graphs`), from the staging store
the build validated and derived on: an ``oxigraph:`` store on disk bulk-loads its dump into a
new directory and swaps it in. The build graph records
which graphs the build wrote, so the next build replaces exactly those, and which dataset
descriptions the user's files gave (``<build> dcterms:references <dataset>``): the description
itself stays in the graph of the file (or sheet) that states it, and ``iodm serve`` and
``iodm publish`` find it through the manifest.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyoxigraph as ox

from kg.answers import answer_all
from kg.core.errors import InvalidDataError, StoreError
from kg.core.namespaces import (
    BUILD_GRAPH,
    DCTERMS,
    GRAPH,
    INFERRED_GRAPH,
    XSD,
    expand,
    shorten,
    void,
)
from kg.pipeline.derive import DERIVED_GRAPH, DERIVED_ONLY, derive_on
from kg.pipeline.load import (
    NAMESPACE_PATTERN,
    USER_GRAPHS,
    DatasetDescription,
    Locator,
    Progress,
    Source,
    dataset_descriptions,
    extra_files,
    packaged_files,
    parse_all,
)
from kg.pipeline.shacl import shapes_report
from kg.pipeline.validate import ValidationReport, ValidationResult, run_checks
from kg.store import LoadedGraph, OxigraphStore, Store, matching


def load_sources(
    extra: Iterable[str | Path] = (), progress: Progress | None = None, core_only: bool = False
) -> list[Source]:
    """Parse the packaged ontology, shapes and curated data (see ``packaged_files``), then the
    user's files: RDF, coding workbooks, CSV sheets or folders of them. A file that states
    what only the build derives is refused here (:func:`refuse_derived_statements`), for
    ``iodm validate`` as for ``iodm build``."""
    files = [*packaged_files(core_only), *extra_files(extra)]
    sources = parse_all(files, progress, into=ox.Store())  # the staging store of :func:`stage`
    refuse_derived_statements(sources)
    return sources


class _Chained(Collection[ox.Triple]):
    """The triples of several sources as one collection, read source by source on each pass
    (a :class:`LoadedGraph` is not read into a list)."""

    def __init__(self, parts: Sequence[Collection[ox.Triple]]) -> None:
        self.parts = parts

    def __iter__(self) -> Iterator[ox.Triple]:
        return itertools.chain.from_iterable(self.parts)

    def __len__(self) -> int:
        return sum(map(len, self.parts))

    def __contains__(self, triple: object) -> bool:
        return any(triple in part for part in self.parts)


def split(sources: Sequence[Source]) -> tuple[Collection[ox.Triple], list[ox.Triple]]:
    """(data triples — ontology included, shapes triples)."""
    data = _Chained([s.triples for s in sources if not s.is_shapes])
    shapes = [t for s in sources if s.is_shapes for t in s.triples]
    return data, shapes


def check_sources(sources: Sequence[Source]) -> ValidationReport:
    """The report of :func:`stage` (see there)."""
    return stage(sources)[0]


def stage(sources: Sequence[Source]) -> tuple[ValidationReport, OxigraphStore, list[ox.Quad]]:
    """Validate what a build would write, every finding located: ill-typed literals and the
    terms of the user's files (:mod:`kg.pipeline.terms`), the SHACL shapes, then the SPARQL
    checks.

    ``iodm validate FILE`` and ``iodm build FILE`` both read the files with
    :func:`load_sources` and check them with this function: what one refuses, the other does.

    Returns the report; the staging store the shapes and checks ran on, an Oxigraph store in
    memory holding each source's data (ontology included, shapes not) in its graph, which the
    build then derives on and writes from (the store :func:`load_sources` loaded the user's
    files into); and the quads set aside from those loaded graphs (below), which the build puts
    back.

    SHACL and the checks see the data without its ill-typed literals, so a bad literal is one
    result, not also a false violation of a shape or a check comparing it, and without the
    statements about the dataset descriptions: metadata in VoID and DCAT, not data the ontology
    describes, checked by :func:`dataset_results`; for a loaded graph, both are removed from the
    store it was loaded into, which is the staging store (so the sources are staged once).
    Checks scoped to the curated graph (``#+ scope: curated``) run when the build includes it.
    """
    from kg.pipeline import terms
    from kg.pipeline.sheets.coders import relax_disagreements
    from kg.queries import library

    scan = terms.Scan()  # one pass over each source's triples for the two checks on terms
    bad = terms.ill_typed(sources, scan)
    clean = terms.without(sources, bad)
    described = {ox.NamedNode(d.iri) for d in dataset_descriptions(sources)}
    aside = []
    if described:
        for graph in (s.triples for s in clean if isinstance(s.triples, LoadedGraph)):
            found = [
                ox.Quad(t.subject, t.predicate, t.object, graph.graph)
                for d in described
                for t in graph.matching(d)
            ]
            for quad in found:
                graph.store.remove(quad)
            aside += found
        clean = [
            s
            if isinstance(s.triples, LoadedGraph)
            else replace(s, triples=[t for t in s.triples if t.subject not in described])
            for s in clean
        ]
    data, shapes = split(clean)
    staging = staging_store(clean)
    report = shapes_report(data, shapes, staging)
    if bad:  # a shape's result about a dropped literal's property repeats what `bad` says
        dropped = {(b.triple.subject, b.triple.predicate.value) for b in bad}
        report.results = [
            r for r in report.results if (r.focus_term, expand(r.path)) not in dropped
        ]
    curated = any(s.role == "data" for s in sources)
    checks = [
        q for q in library().values() if q.group == "checks" and (curated or q.scope != "curated")
    ]
    report.add(run_checks(staging, checks))
    report.add([*terms.ill_typed_results(bad), *terms.term_results(sources, scan)])
    report.add(dataset_results(sources))
    relax_disagreements(report, clean)  # two coders' values side by side are not an error
    if report.results:
        locator = Locator(sources)
        report.locate(locator, locator.written)
    return report, staging, aside


def staging_store(sources: Sequence[Source]) -> OxigraphStore:
    """The store in memory the sources' data (ontology included, shapes not) is validated on:
    the one their loaded graphs are in (:func:`load_sources` loads the user's files into one),
    else a new one, with every source parsed into a list added to it."""
    loaded = [s.triples for s in sources if isinstance(s.triples, LoadedGraph)]
    staging = OxigraphStore(store=loaded[0].store if loaded else None)
    for s in sources:
        if not s.is_shapes and not isinstance(s.triples, LoadedGraph):
            staging.add(s.triples, s.graph)
    return staging


def dataset_results(sources: Sequence[Source]) -> list[ValidationResult]:
    """What is wrong with the dataset descriptions of the user's files, located: a description
    (a ``void:Dataset``) without ``void:uriSpace``, or with one that is not an absolute http(s)
    IRI ending in / or #, is a violation; one without title or licence is a warning."""
    users = [s for s in sources if s.is_users]
    if not users:
        return []
    results: list[ValidationResult] = []

    def add(
        severity: str, rule: str, where: object, message: str, focus: str = "", value: str = ""
    ) -> None:
        results.append(
            ValidationResult.of_rule(
                rule, message, where, severity=severity, focus=focus, value=value
            )
        )

    descriptions = dataset_descriptions(users)
    for d in descriptions:
        where = d.source.locate(d.iri) or d.source.path or d.source.graph
        focus = f"<{d.iri}>"
        example = '"https://example.org/my-study/"'
        if not d.uri_spaces:
            add(
                "Violation",
                "dataset:no-uri-space",
                where,
                f"the dataset description {focus} declares no namespace: add "
                f"void:uriSpace {example}, the namespace its resources' IRIs start with",
                focus,
            )
        for space in d.uri_spaces:
            if not isinstance(space, ox.Literal):
                add(
                    "Violation",
                    "dataset:bad-uri-space",
                    where,
                    f"void:uriSpace takes a string, not an IRI: write it in quotes, e.g. {example}",
                    focus,
                    str(space),
                )
            elif not NAMESPACE_PATTERN.match(space.value):
                add(
                    "Violation",
                    "dataset:bad-uri-space",
                    where,
                    "void:uriSpace must be an absolute http(s) IRI ending in / or #, e.g. "
                    + example,
                    focus,
                    space.value,
                )
        stated = {t.predicate.value for t in d.source.triples if t.subject.value == d.iri}  # type: ignore[union-attr]
        for term, what in (("title", "title"), ("license", "licence")):
            if DCTERMS + term not in stated:
                add(
                    "Warning",
                    f"dataset:no-{what}",
                    where,
                    f"the dataset description {focus} has no {what} (dcterms:{term}): "
                    "the published home page and VoID show it",
                    focus,
                )
    return results


def fallback_warning(sources: Sequence[Source]) -> str | None:
    """The build's warning when the user's RDF files come without a dataset description: their
    graphs are then named under :data:`kg.pipeline.load.USER_GRAPHS`."""
    files = [s for s in sources if s.is_users and s.path and s.graph.startswith(USER_GRAPHS)]
    if not files or dataset_descriptions(sources):
        return None
    return (
        f"warning: no dataset description among your files, so their graphs are named "
        f"<{USER_GRAPHS}{{file name}}> and the published site describes no dataset of yours; "
        "add a void:Dataset with its void:uriSpace, e.g. a dataset.ttl (docs/ingest.md)"
    )


@dataclass
class BuildSummary:
    graphs: int
    triples: int
    report: ValidationReport
    warnings: list[str] = field(default_factory=list)


def refuse_derived_statements(sources: Sequence[Source]) -> None:
    """Refuse a source that states what only the build derives.

    Those properties are :data:`kg.pipeline.derive.DERIVED_ONLY`.
    """
    derived_only = [ox.NamedNode(p) for p in DERIVED_ONLY]
    for source in sources:
        found = [t for p in derived_only for t in matching(source.triples, predicate=p)]
        if found:
            located = source.locate_use(found[0].predicate.value)
            where = str(located or source.path or source.graph)
            raise InvalidDataError(
                f"{where}: {shorten(found[0].subject.value)} states "  # type: ignore[union-attr]
                f"{shorten(found[0].predicate.value)}, which IODM derives at build time"
                + (f" ({len(found)} such statements)" if len(found) > 1 else ""),
                "remove these statements: the build computes them from the data",
            )


def build(
    store: Store,
    extra: Iterable[str | Path] = (),
    progress: Progress | None = None,
    core_only: bool = False,
) -> BuildSummary:
    """Parse, validate, derive, then write everything at once (:meth:`Store.replace_graphs`:
    a new store directory swapped in, for an ``oxigraph:`` store on disk)."""
    from kg.queries import library

    progress = progress or Progress(quiet=True)
    store.reserve()  # a second build on the store stops here, not after its validation
    sources = load_sources(extra, progress, core_only)
    progress.say(f"validating {progress.total:,} triples (SHACL shapes, then SPARQL checks)…")
    report, staging, aside = stage(sources)
    report.raise_for_results()
    progress.say("deriving…")
    descriptions = dataset_descriptions(sources)
    warning = fallback_warning(sources)
    described = {ox.NamedNode(d.iri) for d in descriptions}
    for s in sources if described else ():  # what the checks set aside: dataset descriptions
        if not isinstance(s.triples, LoadedGraph):
            staging.add([t for t in s.triples if t.subject in described], s.graph)
    staging.store.extend(aside)
    counts = {s.graph: len(s.triples) for s in sources}
    for s in sources:  # the staging store holds them: the Python objects of the files
        if not s.is_shapes:  # parsed into lists go (the shapes are added to it below)
            s.triples = []
    derive_on(staging)  # into the staging store, where the graph stays (no list kept)
    derived = LoadedGraph(staging.store, DERIVED_GRAPH)
    sources.append(Source(None, DERIVED_GRAPH, "derived", derived))
    counts[DERIVED_GRAPH] = len(derived)
    previous = managed_graphs(store)
    graphs = {s.graph: s.triples for s in sources}
    graphs[BUILD_GRAPH] = _manifest(sources, descriptions, counts)
    for g in set(graphs) - set(staging.named_graphs()):  # the shapes, the manifest
        staging.add(graphs[g], g)  # now the staging store holds what the store will
    graphs = {g: LoadedGraph(staging.store, g) for g in graphs}  # read from there

    def answer(directory: Path, on: ox.Store) -> None:
        progress.say("answering the named queries (kg.answers)…")
        answer_all(on, directory, library().values())

    progress.say(f"writing {len(sources)} graphs to {store.descriptor}…")
    store.replace_graphs(
        graphs, drop=[*previous, INFERRED_GRAPH], answer=answer, staged=staging.store
    )
    if warning:
        progress.warn(warning)
    summary = BuildSummary(len(sources), sum(counts.values()), report)
    summary.warnings = [warning] if warning else []
    return summary


def managed_graphs(store: Store) -> dict[str, str]:
    """Graph IRI → role, for the graphs the last build wrote (empty if never built)."""
    result = store.select(
        "SELECT ?g ?role WHERE { GRAPH ?build { ?build ?hasPart ?g . ?g ?type ?role } }",
        {
            "build": ox.NamedNode(BUILD_GRAPH),
            "hasPart": ox.NamedNode(DCTERMS + "hasPart"),
            "type": ox.NamedNode(DCTERMS + "type"),
        },
    )
    return {
        g.value: role.value
        for g, role in result.rows
        if isinstance(g, ox.NamedNode) and isinstance(role, ox.Literal)
    }


def stored_sources(store: Store) -> list[Source]:
    """The built graphs back from the store, as sources (for validate and reason)."""
    graphs = managed_graphs(store)
    if not graphs:
        raise StoreError(
            f"{store.descriptor} holds no built knowledge graph", "run `iodm build` first"
        )
    return [
        Source(None, g, role, [q.triple for q in store.quads(g)])
        for g, role in sorted(graphs.items())
    ]


def _manifest(
    sources: Sequence[Source], descriptions: Sequence[DatasetDescription], counts: Mapping[str, int]
) -> list[ox.Triple]:
    """The build graph: when, the user's dataset descriptions, and each graph written (its
    title, role, ``counts[graph]`` triples as parsed, and the provenance of its source)."""
    build = ox.NamedNode(BUILD_GRAPH)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    triples = [
        ox.Triple(
            build,
            ox.NamedNode(DCTERMS + "created"),
            ox.Literal(now, datatype=ox.NamedNode(XSD + "dateTime")),
        ),
    ]
    for d in descriptions:
        triples.append(ox.Triple(build, ox.NamedNode(DCTERMS + "references"), ox.NamedNode(d.iri)))
    for s in sources:
        g = ox.NamedNode(s.graph)
        label = s.path.name if s.is_users and s.path else s.graph.removeprefix(GRAPH)
        triples += [
            ox.Triple(build, ox.NamedNode(DCTERMS + "hasPart"), g),
            ox.Triple(g, ox.NamedNode(DCTERMS + "title"), ox.Literal(label)),
            ox.Triple(g, ox.NamedNode(DCTERMS + "type"), ox.Literal(s.role)),
            ox.Triple(
                g,
                ox.NamedNode(void.triples),
                ox.Literal(str(counts[s.graph]), datatype=ox.NamedNode(XSD + "integer")),
            ),
            *s.provenance,
        ]
    return triples
