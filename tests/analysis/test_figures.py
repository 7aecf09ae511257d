"""Each figure renders as a valid PNG and SVG with its title and source line."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kg.analysis.distances import rows
from kg.analysis.figures import NAMES, Context, draw, save

TITLES = {
    "spectrum": "conciliation–confrontation spectrum (after Figure 2)",
    "factors": "Table 1 as a factor map",
    "hierarchy": "units and posts coloured by net lean",
    "distances": "Posts by distance from the host capital",
}


@pytest.mark.parametrize("graph", ["curated", "bank"])
@pytest.mark.parametrize("name", NAMES)
def test_figure_renders_as_png_and_svg(
    name: str, graph: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    figure = draw(
        name, Context(request.getfixturevalue(graph), graph_name=f"the {graph} test graph")
    )
    png, svg = tmp_path / f"{name}.png", tmp_path / f"{name}.svg"
    save(figure, png)
    save(figure, svg)
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000
    text = svg.read_text(encoding="utf-8")
    ET.fromstring(text)  # well-formed XML
    assert TITLES[name] in text
    assert "Oksamytna, Tansey, von Billerbeck" in text and f"the {graph} test graph" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([png.name, svg.name])


def test_curated_distances_figure_plots_the_posts_with_coordinates(curated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svg = tmp_path / "d.svg"
    save(draw("distances", Context(curated)), svg)
    text = svg.read_text(encoding="utf-8")
    assert "the paper gives none" not in text
    # The east of DRC is a region the paper gives no position for: no distance, so not plotted.
    assert "Eastern DRC" not in text and "eastern DRC" not in text


def test_distances_figure_plots_the_rows_of_cq1(toy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The figure and `iodm distances` show the same rows: one point per CQ1 row with a distance,
    labelled with its km and reporting steps, one per post outside the host state without one."""
    svg = tmp_path / "d.svg"
    save(draw("distances", Context(toy)), svg)
    text = svg.read_text(encoding="utf-8")
    found = rows(toy)
    measured = [r for r in found if r.km is not None]
    assert measured
    assert text.count(" km · ") == len(measured)
    for r in measured:
        steps = {None: "no reporting line", 0: "deals with them itself"}.get(
            r.steps, f"{r.steps} step(s)"
        )
        assert f"{float(r.km or 0):,.1f} km · {steps}" in text, r
    away = {r.post for r in found if r.km is None and r.outside}
    assert away
    assert text.count('id="PathCollection_') == len(measured) + len(away)  # one scatter each


def test_spectrum_places_the_curated_cases(curated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svg = tmp_path / "s.svg"
    save(draw("spectrum", Context(curated)), svg)
    text = svg.read_text(encoding="utf-8")
    for case in ("UNOCI", "MINUSTAH", "MONUC/MONUSCO", "UNAMID"):
        assert case in text


def test_unknown_format_is_refused(curated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from kg.core.errors import UsageError

    with pytest.raises(UsageError, match=r"\.png or \.svg"):
        save(draw("factors", Context(curated)), tmp_path / "x.jpg")
    assert not list(tmp_path.iterdir())
