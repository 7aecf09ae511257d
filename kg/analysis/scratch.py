"""In-memory copies of a store, and atomic file writes.

What-if scenarios and rule derivations work on a :class:`ScratchStore`, an in-memory Oxigraph
store filled from the user's store: the user's store is only ever read.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import pyoxigraph as ox

from kg.store import OxigraphStore, Store


class ScratchStore(OxigraphStore):
    """An Oxigraph store in memory, with the same query and update semantics as the default
    store (the default graph is the union of the named graphs)."""

    def __init__(self, quads: Iterable[ox.Quad] = ()) -> None:
        super().__init__(Path("(memory)"), writable=True)
        self.descriptor = "scratch: (in memory)"
        self.store.extend(quads)

    def _open(self) -> ox.Store:
        return ox.Store()

    def add(self, triples: Iterable[ox.Triple], graph: str) -> None:
        """Add triples to one named graph."""
        g = ox.NamedNode(graph)
        self.store.extend(ox.Quad(t.subject, t.predicate, t.object, g) for t in triples)

    def copy(self) -> ScratchStore:
        return ScratchStore(self.quads())


def copy_of(store: Store) -> ScratchStore:
    """A new in-memory store holding every quad of ``store`` (which is only read)."""
    return ScratchStore(store.quads())


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary sibling of ``path``, then rename it to ``path``: a
    reader never sees a half-written file, and a failure leaves ``path`` as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; give it a usual file's mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomically(path: Path, text: str) -> None:
    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    write_atomically(path, write)
