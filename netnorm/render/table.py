"""Human-readable tables (rich). Capture text only ever enters as ``Text``, never as markup."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from netnorm.parsers.endpoints import format_endpoint
from netnorm.render.records import Writer
from netnorm.render.safe import visible

if TYPE_CHECKING:
    from netnorm.decode import Decoded
    from netnorm.parsers.capture import CaptureState
    from netnorm.parsers.row import Row


class QuietConsole(Console):
    """A console for untrusted text: no markup, no highlighting; a closed pipe (``| head``)
    is a ``BrokenPipeError`` for the command line to end quietly with 0 (rich itself would
    exit 1, which means "findings" here)."""

    def __init__(self, out: IO[str]) -> None:
        super().__init__(file=out, markup=False, highlight=False)

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError


def safe_text(value: Any, style: str = "") -> Text:
    """A rich ``Text`` of untrusted data: markup is literal, control characters are visible."""
    if value is None:
        return Text("")
    return Text(visible(str(value)), style=style)


def endpoint_text(ep: dict[str, Any]) -> str:
    """An endpoint for a table: with its IPv6 zone, and ``…`` when net-tools may have cut it."""
    return format_endpoint(ep, zone=True, mark_cut=True)


def owner_text(conn: dict[str, Any]) -> str:
    """PID, program and components in one cell; a program name net-tools may have cut ends
    in ``…``."""
    parts = []
    if conn["pid"] is not None:
        parts.append(str(conn["pid"]))
    if conn["process"]:
        parts.append(conn["process"] + ("…" if conn["process_truncated"] else ""))
    if conn["components"]:
        parts.append("(" + ", ".join(conn["components"]) + ")")
    if conn["owner_note"]:
        parts.append(f"[{conn['owner_note']}]")
    return " ".join(parts)


def state_text(conn: dict[str, Any]) -> str:
    """The canonical state, with the printed word when it differs (``LISTEN (ABHÖREN)``); the
    raw word alone when there is no canonical state (a raw socket's ``7``)."""
    state = conn["state"]
    raw = conn["state_raw"]
    if not state:
        return raw or ""
    return f"{state} ({raw})" if raw and raw != state else str(state)


def new_table(title: str | Text, columns: tuple[str, ...], **options: Any) -> Table:
    """A left-titled table whose cells fold long text instead of cutting it."""
    table = Table(title=title, title_justify="left", **options)
    for name in columns:
        table.add_column(name, overflow="fold")
    return table


def capture_title(capture: dict[str, Any], count: int) -> Text:
    """The title of a capture's table: source, number, platform, command, rows, host."""
    opts = capture["options"]
    title = Text.assemble(
        safe_text(capture["source"], "bold"),
        f" #{capture['index']} · {capture['platform']} · ",
        safe_text(opts["command"]),
        f" · {count} connections",
    )
    if capture["host"]:
        title.append(" · host ")
        title.append(safe_text(capture["host"]))
    return title


COLUMNS = ("Proto", "Local", "Remote", "State", "Owner", "Line")
Cells = tuple[str, Text, Text, Text, Text, str]


def row_cells(conn: dict[str, Any]) -> Cells:
    """The cells of one connection."""
    return (
        conn["protocol"] + ("6" if conn["family"] == "ipv6" else ""),
        safe_text(endpoint_text(conn["local"])),
        safe_text(endpoint_text(conn["remote"])),
        safe_text(state_text(conn)),
        safe_text(owner_text(conn)),
        str(conn["line"]),
    )


def capture_table(capture: dict[str, Any]) -> Table:
    """One table for the connections of one capture."""
    return rows_table(
        capture_title(capture, len(capture["connections"])),
        [row_cells(c) for c in capture["connections"]],
    )


def rows_table(title: Text | str | None, cells: list[Cells]) -> Table:
    table = new_table(title or "", COLUMNS, expand=False)
    for row in cells:
        table.add_row(*row)
    return table


#: Rows per table with ``--all``: a table is measured whole before it is printed, so a large
#: capture is printed in parts of this many rows.
PART = 1000


class TableWriter(Writer):
    """``parse --format table``: each capture's table as soon as it ends, with its first
    ``limit`` rows and one line that counts the others; with ``limit`` ``None``, every row,
    in tables of ``PART`` rows. Memory holds one table, whatever the size of the input."""

    def __init__(self, out: IO[str], limit: int | None = None) -> None:
        self.console = QuietConsole(out)
        self.limit = limit
        self.cells: list[Cells] = []
        self.more = 0
        self.printed = 0  # rows of the capture already printed (``--all``)
        self.unix_rows = 0

    def connections(self, rows: list[Row], cap: CaptureState) -> None:
        limit = self.limit
        for row in rows:
            if limit is not None and len(self.cells) >= limit:
                self.more += 1
                continue
            self.cells.append(row_cells(row))
            if limit is None and len(self.cells) >= PART:
                first = self.printed + 1
                title = Text.assemble(
                    safe_text(cap.source, "bold"),
                    f" #{cap.index} · rows {first:,}-{first + len(self.cells) - 1:,}",
                )
                self.console.print(rows_table(title, self.cells))
                self.printed += len(self.cells)
                self.cells = []

    def unix(self, record: dict[str, Any], cap: CaptureState | None) -> None:
        self.unix_rows += 1

    def capture(self, cap: CaptureState, decoded: Decoded) -> None:
        console = self.console
        title = capture_title(cap.as_dict(decoded, [], []), cap.rows)
        if self.printed:
            title.append(f" · rows {self.printed + 1:,}-{cap.rows:,}")
        if self.cells or not self.printed:
            console.print(rows_table(title, self.cells))
        if self.more:
            console.print(f"  … {self.more:,} more (use --all or -f jsonl)")
        if self.unix_rows:
            console.print(f"  {self.unix_rows} UNIX domain sockets (use --format json)")
        self.cells, self.more, self.printed, self.unix_rows = [], 0, 0, 0
