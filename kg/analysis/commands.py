"""The analysis subcommands of ``iodm``: network, distances, profile, whatif, evidence, figure,
agreement.

Only argparse is imported here at module level, so ``iodm --help`` stays instant: each command
imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

FIGURES = ("spectrum", "factors", "hierarchy", "distances", "all", "examples")


class _Lever(argparse.Action):
    """Collects the what-if levers in the order given on the command line."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        levers = list(getattr(namespace, "levers", None) or [])
        levers.append((self.dest, values))
        namespace.levers = levers


def add_parsers(sub: Any) -> None:
    c = sub.add_parser(
        "network",
        help="export the network view (reporting lines, units, holdings, interlocutors, "
        "institutional relations, places) as GraphML or GEXF",
    )
    c.add_argument("-o", "--output", type=Path, required=True, help="FILE.graphml or FILE.gexf")
    c.add_argument("--format", choices=("graphml", "gexf"), help="default: from the suffix")
    c.add_argument("--mission", metavar="M", help="only around this field presence (IRI or label)")
    c.set_defaults(func=cmd_network)

    c = sub.add_parser(
        "distances",
        help="per post: km to the host capital, reporting steps to the posts dealing with the "
        "capital authorities, outside the host state (CQ1, as the build derived them)",
    )
    c.add_argument("--mission", metavar="M", help="only this field presence (IRI or label)")
    c.add_argument("--format", choices=("table", "csv", "json"), default="table")
    c.set_defaults(func=cmd_distances)

    c = sub.add_parser(
        "profile",
        help="which factors predispose an official, post or unit toward confrontation or "
        "conciliation, why, and on what evidence",
    )
    c.add_argument("subject", metavar="IRI-or-label", help="an official, post or unit")
    c.add_argument("--at", metavar="DATE", help="a date YYYY-MM-DD (default: any date)")
    c.add_argument(
        "--min-years", metavar="N", help="years at one duty station that count as long (default 5)"
    )
    c.add_argument("--format", choices=("text", "json", "ttl"), default="text")
    c.set_defaults(func=cmd_profile)

    c = sub.add_parser(
        "whatif",
        help="apply a policy lever the paper names to an in-memory copy and compare a "
        "mission's profiles before and after",
        description="Levers apply in the order given, to a copy in memory; the store is only "
        "read. UNIT, POST, ENTITY, STATION: an IRI or a label.",
    )
    c.add_argument("--mission", metavar="M", help="the field presence (default: from a lever)")
    c.add_argument("--at", metavar="DATE", help="a date YYYY-MM-DD (default: any date)")
    c.add_argument("--min-years", metavar="N", help="years that count as long at one station")
    c.add_argument(
        "--rotate", metavar="YEARS", action=_Lever, help="rotate officials after YEARS at a station"
    )
    c.add_argument(
        "--integrate", metavar="UNIT=ENTITY", action=_Lever, help="integrate a unit with an entity"
    )
    c.add_argument(
        "--separate", metavar="UNIT", action=_Lever, help="separate a unit from the mission"
    )
    c.add_argument("--enlarge", metavar="UNIT=N", action=_Lever, help="add N posts to a unit")
    c.add_argument("--cut", metavar="UNIT=N", action=_Lever, help="remove N posts of a unit")
    c.add_argument(
        "--move", metavar="POST=STATION", action=_Lever, help="move a post to another duty station"
    )
    c.set_defaults(func=cmd_whatif, levers=[])

    c = sub.add_parser(
        "evidence",
        help="responses cross-tabulated by the respondent's position and by factor (descriptive)",
    )
    c.add_argument("--format", choices=("table", "json"), default="table")
    c.set_defaults(func=cmd_evidence)

    c = sub.add_parser(
        "figure",
        help="draw a figure as PNG or SVG: spectrum, factors, hierarchy, distances; all (into a "
        "folder); examples (regenerate examples/figures from fresh in-memory builds)",
    )
    c.add_argument("name", choices=FIGURES)
    c.add_argument(
        "-o", "--output", type=Path, required=True, help="FILE.png or FILE.svg; a folder for all"
    )
    c.add_argument("--mission", metavar="M", help="for hierarchy and distances (IRI or label)")
    c.add_argument("--at", metavar="DATE", help="a date YYYY-MM-DD for the leans (default: any)")
    c.set_defaults(func=cmd_figure)

    c = sub.add_parser(
        "agreement",
        help="inter-coder agreement: Krippendorff's alpha per variable over the resources two or "
        "more coders coded, and each disagreement with every coder's value, confidence and row",
        description="Units are the resources that the graphs of two or more coders state "
        "something about; a variable is (the unit's class, a property). Values are compared as "
        "RDF terms (nominal); an empty cell of a coder who coded the resource is the value "
        "(none). Types, labels, notes and other free text, and evidence links are not compared. "
        "The coder 'consensus' is not counted: its value is shown beside each disagreement. "
        "Exits 2 if the store holds no resource coded by two or more coders, 3 if it holds no "
        "build.",
    )
    c.add_argument("--format", choices=("table", "csv", "json"), default="table")
    c.set_defaults(func=cmd_agreement)


def _open(args: argparse.Namespace) -> Any:
    from kg.pipeline.views import open_view

    return open_view(args.store, getattr(args, "coder", None))


def _years(raw: str | None, option: str) -> Any:
    from decimal import Decimal, InvalidOperation

    from kg.core.errors import UsageError

    if raw is None:
        return None
    try:
        years = Decimal(raw)
    except InvalidOperation:
        raise UsageError(f"{option} expects a number of years, got {raw!r}") from None
    if years < 0:
        raise UsageError(f"{option} expects a positive number of years, got {raw!r}")
    return years


