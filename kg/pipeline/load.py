"""Files → named graphs: find the sources, parse them (errors say file, line and column).

Each source file becomes one named graph. Packaged files get stable graph IRIs under
``https://w3id.org/iodm/graph/`` (``…/graph/ontology/iodm.ttl``, ``…/graph/data/missions.ttl``).
A user's RDF file is named from the namespace of the user's dataset description
(:func:`name_user_graphs`): ``{void:uriSpace}graph/{file name}``; without a description, from
:data:`USER_GRAPHS` (``https://w3id.org/iodm/graph/user/{file name}``), never from a local path.
A coding workbook or CSV folder becomes one graph per sheet (and coder), read by
:mod:`kg.pipeline.sheets`, named from the workbook's ``dataset`` sheet.

Each source knows where it states a subject (:meth:`Source.locate`), so every result of the
validation can say ``file:line`` or ``file › sheet › cell``.

A file is checked before it is parsed (:func:`guard`), so that no file can turn the parser
against the machine, and every refusal is a located :class:`~kg.core.errors.ParseError`:

- RDF/XML is read by expat first: a DOCTYPE declaring entities is refused (entity expansion
  turns a kilobyte into gigabytes), and so is a document that is not well-formed XML — a
  truncated file included, which the RDF/XML parser would otherwise accept up to its last
  complete element;
- nesting deeper than :data:`MAX_DEPTH` (JSON arrays and objects, Turtle's ``[ ]`` and ``( )``
  and triple terms ``<< >>``, in N-Triples too, XML elements) is refused before parsing;
- a literal or IRI longer than :data:`MAX_LITERAL` characters is refused with its line;
- Turtle or N-Triples that ends, with no line break, in a '.' right after a name or a number
  is refused: a file cut inside ``ex:b.c`` or ``1.5`` would read as ``ex:b`` or 1;
- JSON-LD that the parser would silently drop is refused: a node whose ``@id`` or ``@type`` is
  not an IRI, a key that is neither an IRI nor a term of the document's ``@context``;
- a UTF-8 byte order mark is accepted (and skipped).

The environment variables ``IODM_MAX_LITERAL`` and ``IODM_MAX_DEPTH`` raise the two limits.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.core.errors import Location, ParseError, UsageError
from kg.core.namespaces import GRAPH
from kg.pipeline.source import FORMATS as FORMATS
from kg.pipeline.source import MAX_LITERAL as MAX_LITERAL
from kg.pipeline.source import PACKAGED_ROLES as PACKAGED_ROLES
from kg.pipeline.source import SCANNED as SCANNED
from kg.pipeline.source import Progress as Progress
from kg.pipeline.source import Source as Source
from kg.pipeline.source import import_provenance as import_provenance
from kg.pipeline.source import limit as limit
from kg.pipeline.source import packaged_files as packaged_files
from kg.store import LoadedGraph, matching

_IRI_IN_TEXT = re.compile(r"<([^<>\s]+)>")
_LOCAL_NAME = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?")
#: the role of a file in :func:`extra_files` that :func:`parse_all` reads as coding sheets
SHEETS = "sheets"
#: where a user's RDF file is named when no dataset description declares a namespace
USER_GRAPHS = GRAPH + "user/"
#: a subject of this type in a user's file (or a workbook's ``dataset`` sheet) is a dataset
#: description: it declares the dataset's namespaces with ``void:uriSpace``
VOID_DATASET = "http://rdfs.org/ns/void#Dataset"
VOID_URI_SPACE = "http://rdfs.org/ns/void#uriSpace"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_A, _VOID_DATASET, _URI_SPACE = map(ox.NamedNode, (_RDF_TYPE, VOID_DATASET, VOID_URI_SPACE))
#: a namespace a dataset may declare: an absolute http(s) IRI ending in / or #
NAMESPACE_PATTERN = re.compile(r"^https?://[^\s/<>\"{}|^`\\]+/[^\s<>\"{}|^`\\]*[/#]$")


class Locator:
    """Where the sources state a term: the user's sources first, then the packaged ones.

    A subject is found in the source that states it; a blank node, through the subject that
    points to it. The index of subjects is built on the first question.
    """

    def __init__(self, sources: Iterable[Source]) -> None:
        self.sources = sorted(sources, key=lambda s: not s.is_users)
        self._subjects: dict[str, Source] | None = None
        self._parents: dict[str, ox.NamedNode | ox.BlankNode] = {}
        self._mentions: dict[str, Source] = {}
        self._prefixes: dict[str, str] | None = None
        self._by_length: list[str] = []

    def __call__(self, term: object) -> Location | None:
        for _ in range(8):  # a blank node's parent may be a blank node, not forever
            if isinstance(term, ox.NamedNode):
                return self.locate(term.value)
            if not isinstance(term, ox.BlankNode):
                return None
            self._index()
            term = self._parents.get(term.value)
        return None

    def locate(self, iri: str) -> Location | None:
        """Where ``iri`` is stated as a subject (else first mentioned as an object)."""
        for source in self.sources:
            if iri in source.locations:
                return source.locations[iri]
        subjects = self._index()
        found = subjects.get(iri) or self._mentions.get(iri)
        if found is None:
            return None
        # a JSON-LD or RDF/XML file has no lines to give: its name still says where
        return found.locate(iri) or (Location(str(found.path)) if found.path else None)

    def written(self, text: str) -> str:
        """``text`` with each ``<iri>`` under a prefix of the user's Turtle files written as
        that prefixed name (``<https://example.org/study/x>`` → ``ex:x``)."""
        if self._prefixes is None:
            self._prefixes = {}
            for source in self.sources:
                positions = source.positions() if source.is_users else None
                for prefix, namespace in (positions.prefixes if positions else {}).items():
                    if namespace and not namespace.startswith("file:"):
                        self._prefixes.setdefault(namespace, prefix)
            self._by_length = sorted(self._prefixes, key=len, reverse=True)
        if not self._prefixes or "<" not in text:
            return text
        return _IRI_IN_TEXT.sub(self._prefixed, text)

    def _prefixed(self, m: re.Match[str]) -> str:
        iri = m.group(1)
        for namespace in self._by_length:
            local = iri[len(namespace) :]
            if iri.startswith(namespace) and _LOCAL_NAME.fullmatch(local):
                return f"{self._prefixes[namespace]}:{local}"  # type: ignore[index]
        return m.group()

    def _index(self) -> dict[str, Source]:
        if self._subjects is None:
            self._subjects = {}
            for source in self.sources:
                for t in source.triples:
                    s, o = t.subject, t.object
                    if isinstance(s, ox.NamedNode):
                        self._subjects.setdefault(s.value, source)
                    if isinstance(o, ox.BlankNode) and isinstance(s, ox.NamedNode | ox.BlankNode):
                        self._parents.setdefault(o.value, s)
                    elif isinstance(o, ox.NamedNode):
                        self._mentions.setdefault(o.value, source)
        return self._subjects


def extra_files(paths: Iterable[str | Path]) -> list[tuple[Path, str, str]]:
    """(path, graph IRI, role) of the user's files: an RDF file is role ``extra``; a coding
    workbook (``.xlsx``), a CSV sheet or a folder of CSV sheets is role :data:`SHEETS`, whose
    graphs its reader names. The graph IRI is provisional (:data:`USER_GRAPHS` + the file
    name): :func:`parse_all` names an RDF file's graph from the dataset's namespace."""
    from kg.pipeline.sheets import SHEET_SUFFIXES, is_sheets

    found = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            if not is_sheets(path):
                raise UsageError(
                    f"{p}: a folder without CSV files",
                    "give RDF files, a workbook (.xlsx), CSV files or a folder of CSV sheets",
                )
            found.append((path, USER_GRAPHS + path.name, SHEETS))
            continue
        if not path.is_file():
            raise UsageError(f"{p}: no such file")
        if is_sheets(path):
            found.append((path, USER_GRAPHS + path.name, SHEETS))
        elif path.suffix.lower() in FORMATS:
            found.append((path, USER_GRAPHS + path.name, "extra"))
        else:
            rdf = ", ".join(sorted(FORMATS))
            sheets = ", ".join(SHEET_SUFFIXES)
            raise UsageError(
                f"{p}: unknown RDF format {path.suffix!r}",
                f"use RDF ({rdf}) or coding sheets ({sheets}, or a folder of .csv files)",
            )
    return found


def parse_file(path: Path, graph: str, role: str, progress: Progress | None = None) -> Source:
    """Parse one file into a :class:`Source`; a syntax error, or anything :func:`guard`
    refuses, becomes a located :class:`ParseError`."""
    fmt, data, _ = _read(path)
    return _parse(path, graph, role, fmt, data, progress)


def _read(path: Path) -> tuple[ox.RdfFormat, bytes, bool]:
    """A file's format and bytes, once :func:`guard` accepts them (a byte order mark taken
    off), and whether the store may load it itself (:func:`_loadable`)."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UsageError(f"{path}: unknown RDF format {path.suffix!r}")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UsageError(f"{path}: cannot read: {e}") from e
    bom = data.startswith(_BOM)
    data = data.removeprefix(_BOM)
    nests = guard(path, data, fmt)
    return fmt, data, not bom and not nests and _loadable(fmt, data)


def _parse(
    path: Path,
    graph: str,
    role: str,
    fmt: ox.RdfFormat,
    data: bytes,
    progress: Progress | None = None,
) -> Source:
    source = Source(path, graph, role)
    triples: list[ox.Triple] = []
    source.triples = triples
    longest = limit("IODM_MAX_LITERAL", MAX_LITERAL)
    if _no_term_longer(data, fmt, longest):
        longest = sys.maxsize  # nothing to look at per term
    with _located_errors(path, data, fmt):
        for quad in ox.parse(data, format=fmt, base_iri=path.resolve().as_uri()):
            if not isinstance(quad.graph_name, ox.DefaultGraph):
                name = quad.graph_name.value.encode("utf-8")
                at = data.find(name) if name else -1
                at = at if at >= 0 else max(data.find(b"@graph"), 0)
                raise ParseError(
                    Location(str(path), _line_at(data, at)),
                    "named graphs are not accepted here",
                    "state the triples in the default graph: each file is one graph",
                )
            triple = quad.triple
            if longest < sys.maxsize:
                for term in (triple.subject, triple.predicate, triple.object):
                    if isinstance(term, ox.NamedNode | ox.Literal) and len(term.value) > longest:
                        _too_long(path, data, term, longest, fmt, len(triples))
            triples.append(triple)
            if progress is not None and len(triples) % 50_000 == 0:
                progress.tick(path, len(triples))
    if source.is_users:
        source.provenance = import_provenance(graph, path.name, _sha256(path))
    return source


@contextlib.contextmanager
def _located_errors(path: Path, data: bytes, fmt: ox.RdfFormat) -> Iterator[None]:
    """A parser's syntax or encoding error, as a :class:`ParseError` with its file and line."""
    try:
        yield
    except SyntaxError as e:
        detail = _syntax_detail(e)
        line, column = e.lineno, e.offset
        quoted = _QUOTED.search(detail) if line is None else None
        if quoted is not None:  # RDF/XML errors give no line: the value they quote does
            at = data.find(quoted.group(1).encode("utf-8"))
            line, column = (_line_at(data, at), None) if at >= 0 else (None, None)
        if line is None:  # else the line the parser had read up to when it stopped
            line = _line_of_error(data, fmt, path.resolve().as_uri())
        raise ParseError(
            Location(str(path), line, column),
            detail,
            "fix the syntax there; nothing was written to the store",
        ) from e
    except UnicodeDecodeError as e:
        try:
            data.decode("utf-8")
            line = _line_of_error(data, fmt, path.resolve().as_uri())
        except UnicodeDecodeError as bad:
            line = _line_at(data, bad.start)
        raise ParseError(
            Location(str(path), line), f"not UTF-8 text ({e.reason})", "save it as UTF-8"
        ) from e


def _loadable(fmt: ox.RdfFormat, data: bytes) -> bool:
    """Whether the store may load this file itself (:class:`kg.store.LoadedGraph`), given that
    :func:`guard` found nothing nested in it and no byte order mark: Turtle or N-Triples with no
    blank node (a second parse would label it anew; ``_:`` anywhere, even in a literal, is
    enough to parse the file into Python as before), no term longer than the limit (whose error
    needs the triple), and no mention of the VoID namespace (a dataset description, which names
    the user's graphs before they are loaded)."""
    if fmt not in (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES):
        return False
    if b"_:" in data or b"rdfs.org/ns/void" in data:
        return False
    return _no_term_longer(data, fmt, limit("IODM_MAX_LITERAL", MAX_LITERAL))


def _load(into: ox.Store, source: Source, fmt: ox.RdfFormat, data: bytes) -> None:
    """Load a file :func:`_loadable` accepts into its source's graph of ``into``."""
    assert source.path is not None
    base = source.path.resolve().as_uri()
    with _located_errors(source.path, data, fmt):
        into.load(data, format=fmt, base_iri=base, to_graph=ox.NamedNode(source.graph))
    source.triples = LoadedGraph(into, source.graph, source.path, fmt, base)


# --- what a file may hold: checked before (and while) parsing ----------------------------------


def _no_term_longer(data: bytes, fmt: ox.RdfFormat, longest: int) -> bool:
    """Whether no IRI or literal of the file can be longer than ``longest`` characters, seen
    from its bytes alone (so the parse need not look at every term). In the line-based and
    JSON formats a term is written on one line, but for Turtle's long strings (triple quotes,
    which span lines), and an IRI may join three written parts (a base, a prefix or
    vocabulary, a local name); a character is at least a byte."""
    if len(data) <= longest:
        return True
    if fmt not in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS, ox.RdfFormat.JSON_LD) and (
        fmt not in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) or b'"""' in data or b"'''" in data
    ):
        return False
    return 3 * max(map(len, data.split(b"\n"))) <= longest


