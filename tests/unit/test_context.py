"""IODM's JSON-LD context: generated from the ontology, shipped with it, and what `iodm export
--format jsonld` compacts with."""

from __future__ import annotations

import io
import json
import tomllib
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.compare import isomorphic

from kg.core.namespaces import ID, IODM, PKO, XSD
from kg.core.resources import ontology_dir
from kg.core.terms import rdflib_graph
from kg.inspect import CONTEXT_URL, export, jsonld, jsonld_context
from kg.pipeline.load import packaged_files
from kg.store import OxigraphStore
from tools.context import CONTEXT, URL, context_text, declarations

ROOT = Path(__file__).resolve().parents[2]


def test_context_file_is_what_the_generator_writes() -> None:
    assert CONTEXT.read_text(encoding="utf-8") == context_text(), (
        "ontology/iodm-context.jsonld is out of date: run `python -m tools.context`"
    )


def test_context_file_ships_with_the_ontology_but_is_not_built() -> None:
    assert CONTEXT.parent == ontology_dir() and URL == CONTEXT_URL
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert wheel["ontology"] == "kg/ontology"  # so the wheel carries ontology/*.jsonld too
    assert CONTEXT not in {path for path, _, _ in packaged_files()}


def test_every_iodm_term_has_a_term_typed_by_its_kind() -> None:
    ctx = jsonld_context()
    for prefix in ("iodm", "pko", "org", "prov", "time", "skos", "geo", "dcterms", "foaf"):
        assert ctx[prefix].startswith("http"), prefix
    assert ctx["rdfs"] == "http://www.w3.org/2000/01/rdf-schema#" and ctx["xsd"] == XSD
    found = declarations()
    assert len(found) > 100
    named = {
        (d if isinstance(d, str) else d["@id"]).replace("iodm:", IODM).replace("pko:", PKO): d
        for name, d in ctx.items()
        if isinstance(d, str | dict) and name not in ("iodm", "pko")
    }
    for iri, (kind, datatype) in found.items():
        if iri.endswith("#IOHeadquarters") and iri.startswith(PKO):
            assert iri not in named  # the core's iodm:IOHeadquarters has the name
            continue
        definition = named[iri]
        if kind == "object":
            assert definition == {"@id": definition["@id"], "@type": "@id"}, iri
        elif datatype:
            assert definition["@type"] == "xsd:" + datatype.removeprefix(XSD), iri
        else:
            assert isinstance(definition, str), iri
    assert ctx["Post"] == "iodm:Post"
    assert ctx["holder"] == {"@id": "iodm:holder", "@type": "@id"}
    assert ctx["distanceToHostCapitalKm"] == {
        "@id": "iodm:distanceToHostCapitalKm",
        "@type": "xsd:decimal",
    }
    assert ctx["startDate"] == "iodm:startDate"  # iodm:FlexibleDate: a date, month or year
    assert ctx["IOHeadquarters"] == "iodm:IOHeadquarters"


def _toy() -> list[ox.Triple]:
    post, official = ox.NamedNode(ID + "post/p"), ox.NamedNode(ID + "official/o")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    return [
        ox.Triple(post, rdf_type, ox.NamedNode(IODM + "Post")),
        ox.Triple(post, ox.NamedNode(IODM + "holder"), official),
        ox.Triple(
            post,
            ox.NamedNode(IODM + "distanceToHostCapitalKm"),
            ox.Literal("12.5", datatype=ox.NamedNode(XSD + "decimal")),
        ),
        ox.Triple(post, label, ox.Literal("A post", language="en")),
        ox.Triple(official, rdf_type, ox.NamedNode(IODM + "Official")),
        ox.Triple(
            official,
            ox.NamedNode(IODM + "startDate"),
            ox.Literal("2019", datatype=ox.NamedNode(XSD + "gYear")),
        ),
    ]


def test_jsonld_is_compacted_with_the_context_and_reads_back_the_same() -> None:
    text = jsonld(_toy())
    document = json.loads(text)
    assert document["@context"] == jsonld_context()
    official, post = document["@graph"]  # ordered by @id
    assert post == {
        "@id": ID + "post/p",
        "@type": "Post",
        "holder": ID + "official/o",
        "distanceToHostCapitalKm": "12.5",
        "rdfs:label": {"@language": "en", "@value": "A post"},
    }
    assert official["startDate"] == {"@type": "xsd:gYear", "@value": "2019"}
    back = rdflib.Graph().parse(data=text, format="json-ld")
    assert isomorphic(back, rdflib_graph(_toy()))
    assert jsonld(reversed(_toy())) == text  # the same document whatever the order


def test_jsonld_may_refer_to_the_published_context() -> None:
    document = json.loads(jsonld(_toy(), link_context=True))
    assert document["@context"] == "https://w3id.org/iodm/context.jsonld"
    assert [node["@type"] for node in document["@graph"]] == ["Official", "Post"]


def test_export_writes_jsonld_compacted_and_quads_with_their_graph_names() -> None:
    graph = "https://example.org/study/graph/data"
    store = OxigraphStore(quads=[ox.Quad(*t, ox.NamedNode(graph)) for t in _toy()])
    out = io.StringIO()
    assert export(store, "jsonld", out) == len(_toy())
    assert json.loads(out.getvalue())["@graph"][1]["holder"] == ID + "official/o"
    out = io.StringIO()
    export(store, "nq", out)
    assert all(line.endswith(f"<{graph}> .") for line in out.getvalue().splitlines())
