"""The state of the capture being read, turned into a ``Capture`` at its end."""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from netnorm.model.enums import Listeners, Platform
from netnorm.parsers.dialect import Section
from netnorm.parsers.row import Row, as_dict

if TYPE_CHECKING:
    from netnorm.decode import Decoded
    from netnorm.parsers.dialect import Dialect

_PROTOCOL, _PID, _STATE = itemgetter("protocol"), itemgetter("pid"), itemgetter("state")


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
    #: ``--platform`` gave the platform: the rows do not change it.
    platform_forced: bool = False
    #: The ``Dialect.NAME`` of its rows (or, before the first row, of its heading or header);
    #: a name, not the module, so that the state pickles.
    dialect: str | None = None
    #: The program, when the rows tell it more exactly than the dialect (``Capture.tool``).
    tool: str | None = None
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
    #: State words no table knows (canonical state UNKNOWN): the first line and the count.
    unknown_states: dict[str, list[int]] = field(default_factory=dict)

    def dialect_module(self) -> Dialect:
        """The dialect of the capture: of its rows, else the first of its platform's."""
        from netnorm.parsers.registry import BY_NAME, dialects_for

        return dialects_for(self.platform)[0] if self.dialect is None else BY_NAME[self.dialect]

    @property
    def numeric(self) -> bool | None:
        """The rows show numbers, not names (``-n``); ``None`` before any row."""
        return None if self.rows == 0 else not self.names_seen

    def tally(self, rows: list[Row], listening: int) -> None:
        """Count a batch of records, ``listening`` of them listening sockets by the rule of
        their dialect."""
        self.rows += len(rows)
        self.last_line = max(self.last_line, rows[-1]["line"])
        self.listen_rows += listening
        self.other_rows += len(rows) - listening
        self.protocols.update(map(_PROTOCOL, rows))
        if not self.owners_seen:
            self.owners_seen = any(pid is not None for pid in map(_PID, rows))
        if "UNKNOWN" in map(_STATE, rows):  # rare: one scan in C per batch
            unknown = self.unknown_states
            for row in rows:
                if row["state"] == "UNKNOWN":
                    seen = unknown.setdefault(row["state_raw"] or "", [row["line"], 0])
                    seen[1] += 1

    def options(self) -> dict[str, Any]:
        """The options of ``CaptureOptions``, inferred from what was seen: what every dialect
        shows the same way here, the rest from ``Dialect.command``."""
        command, shown = self.dialect_module().command(self)
        listeners = shown["listeners"]
        return {
            "numeric": self.numeric,
            "listeners": listeners.value if listeners is not None else None,
            "pid": shown["pid"],
            "program": shown["program"],
            "components": "component" in self.continued,
            "extended": shown.get("extended", False),
            "timers": shown.get("timers", False),
            "security_context": shown.get("security_context", False),
            "wide": shown.get("wide"),
            "bound": self.bound_seen,
            "protocols": sorted(self.protocols),
            "command": command,
        }

    def as_dict(
        self, decoded: Decoded, connections: list[Row], unix_sockets: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """The JSON-ready dict of the capture, in the field order of ``Capture``."""
        return {
            "source": self.source,
            "index": self.index,
            "platform": (self.platform or Platform.LINUX).value,
            "tool": self.tool or self.dialect_module().TOOL,
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
