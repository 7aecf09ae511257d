"""The ontology page carries the class diagram, drawn offline from the ontology itself.

The SVG (``kg/publish/templates/iodm-diagram.svg``) is written by ``python -m tools.diagram`` from
the same model as the Mermaid diagram of ``ontology/README.md``; a regenerated one must equal the
file, so it cannot go stale. The page is checked in-process (Starlette's TestClient) and as the
static site ``iodm publish`` writes, on the core-only build of the development-bank example.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest
from starlette.testclient import TestClient

from kg.core.namespaces import GRAPH, IODM, OWL, RDF
from kg.publish.app import ServerConfig, create_app
from kg.publish.dataset import Published
from kg.publish.site import publish
from kg.store import Store

SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def core(bank: Store) -> Published:
    return Published(bank)


@pytest.fixture(scope="module")
def page(core: Published) -> str:
    client = TestClient(create_app(core, ServerConfig(base_url="http://testserver/")))
    r = client.get("/iodm", headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    return r.text


def core_terms(core: Published) -> set[str]:
    """The local names of the terms typed in the core namespace (ontology and vocabularies)."""
    return {
        q.subject.value.removeprefix(IODM)
        for q in core.store.quads_for_pattern(None, ox.NamedNode(RDF + "type"), None, None)
        if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(IODM)
    }


def core_classes(core: Published) -> set[str]:
    return {
        q.subject.value.removeprefix(IODM)
        for q in core.store.quads_for_pattern(
            None,
            ox.NamedNode(RDF + "type"),
            ox.NamedNode(OWL + "Class"),
            ox.NamedNode(GRAPH + "ontology/iodm.ttl"),
        )
        if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(IODM)
    }


def embedded_svg(html: str) -> ET.Element:
    found = re.search(r"<svg\b.*?</svg>", html, re.S)
    assert found, "the page embeds no SVG"
    return ET.fromstring(found.group(0))


def test_the_svg_diagram_is_up_to_date() -> None:
    from tools.diagram import SVG_FILE, svg

    assert SVG_FILE.read_text(encoding="utf-8") == svg(), "run `python -m tools.diagram`"


def test_the_svg_diagram_draws_every_core_class_and_links_it(core: Published) -> None:
    from tools.diagram import SVG_FILE

    root = ET.parse(SVG_FILE).getroot()
    assert root.tag == SVG_NS + "svg"
    links = {a.attrib["href"] for a in root.iter(SVG_NS + "a")}
    assert links == {f"#{c}" for c in core_classes(core)}
    labels = {t.text for t in root.iter(SVG_NS + "text")}
    for prop in ("hasDutyStation", "respondsTo", "hasResponseOption", "heldPost", "holder"):
        assert prop in labels, prop
    # offline: nothing is fetched, nothing runs
    text = SVG_FILE.read_text(encoding="utf-8")
    assert "<script" not in text and " on" not in re.sub(r">[^<]*<", "><", text)
    assert re.findall(r'href="([^"]*)"', text) == [f"#{c}" for c in sorted_links(root)]
    assert set(re.findall(r"url\(([^)]*)\)", text)) == {"#iodm-diagram-arrow", "#iodm-diagram-isa"}
    assert "src=" not in text and "@import" not in text


def sorted_links(root: ET.Element) -> list[str]:
    return [a.attrib["href"].removeprefix("#") for a in root.iter(SVG_NS + "a")]


def test_the_ontology_page_embeds_the_diagram(page: str, core: Published) -> None:
    from tools.diagram import SVG_FILE

    svg = embedded_svg(page)
    assert svg.attrib["class"] == "iodm-diagram"
    assert ET.tostring(svg) == ET.tostring(ET.parse(SVG_FILE).getroot())
    assert "<script" not in page and "cdn" not in page.lower()
    # every link in the diagram lands on the term's entry
    anchors = set(re.findall(r'<section class="term" id="([^"]+)"', page))
    for a in svg.iter(SVG_NS + "a"):
        assert a.attrib["href"].removeprefix("#") in anchors, a.attrib["href"]


def test_term_anchors_equal_local_names(page: str, core: Published) -> None:
    terms = core_terms(core)
    assert "Response" in terms and "respondsTo" in terms
    anchors = re.findall(r'<section class="term" id="([^"]+)"', page)
    assert len(anchors) == len(set(anchors)), "an anchor is used twice"
    assert set(anchors) == terms
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "the diagram's ids collide with the page's"
    for term in terms:
        assert f'href="#{term}"' in page, term  # the table of contents links every term


def test_the_published_site_carries_the_diagram(core: Published, tmp_path: Path) -> None:
    publish(core, tmp_path / "site", "https://example.org/site/")
    html = (tmp_path / "site" / "iodm.html").read_text(encoding="utf-8")
    svg = embedded_svg(html)
    assert {a.attrib["href"] for a in svg.iter(SVG_NS + "a")} == {
        f"#{c}" for c in core_classes(core)
    }