#: the deepest nesting a file may hold: JSON arrays and objects, Turtle's ``[ ]`` and ``( )``,
#: XML elements (``IODM_MAX_DEPTH`` overrides it)
MAX_DEPTH = 100
_BOM = b"\xef\xbb\xbf"
#: characters no IRI holds (RFC 3987): JSON-LD drops a node or a key that has them
_NOT_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')
#: what the depth scan of a Turtle file looks at: strings, IRIs and comments (skipped), brackets
_TURTLE_TOKENS = re.compile(
    rb'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    rb'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<<|>>|<[^<>\s]*>|#[^\n]*|[\[\]()]'
)
_QUOTED = re.compile(r"'([^'\n]{3,})'")
#: a file's end that a cut inside a name or a number can make: a '.' right after one
_CUT_TOKEN = re.compile(rb"[\w\-:%\x80-\xff]\.\Z")
_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_LIMIT_HINT = "nothing was written; to raise the limit, set {} (see kg/pipeline/load.py)"


class _Refused(Exception):
    """A refusal raised inside an expat handler, carried out of the parser."""

    def __init__(self, line: int | None, detail: str, hint: str) -> None:
        super().__init__(detail)
        self.line, self.detail, self.hint = line, detail, hint


def guard(path: Path, data: bytes, fmt: ox.RdfFormat) -> bool:
    """Refuse, located, what would turn the parser against the machine or be silently lost:
    XML entities and ill-formed (truncated) XML, nesting deeper than :data:`MAX_DEPTH`, JSON
    that is not JSON, and JSON-LD nodes or keys that the parser would drop.

    Returns whether the file may nest: for Turtle and N-Triples, whether a ``[``, ``(`` or
    ``<<`` stands outside its strings, IRIs and comments."""
    depth = limit("IODM_MAX_DEPTH", MAX_DEPTH)
    nests = True
    if fmt == ox.RdfFormat.RDF_XML:
        _guard_xml(path, data, depth)
    elif fmt == ox.RdfFormat.JSON_LD:
        _check_depth(path, data, _JSON_TOKENS, b"[{", b"]}", depth)
        try:
            document = json.loads(data)
        except json.JSONDecodeError as e:
            raise ParseError(
                Location(str(path), e.lineno, e.colno),
                f"not JSON: {e.msg}",
                "fix the syntax there; nothing was written to the store",
            ) from e
        except UnicodeDecodeError as e:
            where = Location(str(path), _line_at(data, e.start))
            raise ParseError(where, f"not UTF-8 text ({e.reason})", "save it as UTF-8") from e
        _guard_jsonld(path, data, document)
    elif fmt in SCANNED:
        nests = b"<<" in data or (  # N-Triples nests nothing but RDF 1.2 triple terms
            fmt == ox.RdfFormat.TURTLE and (b"[" in data or b"(" in data)
        )
        if nests:
            nests = _check_depth(path, data, _TURTLE_TOKENS, b"[(", b"])", depth)
        _guard_cut(path, data)
    return nests


