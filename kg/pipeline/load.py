"""Files → named graphs: find the sources, parse them (errors say file, line and column).

Each source file becomes one named graph. Packaged files get stable graph IRIs under
``https://w3id.org/iodm/graph/`` (``…/graph/ontology/iodm.ttl``, ``…/graph/data/missions.ttl``);
a user's file gets its ``file:`` URI.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.core.errors import Location, ParseError, UsageError
from kg.core.namespaces import GRAPH
from kg.core.resources import data_dir, ontology_dir

FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
}


@dataclass
class Source:
    """One parsed file: where it came from, the graph it goes to, its role and its triples."""

    path: Path | None  # None for a graph read back from a store
    graph: str
    role: str  # "ontology", "shapes", "data" or "extra"
    triples: list[ox.Triple] = field(default_factory=list)

    @property
    def is_shapes(self) -> bool:
        return self.role == "shapes"


def packaged_files(core_only: bool = False) -> list[tuple[Path, str, str]]:
    """(path, graph IRI, role) of the ontology, vocabularies, shapes and curated data.

    ``core_only`` keeps the core module alone: no file of the peacekeeping module (its name
    contains ``pko``) and no curated data, for researchers who model another organization.
    """
    found: list[tuple[Path, str, str]] = []
    onto = ontology_dir()
    for path in sorted(onto.rglob("*.ttl")):
        rel = path.relative_to(onto).as_posix()
        if core_only and "pko" in path.name:
            continue
        role = "shapes" if rel.startswith("shapes/") else "ontology"
        found.append((path, f"{GRAPH}ontology/{rel}", role))
    data = data_dir()
    for path in sorted(data.rglob("*.ttl")) if data.is_dir() and not core_only else []:
        rel = path.relative_to(data).as_posix()
        found.append((path, f"{GRAPH}data/{rel}", "data"))
    return found


def extra_files(paths: Iterable[str | Path]) -> list[tuple[Path, str, str]]:
    found = []
    for p in paths:
        path = Path(p)
        if not path.is_file():
            raise UsageError(f"{p}: no such file")
        if path.suffix.lower() not in FORMATS:
            known = ", ".join(sorted(FORMATS))
            raise UsageError(f"{p}: unknown RDF format {path.suffix!r}", f"use one of {known}")
        found.append((path, path.resolve().as_uri(), "extra"))
    return found


def parse_file(path: Path, graph: str, role: str, progress: Progress | None = None) -> Source:
    """Parse one file into a :class:`Source`; a syntax error becomes a :class:`ParseError`."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UsageError(f"{path}: unknown RDF format {path.suffix!r}")
    source = Source(path, graph, role)
    triples = source.triples
    try:
        with path.open("rb") as stream:
            for quad in ox.parse(stream, format=fmt, base_iri=path.resolve().as_uri()):
                if not isinstance(quad.graph_name, ox.DefaultGraph):
                    raise ParseError(Location(str(path)), "named graphs are not accepted here")
                triples.append(quad.triple)
                if progress is not None and len(triples) % 50_000 == 0:
                    progress.tick(path, len(triples))
    except SyntaxError as e:
        detail = _syntax_detail(e)
        raise ParseError(
            Location(str(path), e.lineno, e.offset),
            detail,
            "fix the syntax there; nothing was written to the store",
        ) from e
    except UnicodeDecodeError as e:
        raise ParseError(Location(str(path)), f"not UTF-8 text ({e.reason})") from e
    except OSError as e:
        raise UsageError(f"{path}: cannot read: {e}") from e
    return source


def _syntax_detail(e: SyntaxError) -> str:
    msg = e.msg or str(e)
    # pyoxigraph prefixes "Parser error at line L column C: "; the location is printed already.
    head, sep, tail = msg.partition(": ")
    return tail if sep and head.startswith("Parser error") else msg


def parse_all(
    files: Iterable[tuple[Path, str, str]], progress: Progress | None = None
) -> list[Source]:
    sources = []
    for path, graph, role in files:
        source = parse_file(path, graph, role, progress)
        if progress is not None:
            progress.done(path, len(source.triples))
        sources.append(source)
    return sources


class Progress:
    """Progress lines on stderr: one per file, and a running count on long files."""

    def __init__(self, stream=None, quiet: bool = False) -> None:  # type: ignore[no-untyped-def]
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.started = time.perf_counter()
        self.total = 0
        self._live = hasattr(self.stream, "isatty") and self.stream.isatty()

    def say(self, text: str) -> None:
        if not self.quiet:
            print(text, file=self.stream, flush=True)

    def tick(self, path: Path, count: int) -> None:
        if not self.quiet and self._live:
            rate = count / max(time.perf_counter() - self.started, 1e-6)
            print(
                f"\r  parsing {_short(path)}: {count:,} triples ({rate:,.0f}/s)",
                end="",
                file=self.stream,
                flush=True,
            )

    def done(self, path: Path, count: int) -> None:
        self.total += count
        if self._live and not self.quiet:
            print("\r\033[K", end="", file=self.stream)
        self.say(f"  parsed {_short(path)}  {count:,} triples")


def _short(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        for anchor in (ontology_dir().parent, data_dir().parent.parent):
            try:
                return path.resolve().relative_to(anchor).as_posix()
            except ValueError:
                continue
        return str(path)
