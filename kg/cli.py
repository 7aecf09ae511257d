"""The ``iodm`` command. Imports stay inside the commands so ``iodm --help`` is instant."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from kg import __version__
from kg.core.errors import EXIT_INVALID, EXIT_OK, IODMError, UsageError

EPILOG = """\
store descriptors: oxigraph:PATH (default: in your data directory), memory:,
sparql:QUERY_URL[,UPDATE_URL]. Set IODM_STORE to change the default.
exit codes: 0 ok, 1 invalid data, 2 usage, 3 runtime.
"""
CORE_ONLY_HELP = "only the core ontology (no peacekeeping module, no curated data): for other IOs"
ERRORS_HELP = (
    "also write every result as a CSV table to FILE "
    "(where, severity, rule, focus, path, value, message)"
)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="iodm",
        description="Build, validate, reason over and query the IODM knowledge graph.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"iodm {__version__}")
    p.add_argument("--store", metavar="DESCRIPTOR", help="the store to use (see below)")
    p.add_argument(
        "--coder",
        metavar="NAME",
        help="read one coder's codings (or 'consensus': adjudicated rows, else what all coders "
        "agree on); default: every coder's, side by side",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    c = sub.add_parser("run", help="build, validate, reason, and answer the competency questions")
    c.set_defaults(func=cmd_run)

    c = sub.add_parser("build", help="load the ontology, curated data and FILEs into the store")
    c.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="your data: RDF files (Turtle, N-Triples, JSON-LD, RDF/XML) or coding sheets "
        "(an .xlsx workbook, .csv files, a folder of .csv files)",
    )
    c.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    c.add_argument("--core-only", action="store_true", help=CORE_ONLY_HELP)
    c.add_argument("--errors", type=Path, metavar="FILE", help=ERRORS_HELP)
    c.set_defaults(func=cmd_build)

    c = sub.add_parser(
        "validate", help="check the store (or the graph FILEs would build) against the SHACL shapes"
    )
    c.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="validate what `iodm build FILE…` would store (RDF files or coding sheets)",
    )
    c.add_argument("--format", choices=("table", "json", "csv", "ttl"), default="table")
    c.add_argument("--core-only", action="store_true", help=CORE_ONLY_HELP)
    c.add_argument("--errors", type=Path, metavar="FILE", help=ERRORS_HELP)
    c.set_defaults(func=cmd_validate)

    c = sub.add_parser("reason", help="check OWL 2 consistency and classify with HermiT")
    c.add_argument(
        "--materialize",
        action="store_true",
        help="also write the OWL 2 RL inferences into the `inferred` graph",
    )
    c.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    c.set_defaults(func=cmd_reason)

    c = sub.add_parser("queries", help="list the named queries")
    c.add_argument("--all", action="store_true", help="include diagnostic and check queries")
    c.set_defaults(func=cmd_queries)

    c = sub.add_parser("query", help="run a named query (or --sparql FILE|-)")
    c.add_argument("id", nargs="?", help="a query id from `iodm queries`")
    c.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="bind a parameter (repeatable)",
    )
    c.add_argument("--sparql", metavar="FILE", help="run SPARQL from FILE, or - for standard input")
    c.add_argument(
        "--format",
        choices=("table", "csv", "tsv", "json", "xml", "ttl", "nt", "jsonld"),
        default="table",
    )
    c.add_argument("-o", "--output", type=Path, help="write to a file instead of standard output")
    c.add_argument(
        "--limit", type=_count, metavar="N", help="at most N rows (default: all of them)"
    )
    c.add_argument(
        "--offset", type=_count, default=0, metavar="M", help="skip the first M rows (default 0)"
    )
    c.set_defaults(func=cmd_query)

    c = sub.add_parser(
        "check", help="run the quality checks (queries/checks): each must find nothing"
    )
    c.set_defaults(func=cmd_check)

    c = sub.add_parser("stats", help="triples per named graph and instances per class")
    c.add_argument(
        "--provenance",
        action="store_true",
        help="the share of claims with a source: the curated graph's (default build) and your "
        "data's, graph by graph",
    )
    c.set_defaults(func=cmd_stats)

    c = sub.add_parser(
        "export",
        help="write the store as RDF or GraphML, or as tidy CSV tables with a codebook",
    )
    c.add_argument(
        "--format",
        choices=("ttl", "nt", "jsonld", "nq", "trig", "graphml"),
        help="ttl (the default), nt, jsonld (compacted with the IODM context), nq, trig, graphml",
    )
    c.add_argument("--graph", metavar="IRI", help="only this named graph")
    c.add_argument("-o", "--output", type=Path, help="write to a file instead of standard output")
    c.add_argument(
        "--link-context",
        action="store_true",
        help="jsonld: refer to the published context (https://w3id.org/iodm/context.jsonld) "
        "instead of embedding it",
    )
    c.add_argument(
        "--tables",
        type=Path,
        metavar="DIR",
        help="instead: one CSV per kind of thing, a codebook and a Frictionless datapackage.json "
        "in DIR (what `iodm serve` publishes: no anonymous interviewee's identity)",
    )
    c.add_argument("-q", "--quiet", action="store_true", help="no progress lines (--tables)")
    c.set_defaults(func=cmd_export)

    from kg.publish.commands import add_parsers

    add_parsers(sub)

    from kg.analysis.commands import add_parsers as add_analysis_parsers

    add_analysis_parsers(sub)

    c = sub.add_parser(
        "template",
        help="write a coding workbook (.xlsx) or a folder of CSV sheets, generated from the "
        "shapes and vocabularies, for coding your own data",
    )
    c.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("coding.xlsx"),
        help="FILE.xlsx, or a folder for CSV sheets (default: coding.xlsx)",
    )
    c.add_argument("--core-only", action="store_true", help=CORE_ONLY_HELP)
    c.add_argument("--force", action="store_true", help="overwrite an existing file or folder")
    c.set_defaults(func=cmd_template)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.func(args) or EXIT_OK)
    except IODMError as e:
        print(f"iodm: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("iodm: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


# --- commands ------------------------------------------------------------------------------------


def _open(args: argparse.Namespace, writable: bool = False, built: bool = True):  # type: ignore[no-untyped-def]
    """The store to read (a build must be in it: :func:`kg.store.require_build`), or to write
    (``built`` False: `iodm build` and `iodm run` make it)."""
    from kg.store import open_store, require_build

    if writable:
        store = open_store(args.store, writable=True)
        return require_build(store) if built else store
    from kg.pipeline.views import open_view

    return open_view(args.store, args.coder)


def cmd_template(args: argparse.Namespace) -> int:
    from kg.pipeline.sheets.template import write_template

    written = write_template(args.output, core_only=args.core_only, force=args.force)
    where = args.output if len(written) == 1 else f"{args.output}/ ({len(written)} files)"
    print(f"wrote {where}: fill in the dataset sheet, then the sheets you code;")
    print(f"then: iodm build{' --core-only' if args.core_only else ''} {args.output}")
    return EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    from kg.core.errors import ParseError
    from kg.pipeline.build import build
    from kg.pipeline.load import Progress
    from kg.pipeline.validate import ValidationFailed, ValidationReport

    progress = Progress(quiet=args.quiet)
    with _open(args, writable=True, built=False) as store:
        try:
            summary = build(store, args.files, progress, core_only=args.core_only)
        except ValidationFailed as e:  # the error shows the first results; FILE gets them all
            _write_errors(args.errors, e.report)
            raise
        except ParseError as e:
            _write_errors(args.errors, ValidationReport.of_parse_error(e))
            raise
        _write_errors(args.errors, summary.report)
        print(f"built {store.descriptor}: {summary.graphs} graphs, {summary.triples:,} triples")
        _print_warnings(summary.report)
    return EXIT_OK


def _print_warnings(report) -> None:  # type: ignore[no-untyped-def]
    n = len(report.results)
    if n:
        print(
            f"{n} warning(s)/info(s); `iodm validate` shows them all:\n{report.brief()}",
            end="",
            file=sys.stderr,
        )


def _write_errors(path: Path | None, report) -> None:  # type: ignore[no-untyped-def]
    if path is None:
        return
    from kg.core.files import write_text

    write_text(path, report.to_csv())
    n = len(report.results)
    print(f"wrote {n} result{'s' if n != 1 else ''} to {path}", file=sys.stderr)


def cmd_validate(args: argparse.Namespace) -> int:
    from kg.core.errors import ParseError
    from kg.pipeline.build import check_sources, load_sources, stored_sources
    from kg.pipeline.validate import ValidationFailed, ValidationReport

    if args.files:
        try:
            sources = load_sources(args.files, core_only=args.core_only)
        except ValidationFailed as e:  # problems found while reading (e.g. a sheet's cells)
            sources, report = [], e.report
        except ParseError as e:
            _write_errors(args.errors, ValidationReport.of_parse_error(e))
            raise
    elif args.core_only:
        raise UsageError("--core-only applies to FILEs", "give the files to validate")
    else:
        with _open(args) as store:
            sources = stored_sources(store)
    if sources:
        report = check_sources(sources)
    _write_errors(args.errors, report)
    sys.stdout.write(report.serialize(args.format))
    return EXIT_OK if report.conforms else EXIT_INVALID


def cmd_reason(args: argparse.Namespace) -> int:
    from kg.core.namespaces import INFERRED_GRAPH
    from kg.pipeline.reason import reason
    from kg.pipeline.source import Progress
    from kg.store import OxigraphStore, copy_in_memory

    with _open(args, writable=args.materialize) as store:
        own = isinstance(store, OxigraphStore)
        work = store if isinstance(store, OxigraphStore) else copy_in_memory(store)
        progress = Progress(quiet=args.quiet)
        report = reason(work, materialize_into=args.materialize and own, progress=progress)
        sys.stdout.write(report.summary())
        if not report.ok:
            return EXIT_INVALID
        if args.materialize and report.closure is not None:
            inferred = list(report.closure.inferred())
            if not own:
                store.replace_graphs({INFERRED_GRAPH: inferred})
            print(
                f"materialized {len(inferred):,} OWL 2 RL inferences into <{INFERRED_GRAPH}> "
                f"({report.closure.seconds:.1f} CPU-s)"
            )
    return EXIT_OK


def cmd_queries(args: argparse.Namespace) -> int:
    from kg.core.results import render_table
    from kg.queries import library

    rows = []
    for q in library().values():
        if q.group != "cq" and not args.all:
            continue
        params = ", ".join(f"{p.name}={p.default}" if p.default else p.name for p in q.params)
        rows.append([q.id, q.title, params])
    sys.stdout.write(render_table(["id", "title", "parameters"], rows))
    return EXIT_OK


def _count(raw: str) -> int:
    """A whole number ≥ 0 on the command line (argparse reports what else it got)."""
    if not raw.strip().isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 0, got {raw!r}")
    return int(raw)


def cmd_query(args: argparse.Namespace) -> int:
    from kg.queries import get, page

    params: dict[str, str] = {}
    for name, value in (_split_param(p) for p in args.param):
        if name in params:
            raise UsageError(
                f"parameter {name} given twice ({params[name]!r} and {value!r})",
                f"give -p {name}=VALUE once",
            )
        params[name] = value
    if args.sparql and args.id:
        raise UsageError("give a query id or --sparql, not both")
    with _open(args) as store:
        if args.sparql:
            if params:
                raise UsageError("-p binds parameters of named queries only")
            text = sys.stdin.read() if args.sparql == "-" else _read(args.sparql)
            result = page(store.query, text, {}, args.limit, args.offset)
        elif args.id:
            result = get(args.id).run(store, params, limit=args.limit, offset=args.offset)
        else:
            raise UsageError("which query?", "give an id from `iodm queries`, or --sparql FILE")
    text = _format(result, args.format)
    if args.output:
        from kg.core.files import write_text

        write_text(args.output, text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _split_param(raw: str) -> tuple[str, str]:
    name, sep, value = raw.partition("=")
    if not sep or not name:
        raise UsageError(f"bad parameter {raw!r}", "write -p NAME=VALUE")
    return name.strip(), value


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise UsageError(f"{path}: cannot read: {e.strerror}") from e


def _format(result, fmt: str) -> str:  # type: ignore[no-untyped-def]
    from kg.core.results import GRAPH_FORMATS, SELECT_FORMATS, Triples

    allowed = GRAPH_FORMATS if isinstance(result, Triples) else SELECT_FORMATS
    if fmt not in allowed:
        raise UsageError(
            f"--format {fmt} does not fit the result of a {result.form} query",
            f"use one of {', '.join(allowed)}",
        )
    if fmt == "jsonld":  # compacted with IODM's context, as `iodm export` writes it
        from kg.inspect import jsonld

        return jsonld(result.triples)
    text = result.serialize(fmt)
    return text if text.endswith("\n") else text + "\n"  # pyoxigraph ends JSON and XML without


def cmd_check(args: argparse.Namespace) -> int:
    from kg.pipeline import terms
    from kg.pipeline.build import stored_sources
    from kg.queries import checks as applicable

    failed = 0
    with _open(args) as store:
        sources = stored_sources(store)
    # as the build does: checks about the curated graph run when the build includes it
    checks = applicable(curated=any(s.role == "data" for s in sources))
    for q in applicable():
        if q not in checks:
            print(f"skip {q.id}: about the curated graph, which this build leaves out")
    checked = _checked(sources)
    for q in checks:
        result = checked.select(q.text, q.bindings())
        if len(result):
            failed += 1
            print(f"FAIL {q.id}: {q.title} ({len(result)} rows)")
            sys.stdout.write(result.serialize("table"))
        else:
            print(f"ok   {q.id}")
    # the checks of the terms run on what the build stored (no file lines here)
    scan = terms.Scan()
    found = terms.ill_typed_results(terms.ill_typed(sources, scan)) + terms.term_results(
        sources, scan
    )
    for rule, title in (
        (terms.ILL_TYPED, "every typed literal is valid for its datatype"),
        (terms.UNKNOWN_TERM, "every term of a known vocabulary is defined by it"),
        (terms.UNDECLARED_PROPERTY, "every property of your own namespace is declared"),
    ):
        rows = [r for r in found if r.shape == rule]
        violations = [r for r in rows if r.severity == "Violation"]
        failed += bool(violations)
        mark = "FAIL" if violations else "warn" if rows else "ok  "
        print(
            f"{mark} {rule.removeprefix('check:')}" + (f": {title} ({len(rows)})" if rows else "")
        )
        for r in rows:
            print(f"  {r.focus_node}: {r.message}")
    total = len(checks) + 3
    print(f"{total - failed} of {total} checks pass")
    return EXIT_INVALID if failed else EXIT_OK


def _checked(sources):  # type: ignore[no-untyped-def]
    """What the build ran the checks on (:func:`kg.pipeline.build.check_sources`): the built
    graphs but the shapes, without the statements about the dataset descriptions (VoID and
    DCAT metadata, which the build checks apart), in a store in memory."""
    import pyoxigraph as ox

    from kg.pipeline.load import dataset_descriptions
    from kg.store import OxigraphStore

    described = {ox.NamedNode(d.iri) for d in dataset_descriptions(sources)}
    view = OxigraphStore()
    for s in sources:
        if not s.is_shapes:
            view.add([t for t in s.triples if t.subject not in described], s.graph)
    return view


def cmd_stats(args: argparse.Namespace) -> int:
    from kg.inspect import provenance, stats

    with _open(args) as store:
        sys.stdout.write((provenance(store) if args.provenance else stats(store)).render())
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    if args.tables is not None:
        return _export_tables(args)
    from kg.core.files import atomic_open
    from kg.inspect import export

    fmt = args.format or "ttl"
    if args.link_context and fmt != "jsonld":
        raise UsageError("--link-context applies to --format jsonld")
    link = args.link_context
    with _open(args) as store:
        if args.output:
            with atomic_open(args.output) as out:
                n = export(store, fmt, out, args.graph, link_context=link)
            print(f"wrote {n:,} statements to {args.output}", file=sys.stderr)
        else:
            export(store, fmt, sys.stdout, args.graph, link_context=link)
    return EXIT_OK


def _export_tables(args: argparse.Namespace) -> int:
    given = [
        o for o, v in (("--format", args.format), ("-o", args.output), ("--graph", args.graph)) if v
    ]
    if given:
        raise UsageError(
            f"--tables writes a folder of CSV tables: it takes no {', '.join(given)}",
            "export the tables with --tables DIR alone, or RDF with --format and -o",
        )
    if args.tables.exists() and not args.tables.is_dir():
        raise UsageError(f"--tables {args.tables}: a file, not a folder", "give a folder")
    from kg.pipeline.load import Progress
    from kg.tables import write_tables

    with _open(args) as store:
        write_tables(store, args.tables, progress=Progress(quiet=args.quiet))
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from kg.mainjob import run

    with _open(args, writable=True, built=False) as store:
        return run(store)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