def cmd_network(args: argparse.Namespace) -> int:
    from kg.analysis.network import build, export, neighbourhood
    from kg.analysis.resolve import resolve

    fmt = args.format or args.output.suffix.lower().lstrip(".")
    with _open(args) as store:
        graph = build(store)
        if args.mission:
            kinds = {n: d["kind"] for n, d in graph.nodes(data=True)}
            names = {n: d["label"] for n, d in graph.nodes(data=True)}
            target = resolve(
                store, args.mission, kinds, names, ("field presence",), "a field presence"
            )
            graph = neighbourhood(graph, target.iri)
        export(graph, fmt, args.output)
    print(
        f"wrote {graph.number_of_nodes():,} nodes and {graph.number_of_edges():,} edges to "
        f"{args.output} ({fmt})"
    )
    return 0


def cmd_distances(args: argparse.Namespace) -> int:
    import sys

    from kg.analysis.distances import QUERY, for_mission, render, rows
    from kg.analysis.network import build
    from kg.analysis.resolve import resolve

    with _open(args) as store:
        graph = build(store)
        names = {n: d["label"] for n, d in graph.nodes(data=True)}
        found = rows(store)
        if args.mission:
            kinds = {n: d["kind"] for n, d in graph.nodes(data=True)}
            target = resolve(
                store, args.mission, kinds, names, ("field presence",), "a field presence"
            )
            found = for_mission(found, graph, target.iri)
    sys.stdout.write(render(found, names, args.format))
    if args.format == "table":
        measured = sum(r.km is not None for r in found)
        print(
            f"\n{len(found)} row(s) of the named query {QUERY}, {measured} with a distance "
            "(haversine km from WGS84 coordinates, derived at build time). Steps: org:reportsTo "
            "hops to the nearest post dealing with the capital authorities (0: the post itself)."
        )
    return 0


def cmd_profile(args: argparse.Namespace) -> int:
    import sys

    from kg.analysis.profile import Profiler, dumps, triples_for
    from kg.analysis.resolve import resolve
    from kg.analysis.rules import derive, parse_date
    from kg.core.results import serialize_rdf

    at = parse_date(args.at)
    with _open(args) as store:
        derivation = derive(store, at, _years(args.min_years, "--min-years"))
        profiler = Profiler(derivation, store)
        subject = resolve(
            derivation.store,
            args.subject,
            profiler.kinds,
            profiler.labels,
            (
                "official",
                "post",
                "unit",
                "field presence",
                "organization",
                "kind of unit",
                "kind of official",
            ),
            "an official, post, unit, kind of unit or kind of official",
        )
        profile = profiler.profile(subject.iri)
    if args.format == "json":
        sys.stdout.write(dumps([profile]))
    elif args.format == "ttl":
        sys.stdout.write(
            serialize_rdf(sorted(triples_for(derivation, subject.iri), key=str), "ttl")
        )
    else:
        sys.stdout.write(profile.render())
    return 0


def cmd_whatif(args: argparse.Namespace) -> int:
    import sys
    from decimal import Decimal

    from kg.analysis.rules import parse_date
    from kg.analysis.whatif import Lever, run
    from kg.core.errors import UsageError

    levers = []
    for kind, raw in args.levers:
        if kind == "rotate":
            levers.append(Lever("rotate", number=_years(raw, "--rotate")))
        elif kind == "separate":
            levers.append(Lever("separate", target=raw))
        else:
            target, sep, other = raw.rpartition("=")
            if not sep or not target.strip() or not other.strip():
                raise UsageError(f"--{kind} expects A=B, got {raw!r}")
            if kind in ("enlarge", "cut"):
                try:
                    number = Decimal(other)
                except ArithmeticError:
                    raise UsageError(f"--{kind} expects UNIT=N, got {raw!r}") from None
                levers.append(Lever(kind, target=target.strip(), number=number))
            else:
                levers.append(Lever(kind, target=target.strip(), other=other.strip()))
    with _open(args) as store:
        result = run(
            store, levers, args.mission, parse_date(args.at), _years(args.min_years, "--min-years")
        )
    sys.stdout.write(result.render())
    return 0


def cmd_evidence(args: argparse.Namespace) -> int:
    import sys

    from kg.analysis.evidence import table

    with _open(args) as store:
        result = table(store)
    sys.stdout.write(result.to_json() if args.format == "json" else result.render())
    return 0


def cmd_figure(args: argparse.Namespace) -> int:
    from kg.analysis.figures import NAMES, Context, draw, save
    from kg.analysis.rules import parse_date
    from kg.core.errors import UsageError

    at = parse_date(args.at)
    if args.name == "examples":
        from kg.analysis.examples import regenerate

        for path in regenerate(args.output):
            print(f"wrote {path}")
        return 0
    with _open(args) as store:
        ctx = Context(store, args.mission, at)
        if args.name == "all":
            if args.output.suffix:
                raise UsageError("figure all writes into a folder", "give -o FOLDER")
            for name in NAMES:
                figure = draw(name, ctx)
                for fmt in ("png", "svg"):
                    path = args.output / f"{name}.{fmt}"
                    save(figure, path)
                    print(f"wrote {path}")
            return 0
        save(draw(args.name, ctx), args.output)
    print(f"wrote {args.output}")
    return 0


def cmd_agreement(args: argparse.Namespace) -> int:
    import sys

    from kg.analysis.agreement import agreement

    with _open(args) as store:
        report = agreement(store)
    if args.format == "json":
        sys.stdout.write(report.to_json())
    elif args.format == "csv":
        sys.stdout.write(report.to_csv())
    else:
        sys.stdout.write(report.render())
    return 0
