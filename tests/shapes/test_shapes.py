"""Shape examples: every file in valid/ conforms; every file in invalid/ fails with the shape and
constraint component its first line names (``# expect: SHAPE-IRI COMPONENT-IRI``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.pipeline.build import split
from kg.pipeline.load import Source, packaged_files, parse_all, parse_file
from kg.pipeline.validate import validate

HERE = Path(__file__).resolve().parent
VALID = sorted((HERE / "valid").glob("*.ttl"))
INVALID = sorted((HERE / "invalid").glob("*.ttl"))


@pytest.fixture(scope="module")
def schema() -> list[Source]:
    """The ontology, vocabularies and shapes, without the curated data."""
    return parse_all([f for f in packaged_files() if f[2] in ("ontology", "shapes")])


def check(schema: list[Source], example: Path):  # type: ignore[no-untyped-def]
    data, shapes = split([*schema, parse_file(example, example.as_uri(), "extra")])
    return validate(data, shapes)


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
    assert report.graph is not None
    found = set(_violations(report.graph))
    assert (shape, component) in found, f"{example.name}: got {sorted(found)}"


def _violations(graph):  # type: ignore[no-untyped-def]
    """(source shape IRI, constraint component IRI) of each violation in a W3C report."""
    from rdflib import RDF, Namespace

    sh = Namespace("http://www.w3.org/ns/shacl#")
    for r in graph.subjects(RDF.type, sh.ValidationResult):
        if graph.value(r, sh.resultSeverity) == sh.Violation:
            yield (
                str(graph.value(r, sh.sourceShape)),
                str(graph.value(r, sh.sourceConstraintComponent)),
            )


def test_shapes_graph_is_valid_shacl(schema: list[Source]) -> None:
    import pyshacl

    from kg.core.terms import rdflib_graph

    _, shapes = split(schema)
    conforms, _, text = pyshacl.validate(rdflib_graph(shapes), meta_shacl=True, inference="none")
    # meta_shacl checks the shapes graph against SHACL-for-SHACL before validating
    assert conforms, text
