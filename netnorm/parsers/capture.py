"""The state of the capture being read, turned into a ``Capture`` at its end."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from netnorm.model.enums import Listeners, Platform
from netnorm.parsers.dialect import Section
from netnorm.parsers.row import Row, as_dict

if TYPE_CHECKING:
    from netnorm.decode import Decoded


@dataclass
class CaptureState:
    """Everything known about the capture being read.

    ``columns`` holds, per dialect name, what the last column header said about the optional
    columns (``Dialect.columns``); the counters feed ``Dialect.command``.
    """

    source: str
    index: int
    first_line: int
    platform: Platform | None = None
    host: str | None = None
    locale: str | None = None
    last_line: int = 0
    listeners: Listeners | None = None
    section: Section = "inet"
    expect_header: bool = False
    columns: dict[str, Any] = field(default_factory=dict)
    unix_owner: bool | None = None
    unix_context: bool = False
    rows: int = 0
    unix_rows: int = 0
    names_seen: bool = False
    listen_rows: int = 0
    other_rows: int = 0
    owners_seen: bool = False
    #: What the continuation lines were (``Dialect.continuation``: image, component, note).
    continued: set[str] = field(default_factory=set)
    bound_seen: bool = False
    elevation_error: bool = False
    protocols: set[str] = field(default_factory=set)
    diagnostics: list[dict[str, Any]] = field(default_factory=list)
    dropped_diagnostics: int = 0

    def options(self) -> dict[str, Any]:
        """The options of ``CaptureOptions``, inferred from what was seen."""
        from netnorm.parsers.registry import dialect_of

        command, options = dialect_of(self.platform).command(self)
        options["command"] = command
        return options

    def as_dict(
        self, decoded: Decoded, connections: list[Row], unix_sockets: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """The JSON-ready dict of the capture, in the field order of ``Capture``."""
        return {
            "source": self.source,
            "index": self.index,
            "platform": (self.platform or Platform.LINUX).value,
            "tool": "netstat",
            "host": self.host,
            "captured_at": None,
            "captured_at_source": None,
            "locale": self.locale,
            "encoding": decoded.encoding,
            "encoding_detected": decoded.detected,
            "first_line": self.first_line,
            "last_line": max(self.last_line, self.first_line),
            "options": self.options(),
            "connections": [as_dict(row) for row in connections],
            "unix_sockets": unix_sockets,
            "diagnostics": self.diagnostics,
        }