def _check_depth(
    path: Path, data: bytes, tokens: re.Pattern[bytes], opening: bytes, closing: bytes, most: int
) -> bool:
    """Refuse nesting deeper than ``most``; returns whether anything opened."""
    depth = 0
    opened = False
    for m in tokens.finditer(data):
        token = m.group()
        if token in (b"<<", b">>"):  # an RDF 1.2 triple term or reifier
            c = ord("[") if token == b"<<" else ord("]")
        elif len(token) != 1:
            continue
        else:
            c = token[0]
        if c in opening:
            depth += 1
            opened = True
            if depth > most:
                raise ParseError(
                    Location(str(path), _line_at(data, m.start())),
                    f"nested more than {most} levels deep",
                    "flatten the data (name the nested nodes); "
                    + _LIMIT_HINT.format("IODM_MAX_DEPTH"),
                )
        elif c in closing:
            depth -= 1
    return opened


def _guard_cut(path: Path, data: bytes) -> None:
    """Refuse a Turtle or N-Triples file that ends, with no line break, in a '.' right after
    a name or a number: it may have been cut inside one (``ex:b.c`` cut to ``ex:b.`` states
    ``ex:b``, ``1.5`` cut to ``1.`` states 1), and a parser reads such a prefix as a whole."""
    if not _CUT_TOKEN.search(data[-2:]):  # anchored at the end: the last two bytes suffice
        return
    last = data[data.rfind(b"\n") + 1 :]
    if any(m.group().startswith(b"#") for m in _TURTLE_TOKENS.finditer(last)):
        return  # the '.' ends a comment
    raise ParseError(
        Location(str(path), data.count(b"\n") + 1),
        "the file ends in a '.' right after a name or a number, with no line break: it may "
        "be cut short inside a name or a number (ex:b.c cut to ex:b. states ex:b)",
        "if the file is whole, end it with a line break (or a space before its last '.'); "
        "if not, use the whole file; nothing was written to the store",
    )


