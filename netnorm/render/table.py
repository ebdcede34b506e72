"""Human-readable tables (rich). Capture text only ever enters as ``Text``, never as markup."""

from __future__ import annotations

from typing import IO, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from netnorm.parsers.endpoints import format_endpoint
from netnorm.render.records import CaptureWriter
from netnorm.render.safe import visible


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
    """PID, program and components in one cell."""
    parts = []
    if conn["pid"] is not None:
        parts.append(str(conn["pid"]))
    if conn["process"]:
        parts.append(conn["process"])
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


def capture_table(capture: dict[str, Any]) -> Table:
    """One table for the connections of one capture."""
    opts = capture["options"]
    title = Text.assemble(
        safe_text(capture["source"], "bold"),
        f" #{capture['index']} · {capture['platform']} · ",
        safe_text(opts["command"]),
        f" · {len(capture['connections'])} connections",
    )
    if capture["host"]:
        title.append(" · host ")
        title.append(safe_text(capture["host"]))
    table = new_table(title, ("Proto", "Local", "Remote", "State", "Owner", "Line"), expand=False)
    for conn in capture["connections"]:
        table.add_row(
            conn["protocol"] + ("6" if conn["family"] == "ipv6" else ""),
            safe_text(endpoint_text(conn["local"])),
            safe_text(endpoint_text(conn["remote"])),
            safe_text(state_text(conn)),
            safe_text(owner_text(conn)),
            str(conn["line"]),
        )
    return table


def print_captures(captures: list[dict[str, Any]], console: Console) -> None:
    """Print each capture's table, and its UNIX socket count."""
    for capture in captures:
        console.print(capture_table(capture))
        if capture["unix_sockets"]:
            console.print(
                f"  {len(capture['unix_sockets'])} UNIX domain sockets (use --format json)"
            )


class TableWriter(CaptureWriter):
    """``parse --format table``: each capture's table, once the input is read."""

    def __init__(self, out: IO[str]) -> None:
        super().__init__()
        self.out = out
        self.captures: list[dict[str, Any]] = []

    def write(self, capture: dict[str, Any]) -> None:
        self.captures.append(capture)

    def close(self) -> None:
        if self.captures:
            print_captures(self.captures, QuietConsole(self.out))
