"""A store that does not exist or holds no build is an error with a hint, for every command that
reads one: never an empty store made on the way and empty tables with exit 0."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.cli import main
from kg.core.errors import EXIT_OK, EXIT_RUNTIME, StoreError
from kg.store import MemoryStore, OxigraphStore, open_store

ROOT = Path(__file__).resolve().parents[2]
DEVBANK = sorted((ROOT / "examples" / "development-bank").glob("*.ttl"))


def reading_commands(tmp_path: Path) -> list[list[str]]:
    """Every command that reads a store, with the arguments it needs to get that far."""
    return [
        ["query", "cq3-decision-factors"],
        ["query", "--sparql", str(ROOT / "queries" / "cq" / "cq3-decision-factors.rq")],
        ["check"],
        ["stats"],
        ["stats", "--provenance"],
        ["export", "--format", "nt"],
        ["validate"],
        ["reason"],
        ["reason", "--materialize"],  # reads the build before it writes the inferences
        ["serve", "--port", "1"],  # fails before it binds a port
        ["publish", "--out", str(tmp_path / "site")],
        ["push", "sparql:http://127.0.0.1:9/query,http://127.0.0.1:9/update"],
        ["network", "-o", str(tmp_path / "net.graphml")],
        ["distances"],
        ["profile", "Anyone"],
        ["whatif", "--rotate", "2"],
        ["evidence"],
        ["figure", "spectrum", "-o", str(tmp_path / "spectrum.png")],
        ["agreement"],
    ]


def iodm(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_every_reading_command_refuses_a_store_that_is_not_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "mistyped" / "path"
    for command in reading_commands(tmp_path):
        code, out, err = iodm(capsys, "--store", f"oxigraph:{missing}", *command)
        assert code == EXIT_RUNTIME, (command, err)
        assert err.startswith(
            f"iodm: error: oxigraph:{missing} holds no built knowledge graph: "
            f"there is no store at {missing}\n"
        ), (command, err)
        assert "hint: check the path (--store, or $IODM_STORE), or run `iodm build` first" in err
        assert not out and "Traceback" not in err, command
        assert not missing.exists() and not missing.parent.exists(), f"{command} made a store"


def test_every_reading_command_refuses_a_store_without_a_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    with OxigraphStore(empty, writable=True) as made:  # made, nothing built into it
        made.update("INSERT DATA { GRAPH <urn:x:g> { <urn:x:s> <urn:x:p> <urn:x:o> } }")
    assert empty.is_dir()
    for command in reading_commands(tmp_path):
        code, out, err = iodm(capsys, "--store", f"oxigraph:{empty}", *command)
        assert code == EXIT_RUNTIME, (command, err)
        assert f"iodm: error: oxigraph:{empty} holds no built knowledge graph\n" in err, command
        assert "hint: run `iodm build` first" in err and not out, command


def test_a_memory_store_holds_no_build_in_a_new_process(capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["stats"], ["query", "cq3-decision-factors"], ["check"]):
        code, out, err = iodm(capsys, "--store", "memory:", *command)
        assert code == EXIT_RUNTIME and not out
        assert "memory: holds no built knowledge graph" in err
        assert "build into oxigraph:PATH, or use `iodm run`" in err


def test_build_makes_the_store_that_reading_commands_then_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = f"oxigraph:{tmp_path / 'new' / 'store'}"
    code, _, err = iodm(capsys, "--store", store, "build", "-q", "--core-only", *map(str, DEVBANK))
    assert code == EXIT_OK, err
    code, out, _ = iodm(capsys, "--store", store, "stats")
    assert code == EXIT_OK and "graph:build" in out


def test_open_store_to_read_needs_a_build_but_to_write_makes_one(tmp_path: Path) -> None:
    path = tmp_path / "store"
    with pytest.raises(StoreError, match="no store at") as e:
        open_store(f"oxigraph:{path}")
    assert e.value.hint and "iodm build" in e.value.hint and not path.exists()
    with open_store(f"oxigraph:{path}", writable=True) as store:
        assert store.named_graphs() == []
    assert path.is_dir()
    with pytest.raises(StoreError, match="holds no built knowledge graph") as e:
        open_store(f"oxigraph:{path}")
    assert e.value.message.endswith("graph") and e.value.hint == "run `iodm build` first"
    # the Python API's in-memory store is new and empty, for its caller to fill
    assert isinstance(open_store("memory:"), MemoryStore)


def test_a_second_writer_is_told_who_writes_and_a_reader_reads_the_last_build(
    tmp_path: Path,
) -> None:
    """Two builds on one store: the second stops with the first's process id. A build writes
    a new directory, so a reader opening meanwhile reads the previous build; a writer changing
    the store in place (an update) has readers told who writes instead, since they would read
    files its compaction deletes (issue 15, point 6). Once the writer is done, both open."""
    import os

    from kg.pipeline.build import build

    path = tmp_path / "store"
    first = OxigraphStore(path, writable=True)
    build(first, [], core_only=True)
    with pytest.raises(StoreError, match=f"being written by process {os.getpid()}"):
        OxigraphStore(path, writable=True).store.flush()
    with OxigraphStore(path) as reader:  # while the builder still holds the store
        assert next(iter(reader.quads()), None) is not None
    first.update("INSERT DATA { GRAPH <urn:x:g> { <urn:x:s> <urn:x:p> <urn:x:o> } }")
    with pytest.raises(StoreError, match=f"being written by process {os.getpid()}"):
        OxigraphStore(path).store.flush()
    first.close()
    reader = OxigraphStore(path)
    assert next(iter(reader.quads("urn:x:g")), None) is not None
    reader.close()
    again = OxigraphStore(path, writable=True)
    again.update("DROP GRAPH <urn:x:g>")  # the claim ends with the writer
    again.close()


def test_a_build_swaps_in_a_new_directory_and_keeps_the_previous_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each write of a store on disk is a new build directory that PATH links to; the previous
    one stays for the readers that opened it, older ones go (a relative PATH too)."""
    import pyoxigraph as ox

    monkeypatch.chdir(tmp_path)
    triple = ox.Triple(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.Literal("o"))
    links = []
    for i in range(3):
        with OxigraphStore(Path("store"), writable=True) as store:
            store.replace_graphs({f"urn:x:g{i}": [triple]})
        links.append(Path("store").resolve())
    builds = sorted(p.resolve() for p in Path("store.builds").iterdir())
    assert builds == [links[1].parent, links[2].parent]  # the current one and the one before
    with OxigraphStore(Path("store")) as reader:
        assert reader.named_graphs() == ["urn:x:g0", "urn:x:g1", "urn:x:g2"]
        assert reader.published() == (links[2], 0, 3)  # nothing to withhold: the store itself


