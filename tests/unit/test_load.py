"""Parsing files: errors name file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.core.errors import ParseError, UsageError
from kg.pipeline.load import extra_files, parse_file


def test_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text(
        '@prefix ex: <https://example.org/> .\nex:a ex:b "unterminated .\n', encoding="utf-8"
    )
    with pytest.raises(ParseError) as e:
        parse_file(broken, broken.as_uri(), "extra")
    assert e.value.location.file == str(broken)
    assert e.value.location.line == 2
    assert e.value.location.column is not None
    assert f"{broken}:2:" in str(e.value)


def test_turtle_and_ntriples_parse(tmp_path: Path) -> None:
    ttl = tmp_path / "a.ttl"
    ttl.write_text(
        "@prefix ex: <https://example.org/> .\nex:a ex:b ex:c , ex:d .\n", encoding="utf-8"
    )
    assert len(parse_file(ttl, ttl.as_uri(), "extra").triples) == 2


def test_unknown_extension_is_a_usage_error(tmp_path: Path) -> None:
    odd = tmp_path / "data.docx"
    odd.write_text("", encoding="utf-8")
    with pytest.raises(UsageError, match="unknown RDF format") as e:
        extra_files([odd])
    assert ".ttl" in str(e.value) and ".xlsx" in str(e.value)  # the hint names sheets too


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        extra_files([tmp_path / "nope.ttl"])


def test_long_loads_show_progress(tmp_path: Path) -> None:
    import io

    from kg.pipeline.load import Progress

    big = tmp_path / "big.nt"
    big.write_text(
        "".join(
            f'<https://example.org/s{i}> <https://example.org/p> "{i}" .\n' for i in range(60_000)
        ),
        encoding="utf-8",
    )

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    progress = Progress(stream=screen)
    source = parse_file(big, big.as_uri(), "extra", progress)
    progress.done(big, len(source.triples))
    text = screen.getvalue()
    assert "50,000 triples" in text  # the running count on a long file
    assert "parsed" in text and "60,000 triples" in text
