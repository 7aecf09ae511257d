"""Shape examples: every file in valid/ conforms; every file in invalid/ fails with the shape and
constraint component its first line names (``# expect: SHAPE-IRI COMPONENT-IRI``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.core.namespaces import expand
from kg.pipeline.build import check_sources, split
from kg.pipeline.load import Source, packaged_files, parse_all, parse_file

HERE = Path(__file__).resolve().parent
VALID = sorted((HERE / "valid").glob("*.ttl"))
INVALID = sorted((HERE / "invalid").glob("*.ttl"))


@pytest.fixture(scope="module")
def schema() -> list[Source]:
    """The ontology, vocabularies and shapes, without the curated data."""
    return parse_all([f for f in packaged_files() if f[2] in ("ontology", "shapes")])


def check(schema: list[Source], example: Path):  # type: ignore[no-untyped-def]
    return check_sources([*schema, parse_file(example, example.as_uri(), "extra")])


def test_there_are_examples_both_ways() -> None:
    assert VALID and len(INVALID) >= 5


@pytest.mark.parametrize("example", VALID, ids=lambda p: p.stem)
def test_valid_examples_conform(schema: list[Source], example: Path) -> None:
    report = check(schema, example)
    assert report.conforms, report.serialize("table")


@pytest.mark.parametrize("example", INVALID, ids=lambda p: p.stem)
def test_invalid_examples_fail_as_their_header_says(schema: list[Source], example: Path) -> None:
    header = example.read_text(encoding="utf-8").splitlines()[0].split()
    assert header[:2] == ["#", "expect:"] and len(header) == 4, f"{example.name}: bad header"
    shape, component = header[2], header[3]
    report = check(schema, example)
    assert not report.conforms
    found = {
        (expand(r.shape), expand(r.constraint)) for r in report.results if r.severity == "Violation"
    }
    assert (shape, component) in found, f"{example.name}: got {sorted(found)}"


def test_shapes_graph_is_valid_shacl(schema: list[Source]) -> None:
    import pyshacl

    from kg.core.terms import rdflib_graph

    _, shapes = split(schema)
    conforms, _, text = pyshacl.validate(rdflib_graph(shapes), meta_shacl=True, inference="none")
    # meta_shacl checks the shapes graph against SHACL-for-SHACL before validating
    assert conforms, text
