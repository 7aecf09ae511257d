"""Regenerate the example figures in ``examples/figures/`` (``iodm figure examples -o DIR``).

Two graphs, each built fresh in memory (the user's store is not touched): the curated graph of
the paper's world, into ``DIR/curated/``, and the development-bank example (synthetic, core
ontology only), into ``DIR/development-bank/``.
"""

from __future__ import annotations

from pathlib import Path

from kg.core.errors import UsageError


def example_dir() -> Path:
    """``examples/development-bank`` of a source checkout."""
    from kg.core.resources import queries_dir

    found = queries_dir().parent / "examples" / "development-bank"
    if not found.is_dir():
        raise UsageError(
            "the development-bank example is not installed",
            "run this from a source checkout of IODM, which has examples/",
        )
    return found


def regenerate(folder: Path) -> list[Path]:
    from kg.analysis.figures import NAMES, Context, draw, save
    from kg.pipeline.build import build
    from kg.store import OxigraphStore

    written = []
    curated = OxigraphStore()
    build(curated)
    bank = OxigraphStore()
    build(bank, sorted(example_dir().glob("*.ttl")), core_only=True)
    graphs = (
        ("curated", curated, "the curated graph of the paper's world (kg/data)"),
        (
            "development-bank",
            bank,
            "examples/development-bank, synthetic toy data, not facts about the real world",
        ),
    )
    for name, store, description in graphs:
        ctx = Context(store, graph_name=description)
        for figure_name in NAMES:
            figure = draw(figure_name, ctx)
            for fmt in ("png", "svg"):
                path = folder / name / f"{figure_name}.{fmt}"
                save(figure, path)
                written.append(path)
    return written
