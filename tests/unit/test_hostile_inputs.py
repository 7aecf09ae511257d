"""Files that try to turn the build against the machine, or to slip past it (issue 15, point 2):
XML entity expansion, deep nesting, huge literals, truncated or ill-formed files, a byte order
mark, ill-typed literals of any XSD datatype, JSON-LD the parser would silently drop, and user
files that rewrite IODM's ontology (point 4). Each is refused (or accepted, for the BOM) with
the file and line, by `iodm build` and `iodm validate` alike."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.cli import main
from kg.core.errors import EXIT_INVALID, EXIT_OK, ParseError
from kg.pipeline.load import MAX_DEPTH, _read, extra_files, parse_all, parse_file

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
TAB_ESCAPE = "\\t"
XML_HEAD = f'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="{RDF_NS}">\n'


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def refused(path: Path) -> ParseError:
    """The error of a file parsed into Python; a file the store would load itself (a user's
    Turtle or N-Triples without blank nodes) must be refused at the same place that way too."""
    with pytest.raises(ParseError) as caught:
        parse_file(path, path.as_uri(), "extra")
    try:
        loadable = _read(path)[2]
    except ParseError:  # the guard refuses it before either way in
        loadable = False
    if loadable:
        with pytest.raises(ParseError) as loaded:
            parse_all(extra_files([path]), into=ox.Store())
        assert str(loaded.value.location) == str(caught.value.location)
    return caught.value


# --- RDF/XML -------------------------------------------------------------------------------------


def billion_laughs(levels: int) -> str:
    entities = ['<!ENTITY l0 "lollollollollollollollollollol">']
    entities += [f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, levels)]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n'
        + "\n".join(entities)
        + f'\n]>\n<rdf:RDF xmlns:rdf="{RDF_NS}">\n'
        + f'<rdf:Description rdf:about="http://example.org/a"><rdf:value>&l{levels - 1};'
        + "</rdf:value></rdf:Description>\n</rdf:RDF>\n"
    )


def test_xml_entity_expansion_is_refused_before_parsing(tmp_path: Path) -> None:
    text = billion_laughs(9)  # ~1 KB that would expand to 3 GB
    assert len(text) < 1100
    error = refused(write(tmp_path, "laughs.rdf", text))
    assert error.location.line == 3  # the first <!ENTITY
    assert "entit" in error.detail and "l0" in error.detail
    assert "Turtle" in (error.hint or "")


def test_a_single_harmless_looking_entity_is_refused_too(tmp_path: Path) -> None:
    text = (
        '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [ <!ENTITY ex "http://example.org/"> ]>\n'
        f'<rdf:RDF xmlns:rdf="{RDF_NS}"><rdf:Description rdf:about="&ex;a">'
        "<rdf:value>x</rdf:value></rdf:Description></rdf:RDF>\n"
    )
    assert refused(write(tmp_path, "entity.rdf", text)).location.line == 2


def test_a_truncated_rdf_xml_file_is_refused_not_read_up_to_its_last_element(
    tmp_path: Path,
) -> None:
    whole = (
        XML_HEAD
        + '<rdf:Description rdf:about="http://example.org/a"><rdf:value>x</rdf:value>'
        + "</rdf:Description>\n"
        + '<rdf:Description rdf:about="http://example.org/b"><rdf:value>y</rdf:value>'
        + "</rdf:Description>\n</rdf:RDF>\n"
    )
    assert len(parse_file(write(tmp_path, "whole.rdf", whole), "urn:g", "extra").triples) == 2
    for cut in (
        whole.index("</rdf:RDF>"),
        whole.index('<rdf:Description rdf:about="http://example.org/b"'),
    ):
        error = refused(write(tmp_path, "cut.rdf", whole[:cut]))
        assert error.location.line is not None and "truncated" in error.detail


def test_ill_formed_xml_is_located(tmp_path: Path) -> None:
    text = (
        XML_HEAD + '<rdf:Description rdf:about="http://example.org/a">\n<rdf:value>x</rdf:valu>\n'
    )
    error = refused(write(tmp_path, "bad.rdf", text))
    assert (error.location.line, "mismatched tag" in error.detail) == (4, True)


def test_an_rdf_xml_error_without_a_line_is_located_by_the_value_it_quotes(
    tmp_path: Path,
) -> None:
    text = (
        XML_HEAD
        + '\n<rdf:Description rdf:about="http://example.org/a b">\n</rdf:Description>\n</rdf:RDF>\n'
    )
    error = refused(write(tmp_path, "iri.rdf", text))
    assert error.location.line == 4 and "http://example.org/a b" in error.detail


# --- nesting, sizes ------------------------------------------------------------------------------


def test_deep_json_ld_nesting_is_refused_not_a_segfault(tmp_path: Path) -> None:
    depth = 10_000  # the JSON-LD parser segfaults well below this
    nested = '{"http://example.org/p": ' * depth + "1" + "}" * depth
    path = write(
        tmp_path,
        "deep.jsonld",
        '{"@id": "http://example.org/a",\n"http://example.org/p": ' + nested + "}",
    )
    code = (
        "import sys; from pathlib import Path; from kg.core.errors import ParseError\n"
        "from kg.pipeline.load import parse_file\n"
        f"p = Path({str(path)!r})\n"
        "try: parse_file(p, 'urn:g', 'extra')\n"
        "except ParseError as e: print(f'{e.location}: {e.detail}'); sys.exit(7)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 7, run.stderr  # a segfault is -11
    assert f"deep.jsonld:2: nested more than {MAX_DEPTH} levels deep" in run.stdout


@pytest.mark.parametrize(
    ("name", "opening", "closing"),
    [
        ("deep.ttl", "[ <http://example.org/p> ", "]"),
        ("list.ttl", "( ", ")"),
        (
            "deep.rdf",
            '<rdf:value rdf:parseType="Resource">',
            "</rdf:value>",
        ),
        ("array.jsonld", "[", "]"),
    ],
)
def test_nesting_is_bounded_in_every_format(
    tmp_path: Path, name: str, opening: str, closing: str
) -> None:
    n = MAX_DEPTH + 5
    if name.endswith(".ttl"):
        text = (
            "<http://example.org/a> <http://example.org/p>\n"
            + opening * n
            + "1"
            + closing * n
            + " ."
        )
    elif name.endswith(".rdf"):
        text = (
            XML_HEAD
            + '<rdf:Description rdf:about="http://example.org/a">\n'
            + opening * n
            + "<rdf:value>x</rdf:value>"
            + closing * n
            + "</rdf:Description></rdf:RDF>"
        )
    else:
        text = (
            '{"@id": "http://example.org/a",\n"http://example.org/p": '
            + opening * n
            + "1"
            + closing * n
            + "}"
        )
    error = refused(write(tmp_path, name, text))
    assert "levels deep" in error.detail and error.location.line is not None
    assert "IODM_MAX_DEPTH" in (error.hint or "")


@pytest.mark.parametrize("suffix", ["nt", "ttl"])
def test_nested_triple_terms_are_bounded_not_a_segfault(tmp_path: Path, suffix: str) -> None:
    inner = "<http://a.org/a> <http://a.org/p> <http://a.org/o>"
    for _ in range(50_000):  # the parsers segfault on this
        inner = f"<http://a.org/a> <http://a.org/p> <<( {inner} )>>"
    error = refused(write(tmp_path, f"star.{suffix}", inner + " .\n"))
    assert "levels deep" in error.detail and error.location.line == 1


def test_the_depth_limit_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "<http://example.org/a> <http://example.org/p> " + "( " * 150 + "1" + ")" * 150 + " ."
    path = write(tmp_path, "list.ttl", text)
    refused(path)
    monkeypatch.setenv("IODM_MAX_DEPTH", "200")
    assert len(parse_file(path, "urn:g", "extra").triples) > 150


def test_brackets_in_strings_iris_and_comments_do_not_count(tmp_path: Path) -> None:
    text = (
        '<http://example.org/a> <http://example.org/p> "' + "[" * 500 + '" ;\n'
        "  # " + "(" * 500 + "\n"
        '  <http://example.org/q> """' + "(" * 500 + '""" .\n'
    )
    assert len(parse_file(write(tmp_path, "ok.ttl", text), "urn:g", "extra").triples) == 2


def test_a_huge_literal_is_refused_with_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = '<http://example.org/a> <http://example.org/p> "short" .\n'
    text += '<http://example.org/a> <http://example.org/q> "' + "x" * 1_100_000 + '" .\n'
    path = write(tmp_path, "big.ttl", text)
    error = refused(path)
    assert error.location.line == 2 and "1,100,000 characters" in error.detail
    assert "IODM_MAX_LITERAL" in (error.hint or "")
    monkeypatch.setenv("IODM_MAX_LITERAL", "2000000")
    assert len(parse_file(path, "urn:g", "extra").triples) == 2


@pytest.mark.parametrize("suffix", [".ttl", ".nt"])
def test_an_iri_longer_than_any_line_is_refused_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    """The parse skips looking at each term when no line could hold one over the limit; an
    IRI joined from a prefix and a local name on other lines still counts (and N-Triples
    writes each on its line)."""
    monkeypatch.setenv("IODM_MAX_LITERAL", "100")
    long = "http://example.org/" + "n" * 50 + "/"
    if suffix == ".ttl":
        text = f"@prefix ex: <{long}> .\nex:{'l' * 60} ex:p ex:o .\n"
    else:
        text = f"<{long}{'l' * 60}> <http://example.org/p> <http://example.org/o> .\n"
    error = refused(write(tmp_path, "joined" + suffix, text))
    assert "characters" in error.detail
    monkeypatch.setenv("IODM_MAX_LITERAL", "1000")
    assert len(parse_file(write(tmp_path, "ok" + suffix, text), "urn:g", "extra").triples) == 1


def test_a_bad_limit_in_the_environment_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kg.core.errors import UsageError

    monkeypatch.setenv("IODM_MAX_LITERAL", "١٠")  # Arabic-Indic digits
    with pytest.raises(UsageError, match="IODM_MAX_LITERAL"):
        parse_file(
            write(tmp_path, "a.ttl", "<http://a.org/a> <http://a.org/b> 1 ."), "urn:g", "extra"
        )


# --- BOM, JSON-LD drops, located failures --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("bom.ttl", "<http://example.org/a> <http://example.org/p> 1 .\n"),
        ("bom.nt", '<http://example.org/a> <http://example.org/p> "1" .\n'),
        ("bom.jsonld", '{"@id": "http://example.org/a", "http://example.org/p": 1}'),
        (
            "bom.rdf",
            XML_HEAD + '<rdf:Description rdf:about="http://example.org/a"><rdf:value>1</rdf:value>'
            "</rdf:Description></rdf:RDF>",
        ),
    ],
)
def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path, name: str, text: str) -> None:
    path = write(tmp_path, name, b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert len(parse_file(path, "urn:g", "extra").triples) == 1


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        (
            '[\n{"@id": "http://example.org/a b", "http://example.org/p": 1}]',
            2,
            '@id "http://example.org/a b"',
        ),
        (
            '{"@id": "http://example.org/a",\n "http://example.org/a b": 1}',
            2,
            'key "http://example.org/a b"',
        ),
        ('{"@id": "http://example.org/a",\n "@type": "http://example.org/A B"}', 2, "@type"),
        ('{"@id": "http://example.org/a",\n\n "name": "Jane"}', 3, 'key "name" is not defined'),
    ],
)
def test_json_ld_that_the_parser_would_drop_is_refused(
    tmp_path: Path, text: str, line: int, what: str
) -> None:
    error = refused(write(tmp_path, "drop.jsonld", text))
    assert error.location.line == line and what in error.detail


def test_a_remote_json_ld_context_is_refused_not_fetched(tmp_path: Path) -> None:
    text = '{"@id": "http://example.org/a",\n"@context": "http://127.0.0.1:9/c.jsonld"}'
    error = refused(write(tmp_path, "remote.jsonld", text))
    assert error.location.line == 2 and "remote" in error.detail


def test_json_ld_with_its_context_is_read_whole(tmp_path: Path) -> None:
    text = (
        '{"@context": {"name": "http://schema.org/name", "ex": "http://example.org/"},\n'
        ' "@id": "ex:a", "@type": "ex:Thing", "name": "A", "ex:p": {"@value": "1",'
        ' "@type": "http://www.w3.org/2001/XMLSchema#integer"}}'
    )
    assert len(parse_file(write(tmp_path, "ok.jsonld", text), "urn:g", "extra").triples) == 3


LATIN = b'<http://a.org/a> <http://a.org/b> "x" .\n<http://a.org/a> <http://a.org/b> "\xff" .'


@pytest.mark.parametrize("suffix", ["ttl", "nt", "jsonld", "rdf"])
def test_a_file_that_is_not_utf8_is_located(tmp_path: Path, suffix: str) -> None:
    text = {
        "ttl": LATIN,
        "nt": LATIN,
        "jsonld": b'{"@id": "http://a.org/a",\n "http://a.org/b": "\xff"}',
        "rdf": XML_HEAD.encode() + b'<rdf:Description rdf:about="http://a.org/a">'
        b"<rdf:value>\xff</rdf:value></rdf:Description></rdf:RDF>",
    }[suffix]
    assert refused(write(tmp_path, f"latin.{suffix}", text)).location.line in (2, 3)


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("bad.jsonld", '{"@id": "http://example.org/a",\n "http://example.org/p": }', 2),
        (
            "bad.ttl",
            "<http://example.org/a> <http://example.org/p>\n  <http://example.org/b .\n",
            2,
        ),
        (
            "bad.nt",
            '<http://example.org/a> <http://example.org/p> "x" .\n<http://example.org/a> x .\n',
            2,
        ),
        ("cut.jsonld", '{"@id": "http://example.org/a",\n "http://example.org/p": [1, 2', 2),
    ],
)
def test_every_parse_failure_of_every_format_is_located(
    tmp_path: Path, name: str, text: str, line: int
) -> None:
    assert refused(write(tmp_path, name, text)).location.line == line


# --- ill-typed literals of any XSD datatype ------------------------------------------------------


@pytest.mark.parametrize(
    ("datatype", "good", "bad"),
    [
        ("date", "2020-12-31", "2020-13-45"),
        ("integer", "99999999999999999999999", "twelve"),
        ("time", "23:59:59", "25:00:00"),
        ("gMonth", "--12", "--13"),
        ("gDay", "---31", "---32"),
        ("gMonthDay", "--02-29", "--02-30"),
        ("duration", "P1Y2M3DT4H", "1 year"),
        ("dayTimeDuration", "P3DT4H", "P1Y"),
        ("yearMonthDuration", "P1Y2M", "P3D"),
        ("float", "1.5E3", "1,5"),
        ("dateTimeStamp", "2020-01-01T00:00:00Z", "2020-01-01T00:00:00"),
        ("long", "-9223372036854775808", "9223372036854775808"),
        ("int", "2147483647", "2147483648"),
        ("short", "-32768", "40000"),
        ("byte", "127", "200"),
        ("unsignedByte", "255", "-1"),
        ("unsignedInt", "4294967295", "-1"),
        ("unsignedShort", "65535", "65536"),
        ("unsignedLong", "18446744073709551615", "18446744073709551616"),
        ("negativeInteger", "-1", "0"),
        ("nonPositiveInteger", "0", "1"),
        ("language", "fr-CA", "en us"),
        ("NCName", "a_b", "a:b"),
        ("Name", "a:b", "1a"),
        ("NMTOKEN", "1a", "a b"),
        ("token", "a b", " a"),
        ("normalizedString", "a b", "a\\tb"),
        ("anyURI", "http://example.org/a", "http://example.org/a b"),
        ("hexBinary", "0FB7", "0FB"),
        ("base64Binary", "aGVsbG8=", "!!"),
    ],
)
@pytest.mark.parametrize("fmt", ["ttl", "jsonld", "rdf"])
def test_ill_typed_literals_of_any_xsd_datatype_are_refused_with_their_line(
    tmp_path: Path, datatype: str, good: str, bad: str, fmt: str
) -> None:
    from kg.pipeline.terms import ill_typed, ill_typed_results

    xsd = "http://www.w3.org/2001/XMLSchema#" + datatype
    if fmt == "ttl":
        text = (
            f'<http://example.org/a> <http://example.org/good> "{good}"^^<{xsd}> .\n\n'
            f'<http://example.org/b> <http://example.org/bad> "{bad}"^^<{xsd}> .\n'
        )
    elif fmt == "jsonld":
        import json

        g, b = (json.dumps(v.replace("\\t", "\t")) for v in (good, bad))
        text = (
            '{"@id": "http://example.org/a",\n'
            f'"http://example.org/good": {{"@value": {g}, "@type": "{xsd}"}},\n'
            f'"http://example.org/bad": {{"@value": {b}, "@type": "{xsd}"}}}}'
        )
    else:
        from html import escape

        text = (
            XML_HEAD
            + '<rdf:Description rdf:about="http://example.org/a" xmlns:ex="http://example.org/">\n'
            + f'<ex:good rdf:datatype="{xsd}">{escape(good)}</ex:good>\n'
            + f'<ex:bad rdf:datatype="{xsd}">{escape(bad.replace(TAB_ESCAPE, chr(9)))}</ex:bad>\n'
            + "</rdf:Description></rdf:RDF>\n"
        )
    path = write(tmp_path, f"typed.{fmt}", text)
    source = parse_file(path, "urn:g", "extra")
    found = ill_typed([source])
    assert [b.triple.predicate.value for b in found] == ["http://example.org/bad"]
    (result,) = ill_typed_results(found)
    assert result.location == f"{path}:{3 if fmt == 'ttl' else 3 if fmt == 'jsonld' else 5}"
    assert f"not a valid xsd:{datatype}" in result.message


# --- the same refusals from `iodm build` and `iodm validate` -------------------------------------


def test_validate_refuses_what_build_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = {
        "laughs.rdf": billion_laughs(6),
        "derived.ttl": (
            "@prefix iodm: <https://w3id.org/iodm#> .\n"
            "<https://example.org/s/a> iodm:distanceToHostCapitalKm 12.0 .\n"
        ),
    }
    for name, text in cases.items():
        path = write(tmp_path, name, text)
        built = main(["--store", "memory:", "build", "-q", "--core-only", str(path)])
        validated = main(["validate", "--core-only", str(path)])
        capsys.readouterr()
        assert (built, validated) == (EXIT_INVALID, EXIT_INVALID), name
    fine = write(
        tmp_path,
        "fine.ttl",
        '<https://example.org/s/a> <http://www.w3.org/2000/01/rdf-schema#label> "a" .\n',
    )
    assert main(["validate", "--core-only", str(fine)]) == EXIT_OK


# --- user files may not rewrite the ontology (point 4) -------------------------------------------

REWRITES = """@prefix iodm: <https://w3id.org/iodm#> .
@prefix pko: <https://w3id.org/iodm/pko#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix schema: <https://schema.org/> .
@prefix ex: <https://example.org/s/> .
@prefix mission: <https://w3id.org/iodm/id/mission/> .
iodm:Post rdfs:subClassOf rdfs:Literal .
mission:unmil owl:sameAs mission:untac .
ex:m1 a pko:PeacekeepingOperation .
ex:m2 a pko:PeacekeepingOperation ; owl:sameAs ex:m1 .
ex:thing a owl:Nothing .
org:Post owl:disjointWith org:Organization .
foaf:Person owl:equivalentClass schema:Person .
iodm:Post a owl:Class ; rdfs:comment "restating what IODM says, and annotating: fine" .
ex:mine owl:sameAs mission:unmil .
ex:OwnPost rdfs:subClassOf iodm:Post .
ex:q a owl:ObjectProperty , owl:DatatypeProperty .
"""


def test_statements_that_rewrite_the_ontology_are_refused_with_their_line(
    tmp_path: Path,
) -> None:
    from kg.pipeline.build import check_sources, load_sources

    path = write(tmp_path, "rewrite.ttl", REWRITES)
    report = check_sources(load_sources([path]))
    found = {
        (r.location.rsplit(":", 1)[1], r.severity, r.shape)
        for r in report.results
        if r.location.startswith(str(path))
        and (
            r.shape.startswith(("check:ontology", "check:same-as", "check:owl-nothing"))
            or "punning" in r.shape
        )
    }
    assert found == {
        ("10", "Violation", "check:ontology-axiom"),  # a class made a subclass of rdfs:Literal
        ("11", "Violation", "check:same-as"),  # two curated missions
        ("13", "Violation", "check:same-as"),  # two missions of the user's
        ("14", "Violation", "check:owl-nothing"),
        ("15", "Violation", "check:ontology-axiom"),  # an axiom on ORG's terms
        ("16", "Warning", "check:ontology-axiom"),  # aligning FOAF and schema.org
        ("20", "Violation", "check:dl-illegal-punning-violation"),
    }
    messages = {r.shape: r.message for r in report.results if r.location.endswith(":10")}
    assert "state it about a term of your own namespace" in messages["check:ontology-axiom"]


# --- writes that stay where they belong (point 3) ------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=400, deadline=None, database=None)
@given(st.text(min_size=1, max_size=300))
def test_site_path_never_leaves_the_site(text: str) -> None:
    import posixpath

    from kg.publish.site import MAX_SEGMENT, site_path

    path = site_path("doc/" + text)
    if path is None:
        return
    assert not path.startswith("/") and "\\" not in path and "\x00" not in path
    segments = path.split("/")
    assert all(s not in ("", ".", "..") and len(s) <= MAX_SEGMENT for s in segments)
    assert all(c.isascii() and (c.isalnum() or c in "._~!$&'()*+,;=:@-%/") for c in path)
    assert posixpath.normpath(path) == path and path.startswith("doc/")


@settings(database=None)
@given(st.text(min_size=1, max_size=60), st.text(min_size=1, max_size=60))
def test_two_paths_never_share_a_file(a: str, b: str) -> None:
    from kg.publish.site import site_path

    pa, pb = site_path(a), site_path(b)
    if a != b and pa is not None:
        assert pa != pb


HOSTILE_IRIS = [
    "../../../../escape-absolute",
    "mission/../../../../../tmp/escape-dots",
    "a/./b",
    "x" * 300,
    "caf%C3%A9/%2e%2e/%2F",
    "a%20b",
    "q?x=1",
    "ünïcode/名前",
]


def test_publish_writes_every_file_inside_out_whatever_the_iris(
    curated: object, tmp_path: Path
) -> None:
    import pyoxigraph as ox

    from kg.core.namespaces import GRAPH, ID
    from kg.publish.dataset import Published
    from kg.publish.site import publish
    from kg.store import copy_in_memory

    store = copy_in_memory(curated)  # type: ignore[arg-type]
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    store.replace_graphs(
        {
            GRAPH + "test/hostile": [
                ox.Triple(ox.NamedNode(ID + iri), label, ox.Literal(f"hostile {i}"))
                for i, iri in enumerate(HOSTILE_IRIS)
            ]
        }
    )
    out = tmp_path / "deep" / "site"
    before = {p for p in tmp_path.rglob("*")}
    report = publish(Published(store), out)
    after = {p for p in tmp_path.rglob("*")} - before
    outside = [p for p in after - {out.parent} if not p.resolve().is_relative_to(out.resolve())]
    assert outside == [] and not (tmp_path / "escape-absolute.html").exists()
    assert report.skipped == 4  # the two with .., the one with a . segment, the long one
    assert (out / "doc" / "a%2520b.html").is_file()
    assert (out / "doc" / "q%3Fx=1.ttl").is_file()
    assert (out / "doc" / "caf%25C3%25A9" / "%252e%252e" / "%252F.html").is_file()
    assert not any(len(p.name) > 255 for p in out.rglob("*"))
    assert "skipped" in str(report)


def test_a_full_disk_is_a_located_error_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    from kg.core import files

    target = tmp_path / "table.csv"
    target.write_text("old\n")

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    for name in ("replace", "fsync"):
        with monkeypatch.context() as m:
            m.setattr(os, name, full)
            with pytest.raises(files.NoSpaceError) as caught:
                files.write_text(target, "new\n")
        assert str(caught.value).startswith(f"no space left on device: {target}")
        assert target.read_text() == "old\n"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["table.csv"]  # no temporary left


def test_a_full_disk_while_writing_is_caught_too(tmp_path: Path) -> None:
    import errno

    from kg.core import files

    target = tmp_path / "out.ttl"
    no_space = pytest.raises(files.NoSpaceError, match="no space left on device")
    with no_space, files.atomic_open(target) as out:
        out.write("x")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_a_full_disk_during_publish_leaves_the_old_site(
    curated: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from kg.core.files import NoSpaceError
    from kg.publish.dataset import Published
    from kg.publish.site import publish

    published = Published(curated)  # type: ignore[arg-type]
    out = tmp_path / "site"
    publish(published, out)
    before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    writes = {"n": 0}
    real = Path.write_bytes

    def filling(self: Path, data: bytes) -> int:
        writes["n"] += 1
        if writes["n"] > 50:
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", filling)
    with pytest.raises(NoSpaceError, match="no space left on device: "):
        publish(published, out)
    monkeypatch.undo()
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == before
    assert [p.name for p in tmp_path.iterdir()] == ["site"]  # no temporary directory left


def test_the_cli_reports_a_full_disk_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import errno
    import os

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    out = tmp_path / "errors.csv"
    xsd_date = "<http://www.w3.org/2001/XMLSchema#date>"
    bad = write(tmp_path, "bad.ttl", f'<https://ex.org/a> <https://ex.org/p> "x"^^{xsd_date} .\n')
    code = main(["validate", "--core-only", "--errors", str(out), str(bad)])
    err = capsys.readouterr().err
    assert code != 0 and f"no space left on device: {out}" in err and "Traceback" not in err
    assert not out.exists()
