"""Errors raised by the netnorm library.

Every error carries the source it concerns and, where it applies, the 1-based line,
so that the CLI can print one honest line instead of a traceback.
"""

from __future__ import annotations


class NetnormError(ValueError):
    """Base class for every error netnorm raises on purpose.

    Args:
        message: what went wrong, in one sentence.
        source: the file name, ``<stdin>`` or ``<text>``.
        line: the 1-based line number, when the error concerns one line.
    """

    def __init__(self, message: str, source: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line

    def where(self) -> str:
        """Return ``file:line``, ``file`` or an empty string."""
        if self.source is None:
            return ""
        return self.source if self.line is None else f"{self.source}:{self.line}"

    def __str__(self) -> str:
        where = self.where()
        return f"{self.message} ({where})" if where else self.message


def reason(exc: OSError, default: str | None = None) -> str:
    """What an ``OSError`` says went wrong, in lower case for the middle of a sentence."""
    return (exc.strerror or default or str(exc)).lower()


class InputError(NetnormError):
    """An input could not be read: missing, unreadable, a folder loop, not text."""


class FormatError(NetnormError):
    """An input was read but holds no netstat output netnorm recognises."""


class OutputError(NetnormError):
    """The output cannot be written: a closed standard output."""


class UsageError(NetnormError):
    """Options or arguments that cannot work together."""
