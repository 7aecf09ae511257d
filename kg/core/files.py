"""Files others will read, written atomically: the one way IODM writes a file.

A reader never sees a half-written file and a failure leaves the old file as it was: the data
goes to a temporary sibling, which is flushed, given the mode of a file others will read
(0644: the owner writes, everyone reads), and renamed over the target. A full disk (or quota)
is a :class:`NoSpaceError` naming the file, not a traceback; the temporary file is removed.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from kg.core.errors import IODMError

#: The mode of every file IODM writes: exports, figures, pages, dumps are meant to be shared.
FILE_MODE = 0o644


#: the errors of a device or quota that is full
FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


class NoSpaceError(IODMError):
    """The device (or the user's quota) is full: nothing was changed."""


def disk_error(error: OSError, path: str | Path) -> IODMError | None:
    """The error to report for an ``OSError`` while writing ``path``: a :class:`NoSpaceError`
    for a full device or quota, else None (the caller re-raises)."""
    if error.errno in FULL:
        return NoSpaceError(
            f"no space left on device: {path}",
            "free some space (or write elsewhere) and run the command again; nothing was changed",
        )
    return None


@contextmanager
def atomic_open(path: str | Path, binary: bool = False) -> Iterator[IO[Any]]:
    """Open a temporary sibling of ``path`` for writing; on success it replaces ``path``.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_open(target) as out:
    ...     _ = out.write("hello")
    >>> target.read_text(), oct(target.stat().st_mode & 0o777)
    ('hello', '0o644')
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as e:
        raise (disk_error(e, path) or e) from None
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else _TEXT)) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        full = disk_error(e, path)
        if full is None:
            raise
        raise full from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_TEXT: dict[str, Any] = {"encoding": "utf-8", "newline": ""}


def write_text(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_open(path) as out:
        out.write(text)


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_open(path, binary=True) as out:
        out.write(data)