def _guard_xml(path: Path, data: bytes, most: int) -> None:
    from xml.parsers import expat

    parser = expat.ParserCreate()
    depth = 0

    def start(name: str, attributes: object) -> None:
        nonlocal depth
        depth += 1
        if depth > most:
            raise _Refused(
                parser.CurrentLineNumber,
                f"XML elements nested more than {most} levels deep",
                "flatten the data; " + _LIMIT_HINT.format("IODM_MAX_DEPTH"),
            )

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1

    def entity(name: str, *_: object) -> None:
        raise _Refused(
            parser.CurrentLineNumber,
            f"the DOCTYPE declares the XML entity {name!r}: entities are refused (their "
            "expansion can turn a small file into gigabytes)",
            "write the values (or IRIs) in full and remove the DOCTYPE, or convert the file "
            "to Turtle; nothing was written to the store",
        )

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.EntityDeclHandler = entity
    try:
        parser.Parse(data, True)
    except LookupError as e:  # the XML declaration names an encoding Python does not know
        raise ParseError(
            Location(str(path), 1),
            f"not readable XML: {e}",
            'declare encoding="UTF-8" (and save the file so); nothing was written to the store',
        ) from None
    except _Refused as e:
        raise ParseError(Location(str(path), e.line), e.detail, e.hint) from None
    except expat.ExpatError as e:
        last = e.lineno >= data.count(b"\n") and e.code in (
            expat.errors.codes[expat.errors.XML_ERROR_NO_ELEMENTS],
            expat.errors.codes[expat.errors.XML_ERROR_UNCLOSED_TOKEN],
            expat.errors.codes[expat.errors.XML_ERROR_PARTIAL_CHAR],
        )
        raise ParseError(
            Location(str(path), e.lineno, e.offset + 1),
            f"not well-formed XML: {expat.errors.messages[e.code]}"
            + (" (the file ends before the document does: is it truncated?)" if last else ""),
            "fix the XML there; nothing was written to the store",
        ) from None


