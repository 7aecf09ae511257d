"""The one error hierarchy of IODM, and the exit codes the command line maps it to.

Exit codes: 0 ok, 1 invalid data (parse or validation errors, inconsistent ontology),
2 usage (a bad option, an unknown query or parameter, malformed SPARQL), 3 runtime (a store,
a server or the reasoner failed).
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_RUNTIME = 3


class IODMError(Exception):
    """Base class of every error IODM raises on purpose."""

    exit_code = EXIT_RUNTIME

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class UsageError(IODMError):
    """The user asked for something that cannot be done as asked."""

    exit_code = EXIT_USAGE


class InvalidDataError(IODMError):
    """Input data is malformed or breaks the shapes or the ontology."""

    exit_code = EXIT_INVALID


@dataclass(frozen=True)
class Location:
    """Where a problem is: in a text file, a 1-based line and column (column may be unknown);
    in a workbook or CSV sheet, the sheet, the cell (A1 style, e.g. ``C14``) and its column
    header, or the sheet and the row (``line``) when no one cell is at fault.

    >>> str(Location("data.ttl", 12)), str(Location("data.ttl", 12, 5))
    ('data.ttl:12', 'data.ttl:12:5')
    >>> str(Location("coding.xlsx", sheet="responses", cell="C14", header="option"))
    'coding.xlsx › responses › C14 (option)'
    >>> str(Location("coding.xlsx", 14, sheet="responses"))
    'coding.xlsx › responses › row 14'
    """

    file: str
    line: int | None = None
    column: int | None = None
    sheet: str | None = None
    cell: str | None = None
    header: str | None = None

    def __str__(self) -> str:
        if self.sheet is not None or self.cell is not None:
            row = f"row {self.line}" if self.line is not None else None
            parts = [self.file, *(p for p in (self.sheet, self.cell or row) if p)]
            where = " › ".join(parts)
            if self.header:
                where += f" ({self.header})"
            return where
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where


class ParseError(InvalidDataError):
    """An RDF or query file could not be parsed; says where."""

    def __init__(self, location: Location, detail: str, hint: str | None = None) -> None:
        super().__init__(f"{location}: {detail}", hint)
        self.location = location
        self.detail = detail


class InconsistentOntology(InvalidDataError):
    """The reasoner found the ontology plus data inconsistent."""


class StoreError(IODMError):
    """A store could not be opened, read or written."""


class ReasonerError(IODMError):
    """The OWL reasoner could not run (no Java, a crash, a time-out)."""


class QueryError(UsageError):
    """A SPARQL query is malformed or asks for something the engine refuses."""
