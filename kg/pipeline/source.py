"""What the loaders share: a parsed source, progress lines, where the packaged files are.

Below :mod:`kg.pipeline.load` (files of every format) and :mod:`kg.pipeline.sheets` (coding
sheets), so that neither imports the other's callers: the loader dispatches to the sheets, and
the sheets make the same :class:`Source` objects.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.core.errors import Location, UsageError
from kg.core.namespaces import DCTERMS, GRAPH, PROV, XSD
from kg.core.resources import data_dir, ontology_dir
from kg.pipeline.locate import Positions, scan
from kg.store import LoadedGraph

FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
}
#: the formats whose text :mod:`kg.pipeline.locate` scans for lines
SCANNED = {ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES}
#: the longest literal, IRI or sheet cell a file may hold, in characters (``IODM_MAX_LITERAL``
#: overrides it)
MAX_LITERAL = 1_000_000


def limit(name: str, default: int) -> int:
    """A limit on input files: the environment variable ``name`` if set, else ``default``."""
    import os

    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not (value.isascii() and value.isdigit()) or int(value) <= 0:
        raise UsageError(f"{name}={value!r} is not a positive whole number", f"unset {name}")
    return int(value)


#: the roles of the packaged files (and of the graph the build derives); any other is the user's
PACKAGED_ROLES = frozenset({"ontology", "shapes", "data", "derived"})


@dataclass
class Source:
    """One parsed file (or sheet): where it came from, the graph it goes to, its role, its
    triples, where it states each subject, and what the build manifest records about it."""

    path: Path | None  # None for a graph read back from a store
    graph: str
    role: str  # "ontology", "shapes", "data" or "extra" (a user's file or sheet)
    #: a list, or the graph of a store in memory that holds them (a user's file the store
    #: loaded, the derived graph): :class:`kg.store.LoadedGraph`
    triples: list[ox.Triple] | LoadedGraph = field(default_factory=list)
    #: subject IRI → where it is stated (a sheet's reader fills it row by row)
    locations: dict[str, Location] = field(default_factory=dict)
    #: triples about this source's graph for the build manifest (e.g. who coded it, when)
    provenance: list[ox.Triple] = field(default_factory=list)
    _positions: Positions | None = field(default=None, init=False, repr=False, compare=False)
    _text: str | None = field(default=None, init=False, repr=False, compare=False)

    def rename(self, graph: str) -> None:
        """Move this source to another graph (its manifest triples follow)."""
        old, new = ox.NamedNode(self.graph), ox.NamedNode(graph)
        self.provenance = [
            ox.Triple(new if t.subject == old else t.subject, t.predicate, t.object)
            for t in self.provenance
        ]
        self.graph = graph

    @property
    def is_shapes(self) -> bool:
        return self.role == "shapes"

    @property
    def is_users(self) -> bool:
        """A file or sheet of the user's, not one IODM ships."""
        return self.role not in PACKAGED_ROLES

    def locate(self, iri: str) -> Location | None:
        """Where this source states ``iri`` (the line of its first statement as a subject in
        a Turtle or N-Triples file), else where it first mentions it; None if unknown."""
        if iri in self.locations:
            return self.locations[iri]
        positions = self.positions()
        if positions is None:
            return None
        line = positions.subjects.get(iri) or positions.mentions.get(iri)
        return Location(str(self.path), line) if line else None

    def locate_use(self, iri: str) -> Location | None:
        """Where this source first uses ``iri`` (as a predicate, a class, a datatype…)."""
        positions = self.positions()
        line = positions.mentions.get(iri) if positions is not None else None
        if line:
            return Location(str(self.path), line)
        return self.locate(iri) or (Location(str(self.path)) if self.path else None)

    def positions(self) -> Positions | None:
        """The lines of this file's subjects and terms, scanned on first use (None when the
        source is not a Turtle or N-Triples file)."""
        if self._positions is None:
            text = self.text()
            if text is None:
                return None
            assert self.path is not None
            self._positions = scan(text, self.path.resolve().as_uri())
        return self._positions

    def text(self) -> str | None:
        """The text of a Turtle or N-Triples file (None for any other source)."""
        if self._text is None:
            if self.path is None or FORMATS.get(self.path.suffix.lower()) not in SCANNED:
                return None
            try:
                self._text = self.path.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError):
                return None
        return self._text


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


def import_provenance(graph: str, where: str, digest: str) -> list[ox.Triple]:
    """What the build manifest records about a user's imported file or sheet (PROV, DCTERMS):
    where it came from, its SHA-256, when and by which version of IODM it was imported."""
    from kg import __version__

    g = ox.NamedNode(graph)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    return [
        ox.Triple(g, ox.NamedNode(DCTERMS + "source"), ox.Literal(where)),
        ox.Triple(g, ox.NamedNode(DCTERMS + "identifier"), ox.Literal(f"sha256:{digest}")),
        ox.Triple(
            g,
            ox.NamedNode(PROV + "generatedAtTime"),
            ox.Literal(now, datatype=ox.NamedNode(XSD + "dateTime")),
        ),
        ox.Triple(
            g,
            ox.NamedNode(DCTERMS + "description"),
            ox.Literal(f"imported by iodm {__version__} from {where}"),
        ),
    ]


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

    def warn(self, text: str) -> None:
        """A warning line: printed even when quiet."""
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

    def loading(self, path: Path) -> None:
        """A file the store loads itself: no running count, a line while it lasts."""
        if not self.quiet and self._live:
            print(f"\r  loading {_short(path)} into the store…", end="", file=self.stream)

    def done(self, path: Path, count: int, verb: str = "parsed") -> None:
        self.total += count
        if self._live and not self.quiet:
            print("\r\033[K", end="", file=self.stream)
        self.say(f"  {verb} {_short(path)}  {count:,} triples")


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
