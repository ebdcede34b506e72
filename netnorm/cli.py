"""The ``netnorm`` command line.

Each command reads its inputs, makes one library call per input, renders, and maps errors to
exit codes: 0 ok, 1 findings or differences where a command says so, 2 input or usage errors.
Tracebacks appear only with ``--debug``.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import IO, Annotated, Any, NoReturn

import typer

from netnorm.errors import InputError, NetnormError, UsageError
from netnorm.model.enums import Platform

app = typer.Typer(
    name="netnorm",
    help=(
        "Read saved or piped netstat output from Linux and Windows, normalize it into one "
        "schema, and show which connections leave the network.\n\n"
        "Examples:\n\n"
        "  netstat -npt | netnorm parse\n\n"
        "  netnorm parse --format csv captures/ > all.csv"
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

STDIN = "-"
STRICT_CODES = frozenset({"unrecognised-line", "line-too-long", "unexpected-columns"})


class ParseFormat(str, Enum):
    table = "table"
    jsonl = "jsonl"
    json = "json"
    csv = "csv"


class PlatformOption(str, Enum):
    linux = "linux"
    windows = "windows"


class State:
    """Per-run flags shared by the commands."""

    debug = False
    failed = False


def _err(message: str) -> None:
    from netnorm.render.safe import visible

    sys.stderr.write(visible(message) + "\n")


def fail(exc: NetnormError) -> None:
    """Report one failed input and remember that the run must exit 2."""
    State.failed = True
    _err(f"Error: {exc}")


def expand(paths: list[str]) -> Iterator[str]:
    """Yield files in order: ``-`` for stdin, folders recursed in sorted order.

    A missing path, an unreadable folder or a symlink loop is reported and skipped.
    """
    if not paths:
        yield STDIN
        return
    for raw in paths:
        if raw == STDIN:
            yield STDIN
            continue
        path = Path(raw)
        if not path.exists():
            fail(InputError("no such file or folder", raw))
            continue
        if not path.is_dir():
            yield raw
            continue
        yield from _walk(path)


def _walk(root: Path) -> Iterator[str]:
    seen: set[tuple[int, int]] = set()

    def on_error(exc: OSError) -> None:
        fail(InputError(exc.strerror or "cannot be read", exc.filename))

    for folder, dirs, files in os.walk(root, followlinks=True, onerror=on_error):
        try:
            st = os.stat(folder)
        except OSError as exc:
            fail(InputError(exc.strerror or "cannot be read", folder))
            dirs[:] = []
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen:
            fail(InputError("symlink loop; folder already read", folder))
            dirs[:] = []
            continue
        seen.add(key)
        dirs.sort()
        for name in sorted(files):
            yield os.path.join(folder, name)


def _stdout() -> IO[str]:
    out = sys.stdout
    reconfigure = getattr(out, "reconfigure", None)
    if reconfigure is not None:
        with contextlib.suppress(ValueError, OSError):
            reconfigure(encoding="utf-8", errors="backslashreplace")
    return out


def _source(path: str) -> Any:
    return sys.stdin.buffer if path == STDIN else Path(path)


def _name(path: str) -> str:
    return "<stdin>" if path == STDIN else path


def print_diagnostic(d: dict[str, Any], source: str, quiet: bool) -> None:
    """``file:line: severity: message: text`` on stderr (notices hidden with --quiet)."""
    if quiet and d["severity"] == "notice":
        return
    where = f"{source}:{d['line']}" if d["line"] is not None else source
    text = f": {d['text'].strip()[:120]!s}" if d.get("text") else ""
    _err(f"{where}: {d['severity']}: {d['message']}{text}")


PathsArg = Annotated[
    list[str] | None,
    typer.Argument(
        help="Files or folders to read (folders are read recursively). "
        "Without a path, or with -, read stdin.",
        show_default=False,
    ),
]
PlatformOpt = Annotated[
    PlatformOption | None,
    typer.Option("--platform", help="Skip detection: treat every row as linux or windows."),
]
HostOpt = Annotated[str | None, typer.Option("--host", help="Record this host on every capture.")]
EncodingOpt = Annotated[
    str | None,
    typer.Option(
        "--encoding", help="Read inputs in this encoding (e.g. cp850, cp932) instead of detecting."
    ),
]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="Do not print notices (netstat's own warnings).")
]


@app.callback()
def _root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show a traceback on internal errors.")
    ] = False,
) -> None:
    State.debug = debug


@app.command()
def parse(
    paths: PathsArg = None,
    fmt: Annotated[
        ParseFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="Output format. Default: table on a terminal, jsonl otherwise.",
            show_default=False,
        ),
    ] = None,
    platform: PlatformOpt = None,
    host: HostOpt = None,
    encoding: EncodingOpt = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 2 if any line was not recognised.")
    ] = False,
    quiet: QuietOpt = False,
) -> None:
    """Normalize netstat captures into one schema and print them.

    Linux (net-tools) and Windows (netstat.exe) output is detected per row; a file may hold
    several snapshots (netstat -c, netstat -ano 5, appended logs), each becomes one capture.
    Lines that are not netstat output are reported on stderr as file:line: message.

    Examples:

      netstat -anp | netnorm parse --format jsonl

      netnorm parse --format csv c.txt > c.csv

      netnorm parse --format json --host web01 web01.txt
    """
    from netnorm.api import iter_items
    from netnorm.errors import FormatError
    from netnorm.parsers.stream import Event
    from netnorm.render import records

    out = _stdout()
    chosen = fmt or (ParseFormat.table if out.isatty() else ParseFormat.jsonl)
    plat = Platform(platform.value) if platform else None
    jsonl = records.JsonlWriter(out) if chosen is ParseFormat.jsonl else None
    csvw = records.CsvWriter(out) if chosen is ParseFormat.csv else None
    jsonw = records.JsonWriter(out) if chosen is ParseFormat.json else None
    tables: list[dict[str, Any]] = []
    unrecognised = 0
    for path in expand(paths or []):
        name = _name(path)
        try:
            decoded, items = iter_items(
                _source(path), plat, host=host, encoding=encoding, name=name
            )
            conns: list[Any] = []
            unix: list[dict[str, Any]] = []
            found = False
            first_line = None
            for kind, payload, cap in items:
                if kind == Event.CONNECTION:
                    assert cap is not None  # rows always belong to a capture
                    if jsonl is not None:
                        jsonl.connection(payload, cap)
                    elif csvw is not None:
                        csvw.connection(payload, cap)
                    else:
                        conns.append(payload)
                elif kind == Event.UNIX:
                    if jsonw is not None or chosen is ParseFormat.table:
                        unix.append(payload)
                elif kind == Event.DIAGNOSTIC:
                    if payload["code"] in STRICT_CODES:
                        unrecognised += 1
                    if first_line is None:
                        first_line = payload["line"]
                    print_diagnostic(payload, name, quiet)
                elif kind == Event.CAPTURE:
                    found = True
                    if jsonw is not None or chosen is ParseFormat.table:
                        from netnorm.api import capture_dict

                        d = capture_dict(payload, decoded, conns, unix)
                        if jsonw is not None:
                            jsonw.capture(d)
                        else:
                            tables.append(d)
                    conns, unix = [], []
            if not found:
                raise FormatError("no netstat output found", name, first_line)
        except NetnormError as exc:
            fail(exc)
    for writer in (jsonl, csvw):
        if writer is not None:
            writer.flush()
    if jsonw is not None:
        jsonw.close()
    if tables:
        from rich.console import Console

        from netnorm.render.table import print_captures

        print_captures(tables, Console(file=out, markup=False, highlight=False))
    out.flush()
    if State.failed or (strict and unrecognised):
        if strict and unrecognised and not State.failed:
            _err(f"Error: {unrecognised} lines were not recognised (--strict)")
        raise typer.Exit(2)


@app.command()
def schema(
    model: Annotated[
        str,
        typer.Option(
            "--model", help="Which model: capture, connection, endpoint, diagnostic, unix-socket."
        ),
    ] = "capture",
) -> None:
    """Print the JSON Schema of netnorm's output.

    The field names are a public contract: they may gain siblings but are never renamed.

    Example:

      netnorm schema --model connection > connection.schema.json
    """
    from pydantic import BaseModel

    from netnorm.model import schema as models

    classes: dict[str, type[BaseModel]] = {
        "capture": models.Capture,
        "connection": models.Connection,
        "endpoint": models.Endpoint,
        "diagnostic": models.Diagnostic,
        "unix-socket": models.UnixSocket,
    }
    cls = classes.get(model)
    if cls is None:
        raise UsageError(f"unknown model {model!r}; choose from {', '.join(classes)}")
    _stdout().write(json.dumps(cls.model_json_schema(), indent=2, ensure_ascii=False) + "\n")


@app.command()
def flags(
    command: Annotated[str, typer.Argument(help='A netstat command line, e.g. "netstat -npt".')],
    to: Annotated[
        PlatformOption, typer.Option("--to", help="The platform to translate to.")
    ] = PlatformOption.windows,
) -> None:
    """Translate netstat options between Linux and Windows, and say what has no equivalent.

    The same letters mean different things: -p is "program" on Linux and "protocol" on
    Windows, -o is "timers" on Linux and "PID" on Windows.

    Examples:

      netnorm flags "netstat -npt" --to windows

      netnorm flags "netstat -anob" --to linux
    """
    from netnorm.flags import translate

    result = translate(command, Platform(to.value))
    out = _stdout()
    out.write(result.command + "\n")
    for note in result.notes:
        out.write(f"  note: {note}\n")


def main() -> NoReturn:
    """Console entry point: run the app and turn every failure into a one-line error."""
    State.failed = False
    try:
        app(standalone_mode=False)
    except NetnormError as exc:
        _err(f"Error: {exc}")
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        _err("Aborted.")
        sys.exit(130)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        # the reader went away (| head): stop quietly, like other Unix tools
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        finally:
            sys.exit(0)
    except Exception as exc:
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(2 if isinstance(exc, click.UsageError) else 1)
        if State.debug or "--debug" in sys.argv:
            raise
        _err(f"Error: internal error: {type(exc).__name__}: {exc} (run with --debug for details)")
        sys.exit(2)
    sys.exit(0)
