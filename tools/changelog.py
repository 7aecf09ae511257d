"""Term-level changes between IODM versions, from the git history of ``ontology/``.

``python -m tools.changelog`` compares the terms of the ``iodm:`` and ``pko:`` namespaces (every
statement whose subject is the term) in the ontology files at each version's commit and writes:

- ``CHANGELOG.ttl``: the changes as data. Each version IRI is ``dcterms:isVersionOf`` its
  ontology with ``owl:versionInfo``, ``owl:priorVersion`` and ``dcterms:issued``; each term added,
  changed or removed has a ``skos:changeNote`` "VERSION: added|changed (…)|removed", an added term
  ``dcterms:issued``, a changed one ``dcterms:modified`` (the version's date).
- the term lists of ``CHANGELOG.md`` between its ``<!-- terms:VERSION:start/end -->`` markers.

A version is the commit that set its ``owl:versionInfo`` (:data:`VERSIONS`); the newest is the
working tree. ``iodm release`` ships ``CHANGELOG.ttl``.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
FILES = ("ontology/iodm.ttl", "ontology/iodm-pko.ttl")
NAMESPACES = {"iodm": "https://w3id.org/iodm#", "pko": "https://w3id.org/iodm/pko#"}
ONTOLOGIES = {"iodm": "https://w3id.org/iodm", "pko": "https://w3id.org/iodm/pko"}

#: version -> (commit that set it, or None for the working tree; release date)
VERSIONS: list[tuple[str, str | None, str]] = [
    ("0.1.0", "1a035f4", "2026-11-25"),
    ("0.2.0", "a4a7cc5", "2026-11-25"),
    ("0.3.0", None, "2026-12-03"),  # the working tree: what is being released
]


def _text(commit: str | None, path: str) -> str:
    if commit is None:
        return (ROOT / path).read_text(encoding="utf-8")
    done = subprocess.run(
        ["git", "show", f"{commit}:{path}"], cwd=ROOT, capture_output=True, text=True
    )
    return done.stdout if done.returncode == 0 else ""


def terms_at(commit: str | None) -> dict[str, set[tuple[str, str]]]:
    """Term IRI -> its statements (predicate, object; blank nodes as ``_``) at a commit."""
    found: dict[str, set[tuple[str, str]]] = {}
    for path in FILES:
        text = _text(commit, path)
        if not text:
            continue
        for t in ox.parse(text, format=ox.RdfFormat.TURTLE):
            s = t.subject
            if isinstance(s, ox.NamedNode) and any(
                s.value.startswith(n) for n in NAMESPACES.values()
            ):
                o = "_" if isinstance(t.object, ox.BlankNode) else str(t.object)
                found.setdefault(s.value, set()).add((t.predicate.value, o))
    return found


def short(iri: str) -> str:
    for prefix, ns in NAMESPACES.items():
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def local(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


def changes() -> list[tuple[str, str, dict[str, list[str]]]]:
    """(version, date, {"added"|"changed"|"removed": [term IRIs]}) per version."""
    out = []
    before: dict[str, set[tuple[str, str]]] = {}
    for version, commit, date in VERSIONS:
        now = terms_at(commit)
        out.append(
            (
                version,
                date,
                {
                    "added": sorted(set(now) - set(before)),
                    "changed": sorted(t for t in now if t in before and now[t] != before[t]),
                    "removed": sorted(set(before) - set(now)),
                },
            )
        )
        before = now
    return out


def _what_changed(a: set[tuple[str, str]], b: set[tuple[str, str]]) -> str:
    return ", ".join(sorted({local(p) for p, _ in a ^ b}))


def as_turtle(found: Sequence[tuple[str, str, dict[str, list[str]]]]) -> str:
    states = {v: terms_at(c) for v, c, _ in VERSIONS}
    lines = [
        "@prefix dcterms: <http://purl.org/dc/terms/> .",
        "@prefix owl:     <http://www.w3.org/2002/07/owl#> .",
        "@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .",
        "@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .",
        "",
        "# What changed between IODM versions, term by term: written by python -m tools.changelog",
        "# from the git history of ontology/ (CHANGELOG.md says the same in words).",
        "",
    ]
    prior: str | None = None
    for version, date, kinds in found:
        for iri in ONTOLOGIES.values():
            v = f"{iri}/{version}"
            lines.append(f"<{v}> dcterms:isVersionOf <{iri}> ;")
            if prior:
                lines.append(f"    owl:priorVersion <{iri}/{prior}> ;")
            lines.append(f'    dcterms:issued "{date}"^^xsd:date ;')
            lines.append(f'    owl:versionInfo "{version}" .')
        lines.append("")
        previous = states.get(prior or "", {})
        for kind, terms in kinds.items():
            for term in terms:
                note = f"{version}: {kind}"
                if kind == "changed":
                    note += f" ({_what_changed(previous[term], states[version][term])})"
                lines.append(f'<{term}> skos:changeNote "{note}"@en .')
                if kind == "added":
                    lines.append(f'<{term}> dcterms:issued "{date}"^^xsd:date .')
                elif kind == "changed":
                    lines.append(f'<{term}> dcterms:modified "{date}"^^xsd:date .')
        lines.append("")
        prior = version
    return "\n".join(lines)


def as_markdown(kinds: dict[str, list[str]]) -> str:
    parts = []
    for kind, terms in kinds.items():
        if terms:
            parts.append(
                f"- {kind.capitalize()} ({len(terms)}): "
                + ", ".join(f"`{short(t)}`" for t in terms)
            )
    return "\n".join(parts) or "- No term added, changed or removed."


def main() -> None:
    found = changes()
    (ROOT / "CHANGELOG.ttl").write_text(as_turtle(found), encoding="utf-8")
    md_path = ROOT / "CHANGELOG.md"
    md = md_path.read_text(encoding="utf-8")
    for version, _, kinds in found:
        start, end = f"<!-- terms:{version}:start -->", f"<!-- terms:{version}:end -->"
        if start in md and end in md:
            head, rest = md.split(start, 1)
            _, tail = rest.split(end, 1)
            md = f"{head}{start}\n{as_markdown(kinds)}\n{end}{tail}"
    md_path.write_text(md, encoding="utf-8")
    print(f"wrote {ROOT / 'CHANGELOG.ttl'} and the term lists of {md_path}")


if __name__ == "__main__":
    main()
