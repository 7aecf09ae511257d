"""Where the packaged ontology, queries and curated data are.

In a wheel they are inside the package (``kg/ontology``, ``kg/queries``, ``kg/data``); in a
checkout or an editable install, ``ontology/`` and ``queries/`` sit beside ``kg/``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]  # kg/


def _beside_or_inside(name: str) -> Path:
    inside = _PACKAGE / name
    return inside if inside.is_dir() else _PACKAGE.parent / name


def ontology_dir() -> Path:
    """The ontology: core, modules, SKOS vocabularies and SHACL shapes (Turtle)."""
    return _beside_or_inside("ontology")


def queries_dir() -> Path:
    """The query library: one ``.rq`` file per query."""
    return _beside_or_inside("queries")


def data_dir() -> Path:
    """The curated graph of the paper's world."""
    return _PACKAGE / "data"
