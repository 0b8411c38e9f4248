"""Errors that end a command with a one-line message and a documented exit code.

Exit codes (documented in README.md):
  0  success / no error findings
  1  validation found errors (``validate``), or a refused overwrite (``add`` without ``--force``)
  2  usage, configuration or unreadable input
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


class InferopsError(Exception):
    """A user-facing failure: ``str(err)`` is the whole message, one line, naming the file and line."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        self.file = file
        self.line = line
        where = ""
        if file:
            where = f"{file}:{line}: " if line else f"{file}: "
        super().__init__(f"{where}{message}")


class ConflictError(InferopsError):
    """A generated file was edited by hand and would be overwritten (use --force)."""

    exit_code = EXIT_FINDINGS