def _guard_jsonld(path: Path, data: bytes, document: object) -> None:
    """Refuse what a JSON-LD parser drops without a word: a node whose ``@id`` or ``@type``
    is not an IRI, a key that is neither a keyword, an IRI (or compact IRI) nor a term of an
    ``@context`` of the document (when every context is in the document, without
    ``@vocab``)."""
    contexts = list(_contexts(document))
    for c in contexts:
        if isinstance(c, str):  # the build fetches nothing from the network
            at = data.find(json.dumps(c).encode("utf-8"))
            raise ParseError(
                Location(str(path), _line_at(data, at) if at >= 0 else None),
                f"the @context {c} is remote: IODM reads no file from the network",
                "copy the context into the file (an object under @context); nothing was "
                "written to the store",
            )
    local = all(isinstance(c, dict) and "@vocab" not in c for c in contexts)
    terms = {k for c in contexts if isinstance(c, dict) for k in c}

    def refuse(value: str, detail: str) -> None:
        needle = json.dumps(value, ensure_ascii=False).encode("utf-8")
        at = data.find(needle)
        raise ParseError(
            Location(str(path), _line_at(data, at) if at >= 0 else None),
            detail,
            'JSON-LD drops it without a word; write an absolute IRI (no spaces or <>"{}|^`\\)'
            " or define the term in the @context; nothing was written to the store",
        )

    for node in _nodes(document):
        for key, value in node.items():
            if key in ("@id", "@type"):
                for v in value if isinstance(value, list) else [value]:
                    if isinstance(v, str) and v not in terms and _NOT_IRI.search(v):
                        refuse(v, f"{key} {json.dumps(v)} is not an IRI")
            elif not key.startswith("@") and key not in terms:
                if _NOT_IRI.search(key):
                    refuse(key, f"the key {json.dumps(key)} is not an IRI")
                if local and ":" not in key:
                    refuse(key, f"the key {json.dumps(key)} is not defined by any @context")


