"""The parsers, property-tested (issue 15, point 8): whatever bytes a user's file holds — a valid
document, one truncated anywhere, mutated, random bytes, nested deep, a literal at the size
limit, bad escapes, another encoding, ill-typed literals of any XSD datatype — reading it either
gives exactly its triples or stops with a ParseError that says the file and the line; never
another exception, never a triple the file does not state.

The formats are those IODM reads (``kg.pipeline.source.FORMATS``): Turtle, N-Triples, RDF/XML
and JSON-LD. (N-Quads and TriG are not among them: a named graph in a user's file is refused.)
The coding sheets, CSV and .xlsx, are fuzzed in ``test_fuzz_sheets.py``.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pyoxigraph as ox
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from kg.core.errors import IODMError, ParseError
from kg.core.namespaces import XSD
from kg.pipeline.load import parse_file
from kg.pipeline.source import FORMATS, Source

from ..fuzzing import fuzz

EX = "http://example.org/"
DECIMAL = ox.NamedNode(XSD + "decimal")
SUFFIXES = [".ttl", ".nt", ".rdf", ".jsonld"]
#: formats whose document ends with a closing token: any cut before it is a truncation
CLOSED = {".rdf", ".jsonld"}


# --- documents -----------------------------------------------------------------------------------

_LOCAL = st.from_regex(r"[a-z][a-z0-9_-]{0,6}(\.[a-z0-9]{1,3})?", fullmatch=True)
_IRI = _LOCAL.map(lambda name: ox.NamedNode(EX + name))
_TYPED = st.one_of(
    st.integers(-(10**20), 10**20).map(lambda n: (str(n), "integer")),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(lambda d: (str(d), "decimal")),
    st.booleans().map(lambda b: (str(b).lower(), "boolean")),
    st.dates().map(lambda d: (d.isoformat(), "date")),
    st.integers(1000, 2999).map(lambda y: (str(y), "gYear")),
)
_LITERAL = st.one_of(
    st.text(max_size=24).map(ox.Literal),
    st.tuples(st.text(max_size=12), st.sampled_from(["en", "fr-CA", "zh-Hant-TW"])).map(
        lambda t: ox.Literal(t[0], language=t[1])
    ),
    _TYPED.map(lambda t: ox.Literal(t[0], datatype=ox.NamedNode(XSD + t[1]))),
)
_TRIPLES = st.lists(
    st.builds(ox.Triple, _IRI, _IRI, st.one_of(_IRI, _LITERAL)), min_size=1, max_size=6
).map(lambda ts: list(dict.fromkeys(ts)))


#: characters XML 1.0 cannot hold (pyoxigraph writes them as they are, and expat refuses them)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def serialize(triples: list[ox.Triple], suffix: str) -> bytes:
    """The triples in a format; documents RDF/XML cannot write are not generated."""
    fmt = FORMATS[suffix]
    if fmt == ox.RdfFormat.RDF_XML:
        assume(not any(_NOT_XML.search(t.object.value) for t in triples))
    if fmt == ox.RdfFormat.TURTLE:
        return ox.serialize(triples, format=fmt, prefixes={"ex": EX})
    return ox.serialize(triples, format=fmt)


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


def read(folder: Path, suffix: str, data: bytes) -> Source | ParseError:
    """The file parsed, or the located ParseError that refuses it (anything else fails)."""
    path = folder / f"doc{suffix}"
    path.write_bytes(data)
    try:
        return parse_file(path, "urn:iodm:fuzz", "extra")
    except ParseError as e:
        assert e.location.file == str(path), e
        lines = len(re.split(rb"\r\n|\r|\n", data))  # XML counts a lone CR as a line end
        assert e.location.line is not None and 1 <= e.location.line <= lines, str(e)
        assert str(e).startswith(f"{path}:{e.location.line}")
        return e
    except IODMError as e:  # pragma: no cover - a failure, said plainly
        pytest.fail(f"{type(e).__name__} without a location: {e}")


# --- properties ----------------------------------------------------------------------------------


@fuzz(40)
@given(suffix=st.sampled_from(SUFFIXES), triples=_TRIPLES)
def test_a_valid_document_gives_exactly_its_triples(
    folder: Path, suffix: str, triples: list[ox.Triple]
) -> None:
    source = read(folder, suffix, serialize(triples, suffix))
    assert isinstance(source, Source), str(source)
    assert set(source.triples) == set(triples)


_CUT_NAME = [ox.Triple(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "p"), ox.NamedNode(EX + "b.c"))]
_CUT_NUMBER = [
    ox.Triple(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "p"), ox.Literal("1.5", datatype=DECIMAL))
]


@fuzz(120)
@given(suffix=st.sampled_from(SUFFIXES), triples=_TRIPLES, at=st.integers(0, 10**6))
@example(suffix=".ttl", triples=_CUT_NAME, at=-len("c .\n"))  # "ex:b." reads as ex:b
@example(suffix=".ttl", triples=_CUT_NUMBER, at=-len("5 .\n"))  # "1." reads as 1
def test_a_truncated_document_is_refused_or_a_part_of_the_whole(
    folder: Path, suffix: str, triples: list[ox.Triple], at: int
) -> None:
    data = serialize(triples, suffix)
    cut = data[:at] if at < 0 else data[: at % len(data)]
    assume(cut.strip() != data.strip())
    found = read(folder, suffix, cut)
    if suffix in CLOSED:
        assert isinstance(found, ParseError), f"a truncated {suffix} file was read: {cut!r}"
    elif isinstance(found, Source):
        assert set(found.triples) < set(triples), f"{cut!r} read as {found.triples}"


_HOSTILE = st.sampled_from(
    [
        b'"',
        b"'",
        b"\\",
        b"<",
        b">",
        b"{",
        b"}",
        b"[",
        b"(",
        b"@",
        b"^^",
        b"#",
        b"\n",
        b"\x00",
        b"\xff",
        b"\xc3",
        b"\xed\xa0\x80",  # a UTF-16 surrogate, UTF-8 encoded (CESU-8)
        b"\xc0\xaf",  # an overlong "/"
        b"\xef\xbb\xbf",
        b"\\u",
        b"\\uD800",
        b"\\U0011FFFF",
        b"\\U0001F600",
        b"&",
        b"&amp;",
        b"&#0;",
        b"]]>",
        b'<!DOCTYPE r [<!ENTITY e "x">]>',
        b"@prefix : <",
        b'"@context": "http://example.org/ctx"',
        b'{"@id": "a b"}',
        b"<<",
        b">>",
        b"_:b",
        b"\x85",
        "\u2028".encode(),  # LINE SEPARATOR
    ]
)
_MUTATION = st.tuples(st.sampled_from(["insert", "replace", "delete", "repeat"]), st.floats(0, 1))


@fuzz(150)
@given(
    suffix=st.sampled_from(SUFFIXES),
    triples=_TRIPLES,
    mutations=st.lists(
        st.tuples(_MUTATION, st.one_of(_HOSTILE, st.binary(max_size=4))), max_size=4
    ),
)
def test_a_mutated_document_is_read_or_refused_with_its_line(
    folder: Path, suffix: str, triples: list[ox.Triple], mutations: list
) -> None:
    data = bytearray(serialize(triples, suffix))
    for (kind, where), piece in mutations:
        at = int(len(data) * where)
        if kind == "insert":
            data[at:at] = piece
        elif kind == "replace":
            data[at : at + len(piece)] = piece
        elif kind == "delete":
            del data[at : at + max(1, len(piece))]
        else:
            data[at:at] = data[at : at + 16]
    read(folder, suffix, bytes(data))


@fuzz(200)
@given(suffix=st.sampled_from(SUFFIXES), data=st.binary(max_size=120))
def test_random_bytes_are_read_or_refused_with_their_line(
    folder: Path, suffix: str, data: bytes
) -> None:
    read(folder, suffix, data)


# --- nesting and sizes at their limits (lowered, so the documents stay small) --------------------

LIMIT = 12


def nested(suffix: str, kinds: list[str]) -> tuple[bytes, int]:
    """A document nesting ``kinds`` (``[`` a node, ``(`` a list), and its depth as the guard
    counts it (XML: rdf:RDF and rdf:Description enclose it; JSON: the top object)."""
    if suffix in (".ttl", ".nt"):
        text = "1"
        for kind in reversed(kinds):
            text = f"[ <{EX}p> {text} ]" if kind == "[" else f"( {text} )"
        depth = len(kinds)
        if suffix == ".nt":  # N-Triples nests only triple terms: << and ( count a level each
            text, depth = "<http://example.org/o>", 2 * len(kinds)
            for _ in kinds:
                text = f"<<( <{EX}s> <{EX}p> {text} )>>"
        return f"<{EX}a> <{EX}p> {text} .\n".encode(), depth
    if suffix == ".jsonld":
        text = "1"
        for kind in reversed(kinds):
            text = f'{{"{EX}p": {text}}}' if kind == "[" else f'{{"@list": [{text}]}}'
        depth = 1 + sum(1 if k == "[" else 2 for k in kinds)
        return f'{{"@id": "{EX}a",\n"{EX}p": {text}}}'.encode(), depth
    text = "<rdf:value>x</rdf:value>"
    for _ in kinds:
        text = f'<rdf:value rdf:parseType="Resource">{text}</rdf:value>'
    body = f'<rdf:Description rdf:about="{EX}a">\n{text}</rdf:Description>'
    head = (
        '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    )
    return f"{head}\n{body}</rdf:RDF>\n".encode(), 3 + len(kinds)


@fuzz(80)
@given(suffix=st.sampled_from(SUFFIXES), kinds=st.lists(st.sampled_from("[("), max_size=2 * LIMIT))
def test_nesting_up_to_the_limit_is_read_and_beyond_it_refused(
    folder: Path, suffix: str, kinds: list[str]
) -> None:
    data, depth = nested(suffix, kinds)
    with mock.patch.dict(os.environ, {"IODM_MAX_DEPTH": str(LIMIT)}):
        found = read(folder, suffix, data)
    if depth > LIMIT:
        assert isinstance(found, ParseError) and "levels deep" in found.detail
    else:
        assert isinstance(found, Source), str(found)
        assert found.triples


@fuzz(80)
@given(
    suffix=st.sampled_from(SUFFIXES),
    text=st.text(min_size=1, max_size=2 * LIMIT * 4),
    kind=st.sampled_from(["literal", "iri"]),
)
def test_a_literal_or_iri_up_to_the_limit_is_read_and_beyond_it_refused_with_its_line(
    folder: Path, suffix: str, text: str, kind: str
) -> None:
    most = 4 * LIMIT
    if kind == "iri":
        text = EX + "".join(c if c.isascii() and c.isalnum() else "x" for c in text)
        obj: ox.NamedNode | ox.Literal = ox.NamedNode(text)
    else:
        obj = ox.Literal(text)
    lines = [ox.Triple(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "p"), ox.Literal("short"))]
    triples = [*lines, ox.Triple(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "q"), obj)]
    data = serialize(triples, suffix)
    with mock.patch.dict(os.environ, {"IODM_MAX_LITERAL": str(most)}):
        found = read(folder, suffix, data)
    if len(text) > most:
        assert isinstance(found, ParseError) and "characters" in found.detail, str(found)
    else:
        assert isinstance(found, Source), str(found)
        assert set(found.triples) == set(triples)


# --- escapes, encodings -------------------------------------------------------------------------

_ESCAPE = st.one_of(
    st.sampled_from(["\\t", "\\n", "\\r", '\\"', "\\'", "\\\\", "\\b", "\\f"]),
    st.text(max_size=2).map(lambda c: "\\" + c),
    st.from_regex(r"\\u[0-9A-Fa-fg-z]{0,5}", fullmatch=True),
    st.from_regex(r"\\U[0-9A-Fa-f]{8}", fullmatch=True),
    st.sampled_from(["\\uD800", "\\uDFFF", "\\U00110000", "\\UFFFFFFFF", "\\u0000"]),
)


@fuzz(200)
@given(
    suffix=st.sampled_from([".ttl", ".nt"]),
    pieces=st.lists(st.one_of(_ESCAPE, st.text(max_size=3)), max_size=6),
    where=st.sampled_from(["literal", "iri"]),
)
@example(suffix=".nt", pieces=["\\uD800"], where="literal")
@example(suffix=".ttl", pieces=["\\U00110000"], where="iri")
def test_bad_escapes_are_read_or_refused_with_their_line(
    folder: Path, suffix: str, pieces: list[str], where: str
) -> None:
    body = "".join(pieces).replace("\n", "")
    text = (
        f'<{EX}a> <{EX}p> "{body}" .\n'
        if where == "literal"
        else f"<{EX}a> <{EX}p> <{EX}{body}> .\n"
    )
    found = read(folder, suffix, f"<{EX}a> <{EX}p> 1 .\n{text}".encode("utf-8", "surrogatepass"))
    if isinstance(found, Source):
        for t in found.triples:
            t.object.value.encode("utf-8")  # a real string, no lone surrogate


@fuzz(50)
@given(
    suffix=st.sampled_from(SUFFIXES),
    triples=_TRIPLES,
    encoding=st.sampled_from(["utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252", "utf-8-sig"]),
)
def test_another_encoding_is_refused_with_its_line_or_read_the_same(
    folder: Path, suffix: str, triples: list[ox.Triple], encoding: str
) -> None:
    text = serialize(triples, suffix).decode("utf-8")
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        assume(False)
    found = read(folder, suffix, data)
    if isinstance(found, Source):  # the same text, or one that happens to be UTF-8 too
        assert encoding == "utf-8-sig" or data.decode("utf-8", "strict") is not None
        if encoding == "utf-8-sig" or data == text.encode("utf-8"):
            assert set(found.triples) == set(triples)


# --- ill-typed literals of any XSD datatype -----------------------------------------------------

#: datatype → (values surely in its lexical space, values surely not)
_XSD = {
    "integer": (st.integers().map(str), st.sampled_from(["1.5", "twelve", "1e3", "٥", "+-1", ""])),
    "int": (
        st.integers(-(2**31), 2**31 - 1).map(str),
        st.sampled_from(["2147483648", "-2147483649"]),
    ),
    "unsignedByte": (st.integers(0, 255).map(str), st.sampled_from(["256", "-1"])),
    "positiveInteger": (st.integers(1, 10**30).map(str), st.sampled_from(["0", "-5"])),
    "decimal": (
        # within Oxigraph's decimals (about 1.7e20): a valid larger one is reported ill-typed
        st.decimals(-(10**15), 10**15, allow_nan=False, allow_infinity=False, places=4).map(str),
        st.sampled_from(["1,5", "1.5.2", "NaN", "INF", "five", "1e3"]),
    ),
    "double": (
        st.one_of(
            st.floats(allow_nan=False, allow_infinity=False).map(repr),
            st.sampled_from(["INF", "-INF", "+INF", "NaN", "1.", ".5E-2"]),
        ),
        st.sampled_from(["1,5e3", "e3", "--1", "1.5f", "inf", "Infinity", "nan", "-inf"]),
    ),
    "boolean": (
        st.sampled_from(["true", "false", "0", "1"]),
        st.sampled_from(["yes", "TRUE", "True", "2"]),
    ),
    "date": (
        st.dates().map(lambda d: d.isoformat()),
        st.sampled_from(["2020-13-45", "2021-02-29", "2020-04-31", "20-01-01", "2020/01/01"]),
    ),
    "dateTime": (
        st.datetimes().map(lambda d: d.isoformat()),
        st.sampled_from(["2020-01-01", "2020-01-01T25:00:00", "2020-01-01 10:00:00"]),
    ),
    "gYear": (st.integers(1000, 9999).map(str), st.sampled_from(["20", "2020-01", "year"])),
    "time": (st.times().map(lambda t: t.isoformat()), st.sampled_from(["24:61:00", "noon"])),
    "anyURI": (
        st.sampled_from(["http://example.org/x", "urn:a:b", "rel/path"]),
        st.sampled_from(["a b", "<x>", 'say "hi"']),
    ),
    "language": (st.sampled_from(["en", "fr-CA"]), st.sampled_from(["en_US", "", "toolongtag"])),
}


@fuzz(120)
@given(
    suffix=st.sampled_from(SUFFIXES),
    datatype=st.sampled_from(sorted(_XSD)),
    valid=st.booleans(),
    data=st.data(),
)
def test_an_ill_typed_literal_of_any_xsd_datatype_is_found_and_located(
    folder: Path, suffix: str, datatype: str, valid: bool, data: st.DataObject
) -> None:
    from kg.pipeline.terms import ill_typed, ill_typed_results

    good, bad = _XSD[datatype]
    lexical = data.draw(good if valid else bad)
    obj = ox.Literal(lexical, datatype=ox.NamedNode(XSD + datatype))
    triples = [
        ox.Triple(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "label"), ox.Literal("a")),
        ox.Triple(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "p"), obj),
    ]
    source = read(folder, suffix, serialize(triples, suffix))
    assert isinstance(source, Source), str(source)  # parsing judges syntax, not values
    found = ill_typed_results(ill_typed([source]))
    if valid:
        assert found == [], f"{lexical!r} is a valid xsd:{datatype}"
        return
    assert [r.value for r in found] == [lexical], f"{lexical!r} is not a valid xsd:{datatype}"
    where = found[0].location
    # RDF/XML and JSON-LD: kg.pipeline.terms gives the file's line when the lexical form is
    # written as it is, and no location when the file escapes it (&quot; "\u0022"): not asserted
    if suffix in (".ttl", ".nt"):
        assert where.startswith(str(folder / f"doc{suffix}")), where
        assert where.rsplit(":", 1)[-1].isdigit(), where  # file:line
