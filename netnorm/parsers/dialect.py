"""What a dialect module provides, and the structural events its grammar builds.

A dialect is one module (``linux_netstat``, ``windows_netstat`` …) with the names of ``Dialect``:

- ``STRUCTURE``: a pyparsing element for its headings, titles, section lines, messages and column
  headers. It is run with ``parse_string(line, parse_all=True)`` on the stripped line, and its
  parse actions return one of the events below.
- ``ROW``: one ``pp.Regex`` token (``as_match=True``) for a connection row. The reader calls its
  compiled regex on the hot path. ``ROW_STARTS``: the words a row starts with.
- ``record(match, lineno, columns)``: the row match as a record (``netnorm.parsers.row.Row``),
  with the text that fits no column, if any.
- ``accepts(match, columns)``: whether a match of ``ROW`` is a row given what the header
  said (almost always true).
- ``continuation(record, line)``: for rows that go on over several lines (Windows ``-b`` owner
  lines): attach the line to the record and say what it was, or ``None`` when it is not one.
- ``columns(header)``: what a column header says the rows carry, passed to ``record``.
- ``count(capture, records)`` and ``command(capture)``: the capture's counters, and the command
  line those counters show.
- ``unix_record(line, lineno, capture)``: the record of a UNIX domain socket row, or ``None``.

``netnorm.parsers.registry.DIALECTS`` lists them; the reader tries them in that order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

import pyparsing as pp

from netnorm.model.enums import Listeners, Platform
from netnorm.parsers.row import Row

if TYPE_CHECKING:
    from netnorm.parsers.capture import CaptureState

Section = Literal["inet", "unix", "other"]


@dataclass(frozen=True)
class Heading:
    """A heading or title line: it starts a capture of ``platform``, in ``dialect`` (a
    ``Dialect.NAME``) until its rows say otherwise."""

    platform: Platform
    section: Section
    listeners: Listeners | None = None
    locale: str | None = None
    dialect: str | None = None


@dataclass(frozen=True)
class Skipped:
    """The heading of a section that lists no IP sockets (Bluetooth, IPX …); ``proves`` when
    only ``platform`` prints it (macOS kernel sections)."""

    platform: Platform
    proves: bool = False


@dataclass(frozen=True)
class Message:
    """The tool's own message: a warning, or an error instead of rows (``error``)."""

    platform: Platform
    code: str
    message: str
    error: bool = False
    #: The message goes on over the next lines (an opening parenthesis not closed).
    opens: bool = False
    #: A line that is recognised and needs no word (a row of a family netnorm does not read).
    silent: bool = False


@dataclass(frozen=True)
class Header:
    """A column header; ``known`` when its first word is in a vocabulary table, ``dialect``
    when only one dialect prints it."""

    known: bool
    dialect: str | None = None
    platform: Platform | None = None


Structure = Heading | Skipped | Message | Header


class Dialect(Protocol):
    """The names every dialect module defines (see the module docstring)."""

    NAME: str
    #: The program whose output it reads (``Capture.tool``).
    TOOL: str
    #: The platform of its captures when nothing else tells.
    PLATFORM: Platform
    #: Every platform whose captures it reads (``--platform`` keeps the dialects of one).
    PLATFORMS: tuple[Platform, ...]
    STRUCTURE: pp.ParserElement
    ROW: pp.Regex
    #: What a row starts with, blanks aside: a line that does not is never tried with ``ROW``
    #: outside a table (and a dialect not in the input never compiles its regex).
    ROW_STARTS: tuple[str, ...]
    #: Rows may go on over continuation lines (see ``continuation``).
    MULTILINE: bool
    #: A line is first asked whether it continues the pending record, then whether it is a
    #: row: continuation lines may look like rows (a ``State :`` line inside a list block).
    CONTINUATION_FIRST: bool
    #: Its UNIX domain rows form a section of their own, after which Internet rows start a
    #: new capture (netstat); ``False`` when they share the table (``ss``).
    UNIX_SECTION: bool

    def record(self, match: re.Match[str], lineno: int, columns: Any) -> tuple[Row, str | None]:
        """The record of a row match, and the text of the row that fits no column."""

    def accepts(self, match: re.Match[str], columns: Any) -> bool:
        """Whether a match is a row where it stands (a CSV line needs its header first)."""

    def continuation(self, row: Row, line: str) -> str | None: ...
    def columns(self, header: str | None) -> Any: ...
    def count(self, cap: CaptureState, rows: list[Row]) -> None: ...
    def command(self, cap: CaptureState) -> tuple[str, dict[str, Any]]: ...
    def unix_record(
        self, line: str, lineno: int, cap: CaptureState | None
    ) -> dict[str, Any] | None: ...


def every_match(match: re.Match[str], columns: Any) -> bool:
    """``accepts`` for a dialect whose every ``ROW`` match is a row (the reader then skips
    the call on its hot path)."""
    return True


def single_lines(row: Row, line: str) -> str | None:
    """``continuation`` for a dialect that prints every row on one line."""
    return None


def no_unix_rows(line: str, lineno: int, cap: CaptureState | None) -> dict[str, Any] | None:
    """``unix_record`` for a dialect whose listings hold no UNIX domain rows to read."""
    return None


def named(element: pp.ParserElement, name: str, action: Any) -> pp.ParserElement:
    """Name a structural element and give it the parse action that builds its event."""
    element.set_name(name)
    element.add_parse_action(action)
    return element


#: What each phrase token stands for, by its name (for the BNF in the docs).
PHRASES: dict[str, str] = {}
#: Every phrase of every phrase token: each structural element but the header told by its
#: shape starts with one (see ``registry.structure``).
PHRASE_TEXTS: set[str] = set()


def phrases(texts: Any, name: str, source: str, *, whole: bool = False) -> pp.ParserElement:
    """Any one of ``texts`` (longest first), as one named token with the matched text as
    ``text``.

    Args:
        texts: the phrases.
        name: the token's name.
        source: where the phrases come from, for the docs (a table of the vocabulary).
        whole: the phrase must end the line.
    """
    ordered = sorted(set(texts), key=lambda t: (-len(t), t))  # the same order in every run
    PHRASE_TEXTS.update(ordered)
    element = pp.Regex(
        "(?:" + "|".join(re.escape(t) for t in ordered) + ")" + ("$" if whole else "")
    )
    PHRASES[name] = f"one of {len(ordered)} phrases: {source}" + (
        ", the whole line" if whole else ""
    )
    named_copy = element.set_name(name)("text")
    named_copy.mayReturnEmpty = False  # said here: asked, pyparsing would compile the regex
    return named_copy


def rest(pattern: str, name: str) -> pp.ParserElement:
    """What follows a phrase on its line, blanks included (it may be nothing)."""
    element = pp.Regex(pattern)
    # said here: asked, pyparsing would compile the regex when the grammar is built, and
    # every process would pay for all of them before reading its first line
    element.mayReturnEmpty = True
    return element.leave_whitespace().set_name(name)