def _contexts(document: object) -> Iterator[object]:
    todo = [document]
    while todo:
        item = todo.pop()
        if isinstance(item, list):
            todo += item
        elif isinstance(item, dict):
            for key, value in item.items():
                if key == "@context":
                    yield from value if isinstance(value, list) else [value]
                else:
                    todo.append(value)


def _nodes(document: object) -> Iterator[dict[str, object]]:
    """Every JSON object of the document outside ``@context`` and ``@value`` objects."""
    todo = [document]
    while todo:
        item = todo.pop()
        if isinstance(item, list):
            todo += item
        elif isinstance(item, dict) and "@value" not in item:
            yield item
            todo += [v for k, v in item.items() if k != "@context"]


def _too_long(
    path: Path,
    data: bytes,
    term: ox.NamedNode | ox.Literal,
    most: int,
    fmt: ox.RdfFormat,
    index: int,
) -> None:
    """Refuse a term longer than ``most``, at its line: where its text starts in the file,
    else (written with escapes) the line the parser had read to when it gave triple
    ``index``."""
    at = data.find(term.value[:200].encode("utf-8"))
    line = _line_at(data, at) if at >= 0 else _line_of_triple(data, fmt, path, index)
    kind = "an IRI" if isinstance(term, ox.NamedNode) else "a literal"
    raise ParseError(
        Location(str(path), line),
        f"{kind} of {len(term.value):,} characters: longer than the {most:,} a file may hold",
        "link to a document instead of holding its text; " + _LIMIT_HINT.format("IODM_MAX_LITERAL"),
    )


