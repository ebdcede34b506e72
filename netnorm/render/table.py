"""Human-readable tables (rich). Capture text only ever enters as ``Text``, never as markup."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
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


#: Columns whose text may go on over more lines (names, lists). Every other column keeps each
#: value on one line: an address, a port or a state split in two reads as other values.
WRAPS = frozenset({"Owner", "Process", "Processes", "Hosts", "Before", "After", "Findings"})
#: State words shortened when a table is wider than the terminal (a legend says what they are).
SHORT_STATES = {
    "ESTABLISHED": "EST",
    "SYN_SENT": "SYN_S",
    "SYN_RECEIVED": "SYN_R",
    "FIN_WAIT_1": "FIN_W1",
    "FIN_WAIT_2": "FIN_W2",
    "CLOSE_WAIT": "CLOSE_W",
    "LAST_ACK": "LAST_A",
    "TIME_WAIT": "TIME_W",
    "DELETE_TCB": "DEL_TCB",
}

Cell = str | Text


def new_table(title: str | Text, columns: tuple[str, ...], **options: Any) -> Table:
    """A left-titled table: values stay on one line but in the ``WRAPS`` columns, which
    fold."""
    table = Table(title=title, title_justify="left", **options)
    for name in columns:
        if name in WRAPS:
            table.add_column(name, overflow="fold", min_width=min(len(name), 8))
        else:
            table.add_column(name, no_wrap=True)
    return table


def _short_state(cell: Cell) -> tuple[Cell, str | None]:
    text = cell.plain if isinstance(cell, Text) else cell
    word = text.split(" (", 1)[0]  # LISTEN (LISTENING): the canonical word alone
    short = SHORT_STATES.get(word)
    if short is None:
        return (word if word != text else cell), None
    return short, word


#: What a table gives up, in this order, until it fits the console (see ``fitted_table``).
_LEVELS: tuple[dict[str, Any], ...] = (
    {},
    {"short": True},
    {"short": True, "drop": ("Scope",)},
    {"short": True, "drop": ("Scope", "Line")},
    {"short": True, "drop": ("Scope", "Line"), "owner": 12},
    {"short": True, "drop": ("Scope", "Line"), "stack": True},
    {"short": True, "drop": ("Scope", "Line"), "stack": True, "owner": 6},
    {"short": True, "drop": ("Scope", "Line", "Owner"), "stack": True},
)


def fitted_table(
    console: Console,
    title: str | Text,
    columns: tuple[str, ...],
    rows: list[list[Cell]],
    start: int = 0,
    **options: Any,
) -> tuple[RenderableType, Text | None]:
    """A table that fits the console without splitting a value of a column outside ``WRAPS``,
    and the legend of the state words it shortened (``None`` when it shortened none).

    What it gives up, step by step (from step ``start`` of ``_LEVELS``) until it fits: the
    printed state word beside the canonical one and the length of the long state words
    (``EST``), the Scope column, the Line column; then the Owner column folds into what is
    left, Local and Remote go on two lines of one column (each address whole), and the Owner
    column goes. When a value is wider than any table leaves room for, the rows are printed as
    blocks of lines instead, a value to a line.
    """
    index = fitting_level(console, columns, rows, start)
    if index == len(_LEVELS):
        return _records(title, columns, rows), None
    shape = _Shape(columns, rows, _LEVELS[index], console.width)
    return shape.table(title, options), shape.legend()


def fitting_level(
    console: Console, columns: tuple[str, ...], rows: list[list[Cell]], start: int = 0
) -> int:
    """The first step of ``_LEVELS`` from ``start`` at which these rows fit the console
    (``len(_LEVELS)``: none does), so that the tables of one capture can share their columns.
    Only widths are measured: no table is built."""
    for index in range(start, len(_LEVELS)):
        if _Shape(columns, rows, _LEVELS[index], console.width).needed <= console.width:
            return index
    return len(_LEVELS)


def _records(title: str | Text, columns: tuple[str, ...], rows: list[list[Cell]]) -> Group:
    """The last resort, for a value wider than any table leaves room for: one block of lines
    per row, a value to a line, as wide as its longest value."""
    lines: list[RenderableType] = [Text.assemble(title, style="italic") if title else Text("")]
    for row in rows:
        cell_of = dict(zip(columns, row, strict=True))
        head = [str(cell_of[n]) for n in ("Proto", "State") if cell_of.get(n)]
        if cell_of.get("Line"):
            head.append(f"line {cell_of['Line']}")
        lines.append(Text("  ".join(head), style="bold"))
        for name in columns:
            if name in ("Proto", "State", "Line", "") or not cell_of[name]:
                continue
            label = name.lower() if name != "Remote" else f"remote {cell_of.get('', '')}".strip()
            lines.append(Text.assemble(f"  {label:<9}", cell_of[name]))
    return Group(*lines)


class _Shape:
    """The columns and cells of one ``_LEVELS`` step, and the width they need: each value of
    a column outside ``WRAPS`` on one line, and the longest word of the others."""

    def __init__(
        self, columns: tuple[str, ...], rows: list[list[Cell]], level: dict[str, Any], width: int
    ) -> None:
        drop = set(level.get("drop", ()))
        stack = level.get("stack", False) and "Local" in columns and "Remote" in columns
        names: list[str] = []
        for name in columns:
            if name in drop or (stack and name in ("", "Remote")):
                continue
            names.append("Local / Remote" if stack and name == "Local" else name)
        self.names = names
        self.used: dict[str, str] = {}  # the short state words shown, and what they stand for
        self.cells = [self._cells(columns, row, bool(level.get("short"))) for row in rows]
        widths = []
        for i, name in enumerate(names):
            values = [_width(cells[i], name in WRAPS) for cells in self.cells]
            widths.append(max([min(len(name), 8) if name in WRAPS else len(name), *values]))
        chrome = 3 * len(names) + 1  # a border and a blank either side of every cell
        self.owner_width: int | None = None
        owner = level.get("owner")
        if owner and "Owner" in names:
            # the Owner column folds into what the other columns leave of the width
            at = names.index("Owner")
            left = width - chrome - sum(w for i, w in enumerate(widths) if i != at)
            widths[at] = self.owner_width = max(owner, left)
        self.needed = sum(widths) + chrome

    def _cells(self, columns: tuple[str, ...], row: list[Cell], short: bool) -> list[Cell]:
        cell_of = dict(zip(columns, row, strict=True))
        cells: list[Cell] = []
        for name in self.names:
            if name == "Local / Remote":
                # the direction arrow, where the table has one, leads the remote address
                arrow = cell_of.get("", "") or " "
                cells.append(Text.assemble(cell_of["Local"], "\n", f"{arrow} ", cell_of["Remote"]))
                continue
            cell = cell_of[name]
            if short and name == "State":
                cell, word = _short_state(cell)
                if word is not None:
                    self.used[str(cell)] = word
            cells.append(cell)
        return cells

    def table(self, title: str | Text, options: dict[str, Any]) -> Table:
        table = new_table(title, tuple(self.names), **options)
        if self.owner_width is not None:
            table.columns[self.names.index("Owner")].max_width = self.owner_width
        for cells in self.cells:
            table.add_row(*cells)
        return table

    def legend(self) -> Text | None:
        """What the short state words stand for (``None`` when none is shown)."""
        if not self.used:
            return None
        pairs = ", ".join(f"{s} {w}" for s, w in sorted(self.used.items()))
        return Text("  " + pairs, style="dim")


def _width(cell: Cell, words: bool = False) -> int:
    """The width of a cell's longest line, or with ``words`` of its longest word."""
    text = cell.plain if isinstance(cell, Text) else cell
    parts = text.split() if words else text.split("\n")
    return max((cell_len(part) for part in parts), default=0)


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


