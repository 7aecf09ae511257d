"""Several coders: their codings sit side by side, and validation says so instead of failing.

Each coder's rows are in that coder's named graph (docs/ingest.md). Validation runs on the union,
where two coders who gave one response different options make it break "exactly one option".
That is a disagreement between coders, not an error in either coding: such a result becomes a
warning that names each coder's value and points to ``iodm agreement``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.core.namespaces import expand, sh
from kg.core.results import display

if TYPE_CHECKING:
    from kg.pipeline.source import Source
    from kg.pipeline.validate import ValidationReport

PROV_ATTRIBUTED = "http://www.w3.org/ns/prov#wasAttributedTo"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_MAX_COUNT = sh.MaxCountConstraintComponent
#: the coder whose rows are the adjudicated coding
CONSENSUS = "consensus"


def coder_of(source: Source) -> str | None:
    """The coder's name of a source that holds one coder's rows (else None)."""
    agent = next(
        (t.object for t in source.provenance if t.predicate.value == PROV_ATTRIBUTED), None
    )
    if not isinstance(agent, ox.NamedNode):
        return None
    return next(
        (
            t.object.value
            for t in source.provenance
            if t.subject == agent
            and t.predicate.value == RDFS_LABEL
            and isinstance(t.object, ox.Literal)
        ),
        agent.value,
    )


def relax_disagreements(report: ValidationReport, sources: Sequence[Source]) -> None:
    """Turn each cardinality violation that only the union of coders' graphs breaks into a
    warning naming every coder's value."""
    coded = [(coder, s) for s in sources if (coder := coder_of(s)) is not None]
    if len({coder for coder, _ in coded}) < 2:
        return
    candidates = [
        r
        for r in report.results
        if r.severity == "Violation" and r.path and expand(r.constraint) == _MAX_COUNT
    ]
    if not candidates:
        return
    keys = {(_focus_iri(r.focus_term, r.focus_node), expand(r.path)) for r in candidates}
    found: dict[tuple[str, str], dict[str, set[str]]] = {}
    for coder, source in coded:  # one pass over the coders' triples
        for t in source.triples:
            key = (str(getattr(t.subject, "value", "")), t.predicate.value)
            if key in keys:
                found.setdefault(key, {}).setdefault(coder, set()).add(display(t.object))
    results = []
    for r in report.results:
        if r in candidates:
            values = found.get((_focus_iri(r.focus_term, r.focus_node), expand(r.path)), {})
            distinct = {frozenset(v) for v in values.values()}
            if len(values) >= 2 and all(len(v) == 1 for v in values.values()) and len(distinct) > 1:
                said = "; ".join(f"{c}: {', '.join(sorted(v))}" for c, v in sorted(values.items()))
                settle = (
                    "the consensus row settles it"
                    if CONSENSUS in values
                    else "add a row by coder 'consensus' to settle it"
                )
                r = replace(
                    r,
                    severity="Warning",
                    message=f"coders disagree on {r.path} ({said}); the codings are kept side "
                    f"by side (see `iodm agreement`); {settle}",
                )
        results.append(r)
    report.results = results
    report.conforms = not any(r.severity == "Violation" for r in results)


def _focus_iri(term: object, text: str) -> str:
    return term.value if isinstance(term, ox.NamedNode) else expand(text)
