"""The one atomic write: all or nothing, and a file others can read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kg.core.files import FILE_MODE, atomic_open, write_bytes, write_text


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.ttl"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_open(target) as out:
        out.write("half a new fi")
        raise RuntimeError("the disk is full")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.ttl"]


def test_files_are_readable_by_others_whatever_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o077)
    try:
        write_text(tmp_path / "a" / "text.txt", "héllo\n")
        write_bytes(tmp_path / "b.png", b"\x89PNG")
    finally:
        os.umask(previous)
    assert (tmp_path / "a" / "text.txt").read_bytes() == "héllo\n".encode()
    assert (tmp_path / "b.png").read_bytes() == b"\x89PNG"
    for path in (tmp_path / "a" / "text.txt", tmp_path / "b.png"):
        assert path.stat().st_mode & 0o777 == FILE_MODE == 0o644


def test_text_is_written_as_given(tmp_path: Path) -> None:
    write_text(tmp_path / "crlf.csv", "a,b\r\n1,2\r\n")  # CSV line ends survive (newline="")
    assert (tmp_path / "crlf.csv").read_bytes() == b"a,b\r\n1,2\r\n"