def test_a_build_killed_at_any_moment_leaves_the_previous_one(tmp_path: Path) -> None:
    """kill -9 while a build parses, validates, bulk-loads or records its snapshot: the store
    still answers with the previous build, and the next build removes what the killed one left
    (issue 14 point 2, issue 15)."""
    import signal
    import subprocess
    import sys
    import time

    root = Path(__file__).resolve().parents[2]
    data = tmp_path / "synthetic.nt"
    subprocess.run(
        [sys.executable, str(root / "benchmarks/synthetic.py"), "20000", "-o", str(data)],
        check=True,
        capture_output=True,
    )
    store = tmp_path / "store"
    command = [sys.executable, "-m", "kg.cli", "--store", f"oxigraph:{store}", "build", "-q"]
    subprocess.run(command, check=True, capture_output=True, cwd=root)
    with OxigraphStore(store) as before:
        graphs = before.named_graphs()
    reference = tmp_path / "reference"
    whole = [sys.executable, "-m", "kg.cli", "--store", f"oxigraph:{reference}", "build", "-q"]
    began = time.monotonic()
    subprocess.run([*whole, str(data)], check=True, capture_output=True, cwd=root)
    took = time.monotonic() - began
    with OxigraphStore(reference) as done:
        complete = done.named_graphs()
    seen = []
    for share in (0.2, 0.4, 0.6, 0.8, 0.95):
        build = subprocess.Popen([*command, str(data)], cwd=root, stderr=subprocess.DEVNULL)
        time.sleep(took * share)
        build.send_signal(signal.SIGKILL)
        build.wait()
        with OxigraphStore(store) as reader:
            found = reader.named_graphs()
        assert found in (graphs, complete), f"killed after {took * share:.1f} s: {found}"
        seen.append(found == graphs)
        if found == complete:  # the build had finished: start again from the previous one
            subprocess.run(command, check=True, capture_output=True, cwd=root)
    assert seen[0], "no kill landed before the build ended"
    subprocess.run([*command, str(data)], check=True, capture_output=True, cwd=root)
    with OxigraphStore(store) as after:
        assert after.named_graphs() == complete
    assert len(list(store.with_name("store.builds").iterdir())) == 2  # leftovers removed


def test_a_refused_build_leaves_the_store_and_its_builds_as_they_were(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store_path = tmp_path / "store"
    assert iodm(capsys, "--store", f"oxigraph:{store_path}", "build", "-q")[0] == EXIT_OK
    before = sorted(p.resolve() for p in store_path.with_name("store.builds").iterdir())
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix iodm: <https://w3id.org/iodm#> .\n<https://example.org/x> iodm:holdsPots 1 .\n"
    )
    code, _, err = iodm(capsys, "--store", f"oxigraph:{store_path}", "build", "-q", str(bad))
    assert code != EXIT_OK and "holdsPots" in err
    after = sorted(p.resolve() for p in store_path.with_name("store.builds").iterdir())
    assert after == before and store_path.resolve().parent in after


def test_a_write_from_the_staging_store_is_the_write_of_its_graphs(tmp_path: Path) -> None:
    """A build writes its staging store in one load (``replace_graphs(staged=…)``): the store
    written holds what a write of the graphs holds, blank nodes with their labels, still one
    node across graphs."""
    import pyoxigraph as ox

    s, p, blank = ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.BlankNode("r1")
    graphs = {
        "urn:x:a": [ox.Triple(s, p, ox.Literal(str(i))) for i in range(50)],
        "urn:x:restriction": [ox.Triple(s, p, blank)],
        "urn:x:b": [ox.Triple(blank, p, s)],  # what the build derives about it
    }
    staged = OxigraphStore()
    for g, triples in graphs.items():
        staged.add(triples, g)
    with OxigraphStore(tmp_path / "staged", writable=True) as written:
        written.replace_graphs(graphs, staged=staged.store)
    with OxigraphStore(tmp_path / "plain", writable=True) as plain:
        plain.replace_graphs(graphs)
    with OxigraphStore(tmp_path / "staged") as a, OxigraphStore(tmp_path / "plain") as b:
        assert set(a.quads()) == set(b.quads()) and len(set(a.quads())) == 52
        assert a.ask("ASK { ?s ?p ?r . ?r ?p ?s }")  # the blank node joins across graphs
    staged.add([ox.Triple(s, p, s)], "urn:x:other")
    with (
        OxigraphStore(tmp_path / "other", writable=True) as other,
        pytest.raises(ValueError, match="does not hold what the store will"),
    ):
        other.replace_graphs(graphs, staged=staged.store)