def print_rows(console: Console, title: Text | str, cells: list[Cells]) -> None:
    """A table of connections that fits the console, and its legend."""
    table, legend = fitted_table(console, title, COLUMNS, [list(c) for c in cells], expand=False)
    console.print(table)
    if legend is not None:
        console.print(legend)


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

    def _pause(self) -> None:
        if self.pause_progress is not None:
            self.pause_progress()

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
                self._pause()
                print_rows(self.console, title, self.cells)
                self.printed += len(self.cells)
                self.cells = []

    def unix(self, record: dict[str, Any], cap: CaptureState | None) -> None:
        self.unix_rows += 1

    def capture(self, cap: CaptureState, decoded: Decoded) -> None:
        self._pause()
        console = self.console
        title = capture_title(cap.as_dict(decoded, [], []), cap.rows)
        if self.printed:
            title.append(f" · rows {self.printed + 1:,}-{cap.rows:,}")
        if self.cells or not self.printed:
            print_rows(console, title, self.cells)
        if self.more:
            console.print(f"  … {self.more:,} more (use --all or -f jsonl)")
        if self.unix_rows:
            console.print(f"  {self.unix_rows} UNIX domain sockets (use --format json)")
        self.cells, self.more, self.printed, self.unix_rows = [], 0, 0, 0