class _LineReader(io.RawIOBase):
    """``data`` handed to a parser one line per read, counting the lines handed out."""

    def __init__(self, data: bytes) -> None:
        self.lines = data.splitlines(keepends=True)
        self.given = 0
        self.rest = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self.rest:
            if self.given >= len(self.lines):
                return 0
            self.rest = self.lines[self.given]
            self.given += 1
        n = min(len(buffer), len(self.rest))
        buffer[:n] = self.rest[:n]
        self.rest = self.rest[n:]
        return n


def _line_of_error(data: bytes, fmt: ox.RdfFormat, base: str) -> int | None:
    """The line a parser that gives none (RDF/XML's) stops at: the file is parsed again, fed
    one line at a time, and the error is on the last line read."""
    reader = _LineReader(data)
    try:
        for _ in ox.parse(reader, format=fmt, base_iri=base):  # type: ignore[arg-type]
            pass
    except (SyntaxError, UnicodeDecodeError) as e:
        return getattr(e, "lineno", None) or max(reader.given, 1)
    return None


def _line_of_triple(data: bytes, fmt: ox.RdfFormat, path: Path, index: int) -> int:
    """The line a parser fed one line at a time had read to when it gave triple ``index``."""
    reader = _LineReader(data)
    for i, _ in enumerate(ox.parse(reader, format=fmt, base_iri=path.resolve().as_uri())):  # type: ignore[arg-type]
        if i == index:
            break
    return max(reader.given, 1)


