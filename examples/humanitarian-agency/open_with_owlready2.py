"""Open the humanitarian-agency extension (fictional example) with owlready2, offline, through the
XML catalog that ``iodm release`` writes.

    iodm release -o dist
    python examples/humanitarian-agency/open_with_owlready2.py dist

owlready2 reads RDF/XML and N-Triples, not Turtle, and it downloads an ``owl:imports`` whose IRI
is not yet in its world. So the core is loaded first from the file ``catalog-v001.xml`` maps
``https://w3id.org/iodm`` to, and the extension, converted to N-Triples in memory, is loaded after
it: its import is then already satisfied, and nothing is fetched. Fictional example; not facts
about the real world.
"""

from __future__ import annotations

import io
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CATALOG = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"
IMPORTS = "http://www.w3.org/2002/07/owl#imports"
EXTENSION = "https://example.org/relief/ontology"


def catalog(dist: Path) -> dict[str, Path]:
    """IRI -> local file, as ``dist/catalog-v001.xml`` maps them."""
    path = dist / "catalog-v001.xml"
    if not path.is_file():
        raise SystemExit(f"{path}: no catalog here; run `iodm release -o {dist}` first")
    root = ET.parse(path).getroot()
    return {e.attrib["name"]: dist / e.attrib["uri"] for e in root.iter(CATALOG + "uri")}


def open_extension(dist: Path, world: Any = None, data: bool = True) -> Any:
    """The extension ontology in an owlready2 world, its imports from the release's files (and,
    with ``data``, the example's data loaded beside it)."""
    import owlready2
    import pyoxigraph as ox

    world = world if world is not None else owlready2.World()
    mapped = catalog(dist)
    triples = list(ox.parse(path=HERE / "relief.ttl", format=ox.RdfFormat.TURTLE))
    for iri in sorted({t.object.value for t in triples if t.predicate.value == IMPORTS}):
        if iri not in mapped:
            raise SystemExit(f"{dist}/catalog-v001.xml maps no file to {iri}")
        world.get_ontology(mapped[iri].as_uri()).load()
    nt = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    onto = world.get_ontology(EXTENSION).load(fileobj=io.BytesIO(nt), format="ntriples")
    if data:
        facts = list(ox.parse(path=HERE / "relief-data.ttl", format=ox.RdfFormat.TURTLE))
        nt = ox.serialize(facts, format=ox.RdfFormat.N_TRIPLES) or b""  # owlready2 reads no Turtle
        world.get_ontology("https://example.org/relief/graph/relief-data.ttl").load(
            fileobj=io.BytesIO(nt), format="ntriples"
        )
    return onto


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: open_with_owlready2.py DIST (the directory `iodm release -o DIST` wrote)")
        return 2
    dist = Path(argv[0])
    onto = open_extension(dist)
    world = onto.world
    for imported in onto.imported_ontologies:
        print(f"{onto.base_iri.rstrip('#')} imports {imported.base_iri.rstrip('#')}")
    for cls in sorted(onto.classes(), key=lambda c: c.iri):
        for sup in cls.is_a:
            print(f"  {cls.name} ⊑ {sup.iri}  ({', '.join(sup.label)})")
    head = world["https://w3id.org/iodm#HeadOfFieldPresencePost"]
    for post in sorted(world.search(type=head), key=lambda p: p.iri):
        print(f"  a {head.name}: {post.iri}  ({', '.join(post.label)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