def _line_at(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _syntax_detail(e: SyntaxError) -> str:
    msg = e.msg or str(e)
    # pyoxigraph prefixes "Parser error at line L column C: "; the location is printed already.
    head, sep, tail = msg.partition(": ")
    return tail if sep and head.startswith("Parser error") else msg


def parse_all(
    files: Iterable[tuple[Path, str, str]],
    progress: Progress | None = None,
    into: ox.Store | None = None,
) -> list[Source]:
    """Parse each file; coding sheets (role :data:`SHEETS`) give a source per sheet. The
    graphs of the user's RDF files are then named from the dataset's namespace
    (:func:`name_user_graphs`).

    Given a store in memory ``into``, a user's Turtle or N-Triples file (:func:`_loadable`)
    is loaded into its graph there, once named, by Oxigraph: its source holds a
    :class:`kg.store.LoadedGraph`, not a Python object per triple."""
    sources = []
    pending: list[tuple[Source, ox.RdfFormat, bytes]] = []
    for path, graph, role in files:
        if role == SHEETS:  # the reader reports its progress, sheet by sheet
            sources += _load_sheets(path, progress)
            continue
        fmt, data, loadable = _read(path)
        if into is not None and role not in PACKAGED_ROLES and loadable:
            source = Source(path, graph, role)
            source.provenance = import_provenance(graph, path.name, _sha256(path))
            pending.append((source, fmt, data))
        else:
            source = _parse(path, graph, role, fmt, data, progress)
            if progress is not None:
                progress.done(path, len(source.triples))
        sources.append(source)
        del data
    name_user_graphs(sources)
    while pending:
        source, fmt, data = pending.pop(0)
        assert into is not None and source.path is not None
        if progress is not None:
            progress.loading(source.path)
        _load(into, source, fmt, data)
        del data
        if progress is not None:
            progress.done(source.path, len(source.triples), "loaded")
    return sources


@dataclass(frozen=True)
class DatasetDescription:
    """A subject typed ``void:Dataset`` in a user's file or sheet, and where it is stated."""

    iri: str
    source: Source
    #: its ``void:uriSpace`` values, as written (literals or IRIs)
    uri_spaces: tuple[ox.Literal | ox.NamedNode | ox.BlankNode, ...]

    @property
    def namespaces(self) -> list[str]:
        """The valid namespaces it declares (http(s) IRIs ending in / or #), in order."""
        return [
            t.value
            for t in self.uri_spaces
            if isinstance(t, ox.Literal) and NAMESPACE_PATTERN.match(t.value)
        ]


def dataset_descriptions(sources: Iterable[Source]) -> list[DatasetDescription]:
    """The dataset descriptions of the user's sources, in the order the files were given."""
    found: list[DatasetDescription] = []
    for source in sources:
        if not source.is_users:
            continue
        typed = matching(source.triples, None, _A, _VOID_DATASET)
        subjects = [t.subject.value for t in typed if isinstance(t.subject, ox.NamedNode)]
        for subject in dict.fromkeys(subjects):
            spaces = tuple(
                t.object
                for t in matching(source.triples, ox.NamedNode(subject), _URI_SPACE)
                if isinstance(t.object, ox.Literal | ox.NamedNode | ox.BlankNode)
            )
            found.append(DatasetDescription(subject, source, spaces))
    return found


def name_user_graphs(sources: list[Source]) -> str | None:
    """Name the graph of each user's RDF file ``{namespace}graph/{file name}``, the namespace
    being the first one a dataset description declares (a Turtle description first, then a
    workbook's ``dataset`` sheet); without one, the graph stays under :data:`USER_GRAPHS`.
    Returns the namespace used (None for the fallback). Two files of the same name would share
    a graph: refused."""
    descriptions = dataset_descriptions(sources)
    ordered = sorted(descriptions, key=lambda d: not _is_rdf_file(d.source, named=True))
    namespace = next((ns for d in ordered for ns in d.namespaces), None)
    base = f"{namespace}graph/" if namespace else USER_GRAPHS
    seen: dict[str, Path] = {}
    for source in sources:
        if not _is_rdf_file(source):
            continue
        assert source.path is not None
        graph = base + source.path.name
        if graph in seen:
            raise UsageError(
                f"{source.path}: another of your files, {seen[graph]}, has the same name; "
                f"both would be the graph <{graph}>",
                "rename one of them: a user's graph is named after its file name",
            )
        seen[graph] = source.path
        source.rename(graph)
    return namespace


def _is_rdf_file(source: Source, named: bool = False) -> bool:
    """A user's RDF file whose graph is still provisional (or, if ``named``, any)."""
    return (
        source.is_users
        and source.path is not None
        and source.path.suffix.lower() in FORMATS
        and (named or source.graph.startswith(USER_GRAPHS))
    )


def _load_sheets(path: Path, progress: Progress | None) -> list[Source]:
    from kg.pipeline import sheets

    try:
        return sheets.load_sheets(path, progress)
    except ModuleNotFoundError as e:
        if e.name != "kg.pipeline.sheets.read":
            raise
        raise UsageError(
            f"{path}: this installation of IODM cannot read coding sheets yet",
            "convert the sheet to Turtle, or update IODM",
        ) from e
